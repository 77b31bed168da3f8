"""Slack: answers as Block Kit messages, and the `/ask` slash-command endpoint.

Slack waits 3 s for the HTTP reply. The command answers synchronously when the answer is ready
within `budget_s` (2.5 s) - the normal case on a warm server (the app warms the pipeline at start-up
and /readyz waits for it); tests/test_api_slack.py checks that path end to end. A cold or overloaded
server can take longer (measured: ~8 s for the very first question before warm-up), so past the
budget the command acknowledges privately and the answer is POSTed to Slack's `response_url` once
ready. `response_url` must be on hooks.slack.com, so a request cannot make us POST elsewhere.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from slack_sdk.signature import SignatureVerifier
from starlette.background import BackgroundTask

from rag.api.schemas import ErrorBody, SlackMessage, error_response
from rag.errors import RagError
from rag.models import Answer, Citation
from rag.settings import Settings

logger = logging.getLogger("rag.api")

AskFn = Callable[..., Awaitable[Answer]]
SECTION_LIMIT = 3000  # Slack rejects a section whose text is longer
MAX_BLOCKS = 50
MAX_AGE_S = 60 * 5  # Slack's documented replay window; SignatureVerifier enforces the same
ANSWER_BUDGET_S = 2.5  # of Slack's 3 s, leaving room for the network
SLACK_RESPONSE_URL = "https://hooks.slack.com/"
# Feedback buttons: action_id -> the verdict stored; each button's value is the answer's id.
FEEDBACK_ACTIONS = {"feedback_up": "up", "feedback_down": "down", "feedback_wrong": "wrong"}


def escape(text: str) -> str:
    """Slack mrkdwn control characters: &, < and > must be entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def source_line(citation: Citation) -> str:
    """`*[n]* <url|title> · outlet · date` — a link when the source has a url, else the bare title."""
    title = escape(citation.title).replace("|", "¦")
    if citation.url and citation.url.startswith(("http://", "https://")):
        url = citation.url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
        name = f"<{url}|{title}>"
    else:
        name = f"*{title}*"
    details = [escape(d) for d in (citation.outlet, citation.published and citation.published.isoformat()) if d]
    return " · ".join([f"*[{citation.n}]* {name}", *details])


def _quoted(text: str) -> str:
    return "\n".join(f">{escape(line)}" for line in text.splitlines() or [""])


def feedback_buttons(answer_id: str) -> dict:
    """👍 / 👎 / "Flag as wrong", each carrying the answer id back to the interactivity endpoint."""
    labels = {"feedback_up": "👍", "feedback_down": "👎", "feedback_wrong": "Flag as wrong"}
    buttons = [
        {"type": "button", "action_id": action, "text": {"type": "plain_text", "text": label, "emoji": True}, "value": answer_id}
        for action, label in labels.items()
    ]
    buttons[-1]["style"] = "danger"
    return {"type": "actions", "block_id": "feedback", "elements": buttons}


def format_slack(answer: Answer, response_type: str = "in_channel", feedback: bool = False) -> dict:
    """A Slack message: the answer with its [n] markers, the period searched when the question named one
    (as the chat's Sources panel shows it), a "Sources" heading, each cited source with its quote, and
    (with `feedback`) the rating buttons. Without buttons the message is the same for the same answer,
    whatever its id; the buttons are only offered where the answer was remembered for rating."""
    answer_text = _clip(escape(answer.answer), SECTION_LIMIT)
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": answer_text}}]
    fallback = [answer_text]
    if answer.window is not None:  # what the question's time words let through ("this week")
        searched = escape(f"Searched: {answer.window.describe()}")
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": searched}]})
        fallback.append(searched)
    if answer.citations:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"*Sources* ({len(answer.citations)})"}]})
        fallback.append("Sources:")
    for citation in answer.citations[: MAX_BLOCKS - 5]:  # answer, window, heading, closest, buttons
        head = source_line(citation)
        quote = _quoted(_clip(citation.quote, SECTION_LIMIT - len(head) - 50))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{quote}"}})
        fallback.append(f"{head}\n{quote}")
    if not answer.answerable and answer.related:
        closest = "; ".join(dict.fromkeys(escape(p.title) for p in answer.related[:5]))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(f"Closest sources: {closest}", SECTION_LIMIT)}]})
    if feedback:
        blocks.append(feedback_buttons(answer.answer_id))
    message = SlackMessage(response_type=response_type, text=_clip("\n".join(fallback), 40_000), blocks=blocks)
    return message.model_dump()


