"""The gold set is sound, bad question files fail clearly, and the runner scores a scripted answerer exactly."""

import datetime as dt
import json
from pathlib import Path

import pytest

from evals.gate import Thresholds, ThresholdsError, check_gate, load_thresholds
from evals.metrics import contains
from evals.runner import DEFAULT_QUESTIONS, GoldQuestion, GoldSetError, load_questions, run_eval
from rag import errors
from rag.models import Answer, Chunk, Citation, ScoredChunk
from rag.sources import load_sources

SOURCES = Path(__file__).resolve().parents[1] / "sources"
PARAPHRASES = Path(__file__).resolve().parents[1] / "evals" / "paraphrases" / "questions.jsonl"

# --- the gold set ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gold() -> list[GoldQuestion]:
    return load_questions(DEFAULT_QUESTIONS)


@pytest.fixture(scope="module")
def source_texts() -> dict[str, str]:
    return {s.source_id: s.text for s in load_sources([SOURCES])}


def test_gold_set_has_the_promised_size_and_mix(gold):
    unanswerable = [q for q in gold if q.unanswerable]
    assert len(gold) >= 60
    assert len(unanswerable) >= 15
    tags = {t for q in gold for t in q.tags}
    assert {
        "number",
        "person",
        "organisation",
        "place",
        "date",
        "reason",
        "dataset",
        "follow-up",
        "paraphrase",
        "spelling",
        "near-miss",
        "as-of",
    } <= tags
    assert any(q.history for q in gold if q.unanswerable) and any(q.as_of for q in unanswerable)


def test_gold_set_uses_the_articles_own_spelling_variants(gold):
    text = " ".join(q.question for q in gold)
    for variant in ("Jaffar Express", "Jafar Express", "Saher Baloch", "Sahar Baloch"):
        assert variant in text


def test_every_evidence_string_is_verbatim_in_the_cleaned_sources(gold, source_texts):
    missing = [(q.id, e) for q in gold for e in q.evidence if not any(e in text for text in source_texts.values())]
    assert missing == []
    dataset_evidence = [q.id for q in gold if any(e in source_texts["balochistan-figures"] for e in q.evidence)]
    assert len(dataset_evidence) >= 5


def test_the_paraphrase_set_is_verbatim_paraphrased_and_about_the_seed_article(source_texts):
    from evals.archive import problems

    paraphrases = load_questions(PARAPHRASES)
    assert len([q for q in paraphrases if not q.unanswerable]) >= 100 and len([q for q in paraphrases if q.unanswerable]) >= 25
    for q in paraphrases:
        q.sources = ["balochistan-attacks-pakistan-promises"]
    assert problems(paraphrases, source_texts) == []  # evidence verbatim, answers inside it, no 4-word copies


@pytest.mark.parametrize("path", [DEFAULT_QUESTIONS, PARAPHRASES], ids=["seed", "paraphrases"])
def test_a_question_whose_time_words_depend_on_the_day_names_its_day(path):
    # "Saturday", "in May", "last year" read against the day the eval runs would make its figures move
    # with the calendar; "in 2025" means the same on any day.
    from rag.history import standalone
    from rag.timewindow import find_window

    def window(q: GoldQuestion, day: dt.date):
        found = find_window(standalone(q.question, q.history).query, day)
        return found and (found.start, found.end)

    undated = [q.id for q in load_questions(path) if q.as_of is None and window(q, dt.date(2026, 12, 3)) != window(q, dt.date(2027, 7, 1))]
    assert undated == []


def test_every_answerable_question_has_an_answer_inside_its_evidence(gold):
    # Otherwise a fully supported, correct answer could not exist and citation support would be noise.
    assert [q.id for q in gold if q.evidence and not any(contains(e, q.answers) for e in q.evidence)] == []


# --- bad question files -----------------------------------------------------------------------------

GOOD = '{"id": "q1", "question": "Who?", "answers": ["India"], "evidence": ["India is behind these attacks"]}'


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ('{"id": "q2", "question": "Who?", ', "line 3: not valid JSON"),
        ('{"id": "q2", "answers": ["x"], "evidence": ["x"]}', "line 3: question: Field required"),
        ('{"id": "q2", "question": "Who?", "answers": "India", "evidence": ["x"]}', "line 3: answers:"),
        ('{"id": "q2", "question": "Who?", "unanswerable": "yes"}', "line 3: unanswerable:"),
        ('{"id": 7, "question": "Who?", "unanswerable": true}', "line 3: id:"),
        ('{"id": "q2", "question": "  ", "unanswerable": true}', "line 3: question: Value error, must not be blank"),
        ('{"id": "q2", "question": "Who?", "answers": ["India"], "evidence": []}', "line 3: Value error, an answerable question needs"),
        ('{"id": "q2", "question": "Who?", "answers": ["India"], "unanswerable": true}', "line 3: Value error, an unanswerable question"),
        ('{"id": "q2", "question": "Who?", "unanswerable": true, "as_of": "2026-13-40"}', "line 3: as_of:"),
        ('{"id": "q2", "question": "Who?", "unanswerable": true, "answer": "x"}', "line 3: answer: Extra"),
        ('{"id": "q2", "question": "Who?", "unanswerable": true, "history": [{"role": "bot", "content": "x"}]}', "line 3: history.0.role"),
        ('["not", "an", "object"]', "line 3: Input should be an object"),
        ('{"id": "q1", "question": "Again?", "unanswerable": true}', "line 3: id 'q1' already used on line 1"),
    ],
)
def test_a_malformed_line_is_named(tmp_path, bad_line, message):
    path = tmp_path / "questions.jsonl"
    path.write_text(f"{GOOD}\n\n{bad_line}\n")
    with pytest.raises(GoldSetError) as caught:
        load_questions(path)
    assert f"{path} {message}" in str(caught.value)


