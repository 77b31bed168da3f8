"""The benchmark scripts run end to end on a tiny archive and write a BENCHMARKS.md that reports them.

No timing assertions: this only proves the scripts work (so a full run is not the first time they run).
Slow (2-10 min: it starts servers and several worker processes), so it runs in CI (`.ci/run`), not `make test`.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARCHIVE, ROOT

BENCH = ROOT / "bench"
pytestmark = pytest.mark.slow


def tiny_archive(dest: Path, articles: int = 6, chars: int = 1200) -> Path:
    """The archive's first articles, cut short so each makes one or two chunks."""
    records = []
    with gzip.open(ARCHIVE, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            records.append({**record, "text": record["text"][:chars]})
            if len(records) == articles:
                break
    with gzip.open(dest, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in records)
    return dest


def run(script: str, *args: object) -> None:
    done = subprocess.run([sys.executable, str(BENCH / script), *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]


@pytest.mark.skipif(not ARCHIVE.exists(), reason="needs ../shared/corpora/news-archive.jsonl.gz")
def test_run_all_on_a_tiny_archive_writes_every_section(tmp_path):
    archive = tiny_archive(tmp_path / "tiny.jsonl.gz")
    questions = tmp_path / "questions.jsonl"
    run("make_questions.py", "--archive", archive, "--out", questions, "--answerable", 4, "--unanswerable", 2)
    lines = [json.loads(line) for line in questions.read_text().splitlines()]
    assert sum(q["answerable"] for q in lines) >= 3 and sum(not q["answerable"] for q in lines) == 2

    results, markdown = tmp_path / "results", tmp_path / "BENCHMARKS.md"
    run("run_all.py", "--archive", archive, "--questions", questions, "--stores", "embedded", "--ingest-runs", 1,
        "--scale", 6, "--runs", 1, "--cold-runs", 1, "--results", results, "--markdown", markdown)

    ingest = json.loads((results / "ingest.json").read_text())
    ours = next(r for r in ingest["runs"] if r["system"] == "ours-embedded")
    base = next(r for r in ingest["runs"] if r["system"] == "baseline")
    assert ours["chunks"] == base["chunks"] > 0  # same loader and splitter: same chunks
    assert ours["unchanged_written"] == 0 and ours["changed_updated"] == 1
    full = json.loads((results / "full_ingest.json").read_text())
    assert full["fresh"]["chunks_written"] == ours["chunks"] and full["fresh"]["peak_rss_mb"] > 0
    assert full["unchanged"]["unchanged"] == full["articles"] and full["unchanged"]["chunks_written"] == 0
    query = json.loads((results / "query.json").read_text())
    assert query["single"]["retrieve"]["n"] == len(lines) and query["single"]["baseline"]["errors"] == 0
    assert json.loads((results / "http.json").read_text())["single"]["n"] == len(lines)

    report = markdown.read_text()
    sections = ("## Targets", "## Full-archive ingest", "## Ingest",
                "## Scale curve", "## Query latency, in process", "## Query latency over HTTP", "## Cold start")
    for section in sections:
        assert section in report
    assert "Not run here" not in report
    assert "a subset, not the full archive" in report  # a small run never claims full-archive figures


def test_the_retrieval_studies_run_on_a_gold_split(seed_pipeline, seed_settings, tmp_path):
    """bench/fusion_grid.py and bench/time_recall.py over the seed index and its gold questions."""
    questions = ROOT / "evals" / "questions.jsonl"
    grid, recall = tmp_path / "fusion.json", tmp_path / "time_recall.json"
    run("fusion_grid.py", "--index", seed_settings.index_dir, "--questions", questions, "--out", grid)
    run("time_recall.py", "--index", seed_settings.index_dir, "--questions", questions, "--out", recall)
    fitted = json.loads(grid.read_text())
    assert len(fitted["grid"]) == 20 and fitted["grid"][0]["mrr"] >= max(r["mrr"] for r in fitted["grid"])
    study = json.loads(recall.read_text())
    assert study["summary"]["all"]["questions"] == fitted["answerable"] > 0
    assert 0 < study["summary"]["all"]["window"]["recall@5"] <= 1
