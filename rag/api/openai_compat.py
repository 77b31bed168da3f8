"""`POST /v1/chat/completions` and `GET /v1/models` in OpenAI's wire format, so chat front-ends and
the official `openai` client can use the service as if it were a model.

The last user message is the question, earlier messages are the history. The reply text is the
answer with its [n] markers, a "Searched:" line when the question's time words set a date window, then
a "Sources:" list; the same citations also travel as data, in a top-level `citations` field (and in the
final chunk when streaming).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from rag.api.schemas import ERROR_RESPONSES, split_for_stream
from rag.errors import BadQuestion
from rag.models import Answer, Citation, Filters, Message
from rag.pipeline import validate_message

AskFn = Callable[..., Awaitable[Answer]]
MODEL_ID = "newsroom-rag"


class TextPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str = ""


class ChatMessage(BaseModel):
    # Clients echo back whole assistant messages (tool_calls=None, refusal=None...): ignore, don't reject.
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's request body. Sampling options are accepted and ignored (answers are extractive and
    deterministic); anything else, tools included, is rejected rather than silently dropped."""

    model_config = ConfigDict(extra="forbid")
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    n: Literal[1] = 1
    filters: Filters | None = Field(None, description="Extension: the same filters as /v1/ask")
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    stop: str | list[str] | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    seed: int | None = None
    user: str | None = None
    stream_options: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None

    def question_and_history(self) -> tuple[str, list[Message]]:
        *earlier, last = self.messages
        if last.role != "user":
            raise BadQuestion("the last message must be the user's question")
        # Checked here too, so an error names the client's own index ("messages[2]"), tool messages counted.
        history = [
            Message(role="system" if m.role == "developer" else m.role, content=validate_message(m.text(), f"messages[{i}]"))
            for i, m in enumerate(earlier)
            if m.role != "tool"
        ]
        return last.text(), history


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    citations: list[Citation]
    answerable: bool


def reply_text(answer: Answer) -> str:
    """The answer, the period searched when the question named one (`Searched: …`, as the chat shows it),
    then one markdown line per cited source: `[n] [Title](url) — Outlet, date: "quote"`."""
    lines = [answer.answer]
    if answer.window is not None:
        lines += ["", f"Searched: {answer.window.describe()}"]
    if not answer.citations:
        return "\n".join(lines)
    lines += ["", "Sources:"]
    for c in answer.citations:
        name = f"[{c.title}]({c.url})" if c.url else c.title
        details = ", ".join(d for d in (c.outlet, c.published and c.published.isoformat()) if d)
        quote = " ".join(c.quote.split())
        lines.append(f"[{c.n}] {name}" + (f" — {details}" if details else "") + f': "{quote}"')
    return "\n".join(lines)


def _chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None = None, **extra: Any) -> ServerSentEvent:
    body = {**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
    return ServerSentEvent(data=_json(body))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def add_routes(router: APIRouter, ask: AskFn, on_disconnect: Callable[[], None]) -> None:
    """Registers /models and /chat/completions on `router` (the app's /v1 router) itself: a nested router
    would leave its routes' own paths ("/models") in `scope["route"]`, hence in metrics and logs."""

    @router.get("/models", tags=["openai"])
    async def list_models() -> dict:
        """The one "model" this service offers, for clients that list models before chatting."""
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "newsroom"}]}

    @router.post("/chat/completions", response_model=ChatCompletion, responses=ERROR_RESPONSES, tags=["openai"])
    async def chat_completions(body: ChatRequest):
        """OpenAI-compatible chat; `stream: true` sends `chat.completion.chunk` events then `[DONE]`."""
        question, history = body.question_and_history()
        answer = await ask(question, history=history, filters=body.filters, endpoint="chat")
        text = reply_text(answer)
        # The answer's id inside the completion's, so a client can rate it (POST /v1/feedback) without a new field.
        base = {"id": f"chatcmpl-{answer.answer_id}", "created": int(time.time()), "model": body.model}
        citations = [c.model_dump(mode="json") for c in answer.citations]
        if not body.stream:
            return ChatCompletion(
                **base, choices=[Choice(message=ReplyMessage(content=text))],
                citations=answer.citations, answerable=answer.answerable,
            )

        async def chunks():
            finished = False
            try:
                yield _chunk(base, {"role": "assistant", "content": ""})
                for piece in split_for_stream(text):
                    yield _chunk(base, {"content": piece})
                yield _chunk(base, {}, "stop", citations=citations, answerable=answer.answerable)
                yield ServerSentEvent(data="[DONE]")
                finished = True
            finally:
                if not finished:
                    on_disconnect()

        return EventSourceResponse(chunks(), ping=15, send_timeout=30)

