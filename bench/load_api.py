"""Load test for `POST /v1/ask`: N concurrent clients asking for T seconds; prints rps, p50/p95, errors.

    RAG_RATE_LIMIT_PER_MINUTE=100000 rag serve &       # the default limit (120/min/key) would 429 a load test
    .venv/bin/python bench/load_api.py --clients 8 --seconds 30 [--url http://127.0.0.1:8000] [--key KEY]

Each client sends its next request as soon as the previous answer arrives (closed loop), cycling
through a few questions from the seed corpus. Any non-200 or transport error counts as an error;
the exit status is 1 if there were any.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter

import httpx

QUESTIONS = [
    "Who did Pakistan blame for the attacks?",
    "How many people were killed in the Balochistan attacks?",
    "What did the government promise after the attacks?",
    "Which group claimed responsibility?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def client_loop(client: httpx.AsyncClient, deadline: float, offset: int,
                      latencies: list[float], errors: Counter) -> None:
    i = offset
    while time.perf_counter() < deadline:
        question = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        started = time.perf_counter()
        try:
            response = await client.post("/v1/ask", json={"question": question})
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] += 1
            continue
        elapsed = time.perf_counter() - started
        if response.status_code == 200:
            latencies.append(elapsed)
        else:
            errors[f"HTTP {response.status_code}"] += 1


async def run(url: str, key: str | None, clients: int, seconds: float) -> int:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as client:
        warm = await client.post("/v1/ask", json={"question": QUESTIONS[0]})  # loads models if lazy
        if warm.status_code != 200:
            print(f"warm-up request failed: HTTP {warm.status_code} {warm.text[:200]}", file=sys.stderr)
            return 1
        latencies: list[float] = []
        errors: Counter = Counter()
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(client_loop(client, deadline, n, latencies, errors) for n in range(clients)))
        wall = time.perf_counter() - started
    total = len(latencies) + sum(errors.values())
    print(f"clients={clients} duration={wall:.1f}s requests={total} ok={len(latencies)} errors={sum(errors.values())}")
    if latencies:
        print(f"rps={len(latencies) / wall:.1f} "
              f"p50={percentile(latencies, 0.50) * 1000:.0f}ms p95={percentile(latencies, 0.95) * 1000:.0f}ms "
              f"mean={statistics.fmean(latencies) * 1000:.0f}ms max={max(latencies) * 1000:.0f}ms")
    for kind, count in errors.most_common():
        print(f"  error {kind}: {count}")
    return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default=os.environ.get("RAG_BENCH_KEY"), help="bearer key (env RAG_BENCH_KEY)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args.url, args.key, args.clients, args.seconds)))


if __name__ == "__main__":
    main()
