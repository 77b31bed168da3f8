"""API keys, the Slack signing secret and the LLM key come only from the environment and are never logged,
echoed or shown: not by our JSON logs, not by uvicorn, httpx, httpcore or openai at DEBUG."""

from __future__ import annotations

import json
import logging
import threading
import time
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from typer.testing import CliRunner

from rag.api.app import create_app
from rag.api.observability import JsonFormatter
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.api_fixtures import QUESTION, free_port, slack_headers
from tests.test_injection import FakeChatServer, passage_with

API_KEY, OTHER_API_KEY = "api-key-SECRET-4f1c9a0d2b7e", "api-key-SECRET-77e0c3b5a918"
SLACK_SECRET = "slack-signing-SECRET-0d9b1e7c"
LLM_KEY = "sk-llm-SECRET-5a2f8e61c4"
BOT_TOKEN, APP_TOKEN = "xoxb-SECRET-2b8d4e0a", "xapp-SECRET-9c1f3a7e"
SECRETS = (API_KEY, OTHER_API_KEY, SLACK_SECRET, LLM_KEY, BOT_TOKEN, APP_TOKEN)
NEAR_MISS = API_KEY[:-4] + "0000"  # a wrong key that shares most of a real one
# Every logger that sees a request on its way through: ours, the server's, and the LLM client's stack.
LOGGERS = ("", "rag", "rag.api", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "openai",
           "llama_index", "slack_sdk", "chromadb", "asyncio")


def test_settings_never_show_secrets(monkeypatch):
    monkeypatch.setenv("RAG_API_KEYS", f"{API_KEY},{OTHER_API_KEY}")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SLACK_SECRET)
    monkeypatch.setenv("RAG_LLM_API_KEY", LLM_KEY)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_APP_TOKEN", APP_TOKEN)
    settings = Settings()
    assert settings.slack_bot_token.get_secret_value() == BOT_TOKEN
    assert settings.slack_app_token.get_secret_value() == APP_TOKEN
    assert settings.api_key_list() == [API_KEY, OTHER_API_KEY]
    assert settings.slack_signing_secret.get_secret_value() == SLACK_SECRET
    assert settings.llm_api_key.get_secret_value() == LLM_KEY
    shown = [repr(settings), str(settings), settings.model_dump_json(), repr(settings.model_dump()), f"{settings}"]
    for text in shown:
        for secret in SECRETS:
            assert secret not in text


def test_every_secret_setting_is_a_secret_str():
    # A future `*_key` / `*secret*` field typed `str` would print in repr(Settings) and in tracebacks.
    secret_like = [name for name in Settings.model_fields if "key" in name or "secret" in name or "token" in name]
    assert set(secret_like) == {"api_keys", "slack_signing_secret", "llm_api_key", "slack_bot_token", "slack_app_token"}
    for name in secret_like:
        assert SecretStr in getattr(Settings.model_fields[name].annotation, "__args__", ()), name


def test_secrets_cannot_be_given_on_the_command_line():
    from rag.cli import app

    runner = CliRunner()
    for command in ("serve", "ask", "ingest", "search", "sources", "feedback export"):
        text = runner.invoke(app, [*command.split(), "--help"], terminal_width=200).output.lower()
        assert "--help" in text, command
        for word in ("key", "secret", "token", "password"):
            assert word not in text, f"`rag {command}` takes a {word} option; secrets come from the environment only"


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(JsonFormatter())  # message, extra fields and any traceback, as the API logs them

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))  # format() includes exc_info tracebacks


@pytest.fixture
def debug_logs():
    """Every logger in LOGGERS at DEBUG (and enabled: a dictConfig elsewhere may have disabled it) into one
    capture, restored afterwards."""
    captured = Captured()
    saved = [(logging.getLogger(name), logging.getLogger(name).level, logging.getLogger(name).disabled) for name in LOGGERS]
    for logger, _, _ in saved:
        logger.addHandler(captured)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    yield captured
    for logger, level, disabled in saved:
        logger.removeHandler(captured)
        logger.setLevel(level)
        logger.disabled = disabled


def slack_command(text: str) -> bytes:
    return urlencode({"command": "/ask", "text": text, "user_id": "U1", "channel_id": "C1",
                      "response_url": "https://hooks.slack.com/commands/1/2"}).encode()


def test_no_secret_reaches_any_log_or_response_at_debug(seed_settings, seed_pipeline, debug_logs, capfd):
    naqvi = passage_with("Naqvi blamed")
    answers = []  # the fake model is asked twice: a good answer, then an error that echoes the key back
    with FakeChatServer(lambda body: f"Interior Minister Mohsin Naqvi blamed India [{naqvi(body)}].") as llm:
        settings = seed_settings.model_copy(update={
            "api_keys": SecretStr(f"{API_KEY},{OTHER_API_KEY}"), "slack_signing_secret": SecretStr(SLACK_SECRET),
            "llm_api_key": SecretStr(LLM_KEY), "llm_base_url": llm.url, "llm_model": "fake-chat", "llm_timeout_s": 10,
            "rate_limit_per_minute": 10_000,
        })
        app = create_app(settings, Pipeline(settings))
        for name in ("rag", "rag.api"):  # create_app set its own level; put DEBUG back
            logging.getLogger(name).setLevel(logging.DEBUG)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="debug", access_log=True,
                                               lifespan="off"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                bearer = {"Authorization": f"Bearer {API_KEY}"}
                answers.append(http.post("/v1/ask", json={"question": QUESTION}, headers=bearer))
                llm.status = 401  # now the model server rejects the key, quoting it the way some servers do
                llm.reply = f"Incorrect API key provided: {LLM_KEY}"
                answers.append(http.post("/v1/ask", json={"question": QUESTION},
                                         headers={"Authorization": f"Bearer {OTHER_API_KEY}"}))
                answers.append(http.get("/v1/sources", headers={"Authorization": f"Bearer {NEAR_MISS}"}))
                answers.append(http.get("/v1/sources", headers={"Authorization": f"Basic {API_KEY}"}))
                body = slack_command(QUESTION)
                answers.append(http.post("/slack/commands", content=body, headers=slack_headers(body, secret=SLACK_SECRET)))
                forged = slack_command("who pays?")
                answers.append(http.post("/slack/commands", content=forged, headers=slack_headers(forged, secret=NEAR_MISS)))
                answers.append(http.get("/openapi.json"))
                answers.append(http.get("/readyz"))
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    statuses = [r.status_code for r in answers]
    assert statuses == [200, 200, 401, 401, 200, 401, 200, 200], statuses
    first, second = answers[0].json(), answers[1].json()
    assert first["backend"] == "llm" and first["answerable"]  # the LLM key really was used...
    assert llm.requests[0]["headers"]["Authorization"] == f"Bearer {LLM_KEY}"
    assert second["backend"] == "extractive (LLM unavailable)"  # ...and a failure carrying it was handled
    out, err = capfd.readouterr()
    logged = "\n".join(debug_logs.lines) + "\n" + out + "\n" + err
    assert "HTTP Request: POST" in logged and "/v1/ask" in logged and '"status": 401' in logged  # logs were captured
    assert "Sending HTTP Request" in logged  # openai's own DEBUG lines were captured too
    responses = "\n".join(r.text for r in answers) + json.dumps([dict(r.headers) for r in answers])
    for secret in (*SECRETS, NEAR_MISS):
        assert secret not in logged, f"a secret ({secret[:12]}…) was logged"
        assert secret not in responses, f"a secret ({secret[:12]}…) was sent back to a client"

