"""Write an `EvalReport` as JSON (machines), Markdown (people) and JUnit XML (CI systems).

Every writer replaces its file atomically, so a crash never leaves half a report behind.
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from evals.runner import EvalReport, QuestionResult, Summary

# summary field -> label; fractions print as percentages, latencies in ms
SUMMARY_ROWS = {
    "answer_accuracy": "Answer accuracy (answerable)",
    "lead_accuracy": "Answer accuracy, lead only",
    "lead_and_cited": "Right in the lead and cited",
    "lead_and_quoted": "Right in the lead, a quote holding it",
    "citation_support": "Citation support (correct answers)",
    "citation_precision": "Citation precision (all citations)",
    "refusal_accuracy": "Refusal accuracy (unanswerable)",
    "false_refusal_rate": "False-refusal rate (answerable)",
    "recall_at_1": "Retrieval recall@1",
    "recall_at_3": "Retrieval recall@3",
    "recall_at_5": "Retrieval recall@5",
    "recall_at_10": "Retrieval recall@10",
    "mrr": "Retrieval MRR (top 10)",
    "latency_p50_ms": "Latency p50",
    "latency_p95_ms": "Latency p95",
}


def format_value(field: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if field.endswith("_ms"):
        return f"{value:.0f} ms"
    if field == "mrr":
        return f"{value:.3f}"
    return f"{value:.1%}"


def by_tag(summary: Summary) -> list[tuple[str, int, str, str]]:
    """Per tag: its question count, the share passed and recall@5 over its answerable questions."""
    return [
        (tag, summary.questions_by_tag.get(tag, 0), format_value("pass_rate", rate),
         format_value("recall_at_5", summary.recall_at_5_by_tag.get(tag)))
        for tag, rate in summary.pass_rate_by_tag.items()
    ]


def failure_reason(result: QuestionResult) -> str | None:
    """Why a question failed, in one line; None when it passed."""
    if result.passed:
        return None
    if not result.answerable:
        if not result.refused:
            return "answered a question the sources do not answer"
        return f"refused, but cited {len(result.citations)} passage(s)"
    if result.refused:
        return "refused a question the sources answer"
    if not result.correct:
        return "the answer contains none of the expected answers"
    return "correct, but no cited quote contains an evidence string"


def to_json(report: EvalReport) -> str:
    return json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"


def _counts(summary: Summary) -> str:
    return (
        f"{summary.n} questions ({summary.n_answerable} answerable, {summary.n_unanswerable} unanswerable), {summary.n_citations} citations"
    )


def to_markdown(report: EvalReport) -> str:
    summary, bounds = report.summary, {c.metric: c for c in report.gate.checks}
    verdict = "passed" if report.gate.passed else "FAILED"
    lines = [f"# rag eval: gate {verdict}", "", _counts(summary), "", "| metric | value | gate |", "|---|---|---|"]
    for field, label in SUMMARY_ROWS.items():
        value, check = getattr(summary, field), bounds.get(field)
        gate = ""
        if check:
            sign = "≥" if check.kind == "min" else "≤"
            gate = f"{sign} {format_value(field, check.threshold)} " + ("ok" if check.passed else "**FAIL**")
        lines.append(f"| {label} | {format_value(field, value)} | {gate} |")
    if summary.pass_rate_by_tag:
        lines += ["", "| tag | questions | passed | recall@5 |", "|---|---|---|---|"]
        lines += [f"| {tag} | {n} | {passed} | {recall} |" for tag, n, passed, recall in by_tag(summary)]
    failures = [r for r in report.results if not r.passed]
    lines += ["", f"## Failures ({len(failures)})"]
    for r in failures:
        expected = " / ".join(f"`{a}`" for a in r.expected) if r.answerable else "a refusal with no citation"
        lines += [
            "",
            f"### {r.id}: {failure_reason(r)}",
            "",
            f"- **question:** {_inline(r.question)}",
            f"- **expected:** {expected}",
            f"- **got:** {'(refused) ' if r.refused else ''}{_inline(r.answer)}",
        ]
        if r.answerable:
            lines.append(f"- **evidence retrieved at rank:** {r.retrieval_rank or 'not in the top 10'}")
        lines += [f"- **[{c.n}]** {c.title}: “{_inline(c.quote)}”" for c in r.citations]
    return "\n".join(lines) + "\n"


def _inline(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def to_junit(report: EvalReport) -> str:
    """One testcase per question (suite rag-eval) and one per gate threshold (suite rag-eval-gate)."""
    root = ET.Element("testsuites", name="rag eval")
    questions = ET.SubElement(root, "testsuite", name="rag-eval", tests=str(len(report.results)))
    failed = 0
    for r in report.results:
        case = ET.SubElement(
            questions,
            "testcase",
            classname=f"evals.{r.tags[0] if r.tags else 'gold'}",
            name=r.id,
            time=f"{r.latency_ms / 1000:.3f}",
        )
        reason = failure_reason(r)
        if reason:
            failed += 1
            detail = [f"question: {r.question}", f"expected: {r.expected or 'a refusal with no citation'}", f"got: {r.answer}"]
            detail += [f"[{c.n}] {c.quote}" for c in r.citations]
            ET.SubElement(case, "failure", message=reason, type="EvalFailure").text = "\n".join(detail)
        ET.SubElement(case, "system-out").text = r.answer
    questions.set("failures", str(failed))
    gate = ET.SubElement(root, "testsuite", name="rag-eval-gate", tests=str(len(report.gate.checks)))
    for check in report.gate.checks:
        case = ET.SubElement(gate, "testcase", classname="evals.gate", name=f"{check.kind}_{check.metric}")
        if not check.passed:
            message = (
                f"{check.metric} = {format_value(check.metric, check.value)}, {check.kind} {format_value(check.metric, check.threshold)}"
            )
            ET.SubElement(case, "failure", message=message, type="GateFailure")
    gate.set("failures", str(len(report.gate.failures())))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(
    report: EvalReport, *, json_path: Path | None = None, markdown_path: Path | None = None, junit_path: Path | None = None
) -> None:
    for path, render in ((json_path, to_json), (markdown_path, to_markdown), (junit_path, to_junit)):
        if path is not None:
            write_atomic(path, render(report))
