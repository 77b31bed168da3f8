"""BM25 keyword index (bm25s, English stemming) over the chunks the docstore holds.

Persisted next to the docstore, stamped with the docstore's generation: when the stamp is stale (another
process ingested, or a crash interrupted a save) it is rebuilt from the docstore rather than trusted.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

from rag.models import Chunk, Filters
from rag.store import NO_DATE, day_number

_STEMMER = Stemmer.Stemmer("english")


def tokenize(texts: list[str]):
    return bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False)


@dataclass
class KeywordIndex:
    generation: int
    chunk_ids: list[str]
    source_ids: np.ndarray
    outlets: np.ndarray
    published_day: np.ndarray
    bm25: bm25s.BM25 | None  # None when the index has no chunks

    @classmethod
    def build(cls, chunks: list[Chunk], generation: int) -> KeywordIndex:
        bm25 = None
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index(tokenize([f"{c.title}\n{c.text}" for c in chunks]), show_progress=False)
        return cls(
            generation=generation,
            chunk_ids=[c.chunk_id for c in chunks],
            source_ids=np.array([c.source_id for c in chunks], dtype=object),
            outlets=np.array([c.outlet or "" for c in chunks], dtype=object),
            published_day=np.array([day_number(c.published) for c in chunks], dtype=np.int64),
            bm25=bm25,
        )

    def save(self, directory: Path) -> None:
        # Write beside the target, then swap: a crash mid-save leaves the old (stale-stamped) copy.
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".bm25-", dir=directory.parent))
        if self.bm25 is not None:
            self.bm25.save(str(tmp), show_progress=False)
        (tmp / "rag-meta.json").write_text(
            json.dumps(
                {
                    "generation": self.generation,
                    "chunk_ids": self.chunk_ids,
                    "source_ids": self.source_ids.tolist(),
                    "outlets": self.outlets.tolist(),
                    "published_day": self.published_day.tolist(),
                }
            )
        )
        old = directory.with_name(directory.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if directory.exists():
            os.replace(directory, old)
        os.replace(tmp, directory)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path, generation: int) -> KeywordIndex | None:
        meta_path = directory / "rag-meta.json"
        try:
            meta = json.loads(meta_path.read_text())
            if meta["generation"] != generation:
                return None
            bm25 = bm25s.BM25.load(str(directory), show_progress=False) if meta["chunk_ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(
            generation=generation,
            chunk_ids=meta["chunk_ids"],
            source_ids=np.array(meta["source_ids"], dtype=object),
            outlets=np.array(meta["outlets"], dtype=object),
            published_day=np.array(meta["published_day"], dtype=np.int64),
            bm25=bm25,
        )

    def mask(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        keep = np.ones(len(self.chunk_ids), dtype=bool)
        if filters.sources:
            keep &= np.isin(self.source_ids, filters.sources)
        if filters.outlets:
            keep &= np.isin(self.outlets, filters.outlets)
        dated = np.ones(len(self.chunk_ids), dtype=bool)
        if filters.published_after:
            dated &= self.published_day >= day_number(filters.published_after)
        if filters.latest_date():
            dated &= (self.published_day <= day_number(filters.latest_date())) & (self.published_day >= 0)
        if filters.keep_undated:
            dated |= self.published_day == NO_DATE
        return keep & dated

    def search(self, question: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk_id, BM25 score) of the best k chunks that pass the filters; zero scores are dropped."""
        if self.bm25 is None or k <= 0:
            return []
        tokens = tokenize([question])
        if not tokens.ids or not tokens.ids[0]:
            return []
        mask = self.mask(filters)
        k = min(k, len(self.chunk_ids))
        # n_threads=0 scores in this thread; bm25s starts a thread pool per call for any other value
        docs, scores = self.bm25.retrieve(
            tokens, k=k, show_progress=False, n_threads=0,
            weight_mask=None if mask is None else mask.astype(np.float32),
        )
        return [(self.chunk_ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
