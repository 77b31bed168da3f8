"""Shared pieces of the benchmark scripts: archive subsets, percentiles, RSS, disk size, machine facts,
a `chroma run` server, result files and worker subprocesses.

The scripts are run as `python bench/<script>.py`, which puts bench/ on sys.path: they import this file
as `common`. Every script writes one JSON file under build/bench/; `run_all.py` renders BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DEFAULT_ARCHIVE = ROOT.parent / "shared" / "corpora" / "news-archive.jsonl.gz"
DEFAULT_QUESTIONS = BENCH / "questions.jsonl"
RESULTS = ROOT / "build" / "bench"
VENV_BIN = Path(sys.executable).parent
CHANGE_MARK = "Correction appended by the benchmark to change this article."


# --- corpus -------------------------------------------------------------------------------------------
def read_archive(archive: Path, limit: int | None = None) -> list[dict]:
    """The first `limit` records (subsets are nested: the first 100 are inside the first 300)."""
    opener = gzip.open if archive.name.endswith(".gz") else open
    records = []
    with opener(archive, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
                if limit is not None and len(records) >= limit:
                    break
    return records


def write_archive(records: list[dict], dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(dest, "wt", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return dest


def changed_copy(records: list[dict], fraction: float = 0.01) -> tuple[list[dict], int]:
    """The same records with every (1/fraction)-th article's text edited: what a day of corrections looks like."""
    step = max(1, round(1 / fraction))
    out, changed = [], 0
    for i, record in enumerate(records):
        if i % step == step - 1 or (i == len(records) - 1 and changed == 0):
            record = {**record, "text": record["text"] + "\n\n" + CHANGE_MARK}
            changed += 1
        out.append(record)
    return out, changed


def load_questions(path: Path, limit: int | None = None) -> list[dict]:
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return questions[:limit] if limit else questions


# --- statistics ---------------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def latency_summary(ms: list[float]) -> dict:
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2),
        "mean": round(statistics.fmean(ms), 2),
        "max": round(max(ms), 2),
    }


def spread(values: list[float]) -> dict:
    """Median and range of one figure measured in several runs."""
    values = [v for v in values if v is not None]
    if not values:
        return {"runs": 0}
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3), "max": round(max(values), 3), "runs": len(values)}


# --- process and disk ---------------------------------------------------------------------------------
def rss_mb(pid: int | str = "self", field: str = "VmHWM") -> float | None:
    """VmHWM = peak resident set size of the process so far; VmRSS = current."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def dir_size_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
    return round(total / 1e6, 1)


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None, interval: float = 0.05) -> float:
    """Seconds until `url` answers 200; raises if the process dies or the timeout passes."""
    import httpx

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} was ready")
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(interval)
    raise TimeoutError(f"{url} not ready within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def chroma_server(data_dir: Path, timeout: float = 120) -> Iterator[tuple[str, subprocess.Popen]]:
    """`chroma run` on a free loopback port, stopped on exit. Yields (url, process)."""
    port = free_port()
    chroma = shutil.which("chroma", path=str(VENV_BIN)) or "chroma"
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/api/v2/heartbeat", timeout, proc, interval=0.2)
        yield url, proc
    finally:
        stop(proc)


def run_worker(script: str, args: list[str], env: dict | None = None, timeout: float | None = None) -> dict:
    """Run `bench/<script> worker ARGS` in a fresh interpreter; its last stdout line is a JSON result."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "worker", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{script} worker {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(wall, 3)
    return result


# --- provenance and results ---------------------------------------------------------------------------
def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1e6, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def write_result(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"machine": machine_info(), **data}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"wrote {path}", file=sys.stderr)
    return path


def gold_retrieval_study(doc: str):
    """What a retrieval study over a gold split starts from: its arguments (--index, --questions, --out), a
    Pipeline on the index, and the split's answerable questions, each with the query `ask()` searches with."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from evals.runner import load_questions
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    asked = [(g, g.standalone().query) for g in load_questions(args.questions) if not g.unanswerable]
    return args, Pipeline(Settings(index_dir=args.index)), asked


def ask_available() -> bool:
    """Pipeline.ask needs the answerer modules; until they exist only retrieve() can be measured."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("rag.extractive", "rag.history", "rag.verify"))


@contextmanager
def api_server(index: Path, timeout: float = 300, extra_env: dict | None = None) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """The HTTP API (`uvicorn --factory rag.api.app:app_from_env`) on a free loopback port.

    Yields (base url, process, seconds from spawn until /readyz said 200). The rate limit is lifted: a
    benchmark sends far more than the default 120 requests a minute from one client.
    """
    port = free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_RATE_LIMIT_PER_MINUTE": "100000000", **(extra_env or {})}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(VENV_BIN / "uvicorn"), "--factory", "rag.api.app:app_from_env", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/readyz", timeout, proc, interval=0.05)
        yield url, proc, time.perf_counter() - started
    finally:
        stop(proc)
