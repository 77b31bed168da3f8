"""Helpers shared by the tests/test_api*.py modules: keyed settings, a real uvicorn server on a free
loopback port, an SSE reader and Slack's documented request signing."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import uvicorn
from pydantic import SecretStr

from rag.api.app import server_config
from rag.settings import Settings

KEY, OTHER_KEY = "test-key-one", "test-key-two"
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # the example secret from Slack's documentation
QUESTION = "Who did Pakistan blame for the attacks?"


def api_settings(base: Settings, **overrides) -> Settings:
    """The seed index's settings with two API keys, a Slack secret and a roomy rate limit."""
    values = {
        "api_keys": SecretStr(f"{KEY},{OTHER_KEY}"),
        "slack_signing_secret": SecretStr(SLACK_SECRET),
        "rate_limit_per_minute": 10_000,
        **overrides,
    }
    return base.model_copy(update=values)


def auth(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def slack_headers(body: bytes, timestamp: int | None = None, secret: str = SLACK_SECRET) -> dict[str, str]:
    """Sign as Slack documents it: basestring `v0:{timestamp}:{body}`, HMAC-SHA256, sent as `v0=<hex>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    basestring = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def read_sse(lines: Iterable[str]) -> list[tuple[str | None, str]]:
    """(event name, data) for every event in a text/event-stream, comments (pings) skipped."""
    events: list[tuple[str | None, str]] = []
    name, data = None, []
    for line in lines:
        line = line.rstrip("\r\n")
        if not line:
            if data:
                events.append((name, "\n".join(data)))
            name, data = None, []
        elif line.startswith(":"):
            continue
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        events.append((name, "\n".join(data)))
    return events


def stream_answer(events: list[tuple[str | None, str]]) -> dict:
    """Rebuild an Answer-shaped dict from /v1/ask/stream events, the way a client would."""
    text = "".join(json.loads(d)["text"] for e, d in events if e == "answer")
    citations = [json.loads(d)["citations"] for e, d in events if e == "citations"]
    done = [json.loads(d) for e, d in events if e == "done"]
    assert len(citations) == 1 and len(done) == 1, [e for e, _ in events]
    assert events[-1][0] == "done"
    return {"answer": text, "citations": citations[0], **done[0]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(app, lifespan: str = "off") -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 in a thread, configured as `rag serve` does (server_config);
    yields the base URL. `lifespan="on"` runs the app's start-up and shut-down (warm-up, a Socket Mode
    connection), as `rag serve` does."""
    port = free_port()
    settings = getattr(getattr(app, "state", None), "settings", None) or Settings(_env_file=None)  # a fake's app has none
    config = server_config(app, settings, "127.0.0.1", port, log_level="warning", lifespan=lifespan)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
