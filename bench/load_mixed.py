"""Load under change: N clients ask `POST /v1/ask` for T seconds over a real socket, optionally while
`rag ingest` keeps rewriting a source of the same index; prints requests/s, p50/p95/p99 and errors.

    RAG_API_KEYS=k RAG_RATE_LIMIT_PER_MINUTE=1000000 rag serve &      # the default limit would 429 a load test
    .venv/bin/python bench/load_mixed.py --clients 32 --seconds 60 --key k [--out build/bench/load_mixed.json]
    # queries while one source is re-ingested over and over (same RAG_INDEX_DIR / RAG_CHROMA_URL as the server):
    RAG_INDEX_DIR=index .venv/bin/python bench/load_mixed.py --clients 8 --seconds 30 --key k --churn sources/articles/x.txt

Clients run closed-loop (next question as soon as the answer arrives), cycling through bench/load_api.py's
questions. Any non-200 or transport error counts as an error. With --churn the file is rewritten (a
revision line appended, so every chunk id changes) and `rag ingest FILE` run again until time is up;
latencies are also reported separately for requests that overlapped an ingest. The original file is put
back at the end (not re-ingested). Exit status 1 if any request or ingest failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_api import QUESTIONS, percentile  # noqa: E402

RAG = shutil.which("rag") or str(Path(sys.executable).parent / "rag")


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    during_ingest: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    ingests: list[float] = field(default_factory=list)
    ingest_failures: list[str] = field(default_factory=list)
    ingesting: bool = False


async def client_loop(client: httpx.AsyncClient, deadline: float, offset: int, tally: Tally) -> None:
    i = offset
    while time.perf_counter() < deadline:
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        overlapped = tally.ingesting
        started = time.perf_counter()
        try:
            response = await client.post("/v1/ask", json={"question": question})
        except httpx.HTTPError as exc:
            tally.errors[type(exc).__name__] += 1
            continue
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            tally.errors[f"HTTP {response.status_code}"] += 1
            continue
        tally.latencies.append(elapsed)
        if overlapped or tally.ingesting:
            tally.during_ingest.append(elapsed)


async def churn(path: Path, deadline: float, tally: Tally) -> None:
    """Rewrite `path` and re-ingest it, again and again until the deadline (the last one may finish after it)."""
    original = path.read_text(encoding="utf-8")
    revision = 0
    try:
        while time.perf_counter() < deadline:
            revision += 1
            path.write_text(original.rstrip("\n") + f"\n\nRevision {revision} of this file, for the load test.\n", encoding="utf-8")
            tally.ingesting = True
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(RAG, "ingest", str(path), stdout=asyncio.subprocess.DEVNULL,
                                                        stderr=asyncio.subprocess.PIPE)
            _, stderr = await proc.communicate()
            tally.ingesting = False
            if proc.returncode != 0:
                tally.ingest_failures.append(stderr.decode(errors="replace")[-500:])
            else:
                tally.ingests.append(time.perf_counter() - started)
    finally:
        tally.ingesting = False
        path.write_text(original, encoding="utf-8")


def ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q) * 1000, 1) if values else None


async def run(url: str, key: str | None, clients: int, seconds: float, churn_path: Path | None) -> dict:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    tally = Tally()
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as client:
        warm = await client.post("/v1/ask", json={"question": QUESTIONS[0]})
        if warm.status_code != 200:
            raise SystemExit(f"warm-up request failed: HTTP {warm.status_code} {warm.text[:200]}")
        started = time.perf_counter()
        deadline = started + seconds
        churning = asyncio.ensure_future(churn(churn_path, deadline, tally)) if churn_path else None
        await asyncio.gather(*(client_loop(client, deadline, n, tally) for n in range(clients)))
        wall = time.perf_counter() - started
        if churning is not None:
            await churning  # the ingest under way when time ran out
    ok = len(tally.latencies)
    return {
        "clients": clients, "seconds": round(wall, 1), "requests": ok + sum(tally.errors.values()), "ok": ok,
        "errors": dict(tally.errors), "rps": round(ok / wall, 2),
        "p50_ms": ms(tally.latencies, 0.50), "p95_ms": ms(tally.latencies, 0.95), "p99_ms": ms(tally.latencies, 0.99),
        "mean_ms": round(statistics.fmean(tally.latencies) * 1000, 1) if ok else None,
        "max_ms": round(max(tally.latencies) * 1000, 1) if ok else None,
        "ingests": len(tally.ingests), "ingest_failures": tally.ingest_failures,
        "ingest_seconds": [round(s, 1) for s in tally.ingests],
        "requests_during_ingest": len(tally.during_ingest), "p95_during_ingest_ms": ms(tally.during_ingest, 0.95),
        "load_average": list(os.getloadavg()), "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default=os.environ.get("RAG_BENCH_KEY"), help="bearer key (env RAG_BENCH_KEY)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--churn", type=Path, help="a source file of the server's index to re-ingest meanwhile")
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    result = asyncio.run(run(args.url, args.key, args.clients, args.seconds, args.churn))
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    sys.exit(1 if result["errors"] or result["ingest_failures"] or not result["ok"] else 0)


if __name__ == "__main__":
    main()
