"""The SQLite record of what is indexed: each source's cleaned text and metadata, and its chunks.

It is the source of truth for "what is indexed": a chunk counts only once its source's row is committed
here, so readers never see a half-written source, and ingest compares content hashes against it to stay
incremental. Chroma holds the vectors; `rag.keyword` rebuilds BM25 from these rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rag.errors import IndexEmpty, IndexMismatch
from rag.models import Cell, Chunk, Row, Source, SourceInfo

if TYPE_CHECKING:
    from rag.analysis import Article, ChunkAnalysis

# What a docstore holds changes with the code that reads it; an index of another format is refused for
# questions (errors.IndexMismatch) and rebuilt from its sources by the next `rag ingest`.
# 2: dataset cells and defined acronyms stored as data; 3: text normalised (cleaning.normalise_text);
# 4: each chunk's parse and sentence vectors, and word vectors (rag.analysis); 5: each article's names,
# figures and dates (rag.analysis.Article); 6: a chunk's text read from its source's (not stored twice),
# parses stored column by column (rag.analysis); 7: sentence vectors from e5, not MiniLM (rag.relevance);
# 8: an article's dates read "Thursday, May 15" as that day (not also the Thursday before publication),
# and "tomorrow", "next month" and "next year" as dates
FORMAT = 8
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    source_id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, outlet TEXT, url TEXT,
    published TEXT, authors TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL,
    text TEXT NOT NULL, rows TEXT NOT NULL, aliases TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY, source_id TEXT NOT NULL REFERENCES sources(source_id) ON DELETE CASCADE,
    position INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, row INTEGER, cells TEXT
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks(source_id);
CREATE TABLE IF NOT EXISTS analyses (
    chunk_id TEXT PRIMARY KEY REFERENCES chunks(chunk_id) ON DELETE CASCADE, doc BLOB NOT NULL, sentences BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    source_id TEXT PRIMARY KEY REFERENCES sources(source_id) ON DELETE CASCADE, facts BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, vector BLOB NOT NULL);
"""

_SOURCE_COLUMNS = "source_id, kind, title, outlet, url, published, authors, path, content_hash"
# A chunk's text is its source's from start to end (chunking.chunk_source); SQLite's substr counts
# characters, as Python's slices do, from 1.
_CHUNK_SELECT = """
SELECT c.chunk_id, c.source_id, substr(s.text, c.start + 1, c."end" - c.start), c.start, c."end", c.position, c.row, c.cells,
       s.kind, s.title, s.outlet, s.url, s.published, s.aliases
FROM chunks c JOIN sources s USING (source_id)
"""


def _chunk(row) -> Chunk:
    cid, sid, text, start, end, position, row_no, cells, kind, title, outlet, url, published, aliases = row
    return Chunk(
        chunk_id=cid, source_id=sid, text=text, start=start, end=end, position=position, row=row_no,
        cells=[Cell(**c) for c in json.loads(cells)] if cells else [], kind=kind, title=title, outlet=outlet, url=url,
        published=dt.date.fromisoformat(published) if published else None, aliases=json.loads(aliases),
    )


def writable(directory: Path) -> bool:
    """Whether files can be created in `directory` (False on a read-only mount or without permission)."""
    return os.access(directory, os.W_OK) and not _read_only_mount(directory)


