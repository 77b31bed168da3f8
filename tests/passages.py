"""Crafted passages and dataset rows for the answerer's tests, shaped as retrieval returns them."""

from __future__ import annotations

import datetime as dt

from rag.models import Cell, Chunk, ScoredChunk

PUBLISHED = dt.date(2026, 2, 2)  # a Monday


def passage(text: str, source_id: str = "wire", outlet: str = "Wire", rank: int = 0, **meta) -> ScoredChunk:
    chunk = Chunk(
        chunk_id=f"{source_id}::h::{rank}",
        source_id=source_id,
        text=text,
        start=0,
        end=len(text),
        title=meta.pop("title", f"{outlet} report"),
        outlet=outlet,
        published=meta.pop("published", PUBLISHED),
        **meta,
    )
    return ScoredChunk(chunk=chunk, score=1.0 / (rank + 1))


def row(cells: list[tuple[str, str]], source_id: str = "figures", number: int = 1) -> ScoredChunk:
    """A dataset row rendered as ingest renders it, with its cells as data."""
    text, typed = f"Figures — row {number}", []
    for column, value in cells:
        text += f" · {column}: "
        typed.append(Cell(column=column, value=value, start=len(text), end=len(text) + len(value)))
        text += value
    return passage(text, source_id=source_id, outlet="Data desk", kind="dataset", row=number, cells=typed)
