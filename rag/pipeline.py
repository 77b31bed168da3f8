"""The one entry point every caller shares: `Pipeline(settings).ask(question, history, filters)`.

A Pipeline holds the open index (Chroma + docstore + BM25) and the models for the life of a process.
The CLI, the HTTP API, the chat UI and the eval suite all call it; none of them retrieve or answer.
"""

from __future__ import annotations

import functools
import threading
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from rag import errors
from rag.docstore import DocStore
from rag.embedding import MiniLMEmbedding
from rag.ingest import Ingester
from rag.keyword import KeywordIndex
from rag.models import Answer, Filters, IngestReport, Message, ScoredChunk, Source, SourceInfo
from rag.offline import disable_llama_index_defaults
from rag.retrieve import Retriever
from rag.settings import Settings
from rag.store import VectorStore


def validate_question(question: str, max_chars: int) -> str:
    if not isinstance(question, str) or not question.strip():
        raise errors.BadQuestion("the question is empty")
    if len(question) > max_chars:
        raise errors.BadQuestion(f"the question is {len(question)} characters long; the limit is {max_chars}")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in question):
        raise errors.BadQuestion("the question contains control characters")
    letters = [ch for ch in question if ch.isalpha()]
    if letters and sum(ch.isascii() for ch in letters) / len(letters) < 0.5:
        raise errors.BadQuestion("please ask in English: the sources and the answerer are English-only")
    return " ".join(question.split())


class Pipeline:
    def __init__(self, settings: Settings | None = None):
        disable_llama_index_defaults()
        self.settings = settings or Settings()
        self.docs = DocStore(self.settings.index_dir / "docstore.sqlite")
        self.vectors = VectorStore(self.settings)
        self.embedder = MiniLMEmbedding(self.settings.embed_model, self.settings.embed_batch_size)
        self._keyword: KeywordIndex | None = None
        self._keyword_lock = threading.Lock()

    # --- index ----------------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path] | None = None, prune: bool = False, on_progress=None) -> IngestReport:
        ingester = Ingester(self.settings, self.docs, self.vectors, self.embedder)
        report = ingester.run(paths or [self.settings.sources_dir], prune=prune, on_progress=on_progress)
        self._keyword = None
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
        question = validate_question(question, self.settings.max_question_chars)
        if self.docs.count_chunks() == 0:
            raise errors.IndexEmpty("the index is empty: run `rag ingest` first")
        retriever = Retriever(self.settings, self.docs, self.vectors, self.embedder, self._keyword_index())
        return retriever.retrieve(question, filters, k)

    @functools.cached_property
    def nlp(self):
        from rag.nlp import load_nlp

        return load_nlp()

    def ask(self, question: str, history: Sequence[Message | dict] = (), filters: Filters | None = None) -> Answer:
        from rag.answer import answer_extractive
        from rag.history import condense
        from rag.verify import check_answer

        timings: dict[str, float] = {}
        started = time.perf_counter()
        original = validate_question(question, self.settings.max_question_chars)
        messages = [m if isinstance(m, Message) else Message.model_validate(m) for m in history]
        standalone = condense(original, messages)
        t = time.perf_counter()
        passages = self.retrieve(standalone, filters)
        timings["retrieve"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        answer = None
        if self.settings.llm_enabled:
            from rag.llm import answer_with_llm

            try:
                answer = answer_with_llm(standalone, passages, settings=self.settings, history=messages)
            except errors.LLMUnavailable:
                answer = None  # the extractive answer below is the documented fallback
        if answer is None:
            as_of = filters.latest_date() if filters else None
            answer = answer_extractive(standalone, passages, embedder=self.embedder, nlp=self.nlp, settings=self.settings, as_of=as_of)
            if self.settings.llm_enabled:
                answer.backend = "extractive (LLM unavailable)"
        answer = check_answer(answer, passages, nlp=self.nlp)
        timings["answer"] = (time.perf_counter() - t) * 1000
        timings["total"] = (time.perf_counter() - started) * 1000
        answer.question = question
        answer.timings_ms = {k: round(v, 2) for k, v in timings.items()}
        return answer


@functools.lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    return Pipeline(Settings())


def ask(question: str, history: Sequence[Message | dict] = (), filters: Filters | None = None) -> Answer:
    """Answer with the default pipeline (settings from the environment)."""
    return default_pipeline().ask(question, history, filters)
