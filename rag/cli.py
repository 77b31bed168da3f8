"""`rag` command line: a thin shell over `rag.pipeline.Pipeline` (formatting and exit codes only)."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

import rag  # noqa: F401  (sets the offline environment before anything else loads)
from rag.errors import RagError
from rag.models import Filters, SkippedItem
from rag.settings import Settings

app = typer.Typer(help="Newsroom question answering with verified citations.", no_args_is_help=True, add_completion=False)
out = Console()
err = Console(stderr=True)

EXIT_ERROR = 2  # a clear, expected failure (bad input, missing path, Chroma unreachable)
EXIT_SKIPPED = 3  # ingest finished but skipped some files or lines
# Commands that write nothing: once they have printed, the process may end without tearing down the
# interpreter (see `main`).
READ_ONLY_COMMANDS = frozenset({"ask", "search", "sources"})

IndexOption = Annotated[Optional[Path], typer.Option("--index", help="Index directory (default: RAG_INDEX_DIR or ./index)")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text")]
AsOfOption = Annotated[Optional[str], typer.Option("--as-of", help="Only sources published on or before YYYY-MM-DD")]


def settings_for(index: Path | None) -> Settings:
    try:
        return Settings(index_dir=index) if index else Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
        fail(f"invalid configuration: {problems}")


def pipeline_for(index: Path | None):
    from rag.pipeline import Pipeline

    return Pipeline(settings_for(index))


def fail(message: str, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps({"error": {"message": message}}))
    else:
        err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(EXIT_ERROR)


def make_filters(as_of: str | None, sources: list[str] | None = None) -> Filters | None:
    if not as_of and not sources:
        return None
    try:
        return Filters(as_of=dt.date.fromisoformat(as_of) if as_of else None, sources=sources or None)
    except ValueError:
        raise RagError(f"--as-of must be a date like 2026-02-02, not {as_of!r}") from None


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders (default: sources/)")] = None,
    index: IndexOption = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove indexed sources not found under PATHS")] = False,
) -> None:
    """Add new and changed sources to the index (unchanged ones are skipped)."""
    try:
        pipeline = pipeline_for(index)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} sources"),
                      TimeElapsedColumn(), console=err, transient=True) as progress:
            task = progress.add_task("Ingesting", total=None)

            def on_progress(item) -> None:
                if isinstance(item, SkippedItem):
                    where = f"{item.path}:{item.line}" if item.line else item.path
                    progress.console.print(f"[yellow]skipped[/] {where}: {item.reason}", highlight=False)
                progress.advance(task)

            def on_wait(seconds: float) -> None:
                progress.console.print(
                    f"another `rag ingest` is writing to this index; waiting for it to finish ({seconds:.0f} s)", highlight=False
                )

            report = pipeline.ingest(paths or None, prune=prune, on_progress=on_progress, on_wait=on_wait)
    except RagError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        # Safe by design: committed sources stay, the next run reconciles and carries on.
        err.print("interrupted: sources committed so far are kept; run `rag ingest` again to finish")
        raise typer.Exit(130) from None
    out.print(
        f"added {report.added} · updated {report.updated} · unchanged {report.unchanged} · removed {report.removed} · "
        f"skipped {len(report.skipped)} · {report.chunks} chunks in the index ({report.chunks_written} written) · "
        f"{report.seconds:.1f} s"
    )
    if report.skipped:
        raise typer.Exit(EXIT_SKIPPED)


@app.command()
def search(
    question: str,
    index: IndexOption = None,
    k: Annotated[int, typer.Option("-k", help="How many chunks")] = 5,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the chunks hybrid retrieval finds for QUESTION, with scores and metadata."""
    try:
        window, _, hits = pipeline_for(index).search(question, make_filters(as_of), k=k)
    except RagError as exc:
        fail(str(exc), as_json)
    if as_json:
        print(json.dumps([h.model_dump(mode="json") for h in hits], ensure_ascii=False, indent=2))
        return
    if window is not None:
        out.print(f"Searched: {window.describe()}", highlight=False, markup=False)
    for rank, hit in enumerate(hits, 1):
        c = hit.chunk
        where = escape(f"{c.outlet or '?'} · {c.published or 'undated'} · {c.source_id} [{c.start}:{c.end}]")
        ranks = f"dense #{hit.dense_rank or '-'}, bm25 #{hit.keyword_rank or '-'}"
        out.print(f"[bold]{rank}.[/] {hit.score:.4f} ({ranks}) [cyan]{escape(c.title)}[/] · {where}", highlight=False)
        out.print("   " + " ".join(c.text.split())[:300], highlight=False, markup=False)


