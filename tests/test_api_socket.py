"""The app under uvicorn on a real loopback socket: the way `rag serve` runs it."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from api_fixtures import QUESTION, read_sse, running_server, stream_answer
from prometheus_client.parser import text_string_to_metric_families

from rag.api.app import check_bind, create_app


@pytest.fixture(scope="module")
def base_url(seed_settings, seed_pipeline):
    settings = seed_settings.model_copy(update={"api_keys": None, "rate_limit_per_minute": 10_000})
    check_bind(settings, "127.0.0.1")  # keyless is allowed on loopback, which is where we bind
    with running_server(create_app(settings, seed_pipeline)) as url:
        yield url


def test_ready_and_answering_over_http(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as http:
        assert http.get("/healthz").json() == {"ok": True}
        assert http.get("/readyz").json()["ok"] is True
        answer = http.post("/v1/ask", json={"question": QUESTION}, headers={"X-Request-ID": "sock-1"})
        assert answer.status_code == 200 and answer.headers["x-request-id"] == "sock-1"
        with http.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as response:
            streamed = stream_answer(read_sse(response.iter_lines()))
        assert streamed["answer"] == answer.json()["answer"]
        assert streamed["citations"] == answer.json()["citations"]


def test_concurrent_clients_get_the_same_answer(base_url):
    async def ask_many(n: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            return await asyncio.gather(*(http.post("/v1/ask", json={"question": QUESTION}) for _ in range(n)))

    responses = asyncio.run(ask_many(8))
    assert {r.status_code for r in responses} == {200}
    bodies = [{k: v for k, v in r.json().items() if k not in ("timings_ms", "answer_id")} for r in responses]
    assert all(body == bodies[0] for body in bodies)


def stream_requests(http: httpx.Client) -> float:
    families = text_string_to_metric_families(http.get("/metrics").text)
    samples = [s for f in families for s in f.samples if s.name == "rag_http_requests_total"]
    return sum(s.value for s in samples if s.labels["route"] == "/v1/ask/stream" and s.labels["status"] == "200")


def test_server_keeps_serving_after_clients_hang_up_mid_stream(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as http:
        before = stream_requests(http)
    for _ in range(3):
        with httpx.Client(base_url=base_url, timeout=30) as http:
            with http.stream("POST", "/v1/ask/stream", json={"question": QUESTION}) as response:
                first = next(response.iter_lines())
                assert first.startswith("event: answer")
            # leaving both blocks closes the connection with the stream unread
    with httpx.Client(base_url=base_url, timeout=30) as http:
        assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert stream_requests(http) == before + 3
        assert "rag_errors_total{" not in http.get("/metrics").text  # a hang-up is not a server error
