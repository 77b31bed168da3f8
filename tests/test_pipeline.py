"""`Pipeline.ask` is the one entry point: whatever drafts an answer, its claims are checked there; an index
written by another version of the code is refused for questions and rebuilt by ingest."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from rag import errors
from rag.models import Answer, Citation, Filters
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.verify import REFUSAL_PREFIX
from tests.conftest import SOURCES

QUESTION = "How many civilians were killed on Saturday?"
SEED_DAY = dt.date(2026, 2, 2)  # the seed article's publication day: its "Saturday" is 31 January


class Draft:
    """An answerer that states a figure its quote does not hold."""

    def answer(self, question, passages, as_of=None):
        p = next(p for p in passages if "31 civilians" in p.chunk.text)
        at = p.chunk.text.index("On Saturday")
        end = p.chunk.text.index(".", at) + 1
        quote = p.chunk.text[at:end]
        citation = Citation(n=1, source_id=p.chunk.source_id, title=p.chunk.title, quote=quote,
                            start=p.chunk.start + at, end=p.chunk.start + end, score=1.0)
        return Answer(question=question, answer="Fighters killed 45 civilians on Saturday [1].", answerable=True, citations=[citation])


def test_every_draft_goes_through_the_claim_check_in_ask(seed_pipeline, monkeypatch):
    monkeypatch.setattr(seed_pipeline, "extractive", Draft())  # cached_property: the instance attribute wins
    answer = seed_pipeline.ask(QUESTION, filters=Filters(as_of=SEED_DAY))
    assert not answer.answerable and answer.answer.startswith(REFUSAL_PREFIX) and answer.citations == []


@pytest.mark.parametrize("version", ["1", "3", "4"], ids=["oldest", "before-stored-analyses", "before-stored-articles"])
def test_an_index_from_another_version_is_refused_for_questions_and_rebuilt_by_ingest(tmp_path, version):
    settings = Settings(index_dir=tmp_path / "index")
    Pipeline(settings).ingest([SOURCES])
    with sqlite3.connect(tmp_path / "index" / "docstore.sqlite") as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'format'", (version,))
    old = Pipeline(settings)
    with pytest.raises(errors.IndexMismatch, match="run `rag ingest`"):
        old.ask(QUESTION)
    report = old.ingest([SOURCES])
    assert report.added == 2 and report.chunks > 0
    assert Pipeline(settings).ask(QUESTION).question == QUESTION


@pytest.mark.parametrize("content", ["Who\x00 blamed India?", "\x1b[2J\x1b[31mWho blamed India?", "Who blamed \x07India?"],
                         ids=["NUL", "ANSI", "BEL"])
def test_history_messages_are_held_to_the_question_s_character_rules(seed_pipeline, content):
    history = [{"role": "user", "content": "Who did Pakistan blame?"}, {"role": "assistant", "content": "India [1]."},
               {"role": "user", "content": content}, {"role": "assistant", "content": "India [1]."}]
    with pytest.raises(errors.BadQuestion, match=r"history\[2\] contains control characters"):
        seed_pipeline.ask("What did he say?", history)


def test_questions_and_history_are_read_without_invisible_characters(seed_pipeline):
    plain = seed_pipeline.ask("Who did Pakistan blame for the attacks?")
    hidden = seed_pipeline.ask("Who did Pak\u200bistan bla\u00adme for the at\u2060tacks?")
    assert hidden.answer == plain.answer and hidden.question == "Who did Pak\u200bistan bla\u00adme for the at\u2060tacks?"
    history = [{"role": "user", "content": "Who leads the B\u200bLA?"},
               {"role": "assistant", "content": "BLA leader Bashir\u200b Zeb [1]."}]
    follow_up = seed_pipeline.ask("What did he say?", history)
    assert follow_up.answer == seed_pipeline.ask("What did Bashir Zeb say?").answer


def test_a_refusal_caused_by_a_filter_says_the_filter_left_nothing(seed_pipeline):
    answer = seed_pipeline.ask("Who did Pakistan blame for the attacks?", filters=Filters(as_of=dt.date(2020, 1, 1)))
    assert not answer.answerable
    assert "No indexed source is published up to 1 January 2020, so nothing was searched" in answer.answer
    assert "Remove or widen the filter" in answer.answer


def test_a_refusal_under_a_filter_names_what_was_searched(seed_pipeline):
    answer = seed_pipeline.ask("What is the literacy rate in Balochistan?", filters=Filters(as_of=dt.date(2026, 3, 1)))
    assert not answer.answerable and "(Only sources published up to 1 March 2026 were searched.)" in answer.answer


# --- time words in the question ------------------------------------------------------------------------
THIS_WEEK = "Who did Pakistan blame for the attacks this week?"


def test_a_this_week_question_asked_that_week_finds_and_answers(seed_pipeline):
    answer = seed_pipeline.ask(THIS_WEEK, filters=Filters(as_of=dt.date(2026, 2, 3)))
    assert answer.answerable and "India" in answer.answer and answer.citations
    assert (answer.window.words, answer.window.published_after, answer.window.published_before) == \
        ("this week", dt.date(2026, 1, 26), dt.date(2026, 2, 3))  # a week's previews and news


def test_a_this_week_question_asked_weeks_later_searches_only_that_week_and_says_so(seed_pipeline):
    answer = seed_pipeline.ask(THIS_WEEK, filters=Filters(as_of=dt.date(2026, 3, 20)))
    assert not answer.answerable and answer.citations == []
    assert 'The question asks about "this week" (16 March 2026 – 22 March 2026)' in answer.answer
    assert "no indexed source is published 9 March 2026 – 20 March 2026, so nothing was searched" in answer.answer
    assert answer.window.published_after == dt.date(2026, 3, 9)


def test_a_window_outside_the_user_s_filter_searches_nothing_and_says_why(seed_pipeline):
    answer = seed_pipeline.ask(THIS_WEEK, filters=Filters(as_of=dt.date(2026, 2, 3), published_before=dt.date(2026, 1, 1)))
    assert not answer.answerable and answer.related == []
    assert 'asks about "this week"' in answer.answer and "the filter keeps only sources published up to 1 January 2026" in answer.answer


def test_recently_prefers_but_never_excludes(seed_pipeline):
    # Nine months after the seed article: nothing is recent, and the article is still searched and cited.
    answer = seed_pipeline.ask("Who did Pakistan recently blame for the attacks?", filters=Filters(as_of=dt.date(2026, 11, 1)))
    assert answer.answerable and "India" in answer.answer and not answer.window.explicit


@pytest.mark.parametrize("question", ["Who did Pakistan blame for the attacks?", "How much has China invested in Pakistan?"])
def test_retrieval_for_a_question_without_time_words_is_unchanged(seed_pipeline, question):
    from rag.retrieve import Retriever

    filters = Filters(as_of=SEED_DAY)
    bare = Retriever(seed_pipeline.settings, seed_pipeline.docs, seed_pipeline.vectors, seed_pipeline.embedder,
                     seed_pipeline._keyword_index()).retrieve(question, filters, 10)
    window, searched, hits = seed_pipeline.search(question, filters, 10)
    assert window is None and searched == filters
    assert [(h.chunk.chunk_id, h.score) for h in hits] == [(h.chunk.chunk_id, h.score) for h in bare]
    assert seed_pipeline.ask(question, filters=filters).window is None


def test_a_questions_time_words_never_hide_an_undated_source(tmp_path, sources_copy):
    # A note with no publication date cannot be placed in time: "in January" must not exclude it,
    # while a date the user filters by still does.
    (sources_copy / "notes").mkdir()
    (sources_copy / "notes" / "port-note.txt").write_text(
        "Port traffic at Gwadar\n\nGwadar port handled 4,321 containers in January, the port authority said.\n")
    pipeline = Pipeline(Settings(index_dir=tmp_path / "index"))
    pipeline.ingest([sources_copy])
    question = "How many containers did Gwadar port handle in January?"
    answer = pipeline.ask(question, filters=Filters(as_of=dt.date(2026, 2, 3)))  # the window: around January 2026
    assert not answer.answerable  # the user's own as-of date keeps undated sources out, as documented
    answer = pipeline.ask(question)
    assert answer.window is not None and answer.answerable and "4,321" in answer.answer


ANSWER_IN_A_NEW_PROCESS = """
import sys
from rag.pipeline import Pipeline
from rag.settings import Settings
answer = Pipeline(Settings(index_dir=sys.argv[1])).ask("Who did Pakistan blame for the attacks?")
assert answer.answerable, answer.answer
print(sorted({m for m in sys.modules if m.startswith(("llama_index.", "fastapi", "gradio"))}))
"""


def test_answering_a_question_loads_no_llama_index_and_no_web_framework(seed_pipeline, seed_settings):
    # loading llama-index took 1.2 s of a cold `rag ask` (3.8 s): its splitter is needed to ingest only
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", ANSWER_IN_A_NEW_PROCESS, str(seed_settings.index_dir)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
