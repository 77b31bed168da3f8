"""Cut sources into chunks that know their exact character span in the source text.

Articles go through llama-index's `SentenceSplitter`, counting cl100k_base tokens; each chunk is then
located in the source so `chunk.text == source.text[chunk.start:chunk.end]` holds by construction.
Dataset rows are never split or merged: one row, one chunk, one citable unit.
"""

from __future__ import annotations

import functools

from llama_index.core.node_parser import SentenceSplitter

from rag.models import Chunk, Row, Source
from rag.offline import disable_llama_index_defaults

disable_llama_index_defaults()  # llama-index is loaded from here on: nothing may fall back to OpenAI


@functools.lru_cache(maxsize=1)
def _token_counter():
    import tiktoken

    return tiktoken.get_encoding("cl100k_base").encode


@functools.lru_cache(maxsize=4)
def _splitter(chunk_size: int, chunk_overlap: int) -> SentenceSplitter:
    return SentenceSplitter(
        chunk_size=chunk_size,
        chunk_overlap=chunk_overlap,
        tokenizer=_token_counter(),
        paragraph_separator="\n\n",
    )


def _locate(text: str, piece: str, cursor: int) -> tuple[int, int]:
    start = text.find(piece, cursor)
    if start < 0:
        start = text.find(piece)
    if start >= 0:
        return start, start + len(piece)
    # The splitter normalised something inside the piece: anchor on its first and last words instead.
    head, tail = piece[:40], piece[-40:]
    start = text.find(head, cursor)
    start = start if start >= 0 else max(cursor, 0)
    end = text.find(tail, start)
    end = end + len(tail) if end >= 0 else min(len(text), start + len(piece))
    return start, end


def _chunk(source: Source, position: int, start: int, end: int, row: Row | None = None) -> Chunk:
    return Chunk(
        chunk_id=f"{source.source_id}::{source.content_hash[:12]}::{position}",
        source_id=source.source_id,
        text=source.text[start:end],
        start=start,
        end=end,
        position=position,
        row=row.number if row else None,
        cells=row.cells if row else [],
        kind=source.kind,
        title=source.title,
        outlet=source.outlet,
        url=source.url,
        published=source.published,
        aliases=source.aliases,
    )


def chunk_source(source: Source, chunk_size: int = 256, chunk_overlap: int = 32) -> list[Chunk]:
    if source.rows:
        return [_chunk(source, i, row.start, row.end, row=row) for i, row in enumerate(source.rows)]
    pieces = _splitter(chunk_size, chunk_overlap).split_text(source.text)
    chunks, cursor = [], 0
    for position, piece in enumerate(p for p in pieces if p.strip()):
        start, end = _locate(source.text, piece.strip(), cursor)
        chunks.append(_chunk(source, position, start, end))
        cursor = start + 1
    return chunks
