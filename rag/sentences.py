"""Retrieved passages cut into citable sentences (a dataset row is one), and citations made from them.

Every backend cites sentences, never whole chunks: a citation's quote is `source.text[start:end]` of one
sentence, which the claim check verifies.

    sentences = passage_sentences(passages, analyses.doc)   # a chunk's parse, as ingest stored it
    cites = Citations(); marker = cites.cite(sentences[0])   # "[1]"; cites.items -> [Citation]
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from rag.language import addressed_in, overlaps
from rag.models import Chunk, Citation, ScoredChunk
from rag.nlp import PARSED_CHUNKS, sentence_spans

ChunkDoc = Callable[[Chunk], Doc]  # a chunk's parsed text (rag.analysis.Analyses.doc)

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

    @property
    def content(self) -> str:
        """What the sentence says, for comparing meanings: a dataset row's cells with their columns."""
        if self.is_row and self.chunk.cells:
            return " · ".join(f"{c.column}: {c.value}" for c in self.chunk.cells)
        return self.text


def passage_sentences(passages: list[ScoredChunk], docs: ChunkDoc) -> list[Sentence]:
    """The sentences of `passages`, each once (overlapping chunks repeat some), in source order."""
    out: list[Sentence] = []
    # what gives orders to a model, or carries what one orders, is never evidence, for any backend
    addressed = addressed_in(passages)
    for rank, passage in enumerate(passages):
        spans = addressed.get(passage.chunk.source_id, [])
        out += [s for s in chunk_sentences(passage, docs(passage.chunk), rank) if not overlaps(s.start, s.end, spans)]
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


def chunk_sentences(passage: ScoredChunk, doc: Doc, rank: int = 0) -> list[Sentence]:
    """One passage's citable sentences, from its parse `doc`: a dataset row is one; otherwise spaCy's
    sentences of MIN_SENTENCE_WORDS words or more."""
    chunk = passage.chunk
    if chunk.row is not None:
        return [Sentence(passage, doc[:], chunk.start, chunk.end, is_row=True, rank=rank)]
    return [
        Sentence(passage, span, chunk.start + span.start_char, chunk.start + span.end_char, False, rank)
        for span in _long_enough(doc)
    ]


@functools.lru_cache(maxsize=PARSED_CHUNKS)  # a chunk's sentences are read for every question it answers
def _long_enough(doc: Doc) -> tuple[Span, ...]:
    return tuple(span for span in sentence_spans(doc) if sum(not t.is_punct for t in span) >= MIN_SENTENCE_WORDS)


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
