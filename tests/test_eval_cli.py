"""`rag eval` end to end: the gold set passes the gate, a broken answerer fails it, bad input is named."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from evals.cli import EXIT_ERROR, EXIT_GATE_FAILED, eval_command
from evals.runner import DEFAULT_QUESTIONS, load_questions
from rag.models import Answer, Citation

SOURCES = Path(__file__).resolve().parents[1] / "sources"


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer()
    app.command("eval")(eval_command)
    app.callback()(lambda: None)  # keep "eval" a subcommand, as it is under `rag`
    return app


def run(cli, *args: str):
    return CliRunner().invoke(cli, ["eval", *map(str, args)])


def write_questions(path: Path, ids: set[str] | None = None, unanswerable: bool | None = None) -> Path:
    lines = [
        q.model_dump_json(exclude_defaults=True)
        for q in load_questions(DEFAULT_QUESTIONS)
        if (ids is None or q.id in ids) and (unanswerable is None or q.unanswerable == unanswerable)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_malformed_questions_file_names_the_line_and_writes_no_report(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "question": "Who?", "unanswerable": true}\n{"id": "b", "question": 3}\n')
    result = run(cli, "--questions", questions, "--index", tmp_path / "index", "--report", tmp_path / "r.json")
    assert result.exit_code == EXIT_ERROR
    assert "line 2: question" in result.output
    assert not (tmp_path / "r.json").exists()


def test_an_empty_index_is_a_clear_error(cli, tmp_path):
    result = run(cli, "--index", tmp_path / "index", "--report", tmp_path / "r.json", "--junit", tmp_path / "r.xml")
    assert result.exit_code == EXIT_ERROR
    assert "index is empty" in result.output
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "r.xml").exists()


def test_reports_agree_with_the_exit_code(cli, seed_settings, seed_pipeline, tmp_path):
    picked = {"num-civilians", "follow-cpec-value", "data-fdi-fy25", "un-weather", "un-asof-before"}
    questions = write_questions(tmp_path / "q.jsonl", ids=picked)
    out = tmp_path / "reports"
    result = run(
        cli,
        "--questions",
        questions,
        "--index",
        seed_settings.index_dir,
        "--report",
        out / "eval.json",
        "--markdown",
        out / "eval.md",
        "--junit",
        out / "eval.xml",
    )
    report = json.loads((out / "eval.json").read_text())
    assert result.exit_code == (0 if report["gate"]["passed"] else EXIT_GATE_FAILED), result.output
    assert {r["id"] for r in report["results"]} == picked and report["summary"]["n"] == 5
    cases = ET.parse(out / "eval.xml").getroot().find("testsuite").findall("testcase")
    assert {c.get("name") for c in cases} == picked
    verdict = "passed" if report["gate"]["passed"] else "FAILED"
    markdown = (out / "eval.md").read_text()
    assert markdown.startswith(f"# rag eval: gate {verdict}")
    assert f"gate: {verdict}" in result.output
    # Recall@5 by tag, over each tag's answerable questions: in the JSON, the Markdown and the console.
    tags = {t for r in report["results"] for t in r["tags"]}
    summary = report["summary"]
    assert set(summary["recall_at_5_by_tag"]) == tags and set(summary["questions_by_tag"]) == tags
    for tag in tags:
        ranks = [r["retrieval_rank"] for r in report["results"] if tag in r["tags"] and r["answerable"]]
        recall = sum(rank is not None and rank <= 5 for rank in ranks) / len(ranks) if ranks else None
        assert summary["recall_at_5_by_tag"][tag] == recall
        assert summary["questions_by_tag"][tag] == sum(tag in r["tags"] for r in report["results"])
    assert "| tag | questions | passed | recall@5 |" in markdown
    assert "by tag" in result.output and "recall@5" in result.output


@pytest.mark.slow  # the CI gate runs this same command on every build; here it is opt-in
def test_the_gold_set_passes_the_gate(cli, seed_settings, seed_pipeline, tmp_path):
    result = run(cli, "--index", seed_settings.index_dir, "--report", tmp_path / "eval.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "eval.json").read_text())
    assert report["summary"]["n"] == len(load_questions(DEFAULT_QUESTIONS))


def test_an_answerer_that_always_refuses_fails_the_gate(cli, seed_settings, seed_pipeline, monkeypatch, tmp_path):
    from rag.pipeline import Pipeline

    def refuse(self, question, history=(), filters=None):
        return Answer(question=question, answer="I cannot answer that from the sources.", answerable=False)

    monkeypatch.setattr(Pipeline, "ask", refuse)
    result = run(cli, "--index", seed_settings.index_dir, "--junit", tmp_path / "eval.xml")
    assert result.exit_code == EXIT_GATE_FAILED
    assert "gate: FAILED" in result.output
    gate = ET.parse(tmp_path / "eval.xml").getroot().findall("testsuite")[1]
    failed = {c.get("name") for c in gate.findall("testcase") if c.find("failure") is not None}
    assert {"min_answer_accuracy", "max_false_refusal_rate"} <= failed


def test_an_answerer_that_never_refuses_fails_the_gate(cli, seed_settings, seed_pipeline, monkeypatch, tmp_path):
    from rag.pipeline import Pipeline

    real_ask = Pipeline.ask

    def always_answer(self, question, history=(), filters=None):
        answer = real_ask(self, question, history, filters)
        if answer.answerable:
            return answer
        hits = self.retrieve(question, filters, k=1) or self.retrieve(question, k=1)  # even outside the filters
        hit = hits[0].chunk  # cite the best passage, whatever it says
        quote = Citation(n=1, source_id=hit.source_id, title=hit.title, quote=hit.text, start=hit.start, end=hit.end, score=1.0)
        return answer.model_copy(update={"answerable": True, "answer": hit.text[:200] + " [1]", "citations": [quote]})

    monkeypatch.setattr(Pipeline, "ask", always_answer)
    questions = write_questions(tmp_path / "unanswerable.jsonl", unanswerable=True)
    result = run(cli, "--questions", questions, "--index", seed_settings.index_dir, "--report", tmp_path / "r.json")
    assert result.exit_code == EXIT_GATE_FAILED
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["refusal_accuracy"] == 0.0


def test_ingest_option_builds_the_index_first_and_options_override_thresholds(cli, tmp_path):
    questions = write_questions(tmp_path / "q.jsonl", ids={"data-fighters-date", "un-weather"})
    result = run(
        cli,
        "--questions",
        questions,
        "--index",
        tmp_path / "index",
        "--ingest",
        SOURCES / "datasets",
        "--min-accuracy",
        "1.0",
        "--min-refusal",
        "1.0",
        "--min-citation-support",
        "1.0",
    )
    assert "ingested: 1 added" in result.output
    assert result.exit_code in (0, EXIT_GATE_FAILED)
    assert "≥ 100.0%" in result.output  # the overrides, not thresholds.toml, are what was checked
