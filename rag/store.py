"""Chroma: the vectors of every chunk, with the three fields its filters read (source, outlet, day).

Embedded (`PersistentClient` in the index directory) by default, or a Chroma server when
`RAG_CHROMA_URL` is set — same behaviour either way. The collection records what built it (schema,
embedding model, chunking); opening it with other settings raises `IndexMismatch` instead of returning
nonsense neighbours. Chroma's own embedding function never runs: we always pass vectors.

A server can fail by hanging rather than refusing (a stopped process still accepts connections), and
chromadb's HTTP client waits forever; an embedded store whose write-ahead log failed to apply for want
of disk space hangs on the next read once space returns. So every call is bounded (`BoundedCalls`), reads
are not attempted while the disk is nearly full, and a server that was down at start-up is opened on
first use instead of stopping the process. Error messages name the setting, never the server's address:
they reach API clients.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import queue
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as CallTimeout
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from rag.disk import advice, nearly_full
from rag.docstore import writable
from rag.errors import DiskFull, IndexEmpty, IndexMismatch, StoreUnavailable
from rag.models import Chunk, Filters
from rag.settings import Settings

logger = logging.getLogger("rag.store")

SCHEMA_VERSION = 1
READ_RETRIES = 3  # a query racing an ingest's delete is asked again this many times
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


# Chroma saves its HNSW graph every `sync_threshold` writes and keeps the vectors written since in its log,
# which every process that opens the store re-inserts into the graph in an order that varies between
# processes; the neighbours found then vary too (176 of 1,430 dev questions had a different dense top 40 in
# two processes over one index). Saving after every write leaves nothing to re-insert. Chroma's default
# batch_size of 100 keeps a 1,000-vector add one save, not ten.
HNSW = {"space": "cosine", "sync_threshold": 1}
ADD_BATCH = 1000  # vectors per call; Chroma refuses calls above its max batch size (5,461 with SQLite)
UNREACHABLE = "cannot reach the Chroma server (RAG_CHROMA_URL)"
WRITE_DEADLINE_FACTOR = 12


def _client(settings: Settings):
    import chromadb  # already loaded by `_open`, outside the deadline
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        client = chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
        _set_http_timeout(client, settings.chroma_timeout_s * WRITE_DEADLINE_FACTOR)
        return client
    path = settings.index_dir / "chroma"
    if settings.index_dir.is_dir() and not writable(settings.index_dir):
        path = _private_copy(path)
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _private_copy(path: Path) -> Path:
    """Chroma's embedded store cannot open a folder it may not write (it fails on a read-only mount), so
    an index served read-only is read from a private copy that lives as long as the process."""
    if not path.is_dir():
        raise IndexEmpty(f"there is no vector store in the read-only folder {path.parent}")
    copy = Path(tempfile.mkdtemp(prefix="rag-readonly-chroma-"))
    atexit.register(shutil.rmtree, copy, ignore_errors=True)
    shutil.copytree(path, copy, dirs_exist_ok=True)
    logger.info("index is read-only; serving its vectors from a private copy (%.1f MB)",
                sum(f.stat().st_size for f in copy.rglob("*") if f.is_file()) / 1e6)
    return copy


def _set_http_timeout(client, seconds: float) -> None:
    """chromadb builds its httpx session with no timeout at all; give it one (the longest deadline, an
    ingest batch's) so a call to a hung server ends and frees its thread instead of waiting forever.
    `BoundedCalls` bounds each caller's wait to its own deadline regardless."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(seconds, connect=min(seconds, 2.0))
    else:  # a chromadb that moved its session: calls are still bounded by BoundedCalls, threads may linger
        logger.warning("could not set a timeout on chromadb's HTTP session")


class BoundedCalls:
    """Runs store calls with a deadline, on a few daemon threads of their own.

    A call that misses its deadline keeps its thread until the store answers (or chromadb's HTTP
    timeout ends it), so at most `slots` threads can be stuck; once they are, further calls fail at once
    instead of queueing, and, being daemons, stuck threads never keep the process from exiting. After a
    timeout, calls fail fast for `cooldown_s` (a hung store costs each caller nothing), then the next
    call tries again."""

    def __init__(self, what: str, timeout_s: float, slots: int = 4, cooldown_s: float = 2.0):
        self.what, self.timeout_s, self.slots, self.cooldown_s = what, timeout_s, slots, cooldown_s
        self._free = threading.BoundedSemaphore(slots)
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._workers = 0
        self._start_lock = threading.Lock()
        self._failing_until = 0.0

    def run(self, call, timeout_s: float | None = None):
        timeout_s = timeout_s or self.timeout_s
        if time.monotonic() < self._failing_until:
            raise StoreUnavailable(f"{self.what} did not answer within {self.timeout_s:g} s")
        if not self._free.acquire(timeout=timeout_s):
            raise StoreUnavailable(f"{self.what} is not answering: every call to it is waiting")
        self._start_worker()
        future: Future = Future()
        self._jobs.put((call, future))
        try:
            return future.result(timeout=timeout_s)
        except CallTimeout:
            self._failing_until = time.monotonic() + self.cooldown_s
            logger.warning("the vector store did not answer within %.1f s", timeout_s)
            raise StoreUnavailable(f"{self.what} did not answer within {timeout_s:g} s") from None

    def _start_worker(self) -> None:
        with self._start_lock:
            if self._workers < self.slots:
                self._workers += 1
                threading.Thread(target=self._work, name=f"store-call-{self._workers}", daemon=True).start()

    def _work(self) -> None:
        while True:
            call, future = self._jobs.get()
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(call())
                    except BaseException as exc:
                        future.set_exception(exc)
            finally:
                self._free.release()


class VectorStore:
    def __init__(self, settings: Settings):
        self.embedded = not settings.chroma_url
        self.where = "embedded" if self.embedded else "server"
        self._settings = settings
        self._calls = BoundedCalls("the vector store" if self.embedded else UNREACHABLE, settings.chroma_timeout_s)
        self._readers = 0
        self._reopening = False
        self._gate = threading.Condition()
        self._open_lock = threading.Lock()
        self.collection = None
        try:
            self._open()
        except StoreUnavailable as exc:  # a server down at start-up: serve anyway, open on first use
            logger.info("%s; will retry on first use", exc)

    def _open(self) -> None:
        fingerprint = build_fingerprint(self._settings)
        # Loading the library is not the store answering: after a long idle, with its files no longer in
        # memory, importing chromadb alone took more than the 5 s a call may take and failed the open.
        import chromadb  # noqa: F401

        try:
            client = self._calls.run(lambda: _client(self._settings))
            collection = self._calls.run(
                lambda: client.get_or_create_collection(
                    self._settings.collection, metadata=fingerprint, configuration={"hnsw": HNSW}, embedding_function=None
                )
            )
        except (StoreUnavailable, IndexEmpty):
            raise
        except Exception as exc:  # chromadb raises many types for "server not there"
            logger.info("cannot open Chroma at %s: %s", self._settings.chroma_url or "index dir", exc)
            raise StoreUnavailable(UNREACHABLE if not self.embedded else f"cannot open the vector store: {exc}") from None
        built_with = {k: (collection.metadata or {}).get(k) for k in fingerprint}
        if built_with != fingerprint:
            raise IndexMismatch(
                f"the index ({self._settings.collection}) was built with {built_with}, "
                f"but the settings now say {fingerprint}; rebuild it (delete the index) or restore the settings"
            )
        self.client, self.collection = client, collection

    def _ensure_open(self) -> None:
        if self.collection is None:
            with self._open_lock:
                if self.collection is None:
                    self._open()

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
        self._guard(lambda: self.client.heartbeat())

    def count(self) -> int:
        return self._guard(lambda: self.collection.count())

    def add(self, chunks: list[Chunk], embeddings: np.ndarray) -> None:
        # Straight to the collection: llama-index's ChromaVectorStore also stores each node as JSON, with
        # ids and metadata again, which Chroma then indexes as strings; that was 1.7 KB a chunk, half the
        # store, and nothing reads it (the docstore holds the text and metadata).
        if not chunks:
            return
        self._save_every_write()
        ids = [chunk.chunk_id for chunk in chunks]
        metadatas = [
            {"source_id": chunk.source_id, "outlet": chunk.outlet or "", "published_day": day_number(chunk.published)}
            for chunk in chunks
        ]
        vectors = np.asarray(embeddings, dtype=np.float32)
        for lo in range(0, len(ids), ADD_BATCH):
            part = slice(lo, lo + ADD_BATCH)

            def add(part: slice = part) -> None:
                self.collection.add(ids=ids[part], embeddings=vectors[part], metadatas=metadatas[part])

            self._guard(add, write=True)

    def delete(self, chunk_ids: list[str]) -> None:
        self._save_every_write()
        for lo in range(0, len(chunk_ids), 5000):
            self._guard(lambda lo=lo: self.collection.delete(ids=chunk_ids[lo : lo + 5000]), write=True)

    def _save_every_write(self) -> None:
        """A collection created before HNSW's save-every-write adopts it, and saves its tail on this write."""
        configured = self._guard(lambda: (self.collection.configuration_json or {}).get("hnsw") or {})
        if configured.get("sync_threshold") != HNSW["sync_threshold"]:
            self._guard(lambda: self.collection.modify(configuration={"hnsw": {"sync_threshold": HNSW["sync_threshold"]}}), write=True)

    def all_ids(self) -> set[str]:
        ids: set[str] = set()
        offset, page = 0, 10000
        while True:
            got = self._guard(lambda offset=offset: self.collection.get(include=[], limit=page, offset=offset), write=True)["ids"]
            ids.update(got)
            if len(got) < page:
                return ids
            offset += page

    def query(self, embedding: np.ndarray, k: int, filters: Filters | None) -> list[tuple[str, float]]:
        """(chunk_id, cosine similarity) of the k nearest chunks that pass the filters."""
        # Straight to the collection, asking for distances only: ChromaVectorStore.query also fetches and
        # parses every hit's node JSON, which we never use (the docstore holds the text); 4x the CPU.
        def ask():
            return self.collection.query(
                query_embeddings=[embedding.tolist()], n_results=k, where=_chroma_where(filters), include=["distances"]
            )

        for attempt in range(READ_RETRIES + 1):
            try:
                result = self._guard(ask)
                break
            except Exception as exc:
                # A query that meets a chunk an ingest is deleting at that moment fails on a Chroma server
                # ("Error finding id": the vector index still lists an id the record store has dropped).
                # A read can simply run again; the next one sees the index after the delete.
                if attempt == READ_RETRIES or not _raced_a_delete(exc):
                    raise
                logger.info("Chroma query met a chunk being deleted; asking again")
                time.sleep(0.02 * (attempt + 1))
        return [(chunk_id, 1.0 - distance) for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)]

    def _guard(self, call, write: bool = False):
        """Run `call()` (which reads self.collection when it runs, not before) with Chroma errors made ours.
        Ingest's calls (`write`) move whole batches, so they get WRITE_DEADLINE_FACTOR times a question's
        deadline: a busy disk must not fail an ingest that a hung server still cannot stall for good."""
        if self.embedded and nearly_full(self._settings.index_dir):
            # A read makes Chroma apply its pending writes; failing that for want of room leaves it unable
            # to read again in this process, even once space returns. So it is not attempted.
            raise DiskFull(f"the vector store is not used while the disk is nearly full: {advice(self._settings.index_dir)}")
        try:
            self._ensure_open()
            with self._reading():
                return self._calls.run(call, self._settings.chroma_timeout_s * WRITE_DEADLINE_FACTOR if write else None)
        except (IndexMismatch, StoreUnavailable):
            raise
        except Exception as exc:
            if self.embedded and nearly_full(self._settings.index_dir):
                logger.info("Chroma failed on a nearly full disk: %s", exc)
                raise DiskFull(f"the vector store failed for want of room: {advice(self._settings.index_dir)}") from None
            text = f"{type(exc).__name__} {exc}".lower()
            if any(sign in text for sign in ("connect", "timeout", "timed out", "remoteprotocol")):
                logger.info("Chroma call failed: %s", exc)
                raise StoreUnavailable(UNREACHABLE) from None
            raise


def _raced_a_delete(exc: Exception) -> bool:
    return "error finding id" in str(exc).lower()


def _chroma_where(filters: Filters | None) -> dict | None:
    if filters is None or filters.is_empty():
        return None
    parts: list[dict] = []
    if filters.sources:
        parts.append({"source_id": {"$in": list(filters.sources)}})
    if filters.outlets:
        parts.append({"outlet": {"$in": list(filters.outlets)}})
    dated: list[dict] = []
    if filters.published_after:
        dated.append({"published_day": {"$gte": day_number(filters.published_after)}})
    if filters.latest_date():
        dated.append({"published_day": {"$lte": day_number(filters.latest_date())}})
        dated.append({"published_day": {"$gte": 0}})
    if dated and filters.keep_undated:
        dated = [{"$or": [dated[0] if len(dated) == 1 else {"$and": dated}, {"published_day": NO_DATE}]}]
    parts += dated
    return parts[0] if len(parts) == 1 else {"$and": parts}
