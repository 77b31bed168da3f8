"""Latency of `POST /v1/ask` over HTTP: one client asking in turn, then N concurrent clients.

    .venv/bin/python bench/http_latency.py --index INDEX [--runs 1] [--concurrency 8]

Starts the API itself (uvicorn, loopback, rate limit lifted), waits for /readyz, warms up, then sends
every question `--runs` times single-client and again from `--concurrency` clients sharing a queue.
Also reported: server start → ready, the first answer after ready, and the server's peak RSS.
(bench/load_api.py is the time-boxed load test; this one measures per-question latency percentiles.)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import httpx
from common import DEFAULT_QUESTIONS, RESULTS, api_server, latency_summary, load_questions, rss_mb, write_result


def single_client(url: str, questions: list[str]) -> tuple[list[float], dict[str, int]]:
    latencies, errors = [], {}
    with httpx.Client(base_url=url, timeout=120) as client:
        for question in questions:
            started = time.perf_counter()
            response = client.post("/v1/ask", json={"question": question})
            if response.status_code == 200:
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
    return latencies, errors


async def many_clients(url: str, questions: list[str], clients: int) -> tuple[list[float], dict[str, int], float]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for question in questions:
        queue.put_nowait(question)
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            question = queue.get_nowait()
            started = time.perf_counter()
            try:
                response = await client.post("/v1/ask", json={"question": question})
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            if status == "200":
                latencies.append((time.perf_counter() - started) * 1000)
            else:
                errors[status] = errors.get(status, 0) + 1

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(clients)))
        wall = time.perf_counter() - started
    return latencies, errors, wall


def measure(index: Path, questions: list[str], runs: int, concurrency: int) -> dict:
    with api_server(index) as (url, proc, ready_seconds):
        started = time.perf_counter()
        first = httpx.post(url + "/v1/ask", json={"question": questions[0]}, timeout=300)
        first_ms = (time.perf_counter() - started) * 1000
        if first.status_code != 200:
            return {"error": f"first /v1/ask answered HTTP {first.status_code}: {first.text[:300]}"}
        single_client(url, questions[1:11])  # warm-up beyond the first answer
        print(f"single client: {len(questions) * runs} requests", file=sys.stderr)
        ms, errors = single_client(url, questions * runs)
        result = {"ready_seconds": round(ready_seconds, 3), "first_ask_ms": round(first_ms, 1),
                  "single": {**latency_summary(ms), "errors": errors}}
        if concurrency > 1:
            print(f"{concurrency} clients: {len(questions) * runs} requests", file=sys.stderr)
            ms, errors, wall = asyncio.run(many_clients(url, questions * runs, concurrency))
            result["concurrent"] = {**latency_summary(ms), "errors": errors, "clients": concurrency,
                                    "rps": round(len(ms) / wall, 2)}
        result["server_rss_mb"] = {"peak": rss_mb(proc.pid), "current": rss_mb(proc.pid, "VmRSS")}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--limit-questions", type=int)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=RESULTS / "http.json")
    args = parser.parse_args()
    questions = [q["question"] for q in load_questions(args.questions, args.limit_questions)]
    result = measure(args.index, questions, args.runs, args.concurrency)
    write_result(args.out, {"benchmark": "http", "label": args.label, "index": str(args.index),
                            "questions": len(questions), "runs": args.runs, **result})
    if "error" in result:
        sys.exit(result["error"])


if __name__ == "__main__":
    main()
