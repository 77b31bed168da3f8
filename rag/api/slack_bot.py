"""The Slack bot: @mentions and DMs answered in their thread, the thread as history, feedback buttons.

    bolt = build_bolt_app(settings, ask, give_feedback)    # None unless the signing secret and bot token are set
    app.include_router(build_router(settings, bolt))        # POST /slack/events, POST /slack/interactions
    await socket_mode_handler(settings, bolt).connect_async()   # or Socket Mode (`rag serve --slack-socket`)

Bolt for Python speaks Slack's protocol: it checks signatures, answers `url_verification`, and acks
within Slack's 3 s before the listener runs (process_before_response=False), so the answer is posted
with `chat.postMessage` once ready. Two things Bolt leaves to us: a retried event (Slack resends when
an ack was slow or lost) is dropped by its `event_id`; a replayed signed request is refused as the
slash command refuses it. The Web API base URL is a setting, so tests point the bot at a fake Slack.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from rag.api.schemas import ErrorBody, error_response
from rag.api.slack import FEEDBACK_ACTIONS, ReplayGuard, escape, format_slack, signed
from rag.errors import AnswerNotFound, BadFeedback, RagError
from rag.feedback import MAX_COMMENT_CHARS, THANKS, FeedbackRecord
from rag.models import Answer, Message
from rag.settings import Settings

logger = logging.getLogger("rag.api")

AskFn = Callable[..., Awaitable[Answer]]
FeedbackFn = Callable[..., Awaitable[FeedbackRecord]]
EVENT_MEMORY_S = 60 * 60  # Slack retries an event three times within ~5 minutes; an hour is ample
WRONG_FORM = "feedback_wrong_form"  # callback id of the "Flag as wrong" modal
HISTORY_MESSAGES = 50  # earlier thread messages read as history (what /v1/ask accepts)


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The question without `<@BOT>` (or `<@BOT|name>`), Slack's &amp;/&lt;/&gt; turned back into text."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text)
    return " ".join(html.unescape(text).split())


def _answer_text(message: dict) -> str:
    # Our own answers: the first section holds the answer with its [n] markers; the fallback text adds sources.
    for block in message.get("blocks") or []:
        if block.get("type") == "section" and block.get("text", {}).get("text"):
            return html.unescape(block["text"]["text"])
    return html.unescape(message.get("text", ""))


def thread_history(messages: list[dict], before_ts: str, bot_user_id: str | None, bot_id: str | None) -> list[Message]:
    """The thread's messages before `before_ts` as conversation turns: the bot's own are the assistant's,
    everyone else's the user's (mention stripped); the newest HISTORY_MESSAGES only."""
    turns: list[Message] = []
    for message in messages:
        if float(message.get("ts", "0")) >= float(before_ts):
            continue
        ours = (bot_user_id and message.get("user") == bot_user_id) or (bot_id and message.get("bot_id") == bot_id)
        if ours:
            turns.append(Message(role="assistant", content=_answer_text(message)))
        elif not message.get("bot_id") and (content := strip_mention(message.get("text", ""), bot_user_id)):
            turns.append(Message(role="user", content=content))
    return turns[-HISTORY_MESSAGES:]


def wrong_answer_form(private_metadata: str) -> dict:
    """The modal behind "Flag as wrong": an optional note for the editor who turns it into an eval case."""
    note = {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": MAX_COMMENT_CHARS,
            "placeholder": {"type": "plain_text", "text": "e.g. It was the BLA, not India; see the Dawn piece of 3 Feb."}}
    return {
        "type": "modal", "callback_id": WRONG_FORM, "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Flag as wrong"},
        "submit": {"type": "plain_text", "text": "Flag"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "input", "block_id": "comment", "optional": True, "element": note,
                    "label": {"type": "plain_text", "text": "What is wrong with this answer?"}}],
    }


def build_bolt_app(settings: Settings, ask: AskFn, give_feedback: FeedbackFn) -> AsyncApp | None:
    """The Bolt app answering mentions and DMs; None without SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN."""
    if settings.slack_signing_secret is None or settings.slack_bot_token is None:
        return None
    client = AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    bolt = AsyncApp(client=client, signing_secret=settings.slack_signing_secret.get_secret_value(),
                    process_before_response=False, logger=logging.getLogger("rag.api.slack"))
    seen_events = ReplayGuard(window_s=EVENT_MEMORY_S)

    @bolt.middleware
    async def once_per_event(body: dict, next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse:
        event_id = body.get("event_id")
        if event_id and not seen_events.first_time(event_id):
            logger.info("slack event already handled; retry dropped", extra={"fields": {"event_id": event_id}})
            return BoltResponse(status=200, body="")
        return await next()

    async def answer_in_thread(event: dict, context, client: AsyncWebClient) -> None:
        channel, thread_ts = event["channel"], event.get("thread_ts") or event["ts"]
        question = strip_mention(event.get("text", ""), context.bot_user_id)
        if not question:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=escape(
                "Ask me a question about the indexed sources, e.g. who did Pakistan blame for the attacks?"))
            return
        history: list[Message] = []
        if event.get("thread_ts"):  # a reply: the thread so far is the conversation
            try:
                replies = await client.conversations_replies(channel=channel, ts=thread_ts, limit=200)
                history = thread_history(replies.get("messages", []), event["ts"], context.bot_user_id, context.bot_id)
            except SlackApiError as exc:  # e.g. a scope missing for this kind of channel: still answer, without history
                logger.warning("could not read the Slack thread", extra={"fields": {"error": exc.response.get("error")}})
        try:
            message = format_slack(await ask(question, history=history, endpoint="slack"), feedback=True)
        except RagError as exc:
            message = {"text": escape(f"Sorry, I could not answer that: {exc}"), "blocks": []}
        await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=message["text"],
                                      blocks=message["blocks"] or None, unfurl_links=False, unfurl_media=False)

    @bolt.event("app_mention")
    async def on_mention(event: dict, context, client: AsyncWebClient) -> None:
        await answer_in_thread(event, context, client)

    @bolt.event("message")
    async def on_message(event: dict, context, client: AsyncWebClient) -> None:
        # Only people's own messages in a DM: edits, joins and bots (ourselves included) are not questions.
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            await answer_in_thread(event, context, client)

    async def rate(answer_id: str, value: str, comment: str | None, user: str | None, where: dict,
                   client: AsyncWebClient) -> None:
        try:
            await give_feedback(answer_id, value, comment, via="slack", user=user)
            text = THANKS[value]
        except AnswerNotFound:
            text = "I no longer have a record of that answer, so the rating was not stored."
        except BadFeedback as exc:
            text = f"The rating was not stored: {exc}"
        if where.get("channel") and user:
            await client.chat_postEphemeral(channel=where["channel"], user=user, text=text, thread_ts=where.get("thread_ts"))

    @bolt.action(re.compile("^(" + "|".join(FEEDBACK_ACTIONS) + ")$"))
    async def on_feedback(ack, body: dict, action: dict, client: AsyncWebClient) -> None:
        await ack()
        value, user = FEEDBACK_ACTIONS[action["action_id"]], body.get("user", {}).get("id")
        where = {"channel": (body.get("channel") or {}).get("id"), "thread_ts": (body.get("message") or {}).get("thread_ts")}
        if value == "wrong" and body.get("trigger_id"):
            # "Flag as wrong" asks what was wrong (optional) before storing, so the verdict and note are one record.
            view = wrong_answer_form(json.dumps({"answer_id": action.get("value", ""), **where}))
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        await rate(action.get("value", ""), value, None, user, where, client)

    @bolt.view(WRONG_FORM)
    async def on_wrong_answer_form(ack, body: dict, view: dict, client: AsyncWebClient) -> None:
        await ack()
        context = json.loads(view.get("private_metadata") or "{}")
        comment = view["state"]["values"].get("comment", {}).get("text", {}).get("value")
        where = {"channel": context.get("channel"), "thread_ts": context.get("thread_ts")}
        await rate(context.get("answer_id", ""), "wrong", comment, body.get("user", {}).get("id"), where, client)

    return bolt


def socket_mode_handler(settings: Settings, bolt: AsyncApp) -> AsyncSocketModeHandler:
    """Socket Mode: the bot dials out to Slack (SLACK_APP_TOKEN), for newsrooms that cannot expose a URL."""
    if settings.slack_app_token is None:
        raise RagError("Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-…) in the environment")
    return AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value())


def build_router(settings: Settings, bolt: AsyncApp | None) -> APIRouter:
    router = APIRouter(tags=["slack"])
    handler = AsyncSlackRequestHandler(bolt) if bolt is not None else None
    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value()) if bolt is not None else None
    replays = ReplayGuard()

    async def dispatch(request: Request) -> Response:
        if handler is None or verifier is None:
            return error_response(503, "slack_not_configured", "SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN must both be set")
        # Bolt checks the signature too; checking here first gives the API's error shape and the replay memory.
        body = await request.body()
        signature = request.headers.get("x-slack-signature", "")
        if not signed(verifier, body, request.headers.get("x-slack-request-timestamp", ""), signature):
            return error_response(401, "bad_signature", "missing, wrong or expired Slack signature")
        if not replays.first_time(signature):
            return error_response(401, "replayed_request", "this Slack request was already handled")
        return await handler.handle(request)

    responses = {401: {"model": ErrorBody}, 503: {"model": ErrorBody}}

    @router.post("/slack/events", responses=responses)
    async def slack_events(request: Request) -> Response:
        """Slack Events API (signed): `url_verification`, `app_mention` and `message.im`, answered in the thread."""
        return await dispatch(request)

    @router.post("/slack/interactions", responses=responses)
    async def slack_interactions(request: Request) -> Response:
        """Slack interactivity (signed): the 👍 / 👎 / "Flag as wrong" buttons under each answer."""
        return await dispatch(request)

    return router
