"""The Slack slash command (rag/api/slack.py): Slack's signing scheme, replay defence, message format."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlencode

import pytest
from api_fixtures import QUESTION, SLACK_SECRET, api_settings, auth, running_server, slack_headers
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.concurrency import run_in_threadpool

from rag.api.app import create_app
from rag.api.slack import build_router, format_slack
from rag.models import Answer, Citation
from rag.timewindow import find_window

IN_2026 = "Who did Pakistan blame for the attacks in 2026?"  # Slack sends no as-of date: "in 2026" holds all year


def command_body(text: str = QUESTION, response_url: str = "https://hooks.slack.com/commands/1234/5678") -> bytes:
    # The fields Slack sends for a slash command, form-encoded as Slack does.
    return urlencode({
        "token": "gIkuvaNzQIHg97ATvDxqgjtO", "team_id": "T0001", "team_domain": "newsroom",
        "channel_id": "C2147483705", "channel_name": "desk", "user_id": "U2147483697", "user_name": "editor",
        "command": "/ask", "text": text, "api_app_id": "A123456",
        "response_url": response_url, "trigger_id": "13345224609.738474920.8088930838d88f008e0",
    }).encode()


@pytest.fixture(scope="module")
def client(seed_settings, seed_pipeline):
    with TestClient(create_app(api_settings(seed_settings), seed_pipeline)) as c:
        yield c


def test_signed_command_is_answered_in_channel_within_slacks_window(client):
    assert client.get("/readyz").status_code == 200  # ready = warmed up: models loaded before traffic
    answer = client.post("/v1/ask", json={"question": QUESTION}, headers=auth()).json()
    body = command_body()
    started = time.perf_counter()
    response = client.post("/slack/commands", content=body, headers=slack_headers(body))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert elapsed < 3.0  # Slack gives up after 3 s; a warm server answers synchronously (see rag/api/slack.py)
    message = response.json()
    assert message["response_type"] == "in_channel"
    assert message == client.post("/v1/ask", json={"question": QUESTION, "format": "slack"}, headers=auth()).json()
    assert "[1]" in message["blocks"][0]["text"]["text"] and len(message["blocks"]) >= 2 + len(answer["citations"])


@pytest.mark.parametrize("tamper", ["wrong secret", "body changed", "no signature", "no timestamp", "timestamp not a number"])
def test_bad_signatures_are_401(client, tamper):
    body = command_body()
    headers = slack_headers(body, secret="not-the-signing-secret" if tamper == "wrong secret" else SLACK_SECRET)
    if tamper == "body changed":
        body = command_body("who pays for this?")
    elif tamper == "no signature":
        del headers["X-Slack-Signature"]
    elif tamper == "no timestamp":
        del headers["X-Slack-Request-Timestamp"]
    elif tamper == "timestamp not a number":
        headers["X-Slack-Request-Timestamp"] = "soon"
    response = client.post("/slack/commands", content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "bad_signature"


def test_oversized_command_is_413_before_any_answer(client):
    body = command_body("why? " * 20_000)
    response = client.post("/slack/commands", content=body, headers=slack_headers(body))
    assert response.status_code == 413 and response.json()["error"]["type"] == "body_too_large"


def test_old_and_replayed_requests_are_401(client):
    body = command_body("How many attacks were there in 2025?")
    stale = client.post("/slack/commands", content=body, headers=slack_headers(body, int(time.time()) - 6 * 60))
    assert stale.status_code == 401 and stale.json()["error"]["type"] == "bad_signature"
    headers = slack_headers(body)
    assert client.post("/slack/commands", content=body, headers=headers).status_code == 200
    replay = client.post("/slack/commands", content=body, headers=headers)
    assert replay.status_code == 401 and replay.json()["error"]["type"] == "replayed_request"


def test_a_command_with_time_words_says_which_period_was_searched(client, seed_pipeline):
    body = command_body(IN_2026)
    message = client.post("/slack/commands", content=body, headers=slack_headers(body)).json()
    searched = f"Searched: {seed_pipeline.ask(IN_2026).window.describe()}"  # as the chat's Sources panel says it
    assert searched.startswith('Searched: articles published 2025-01-01 – ') and searched.endswith('(from "in 2026")')
    assert message["blocks"][1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": searched}]}
    assert message["blocks"][2]["elements"][0]["text"].startswith("*Sources*")
    assert searched in message["text"]
    body = command_body()
    plain = client.post("/slack/commands", content=body, headers=slack_headers(body)).json()
    assert "Searched:" not in str(plain)


def test_empty_and_unusable_questions_get_a_private_hint(client):
    body = command_body("   ")
    empty = client.post("/slack/commands", content=body, headers=slack_headers(body))
    assert empty.status_code == 200 and empty.json()["response_type"] == "ephemeral"
    assert "/ask" in empty.json()["text"]
    body = command_body("x" * 5000)
    too_long = client.post("/slack/commands", content=body, headers=slack_headers(body))
    assert too_long.status_code == 200 and too_long.json()["response_type"] == "ephemeral"
    assert "limit" in too_long.json()["text"]


def late_answer_app(seed_settings, seed_pipeline, response_url_prefix: str) -> FastAPI:
    """Only the Slack router, with no time budget: every answer counts as late."""

    async def ask(question: str, **_) -> Answer:
        return await run_in_threadpool(seed_pipeline.ask, question)

    app = FastAPI()
    app.include_router(build_router(api_settings(seed_settings), ask, budget_s=0, response_url_prefix=response_url_prefix))
    return app


def test_a_late_answer_is_acknowledged_then_posted_to_response_url(seed_settings, seed_pipeline):
    received: list[dict] = []
    hooks = FastAPI()

    @hooks.post("/commands/1234/5678")
    async def hook(message: dict) -> dict:
        received.append(message)
        return {"ok": True}

    with running_server(hooks) as hooks_url:
        app = late_answer_app(seed_settings, seed_pipeline, response_url_prefix=hooks_url)
        body = command_body(response_url=f"{hooks_url}/commands/1234/5678")
        with TestClient(app) as c:  # returns once the background delivery has run
            ack = c.post("/slack/commands", content=body, headers=slack_headers(body))
    assert ack.status_code == 200 and ack.json()["response_type"] == "ephemeral"
    assert received == [format_slack(seed_pipeline.ask(QUESTION))]


def test_a_late_answer_is_never_posted_outside_slack(seed_settings, seed_pipeline):
    received: list[dict] = []
    hooks = FastAPI()

    @hooks.post("/steal")
    async def steal(message: dict) -> dict:
        received.append(message)
        return {"ok": True}

    with running_server(hooks) as hooks_url:
        app = late_answer_app(seed_settings, seed_pipeline, response_url_prefix="https://hooks.slack.com/")
        body = command_body(response_url=f"{hooks_url}/steal")
        with TestClient(app) as c:
            ack = c.post("/slack/commands", content=body, headers=slack_headers(body))
    assert ack.json()["response_type"] == "ephemeral" and "too long" in ack.json()["text"]
    assert received == []


def test_without_a_signing_secret_the_endpoint_is_unavailable(seed_settings, seed_pipeline):
    settings = api_settings(seed_settings, slack_signing_secret=None)
    with TestClient(create_app(settings, seed_pipeline)) as c:
        body = command_body()
        response = c.post("/slack/commands", content=body, headers=slack_headers(body))
    assert response.status_code == 503 and response.json()["error"]["type"] == "slack_not_configured"


def _citation(n: int, **fields) -> Citation:
    values = {"source_id": f"s{n}", "title": f"Title {n}", "quote": "He said <this> & that.", "start": 0, "end": 22,
              "score": 1.0, "outlet": "Dawn", "published": dt.date(2026, 2, 1)}
    return Citation(n=n, **{**values, **fields})


def test_format_links_sources_with_urls_and_escapes_mrkdwn():
    answer = Answer(
        question="q", answerable=True, answer="Officials blamed India [1] & the BLA claimed it [2].",
        citations=[_citation(1, url="https://example.org/a|b"), _citation(2, url=None, title="Figures <2026>")],
    )
    message = format_slack(answer)
    assert message["blocks"][0]["text"]["text"] == "Officials blamed India [1] &amp; the BLA claimed it [2]."
    first, second = (b["text"]["text"] for b in message["blocks"][2:4])
    assert first == "*[1]* <https://example.org/a%7Cb|Title 1> · Dawn · 2026-02-01\n>He said &lt;this&gt; &amp; that."
    assert second.startswith("*[2]* *Figures &lt;2026&gt;* · Dawn")
    assert "<https://example.org/a%7Cb|Title 1>" in message["text"]


def test_format_names_the_window_in_the_chat_s_words_only_when_there_is_one():
    answer = Answer(question="Who did Pakistan blame this week?", answerable=True, answer="India [1].",
                    citations=[_citation(1)], window=find_window("Who did Pakistan blame this week?", dt.date(2026, 2, 3)))
    message = format_slack(answer)
    searched = 'Searched: articles published 2026-01-26 – 2026-02-03 (from "this week")'
    assert message["blocks"][1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": searched}]}
    assert message["text"].startswith(f"India [1].\n{searched}\nSources:")
    refusal = Answer(question="q", answerable=False, answer="The sources I have don't say.", window=answer.window)
    assert format_slack(refusal)["blocks"][1]["elements"][0]["text"] == searched
    assert "Searched:" not in str(format_slack(answer.model_copy(update={"window": None})))


def test_format_stays_inside_slacks_block_limits():
    long_quote = "word " * 2000
    answer = Answer(question="q", answerable=True, answer="x " * 3000,
                    citations=[_citation(n, quote=long_quote) for n in range(1, 61)],
                    window=find_window("What happened this week?", dt.date(2026, 2, 3)))
    message = format_slack(answer)
    assert len(message["blocks"]) <= 50
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000


def test_with_the_bot_configured_a_command_answer_offers_the_rating_buttons(seed_settings, seed_pipeline):
    settings = api_settings(seed_settings, slack_bot_token=SecretStr("xoxb-test"))
    with TestClient(create_app(settings, seed_pipeline)) as c:
        body = command_body()
        message = c.post("/slack/commands", content=body, headers=slack_headers(body)).json()
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    answer_ids = {e["value"] for e in actions[0]["elements"]} if len(actions) == 1 else set()
    assert len(answer_ids) == 1  # every button carries the answer's id ...
    assert seed_pipeline.feedback.answered(answer_ids.pop()).question == QUESTION  # ... remembered for the click
