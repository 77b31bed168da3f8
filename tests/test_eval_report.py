"""The JSON, Markdown and JUnit reports say what happened, question by question."""

import json
import xml.etree.ElementTree as ET

import pytest

from evals.gate import Thresholds, check_gate
from evals.report import failure_reason, to_json, to_junit, to_markdown, write_reports
from evals.runner import EvalReport, QuestionResult, summarise
from rag.models import Citation


def result(id, *, answerable=True, correct=True, supported=True, refused=False, quotes=(), answer="India.") -> QuestionResult:
    citations = [Citation(n=n, source_id="s", title="Seed", quote=q, start=0, end=len(q), score=1.0) for n, q in enumerate(quotes, 1)]
    return QuestionResult(
        id=id,
        question=f"question {id}?",
        answer=answer,
        answerable=answerable,
        expected=["India"] if answerable else [],
        citations=citations,
        correct=correct,
        correct_in_lead=correct if answerable else None,
        supported=supported if answerable else None,
        refused=refused,
        precise_citations=len(quotes),
        retrieval_rank=1 if answerable else None,
        latency_ms=120.0,
        passed=correct and supported is not False if answerable else correct,
        tags=["person"] if answerable else ["unanswerable"],
    )


@pytest.fixture
def report() -> EvalReport:
    results = [
        result("ok", quotes=["India is behind these attacks"]),
        result("wrong", correct=False, supported=False, answer="Afghanistan.", quotes=["Afghanistan | border"]),
        result("cheeky", answerable=False, correct=False, refused=False, answer="In 1970.", quotes=["founded in 1970"]),
        result("declined", answerable=False, correct=True, refused=True, answer="I cannot answer that."),
    ]
    summary = summarise(results)
    return EvalReport(summary=summary, gate=check_gate(summary, Thresholds(min_accuracy=0.9, min_refusal=0.5)), results=results)


def test_failure_reasons_name_what_went_wrong():
    assert failure_reason(result("ok")) is None
    assert failure_reason(result("r", correct=False, refused=True, supported=False)) == "refused a question the sources answer"
    assert failure_reason(result("w", correct=False, supported=False)) == "the answer contains none of the expected answers"
    assert failure_reason(result("u", supported=False)) == "correct, but no cited quote contains an evidence string"
    assert failure_reason(result("a", answerable=False, correct=False)) == "answered a question the sources do not answer"
    assert failure_reason(result("c", answerable=False, correct=False, refused=True, quotes=["x"])) == "refused, but cited 1 passage(s)"


def test_json_report_has_the_summary_and_every_result(report):
    data = json.loads(to_json(report))
    assert data["summary"]["n"] == 4 and data["summary"]["answer_accuracy"] == 0.5
    assert data["gate"]["passed"] is False
    first = data["results"][0]
    for key in ("id", "question", "answer", "answerable", "citations", "correct", "supported", "refused", "retrieval_rank", "latency_ms"):
        assert key in first
    assert first["citations"][0]["quote"] == "India is behind these attacks"


def test_markdown_shows_the_gate_then_each_failure_with_its_quotes(report):
    text = to_markdown(report)
    assert text.startswith("# rag eval: gate FAILED")
    assert "| Answer accuracy (answerable) | 50.0% | ≥ 90.0% **FAIL** |" in text
    assert "| Refusal accuracy (unanswerable) | 50.0% | ≥ 50.0% ok |" in text
    assert "## Failures (2)" in text
    assert "### wrong: the answer contains none of the expected answers" in text
    assert "- **expected:** `India`" in text and "- **got:** Afghanistan." in text
    assert "“Afghanistan \\| border”" in text  # a pipe in a quote cannot break the table syntax
    assert "### cheeky: answered a question the sources do not answer" in text
    assert "### ok" not in text and "### declined" not in text


def test_markdown_and_json_give_questions_pass_rate_and_recall_at_5_by_tag():
    missed = result("missed", correct=False, supported=False).model_copy(update={"retrieval_rank": 7, "tags": ["person", "time-relative"]})
    found = result("found").model_copy(update={"tags": ["person", "time-relative"]})
    refusal = result("declined", answerable=False, correct=True, refused=True)
    summary = summarise([missed, found, refusal])
    assert summary.recall_at_5_by_tag == {"person": 0.5, "time-relative": 0.5, "unanswerable": None}
    report = EvalReport(summary=summary, gate=check_gate(summary, Thresholds()), results=[missed, found, refusal])
    text = to_markdown(report)
    assert "| tag | questions | passed | recall@5 |" in text
    assert "| time-relative | 2 | 50.0% | 50.0% |" in text and "| unanswerable | 1 | 100.0% | n/a |" in text
    data = json.loads(to_json(report))["summary"]  # the same numbers, for machines
    assert data["questions_by_tag"] == {"person": 2, "time-relative": 2, "unanswerable": 1}
    assert data["pass_rate_by_tag"] == {"person": 0.5, "time-relative": 0.5, "unanswerable": 1.0}
    assert data["recall_at_5_by_tag"] == {"person": 0.5, "time-relative": 0.5, "unanswerable": None}


def test_junit_has_one_case_per_question_and_one_per_threshold(report):
    root = ET.fromstring(to_junit(report))
    questions, gate = root.findall("testsuite")
    assert [c.get("name") for c in questions.findall("testcase")] == ["ok", "wrong", "cheeky", "declined"]
    assert questions.get("failures") == "2"
    failed = {c.get("name"): c.find("failure").get("message") for c in questions.findall("testcase") if c.find("failure") is not None}
    assert failed == {
        "wrong": "the answer contains none of the expected answers",
        "cheeky": "answered a question the sources do not answer",
    }
    assert [(c.get("name"), c.find("failure") is not None) for c in gate.findall("testcase")] == [
        ("min_answer_accuracy", True),
        ("min_refusal_accuracy", False),
    ]


def test_writers_create_folders_and_leave_no_temp_files(report, tmp_path):
    paths = {"json_path": tmp_path / "a" / "r.json", "markdown_path": tmp_path / "b" / "r.md", "junit_path": tmp_path / "r.xml"}
    write_reports(report, **paths)
    assert all(p.exists() for p in paths.values())
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["r.json", "r.md", "r.xml"]