@app.command()
def sources(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """List what is indexed."""
    try:
        listed = pipeline_for(index).sources()
    except RagError as exc:
        fail(str(exc), as_json)
    if as_json:
        print(json.dumps([s.model_dump(mode="json") for s in listed], ensure_ascii=False, indent=2))
        return
    for s in listed:
        details = escape(f"{s.outlet or '?'} · {s.published or 'undated'} · {s.kind} · {s.chunks} chunks")
        out.print(f"{escape(s.source_id)}  [cyan]{escape(s.title)}[/] · {details}", highlight=False)
    out.print(f"{len(listed)} sources, {sum(s.chunks for s in listed)} chunks")


@app.command()
def ask(
    question: str,
    index: IndexOption = None,
    as_json: JsonOption = False,
    as_of: AsOfOption = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only this source id (repeatable)")] = None,
) -> None:
    """Answer QUESTION from the indexed sources, with numbered citations."""
    try:
        answer = pipeline_for(index).ask(question, filters=make_filters(as_of, source))
    except RagError as exc:
        fail(str(exc), as_json)
    if as_json:
        print(answer.model_dump_json(indent=2))
        return
    out.print(answer.answer, highlight=False, markup=False)
    if answer.window is not None:
        out.print(f"Searched: {answer.window.describe()}", highlight=False, markup=False)
    for c in answer.citations:
        link = f" · {c.url}" if c.url else ""
        out.print(f"  [{c.n}] {c.title} · {c.outlet or '?'} · {c.published or 'undated'}{link}", highlight=False, markup=False)
        out.print(f"      “{' '.join(c.quote.split())}”", highlight=False, markup=False)
    if not answer.answerable and answer.related:
        out.print("Closest passages:", highlight=False)
        for p in answer.related[:3]:
            out.print(f"  - {p.title}: {' '.join(p.text.split())[:200]}", highlight=False, markup=False)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Bind address (default RAG_HOST or 127.0.0.1)")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default RAG_PORT or 8000)")] = None,
    index: IndexOption = None,
    slack_socket: Annotated[bool, typer.Option("--slack-socket", help="Also connect the Slack bot over Socket Mode, "
                                                "for servers without a public URL (README: Slack bot)")] = False,
) -> None:
    """Serve the chat UI and the HTTP API (and the Slack bot, when configured)."""
    import uvicorn

    from rag.api.app import server_config
    from ui.server import build_app

    settings = settings_for(index)
    host, port = host or settings.host, port or settings.port
    try:
        application = build_app(settings, host=host, slack_socket=slack_socket)
    except RagError as exc:
        fail(str(exc))
    uvicorn.Server(server_config(application, settings, host, port)).run()


feedback_app = typer.Typer(help="Editors' ratings of answers (Slack buttons, the chat, POST /v1/feedback).",
                           no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    out_path: Annotated[Path, typer.Option("--out", help="Where to write the candidates (JSON lines)")],
    index: IndexOption = None,
) -> None:
    """Write answers flagged 👎 or "wrong" as gold-question candidates: fill in `answers` and `evidence`."""
    from evals.flagged import flagged_candidates, write_candidates
    from rag.feedback import FeedbackStore

    settings = settings_for(index)
    if not settings.docstore_path.exists():
        fail(f"no index at {settings.index_dir}: nothing has been answered or rated there")
    store = FeedbackStore(settings.docstore_path)
    try:
        candidates = flagged_candidates(store.flagged())
    finally:
        store.close()
    write_candidates(candidates, out_path)
    out.print(f"{len(candidates)} flagged answers written to {escape(str(out_path))}: fill in each one's "
              "`answers` and `evidence` (or set `unanswerable`), then add it to a gold file", highlight=False)


def _register_eval() -> None:
    # The eval suite is a separate package (evals/); the CLI only mounts its command.
    from evals.cli import eval_command

    app.command("eval", help="Run the gold question set through ask() and gate on factuality metrics.")(eval_command)


_register_eval()


def main() -> None:
    """The `rag` console script. A read-only command ends with `os._exit` once its output is flushed:
    freeing the modules spaCy, Chroma and llama-index loaded takes ~0.5 s of a cold `rag ask` (about a
    sixth), and such a command has nothing left to write. Every other command exits normally."""
    try:
        app()
    except SystemExit as done:
        code = 0 if done.code is None else done.code
        if sys.argv[1:2] and sys.argv[1] in READ_ONLY_COMMANDS and isinstance(code, int):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        raise
