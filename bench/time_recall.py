"""Retrieval with and without the question's time window, over a gold split: does reading "this week"
against the question's date find the passage more often, and does any question lose by it?

For every answerable question, the rank of the first chunk holding its evidence (as `rag eval` counts it)
twice: as `ask()` retrieves (the window its time words name: a filter when explicit, a ranking prior when
vague), and as a plain hybrid search bounded only by the as-of date, time words read as keywords. Recall@1,
5, 10 and MRR for the questions whose words name a time and for the rest, and every question whose rank got
worse.

    .venv/bin/python bench/time_recall.py --index INDEX --questions evals/archive/dev.jsonl [--out FILE]

Writes build/bench/time_recall-<split>.json.
"""

from __future__ import annotations

import time

from common import RESULTS, _git, gold_retrieval_study, write_result

KS = (1, 5, 10)
SYSTEMS = ("window", "plain")  # as ask() retrieves; a plain hybrid search bounded by the as-of date only


def main() -> None:
    from evals import metrics
    from rag.timewindow import find_window

    args, pipeline, asked = gold_retrieval_study(__doc__)
    plain = pipeline.retriever()
    rows = []
    started = time.perf_counter()
    for gold, query in asked:
        filters = gold.filters()
        window = find_window(query, gold.as_of)
        found = {"window": pipeline.retrieve(query, filters, k=max(KS)), "plain": plain.retrieve(query, filters, max(KS))}
        ranks = {system: metrics.evidence_rank([h.chunk.text for h in hits], gold.evidence) for system, hits in found.items()}
        rows.append({"id": gold.id, "question": gold.question, "as_of": str(gold.as_of) if gold.as_of else None,
                     "searched": window.describe() if window else None, "ranks": ranks})
    groups = {
        "time words": [r for r in rows if r["searched"]],
        "no time words": [r for r in rows if not r["searched"]],
        "all": rows,
    }
    summary = {name: {system: _recall([r["ranks"][system] for r in members]) for system in SYSTEMS} | {"questions": len(members)}
               for name, members in groups.items()}
    worse = [r for r in rows if _worse(r["ranks"]["window"], r["ranks"]["plain"])]
    better = [r for r in rows if _worse(r["ranks"]["plain"], r["ranks"]["window"])]
    split = args.questions.stem
    write_result(args.out or RESULTS / f"time_recall-{split}.json", {
        "benchmark": "time_recall", "commit": _git("rev-parse", "--short", "HEAD"), "index": str(args.index),
        "chunks": pipeline.docs.count_chunks(), "questions": str(args.questions), "seconds": round(time.perf_counter() - started, 1),
        "summary": summary, "worse": worse, "better": better, "rows": rows,
    })
    for name, figures in summary.items():
        for system in SYSTEMS:
            f = figures[system]
            print(f"{name:>14} {system:>6}: " + "  ".join(f"R@{k} {f[f'recall@{k}']:.3f}" for k in KS) + f"  MRR {f['mrr']:.3f}"
                  f"  ({figures['questions']} questions)")
    print(f"window ranks the evidence better for {len(better)} questions, worse for {len(worse)}")


def _recall(ranks: list[int | None]) -> dict:
    from evals import metrics

    out = {f"recall@{k}": metrics.recall_at_k(ranks, k) or 0.0 for k in KS}
    out["mrr"] = metrics.mean_reciprocal_rank(ranks) or 0.0
    return out


def _worse(a: int | None, b: int | None) -> bool:
    """Rank a is worse than rank b (None: not in the top 10)."""
    return b is not None and (a is None or a > b)


if __name__ == "__main__":
    main()
