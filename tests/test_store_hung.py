"""A Chroma server that hangs instead of dying (`kill -STOP`): the API answers 503 quickly, /readyz says
so, endpoints that only read SQLite keep answering, and everything recovers on `kill -CONT`."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import time

import httpx
import pytest
from api_fixtures import QUESTION, running_server

from rag.api.app import create_app
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.chroma_server import free_port, start_chroma, stop

pytestmark = pytest.mark.server
TIMEOUT_S = 1.5


@pytest.fixture(scope="module")
def hung_setup(tmp_path_factory):
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-hung"), port)
    settings = Settings(
        index_dir=tmp_path_factory.mktemp("hung-index"), chroma_url=f"http://127.0.0.1:{port}",
        collection="hung", chroma_timeout_s=TIMEOUT_S, rate_limit_per_minute=100_000,
    )
    pipeline = Pipeline(settings)
    from tests.conftest import SOURCES

    pipeline.ingest([SOURCES])
    try:
        with running_server(create_app(settings, pipeline)) as url:
            yield url, proc, port
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        stop(proc)


def test_a_hung_chroma_gives_quick_503s_and_leaves_sqlite_endpoints_serving(hung_setup):
    url, proc, port = hung_setup
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(48) as pool:
                asks = [pool.submit(http.post, "/v1/ask", json={"question": f"{QUESTION} ({i})"}) for i in range(45)]
                time.sleep(0.5)  # the asks are in flight, waiting on the stopped server
                listed = http.get("/v1/sources")
                ready = http.get("/readyz")
                answers = [a.result() for a in asks]
            elapsed = time.monotonic() - started
            assert listed.status_code == 200 and listed.json()["sources"]
            assert ready.status_code == 503 and ready.json()["ok"] is False
            assert {a.status_code for a in answers} == {503}
            errors = {a.json()["error"]["type"] for a in answers}
            assert errors == {"store_unavailable"}
            body = " ".join(a.text for a in answers) + ready.text
            assert str(port) not in body and "127.0.0.1" not in body  # no internal address leaks
            assert elapsed < 4 * TIMEOUT_S + 5, f"45 asks against a hung store took {elapsed:.1f} s"
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        deadline = time.monotonic() + 30
        while http.post("/v1/ask", json={"question": QUESTION}).status_code != 200:
            assert time.monotonic() < deadline, "never recovered after SIGCONT"
            time.sleep(0.5)
        assert http.get("/readyz").status_code == 200
