"""Full-archive ingest as a user runs it: `rag ingest ARCHIVE` into a fresh index, then again unchanged.
Whole-process figures (wall, CPU, peak RSS of the `rag` process, as `/usr/bin/time -v` reports them),
chunks, index size on disk.

    .venv/bin/python bench/full_ingest.py [ARCHIVE] [--index DIR]         # ~25 min on 2 idle cores
    .venv/bin/python bench/full_ingest.py --from-logs DIR --index DIR --commit REV   # an earlier run's logs

Each command's output is kept as DIR/{fresh,unchanged}.out; `--from-logs` reads those and GNU time's
logs (DIR/{fresh,unchanged}.time, from `/usr/bin/time -v -o`) of a run made by hand instead of running.
Writes build/bench/full_ingest.json.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from pathlib import Path

from common import DEFAULT_ARCHIVE, RESULTS, VENV_BIN, _git, dir_size_mb, write_result

TIME_FIELDS = {
    "wall_seconds": r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)",
    "user_seconds": r"User time \(seconds\): (\S+)",
    "system_seconds": r"System time \(seconds\): (\S+)",
    "peak_rss_mb": r"Maximum resident set size \(kbytes\): (\d+)",
}


def run(name: str, archive: Path, index: Path, logs: Path) -> dict:
    """Run `rag ingest`; wall time, and the CPU time and peak RSS of that one process (wait4's rusage)."""
    started = time.perf_counter()
    with open(logs / f"{name}.out", "w") as out:
        proc = subprocess.Popen([str(VENV_BIN / "rag"), "ingest", str(archive), "--index", str(index)], stdout=out)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"rag ingest exited with {proc.returncode}; see {logs / f'{name}.out'}")
    return {"wall_seconds": round(time.perf_counter() - started, 2), "user_seconds": round(usage.ru_utime, 2),
            "system_seconds": round(usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def parse_time_log(logs: Path, name: str) -> dict:
    timing = (logs / f"{name}.time").read_text()
    result: dict = {}
    for key, pattern in TIME_FIELDS.items():
        value = re.search(pattern, timing).group(1)
        if key == "wall_seconds":
            parts = [float(p) for p in value.split(":")]
            result[key] = round(sum(p * 60**i for i, p in enumerate(reversed(parts))), 2)
        elif key == "peak_rss_mb":
            result[key] = round(int(value) / 1024, 1)
        else:
            result[key] = float(value)
    return result


def parse_output(logs: Path, name: str) -> dict:
    result: dict = {}
    summary = " ".join((logs / f"{name}.out").read_text().split())
    counts = re.search(r"added (\d+) · updated (\d+) · unchanged (\d+) · removed (\d+) · skipped (\d+) · (\d+) chunks "
                       r"in the index \((\d+) written\) · ([\d.]+) s", summary)
    keys = ["added", "updated", "unchanged", "removed", "skipped", "chunks", "chunks_written"]
    result.update({k: int(v) for k, v in zip(keys, counts.groups()[:7], strict=True)}, ingest_seconds=float(counts.group(8)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path, nargs="?", default=DEFAULT_ARCHIVE)
    parser.add_argument("--index", type=Path, default=RESULTS / "work" / "full-ingest" / "index")
    parser.add_argument("--from-logs", type=Path, help="read DIR/{fresh,unchanged}.{out,time} instead of running")
    parser.add_argument("--commit", help="with --from-logs: the commit those runs used")
    parser.add_argument("--out", type=Path, default=RESULTS / "full_ingest.json")
    args = parser.parse_args()
    logs = args.from_logs
    if logs is None:
        if args.index.exists():
            parser.error(f"{args.index} exists: the fresh ingest needs a new index directory")
        logs = args.index.parent / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        fresh = run("fresh", args.archive, args.index, logs)
        unchanged = run("unchanged", args.archive, args.index, logs)
    elif not args.commit:
        parser.error("--from-logs needs --commit (the figures belong to the code that produced them)")
    else:
        fresh, unchanged = parse_time_log(logs, "fresh"), parse_time_log(logs, "unchanged")
    fresh.update(parse_output(logs, "fresh"))
    unchanged.update(parse_output(logs, "unchanged"))
    fresh["chunks_per_second"] = round(fresh["chunks_written"] / fresh["ingest_seconds"], 2)
    write_result(args.out, {
        "benchmark": "full_ingest", "archive": str(args.archive), "articles": fresh["added"] + fresh["updated"],
        "commit": args.commit or _git("rev-parse", "--short", "HEAD"), "logs": str(logs),
        "index_mb": dir_size_mb(args.index), "fresh": fresh, "unchanged": unchanged,
    })


if __name__ == "__main__":
    main()
