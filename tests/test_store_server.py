"""The same behaviour against a real `chroma run` server on loopback, and clear errors without one."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.errors import IndexMismatch, StoreUnavailable
from rag.pipeline import Pipeline
from rag.settings import Settings

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not come up within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_ingest_and_search_through_a_chroma_server(chroma_server, tmp_path, sources_copy):
    pipeline = Pipeline(Settings(index_dir=tmp_path, chroma_url=chroma_server, collection="server-test"))
    first = pipeline.ingest([sources_copy])
    assert first.added == 2 and pipeline.vectors.where == chroma_server
    second = pipeline.ingest([sources_copy])
    assert second.unchanged == 2 and second.chunks == first.chunks == pipeline.vectors.count()
    hits = pipeline.retrieve("who did Pakistan blame for the attacks?", k=3)
    assert any("India is behind these attacks" in h.chunk.text for h in hits)
    assert pipeline.ready()["ok"] is True


def test_an_index_built_with_other_settings_is_refused(chroma_server, tmp_path):
    Pipeline(Settings(index_dir=tmp_path, chroma_url=chroma_server, collection="fingerprint-test"))
    with pytest.raises(IndexMismatch, match="chunk_size"):
        Pipeline(Settings(index_dir=tmp_path, chroma_url=chroma_server, collection="fingerprint-test", chunk_size=128))


def test_an_unreachable_server_is_one_clear_error(tmp_path):
    with pytest.raises(StoreUnavailable, match="cannot reach Chroma at http://127.0.0.1"):
        Pipeline(Settings(index_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}"))
