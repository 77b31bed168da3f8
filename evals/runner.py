"""Run the gold set through the same `ask()` every other caller uses and score it.

    from evals.gate import load_thresholds
    from evals.runner import load_questions, run_eval
    report = run_eval(Pipeline(settings), load_questions(path), load_thresholds())
    report.gate.passed  # False when any threshold is missed

The runner accepts anything with `.ask(question, history, filters)` and `.retrieve(question, filters, k)`,
so a test can hand it a deliberately broken answerer and watch the gate fail.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from evals import metrics
from evals.flagged import FlaggedAnswer
from evals.gate import Gate, Thresholds, check_gate
from rag import errors
from rag.models import Answer, Citation, Filters, Message, ScoredChunk

if TYPE_CHECKING:
    from rag.history import Standalone

DEFAULT_QUESTIONS = Path(__file__).parent / "questions.jsonl"
RECALL_KS = (1, 3, 5, 10)


class GoldSetError(ValueError):
    """The questions file (or a question in it) is unusable; the message names the line or the id."""


class Answerer(Protocol):
    def ask(self, question: str, history: Sequence[Message] = (), filters: Filters | None = None) -> Answer: ...

    def retrieve(self, question: str, filters: Filters | None = None, k: int | None = None) -> list[ScoredChunk]: ...


class GoldQuestion(BaseModel):
    """One line of questions.jsonl. Strict: a number where a string belongs is an error, not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answers: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    unanswerable: bool = False
    as_of: dt.date | None = None
    history: list[Message] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)  # ids of the articles the question was written from
    flagged: FlaggedAnswer | None = None  # a candidate from `rag feedback export`: what was answered; not scored

    @field_validator("id", "question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("answers", "evidence")
    @classmethod
    def _no_blank_items(cls, values: list[str]) -> list[str]:
        if any(not metrics.normalise(v) for v in values):
            raise ValueError("contains a string with no words or numbers in it")
        return values

    @model_validator(mode="after")
    def _answers_match_label(self) -> GoldQuestion:
        if self.unanswerable and (self.answers or self.evidence):
            raise ValueError("an unanswerable question must have no answers and no evidence")
        if not self.unanswerable and not (self.answers and self.evidence):
            raise ValueError("an answerable question needs at least one answer and one evidence string")
        return self

    def filters(self) -> Filters | None:
        return Filters(as_of=self.as_of) if self.as_of else None

    @property
    def asked(self) -> str:
        """The question as ask() reads it: whitespace collapsed."""
        return " ".join(self.question.split())

    def standalone(self) -> Standalone:
        """What ask() answers and searches with for this question, its history resolved (rag.history)."""
        from rag.history import standalone

        return standalone(self.asked, self.history)


class QuestionResult(BaseModel):
    id: str
    question: str
    answer: str
    answerable: bool  # the gold label: the sources do answer it
    expected: list[str]
    citations: list[Citation]
    correct: bool  # answerable: an acceptable answer given; unanswerable: refused with no citation
    correct_in_lead: bool | None  # answerable: the acceptable answer is in the text before the first [n]
    supported: bool | None  # a cited quote holds an evidence string (None for unanswerable questions)
    # looser: a cited quote holds an acceptable answer or an evidence string (metrics.holds_answer)
    quoted: bool | None = None
    refused: bool  # what the system did: Answer.answerable is False
    precise_citations: int
    retrieval_rank: int | None  # rank of the first retrieved chunk holding evidence, within the top 10
    latency_ms: float
    passed: bool
    tags: list[str] = Field(default_factory=list)


class Summary(BaseModel):
    n: int
    n_answerable: int
    n_unanswerable: int
    answer_accuracy: float | None
    lead_accuracy: float | None  # stricter: only the answer's lead (before its first [n]) counts
    lead_and_cited: float | None  # the judge's measure: the lead states an acceptable answer and a cited quote holds it
    # looser: a cited quote holds an acceptable answer, though not the gold evidence sentence (another
    # sentence or article saying the same; or, rarely, the figure by coincidence)
    lead_and_quoted: float | None = None
    citation_support: float | None
    citation_precision: float | None
    n_citations: int
    refusal_accuracy: float | None
    false_refusal_rate: float | None
    recall_at_1: float | None
    recall_at_3: float | None
    recall_at_5: float | None
    recall_at_10: float | None
    mrr: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    pass_rate_by_tag: dict[str, float] = Field(default_factory=dict)
    questions_by_tag: dict[str, int] = Field(default_factory=dict)
    recall_at_5_by_tag: dict[str, float | None] = Field(default_factory=dict)  # over the tag's answerable questions


class EvalReport(BaseModel):
    summary: Summary
    gate: Gate
    results: list[QuestionResult]


def load_questions(path: Path) -> list[GoldQuestion]:
    """Parse and validate every line before anything runs; the first bad line raises GoldSetError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldSetError(f"{path}: cannot read: {exc}") from None
    questions: list[GoldQuestion] = []
    seen: dict[str, int] = {}
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            question = GoldQuestion.model_validate_json(line)
        except ValidationError as exc:
            raise GoldSetError(f"{path} line {line_no}: {_describe(exc)}") from None
        if question.id in seen:
            raise GoldSetError(f"{path} line {line_no}: id {question.id!r} already used on line {seen[question.id]}")
        seen[question.id] = line_no
        questions.append(question)
    if not questions:
        raise GoldSetError(f"{path}: no questions in the file")
    return questions


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    if first["type"] == "json_invalid":
        return f"not valid JSON ({first['ctx'].get('error', first['msg'])})"
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def judge(gold: GoldQuestion, answer: Answer, retrieved: Sequence[str] | None, latency_ms: float) -> QuestionResult:
    quotes = [c.quote for c in answer.citations]
    refused = not answer.answerable
    if gold.unanswerable:
        correct, in_lead, supported, quoted = metrics.is_proper_refusal(refused, len(quotes)), None, None, None
    else:
        correct = metrics.is_correct(answer.answer, refused, gold.answers)
        in_lead = metrics.is_correct(metrics.answer_lead(answer.answer), refused, gold.answers)
        supported = metrics.is_supported(quotes, gold.evidence)
        quoted = metrics.holds_answer(quotes, gold.answers, gold.evidence)
    return QuestionResult(
        id=gold.id,
        question=gold.question,
        answer=answer.answer,
        answerable=not gold.unanswerable,
        expected=gold.answers,
        citations=answer.citations,
        correct=correct,
        correct_in_lead=in_lead,
        supported=supported,
        quoted=quoted,
        refused=refused,
        precise_citations=metrics.precise_citations(quotes, gold.answers, gold.evidence),
        retrieval_rank=metrics.evidence_rank(retrieved, gold.evidence) if retrieved is not None else None,
        latency_ms=round(latency_ms, 2),
        passed=(correct if gold.unanswerable else bool(in_lead and supported)),
        tags=gold.tags,
    )


def summarise(results: Sequence[QuestionResult]) -> Summary:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    ranks = [r.retrieval_rank for r in answerable]
    latencies = [r.latency_ms for r in results]
    n_citations = sum(len(r.citations) for r in results)
    tags = sorted({tag for r in results for tag in r.tags})
    return Summary(
        n=len(results),
        n_answerable=len(answerable),
        n_unanswerable=len(unanswerable),
        answer_accuracy=metrics.share([r.correct for r in answerable]),
        lead_accuracy=metrics.share([bool(r.correct_in_lead) for r in answerable]),
        lead_and_cited=metrics.share([bool(r.correct_in_lead and r.supported) for r in answerable]),
        lead_and_quoted=metrics.share([bool(r.correct_in_lead and r.quoted) for r in answerable]),
        citation_support=metrics.share([bool(r.supported) for r in answerable if r.correct]),
        citation_precision=sum(r.precise_citations for r in results) / n_citations if n_citations else None,
        n_citations=n_citations,
        refusal_accuracy=metrics.share([r.correct for r in unanswerable]),
        false_refusal_rate=metrics.share([r.refused for r in answerable]),
        **{f"recall_at_{k}": metrics.recall_at_k(ranks, k) for k in RECALL_KS},
        mrr=metrics.mean_reciprocal_rank(ranks),
        latency_p50_ms=metrics.percentile(latencies, 50),
        latency_p95_ms=metrics.percentile(latencies, 95),
        pass_rate_by_tag={t: metrics.share([r.passed for r in results if t in r.tags]) for t in tags},
        questions_by_tag={t: sum(t in r.tags for r in results) for t in tags},
        recall_at_5_by_tag={t: metrics.recall_at_k([r.retrieval_rank for r in answerable if t in r.tags], 5) for t in tags},
    )


def run_eval(
    pipeline: Answerer,
    questions: Sequence[GoldQuestion],
    thresholds: Thresholds | None = None,
    *,
    search_query: Callable[[str, Sequence[Message]], str] | None = None,
    on_result: Callable[[QuestionResult], None] | None = None,
    warm_up: bool = True,
) -> EvalReport:
    """Ask every question, retrieve for every answerable one, and score the lot against the gate.

    `search_query` turns a question and its history into the query retrieval is measured with; by default
    the one ask() searched with (`GoldQuestion.standalone`).
    """
    if warm_up and questions:
        # Model loading on the first call is start-up cost, not per-question latency.
        _ask(pipeline, questions[0])
    results = []
    for gold in questions:
        started = time.perf_counter()
        answer = _ask(pipeline, gold)
        latency_ms = (time.perf_counter() - started) * 1000
        retrieved = None
        if not gold.unanswerable:
            query = search_query(gold.asked, gold.history) if search_query else gold.standalone().query
            retrieved = [hit.chunk.text for hit in _retrieve(pipeline, gold, query)]
        result = judge(gold, answer, retrieved, latency_ms)
        results.append(result)
        if on_result:
            on_result(result)
    summary = summarise(results)
    return EvalReport(summary=summary, gate=check_gate(summary, thresholds or Thresholds()), results=results)


def _ask(pipeline: Answerer, gold: GoldQuestion) -> Answer:
    with _blame_question(gold):
        return pipeline.ask(gold.question, gold.history, gold.filters())


def _retrieve(pipeline: Answerer, gold: GoldQuestion, query: str) -> list[ScoredChunk]:
    with _blame_question(gold):
        return pipeline.retrieve(query, gold.filters(), k=max(RECALL_KS))


@contextmanager
def _blame_question(gold: GoldQuestion):
    """Index errors pass through unchanged; any other library error is this question's fault."""
    try:
        yield
    except (errors.IndexEmpty, errors.IndexMismatch, errors.StoreUnavailable):
        raise
    except errors.RagError as exc:
        raise GoldSetError(f"question {gold.id!r}: {exc}") from exc
