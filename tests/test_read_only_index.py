"""An index on a read-only filesystem (a read-only bind mount; mounting needs root, as in CI) is served
and queried, and ingest into it is refused in one clear line."""

from __future__ import annotations

import subprocess

import pytest

from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.conftest import SOURCES
from tests.test_cli import rag


@pytest.fixture(scope="module")
def read_only_index(tmp_path_factory):
    built = tmp_path_factory.mktemp("rw")
    assert rag("ingest", str(SOURCES), "--index", str(built / "index")).returncode == 0
    view = tmp_path_factory.mktemp("ro")
    mounted = subprocess.run(["mount", "--bind", str(built), str(view)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.strip()}")
    subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
    yield view / "index"
    subprocess.run(["umount", "-l", str(view)], check=False)


def test_a_read_only_index_answers_questions(read_only_index):
    with pytest.raises(OSError):
        (read_only_index / "probe").write_text("x")  # really read-only
    answer = Pipeline(Settings(index_dir=read_only_index)).ask("Who did Pakistan blame for the attacks?")
    assert answer.answerable and "India" in answer.answer
    done = rag("ask", "Who did Pakistan blame for the attacks?", "--index", str(read_only_index))
    assert done.returncode == 0 and "India" in done.stdout, done.stderr


def test_ingest_into_a_read_only_index_is_one_clear_line(read_only_index):
    done = rag("ingest", str(SOURCES), "--index", str(read_only_index))
    assert done.returncode == 2 and "read-only" in done.stderr and "Traceback" not in done.stderr