def test_an_empty_or_missing_file_is_an_error(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n")
    with pytest.raises(GoldSetError, match="no questions"):
        load_questions(empty)
    with pytest.raises(GoldSetError, match="cannot read"):
        load_questions(tmp_path / "absent.jsonl")


def test_the_thresholds_file_parses_and_rejects_typos(tmp_path):
    assert isinstance(load_thresholds(), Thresholds)
    typo = tmp_path / "t.toml"
    typo.write_text("[gate]\nmin_acuracy = 0.5\n")
    with pytest.raises(ThresholdsError, match="min_acuracy"):
        load_thresholds(typo)


# --- scoring a scripted answerer ----------------------------------------------------------------------


def citation(n: int, quote: str) -> Citation:
    return Citation(n=n, source_id="s", title="T", quote=quote, start=0, end=len(quote), score=1.0)


class ScriptedAnswerer:
    """Answers and retrieval results fixed per question, and a record of every call."""

    def __init__(self, script: dict[str, tuple[str, bool, list[str]]], retrieved: dict[str, list[str]]):
        self.script, self.retrieved, self.asked, self.searched = script, retrieved, [], []

    def ask(self, question, history=(), filters=None):
        self.asked.append((question, list(history), filters))
        text, answerable, quotes = self.script[question]
        return Answer(question=question, answer=text, answerable=answerable, citations=[citation(n, q) for n, q in enumerate(quotes, 1)])

    def retrieve(self, question, filters=None, k=None):
        self.searched.append((question, filters, k))
        return [
            ScoredChunk(chunk=Chunk(chunk_id=f"c{i}", source_id="s", text=t, start=0, end=len(t)), score=1.0)
            for i, t in enumerate(self.retrieved.get(question, []))
        ]


def q(id, question, answers=(), evidence=(), **kw) -> GoldQuestion:
    return GoldQuestion(id=id, question=question, answers=list(answers), evidence=list(evidence), unanswerable=not answers, **kw)


CASES = [
    q("a1", "Who was blamed?", ["India"], ["India is behind these attacks"]),
    q("a2", "How many fighters?", ["145"], ["the army killed 145 fighters"]),
    q("a3", "Which port?", ["Gwadar"], ["development of Gwadar"]),
    q("u1", "Who founded the BLA?"),
    q("u2", "When was the BLA founded?"),
]
SCRIPT = {
    "Who was blamed?": ("India is to blame.", True, ["Naqvi: India is behind these attacks."]),  # correct, supported
    "How many fighters?": ("Many fighters [1]: “145 fighters died”.", True, ["Gwadar is a port."]),  # correct, unsupported
    "Which port?": ("I cannot answer that from the sources.", False, []),  # false refusal
    "Who founded the BLA?": ("I cannot answer that from the sources.", False, []),  # proper refusal
    "When was the BLA founded?": ("It was founded in 2000.", True, ["founded in 2000"]),  # answered the unanswerable
}
RETRIEVED = {
    "Who was blamed?": ["Gwadar", "India is behind these attacks."],  # rank 2
    "How many fighters?": ["nothing useful"],  # not retrieved
    "Which port?": ["the development of Gwadar, the only deep sea port"],  # rank 1
}


def test_scores_match_a_hand_count():
    report = run_eval(ScriptedAnswerer(SCRIPT, RETRIEVED), CASES, search_query=lambda question, history: question)
    s = report.summary
    assert (s.n, s.n_answerable, s.n_unanswerable, s.n_citations) == (5, 3, 2, 3)
    assert s.answer_accuracy == pytest.approx(2 / 3)
    assert s.lead_accuracy == pytest.approx(1 / 3)  # a2 gives 145 only after its first marker
    assert s.citation_support == 0.5  # a1 of {a1, a2}
    assert s.citation_precision == pytest.approx(1 / 3)  # a1's quote; a2's and u2's cite nothing useful
    assert s.refusal_accuracy == 0.5
    assert s.false_refusal_rate == pytest.approx(1 / 3)
    assert (s.recall_at_1, s.recall_at_3, s.recall_at_5, s.recall_at_10) == pytest.approx((1 / 3, 2 / 3, 2 / 3, 2 / 3))
    assert s.mrr == pytest.approx((1 / 2 + 0 + 1) / 3)
    assert 0 <= s.latency_p50_ms <= s.latency_p95_ms
    by_id = {r.id: r for r in report.results}
    assert [by_id[i].passed for i in ("a1", "a2", "a3", "u1", "u2")] == [True, False, False, True, False]
    assert (by_id["a2"].correct, by_id["a2"].supported, by_id["a3"].refused) == (True, False, True)
    assert by_id["u1"].retrieval_rank is None and by_id["u1"].supported is None
    assert report.gate.passed and report.gate.checks == []  # no thresholds given


def test_a_quote_holding_the_answer_but_not_the_gold_sentence_counts_only_as_quoted():
    cases = [q("a", "How many fighters?", ["145"], ["the army killed 145 fighters"])]
    script = {"How many fighters?": ("145 fighters [1].", True, ["Officials said 145 fighters died."])}
    s = run_eval(ScriptedAnswerer(script, {}), cases, search_query=lambda question, history: question).summary
    assert (s.lead_and_cited, s.lead_and_quoted) == (0.0, 1.0)


def test_the_gate_fails_on_any_missed_threshold():
    report = run_eval(
        ScriptedAnswerer(SCRIPT, RETRIEVED),
        CASES,
        Thresholds(min_accuracy=0.6, min_refusal=0.75),
        search_query=lambda question, history: question,
    )
    assert not report.gate.passed
    assert [(c.metric, c.passed) for c in report.gate.checks] == [("answer_accuracy", True), ("refusal_accuracy", False)]
    strict = check_gate(report.summary, Thresholds(max_false_refusal=0.2, min_recall_at_5=0.9))
    assert [c.passed for c in strict.checks] == [False, False]


def test_a_metric_no_question_measures_is_reported_not_failed():
    report = run_eval(
        ScriptedAnswerer(SCRIPT, RETRIEVED), CASES[:1], Thresholds(min_refusal=0.9), search_query=lambda question, history: question
    )
    assert report.summary.refusal_accuracy is None
    assert report.gate.passed and report.gate.checks[0].value is None


def test_follow_ups_and_dates_reach_ask_and_retrieve_as_ask_sees_them():
    gold = q(
        "f1",
        "How much is it worth?",
        ["$60 billion"],
        ["$60 billion"],
        as_of=dt.date(2026, 2, 2),
        history=[{"role": "user", "content": "What is CPEC?"}, {"role": "assistant", "content": "A corridor."}],
    )
    answerer = ScriptedAnswerer({"How much is it worth?": ("$60bn.", True, ["the $60 billion CPEC"])}, {})
    report = run_eval(answerer, [gold], search_query=lambda question, history: f"{history[0].content} {question}", warm_up=False)
    ((question, history, filters),) = answerer.asked
    assert question == "How much is it worth?" and [m.content for m in history] == ["What is CPEC?", "A corridor."]
    assert filters.as_of == dt.date(2026, 2, 2)
    assert answerer.searched == [("What is CPEC? How much is it worth?", filters, 10)]
    assert report.results[0].correct and report.results[0].supported


def test_index_errors_propagate_and_question_errors_name_the_question():
    class Failing(ScriptedAnswerer):
        def __init__(self, exc):
            super().__init__({}, {})
            self.exc = exc

        def ask(self, question, history=(), filters=None):
            raise self.exc

    with pytest.raises(errors.IndexEmpty):
        run_eval(Failing(errors.IndexEmpty("the index is empty")), CASES, search_query=lambda q, h: q)
    with pytest.raises(GoldSetError, match="question 'a1': please ask in English"):
        run_eval(Failing(errors.BadQuestion("please ask in English")), CASES, search_query=lambda q, h: q)


# --- the real pipeline ----------------------------------------------------------------------------------


def test_an_empty_index_is_a_clear_error(tmp_path, gold):
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    with pytest.raises(errors.IndexEmpty, match="empty"):
        run_eval(Pipeline(Settings(index_dir=tmp_path / "index")), gold[:1])


def test_the_pipeline_answers_a_slice_of_the_gold_set(seed_pipeline, gold):
    picked = [g for g in gold if g.id in {"num-civilians", "follow-cpec-value", "un-weather", "un-asof-before"}]
    report = run_eval(seed_pipeline, picked)
    assert [r.id for r in report.results] == [g.id for g in picked]
    by_id = {r.id: r for r in report.results}
    assert by_id["num-civilians"].retrieval_rank is not None
    assert by_id["un-asof-before"].refused and by_id["un-asof-before"].citations == []  # no source that old
    for r in report.results:
        assert all(c.quote for c in r.citations)
    json.loads(report.model_dump_json())  # the report serialises
