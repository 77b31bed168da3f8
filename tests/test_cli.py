"""The `rag` console script, run as a user runs it (a real subprocess)."""

import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

RAG = shutil.which("rag") or str(Path(sys.executable).parent / "rag")
# The console script imports the installed checkout; PYTHONPATH makes it run this one (a worktree too).
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def rag(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([RAG, *args], capture_output=True, text=True, cwd=cwd, timeout=300, env=ENV)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("cli-index")
    done = rag("ingest", "sources", "--index", str(index))
    assert done.returncode == 0, done.stderr
    assert "added 2 · updated 0 · unchanged 0 · removed 0 · skipped 0 · 26 chunks" in done.stdout
    return index


def test_reingest_reports_unchanged(cli_index):
    done = rag("ingest", "--index", str(cli_index))
    assert done.returncode == 0
    assert "added 0 · updated 0 · unchanged 2" in done.stdout


def test_search_ranks_the_blame_quote_in_the_top_3(cli_index):
    done = rag("search", "who did Pakistan blame for the attacks?", "--index", str(cli_index), "-k", "3", "--json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    assert len(hits) == 3
    assert any("India is behind these attacks" in h["chunk"]["text"] for h in hits)


def test_ask_prints_the_window_its_time_words_searched(cli_index):
    done = rag("ask", "Who did Pakistan blame for the attacks this week?", "--index", str(cli_index), "--as-of", "2026-02-03")
    assert done.returncode == 0, done.stderr
    assert 'Searched: articles published 2026-01-26 – 2026-02-03 (from "this week")' in done.stdout
    assert "India" in done.stdout


def test_sources_lists_what_is_indexed(cli_index):
    listed = json.loads(rag("sources", "--index", str(cli_index), "--json").stdout)
    assert {(s["source_id"], s["chunks"]) for s in listed} == {
        ("balochistan-attacks-pakistan-promises", 10),
        ("balochistan-figures", 16),
    }
    assert "2 sources, 26 chunks" in rag("sources", "--index", str(cli_index)).stdout


def test_missing_path_is_one_clear_line_without_traceback(tmp_path):
    done = rag("ingest", str(tmp_path / "nope"), "--index", str(tmp_path / "i"))
    assert done.returncode == 2
    assert "no such file or directory" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_unreachable_chroma_server_is_one_clear_line(cli_index):
    done = subprocess.run(  # an index whose docstore has chunks, its vectors said to be on a server that is not there
        [RAG, "search", "who?", "--index", str(cli_index)], capture_output=True, text=True, cwd=ROOT, timeout=120,
        env={**ENV, "RAG_CHROMA_URL": "http://127.0.0.1:9"},
    )
    assert done.returncode == 2
    assert "cannot reach the Chroma server (RAG_CHROMA_URL)" in done.stderr
    assert "Traceback" not in done.stderr


def test_skipped_files_are_named_and_change_the_exit_code(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "good.txt").write_text("The port of Gwadar is on the Arabian Sea.")
    (folder / "bad.jsonl").write_text('{"id": "x", "text": "fine"}\n{oops\n')
    done = rag("ingest", str(folder), "--index", str(tmp_path / "i"))
    assert done.returncode == 3
    assert "bad.jsonl:2" in done.stderr
    assert "added 2" in done.stdout


def test_bad_as_of_date_is_a_clear_error(cli_index):
    done = rag("search", "attacks", "--index", str(cli_index), "--as-of", "yesterday")
    assert done.returncode == 2 and "--as-of must be a date" in done.stderr


def test_a_second_ingest_says_it_waits_for_the_first(tmp_path):
    from rag.ingest import ingest_lock

    index = tmp_path / "index"
    with ingest_lock(index):  # the first ingest, still writing
        second = subprocess.Popen([RAG, "ingest", str(ROOT / "sources"), "--index", str(index)], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said, _, _ = select.select([second.stderr], [], [], 120)
        waiting = second.stderr.readline() if said else "(nothing said in 120 s)"
        if not said:
            second.kill()
        assert "another `rag ingest` is writing to this index; waiting" in waiting
    out, _ = second.communicate(timeout=300)
    assert second.returncode == 0 and "added 2" in out


def test_feedback_export_writes_flagged_answers_only(cli_index, tmp_path):
    out = tmp_path / "candidates.jsonl"
    done = rag("feedback", "export", "--index", str(cli_index), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "0 flagged answers written" in done.stdout and out.read_text() == ""  # nothing rated yet
    missing = rag("feedback", "export", "--index", str(tmp_path / "nope"), "--out", str(out))
    assert missing.returncode == 2 and "no index at" in missing.stderr


def test_the_first_ingest_prints_no_library_debug_lines(tmp_path):
    # A fresh model cache makes this the very first run, which derives the quantised model.
    done = subprocess.run([RAG, "ingest", "sources", "--index", str(tmp_path / "i")], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, env={**ENV, "RAG_MODEL_CACHE_DIR": str(tmp_path / "models")})
    assert done.returncode == 0, done.stderr
    assert "DEBUG" not in done.stdout + done.stderr


def test_make_run_serves_on_the_port_the_settings_name(monkeypatch):
    # `make run` must leave host and port to the settings (RAG_PORT in the environment or .env) ...
    planned = subprocess.run(["make", "-n", "run"], capture_output=True, text=True, cwd=ROOT, timeout=60,
                             env={**ENV, "RAG_PORT": "8125"})
    serve = next(line for line in planned.stdout.splitlines() if "rag serve" in line)
    assert "--port" not in serve and "--host" not in serve
    # ... which `rag serve` reads
    from rag.settings import Settings

    monkeypatch.setenv("RAG_PORT", "8125")
    assert Settings(_env_file=None).port == 8125
    # ... unless the command line says otherwise.
    given = subprocess.run(["make", "-n", "run", "PORT=9001"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert "--port 9001" in given.stdout
