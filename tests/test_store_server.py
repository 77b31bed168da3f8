"""The same behaviour against a real `chroma run` server on loopback, and clear errors without one."""

import pytest

from rag.errors import IndexMismatch, StoreUnavailable
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.chroma_server import free_port, start_chroma, stop

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    proc = start_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


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
