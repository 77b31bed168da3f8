"""Warm, in-process query latency: Pipeline.retrieve() and ask() against the baseline's retriever.

    .venv/bin/python bench/query_bench.py --index INDEX [--baseline-index DIR] [--runs 3] [--concurrency 8]

Every question is asked once per run by each system, alternating per question (A B, then B A) so load
from other processes hits both. Then the same with `--concurrency` threads sharing one Pipeline.
Also reported: retrieval hit rate (the question's own article in the top k), process RSS, and a
per-stage split of retrieve() (embedding, Chroma, BM25, docstore) with an exact numpy search over the
same vectors for comparison — what to optimise, measured rather than guessed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from common import DEFAULT_QUESTIONS, RESULTS, ask_available, latency_summary, load_questions, rss_mb, write_result

import rag  # noqa: F401  (offline environment first)
from rag.errors import RagError

System = Callable[[str], list[str] | None]


def make_systems(index: Path, baseline_index: Path | None, wanted: list[str]) -> tuple[dict[str, System], object]:
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    pipeline = Pipeline(Settings(index_dir=index))
    systems: dict[str, System] = {}
    if "retrieve" in wanted:
        systems["retrieve"] = lambda q: [hit.chunk.source_id for hit in pipeline.retrieve(q)]
    if "ask" in wanted and ask_available():
        systems["ask"] = lambda q: [c.source_id for c in pipeline.ask(q).citations]
    if "ask-parsing" in wanted and ask_available():
        # The answer stage as it was before ingest stored parses and vectors: same answers, all the work
        # done at question time (a second Pipeline, so no cache is shared with "ask").
        from rag.extractive import ExtractiveAnswerer

        parsing = Pipeline(Settings(index_dir=index))
        parsing.extractive = ExtractiveAnswerer(parsing.embedder, parsing.nlp, articles=parsing._article_text)
        systems["ask-parsing"] = lambda q: [c.source_id for c in parsing.ask(q).citations]
    if "baseline" in wanted and baseline_index is not None:
        from baseline import BaselineRetriever

        base = BaselineRetriever(baseline_index, pipeline.embedder, pipeline.settings.top_k)
        systems["baseline"] = base.retrieve
    return systems, pipeline


def timed(system: System, question: str) -> tuple[float, list[str] | None, str | None]:
    started = time.perf_counter()
    try:
        found, error = system(question), None
    except RagError as exc:
        found, error = None, type(exc).__name__
    return (time.perf_counter() - started) * 1000, found, error


def sequential(systems: dict[str, System], questions: list[dict], runs: int) -> tuple[dict, dict]:
    names = list(systems)
    latencies: dict[str, list[float]] = {n: [] for n in names}
    per_run: dict[str, list[float]] = {n: [] for n in names}
    first_run: dict[str, list[float]] = {n: [] for n in names}
    first: dict[str, list] = {n: [] for n in names}
    errors: dict[str, int] = dict.fromkeys(names, 0)
    for run in range(runs):
        this_run: dict[str, list[float]] = {n: [] for n in names}
        for i, q in enumerate(questions):
            shift = (i + run) % len(names)
            for name in names[shift:] + names[:shift]:
                ms, found, error = timed(systems[name], q["question"])
                errors[name] += error is not None
                this_run[name].append(ms)
                if run == 0:
                    first[name].append(found)
        for name in names:
            if run == 0:
                first_run[name] = this_run[name]
            latencies[name] += this_run[name]
            per_run[name].append(statistics.median(this_run[name]))
    # Run 1 meets each question's chunks for the first time; later runs hit the answerer's parse and
    # sentence-vector caches, so both are reported.
    out = {n: {**latency_summary(latencies[n]), "errors": errors[n], "run_p50s": [round(x, 2) for x in per_run[n]],
               "first_run": latency_summary(first_run[n])} for n in names}
    return out, first


def concurrent(systems: dict[str, System], questions: list[dict], runs: int, threads: int) -> dict:
    names = list(systems)
    out = {}
    results: dict[str, dict[str, list[float]]] = {n: {"ms": [], "qps": []} for n in names}
    with ThreadPoolExecutor(threads) as pool:
        for run in range(runs):
            for name in names if run % 2 == 0 else names[::-1]:
                started = time.perf_counter()
                done = list(pool.map(lambda q, s=systems[name]: timed(s, q["question"])[0], questions))
                results[name]["qps"].append(len(done) / (time.perf_counter() - started))
                results[name]["ms"] += done
    for name in names:
        qps = results[name]["qps"]
        out[name] = {**latency_summary(results[name]["ms"]), "qps_median": round(statistics.median(qps), 2),
                     "qps_min": round(min(qps), 2), "qps_max": round(max(qps), 2), "threads": threads}
    return out


def hit_rates(first: dict[str, list], questions: list[dict], indexed: set[str]) -> dict:
    """Share of answerable questions (whose article is indexed) with that article among the results."""
    usable = [i for i, q in enumerate(questions) if q["answerable"] and q["source_id"] in indexed]
    rates = {}
    for name, found in first.items():
        if usable and found:
            rates[name] = round(sum(q_found is not None and questions[i]["source_id"] in q_found
                                    for i, q_found in ((i, found[i]) for i in usable)) / len(usable), 3)
    return {"questions": len(usable), **rates}


class Stopwatch:
    """Wall and CPU milliseconds per named stage. CPU time is the process's (ONNX and Chroma run on
    their own threads), so on a busy machine it shows the work done while wall time shows the wait."""

    def __init__(self, names: tuple[str, ...]):
        self.wall: dict[str, list[float]] = {n: [] for n in names}
        self.cpu: dict[str, list[float]] = {n: [] for n in names}

    def time(self, name: str, call, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call(*args)
        self.wall[name].append((time.perf_counter() - wall) * 1000)
        self.cpu[name].append((time.process_time() - cpu) * 1000)
        return result

    def summary(self) -> dict:
        return {n: {**latency_summary(self.wall[n]), "cpu_mean": round(statistics.fmean(self.cpu[n]), 2)} for n in self.wall}


def stage_split(pipeline, questions: list[dict]) -> dict:
    """Milliseconds per stage of retrieve(), and an exact numpy search over the same vectors."""
    n = max(pipeline.settings.candidates, pipeline.settings.top_k)
    keyword = pipeline._keyword_index()
    got = pipeline.vectors.collection.get(include=["embeddings"])
    ids, matrix = got["ids"], np.asarray(got["embeddings"], dtype=np.float32)

    def exact_search(vector):
        scores = matrix @ vector
        top = np.argpartition(-scores, min(n, len(ids) - 1))[:n]
        return [ids[j] for j in top[np.argsort(-scores[top])]]

    watch = Stopwatch(("retrieve_total", "embed_query", "chroma_query", "bm25", "docstore", "numpy_exact_search"))
    overlap = []
    for q in questions:
        text = q["question"]
        watch.time("retrieve_total", pipeline.retrieve, text)
        vector = watch.time("embed_query", pipeline.embedder.embed_query, text)
        dense = watch.time("chroma_query", pipeline.vectors.query, vector, n, None)
        lexical = watch.time("bm25", keyword.search, text, n, None)
        watch.time("docstore", pipeline.docs.get_chunks, list({cid for cid, _ in dense + lexical}))
        exact = watch.time("numpy_exact_search", exact_search, vector)
        overlap.append(len(set(exact) & {cid for cid, _ in dense}) / max(1, len(exact)))
    split = watch.summary()
    split["hnsw_recall_vs_exact"] = round(statistics.fmean(overlap), 3)
    split["vectors"] = len(ids)
    split["vector_matrix_mb"] = round(matrix.nbytes / 1e6, 1)
    return split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--baseline-index", type=Path)
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    parser.add_argument("--limit-questions", type=int)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--systems", default="retrieve,ask,baseline")
    parser.add_argument("--no-stages", action="store_true")
    parser.add_argument("--label", default="", help="free text recorded with the result (e.g. 'full archive')")
    parser.add_argument("--out", type=Path, default=RESULTS / "query.json")
    args = parser.parse_args()

    questions = load_questions(args.questions, args.limit_questions)
    systems, pipeline = make_systems(args.index, args.baseline_index, args.systems.split(","))
    for system in systems.values():  # warm-up: models, BM25 load, Chroma segment files
        for q in questions[:10]:
            timed(system, q["question"])
    print(f"{len(questions)} questions × {args.runs} runs: {', '.join(systems)}", file=sys.stderr)
    single, first = sequential(systems, questions, args.runs)
    many = concurrent(systems, questions, args.runs, args.concurrency) if args.concurrency > 1 else {}
    result = {
        "benchmark": "query", "label": args.label, "index": str(args.index), "chunks": pipeline.docs.count_chunks(),
        "sources": len(pipeline.docs.hashes()),
        "questions": len(questions), "runs": args.runs, "ask_available": ask_available(),
        "single": single, "concurrent": many,
        "hit_rate": hit_rates(first, questions, set(pipeline.docs.hashes())),
        "rss_mb": {"peak": rss_mb(), "current": rss_mb(field="VmRSS")},
    }
    if "baseline" in single:
        result["ratio_ours_over_baseline"] = {
            f"{name}_{p}": round(single[name][p] / single["baseline"][p], 3)
            for name in ("retrieve", "ask") if name in single for p in ("p50", "p95")
        }
    if not args.no_stages:
        result["stages"] = stage_split(pipeline, questions)
    write_result(args.out, result)


if __name__ == "__main__":
    main()
