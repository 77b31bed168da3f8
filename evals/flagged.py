"""Answers editors flagged (👎 or "wrong") as gold-question candidates: `rag feedback export --out FILE`.

    candidates = flagged_candidates(FeedbackStore(settings.docstore_path).flagged())
    write_candidates(candidates, Path("candidates.jsonl"))

Each candidate is a line of the gold format (evals/README.md) with the question, its history and its
date filter filled in, empty `answers` and `evidence`, and a `flagged` record of what was answered and
cited and what the editors said. As exported it does not load (an answerable question needs answers and
evidence), so an unreviewed candidate cannot slip into a gate; an editor fills `answers` and `evidence`
(or sets `"unanswerable": true`) and appends the line to a gold file: one edit, one new CI case.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from rag.feedback import FeedbackRecord
from rag.models import Citation, Filters

ID_PREFIX = "flagged-"


class FlaggedAnswer(BaseModel):
    """What the system answered and what editors said about it: context for whoever writes the gold answer.
    The runner carries it along unread; it never affects scoring."""

    model_config = ConfigDict(extra="forbid")

    answer_id: str
    verdicts: list[str]
    comments: list[str] = []
    answered: str
    answerable: bool
    citations: list[Citation] = []
    filters: Filters | None = None  # in full: the gold format's `as_of` holds only the date bound
    index_version: int
    answered_at: dt.datetime


def flagged_candidates(records: list[FeedbackRecord]) -> list[dict]:
    """One candidate per flagged answer (several verdicts on it are merged), in the order first flagged."""
    by_answer: dict[str, list[FeedbackRecord]] = {}
    for record in records:
        by_answer.setdefault(record.answered.answer_id, []).append(record)
    return [_candidate(group) for group in by_answer.values()]


def _candidate(group: list[FeedbackRecord]) -> dict:
    answered = group[0].answered
    flagged = FlaggedAnswer(
        answer_id=answered.answer_id, verdicts=[r.value for r in group], comments=[r.comment for r in group if r.comment],
        answered=answered.answer, answerable=answered.answerable, citations=answered.citations, filters=answered.filters,
        index_version=answered.index_version, answered_at=answered.created,
    )
    as_of = answered.filters.latest_date() if answered.filters else None
    tags = ["flagged", *dict.fromkeys(r.value for r in group), *(["follow-up"] if answered.history else [])]
    return {
        "id": ID_PREFIX + answered.answer_id[:12],
        "question": answered.question,
        "answers": [],
        "evidence": [],
        "unanswerable": False,
        **({"as_of": as_of.isoformat()} if as_of else {}),
        **({"history": [m.model_dump() for m in answered.history]} if answered.history else {}),
        "tags": tags,
        **({"sources": answered.filters.sources} if answered.filters and answered.filters.sources else {}),
        "flagged": flagged.model_dump(mode="json", exclude_none=True),
    }


def write_candidates(candidates: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(c, ensure_ascii=False) for c in candidates]
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
