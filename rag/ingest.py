"""Incremental, idempotent, crash-safe ingestion: sources → chunks → embeddings and analyses (rag.analysis)
→ Chroma + docstore.

Write order for each batch of new or changed sources, chosen so a crash at any point leaves nothing
visible half-way and nothing duplicated once ingest is re-run:
  1. add the batch's new chunk vectors to Chroma (ids are content-derived, so a retry writes the same ids);
  2. per source, commit it and its chunks to the docstore in one transaction (readers see it from here on),
  3. then delete that source's previous chunk ids from Chroma.
Every run first reconciles: Chroma ids the docstore does not know (left by a crash between 1 and 2, or
2 and 3) are deleted, and a source whose vectors are missing in Chroma is re-embedded.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from spacy.language import Language

from rag.analysis import Article, analyse
from rag.chunking import chunk_source
from rag.disk import MB, check_room, out_of_space_is_clear
from rag.docstore import DocStore
from rag.embedding import MiniLMEmbedding
from rag.errors import IndexReadOnly, SourcePathMissing
from rag.keyword import KeywordIndex
from rag.meaning import Meaning
from rag.models import Chunk, IngestReport, SkippedItem, Source
from rag.relevance import Relevance
from rag.settings import Settings
from rag.sources import load_sources
from rag.store import VectorStore

ProgressCallback = Callable[[Source | SkippedItem], None]


WaitCallback = Callable[[float], None]
LOCK_NOTICE_EVERY_S = 10.0


@contextmanager
def ingest_lock(index_dir: Path, on_wait: WaitCallback | None = None):
    """One ingest per index at a time; the OS drops the lock if the process dies.

    While another ingest holds it, `on_wait(seconds waited)` is called at once and then every
    LOCK_NOTICE_EVERY_S, so a second `rag ingest` says why it is not moving."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "ingest.lock", "w") as handle:
        started, next_notice = time.monotonic(), 0.0
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if on_wait and waited >= next_notice:
                    on_wait(waited)
                    next_notice += LOCK_NOTICE_EVERY_S
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def reconcile(docs: DocStore, vectors: VectorStore) -> set[str]:
    """Delete orphan vectors; return ids of sources whose vectors are incomplete (to be rewritten)."""
    in_chroma = vectors.all_ids()
    known = set(docs.chunk_ids())
    orphans = sorted(in_chroma - known)
    if orphans:
        vectors.delete(orphans)
    missing = known - in_chroma
    return {chunk_id.split("::", 1)[0] for chunk_id in missing}


class Ingester:
    def __init__(self, settings: Settings, docs: DocStore, vectors: VectorStore, embedder: MiniLMEmbedding, nlp: Language,
                 relevance: Relevance | None = None):
        self.settings, self.docs, self.vectors, self.embedder = settings, docs, vectors, embedder
        self.nlp, self.meaning, self.relevance = nlp, Meaning(embedder), relevance or Relevance()

    def run(self, paths: Iterable[Path], prune: bool = False, on_progress: ProgressCallback | None = None,
            on_wait: WaitCallback | None = None) -> IngestReport:
        paths = [Path(p) for p in paths]
        for path in paths:
            if not path.exists():
                raise SourcePathMissing(f"no such file or directory: {path}")
        if self.docs.read_only:
            raise IndexReadOnly(f"the index in {self.settings.index_dir} is on a read-only filesystem: it can be "
                                "queried but not written; ingest into a writable copy")
        started = time.perf_counter()
        report = IngestReport()
        with ingest_lock(self.settings.index_dir, on_wait), out_of_space_is_clear(self.settings.index_dir, "ingest"):
            if self.docs.outdated:
                self.docs.rebuild()  # every source is read again; reconcile drops the old vectors
            stale = reconcile(self.docs, self.vectors)
            known = self.docs.hashes()
            seen: dict[str, str] = {}
            pending: list[tuple[Source, list[Chunk]]] = []
            for item in load_sources(paths, max_bytes=self.settings.max_source_bytes):
                if on_progress:
                    on_progress(item)
                if isinstance(item, SkippedItem):
                    report.skipped.append(item)
                    continue
                if item.source_id in seen:
                    report.skipped.append(
                        SkippedItem(path=item.path, reason=f"duplicate source id {item.source_id!r} (first seen in {seen[item.source_id]})")
                    )
                    continue
                seen[item.source_id] = item.path
                if known.get(item.source_id) == item.content_hash and item.source_id not in stale:
                    report.unchanged += 1
                    continue
                if item.source_id in known:
                    report.updated += 1
                else:
                    report.added += 1
                pending.append((item, chunk_source(item, self.settings.chunk_size, self.settings.chunk_overlap)))
                if sum(len(c) for _, c in pending) >= self.settings.embed_batch_size * 8:
                    report.chunks_written += self._write(pending)
                    pending = []
            report.chunks_written += self._write(pending)
            if prune:
                gone = sorted(set(known) - set(seen))
                for source_id in gone:
                    old = self.docs.chunk_ids(source_id)
                    self.docs.remove_sources([source_id])
                    self.vectors.delete(old)
                report.removed = len(gone)
            self.refresh_keyword_index()
        report.chunks = self.docs.count_chunks()
        report.seconds = round(time.perf_counter() - started, 3)
        return report

    def _write(self, pending: list[tuple[Source, list[Chunk]]]) -> int:
        if not pending:
            return 0
        check_room(self.settings.index_dir, self.settings.min_free_mb * MB)
        chunks = [chunk for _, own in pending for chunk in own]
        vectors = self.embedder.embed_texts([chunk.text for chunk in chunks])
        # What the answerer reads of each chunk, so questions need not parse and embed it again
        analysed = analyse(chunks, self.nlp, self.meaning, self.relevance, self.docs.known_words)
        by_chunk = {a.chunk_id: a for a in analysed.chunks}
        old = {source.source_id: set(self.docs.chunk_ids(source.source_id)) for source, _ in pending}
        # Vectors first, for all pending sources in one call (Chroma costs ~40 ms a call on top of ~1 ms a
        # chunk); a crash before the docstore commits below leaves orphans the next run's reconcile removes.
        # Same ids only when the content is unchanged but its vectors went missing: rewrite them whole.
        self.vectors.delete(sorted(c.chunk_id for c in chunks if c.chunk_id in old[c.source_id]))
        self.vectors.add(chunks, vectors)
        self.docs.add_words(analysed.words)
        for source, own in pending:
            article = Article.of(source.title, source.text, source.published)
            self.docs.replace_source(source, own, [by_chunk[c.chunk_id] for c in own], article)
            self.vectors.delete(sorted(old[source.source_id] - {c.chunk_id for c in own}))
        return len(chunks)

    def refresh_keyword_index(self) -> KeywordIndex:
        directory = self.settings.index_dir / "bm25"
        generation = self.docs.generation()
        index = KeywordIndex.load(directory, generation)
        if index is None:
            index = KeywordIndex.build(self.docs.all_chunks(), generation)
            index.save(directory)
        return index
