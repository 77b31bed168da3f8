"""Cold start: `rag ask` from invocation to printed answer, and the API from spawn to ready.

    .venv/bin/python bench/cold_start.py --index INDEX [--runs 3]

"Cold" means a new process each time; the OS file cache stays warm after the first run (dropping it
would disturb everything else on the machine), so the first run is reported separately too. A `worker`
run splits one start-up into imports, Pipeline(), first retrieve() and first ask().
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import DEFAULT_QUESTIONS, RESULTS, VENV_BIN, api_server, load_questions, run_worker, spread, write_result


def worker(index: Path, question: str) -> dict:
    started = time.perf_counter()
    marks = {}
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    marks["imports"] = time.perf_counter()
    pipeline = Pipeline(Settings(index_dir=index))
    marks["pipeline"] = time.perf_counter()
    pipeline.retrieve(question)
    marks["first_retrieve"] = time.perf_counter()
    pipeline.ask(question)
    marks["first_ask"] = time.perf_counter()
    pipeline.ask(question)
    marks["second_ask"] = time.perf_counter()
    out, previous = {}, started
    for name, at in marks.items():
        out[f"{name}_s"] = round(at - previous, 3)
        previous = at
    return out


def cli_ask_seconds(index: Path, question: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([str(VENV_BIN / "rag"), "ask", question, "--index", str(index)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"`rag ask` failed ({done.returncode}): {done.stderr[-2000:]}")
    return round(elapsed, 3)


def server_seconds(index: Path, question: str) -> tuple[float, float]:
    with api_server(index) as (url, _proc, ready):
        started = time.perf_counter()
        response = httpx.post(url + "/v1/ask", json={"question": question}, timeout=300)
        response.raise_for_status()
        return round(ready, 3), round(time.perf_counter() - started, 3)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        print(json.dumps(worker(Path(sys.argv[2]), sys.argv[3])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--label", default="")
    parser.add_argument("--out", type=Path, default=RESULTS / "cold.json")
    args = parser.parse_args()
    questions = [q["question"] for q in load_questions(args.questions) if q["answerable"]]
    cli, ready, first_answer, splits = [], [], [], []
    for run in range(args.runs):
        question = questions[run % len(questions)]
        print(f"cold start run {run + 1}/{args.runs}", file=sys.stderr)
        cli.append(cli_ask_seconds(args.index, question))
        r, a = server_seconds(args.index, question)
        ready.append(r)
        first_answer.append(a)
        splits.append(run_worker("cold_start.py", [str(args.index), question]))
    write_result(args.out, {
        "benchmark": "cold_start", "label": args.label, "index": str(args.index), "runs": args.runs,
        "cli_ask_seconds": {**spread(cli), "first_run": cli[0]},
        "server_ready_seconds": {**spread(ready), "first_run": ready[0]},
        "server_first_ask_seconds": spread(first_answer),
        "split_seconds": {key: spread([s[key] for s in splits]) for key in splits[0]},
    })


if __name__ == "__main__":
    main()
