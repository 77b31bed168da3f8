"""The vector store: the same neighbours in every process that opens it, and an open that a slow disk does not fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rag.models import Chunk
from rag.settings import Settings
from rag.store import VectorStore, build_fingerprint

NEIGHBOURS = """
import json, sys
import numpy as np
from rag.settings import Settings
from rag.store import VectorStore
store = VectorStore(Settings(index_dir=sys.argv[1]))
queries = np.random.default_rng(1).normal(size=(40, 384)).astype(np.float32)
print(json.dumps([[cid for cid, _ in store.query(q, 40, None)] for q in queries]))
"""


def _neighbours_in_a_new_process(index_dir, hash_seed: str) -> list[list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", NEIGHBOURS, str(index_dir)], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("collection", ["new", "built before saving every write"])
def test_every_process_finds_the_same_neighbours(tmp_path, collection):
    settings = Settings(index_dir=tmp_path)
    if collection != "new":
        import chromadb

        # Chroma's defaults: the graph saved every 1,000 writes, the rest left in its log
        client = chromadb.PersistentClient(path=str(tmp_path / "chroma"))
        client.create_collection(settings.collection, metadata={"hnsw:space": "cosine", **build_fingerprint(settings)})
    store = VectorStore(settings)
    # 1,500 vectors: with saves every 1,000 writes, 500 would wait in the log for each process to re-insert
    vectors = np.random.default_rng(0).normal(size=(1500, 384)).astype(np.float32)
    chunks = [Chunk(chunk_id=f"c{i}", source_id=f"s{i // 10}", text="x", start=0, end=1) for i in range(len(vectors))]
    store.add(chunks, vectors)
    assert _neighbours_in_a_new_process(tmp_path, "1") == _neighbours_in_a_new_process(tmp_path, "2")


SLOW_IMPORT = """
import importlib.abc, sys, time
from rag.settings import Settings
from rag.store import VectorStore

class SlowDisk(importlib.abc.MetaPathFinder):
    # chromadb's files read back from a disk that has not seen them for hours
    def find_spec(self, name, path, target=None):
        if name == "chromadb":
            time.sleep(1.5)
        return None

sys.meta_path.insert(0, SlowDisk())
print(VectorStore(Settings(index_dir=sys.argv[1], chroma_timeout_s=1.0)).count())
"""


def test_a_slow_import_of_chroma_does_not_fail_the_open(tmp_path):
    # the deadline bounds what the store does, not how long Python takes to load its library
    done = subprocess.run([sys.executable, "-c", SLOW_IMPORT, str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "0"
