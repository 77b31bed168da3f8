"""The native HTTP API (rag/api/app.py, schemas.py, security.py, observability.py) over the seed index."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from api_fixtures import KEY, OTHER_KEY, QUESTION, api_settings, auth, free_port, read_sse, stream_answer
from fastapi.testclient import TestClient
from pydantic import SecretStr

from rag.api.app import InsecureBind, check_bind, create_app
from rag.api.observability import JsonFormatter
from rag.api.schemas import split_for_stream
from rag.settings import Settings

UNANSWERABLE = "What is the boiling point of mercury on Mars?"


@pytest.fixture(scope="module")
def app(seed_settings, seed_pipeline):
    return create_app(api_settings(seed_settings), seed_pipeline)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app, headers=auth()) as c:
        yield c


def quote_in_context(client, citation: dict) -> str:
    source = client.get(f"/v1/sources/{citation['source_id']}").json()
    return source["text"][citation["start"]:citation["end"]]


def test_ask_answers_with_citations_that_quote_the_source(client):
    response = client.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["answerable"] and answer["citations"]
    assert "India" in answer["answer"]
    for citation in answer["citations"]:
        assert f"[{citation['n']}]" in answer["answer"]
        assert quote_in_context(client, citation) == citation["quote"]


def test_ask_json_carries_the_time_window_it_searched(client):
    body = {"question": "Who did Pakistan blame for the attacks this week?", "filters": {"as_of": "2026-02-03"}}
    window = client.post("/v1/ask", json=body).json()["window"]
    assert window["words"] == "this week" and window["explicit"] is True
    assert (window["published_after"], window["published_before"]) == ("2026-01-26", "2026-02-03")
    with client.stream("POST", "/v1/ask/stream", json=body) as response:
        assert stream_answer(read_sse(response.iter_lines()))["window"] == window
    assert client.post("/v1/ask", json={"question": QUESTION}).json()["window"] is None


def test_stream_read_to_the_end_equals_ask(client):
    body = {"question": QUESTION, "filters": {"outlets": ["Al Jazeera"]}}
    plain = client.post("/v1/ask", json=body).json()
    with client.stream("POST", "/v1/ask/stream", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_sse(response.iter_lines())
    streamed = stream_answer(events)
    assert sum(e == "answer" for e, _ in events) > 1  # really in pieces
    for field in ("question", "answer", "citations", "answerable", "related", "backend"):
        assert streamed[field] == plain[field], field


def test_split_for_stream_keeps_every_character():
    text = "  India [1] blamed,\n\nthe   BLA [2]. " * 7
    pieces = split_for_stream(text, target_chars=10)
    assert "".join(pieces) == text and len(pieces) > 5
    assert split_for_stream("") == []


def test_filters_and_history_reach_the_pipeline(client):
    only_data = client.post("/v1/ask", json={
        "question": "How many civilians were killed?", "filters": {"sources": ["balochistan-figures"]},
    }).json()
    assert only_data["citations"] and {c["source_id"] for c in only_data["citations"]} == {"balochistan-figures"}
    too_early = client.post("/v1/ask", json={"question": QUESTION, "filters": {"published_before": "2000-01-01"}})
    assert too_early.status_code == 200 and too_early.json()["answerable"] is False
    follow_up = client.post("/v1/ask", json={
        "question": "Did India respond?",
        "history": [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "India [1]."}],
    })
    assert follow_up.status_code == 200 and follow_up.json()["question"] == "Did India respond?"


def test_slack_format_keeps_markers_and_lists_sources_with_quotes(client):
    payload = client.post("/v1/ask", json={"question": QUESTION, "format": "slack"}).json()
    answer = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert payload["response_type"] == "in_channel"
    first = payload["blocks"][0]["text"]["text"]
    assert "[1]" in first and first.startswith(answer["answer"][:40])
    for citation in answer["citations"]:
        block_text = "\n".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
        assert f"*[{citation['n']}]* *{citation['title']}*" in block_text  # seed sources have no url: bold title
        assert citation["quote"].splitlines()[0][:60].replace("&", "&amp;") in block_text
    assert "Sources:" in payload["text"]


def test_sources_list_and_detail(client):
    listed = client.get("/v1/sources").json()["sources"]
    by_id = {s["source_id"]: s for s in listed}
    assert set(by_id) == {"balochistan-attacks-pakistan-promises", "balochistan-figures"}
    article = by_id["balochistan-attacks-pakistan-promises"]
    assert article["outlet"] == "Al Jazeera" and article["published"] == "2026-02-02" and article["chunks"] > 0
    detail = client.get("/v1/sources/balochistan-attacks-pakistan-promises").json()
    assert detail["title"] == article["title"] and "Naqvi" in detail["text"]
    missing = client.get("/v1/sources/no-such-source")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "source_not_found"


def test_health_ready_and_docs(client):
    assert client.get("/healthz").json() == {"ok": True}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ok"] and ready.json()["chunks"] > 0
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/v1/ask", "/v1/ask/stream", "/v1/sources", "/v1/sources/{source_id}",
                 "/v1/chat/completions", "/slack/commands", "/healthz", "/readyz", "/metrics"):
        assert path in paths


TOO_LONG = "a" * (Settings().max_question_chars + 1)
BAD_BODIES = [
    ("not json", {"content": b'{"question": ', "headers": {"Content-Type": "application/json"}}, 400, "invalid_json"),
    ("no body", {}, 400, "invalid_json"),
    ("array body", {"json": [QUESTION]}, 400, "invalid_json"),
    ("unknown field", {"json": {"question": QUESTION, "top_k": 3}}, 422, "invalid_request"),
    ("unknown filter", {"json": {"question": QUESTION, "filters": {"outlet": "x"}}}, 422, "invalid_request"),
    ("missing question", {"json": {"history": []}}, 422, "invalid_request"),
    ("question not text", {"json": {"question": 42}}, 422, "invalid_request"),
    ("empty question", {"json": {"question": ""}}, 422, "bad_question"),
    ("blank question", {"json": {"question": " \n\t "}}, 422, "bad_question"),
    ("over-long question", {"json": {"question": TOO_LONG}}, 422, "bad_question"),
    ("impossible date", {"json": {"question": QUESTION, "filters": {"published_after": "2026-02-30"}}}, 422, "invalid_request"),
    ("date not a date", {"json": {"question": QUESTION, "filters": {"as_of": "last week"}}}, 422, "invalid_request"),
    ("dates reversed", {"json": {"question": QUESTION, "filters": {"published_after": "2026-03-01",
                                                                    "published_before": "2026-01-01"}}}, 422, "invalid_request"),
    ("unknown format", {"json": {"question": QUESTION, "format": "xml"}}, 422, "invalid_request"),
    ("bad history role", {"json": {"question": QUESTION, "history": [{"role": "bot", "content": "hi"}]}}, 422, "invalid_request"),
]


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/ask/stream"])
@pytest.mark.parametrize(("case", "request_args", "status", "kind"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_gets_a_json_error_and_the_server_keeps_serving(client, path, case, request_args, status, kind):
    response = client.post(path, **request_args)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["type"] == kind and response.json()["error"]["message"]
    assert client.get("/v1/sources").status_code == 200


def test_oversized_bodies_get_413_announced_or_streamed(client, app):
    limit = app.state.settings.max_body_bytes
    padded = json.dumps({"question": QUESTION, "history": [{"role": "user", "content": "x" * limit}]})
    assert client.post("/v1/ask", content=padded, headers={"Content-Type": "application/json"}).status_code == 413
    chunked = client.post("/v1/ask", content=iter([padded[:limit].encode(), b"x" * 1024]),
                          headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413 and chunked.json()["error"]["type"] == "body_too_large"
    assert client.get("/v1/sources").status_code == 200


V1_CALLS = [("GET", "/v1/sources"), ("GET", "/v1/sources/balochistan-figures"), ("POST", "/v1/ask"),
            ("POST", "/v1/ask/stream"), ("POST", "/v1/chat/completions"), ("GET", "/v1/models")]


@pytest.mark.parametrize(("method", "path"), V1_CALLS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-key", f"Basic {KEY}", "Bearer ", KEY])
def test_v1_needs_a_valid_bearer_key(app, method, path, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    with TestClient(app) as anonymous:
        response = anonymous.request(method, path, headers=headers, content=b"{not json")
    assert response.status_code == 401  # before the body is looked at
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["type"] == "unauthorized"


def test_every_configured_key_works_and_ops_endpoints_are_open(app):
    with TestClient(app) as c:
        assert c.get("/v1/sources", headers=auth(OTHER_KEY)).status_code == 200
        for path in ("/healthz", "/readyz", "/metrics", "/docs"):
            assert c.get(path).status_code == 200, path


def test_rate_limit_per_key_with_retry_after(seed_settings, seed_pipeline):
    app = create_app(api_settings(seed_settings, rate_limit_per_minute=2), seed_pipeline)
    with TestClient(app) as c:
        assert [c.get("/v1/sources", headers=auth()).status_code for _ in range(2)] == [200, 200]
        limited = c.get("/v1/sources", headers=auth())
        assert limited.status_code == 429 and limited.json()["error"]["type"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 30
        assert c.get("/v1/sources", headers=auth(OTHER_KEY)).status_code == 200  # another key, another bucket


def test_store_unreachable_is_503_from_readyz_and_ask(seed_settings):
    # the seed index's docstore (it has chunks) with its vectors said to be on a server that is not there
    settings = seed_settings.model_copy(update={"chroma_url": f"http://127.0.0.1:{free_port()}"})
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["ok"] is False and "Chroma" in ready.json()["error"]
        asked = c.post("/v1/ask", json={"question": QUESTION})
        assert asked.status_code == 503
        assert asked.json()["error"]["type"] == "store_unavailable" and "Chroma" in asked.json()["error"]["message"]


def test_empty_index_is_503_with_a_hint(tmp_path, seed_settings):
    with TestClient(create_app(Settings(index_dir=tmp_path, sources_dir=seed_settings.sources_dir))) as c:
        assert c.get("/readyz").status_code == 503
        asked = c.post("/v1/ask", json={"question": QUESTION})
        assert asked.status_code == 503 and asked.json()["error"]["type"] == "index_empty"
        assert "rag ingest" in asked.json()["error"]["message"]


def test_an_unexpected_failure_is_a_json_500_and_later_requests_work(seed_settings, seed_pipeline):
    class Failing:
        def __getattr__(self, name):
            return getattr(seed_pipeline, name)

        def ask(self, *args, **kwargs):
            raise RuntimeError("simulated bug")

    with TestClient(create_app(api_settings(seed_settings), Failing()), headers=auth()) as c:
        failed = c.post("/v1/ask", json={"question": QUESTION})
        assert failed.status_code == 500 and failed.json()["error"]["type"] == "internal_error"
        assert "simulated" not in failed.text and failed.headers["x-request-id"] in failed.text
        assert c.get("/v1/sources").status_code == 200


def test_client_disconnecting_mid_stream_is_counted_and_harmless(app, client):
    body = json.dumps({"question": QUESTION}).encode()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/v1/ask/stream", "raw_path": b"/v1/ask/stream", "query_string": b"", "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"authorization", f"Bearer {KEY}".encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }
    before = app.state.metrics.registry.get_sample_value("rag_stream_disconnects_total", {"endpoint": "stream"}) or 0
    sent: list[dict] = []

    async def converse():
        first_event = asyncio.Event()
        requests = iter([{"type": "http.request", "body": body, "more_body": False}])

        async def receive():
            message = next(requests, None)
            if message:
                return message
            await first_event.wait()  # the client hangs up after the first event
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and message.get("body"):
                first_event.set()
                await asyncio.sleep(60)  # a stalled reader: only the disconnect can end this

        await asyncio.wait_for(app(scope, receive, send), timeout=20)

    asyncio.run(converse())
    assert sent[0]["status"] == 200 and b"event: done" not in b"".join(m.get("body", b"") for m in sent[1:])
    after = app.state.metrics.registry.get_sample_value("rag_stream_disconnects_total", {"endpoint": "stream"})
    assert after == before + 1
    assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200


def test_metrics_count_requests_refusals_and_errors(seed_settings, seed_pipeline):
    first, second = (create_app(api_settings(seed_settings), seed_pipeline) for _ in range(2))  # no clash
    with TestClient(first, headers=auth()) as c, TestClient(second, headers=auth()) as other:
        assert c.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert c.post("/v1/ask", json={"question": UNANSWERABLE}).json()["answerable"] is False
        assert c.post("/v1/ask", json={"question": " "}).status_code == 422
        text = c.get("/metrics").text
        assert 'rag_http_requests_total{method="POST",route="/v1/ask",status="200"} 2.0' in text
        assert 'rag_http_requests_total{method="POST",route="/v1/ask",status="422"} 1.0' in text
        assert 'rag_refusals_total{endpoint="ask"} 1.0' in text
        assert 'rag_errors_total{type="bad_question"} 1.0' in text
        assert 'rag_http_request_seconds_bucket{le="+Inf",method="POST",route="/v1/ask"} 3.0' in text
        assert 'route="/v1/ask"' not in other.get("/metrics").text
        # every route is labelled by its full template, the OpenAI-compatible ones included
        assert c.get("/v1/models").status_code == 200 and c.get("/v1/sources/x").status_code == 404
        assert c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}).status_code == 200
        text = c.get("/metrics").text
        for route in ("/v1/models", "/v1/chat/completions", "/v1/sources/{source_id}"):
            assert f'route="{route}"' in text, route
        assert 'route="/models"' not in text and 'route="/chat/completions"' not in text


def test_request_ids_and_json_logs_without_secrets(client, caplog):
    logger = logging.getLogger("rag.api")
    logger.addHandler(caplog.handler)
    try:
        echoed = client.get("/v1/sources", headers={"X-Request-ID": "trace-42"})
        minted = client.get("/v1/sources", headers={"X-Request-ID": "spaces are not allowed"})
        client.get("/v1/sources", headers={"Authorization": "Bearer not-the-key-xyz"})
    finally:
        logger.removeHandler(caplog.handler)
    assert echoed.headers["x-request-id"] == "trace-42"
    assert len(minted.headers["x-request-id"]) == 32 and " " not in minted.headers["x-request-id"]
    lines = [JsonFormatter().format(r) for r in caplog.records]
    entries = [json.loads(line) for line in lines]
    mine = next(e for e in entries if e["request_id"] == "trace-42")
    assert mine["route"] == "/v1/sources" and mine["status"] == 200 and mine["client"] == "key#1"
    assert any(e["status"] == 401 for e in entries)
    for secret in (KEY, OTHER_KEY, "not-the-key-xyz", "Bearer", "authorization"):
        assert secret not in "\n".join(lines)


def test_check_bind_refuses_public_interfaces_without_keys(caplog):
    open_settings = Settings(api_keys=None)
    with pytest.raises(InsecureBind, match="RAG_API_KEYS"):
        check_bind(open_settings, "0.0.0.0")
    logger = logging.getLogger("rag.api")
    logger.addHandler(caplog.handler)
    try:
        check_bind(open_settings, "127.0.0.1")
        check_bind(open_settings, "::1")
    finally:
        logger.removeHandler(caplog.handler)
    assert [r.levelname for r in caplog.records] == ["WARNING", "WARNING"]
    assert "loopback" in caplog.records[0].getMessage()
    check_bind(Settings(api_keys=SecretStr("k")), "0.0.0.0")  # keys configured: any interface


def test_app_from_env_reads_settings_from_the_environment(monkeypatch, tmp_path):
    from rag.api.app import app_from_env

    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path))
    monkeypatch.setenv("RAG_API_KEYS", "env-key")
    app = app_from_env()
    assert app.state.settings.index_dir == tmp_path and app.state.settings.api_key_list() == ["env-key"]
    assert TestClient(app).get("/v1/sources").status_code == 401  # no `with`: no start-up warm-up to wait for
