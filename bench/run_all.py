"""Run every benchmark and write BENCHMARKS.md at the repository root.

    .venv/bin/python bench/run_all.py                          # everything, full archive (hours on 2 cores)
    .venv/bin/python bench/run_all.py --ingest-limit 100 --scale 100,300 --query-index /path/to/full-index
    .venv/bin/python bench/run_all.py --only report            # re-render BENCHMARKS.md from build/bench/*.json

Steps (each writes build/bench/<step>.json; `--only a,b` or `--skip a,b` choose): questions, full_ingest,
ingest, scale, query, http, cold, report. Query, http and cold run on a *copy* of --query-index (default: the
index the ingest step built), so nobody's index is touched. The baseline for the query step is built
with `baseline.py clone` (same chunks and vectors, no second embedding pass) unless --baseline-index is given.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from common import BENCH, DEFAULT_ARCHIVE, DEFAULT_QUESTIONS, RESULTS, ROOT
from report import render

STEPS = ["questions", "full_ingest", "ingest", "scale", "query", "http", "cold", "report"]


def script(name: str, *args: object) -> None:
    command = [sys.executable, str(BENCH / name), *map(str, args)]
    print("$ " + " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, cwd=ROOT)


def copy_index(source: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("ingest.lock"))
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--limit-questions", type=int)
    parser.add_argument("--ingest-limit", type=int, help="ingest only the first N articles (default: all)")
    parser.add_argument("--ingest-runs", type=int, default=2)
    parser.add_argument("--stores", default="embedded,server")
    parser.add_argument("--scale", default="100,300,1000,2960", help="article counts for the scale curve")
    parser.add_argument("--runs", type=int, default=3, help="query runs")
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--query-index", type=Path, help="existing index for query/http/cold (copied first)")
    parser.add_argument("--baseline-index", type=Path, help="existing baseline index for the query step")
    parser.add_argument("--only", help=f"comma list of {','.join(STEPS)}")
    parser.add_argument("--skip", default="")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--markdown", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()

    steps = args.only.split(",") if args.only else [s for s in STEPS if s not in args.skip.split(",")]
    results, work = args.results, args.results / "work"
    asked = ["--questions", args.questions] + (["--limit-questions", args.limit_questions] if args.limit_questions else [])
    if "questions" in steps and not args.questions.exists():
        script("make_questions.py", "--archive", args.archive, "--out", args.questions)
    if "full_ingest" in steps:  # `rag ingest` of the whole archive under /usr/bin/time, then unchanged
        shutil.rmtree(work / "full-ingest", ignore_errors=True)
        script("full_ingest.py", args.archive, "--index", work / "full-ingest" / "index", "--out", results / "full_ingest.json")
    if "ingest" in steps:
        limit = ["--limit", args.ingest_limit] if args.ingest_limit else []
        script("ingest_bench.py", args.archive, *limit, "--runs", args.ingest_runs, "--stores", args.stores, "--baseline",
               "--work", work / "ingest", "--out", results / "ingest.json")
    if "scale" in steps:
        script("scale_curve.py", args.archive, "--sizes", args.scale, "--runs", args.runs, *asked,
               "--work", work / "scale", "--out", results / "scale.json")
    if {"query", "http", "cold"} & set(steps):
        index = copy_index(args.query_index or work / "ingest" / "ours-embedded", work / "query-index")
        label = json.dumps(f"index copied from {args.query_index or 'the ingest step'}")
        if "query" in steps:
            baseline = args.baseline_index
            if baseline is None:
                baseline = work / "baseline-clone"
                script("baseline.py", "clone", "--from", index, "--to", baseline)
            script("query_bench.py", "--index", index, "--baseline-index", baseline, "--runs", args.runs, *asked,
                   "--label", label, "--out", results / "query.json")
        if "http" in steps:
            script("http_latency.py", "--index", index, *asked, "--label", label, "--out", results / "http.json")
        if "cold" in steps:
            script("cold_start.py", "--index", index, "--questions", args.questions, "--runs", args.cold_runs, "--label", label,
                   "--out", results / "cold.json")
    if "report" in steps:
        args.markdown.write_text(render(results))
        print(f"wrote {args.markdown}", file=sys.stderr)


if __name__ == "__main__":
    main()
