"""Could chunk vectors be derived from the sentence vectors ingest already stores, instead of embedding
each chunk again? Writes a copy of an index whose Chroma vectors are the normalised mean of each chunk's
stored sentence vectors (a chunk without citable sentences keeps its own), for `rag eval` to compare
retrieval recall with the original.

    .venv/bin/python bench/chunk_vectors.py --index IDX --out IDX-derived
    .venv/bin/rag eval --questions evals/archive/dev.jsonl --thresholds evals/archive/thresholds.toml --index IDX-derived
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

import rag  # noqa: F401  (offline environment first)
from rag.docstore import DocStore
from rag.meaning import DIMENSIONS, unpack
from rag.settings import Settings
from rag.store import VectorStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    shutil.rmtree(args.out, ignore_errors=True)
    shutil.copytree(args.index, args.out)
    docs = DocStore(args.out / "docstore.sqlite")
    collection = VectorStore(Settings(index_dir=args.out)).collection
    ids = docs.chunk_ids()
    stored = docs.analyses(ids)
    derived, kept = [], 0
    for chunk_id in ids:
        vectors = unpack(stored[chunk_id][1]) if chunk_id in stored else np.zeros((0, DIMENSIONS))
        if len(vectors) == 0:
            kept += 1
            continue
        mean = vectors.mean(axis=0)
        derived.append((chunk_id, (mean / np.linalg.norm(mean)).tolist()))
    for lo in range(0, len(derived), 1000):
        part = derived[lo : lo + 1000]
        collection.update(ids=[c for c, _ in part], embeddings=[v for _, v in part])
    print(f"{len(derived)} chunk vectors derived from their sentences, {kept} kept (no citable sentence) -> {args.out}")


if __name__ == "__main__":
    main()
