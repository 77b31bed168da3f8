"""The one entry point every caller shares: `Pipeline(settings).ask(question, history, filters)`.

A Pipeline holds the open index (Chroma + docstore + BM25) and the models for the life of a process.
The CLI, the HTTP API, the chat UI and the eval suite all call it; none of them retrieve or answer.
"""

from __future__ import annotations

import functools
import logging
import queue
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from rag import errors
from rag.cleaning import normalise_text
from rag.docstore import DocStore
from rag.embedding import MiniLMEmbedding
from rag.feedback import FeedbackStore
from rag.keyword import KeywordIndex
from rag.models import Answer, Filters, IngestReport, Message, ScoredChunk, Source, SourceInfo, new_answer_id
from rag.normalise import format_date
from rag.relevance import Relevance
from rag.retrieve import Retriever
from rag.settings import Settings
from rag.store import VectorStore
from rag.timewindow import DateWindow, find_window

logger = logging.getLogger("rag")

LLM_DEADLINE_MARGIN_S = 3.0  # on top of RAG_LLM_TIMEOUT_S, for pinning and checking the model's answer
# Of each earlier message, only this much is read: follow-ups resolve against the short answer at its start,
# and a pasted article in the history must not cost seconds of parsing on every request.
HISTORY_MESSAGE_CHARS = 4000
REOPEN_EVERY_S = 2.0  # how stale an embedded store may be after another process ingested
LLM_CALLS_IN_FLIGHT = 8  # beyond this (a stuck backend holding them all) questions go straight to extractive


def _encodable(text: str) -> bool:
    # JSON may carry a lone surrogate ("\ud800"); Python decodes it, but no tokenizer, store or reply can take it.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unusable_char(text: str) -> str | None:
    """Why `text` cannot be processed or sent back as JSON, if it cannot."""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        return "control characters"
    return None if _encodable(text) else "invalid Unicode (a lone surrogate)"


