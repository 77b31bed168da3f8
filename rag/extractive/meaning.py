"""Closeness in meaning, from the same MiniLM that embeds passages: question against sentence, and word
against word ("body" and "committee", "accuse" and "blame") where spelling cannot tell.

    meaning = Meaning(embedder)
    meaning.similarity("blame", "accuse")        # cosine of the two vectors
    meaning.kinds("airline")                     # {"organisation": 0.5, "person": 0.2, ...}

Vectors are cached per process: the same words and sentences come back question after question.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from rag.language import ANSWER_KINDS

CACHE_SIZE = 100_000  # vectors of 384 float32: ~150 MB at most


class Meaning:
    def __init__(self, embedder):
        self.embedder = embedder
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._kinds: dict[str, np.ndarray] | None = None

    def vectors(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        # One text per run: the int8 model scales activations per batch, so a text's vector (and with it an
        # answer) would otherwise depend on which texts were embedded beside it.
        fresh = self.embedder.embed_texts(missing, batch_size=1) if missing else []
        with self._lock:
            for text, vector in zip(missing, fresh, strict=True):
                self._cache[text] = vector
            out = np.vstack([self._cache[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)
            for t in texts:
                self._cache.move_to_end(t)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out

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
