"""Scale curve: ingest time and query latency at growing archive sizes, ours and the baseline side by side.

    .venv/bin/python bench/scale_curve.py [ARCHIVE] --sizes 100,300,1000,2960 [--runs 3] [--ingest-runs 1]

Subsets are the first N articles (nested). At each size both systems ingest into fresh indexes in
separate processes (order alternating), then one query process measures both, alternating per question.
Writes build/bench/scale.json, and bench/scale_curve.png when matplotlib is installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common import (
    BENCH,
    DEFAULT_ARCHIVE,
    DEFAULT_QUESTIONS,
    RESULTS,
    fresh_dir,
    machine_info,
    read_archive,
    run_worker,
    spread,
    write_archive,
    write_result,
)
from ingest_bench import with_rates


def ingest_both(archive: Path, work: Path, runs: int, first_is_ours: bool) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"ours": [], "baseline": []}
    for run in range(runs):
        order = ["ours", "baseline"] if (run % 2 == 0) == first_is_ours else ["baseline", "ours"]
        for system in order:
            index = fresh_dir(work / system)
            script = "ingest_bench.py" if system == "ours" else "baseline.py"
            out[system].append(with_rates(run_worker(script, ["--archive", str(archive), "--index", str(index)])))
    return out


def query_both(work: Path, questions: Path, limit: int | None, runs: int) -> dict:
    import subprocess

    out = work / "query.json"
    command = [sys.executable, str(BENCH / "query_bench.py"), "--index", str(work / "ours"),
               "--baseline-index", str(work / "baseline"), "--questions", str(questions), "--runs", str(runs),
               "--concurrency", "1", "--no-stages", "--out", str(out)]
    if limit:
        command += ["--limit-questions", str(limit)]
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


def plot(points: list[dict], dest: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = [p["articles"] for p in points]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    for system in ("ours", "baseline"):
        left.plot(sizes, [p["ingest"][system]["seconds"]["median"] for p in points], marker="o", label=system)
    for name in ("retrieve", "ask", "baseline"):
        if all(name in p["query"] for p in points):
            right.plot(sizes, [p["query"][name]["p50"] for p in points], marker="o", label=f"{name} p50")
    left.set(xlabel="articles", ylabel="ingest seconds", title="Ingest")
    right.set(xlabel="articles", ylabel="ms", title="Query latency (single client)")
    left.legend(), right.legend()
    fig.tight_layout()
    fig.savefig(dest, dpi=100)
    return str(dest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path, nargs="?", default=DEFAULT_ARCHIVE)
    parser.add_argument("--sizes", default="100,300,1000,2960")
    parser.add_argument("--runs", type=int, default=3, help="query runs per size")
    parser.add_argument("--ingest-runs", type=int, default=1)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--limit-questions", type=int)
    parser.add_argument("--work", type=Path, default=RESULTS / "work" / "scale")
    parser.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    parser.add_argument("--plot", type=Path, default=BENCH / "scale_curve.png")
    parser.add_argument("--merge", action="store_true", help="keep the sizes already in --out that this run does not redo")
    args = parser.parse_args()

    sizes = [int(x) for x in args.sizes.split(",")]
    kept = []
    if args.merge and args.out.exists():
        kept = [p for p in json.loads(args.out.read_text())["points"] if p["articles"] not in sizes]
    points: list[dict] = []
    for i, size in enumerate(sizes):
        work = args.work / str(size)
        records = read_archive(args.archive, size)
        archive = write_archive(records, work / "archive.jsonl.gz")
        print(f"size {len(records)}: ingest ours + baseline", file=sys.stderr)
        ingest = ingest_both(archive, work, args.ingest_runs, first_is_ours=i % 2 == 0)
        query = query_both(work, args.questions, args.limit_questions, args.runs)
        points.append({
            "articles": len(records),
            "measured": machine_info(),
            "chunks": ingest["ours"][0]["chunks"],
            "ingest": {s: {k: spread([r[k] for r in runs]) for k in ("seconds", "chunks_per_second", "peak_rss_mb")}
                       for s, runs in ingest.items()},
            "ingest_runs": ingest,
            "query": query["single"],
            "hit_rate": query["hit_rate"],
        })
        medians = {s: points[-1]["ingest"][s]["seconds"]["median"] for s in ingest}
        points[-1]["ratio_ours_over_baseline"] = {
            "ingest_seconds": round(medians["ours"] / medians["baseline"], 3), **query.get("ratio_ours_over_baseline", {}),
        }
        # Written after every size: a long run that is stopped still leaves its finished sizes.
        write_result(args.out, {"benchmark": "scale", "archive": str(args.archive),
                                "points": sorted(kept + points, key=lambda p: p["articles"]), "plot": None})
    points = sorted(kept + points, key=lambda p: p["articles"])
    image = plot(points, args.plot)
    write_result(args.out, {"benchmark": "scale", "archive": str(args.archive), "points": points, "plot": image})
    if image is None:
        print("matplotlib is not installed: no plot (the table in BENCHMARKS.md has the same figures)", file=sys.stderr)


if __name__ == "__main__":
    main()
