"""Typed data passed between pipeline stages: sources → chunks → scored chunks → answer."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rag.timewindow import DateWindow

SourceKind = Literal["article", "dataset"]


class SourceMeta(BaseModel):
    """What a citation needs to name a source."""

    source_id: str
    kind: SourceKind = "article"
    title: str
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    authors: list[str] = Field(default_factory=list)
    path: str = ""
    content_hash: str = ""


class Cell(BaseModel):
    """One cell of a dataset row; `value == source.text[start:end]`."""

    column: str
    value: str
    start: int
    end: int


class Row(BaseModel):
    """A dataset row: its own citable unit, `source.text[start:end]`, with its cells as data."""

    number: int  # 1-based
    start: int
    end: int
    cells: list[Cell] = Field(default_factory=list)


class Source(SourceMeta):
    """A loaded, cleaned document. Chunk offsets index into `text`."""

    text: str
    rows: list[Row] = Field(default_factory=list)  # datasets only
    # Acronyms the text defines ("Pakistan Institute for Peace Studies (PIPS)"), found at ingest.
    aliases: dict[str, str] = Field(default_factory=dict)


class SourceInfo(SourceMeta):
    """An indexed source as listed by `rag sources` / `GET /v1/sources`."""

    chunks: int = 0
    chars: int = 0


class Chunk(BaseModel):
    """A span of a source's text: `text == source.text[start:end]`."""

    chunk_id: str
    source_id: str
    text: str
    start: int
    end: int
    position: int = 0
    row: int | None = None  # dataset row number (1-based), None for article text
    cells: list[Cell] = Field(default_factory=list)  # a dataset row's cells, offsets into the source text
    kind: SourceKind = "article"
    title: str = ""
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    aliases: dict[str, str] = Field(default_factory=dict)  # the source's defined acronyms


class ScoredChunk(BaseModel):
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    dense_score: float | None = None


class Filters(BaseModel):
    """Metadata filters for retrieval. Dates are inclusive."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = None
    outlets: list[str] | None = None
    published_after: dt.date | None = None
    published_before: dt.date | None = None
    as_of: dt.date | None = None
    # Set for the dates a question's own time words imply: an undated source cannot be placed in time, so
    # those dates do not exclude it (a date the user filters by does).
    keep_undated: bool = False

    @model_validator(mode="after")
    def _range_is_ordered(self) -> Filters:
        if self.published_after and self.published_before and self.published_after > self.published_before:
            raise ValueError("published_after is later than published_before")
        return self

    def latest_date(self) -> dt.date | None:
        dates = [d for d in (self.published_before, self.as_of) if d]
        return min(dates) if dates else None

    def admits_date(self, published: dt.date | None) -> bool:
        """Whether a source published on `published` passes the date bounds (the one rule; the stores apply
        it in their own query languages: rag/store.py `_chroma_where`, rag/keyword.py `mask`)."""
        latest = self.latest_date()
        if published is None:
            return self.keep_undated or not (self.published_after or latest)
        return not (self.published_after and published < self.published_after) and not (latest and published > latest)

    def is_empty(self) -> bool:
        return not (self.sources or self.outlets or self.published_after or self.latest_date())

    def describe(self) -> str:
        """The filters in words, as a reader would state them: "published up to 1 January 2020"."""
        parts = []
        if self.sources:
            parts.append(f"from the source{'s' * (len(self.sources) > 1)} {', '.join(self.sources)}")
        if self.outlets:
            parts.append(f"from {', '.join(self.outlets)}")
        if self.published_after:
            parts.append(f"published from {_day(self.published_after)}")
        if latest := self.latest_date():
            parts.append(f"published up to {_day(latest)}")
        return " and ".join(parts)


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["user", "assistant", "system"]
    content: str


class Passage(BaseModel):
    """A retrieved passage shown next to a refusal ("the closest I found")."""

    source_id: str
    title: str
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    text: str
    start: int
    end: int
    score: float


class Citation(BaseModel):
    n: int
    source_id: str
    title: str
    outlet: str | None = None
    url: str | None = None
    published: dt.date | None = None
    quote: str  # exactly source.text[start:end]
    start: int
    end: int
    score: float


def new_answer_id() -> str:
    return uuid.uuid4().hex


class Answer(BaseModel):
    # Feedback (Slack buttons, the chat, POST /v1/feedback) names the answer it rates by this id.
    answer_id: str = Field(default_factory=new_answer_id)
    question: str
    answer: str
    answerable: bool
    citations: list[Citation] = Field(default_factory=list)
    related: list[Passage] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    backend: str = "extractive"
    # The time the question named ("this week") and the publication dates searched for it; None without time words.
    window: DateWindow | None = None


class SkippedItem(BaseModel):
    path: str
    line: int | None = None
    reason: str


class IngestReport(BaseModel):
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    chunks_written: int = 0
    seconds: float = 0.0
    skipped: list[SkippedItem] = Field(default_factory=list)
