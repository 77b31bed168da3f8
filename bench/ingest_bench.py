"""Ingest benchmark: the archive into a fresh index (embedded Chroma and a `chroma run` server), then an
unchanged re-ingest and a re-ingest after 1 % of the articles changed; optionally the baseline too.

    .venv/bin/python bench/ingest_bench.py ../shared/corpora/news-archive.jsonl.gz            # full archive
    .venv/bin/python bench/ingest_bench.py ARCHIVE --limit 100 --runs 2 --stores embedded --baseline

Each ingest runs in a fresh interpreter (a `worker`), so peak RSS belongs to that ingest alone. Per run:
  fresh      Pipeline.ingest() seconds, chunks/second, peak RSS, index size on disk
  unchanged  the same archive again, in the same process, and as a separate `rag ingest` command
  changed    the archive with every 100th article edited (1 %)
Systems alternate within a run (ours, baseline; next run baseline, ours) so machine noise hits both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import (
    DEFAULT_ARCHIVE,
    RESULTS,
    VENV_BIN,
    changed_copy,
    chroma_server,
    dir_size_mb,
    fresh_dir,
    read_archive,
    rss_mb,
    run_worker,
    spread,
    write_archive,
    write_result,
)


def worker(archive: Path, changed: Path | None, index: Path, chroma_url: str | None) -> dict:
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    pipeline = Pipeline(Settings(index_dir=index, chroma_url=chroma_url))
    first = pipeline.ingest([archive])
    result = {
        "seconds": first.seconds, "chunks": first.chunks, "chunks_written": first.chunks_written,
        "added": first.added, "skipped": len(first.skipped), "peak_rss_mb": rss_mb(),
    }
    again = pipeline.ingest([archive])
    result["unchanged_seconds"], result["unchanged_written"] = again.seconds, again.chunks_written
    if changed is not None:
        edit = pipeline.ingest([changed])
        result.update(changed_seconds=edit.seconds, changed_updated=edit.updated, changed_written=edit.chunks_written)
    return result


def cli_reingest_seconds(archive: Path, index: Path, chroma_url: str | None) -> float:
    """Wall time of `rag ingest` on an unchanged archive: what a user waits for, start-up included."""
    env = {**os.environ, **({"RAG_CHROMA_URL": chroma_url} if chroma_url else {})}
    started = time.perf_counter()
    subprocess.run([str(VENV_BIN / "rag"), "ingest", str(archive), "--index", str(index)], check=True,
                   capture_output=True, env=env)
    return round(time.perf_counter() - started, 3)


def run_ours(archive: Path, changed: Path, work: Path, store: str) -> dict:
    index = fresh_dir(work / f"ours-{store}")
    args = ["--archive", str(archive), "--changed", str(changed), "--index", str(index)]
    if store == "embedded":
        result = run_worker("ingest_bench.py", args)
        result["cli_unchanged_seconds"] = cli_reingest_seconds(archive, index, None)
        result["index_mb"] = dir_size_mb(index)
        return result
    data = fresh_dir(work / "chroma-server-data")
    with chroma_server(data) as (url, proc):
        result = run_worker("ingest_bench.py", [*args, "--chroma-url", url])
        result["cli_unchanged_seconds"] = cli_reingest_seconds(archive, index, url)
        result["server_peak_rss_mb"] = rss_mb(proc.pid)
    result["index_mb"] = round(dir_size_mb(index) + dir_size_mb(data), 1)
    return result


def run_baseline(archive: Path, work: Path) -> dict:
    index = fresh_dir(work / "baseline")
    result = run_worker("baseline.py", ["--archive", str(archive), "--index", str(index)])
    result["index_mb"] = dir_size_mb(index)
    return result


def with_rates(result: dict) -> dict:
    written = result.get("chunks_written", result.get("chunks", 0))
    result["chunks_per_second"] = round(written / result["seconds"], 2) if result.get("seconds") else None
    return result


def summarise(runs: list[dict]) -> dict:
    summary: dict[str, dict] = {}
    for system in sorted({r["system"] for r in runs}):
        mine = [r for r in runs if r["system"] == system]
        keys = [k for k, v in mine[0].items() if isinstance(v, int | float) and not isinstance(v, bool) and k != "run"]
        summary[system] = {k: spread([r.get(k) for r in mine]) for k in keys}
    base, ours = summary.get("baseline"), summary.get("ours-embedded")
    if base and ours and base["seconds"].get("median"):
        summary["ratio_ours_over_baseline"] = {"ingest_seconds": round(ours["seconds"]["median"] / base["seconds"]["median"], 3)}
    return summary


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        parser = argparse.ArgumentParser()
        parser.add_argument("--archive", type=Path, required=True)
        parser.add_argument("--changed", type=Path)
        parser.add_argument("--index", type=Path, required=True)
        parser.add_argument("--chroma-url")
        args = parser.parse_args(sys.argv[2:])
        print(json.dumps(worker(args.archive, args.changed, args.index, args.chroma_url)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path, nargs="?", default=DEFAULT_ARCHIVE)
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--stores", default="embedded,server", help="comma list of embedded, server")
    parser.add_argument("--baseline", action="store_true", help="also build the plain llama-index baseline")
    parser.add_argument("--work", type=Path, default=RESULTS / "work" / "ingest")
    parser.add_argument("--out", type=Path, default=RESULTS / "ingest.json")
    args = parser.parse_args()

    records = read_archive(args.archive, args.limit)
    archive = write_archive(records, args.work / "archive.jsonl.gz")
    edited, n_changed = changed_copy(records)
    changed = write_archive(edited, args.work / "archive-changed.jsonl.gz")
    systems = [f"ours-{s}" for s in args.stores.split(",") if s] + (["baseline"] if args.baseline else [])
    runs = []
    for run in range(args.runs):
        for system in systems if run % 2 == 0 else systems[::-1]:
            print(f"run {run + 1}/{args.runs}: {system} on {len(records)} articles", file=sys.stderr)
            if system == "baseline":
                result = run_baseline(archive, args.work)
            else:
                result = run_ours(archive, changed, args.work, system.split("-", 1)[1])
            runs.append({"system": system, "run": run + 1, **with_rates(result)})
    write_result(args.out, {
        "benchmark": "ingest", "archive": str(args.archive), "articles": len(records), "limited": args.limit is not None,
        "changed_articles": n_changed,
        "runs": runs, "summary": summarise(runs),
    })


if __name__ == "__main__":
    main()