def ephemeral(text: str) -> dict:
    return SlackMessage(response_type="ephemeral", text=escape(text), blocks=[]).model_dump()


class ReplayGuard:
    """Remembers accepted signatures for the 5-minute window so a captured request cannot be resent
    (and, with a longer window, the Slack bot's event ids, so a retried event is answered once)."""

    def __init__(self, clock=time.time, window_s: float = MAX_AGE_S):
        self.clock = clock
        self.window_s = window_s
        self._seen: dict[str, float] = {}

    def first_time(self, key: str) -> bool:
        now = self.clock()
        self._seen = {s: t for s, t in self._seen.items() if now - t <= self.window_s}
        if key in self._seen:
            return False
        self._seen[key] = now
        return True


def build_router(settings: Settings, ask: AskFn, *, budget_s: float = ANSWER_BUDGET_S,
                 response_url_prefix: str = SLACK_RESPONSE_URL) -> APIRouter:
    router = APIRouter(tags=["slack"])
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    verifier = SignatureVerifier(secret) if secret else None
    replays = ReplayGuard()
    # A click is handled by the bot's interactivity endpoint, which needs the bot token: without it the
    # buttons would lead nowhere, so a command-only app gets none.
    buttons = settings.slack_bot_token is not None

    @router.post(
        "/slack/commands",
        response_model=SlackMessage,
        responses={401: {"model": ErrorBody}, 503: {"model": ErrorBody}},
        openapi_extra={"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}},
    )
    async def slack_command(request: Request) -> JSONResponse:
        """Slack slash command (`/ask <question>`): signed by Slack, answered in-channel."""
        if verifier is None:
            return error_response(503, "slack_not_configured", "SLACK_SIGNING_SECRET is not set on the server")
        body = await request.body()
        timestamp = request.headers.get("x-slack-request-timestamp", "")
        signature = request.headers.get("x-slack-signature", "")
        if not signed(verifier, body, timestamp, signature):
            return error_response(401, "bad_signature", "missing, wrong or expired Slack signature")
        if not replays.first_time(signature):
            return error_response(401, "replayed_request", "this Slack request was already handled")
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        question = (form.get("text") or [""])[0].strip()
        command = (form.get("command") or ["/ask"])[0]
        response_url = (form.get("response_url") or [""])[0]
        if not question:
            return JSONResponse(ephemeral(f"Ask a question, e.g. `{command} who did Pakistan blame for the attacks?`"))
        answering = asyncio.ensure_future(_reply(ask, question, feedback=buttons))
        done, _ = await asyncio.wait({answering}, timeout=budget_s)
        if done:
            return JSONResponse(answering.result())
        if not response_url.startswith(response_url_prefix):
            logger.warning("slack answer late and response_url is not Slack's; dropped")
            return JSONResponse(ephemeral("Sorry, that took too long. Please try again in a moment."))
        return JSONResponse(
            ephemeral("Searching the sources… the answer will be posted here."),
            background=BackgroundTask(_deliver, answering, response_url),
        )

    return router


async def _reply(ask: AskFn, question: str, feedback: bool = False) -> dict:
    try:
        return format_slack(await ask(question, endpoint="slack"), feedback=feedback)
    except RagError as exc:
        # Slack shows any non-200 as an opaque failure; a readable private reply helps the user more.
        logger.info("slack question failed", extra={"fields": {"error": type(exc).__name__}})
        return ephemeral(f"Sorry, I could not answer that: {exc}")


async def _deliver(answering: asyncio.Future, response_url: str) -> None:
    message = await answering
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            (await http.post(response_url, json=message)).raise_for_status()
    except httpx.HTTPError as exc:  # the url is a capability: log the failure, never the url
        logger.warning("could not post a late answer to Slack", extra={"fields": {"error": type(exc).__name__}})


def signed(verifier: SignatureVerifier, body: bytes, timestamp: str, signature: str) -> bool:
    # str.isdigit() accepts "²" and other Unicode digits that int() then rejects: ASCII digits only.
    if not (timestamp.isascii() and timestamp.isdigit()) or not signature:
        return False  # SignatureVerifier would raise on a non-numeric timestamp
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
