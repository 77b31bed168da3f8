"""The Slack bot (rag/api/slack_bot.py) driven as Slack drives it: signed Events API and interactivity
requests to a real server, Slack's Web API played by a fake on loopback (tests/fake_slack.py)."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import httpx
import pytest
from api_fixtures import api_settings, running_server, slack_headers
from fake_slack import BOT_TOKEN, BOT_USER, FakeSlack
from pydantic import SecretStr
from slack_sdk.socket_mode.request import SocketModeRequest
from typer.testing import CliRunner

from evals.runner import GoldSetError, load_questions
from rag.api.app import create_app
from rag.api.slack_bot import socket_mode_handler, strip_mention, thread_history
from rag.cli import app as cli
from rag.models import Message

CHANNEL, EDITOR = "C2147483705", "U2147483697"
FIRST = "Who is the leader of the Baloch Liberation Army?"
FOLLOW_UP = "What did he say?"


def bot_settings(seed_settings, slack_url: str, **overrides):
    return api_settings(seed_settings, slack_bot_token=SecretStr(BOT_TOKEN), slack_api_url=f"{slack_url}/api/", **overrides)


def event_body(event: dict, event_id: str) -> dict:
    return {"token": "legacy", "team_id": "T0001", "api_app_id": "A123456", "type": "event_callback", "event": event,
            "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"team_id": "T0001", "user_id": BOT_USER, "is_bot": True}]}


def mention(message: dict, channel: str = CHANNEL) -> dict:
    return {"type": "app_mention", "channel": channel, "event_ts": message["ts"],
            **{k: message[k] for k in ("user", "text", "ts", "thread_ts") if k in message}}


def post_event(http: httpx.Client, body: dict, timestamp: int | None = None, retry: int | None = None) -> httpx.Response:
    raw = json.dumps(body).encode()
    headers = {**slack_headers(raw, timestamp), "Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return http.post("/slack/events", content=raw, headers=headers)


def click(http: httpx.Client, action_id: str, answer_id: str, message: dict) -> httpx.Response:
    payload = {
        "type": "block_actions", "team": {"id": "T0001"}, "user": {"id": EDITOR, "username": "editor"},
        "api_app_id": "A123456", "token": "legacy", "trigger_id": "1.2.3", "channel": {"id": CHANNEL, "name": "desk"},
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": CHANNEL},
        "message": {"ts": message["ts"], "thread_ts": message.get("thread_ts"), "text": message["text"]},
        "response_url": "https://hooks.slack.com/actions/T0001/1/2",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "feedback", "value": answer_id, "action_ts": "1.2"}],
    }
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    return http.post("/slack/interactions", content=raw, headers=slack_headers(raw))


def buttons(blocks: list[dict]) -> dict[str, str]:
    actions = [b for b in blocks if b["type"] == "actions"]
    assert len(actions) == 1 and blocks[-1] is actions[0]
    return {e["action_id"]: e["value"] for e in actions[0]["elements"]}


@pytest.fixture(scope="module")
def slack():
    fake = FakeSlack()
    with running_server(fake.app) as url:
        fake.url = url
        yield fake


@pytest.fixture(scope="module")
def bot(seed_settings, seed_pipeline, slack):
    with running_server(create_app(bot_settings(seed_settings, slack.url), seed_pipeline)) as url:
        with httpx.Client(base_url=url, timeout=60) as http:
            yield http


def test_url_verification_is_answered_with_the_challenge(bot):
    body = {"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}
    response = post_event(bot, body)
    assert response.status_code == 200 and body["challenge"] in response.text


def test_a_mention_is_answered_once_in_its_thread_and_a_follow_up_uses_the_thread(bot, slack, seed_pipeline):
    asked = slack.say(CHANNEL, EDITOR, f"<@{BOT_USER}> {FIRST}")
    first_event = event_body(mention(asked), "Ev0FIRST")
    assert post_event(bot, first_event).status_code == 200
    [posted] = slack.wait_for("chat.postMessage", 1)
    assert posted["channel"] == CHANNEL and posted["thread_ts"] == asked["ts"]  # a reply in the mention's thread
    assert slack.tokens == {f"Bearer {BOT_TOKEN}"} and slack.called("conversations.replies") == []  # no thread yet
    blocks = posted["blocks"]
    expected = seed_pipeline.ask(FIRST)
    assert "Bashir Zeb" in expected.answer and expected.citations
    assert blocks[0]["text"]["text"] == expected.answer
    assert blocks[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": f"*Sources* ({len(expected.citations)})"}]}
    for block, citation in zip(blocks[2:], expected.citations, strict=False):
        assert block["text"]["text"].startswith(f"*[{citation.n}]* ") and citation.outlet in block["text"]["text"]
        assert "\n>" in block["text"]["text"]  # the quote, as a Slack quote
    first_id = buttons(blocks)["feedback_down"]
    assert buttons(blocks) == {"feedback_up": first_id, "feedback_down": first_id, "feedback_wrong": first_id}
    assert seed_pipeline.feedback.answered(first_id).question == FIRST  # remembered for the buttons

    # Slack did not see the ack in time and resends the same event: acknowledged, not answered again.
    retried = post_event(bot, first_event, timestamp=int(time.time()) - 2, retry=1)
    assert retried.status_code == 200

    follow_up = slack.say(CHANNEL, EDITOR, f"<@{BOT_USER}> {FOLLOW_UP}", thread_ts=asked["ts"])
    assert post_event(bot, event_body(mention(follow_up), "Ev0SECOND")).status_code == 200
    _, second = slack.wait_for("chat.postMessage", 2)
    assert second["thread_ts"] == asked["ts"]
    assert [r["ts"] for r in slack.called("conversations.replies")] == [asked["ts"]]
    history = [Message(role="user", content=FIRST), Message(role="assistant", content=expected.answer)]
    with_thread = seed_pipeline.ask(FOLLOW_UP, history)
    assert second["blocks"][0]["text"]["text"] == with_thread.answer
    assert with_thread.answer != seed_pipeline.ask(FOLLOW_UP).answer  # only the thread says who "he" is

    time.sleep(1.5)  # room for a wrongly scheduled second answer to the retry to arrive
    assert len(slack.called("chat.postMessage")) == 2


def test_a_thread_the_bot_cannot_read_is_still_answered_without_history(bot, slack, seed_pipeline):
    slack.unreadable.add("G0PRIVATE")
    parent = slack.say("G0PRIVATE", EDITOR, "Anyone know who leads the BLA?")
    asked = slack.say("G0PRIVATE", EDITOR, f"<@{BOT_USER}> {FIRST}", thread_ts=parent["ts"])
    assert post_event(bot, event_body(mention(asked, "G0PRIVATE"), "Ev0PRIVATE")).status_code == 200
    deadline = time.monotonic() + 60
    while not (posted := [p for p in slack.called("chat.postMessage") if p["channel"] == "G0PRIVATE"]):
        assert time.monotonic() < deadline, "no answer posted"
        time.sleep(0.05)
    assert posted[0]["thread_ts"] == parent["ts"]
    assert posted[0]["blocks"][0]["text"]["text"] == seed_pipeline.ask(FIRST).answer


def test_a_question_with_time_words_is_answered_saying_which_period_was_searched(bot, slack, seed_pipeline):
    question = "Who did Pakistan blame for the attacks in 2026?"  # no as-of date from Slack: all of 2026 so far
    asked = slack.say("C0WINDOW", EDITOR, f"<@{BOT_USER}> {question}")
    assert post_event(bot, event_body(mention(asked, "C0WINDOW"), "Ev0WINDOW")).status_code == 200
    deadline = time.monotonic() + 60
    while not (posted := [p for p in slack.called("chat.postMessage") if p["channel"] == "C0WINDOW"]):
        assert time.monotonic() < deadline, "no answer posted"
        time.sleep(0.05)
    blocks = posted[0]["blocks"]
    expected = seed_pipeline.ask(question)
    searched = f"Searched: {expected.window.describe()}"  # the chat Sources panel's words
    assert '(from "in 2026")' in searched and expected.citations
    assert blocks[0]["text"]["text"] == expected.answer
    assert blocks[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": searched}]}
    assert blocks[2] == {"type": "context", "elements": [{"type": "mrkdwn", "text": f"*Sources* ({len(expected.citations)})"}]}
    # Read back as a thread's history, the reply is the answer alone: the window line is not a claim.
    reply = next(m for m in slack.messages["C0WINDOW"] if m.get("blocks") == blocks)
    assert thread_history([reply], "9999999999.0", BOT_USER, None) == [Message(role="assistant", content=expected.answer)]


def test_a_thumbs_down_click_is_stored_and_exported_as_an_eval_candidate(bot, slack, seed_settings, seed_pipeline, tmp_path):
    asked = slack.say(CHANNEL, EDITOR, f"<@{BOT_USER}> Who did Pakistan blame for the attacks?")
    before = len(slack.called("chat.postMessage"))
    assert post_event(bot, event_body(mention(asked), "Ev0CLICK")).status_code == 200
    posted = slack.wait_for("chat.postMessage", before + 1)[-1]
    answer_id = buttons(posted["blocks"])["feedback_down"]
    message = next(m for m in slack.messages[CHANNEL] if m.get("blocks") == posted["blocks"])

    response = click(bot, "feedback_down", answer_id, message)
    assert response.status_code == 200
    [thanks] = slack.wait_for("chat.postEphemeral", 1)
    assert thanks["user"] == EDITOR and thanks["channel"] == CHANNEL and "👎" in thanks["text"]
    [stored] = [r for r in seed_pipeline.feedback.flagged() if r.answered.answer_id == answer_id]
    assert (stored.value, stored.via, stored.user) == ("down", "slack", EDITOR)
    assert stored.answered.question == "Who did Pakistan blame for the attacks?"
    assert stored.answered.citations and stored.answered.index_version == seed_pipeline.docs.generation()

    out = tmp_path / "candidates.jsonl"
    result = CliRunner().invoke(cli, ["feedback", "export", "--index", str(seed_settings.index_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    candidates = {c["flagged"]["answer_id"]: c for c in map(json.loads, out.read_text().splitlines())}
    candidate = candidates[answer_id]
    assert candidate["question"] == "Who did Pakistan blame for the attacks?" and candidate["answers"] == []
    assert candidate["flagged"]["verdicts"] == ["down"] and candidate["flagged"]["answered"] == stored.answered.answer
    assert "flagged" in candidate["tags"]
    with pytest.raises(GoldSetError, match="needs at least one answer"):  # unreviewed, it cannot enter a gate
        load_questions(out)
    candidate |= {"answers": ["India"], "evidence": ["India is behind these attacks"]}  # the editor's one edit
    out.write_text(json.dumps(candidate) + "\n")
    [gold] = load_questions(out)
    assert gold.question == candidate["question"] and gold.flagged.answer_id == answer_id


def submit_form(http: httpx.Client, view: dict, comment: str | None) -> httpx.Response:
    state = {"comment": {"text": {"type": "plain_text_input", "value": comment}}}
    payload = {"type": "view_submission", "team": {"id": "T0001"}, "user": {"id": EDITOR}, "api_app_id": "A123456",
               "token": "legacy", "trigger_id": "4.5.6", "view": {**view, "state": {"values": state}}}
    raw = urlencode({"payload": json.dumps(payload)}).encode()
    return http.post("/slack/interactions", content=raw, headers=slack_headers(raw))


def test_flag_as_wrong_asks_what_was_wrong_and_stores_the_note(bot, slack, seed_pipeline):
    asked = slack.say(CHANNEL, EDITOR, f"<@{BOT_USER}> Who is Pakistan's interior minister?")
    before = len(slack.called("chat.postMessage"))
    assert post_event(bot, event_body(mention(asked), "Ev0WRONG")).status_code == 200
    posted = slack.wait_for("chat.postMessage", before + 1)[-1]
    answer_id = buttons(posted["blocks"])["feedback_wrong"]
    message = next(m for m in slack.messages[CHANNEL] if m.get("blocks") == posted["blocks"])
    thanked = len(slack.called("chat.postEphemeral"))

    assert click(bot, "feedback_wrong", answer_id, message).status_code == 200
    [opened] = slack.wait_for("views.open", 1)
    view = json.loads(opened["view"]) if isinstance(opened["view"], str) else opened["view"]
    assert opened["trigger_id"] == "1.2.3" and view["type"] == "modal"
    assert not [r for r in seed_pipeline.feedback.all() if r.answered.answer_id == answer_id]  # not before the form is sent

    submitted = submit_form(bot, view, "He is the interior minister, but the quote is from 2024.")
    assert submitted.status_code == 200 and submitted.text == ""  # an empty ack closes the modal
    thanks = slack.wait_for("chat.postEphemeral", thanked + 1)[-1]
    assert thanks["channel"] == CHANNEL and thanks["thread_ts"] == asked["ts"] and "flagged as wrong" in thanks["text"]
    [stored] = [r for r in seed_pipeline.feedback.all() if r.answered.answer_id == answer_id]
    assert (stored.value, stored.comment, stored.user) == ("wrong", "He is the interior minister, but the quote is from 2024.", EDITOR)


def test_unsigned_and_replayed_bot_requests_are_refused(bot):
    raw = json.dumps(event_body({"type": "app_mention", "channel": CHANNEL, "user": EDITOR, "text": "hi", "ts": "1.1"}, "Ev0BAD")).encode()
    unsigned = bot.post("/slack/events", content=raw, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401 and unsigned.json()["error"]["type"] == "bad_signature"
    wrong = bot.post("/slack/interactions", content=raw, headers=slack_headers(raw, secret="not-the-secret"))
    assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "bad_signature"
    headers = {**slack_headers(b'{"type": "url_verification", "challenge": "c"}'), "Content-Type": "application/json"}
    assert bot.post("/slack/events", content=b'{"type": "url_verification", "challenge": "c"}', headers=headers).status_code == 200
    replay = bot.post("/slack/events", content=b'{"type": "url_verification", "challenge": "c"}', headers=headers)
    assert replay.status_code == 401 and replay.json()["error"]["type"] == "replayed_request"


def test_without_a_bot_token_the_bot_endpoints_are_unavailable(seed_settings, seed_pipeline):
    with running_server(create_app(api_settings(seed_settings), seed_pipeline)) as url:
        raw = b'{"type": "url_verification", "challenge": "c"}'
        response = httpx.post(f"{url}/slack/events", content=raw, headers=slack_headers(raw))
    assert response.status_code == 503 and response.json()["error"]["type"] == "slack_not_configured"


def test_a_dm_over_socket_mode_is_answered_once(seed_settings, seed_pipeline, slack):
    settings = bot_settings(seed_settings, slack.url, slack_app_token=SecretStr("xapp-1-A123-test"))
    bolt = create_app(settings, seed_pipeline).state.slack_bolt
    dm = slack.say("D0DIRECT", EDITOR, "How many attacks were there in 2025?")
    body = event_body({"type": "message", "channel_type": "im", "channel": "D0DIRECT", "user": EDITOR,
                       "text": dm["text"], "ts": dm["ts"], "event_ts": dm["ts"]}, "Ev0SOCKET")

    async def deliver_twice() -> list[dict]:
        handler = socket_mode_handler(settings, bolt)
        acks: list = []

        async def send_socket_mode_response(response) -> None:  # the websocket back to Slack
            acks.append(response.envelope_id)

        handler.client.send_socket_mode_response = send_socket_mode_response
        for attempt in (0, 1):  # Slack redelivers an envelope it thinks was not acknowledged
            request = SocketModeRequest(type="events_api", envelope_id=f"env-{attempt}", payload=body, retry_attempt=attempt)
            await handler.handle(handler.client, request)
        deadline = time.monotonic() + 60
        while not [p for p in slack.called("chat.postMessage") if p["channel"] == "D0DIRECT"]:
            assert time.monotonic() < deadline, "no answer posted"
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.5)
        await handler.client.close()
        return acks

    assert asyncio.run(deliver_twice()) == ["env-0", "env-1"]  # both envelopes acknowledged
    [posted] = [p for p in slack.called("chat.postMessage") if p["channel"] == "D0DIRECT"]
    assert posted["thread_ts"] == dm["ts"]
    assert posted["blocks"][0]["text"]["text"] == seed_pipeline.ask("How many attacks were there in 2025?").answer


def test_serving_with_slack_socket_connects_and_answers_over_the_websocket(seed_settings, seed_pipeline, slack):
    """`rag serve --slack-socket`: the server dials out (apps.connections.open with the app token, then the
    websocket), acknowledges each envelope on the socket and posts the answer with the bot token."""
    settings = bot_settings(seed_settings, slack.url, slack_app_token=SecretStr("xapp-1-A123-live"))
    dm = slack.say("D0SERVED", EDITOR, "Who is Pakistan's interior minister?")
    body = event_body({"type": "message", "channel_type": "im", "channel": "D0SERVED", "user": EDITOR,
                       "text": dm["text"], "ts": dm["ts"], "event_ts": dm["ts"]}, "Ev0SERVED")
    with running_server(create_app(settings, seed_pipeline, slack_socket=True), lifespan="on"):
        assert "Bearer xapp-1-A123-live" in slack.tokens
        slack.send_envelope({"type": "events_api", "envelope_id": "env-served", "payload": body,
                             "accepts_response_payload": False, "retry_attempt": 0, "retry_reason": ""})
        deadline = time.monotonic() + 60
        while not (posted := [p for p in slack.called("chat.postMessage") if p["channel"] == "D0SERVED"]):
            assert time.monotonic() < deadline, "no answer posted"
            time.sleep(0.05)
    assert {"envelope_id": "env-served"}.items() <= slack.socket_acks[0].items()
    assert posted[0]["thread_ts"] == dm["ts"]
    assert posted[0]["blocks"][0]["text"]["text"] == seed_pipeline.ask("Who is Pakistan's interior minister?").answer


def test_thread_history_turns_and_mentions():
    messages = [
        {"user": "U1", "text": f"<@{BOT_USER}> Who leads the BLA? &amp; why", "ts": "10.0"},
        {"user": BOT_USER, "bot_id": "B1", "text": "fallback", "ts": "11.0",
         "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Bashir Zeb [1] &lt;leader&gt;"}}]},
        {"bot_id": "B9", "text": "another bot's noise", "ts": "11.5"},
        {"user": "U2", "text": f"<@{BOT_USER}|newsdesk> What did he say?", "ts": "12.0"},
    ]
    assert thread_history(messages, "12.0", BOT_USER, "B1") == [
        Message(role="user", content="Who leads the BLA? & why"), Message(role="assistant", content="Bashir Zeb [1] <leader>"),
    ]
    assert strip_mention(f"<@{BOT_USER}>   hello <@U5>", BOT_USER) == "hello <@U5>"
