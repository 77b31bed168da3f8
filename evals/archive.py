"""The archive gold set: questions written over articles of the shared news archive, split dev / test.

    python -m evals.archive show 5844c852f4be8f0b            # an article's cleaned text, as ingest sees it
    python -m evals.archive check evals/archive/dev.jsonl    # the checks tests/test_gold_archive.py runs
    python -m evals.archive subset evals/archive/*.jsonl --out build/archive-subset.jsonl

The archive itself (`../shared/corpora/news-archive.jsonl.gz`, 2,960 articles) is never committed; CI
ingests only the articles the questions were written from (`subset`), which takes a minute or two.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from evals import metrics
from evals.runner import GoldQuestion, load_questions

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "corpora" / "news-archive.jsonl.gz"
GOLD_DIR = Path(__file__).parent / "archive"
SPLITS = ("dev", "test")
COPIED_RUN = 4  # a question may not copy this many consecutive words of its evidence sentence
_WORD = re.compile(r"[\w’']+")
_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+|\n")
_SMALL_WORDS = frozenset("a an the of and in on at for to by de la".split())


def read_archive(path: Path = ARCHIVE) -> dict[str, dict]:
    """Archive records by id, exactly as stored."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {record["id"]: record for record in map(json.loads, handle) if record.get("id")}


def cleaned_text(record: dict) -> str:
    """The text ingest stores for a record (control characters and page debris removed)."""
    from rag.sources import source_from_record

    return source_from_record(record, "archive", 0).text


def evidence_sentence(text: str, evidence: str) -> str:
    """The sentence(s) of `text` that hold `evidence`."""
    at = text.find(evidence)
    if at < 0:
        return ""
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text) if m.end() <= at]
    ends = [m.start() for m in _SENTENCE_END.finditer(text, at + len(evidence))]
    return text[starts[-1] : ends[0] if ends else len(text)]


def copied_run(question: str, sentence: str, n: int = COPIED_RUN) -> str | None:
    """A run of `n` words the question copies from the sentence, if any. A run that is a proper name
    ("Office of the State Courts") is not copying: a journalist names things by their names."""
    words = _WORD.findall(question)
    target = " " + " ".join(w.lower() for w in _WORD.findall(sentence)) + " "
    for i in range(len(words) - n + 1):
        run = words[i : i + n]
        if f" {' '.join(w.lower() for w in run)} " not in target:
            continue
        if all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _SMALL_WORDS for w in run):
            continue
        return " ".join(run)
    return None


def problems(questions: Iterable[GoldQuestion], texts: dict[str, str]) -> list[str]:
    """Everything wrong with a gold file: one line per problem, naming the question."""
    out = []
    for q in questions:
        if not q.sources:
            out.append(f"{q.id}: names no source article")
            continue
        missing = [s for s in q.sources if s not in texts]
        if missing:
            out.append(f"{q.id}: unknown article id(s) {missing}")
            continue
        for e in q.evidence:
            holder = next((texts[s] for s in q.sources if e in texts[s]), None)
            if holder is None:
                out.append(f"{q.id}: evidence not verbatim in the cleaned text: {e!r}")
                continue
            run = copied_run(q.question, evidence_sentence(holder, e))
            if run:
                out.append(f"{q.id}: question copies {run!r} from its evidence sentence")
        yes_no = {metrics.normalise(a) for a in q.answers} <= {"yes", "no"}  # the evidence states it, not the word
        if q.evidence and not yes_no and not any(metrics.contains(e, q.answers) for e in q.evidence):
            out.append(f"{q.id}: no answer is inside an evidence string")
    return out


def split_of(path: Path) -> str:
    return path.stem


def _show(args) -> int:
    records = read_archive(args.archive)
    for article_id in args.ids:
        record = records.get(article_id)
        if record is None:
            print(f"no article {article_id}", file=sys.stderr)
            return 2
        print(f"# {record['id']} · {record.get('outlet')} · published {record.get('published')}\n# {record.get('title')}\n")
        print(cleaned_text(record))
    return 0


def _check(args) -> int:
    records = read_archive(args.archive)
    texts = {i: cleaned_text(r) for i, r in records.items()}
    found = []
    for path in args.files:
        found += [f"{path.name}: {p}" for p in problems(load_questions(path), texts)]
    print("\n".join(found) or "ok")
    return 1 if found else 0


def _subset(args) -> int:
    wanted = {s for path in args.files for q in load_questions(path) for s in q.sources}
    records = read_archive(args.archive)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for article_id in sorted(wanted):
            out.write(json.dumps(records[article_id], ensure_ascii=False) + "\n")
    print(f"{len(wanted)} articles -> {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.archive", description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="news-archive.jsonl.gz")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print articles' cleaned text")
    show.add_argument("ids", nargs="+")
    show.set_defaults(run=_show)
    check = commands.add_parser("check", help="validate gold files against the archive")
    check.add_argument("files", nargs="+", type=Path)
    check.set_defaults(run=_check)
    subset = commands.add_parser("subset", help="write the articles the gold files use as a .jsonl collection")
    subset.add_argument("files", nargs="+", type=Path)
    subset.add_argument("--out", type=Path, required=True)
    subset.set_defaults(run=_subset)
    args = parser.parse_args(argv)
    if not args.archive.exists():
        print(f"error: the shared news archive is not at {args.archive} (pass --archive PATH, or ARCHIVE=PATH to make)", file=sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
