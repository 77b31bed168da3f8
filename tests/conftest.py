"""Shared fixtures. Unit tests cannot reach the network: only loopback connections are allowed."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

import rag  # noqa: F401  (offline environment first)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "sources"
SEED = SOURCES / "articles" / "balochistan-attacks-pakistan-promises.txt"
ARCHIVE = ROOT.parent / "shared" / "corpora" / "news-archive.jsonl.gz"

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127.") or self.family == socket.AF_UNIX):
        return _real_connect(self, address)
    raise ConnectionRefusedError(f"tests may not reach the network ({address!r})")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RAG_SLOW_TESTS") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set RAG_SLOW_TESTS=1 (make slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory):
    from rag.settings import Settings

    return Settings(index_dir=tmp_path_factory.mktemp("seed-index"), sources_dir=SOURCES)


@pytest.fixture(scope="session")
def seed_pipeline(seed_settings):
    """The curated sources ingested once into a temporary embedded index (read-only for tests)."""
    from rag.pipeline import Pipeline

    pipeline = Pipeline(seed_settings)
    report = pipeline.ingest([SOURCES])
    assert report.skipped == []
    return pipeline


@pytest.fixture
def sources_copy(tmp_path) -> Path:
    """A writable copy of the curated sources, for tests that edit or delete files."""
    target = tmp_path / "sources"
    shutil.copytree(SOURCES, target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target


@pytest.fixture(scope="session")
def answerer():
    """The extractive answerer with the shipped models and the checked-in weights."""
    from rag.embedding import MiniLMEmbedding
    from rag.extractive import ExtractiveAnswerer
    from rag.nlp import load_nlp
    from rag.settings import Settings

    settings = Settings()
    return ExtractiveAnswerer(MiniLMEmbedding(settings.embed_model, settings.embed_batch_size, settings.model_cache_dir), load_nlp())
