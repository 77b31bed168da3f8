"""Chroma: the vectors of every chunk, written through llama-index's `ChromaVectorStore`.

Embedded (`PersistentClient` in the index directory) by default, or a Chroma server when
`RAG_CHROMA_URL` is set — same behaviour either way. The collection records what built it (schema,
embedding model, chunking); opening it with other settings raises `IndexMismatch` instead of returning
nonsense neighbours. Chroma's own embedding function never runs: we always pass vectors.
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from urllib.parse import urlparse

import numpy as np
from llama_index.core.schema import TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from rag.errors import IndexMismatch, StoreUnavailable
from rag.models import Chunk, Filters
from rag.settings import Settings

SCHEMA_VERSION = 1
NO_DATE = -1  # Chroma metadata cannot hold None; sources without a date never pass a date filter


def day_number(day: dt.date | None) -> int:
    return day.toordinal() if day else NO_DATE


def build_fingerprint(settings: Settings) -> dict[str, str | int]:
    return {
        "rag_schema": SCHEMA_VERSION,
        "embed_model": settings.embed_model,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
    }


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    def __init__(self, settings: Settings):
        self.where = settings.chroma_url or "embedded"
        self.embedded = not settings.chroma_url
        self._settings = settings
        self._readers = 0
        self._reopening = False
        self._gate = threading.Condition()
        self._open()

    def _open(self) -> None:
        fingerprint = build_fingerprint(self._settings)
        try:
            self.client = _client(self._settings)
            self.collection = self.client.get_or_create_collection(
                self._settings.collection,
                metadata={"hnsw:space": "cosine", **fingerprint},
                embedding_function=None,
            )
        except Exception as exc:  # chromadb raises many types for "server not there"
            raise StoreUnavailable(f"cannot reach Chroma at {self.where}: {exc}") from None
        built_with = {k: (self.collection.metadata or {}).get(k) for k in fingerprint}
        if built_with != fingerprint:
            raise IndexMismatch(
                f"the index in {self.where} ({self._settings.collection}) was built with {built_with}, "
                f"but the settings now say {fingerprint}; rebuild it (delete the index) or restore the settings"
            )
        self.vectors = ChromaVectorStore(chroma_collection=self.collection)

    def reopen(self) -> None:
        """Re-read the embedded store from disk. An embedded client keeps its segments in memory and never
        sees vectors another process (`rag ingest` beside `rag serve`) wrote; a server needs no reopen."""
        if not self.embedded:
            return
        with self._gate:
            self._reopening = True  # new readers wait, so a busy server cannot starve the reopen
            try:
                self._gate.wait_for(lambda: self._readers == 0)  # nobody is inside the client we close
                self.client.close()  # releases chromadb's per-path cached system, so the next open reads afresh
                self._open()
            finally:
                self._reopening = False
                self._gate.notify_all()

    @contextmanager
    def _reading(self):
        with self._gate:
            self._gate.wait_for(lambda: not self._reopening)
            self._readers += 1
        try:
            yield
        finally:
            with self._gate:
                self._readers -= 1
                self._gate.notify_all()

    def ping(self) -> None:
        try:
            self.client.heartbeat()
        except Exception as exc:
            raise StoreUnavailable(f"cannot reach Chroma at {self.where}: {exc}") from None

    def count(self) -> int:
        return self._guard(lambda: self.collection.count())

    def add(self, chunks: list[Chunk], embeddings: np.ndarray) -> None:
        nodes = [
            TextNode(
                id_=chunk.chunk_id,
                text=chunk.text,
                embedding=vector.tolist(),
                metadata={
                    "source_id": chunk.source_id,
                    "outlet": chunk.outlet or "",
                    "published_day": day_number(chunk.published),
                },
            )
            for chunk, vector in zip(chunks, embeddings, strict=True)
        ]
        if nodes:
            self._guard(lambda: self.vectors.add(nodes))

    def delete(self, chunk_ids: list[str]) -> None:
        for lo in range(0, len(chunk_ids), 5000):
            self._guard(lambda lo=lo: self.collection.delete(ids=chunk_ids[lo : lo + 5000]))

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset, page = 0, 10000
        while True:
            got = self._guard(lambda offset=offset: self.collection.get(include=[], limit=page, offset=offset))["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    def query(self, embedding: np.ndarray, k: int, filters: Filters | None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks that pass the filters."""
        # Straight to the collection, asking for distances only: ChromaVectorStore.query also fetches and
        # parses every hit's node JSON, which we never use (the docstore holds the text); 4x the CPU.
        result = self._guard(
            lambda: self.collection.query(
                query_embeddings=[embedding.tolist()], n_results=k, where=_chroma_where(filters), include=["distances"]
            )
        )
        return [(chunk_id, 1.0 - distance) for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)]

    def _guard(self, call):
        """Run `call()` (which reads self.collection when it runs, not before) with Chroma errors made ours."""
        try:
            with self._reading():
                return call()
        except (IndexMismatch, StoreUnavailable):
            raise
        except Exception as exc:
            if "connect" in str(exc).lower() or type(exc).__name__ in {"ConnectError", "ConnectionError"}:
                raise StoreUnavailable(f"cannot reach Chroma at {self.where}: {exc}") from None
            raise


def _chroma_where(filters: Filters | None) -> dict | None:
    if filters is None or filters.is_empty():
        return None
    parts: list[dict] = []
    if filters.sources:
        parts.append({"source_id": {"$in": list(filters.sources)}})
    if filters.outlets:
        parts.append({"outlet": {"$in": list(filters.outlets)}})
    if filters.published_after:
        parts.append({"published_day": {"$gte": day_number(filters.published_after)}})
    if filters.latest_date():
        parts.append({"published_day": {"$lte": day_number(filters.latest_date())}})
        parts.append({"published_day": {"$gte": 0}})
    return parts[0] if len(parts) == 1 else {"$and": parts}
