"""Retrieved passages cut into citable sentences (a dataset row is one), and citations made from them.

Every backend cites sentences, never whole chunks: a citation's quote is `source.text[start:end]` of one
sentence, which the claim check verifies.

    sentences = passage_sentences(passages, nlp)
    cites = Citations(); marker = cites.cite(sentences[0])   # "[1]"; cites.items -> [Citation]
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Span

from rag.language import addressed_in, overlaps
from rag.models import Chunk, Citation, ScoredChunk
from rag.nlp import parse, sentence_spans

MIN_SENTENCE_WORDS = 4  # shorter lines are headings and page debris ("Recommended Stories")


@dataclass(eq=False)
class Sentence:
    passage: ScoredChunk
    span: Span  # within the parsed chunk text; a dataset row is one span
    start: int  # offsets into the source text
    end: int
    is_row: bool
    rank: int = 0  # the passage's position in the retrieval results, 0 = first
    before: Sentence | None = None  # the previous sentence of the same source, when retrieved

    @property
    def chunk(self) -> Chunk:
        return self.passage.chunk

    @property
    def text(self) -> str:
        c = self.chunk
        return c.text[self.start - c.start : self.end - c.start]


def passage_sentences(passages: list[ScoredChunk], nlp: Language) -> list[Sentence]:
    """The sentences of `passages`, each once (overlapping chunks repeat some), in source order."""
    out: list[Sentence] = []
    # what gives orders to a model, or carries what one orders, is never evidence, for any backend
    addressed = addressed_in(passages)
    for rank, passage in enumerate(passages):
        chunk = passage.chunk
        spans = addressed.get(chunk.source_id, [])
        if chunk.row is not None:
            if not overlaps(chunk.start, chunk.end, spans):
                out.append(Sentence(passage, parse(nlp, chunk.text)[:], chunk.start, chunk.end, is_row=True, rank=rank))
            continue
        for span in sentence_spans(nlp, chunk.text):
            start, end = chunk.start + span.start_char, chunk.start + span.end_char
            if sum(not t.is_punct for t in span) >= MIN_SENTENCE_WORDS and not overlaps(start, end, spans):
                out.append(Sentence(passage, span, start, end, False, rank))
    # Overlapping chunks repeat sentences; keep one copy, preferring the longer (uncut) one.
    out.sort(key=lambda s: (s.chunk.source_id, s.start, -(s.end - s.start), s.rank))
    kept: list[Sentence] = []
    for s in out:
        previous = kept[-1] if kept and kept[-1].chunk.source_id == s.chunk.source_id else None
        if previous is not None and s.end <= previous.end:
            previous.rank = min(previous.rank, s.rank)
            continue
        if previous is not None and not s.is_row:
            s.before = previous
        kept.append(s)
    return kept


class Citations:
    """Numbers cited sentences in order of first use; citing the same sentence twice reuses its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []

    def cite(self, s: Sentence, score: float = 0.0, end: int | None = None) -> str:
        """The marker for `s` (through `end`, when the quote runs on into the next sentence)."""
        end = end or s.end
        for c in self.items:
            if (c.source_id, c.start, c.end) == (s.chunk.source_id, s.start, end):
                return f"[{c.n}]"
        chunk = s.chunk
        self.items.append(
            Citation(
                n=len(self.items) + 1,
                source_id=chunk.source_id,
                title=chunk.title,
                outlet=chunk.outlet,
                url=chunk.url,
                published=chunk.published,
                quote=chunk.text[s.start - chunk.start : end - chunk.start],
                start=s.start,
                end=end,
                score=round(score, 4),
            )
        )
        return f"[{len(self.items)}]"