def _read_only_mount(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class DocStore:
    def __init__(self, path: Path):
        self.path = path
        self.read_only = path.parent.is_dir() and not writable(path.parent)
        if self.read_only:
            # A read-only mount (a published index): nothing can write, so SQLite may skip its locks and WAL
            # files, which it could not create here anyway.
            if not path.exists():
                raise IndexEmpty(f"there is no index in the read-only folder {path.parent}")
            self._db = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True, check_same_thread=False, isolation_level=None)
            self._lock = threading.RLock()
            self.format = int(self.get_meta("format") or 1)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by API worker threads; SQLite serialises, the lock keeps cursors apart.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            exists = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'sources'").fetchone()
            if not exists:
                self._db.executescript(SCHEMA)
                self.set_meta("format", str(FORMAT))
            self.format = int(self.get_meta("format") or 1)

    @property
    def outdated(self) -> bool:
        return self.format != FORMAT

    def check_format(self) -> None:
        """Refuse to answer from an index this code would misread."""
        if self.outdated:
            raise IndexMismatch(
                f"the index in {self.path.parent} was built by another version of rag (docstore format {self.format}, "
                f"this version reads {FORMAT}): run `rag ingest` to rebuild it"
            )

    def rebuild(self) -> None:
        """Start over in this code's format (ingest then re-reads every source; vectors are reconciled)."""
        with self._lock:
            self._db.executescript(
                "BEGIN IMMEDIATE; DROP TABLE IF EXISTS analyses; DROP TABLE IF EXISTS articles; DROP TABLE IF EXISTS words; "
                "DROP TABLE IF EXISTS chunks; "
                "DROP TABLE IF EXISTS sources; DROP TABLE IF EXISTS meta; COMMIT;"
            )
            self._db.executescript(SCHEMA)
            self.set_meta("format", str(FORMAT))
            # A generation no earlier index had, so every cache stamped with an old one is stale.
            self._db.execute("INSERT INTO meta VALUES ('generation', ?)", (str(int(time.time())),))
            self.format = FORMAT

    def close(self) -> None:
        self._db.close()

    # --- meta -----------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Bumped by every committed change; readers compare it to know their caches are stale."""
        return int(self.get_meta("generation") or 0)

    # --- writes (each one transaction) ---------------------------------------------------------------
    def replace_source(self, source: Source, chunks: list[Chunk], analyses: Iterable[ChunkAnalysis] = (),
                       article: Article | None = None) -> None:
        for c in chunks:
            if c.text != source.text[c.start : c.end]:  # the text is read back from the source's
                raise ValueError(f"chunk {c.chunk_id} is not its source's text from {c.start} to {c.end}")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM sources WHERE source_id = ?", (source.source_id,))
                self._db.execute(
                    f"INSERT INTO sources ({_SOURCE_COLUMNS}, text, rows, aliases) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        source.source_id, source.kind, source.title, source.outlet, source.url,
                        source.published.isoformat() if source.published else None, json.dumps(source.authors),
                        source.path, source.content_hash, source.text, json.dumps([r.model_dump() for r in source.rows]),
                        json.dumps(source.aliases),
                    ),
                )
                self._db.executemany(
                    'INSERT INTO chunks (chunk_id, source_id, position, start, "end", row, cells) VALUES (?,?,?,?,?,?,?)',
                    [
                        (c.chunk_id, c.source_id, c.position, c.start, c.end, c.row,
                         json.dumps([cell.model_dump() for cell in c.cells]) if c.cells else None)
                        for c in chunks
                    ],
                )
                self._db.executemany(
                    "INSERT INTO analyses (chunk_id, doc, sentences) VALUES (?,?,?)",
                    [(a.chunk_id, a.doc, a.sentences) for a in analyses],
                )
                if article is not None:
                    self._db.execute("INSERT INTO articles VALUES (?, ?)", (source.source_id, article.to_bytes()))
                self._bump()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def add_words(self, vectors: dict[str, bytes]) -> None:
        """Vectors of words new to the index (shared by all sources, so never removed with one)."""
        with self._lock:
            self._db.executemany("INSERT OR IGNORE INTO words VALUES (?, ?)", list(vectors.items()))

    def remove_sources(self, source_ids: Iterable[str]) -> None:
        ids = list(source_ids)
        if not ids:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM sources WHERE source_id = ?", [(i,) for i in ids])
            self._bump()
            self._db.execute("COMMIT")

    def _bump(self) -> None:
        self._db.execute(
            "INSERT INTO meta VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # --- reads ----------------------------------------------------------------------------------------
    def hashes(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT source_id, content_hash FROM sources"))

    def chunk_ids(self, source_id: str | None = None) -> list[str]:
        with self._lock:
            if source_id is None:
                return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunks")]
            return [r[0] for r in self._db.execute("SELECT chunk_id FROM chunks WHERE source_id = ?", (source_id,))]

    def count_chunks(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def all_chunks(self) -> list[Chunk]:
        with self._lock:
            return [_chunk(r) for r in self._db.execute(_CHUNK_SELECT + " ORDER BY c.chunk_id")]

    def get_chunks(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        return {r[0]: _chunk(r) for r in self._select(_CHUNK_SELECT + " WHERE c.chunk_id IN", chunk_ids)}

    def analyses(self, chunk_ids: list[str]) -> dict[str, tuple[bytes, bytes]]:
        """Each chunk's stored parse and sentence vectors (rag.analysis), for those that have them."""
        return {r[0]: (r[1], r[2]) for r in self._select("SELECT chunk_id, doc, sentences FROM analyses WHERE chunk_id IN", chunk_ids)}

    def article(self, source_id: str) -> Article | None:
        """A source's names, figures and dates as ingest found them (rag.analysis.Article)."""
        from rag.analysis import Article

        with self._lock:
            row = self._db.execute("SELECT facts FROM articles WHERE source_id = ?", (source_id,)).fetchone()
        return Article.from_bytes(row[0]) if row else None

    def word_vectors(self, words: list[str]) -> dict[str, bytes]:
        return {r[0]: r[1] for r in self._select("SELECT word, vector FROM words WHERE word IN", words)}

    def known_words(self, words: list[str]) -> set[str]:
        return {r[0] for r in self._select("SELECT word FROM words WHERE word IN", words)}

    def _select(self, query: str, keys: list[str]) -> list[tuple]:
        rows: list[tuple] = []
        for lo in range(0, len(keys), 500):  # SQLite caps the number of parameters of one statement
            part = keys[lo : lo + 500]
            with self._lock:
                rows += self._db.execute(f"{query} ({','.join('?' * len(part))})", part).fetchall()
        return rows

    def sources(self) -> list[SourceInfo]:
        query = f"""SELECT {', '.join('s.' + c.strip() for c in _SOURCE_COLUMNS.split(','))},
                           LENGTH(s.text), (SELECT COUNT(*) FROM chunks c WHERE c.source_id = s.source_id)
                    FROM sources s ORDER BY s.published DESC, s.title"""
        with self._lock:
            rows = self._db.execute(query).fetchall()
        return [
            SourceInfo(
                source_id=r[0], kind=r[1], title=r[2], outlet=r[3], url=r[4], published=r[5],
                authors=json.loads(r[6]), path=r[7], content_hash=r[8], chars=r[9], chunks=r[10],
            )
            for r in rows
        ]

    def source(self, source_id: str) -> Source | None:
        with self._lock:
            r = self._db.execute(
                f"SELECT {_SOURCE_COLUMNS}, text, rows, aliases FROM sources WHERE source_id = ?", (source_id,)
            ).fetchone()
        if r is None:
            return None
        return Source(
            source_id=r[0], kind=r[1], title=r[2], outlet=r[3], url=r[4], published=r[5], authors=json.loads(r[6]),
            path=r[7], content_hash=r[8], text=r[9], rows=[Row(**x) for x in json.loads(r[10])], aliases=json.loads(r[11]),
        )
