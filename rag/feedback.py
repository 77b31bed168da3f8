"""Editors' verdicts on answers (👍 / 👎 / "wrong"), kept beside the index they were answered from.

    store = FeedbackStore(settings.docstore_path)
    store.remember(answer, history, filters, index_version=3)     # when the answer is made
    store.record(answer.answer_id, "wrong", comment="It was the BLA, not India", via="slack", user="U123")
    store.flagged()                                               # what `rag feedback export` turns into evals

Feedback arrives after the answer (a Slack button may be clicked days later, after a restart), so every
answer a shell offers for rating is written to the `answers` table when it is made; an in-process record
would lose exactly the late clicks on a busy or redeployed server. A feedback row copies what it rates
(question, history, filters, answer, citations, index version), so pruning old answers never loses it.

The tables live in the index's SQLite file, on their own connection: the docstore's format and rebuilds
(which drop only its own tables) are untouched, and flagged answers stay next to the index they indict.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from rag.docstore import writable
from rag.errors import AnswerNotFound, BadFeedback, IndexReadOnly
from rag.models import Answer, Citation, Filters, Message

FeedbackValue = Literal["up", "down", "wrong"]
FLAGGING: tuple[FeedbackValue, ...] = ("down", "wrong")
MAX_COMMENT_CHARS = 2000  # a note for the editor who fixes the eval, not an essay; longer is refused
ANSWERS_KEPT = 50_000  # newest answers remembered for rating; older ones get 404 (their feedback rows stay)
PRUNE_EVERY = 1000  # answers written between prunes
THANKS = {"up": "Thanks, noted 👍", "down": "Thanks, noted 👎: an editor will look at this answer.",
          "wrong": "Thanks: flagged as wrong. An editor will turn it into a test case."}  # what a rater is told

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    answer_id TEXT PRIMARY KEY, created TEXT NOT NULL, index_version INTEGER NOT NULL, record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, answer_id TEXT NOT NULL, created TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('up', 'down', 'wrong')), comment TEXT, via TEXT NOT NULL, user TEXT,
    question TEXT NOT NULL, history TEXT NOT NULL, filters TEXT, answer TEXT NOT NULL, answerable INTEGER NOT NULL,
    citations TEXT NOT NULL, index_version INTEGER NOT NULL, answered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_by_answer ON feedback(answer_id);
"""


class AnsweredQuestion(BaseModel):
    """What was asked and what came back: enough to replay the question as an eval case."""

    answer_id: str
    question: str
    history: list[Message] = Field(default_factory=list)
    filters: Filters | None = None
    answer: str
    answerable: bool
    citations: list[Citation] = Field(default_factory=list)
    index_version: int
    created: dt.datetime


class FeedbackRecord(BaseModel):
    """One verdict on one answer, with the answer it rates."""

    value: FeedbackValue
    comment: str | None = None
    via: str  # "api", "slack", "chat"
    user: str | None = None  # a Slack user id, or the API client ("key#1"); never a key
    created: dt.datetime
    answered: AnsweredQuestion


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def check_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise BadFeedback(f"the comment is {len(comment)} characters long; the limit is {MAX_COMMENT_CHARS}")
    return comment or None


class FeedbackStore:
    def __init__(self, path: Path):
        if path.parent.is_dir() and not writable(path.parent):
            raise IndexReadOnly("feedback cannot be stored: the index is on a read-only filesystem")
        path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by API worker threads, as the docstore does; the lock keeps cursors apart.
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        self._written = 0
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def remember(self, answer: Answer, history: Sequence[Message] = (), filters: Filters | None = None, *,
                 index_version: int = 0) -> AnsweredQuestion:
        answered = AnsweredQuestion(
            answer_id=answer.answer_id, question=answer.question, history=list(history), filters=filters,
            answer=answer.answer, answerable=answer.answerable, citations=answer.citations,
            index_version=index_version, created=_now(),
        )
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?)",
                (answered.answer_id, answered.created.isoformat(), index_version, answered.model_dump_json()),
            )
            self._written += 1
            if self._written % PRUNE_EVERY == 0:
                self._db.execute(
                    "DELETE FROM answers WHERE answer_id NOT IN (SELECT answer_id FROM answers ORDER BY created DESC LIMIT ?)",
                    (ANSWERS_KEPT,),
                )
        return answered

    def answered(self, answer_id: str) -> AnsweredQuestion:
        with self._lock:
            row = self._db.execute("SELECT record FROM answers WHERE answer_id = ?", (answer_id,)).fetchone()
        if row is None:
            raise AnswerNotFound(f"no answer with the id {answer_id!r} is on record here")
        return AnsweredQuestion.model_validate_json(row[0])

    def record(self, answer_id: str, value: FeedbackValue, comment: str | None = None, *, via: str,
               user: str | None = None) -> FeedbackRecord:
        feedback = FeedbackRecord(value=value, comment=check_comment(comment), via=via, user=user, created=_now(),
                                  answered=self.answered(answer_id))
        a = feedback.answered
        with self._lock:
            self._db.execute(
                "INSERT INTO feedback (answer_id, created, value, comment, via, user, question, history, filters, answer, "
                "answerable, citations, index_version, answered_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    a.answer_id, feedback.created.isoformat(), value, feedback.comment, via, user, a.question,
                    json.dumps([m.model_dump() for m in a.history]), a.filters.model_dump_json() if a.filters else None,
                    a.answer, int(a.answerable), json.dumps([c.model_dump(mode="json") for c in a.citations]),
                    a.index_version, a.created.isoformat(),
                ),
            )
        return feedback

    def all(self) -> list[FeedbackRecord]:
        """Every verdict, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT answer_id, created, value, comment, via, user, question, history, filters, answer, answerable, "
                "citations, index_version, answered_at FROM feedback ORDER BY id"
            ).fetchall()
        return [_record(r) for r in rows]

    def flagged(self) -> list[FeedbackRecord]:
        """Verdicts that say an answer was bad (👎 or "wrong"), oldest first."""
        return [r for r in self.all() if r.value in FLAGGING]


def _record(row) -> FeedbackRecord:
    answer_id, created, value, comment, via, user, question, history, filters, answer, answerable, citations, version, answered_at = row
    answered = AnsweredQuestion(
        answer_id=answer_id, question=question, history=json.loads(history),
        filters=Filters.model_validate_json(filters) if filters else None, answer=answer, answerable=bool(answerable),
        citations=json.loads(citations), index_version=version, created=answered_at,
    )
    return FeedbackRecord(value=value, comment=comment, via=via, user=user, created=created, answered=answered)