def validate_question(question: str, max_chars: int) -> str:
    """The question as it is matched: checked, normalised like stored text, whitespace collapsed."""
    if not isinstance(question, str) or not question.strip():
        raise errors.BadQuestion("the question is empty")
    if len(question) > max_chars:
        raise errors.BadQuestion(f"the question is {len(question)} characters long; the limit is {max_chars}")
    if problem := _unusable_char(question):
        raise errors.BadQuestion(f"the question contains {problem}")
    question = normalise_text(question)
    if not question.strip():
        raise errors.BadQuestion("the question is empty (only invisible characters)")
    letters = [ch for ch in question if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        raise errors.BadQuestion("please ask in English: the sources and the answerer are English-only")
    return " ".join(question.split())


def validate_message(content: str, name: str) -> str:
    """An earlier message held to the question's rules on characters (it reaches the same parsers, the LLM
    and the logs), then normalised like it; `name` says which message is bad, e.g. "history[2]"."""
    if problem := _unusable_char(content):
        raise errors.BadQuestion(f"{name} contains {problem}")
    return normalise_text(content)


def validate_filters(filters: Filters | None) -> Filters | None:
    for value in [*(filters.sources or []), *(filters.outlets or [])] if filters else []:
        if problem := _unusable_char(value):
            raise errors.BadFilter(f"a source or outlet filter contains {problem}")
    return filters


def _filter_note(refusal: str, filters: Filters, searched: bool) -> str:
    """A refusal under filters says what they kept out, so the reader can tell "not in the sources" from
    "not in the sources the filter left"."""
    if not searched:
        return (f"No indexed source is {filters.describe()}, so nothing was searched. "
                "Remove or widen the filter to search the other sources.")
    return f"{refusal} (Only sources {filters.describe()} were searched.)"


class Search(NamedTuple):
    """What one retrieval searched and found."""

    window: DateWindow | None  # the question's time words, resolved
    filters: Filters | None  # the user's filters narrowed to the window; None: they share no day, nothing searched
    passages: list[ScoredChunk]


class EmptyWindow(Exception):
    """The question's time and the user's date filters have no day in common."""


def within_window(window: DateWindow | None, filters: Filters | None) -> Filters | None:
    """The user's filters narrowed to an explicit window's publication dates (never widened); EmptyWindow
    when the two leave no day at all. A vague window filters nothing."""
    if window is None or not window.explicit:
        return filters
    filters = filters or Filters()
    after = max(d for d in (filters.published_after, window.published_after) if d)
    before = min(d for d in (filters.latest_date(), window.published_before) if d)
    if after > before:
        raise EmptyWindow
    user_dated = bool(filters.published_after or filters.latest_date())
    return filters.model_copy(update={"published_after": after, "published_before": before, "keep_undated": not user_dated})


def _window_note(refusal: str, window: DateWindow, filters: Filters | None, searched: Filters | None, found: bool) -> str:
    """A refusal for a question with time words says which publication dates were searched for them."""
    asked = f'The question asks about "{window.words}" ({format_date(window.start)} – {format_date(window.end)})'
    if searched is None:
        return (f"{asked}, but the filter keeps only sources {filters.describe()}, so nothing was searched. "
                "Widen the filter or ask about another time.")
    if not found:
        return (f"{asked}: no indexed source is {_dates_searched(searched)}, so nothing was searched. "
                "Ask about another time, or set another as-of date, to search the other sources.")
    return f"{refusal} (Only sources {_dates_searched(searched)} were searched, for \"{window.words}\".)"


def _dates_searched(searched: Filters) -> str:
    """ "published 26 January 2026 – 3 February 2026", after any source or outlet the user chose."""
    dates = f"published {format_date(searched.published_after)} – {format_date(searched.latest_date())}"
    rest = searched.model_copy(update={"published_after": None, "published_before": None, "as_of": None}).describe()
    return f"{rest} and {dates}" if rest else dates


class Pipeline:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.docs = DocStore(self.settings.docstore_path)
        self.vectors = VectorStore(self.settings)
        self.embedder = MiniLMEmbedding(self.settings.embed_model, self.settings.embed_batch_size, self.settings.model_cache_dir)
        self.relevance = Relevance()  # one e5 for ingest and answers: its model is loaded once
        self._keyword: KeywordIndex | None = None
        self._keyword_lock = threading.Lock()
        self._vectors_generation = self.docs.generation()
        self._vectors_checked = time.monotonic()
        self._llm_slots = threading.BoundedSemaphore(LLM_CALLS_IN_FLIGHT)

    # --- index ----------------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path] | None = None, prune: bool = False, on_progress=None, on_wait=None) -> IngestReport:
        from rag.ingest import Ingester  # loads llama-index's splitter: answering questions never needs it

        ingester = Ingester(self.settings, self.docs, self.vectors, self.embedder, self.nlp, self.relevance)
        report = ingester.run(paths or [self.settings.sources_dir], prune=prune, on_progress=on_progress, on_wait=on_wait)
        self._keyword = None
        self._vectors_generation = self.docs.generation()  # our own writes are already in our client
        return report

    def _keyword_index(self) -> KeywordIndex:
        generation = self.docs.generation()
        with self._keyword_lock:
            if self._keyword is None or self._keyword.generation != generation:
                index = KeywordIndex.load(self.settings.index_dir / "bm25", generation)
                self._keyword = index or KeywordIndex.build(self.docs.all_chunks(), generation)
            return self._keyword

    def sources(self) -> list[SourceInfo]:
        return self.docs.sources()

    def source(self, source_id: str) -> Source:
        found = self.docs.source(source_id)
        if found is None:
            raise errors.SourceNotFound(f"no indexed source has the id {source_id!r}")
        return found

    def ready(self) -> dict:
        try:
            self.vectors.ping()
            chunks = self.docs.count_chunks()
            return {"ok": chunks > 0, "chunks": chunks, "store": self.vectors.where, "error": None if chunks else "index is empty"}
        except errors.RagError as exc:
            return {"ok": False, "chunks": 0, "store": self.vectors.where, "error": str(exc)}

    # --- questions ------------------------------------------------------------------------------------
    def retrieve(self, question: str, filters: Filters | None = None, k: int | None = None) -> list[ScoredChunk]:
        """The passages ask() would answer from: within the question's time window, if it names one."""
        return self.search(question, filters, k).passages

    def search(self, question: str, filters: Filters | None = None, k: int | None = None) -> Search:
        """Retrieval within the question's time window: the window, the filters searched under, the passages."""
        question = validate_question(question, self.settings.max_question_chars)
        filters = validate_filters(filters)
        self.docs.check_format()
        if self.docs.count_chunks() == 0:
            raise errors.IndexEmpty("the index is empty: run `rag ingest` first")
        window = find_window(question, filters.as_of if filters else None)
        try:
            searched = within_window(window, filters)
        except EmptyWindow:
            return Search(window, None, [])
        self._see_other_writers()
        prefer = (window.published_after, window.published_before) if window and not window.explicit else None
        return Search(window, searched, self.retriever().retrieve(question, searched, k, prefer=prefer))

    def retriever(self) -> Retriever:
        """Hybrid search over the index as it is now; it knows nothing of time words (`search` reads those)."""
        return Retriever(self.settings, self.docs, self.vectors, self.embedder, self._keyword_index())

    def _see_other_writers(self) -> None:
        """Reopen the embedded store once the docstore says the index changed, so `rag serve` answers from
        what a separate `rag ingest` wrote. While such an ingest runs the generation moves with every
        source, hence at most one reopen per REOPEN_EVERY_S."""
        if not self.vectors.embedded or time.monotonic() - self._vectors_checked < REOPEN_EVERY_S:
            return
        self._vectors_checked = time.monotonic()
        generation = self.docs.generation()
        if generation != self._vectors_generation:
            self._vectors_generation = generation
            self.vectors.reopen()

    @functools.cached_property
    def nlp(self):
        from rag.nlp import load_nlp

        return load_nlp()

    @functools.cached_property
    def extractive(self):
        from rag.extractive import ExtractiveAnswerer

        return ExtractiveAnswerer(
            self.embedder, self.nlp, stored=self.docs, articles=self._article_text, threshold=self.settings.refusal_threshold,
            relevance=self.relevance,
        )

    def _article_text(self, source_id: str) -> str | None:
        found = self.docs.source(source_id)
        return found.text if found is not None else None

    @functools.cached_property
    def feedback(self) -> FeedbackStore:
        """Answers offered for rating and the verdicts on them, in the index's SQLite file."""
        return FeedbackStore(self.settings.docstore_path)

    def ask(self, question: str, history: Sequence[Message | dict] = (), filters: Filters | None = None,
            remember: bool = False) -> Answer:
        """Retrieve, draft an answer (LLM backend if configured, else extractive), then check its claims:
        the claim check runs here, once, whatever drafted the answer.

        `remember=True` (the API, Slack and the chat, which offer feedback buttons) records the answer so
        feedback can name it by `answer_id` later; evals and the CLI leave the index untouched."""
        from rag.history import standalone
        from rag.verify import check_answer

        timings: dict[str, float] = {}
        started = time.perf_counter()
        original = validate_question(question, self.settings.max_question_chars)
        messages = [m if isinstance(m, Message) else Message.model_validate(m) for m in history]
        messages = [
            m.model_copy(update={"content": validate_message(m.content, f"history[{i}]")[:HISTORY_MESSAGE_CHARS]})
            for i, m in enumerate(messages)
        ]
        follow_up = standalone(original, messages)
        t = time.perf_counter()
        window, searched, passages = self.search(follow_up.query, filters)
        timings["retrieve"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        draft = self._answer_with_llm(follow_up.question, passages, messages) if self.settings.llm_enabled else None
        if draft is None:
            as_of = filters.latest_date() if filters else None
            draft = self.extractive.answer(follow_up.question, passages, as_of=as_of)
            if self.settings.llm_enabled:
                draft.backend = "extractive (LLM unavailable)"
        answer = check_answer(draft, passages, nlp=self.nlp)
        if not answer.answerable and window is not None and window.explicit:
            answer.answer = _window_note(answer.answer, window, filters, searched, bool(passages))
        elif not answer.answerable and filters is not None and not filters.is_empty():
            answer.answer = _filter_note(answer.answer, filters, bool(passages))
        answer.window = window
        timings["answer"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.question = question
        answer.answer_id = new_answer_id()  # fresh per call, even if an answerer reuses a draft
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        if remember and not self.docs.read_only:  # a read-only index keeps no record: its answers are not rateable
            self._remember(answer, messages, filters)
        return answer

    def _remember(self, answer: Answer, history: list[Message], filters: Filters | None) -> None:
        try:
            self.feedback.remember(answer, history, filters, index_version=self.docs.generation())
        except sqlite3.Error:
            # The reader still gets the answer; only rating it later will say the id is unknown.
            logger.warning("could not record answer %s for feedback", answer.answer_id, exc_info=True)

    def _answer_with_llm(self, question: str, passages: list[ScoredChunk], history: list[Message]) -> Answer | None:
        """The LLM's checked answer, or None when it failed or missed its deadline (the extractive answer is
        the documented fallback). The HTTP timeout alone bounds each read, not the call: a server that
        trickles its reply a byte at a time would hold the question for minutes."""
        from rag.llm import answer_with_llm

        if not self._llm_slots.acquire(blocking=False):
            return None
        outcome: queue.Queue = queue.Queue(maxsize=1)

        def call() -> None:
            try:
                outcome.put(answer_with_llm(question, passages, settings=self.settings, history=history))
            except errors.LLMUnavailable:
                outcome.put(None)
            except BaseException as exc:  # a bug: re-raised in the asking thread
                outcome.put(exc)
            finally:
                self._llm_slots.release()

        # A daemon thread, so a call abandoned at the deadline never holds up the process's exit.
        threading.Thread(target=call, name="rag-llm", daemon=True).start()
        try:
            result = outcome.get(timeout=self.settings.llm_timeout_s + LLM_DEADLINE_MARGIN_S)
        except queue.Empty:
            return None
        if isinstance(result, BaseException):
            raise result
        return result


@functools.lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    return Pipeline(Settings())


def ask(question: str, history: Sequence[Message | dict] = (), filters: Filters | None = None) -> Answer:
    """Answer with the default pipeline (settings from the environment)."""
    return default_pipeline().ask(question, history, filters)
