"""ui.server.build_app: the chat at "/" next to the API, and the API's key rules applied to the chat too."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from rag.api.app import InsecureBind
from ui import server


@pytest.fixture
def no_warm_up(monkeypatch):
    # Finding example questions runs a few asks in a thread; these tests do not look at them.
    monkeypatch.setattr(server, "example_questions", lambda pipeline: [])


def test_chat_and_api_share_one_server_on_loopback(seed_pipeline, seed_settings, no_warm_up):
    client = TestClient(server.build_app(seed_settings, host="127.0.0.1"))
    page = client.get("/")
    assert page.status_code == 200 and "<!doctype html>" in page.text.lower()
    assert client.get("/config").json()["mode"] == "blocks"  # the Gradio app, no login needed on loopback
    assert client.get("/healthz").json() == {"ok": True}
    assert client.get("/readyz").status_code == 200
    assert [s["source_id"] for s in client.get("/v1/sources").json()["sources"]]
    assert client.get("/docs").status_code == 200


def test_with_api_keys_the_chat_asks_for_a_key_like_the_api(seed_pipeline, seed_settings, no_warm_up):
    settings = seed_settings.model_copy(update={"api_keys": SecretStr("key-one,key-two")})
    client = TestClient(server.build_app(settings, host="0.0.0.0"))
    assert client.get("/config").status_code == 401
    assert client.post("/gradio_api/queue/join", json={}).status_code == 401
    assert client.post("/login", data={"username": "reporter", "password": "wrong"}).status_code == 400
    assert client.post("/login", data={"username": "reporter", "password": "key-two"}).status_code == 200
    assert client.get("/config").status_code == 200
    assert client.get("/v1/sources").status_code == 401  # the API still wants its bearer key
    assert client.get("/v1/sources", headers={"Authorization": "Bearer key-one"}).status_code == 200


def test_refuses_a_public_bind_without_api_keys(seed_settings):
    with pytest.raises(InsecureBind, match="refusing to bind 0.0.0.0"):
        server.build_app(seed_settings, host="0.0.0.0")
