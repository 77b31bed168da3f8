"""kill -9 the ingest process at several points, for real; re-running must converge to a clean run."""

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from rag.docstore import DocStore
from rag.keyword import KeywordIndex
from rag.settings import Settings
from rag.store import VectorStore
from tests.chroma_server import free_port, start_chroma, stop
from tests.conftest import ROOT

RAG = shutil.which("rag") or str(Path(sys.executable).parent / "rag")
WORDS = "port corridor minerals province attack investment census railway pipeline budget".split()


def write_corpus(folder: Path, n: int = 48) -> None:
    folder.mkdir(parents=True)
    lines = []
    for i in range(n):
        body = " ".join(f"Report {i} says the {WORDS[(i + j) % len(WORDS)]} figure was {i * 7 + j}." for j in range(40))
        lines.append(json.dumps({"id": f"doc-{i:03d}", "title": f"Report {i}", "outlet": "Wire", "published": "2025-05-01", "text": body}))
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n")


def ingest_env(index: Path) -> dict:
    # Small batches make writes frequent, so a kill lands between writes as well as inside them.
    return {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_EMBED_BATCH_SIZE": "2", "RAG_CHUNK_SIZE": "96", "RAG_CHUNK_OVERLAP": "8"}


def run_ingest(corpus: Path, index: Path) -> subprocess.CompletedProcess:
    return subprocess.run([RAG, "ingest", str(corpus)], env=ingest_env(index), cwd=ROOT, capture_output=True, text=True, timeout=600)


def committed_chunks(db: Path) -> int:
    # Read-only and without DocStore, so polling never takes a write lock the ingest needs.
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def wait_for_first_commit(proc: subprocess.Popen, db: Path, timeout: float = 300) -> None:
    """Block until the running ingest has committed some chunks: a fixed sleep raced fast machines."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if committed_chunks(db):
            return
        assert proc.poll() is None, "the ingest ended before committing anything"
        time.sleep(0.05)
    raise AssertionError(f"the ingest committed nothing within {timeout} s")


def state(index: Path) -> tuple[set[str], set[str], list[str]]:
    settings = Settings(index_dir=index, embed_batch_size=2, chunk_size=96, chunk_overlap=8)
    docs = DocStore(index / "docstore.sqlite")
    vectors = VectorStore(settings)
    keyword = KeywordIndex.load(index / "bm25", docs.generation())
    assert keyword is not None, "the keyword index is stale after a completed ingest"
    return set(docs.chunk_ids()), vectors.all_ids(), keyword.chunk_ids


@pytest.mark.slow
def test_kill_9_mid_ingest_then_rerun_equals_a_clean_run(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    clean = tmp_path / "clean"
    assert run_ingest(corpus, clean).returncode == 0
    expected, expected_vectors, _ = state(clean)
    assert expected == expected_vectors and len(expected) > 100

    index = tmp_path / "crashed"
    partial_seen = 0
    # The first kill waits for a commit so one surely lands mid-ingest on any machine; the timed
    # ones land wherever they land (inside a write, between writes, or after the end).
    for delay in (None, 4.0, 6.5, 9.0):
        proc = subprocess.Popen([RAG, "ingest", str(corpus)], env=ingest_env(index), cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if delay is None:
            wait_for_first_commit(proc, index / "docstore.sqlite")
        else:
            time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        db = index / "docstore.sqlite"
        if db.exists():
            committed = set(DocStore(db).chunk_ids())
            partial_seen += 0 < len(committed) < len(expected)
            assert committed <= expected, "a killed ingest left chunks a clean run would not have"
    assert partial_seen, "no kill landed mid-ingest; the test did not test anything"

    done = run_ingest(corpus, index)
    assert done.returncode == 0, done.stderr
    committed, in_chroma, in_bm25 = state(index)
    assert committed == expected
    assert in_chroma == expected, "duplicates or orphans left in Chroma"
    assert sorted(in_bm25) == sorted(expected), "keyword index out of step with the docstore"


@pytest.mark.slow
def test_chroma_server_stopped_and_restarted_mid_ingest(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    port = free_port()
    data = tmp_path / "chroma-data"
    server = start_chroma(data, port)
    index = tmp_path / "index"
    env = {**ingest_env(index), "RAG_CHROMA_URL": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen([RAG, "ingest", str(corpus)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_first_commit(proc, index / "docstore.sqlite")
    stop(server)
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 2, "an ingest that lost its Chroma server must fail clearly"
    assert "cannot reach the Chroma server (RAG_CHROMA_URL)" in stderr and "Traceback" not in stderr
    server = start_chroma(data, port)
    try:
        done = subprocess.run([RAG, "ingest", str(corpus)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        settings = Settings(index_dir=index, chroma_url=f"http://127.0.0.1:{port}", embed_batch_size=2, chunk_size=96, chunk_overlap=8)
        committed = set(DocStore(index / "docstore.sqlite").chunk_ids())
        assert committed and VectorStore(settings).all_ids() == committed
        keyword = KeywordIndex.load(index / "bm25", DocStore(index / "docstore.sqlite").generation())
        assert keyword is not None and sorted(keyword.chunk_ids) == sorted(committed)
    finally:
        stop(server)
