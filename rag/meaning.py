"""Closeness in meaning, from the same MiniLM that embeds passages: word against word ("body" and
"committee", "accuse" and "blame") where spelling cannot tell. (How well a sentence answers the question
is e5's to say: rag.relevance.)

    meaning = Meaning(embedder, stored=lookup)   # lookup(texts) -> the vectors the index holds for some of them
    meaning.similarity("blame", "accuse")        # cosine of the two vectors
    meaning.kinds("airline")                     # {"organisation": 0.5, "person": 0.2, ...}

Ingest embeds every indexed content word with `embed` and stores the vectors (rag.analysis); at question
time they come from the index (`stored`) and only what ingest never saw is embedded. Vectors are cached
per process: the same words come back question after question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from rag.language import ANSWER_KINDS

CACHE_SIZE = 100_000  # vectors of 384 float32: ~150 MB at most
DIMENSIONS = 384

StoredVectors = Callable[[list[str]], dict[str, np.ndarray]]  # texts -> the vectors the index holds for some of them


class Meaning:
    def __init__(self, embedder, stored: StoredVectors | None = None):
        self.embedder = embedder
        self.stored = stored
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._kinds: dict[str, np.ndarray] | None = None

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors as the index stores them (`pack`): whatever embedded a text, ingest or a question, gets
        the same vector, so an answer never depends on which of the two did."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        # One text per run: the int8 model scales activations per batch, so a text's vector (and with it an
        # answer) would otherwise depend on which texts were embedded beside it.
        return unpack(pack(self.embedder.embed_texts(texts, batch_size=1)))

    def vectors(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if texts and not missing:  # the usual case: every word of a passage was looked up once already
                for t in texts:
                    self._cache.move_to_end(t)
                return np.vstack([self._cache[t] for t in texts])
        found = self.stored(missing) if missing and self.stored is not None else {}
        missing = [t for t in missing if t not in found]
        fresh = dict(zip(missing, self.embed(missing), strict=True))
        with self._lock:
            for text, vector in (found | fresh).items():
                self._cache[text] = vector
            out = np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, DIMENSIONS), dtype=np.float32)
            for t in texts:
                self._cache.move_to_end(t)
            self._trim()
        return out

    def _trim(self) -> None:
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    def similarity(self, a: str, b: str) -> float:
        if a == b:
            return 1.0
        va, vb = self.vectors([a, b])
        return float(va @ vb)

    def best(self, word: str, others: list[str]) -> float:
        """The highest similarity of `word` to any of `others` (0 for none)."""
        if not others:
            return 0.0
        if word in others:
            return 1.0
        vectors = self.vectors([word, *others])
        return float(np.max(vectors[1:] @ vectors[0]))

    def kinds(self, noun: str) -> dict[str, float]:
        """How close `noun` is to each kind of answer (person, organisation, place, time, number, reason)."""
        if self._kinds is None:
            self._kinds = {kind: self.vectors(list(nouns)) for kind, nouns in ANSWER_KINDS.items()}
        vector = self.vectors([noun])[0]
        return {kind: float(np.max(protos @ vector)) for kind, protos in self._kinds.items()}


def pack(vectors: np.ndarray) -> bytes:
    """Vectors as int8 with one float32 scale each: 388 bytes a vector instead of 1,536 (cosines move by
    about 0.001)."""
    vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
    scales = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127
    codes = np.rint(vectors / scales[:, None]).astype(np.int8)
    return scales.astype(np.float32).tobytes() + codes.tobytes()


def unpack(data: bytes) -> np.ndarray:
    n = len(data) // (4 + DIMENSIONS)
    scales = np.frombuffer(data, dtype=np.float32, count=n)
    codes = np.frombuffer(data, dtype=np.int8, offset=4 * n).reshape(n, DIMENSIONS)
    return codes.astype(np.float32) * scales[:, None]
