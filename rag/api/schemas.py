"""Wire format of the native HTTP API: request bodies, stream events and the one error shape.

Request models forbid unknown fields so a typo ("filter" for "filters") is a 422, not a silently
ignored option. Answers go out as the library's own `rag.models.Answer`; nothing is re-shaped here.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from rag.feedback import MAX_COMMENT_CHARS, FeedbackValue
from rag.models import Citation, Filters, Message, Passage, SourceInfo
from rag.timewindow import DateWindow

MAX_HISTORY_MESSAGES = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HistoryMessage(_Strict):
    role: Literal["user", "assistant", "system"]
    content: str

    def to_message(self) -> Message:
        return Message(role=self.role, content=self.content)


class StreamRequest(_Strict):
    """Body of `POST /v1/ask/stream`. The question's length and content are checked by the Pipeline."""

    question: str = Field(examples=["Who did Pakistan blame for the attacks?"])
    history: list[HistoryMessage] = Field(default_factory=list, max_length=MAX_HISTORY_MESSAGES)
    filters: Filters | None = None

    def messages(self) -> list[Message]:
        return [m.to_message() for m in self.history]


class AskRequest(StreamRequest):
    """Body of `POST /v1/ask`; `format: "slack"` returns a Slack message payload instead of the Answer."""

    format: Literal["json", "slack"] = "json"


class FeedbackRequest(_Strict):
    """Body of `POST /v1/feedback`: a verdict on an earlier answer, named by its `answer_id`."""

    answer_id: str = Field(min_length=1, max_length=64, examples=["3f2c9d0e8b5a4c1d9e7f6a5b4c3d2e1f"])
    value: FeedbackValue = Field(description="`up` (👍), `down` (👎) or `wrong` (flag as wrong)")
    comment: str | None = Field(None, max_length=MAX_COMMENT_CHARS, description="What was wrong, for the editor")


class FeedbackReceipt(_Strict):
    answer_id: str
    value: FeedbackValue
    question: str = Field(description="The question the rated answer was given to")


class SourceList(_Strict):
    sources: list[SourceInfo]


class ReadyStatus(_Strict):
    ok: bool
    chunks: int = 0
    store: str | None = None
    error: str | None = None


class SlackMessage(_Strict):
    response_type: Literal["in_channel", "ephemeral"]
    text: str = Field(description="mrkdwn fallback shown in notifications and by clients without blocks")
    blocks: list[dict[str, Any]] = Field(default_factory=list)


# --- /v1/ask/stream events: `answer` (repeated), then `citations`, then `done` ------------------------
class StreamText(_Strict):
    text: str


class StreamCitations(_Strict):
    citations: list[Citation]


class StreamDone(_Strict):
    """Everything in the Answer that is neither its text nor its citations."""

    answer_id: str
    question: str
    answerable: bool
    related: list[Passage]
    timings_ms: dict[str, float]
    backend: str
    window: DateWindow | None = None


def split_for_stream(text: str, target_chars: int = 48) -> list[str]:
    """Cut `text` into pieces of a few words; `"".join(pieces) == text` always holds.

    The answer is complete before streaming starts (citations are verified on the whole text), so
    streaming only paces delivery; it never changes what a client ends up with.
    """
    words = re.findall(r"\s*\S+|\s+$", text)
    pieces: list[str] = []
    current = ""
    for word in words:
        current += word
        if len(current) >= target_chars:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


# --- errors --------------------------------------------------------------------------------------------
class ErrorDetail(_Strict):
    type: str = Field(examples=["bad_question"])
    message: str


class ErrorBody(_Strict):
    error: ErrorDetail


def error_response(status: int, type_: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The only error shape the API sends: `{"error": {"type", "message"}}` (also what OpenAI clients parse)."""
    body = ErrorBody(error=ErrorDetail(type=type_, message=message))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in {
        400: "Body is not a JSON object",
        401: "Missing or wrong API key",
        404: "No such source (or, for feedback, no such answer)",
        413: "Body larger than RAG_MAX_BODY_BYTES",
        422: "Invalid question, filters or fields",
        429: "Rate limit exceeded (see Retry-After)",
        503: "Index empty or store unreachable",
    }.items()
}
