"""Fit the fusion of the dense and BM25 rankings on a gold split: recall@1/5/10 and MRR of retrieval as
`ask()` does it (time windows included) for each reciprocal-rank constant and BM25 weight in a grid.

    .venv/bin/python bench/fusion_grid.py --index INDEX --questions evals/archive/dev.jsonl

Fit on the dev split only; the defaults in rag/settings.py (`rrf_k`, `bm25_weight`) record what won.
Writes build/bench/fusion-<split>.json and prints the grid, best MRR first.
"""

from __future__ import annotations

import itertools
import time

from common import RESULTS, _git, gold_retrieval_study, write_result

KS = (1, 5, 10)
RRF_KS = (5, 10, 20, 60)
BM25_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0)


def main() -> None:
    from evals import metrics

    args, pipeline, asked = gold_retrieval_study(__doc__)
    started, grid = time.perf_counter(), []
    for rrf_k, weight in itertools.product(RRF_KS, BM25_WEIGHTS):
        # the same index and models, only the fusion differs
        pipeline.settings = pipeline.settings.model_copy(update={"rrf_k": rrf_k, "bm25_weight": weight})
        ranks = [
            metrics.evidence_rank([h.chunk.text for h in pipeline.retrieve(q, g.filters(), k=max(KS))], g.evidence)
            for g, q in asked
        ]
        row = {"rrf_k": rrf_k, "bm25_weight": weight, **{f"recall@{k}": metrics.recall_at_k(ranks, k) for k in KS},
               "mrr": metrics.mean_reciprocal_rank(ranks)}
        grid.append(row)
        print(" ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)
    grid.sort(key=lambda r: (-r["mrr"], -r["recall@5"]))
    write_result(args.out or RESULTS / f"fusion-{args.questions.stem}.json", {
        "benchmark": "fusion_grid", "commit": _git("rev-parse", "--short", "HEAD"), "index": str(args.index),
        "chunks": pipeline.docs.count_chunks(), "questions": str(args.questions), "answerable": len(asked),
        "seconds": round(time.perf_counter() - started, 1), "grid": grid,
    })
    print("best:", grid[0])


if __name__ == "__main__":
    main()
