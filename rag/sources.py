"""Load curated sources from disk into `Source` objects: articles (txt, md, html, jsonl[.gz]) and
datasets (csv, json). Bad files are skipped with a `SkippedItem` naming the file and line; the rest load.

Files come from reporters, scrapers and wire feeds, so nothing in them is trusted: a file (or one
collection record) over `max_bytes` is skipped before it is read, control characters are removed (they
would reach terminals and Slack), every text (article, cell, metadata) is normalised like a question
(`rag.cleaning.normalise_text`), and malformed JSON or metadata of the wrong type skips that file or line
instead of stopping the whole ingest.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from rag.cleaning import clean_text, normalise_text
from rag.models import Cell, Row, SkippedItem, Source
from rag.names import defined_acronyms

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
COLLECTION_SUFFIXES = (".jsonl", ".jsonl.gz")
DATASET_SUFFIXES = (".csv", ".json")
SIDECAR_SUFFIX = ".meta.json"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024  # Settings.max_source_bytes; the largest archive record is ~100 kB
MAX_SIDECAR_BYTES = 1024 * 1024
# C0/C1 control characters other than tab and newlines: terminal escape sequences, bells, NULs.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")  # ANSI CSI, OSC, 2-byte
_LINE_BREAKS = re.compile(r"[\x0b\x0c\x1c-\x1e\x85]")  # vertical tab, form feed, separators: a new line


class LoadProblem(Exception):
    """One file (or line) cannot be loaded; carries the reason shown to the user."""


def slugify(value: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
    return slug[:120] or hashlib.sha1(value.encode()).hexdigest()[:16]


def content_hash(text: str, meta: dict) -> str:
    payload = json.dumps({"text": text, "meta": meta}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def parse_date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        from dateutil import parser

        return parser.parse(text).date()
    except (ValueError, OverflowError, ImportError):
        return None


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (SIDECAR_SUFFIX, ".jsonl.gz"):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _stem(path: Path) -> str:
    return path.name[: -len(_suffix(path))] if _suffix(path) else path.name


def without_controls(text: str) -> str:
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", _ESCAPE_SEQUENCE.sub("", text)))


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise LoadProblem("file is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadProblem("UTF-16 text: save it as UTF-8")
    if b"\x00" in raw:
        raise LoadProblem("binary file (contains NUL bytes)")
    try:
        return without_controls(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise LoadProblem(f"not valid UTF-8 (byte {exc.start})") from None


def parse_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadProblem(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except RecursionError:
        raise LoadProblem("invalid JSON: nested too deeply") from None


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def _sidecar(path: Path) -> dict:
    sidecar = path.with_name(_stem(path) + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
        raise LoadProblem(f"sidecar {sidecar.name} is larger than {_size(MAX_SIDECAR_BYTES)}")
    try:
        data = parse_json(read_text(sidecar))
    except LoadProblem as exc:
        raise LoadProblem(f"sidecar {sidecar.name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LoadProblem(f"sidecar {sidecar.name} must hold a JSON object")
    return data


def _authors(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [a.strip() for a in re.split(r",| and ", value) if a.strip()]
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise LoadProblem("metadata field 'authors' must be text or a list of text")
    return [a.strip() for a in value if a.strip()]


def _meta_text(meta: dict, *keys: str) -> str | None:
    """The first of `keys` that is set, as text; a list or object there is a mistake worth reporting."""
    for key in keys:
        value = meta.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
            raise LoadProblem(f"metadata field {key!r} must be text, not {type(value).__name__}")
        return normalise_text(without_controls(str(value))).strip() or None
    return None


def make_source(*, source_id: str, kind: str, text: str, meta: dict, path: str, rows=None) -> Source:
    if not text.strip():
        raise LoadProblem("no text left after cleaning")
    fields = {
        "title": _meta_text(meta, "title") or source_id,
        "outlet": _meta_text(meta, "outlet", "sitename"),
        "url": _meta_text(meta, "url"),
        "published": parse_date(_meta_text(meta, "published", "date")),
        "authors": _authors(meta.get("authors") or meta.get("author")),
    }
    return Source(
        source_id=source_id,
        kind=kind,
        text=text,
        path=path,
        rows=rows or [],
        aliases=defined_acronyms(text),
        content_hash=content_hash(text, fields),
        **fields,
    )


def _load_article(path: Path, rel: str) -> Source:
    raw = read_text(path)
    meta: dict = {}
    suffix = _suffix(path)
    if suffix in (".md", ".markdown"):
        import frontmatter

        post = frontmatter.loads(raw)
        meta, raw = dict(post.metadata), post.content
    elif suffix in (".html", ".htm"):
        import trafilatura

        document = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False)
        found = document.as_dict() if hasattr(document, "as_dict") else (document or {})
        meta = {k: found.get(k) for k in ("title", "author", "date", "sitename", "url") if found.get(k)}
        raw = found.get("text") or ""
    meta.update(_sidecar(path))
    text = clean_text(without_controls(raw))  # again: HTML entities (&#27;) decode to control characters
    if "title" not in meta and suffix == ".txt":
        meta["title"] = text.split("\n", 1)[0].split(" | ")[0].strip()
    return make_source(source_id=slugify(_stem(path)), kind="article", text=text, meta=meta, path=rel)


def _bounded_lines(handle, limit: int) -> Iterator[tuple[int, str | None]]:
    """(line number, line) pairs; None for a line longer than `limit` characters, which is skipped
    without ever being held whole (a one-line gzip bomb must not fill memory)."""
    line_no = 0
    while line := handle.readline(limit + 1):
        line_no += 1
        if len(line) > limit and not line.endswith("\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith("\n"):
                pass
            yield line_no, None
        else:
            yield line_no, line


def _load_collection(path: Path, rel: str, max_bytes: int) -> Iterator[Source | SkippedItem]:
    opener = gzip.open if _suffix(path) == ".jsonl.gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for line_no, line in _bounded_lines(handle, max_bytes):
                if line is None:
                    yield SkippedItem(path=rel, line=line_no, reason=f"record is larger than {_size(max_bytes)} (RAG_MAX_SOURCE_BYTES)")
                    continue
                if not line.strip():
                    continue
                try:
                    yield source_from_record(parse_json(line), rel, line_no)
                except (LoadProblem, ValueError) as exc:
                    yield SkippedItem(path=rel, line=line_no, reason=str(exc).splitlines()[0])
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        yield SkippedItem(path=rel, reason=f"cannot read: {exc}")


def source_from_record(record, rel: str, line_no: int) -> Source:
    """One article of a .jsonl collection (`id, url, title, outlet, authors, published, text`)."""
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
        raise LoadProblem("record has no 'text'")
    rid = _meta_text(record, "id", "url", "title") or str(line_no)
    return make_source(
        source_id=slugify(rid), kind="article", text=clean_text(without_controls(record["text"])), meta=record, path=f"{rel}#L{line_no}"
    )


def _records(path: Path) -> tuple[list[str], list[dict]]:
    raw = read_text(path)
    if _suffix(path) == ".csv":
        reader = csv.DictReader(io.StringIO(raw))
        columns = [c.strip() for c in (reader.fieldnames or []) if c and c.strip()]
        if not columns:
            raise LoadProblem("CSV has no header row")
        rows = []
        for row in reader:
            if None in row:  # more cells than headers
                raise LoadProblem(f"row {reader.line_num - 1} has more cells than the header")
            rows.append({normalise_text(k.strip()): normalise_text((v or "").strip()) for k, v in row.items() if k})
        return [normalise_text(c) for c in columns], rows
    data = parse_json(raw)
    if isinstance(data, dict):
        data = data.get("records") or data.get("rows") or data.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise LoadProblem("JSON dataset must be a list of records (objects)")
    columns = list(dict.fromkeys(k for r in data for k in r))
    cells = [{normalise_text(k): _cell_text(r.get(k)) for k in columns} for r in data]
    return [normalise_text(c) for c in columns], cells


def _cell_text(value) -> str:
    return "" if value is None else normalise_text(without_controls(str(value)))


def _load_dataset(path: Path, rel: str) -> Source:
    try:
        columns, records = _records(path)
    except csv.Error as exc:
        raise LoadProblem(f"malformed CSV: {exc}") from None
    if not records:
        raise LoadProblem("dataset has no rows")
    meta = _sidecar(path)
    title = _meta_text(meta, "title") or _stem(path).replace("-", " ").replace("_", " ").capitalize()
    meta["title"] = title
    lines, rows, offset = [], [], 0
    for number, record in enumerate(records, 1):
        # Rendered as "Title — row N · Column: value · …", the text a citation quotes; each cell's value
        # keeps its offsets so the answerer reads cells as data, not by parsing the line back.
        line, cells = f"{title} — row {number}", []
        for column in (c for c in columns if record.get(c, "") != ""):
            line += f" · {column}: "
            start = offset + len(line)
            line += record[column]
            cells.append(Cell(column=column, value=record[column], start=start, end=offset + len(line)))
        rows.append(Row(number=number, start=offset, end=offset + len(line), cells=cells))
        lines.append(line)
        offset += len(line) + 1
    return make_source(source_id=slugify(_stem(path)), kind="dataset", text="\n".join(lines), meta=meta, path=rel, rows=rows)


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, Path]]:
    """(file, the folder its recorded path starts from) for every file under `paths`."""
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.name.startswith(".") or _suffix(path) == SIDECAR_SUFFIX:
                continue
            yield path, root.resolve().parent


def recorded_path(path: Path, base: Path | None, root_parent: Path) -> str:
    """A source's path as stored and shown: relative to `base` (the working directory) when under it,
    else from the folder given to ingest (`sources/articles/x.txt`) - never the server's absolute path."""
    resolved = path.resolve()
    for start in ((base or Path.cwd()).resolve(), root_parent):
        if resolved.is_relative_to(start):
            return str(resolved.relative_to(start))
    return path.name


