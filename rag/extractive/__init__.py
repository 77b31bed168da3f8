"""The extractive answerer: candidate answers generated from the retrieved sentences, scored by fitted
weights, and the best one stated first and quoted. When the fitted confidence that the sources answer
the question at all is below its threshold, it refuses.

    answerer = ExtractiveAnswerer(embedder, nlp, stored=docs)   # docs: the index's parses and vectors
    draft = answerer.answer("Who did Pakistan blame?", passages)   # an Answer; the Pipeline then checks it
    ranking = answerer.rank("Who did Pakistan blame?", passages)   # every candidate with its features

Steps, one module each: what is asked (question.py) → which sentences could say it (evidence.py) →
every span that could be the answer (candidates.py) → what is known about each (features.py) → the
fitted score, confidence and threshold (ranker.py, weights.json) → which other articles agree or dispute
(agreement.py, values.py) → how the answer reads (compose.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spacy.language import Language

from rag.analysis import Analyses
from rag.extractive.agreement import weigh
from rag.extractive.candidates import Candidate, generate
from rag.extractive.compose import write
from rag.extractive.evidence import Articles, ArticleText, Evidence, score_sentences
from rag.extractive.features import describe
from rag.extractive.question import Question, analyse
from rag.extractive.ranker import Weights, rank
from rag.meaning import Meaning, StoredVectors, unpack
from rag.models import Answer, ScoredChunk
from rag.relevance import Relevance
from rag.sentences import Citations, passage_sentences
from rag.verify import refuse

if TYPE_CHECKING:
    from rag.docstore import DocStore

__all__ = ["ExtractiveAnswerer", "Ranking"]


@dataclass
class Ranking:
    question: Question
    evidence: list[Evidence]
    candidates: list[Candidate]  # best first once ranked
    confidence: float = 0.0  # once ranked: how likely the sources answer the question (see ranker.py)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder,
        nlp: Language,
        *,
        stored: DocStore | None = None,
        articles: ArticleText | None = None,
        weights: Weights | None = None,
        threshold: float | None = None,
        relevance: Relevance | None = None,
    ):
        """`stored`: the index whose chunks were analysed at ingest; without it, passages are parsed and
        their sentences embedded here (slower; the answers are the same)."""
        self.nlp = nlp
        self.meaning = Meaning(embedder, stored=_unpacked(stored.word_vectors) if stored is not None else None)
        self.relevance = relevance or Relevance()
        self.analyses = Analyses(nlp, self.relevance, stored.analyses if stored is not None else None)
        # a sentence's whole article, where names and dates it leaves implicit are found
        self.articles = Articles(articles, stored.article if stored is not None else None)
        self._weights = weights
        self._threshold = threshold

    @property
    def weights(self) -> Weights:
        if self._weights is None:
            self._weights = Weights.load()
        return self._weights

    def candidates(self, question: str, passages: list[ScoredChunk], as_of: dt.date | None = None) -> Ranking:
        """Every candidate with its features, not yet scored (what `evals/fit.py` fits the weights on)."""
        q = analyse(question, self.nlp, self.meaning, as_of=as_of or dt.date.today())
        self.analyses.load(passages)
        evidence = score_sentences(q, passage_sentences(passages, self.analyses.doc), self.meaning, self.relevance, self.articles)
        found = generate(q, evidence)
        describe(q, found, evidence, self.meaning)
        return Ranking(q, evidence, found)

    def rank(self, question: str, passages: list[ScoredChunk], as_of: dt.date | None = None) -> Ranking:
        ranking = self.candidates(question, passages, as_of)
        ranking.candidates = rank(ranking.candidates, ranking.question.key, self.weights)
        ranking.confidence = self.weights.confidence.of(ranking.best) if ranking.best else 0.0
        return ranking

    def answer(self, question: str, passages: list[ScoredChunk], as_of: dt.date | None = None) -> Answer:
        ranking = self.rank(question, passages, as_of)
        threshold = self.weights.threshold_for(ranking.question.key) if self._threshold is None else self._threshold
        return self.draft(ranking, passages, threshold)

    def draft(self, ranking: Ranking, passages: list[ScoredChunk], threshold: float, plausible: float | None = None) -> Answer:
        """The answer a scored ranking gives: its best candidate stated and cited, or a refusal when its
        confidence is below `threshold`. Other candidates at least `plausible` likely (by default the
        fitted bound) may corroborate or dispute it."""
        question = ranking.question.text
        if ranking.best is None or ranking.confidence < threshold:
            return refuse(question, passages, self.nlp)
        cites = Citations()
        plausible = self.weights.plausible if plausible is None else plausible
        text = write(ranking.question, weigh(ranking.candidates, plausible), cites)
        return Answer(question=question, answer=text, answerable=True, citations=cites.items)


def _unpacked(read: Callable[[list[str]], dict[str, bytes]]) -> StoredVectors:
    return lambda words: {w: unpack(v)[0] for w, v in read(words).items()}
