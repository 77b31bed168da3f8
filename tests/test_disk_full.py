"""A disk that fills up, on a real small filesystem (a tmpfs; mounting one needs root, as in CI).

Ingest stops with one line that says "disk" and keeps what it committed; the index stays readable; a
server on it answers 503 `disk_full` quickly while the disk is nearly full, answers again once space
returns (in the same process), and stops on SIGTERM."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from api_fixtures import free_port

from rag.disk import MB, free_bytes
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.conftest import ARCHIVE, ROOT, SOURCES
from tests.test_cli import RAG

pytestmark = pytest.mark.skipif(not ARCHIVE.exists(), reason="needs ../shared/corpora/news-archive.jsonl.gz")
MIN_FREE_MB = 40


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def grow(disk: Path) -> None:
    (disk / "filler").unlink(missing_ok=True)
    subprocess.run(["mount", "-o", "remount,size=128m", str(disk)], check=True)


def fill_to(disk: Path, free_mb: float) -> Path:
    """Grow a filler file until `free_mb` is left on `disk`."""
    filler = disk / "filler"
    current = filler.stat().st_size if filler.exists() else 0
    grow = free_bytes(disk) - int(free_mb * MB)
    with open(filler, "ab") as handle:
        handle.truncate(current + max(grow, 0))
        handle.seek(current)
        handle.write(b"\0" * max(grow, 0))  # tmpfs allocates on write, not on truncate
    return filler


def articles(tmp_path: Path, n: int) -> Path:
    out = tmp_path / "articles.jsonl"
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for i, line in zip(range(n), src, strict=False):
            record = json.loads(line)
            dst.write(json.dumps({**record, "id": f"archive-{i}"}) + "\n")
    return out


def rag(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([RAG, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_ingest_stops_before_the_disk_is_full_and_keeps_what_it_committed(small_disk, tmp_path):
    index = small_disk / "index"
    fill_to(small_disk, MIN_FREE_MB + 1.5)
    done = rag("ingest", str(articles(tmp_path, 60)), "--index", str(index), env={"RAG_MIN_FREE_MB": str(MIN_FREE_MB)})
    assert done.returncode == 2, done.stdout + done.stderr
    assert "disk" in done.stderr and "free some space" in done.stderr and "Traceback" not in done.stderr
    pipeline = Pipeline(Settings(index_dir=index))
    kept = pipeline.sources()
    assert 0 < len(kept) < 60  # some sources committed before it stopped, none half-written
    assert pipeline.ready()["ok"] is True
    assert pipeline.retrieve(kept[0].title, k=3)  # the index is readable as it is
    grow(small_disk)  # space returns
    again = rag("ingest", str(articles(tmp_path, 60)), "--index", str(index), env={"RAG_MIN_FREE_MB": str(MIN_FREE_MB)})
    assert again.returncode == 0, again.stderr
    assert f"unchanged {len(kept)}" in again.stdout and len(Pipeline(Settings(index_dir=index)).sources()) == 60


def test_a_server_on_a_nearly_full_disk_answers_503_then_recovers_and_stops_on_sigterm(small_disk):
    index = small_disk / "index"
    assert rag("ingest", str(SOURCES), "--index", str(index), env={"RAG_MIN_FREE_MB": str(MIN_FREE_MB)}).returncode == 0
    port = free_port()
    server = subprocess.Popen([RAG, "serve", "--index", str(index), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url, question = f"http://127.0.0.1:{port}", {"question": "Who did Pakistan blame for the attacks?"}
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if http.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "rag serve never became ready"
                time.sleep(0.5)
            filler = fill_to(small_disk, 8)  # something else fills the disk while the server runs
            started = time.monotonic()
            refused = http.post("/v1/ask", json=question)
            assert refused.status_code == 503 and refused.json()["error"]["type"] == "disk_full"
            assert "free some space" in refused.json()["error"]["message"] and str(small_disk) not in refused.text
            assert time.monotonic() - started < 5
            ready = http.get("/readyz")
            assert ready.status_code == 503 and "disk" in ready.json()["error"]
            assert http.get("/v1/sources").status_code == 200  # the docstore still reads
            filler.unlink()  # space returns: the same process answers again
            answer = http.post("/v1/ask", json=question)
            assert answer.status_code == 200 and "India" in answer.json()["answer"]
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) is not None
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