def load_sources(paths: list[Path], base: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Source | SkippedItem]:
    """Yield every loadable source under `paths`, and a `SkippedItem` for each file or line that is not.

    `max_bytes` bounds one source: a whole file, or one line of a .jsonl collection."""
    for path, root_parent in iter_files(paths):
        rel = recorded_path(path, base, root_parent)
        suffix = _suffix(path)
        try:
            if suffix not in COLLECTION_SUFFIXES + ARTICLE_SUFFIXES + DATASET_SUFFIXES:
                yield SkippedItem(path=rel, reason=f"unsupported file type {suffix or '(none)'}")
            elif suffix in COLLECTION_SUFFIXES:
                yield from _load_collection(path, rel, max_bytes)
            elif (size := path.stat().st_size) > max_bytes:
                yield SkippedItem(path=rel, reason=f"file is {_size(size)}; the limit is {_size(max_bytes)} (RAG_MAX_SOURCE_BYTES)")
            elif suffix in ARTICLE_SUFFIXES:
                yield _load_article(path, rel)
            else:
                yield _load_dataset(path, rel)
        except LoadProblem as exc:
            yield SkippedItem(path=rel, reason=str(exc))
        except OSError as exc:
            yield SkippedItem(path=rel, reason=f"cannot read: {exc.strerror or exc}")
        except Exception as exc:  # a parser (YAML front matter, HTML, CSV) choking on one file must not stop the rest
            reason = (str(exc).splitlines() or [""])[0][:200]
            yield SkippedItem(path=rel, reason=f"cannot parse: {type(exc).__name__}: {reason}")
