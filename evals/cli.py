"""`rag eval`: a thin shell over evals.runner (argument parsing, progress bar, files, exit codes).

Registered by rag/cli.py as `app.command("eval")(eval_command)`.
Exit codes: 0 the gate passed, 1 a threshold was missed, 2 bad input (questions, thresholds, index).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from evals.gate import DEFAULT_THRESHOLDS, ThresholdsError, load_thresholds
from evals.report import SUMMARY_ROWS, by_tag, format_value, write_reports
from evals.runner import DEFAULT_QUESTIONS, EvalReport, GoldSetError, load_questions, run_eval
from rag.errors import RagError

EXIT_GATE_FAILED = 1
EXIT_ERROR = 2

out = Console()
err = Console(stderr=True)

_FRACTION = {"min": 0.0, "max": 1.0}  # typer range check for the --min-* options


def make_pipeline(index: Path | None):
    """Built exactly as every other caller builds it, so the eval measures the real ask()."""
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    return Pipeline(Settings(index_dir=index) if index else Settings())


def eval_command(
    questions: Annotated[Path, typer.Option("--questions", help="Gold questions, one JSON object per line")] = DEFAULT_QUESTIONS,
    index: Annotated[Optional[Path], typer.Option("--index", help="Index directory (default: RAG_INDEX_DIR or ./index)")] = None,
    ingest: Annotated[Optional[list[Path]], typer.Option("--ingest", help="Ingest these files or folders first (repeatable)")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write the JSON report here")] = None,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="Write a Markdown summary and failures here")] = None,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Write JUnit XML (one test case per question) here")] = None,
    thresholds_file: Annotated[
        Path, typer.Option("--thresholds", help="Gate thresholds (TOML, table [gate])")
    ] = DEFAULT_THRESHOLDS,
    min_accuracy: Annotated[Optional[float], typer.Option("--min-accuracy", **_FRACTION, help="Override the accuracy gate")] = None,
    min_citation_support: Annotated[
        Optional[float], typer.Option("--min-citation-support", **_FRACTION, help="Override the citation-support gate")
    ] = None,
    min_refusal: Annotated[Optional[float], typer.Option("--min-refusal", **_FRACTION, help="Override the refusal-accuracy gate")] = None,
) -> None:
    """Run the gold questions through ask() and fail when a metric misses its threshold (evals/thresholds.toml)."""
    try:
        overrides = {"min_accuracy": min_accuracy, "min_citation_support": min_citation_support, "min_refusal": min_refusal}
        thresholds = load_thresholds(thresholds_file).model_copy(update={k: v for k, v in overrides.items() if v is not None})
        gold = load_questions(questions)
        pipeline = make_pipeline(index)
        if ingest:
            done = pipeline.ingest(ingest)
            err.print(
                f"ingested: {done.added} added, {done.updated} updated, {done.unchanged} unchanged, "
                f"{len(done.skipped)} skipped, {done.chunks} chunks"
            )
        with Progress(
            TextColumn("Evaluating"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("", total=len(gold))
            result = run_eval(pipeline, gold, thresholds, on_result=lambda r: progress.update(task, advance=1, description=r.id))
    except (GoldSetError, ThresholdsError, RagError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    print_summary(result)
    try:
        write_reports(result, json_path=report, markdown_path=markdown, junit_path=junit)
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot write a report: {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    if not result.gate.passed:
        raise typer.Exit(EXIT_GATE_FAILED)


def print_summary(result: EvalReport) -> None:
    s, checks = result.summary, {c.metric: c for c in result.gate.checks}
    table = Table(title=f"rag eval · {s.n} questions ({s.n_answerable} answerable, {s.n_unanswerable} unanswerable)")
    for column in ("metric", "value", "gate"):
        table.add_column(column)
    for field, label in SUMMARY_ROWS.items():
        check = checks.get(field)
        gate = ""
        if check:
            sign = "≥" if check.kind == "min" else "≤"
            gate = f"{sign} {format_value(field, check.threshold)} " + ("[green]ok[/]" if check.passed else "[bold red]FAIL[/]")
        table.add_row(label, format_value(field, getattr(s, field)), gate)
    out.print(table)
    if s.pass_rate_by_tag:
        tags = Table(title="by tag")
        for column in ("tag", "questions", "passed", "recall@5"):
            tags.add_column(column)
        for row in by_tag(s):
            tags.add_row(*(escape(str(cell)) for cell in row))
        out.print(tags)
    failed = [r.id for r in result.results if not r.passed]
    listed = f": {', '.join(failed)}" if failed else ""
    out.print(escape(f"{len(failed)} of {s.n} questions failed{listed}"), highlight=False, soft_wrap=True)
    out.print("gate: " + ("[green]passed[/]" if result.gate.passed else "[bold red]FAILED[/]"))
