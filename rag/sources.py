"""Load curated sources from disk into `Source` objects: articles (txt, md, html, jsonl[.gz]) and
datasets (csv, json). Bad files are skipped with a `SkippedItem` naming the file and line; the rest load.
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

from rag.cleaning import clean_text
from rag.models import SkippedItem, Source

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
COLLECTION_SUFFIXES = (".jsonl", ".jsonl.gz")
DATASET_SUFFIXES = (".csv", ".json")
SIDECAR_SUFFIX = ".meta.json"


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


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    if not raw.strip():
        raise LoadProblem("file is empty")
    if b"\x00" in raw[:8192]:
        raise LoadProblem("binary file (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LoadProblem(f"not valid UTF-8 (byte {exc.start})") from None


def _sidecar(path: Path) -> dict:
    sidecar = path.with_name(_stem(path) + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        data = json.loads(read_text(sidecar))
    except (json.JSONDecodeError, LoadProblem) as exc:
        raise LoadProblem(f"sidecar {sidecar.name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise LoadProblem(f"sidecar {sidecar.name} must hold a JSON object")
    return data


def _authors(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [a.strip() for a in re.split(r",| and ", value) if a.strip()]
    return [str(a).strip() for a in value if str(a).strip()]


def make_source(*, source_id: str, kind: str, text: str, meta: dict, path: str, rows=None) -> Source:
    if not text.strip():
        raise LoadProblem("no text left after cleaning")
    fields = {
        "title": str(meta.get("title") or source_id).strip(),
        "outlet": meta.get("outlet") or meta.get("sitename") or None,
        "url": meta.get("url") or None,
        "published": parse_date(meta.get("published") or meta.get("date")),
        "authors": _authors(meta.get("authors") or meta.get("author")),
    }
    return Source(
        source_id=source_id,
        kind=kind,
        text=text,
        path=path,
        rows=rows or [],
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
    text = clean_text(raw)
    if "title" not in meta and suffix == ".txt":
        meta["title"] = text.split("\n", 1)[0].split(" | ")[0].strip()
    return make_source(source_id=slugify(_stem(path)), kind="article", text=text, meta=meta, path=rel)


def _load_collection(path: Path, rel: str) -> Iterator[Source | SkippedItem]:
    opener = gzip.open if _suffix(path) == ".jsonl.gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict) or not str(record.get("text") or "").strip():
                        raise LoadProblem("record has no 'text'")
                    rid = str(record.get("id") or record.get("url") or record.get("title") or line_no)
                    yield make_source(
                        source_id=slugify(rid),
                        kind="article",
                        text=clean_text(str(record["text"])),
                        meta=record,
                        path=f"{rel}#L{line_no}",
                    )
                except (json.JSONDecodeError, LoadProblem, ValueError) as exc:
                    yield SkippedItem(path=rel, line=line_no, reason=str(exc).splitlines()[0])
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        yield SkippedItem(path=rel, reason=f"cannot read: {exc}")


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
            rows.append({k.strip(): (v or "").strip() for k, v in row.items() if k})
        return columns, rows
    data = json.loads(raw)
    if isinstance(data, dict):
        data = data.get("records") or data.get("rows") or data.get("data")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise LoadProblem("JSON dataset must be a list of records (objects)")
    columns = list(dict.fromkeys(k for r in data for k in r))
    return columns, [{k: "" if r.get(k) is None else str(r.get(k)) for k in columns} for r in data]


def _load_dataset(path: Path, rel: str) -> Source:
    try:
        columns, records = _records(path)
    except json.JSONDecodeError as exc:
        raise LoadProblem(f"invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except csv.Error as exc:
        raise LoadProblem(f"malformed CSV: {exc}") from None
    if not records:
        raise LoadProblem("dataset has no rows")
    meta = _sidecar(path)
    title = str(meta.get("title") or _stem(path).replace("-", " ").replace("_", " ").capitalize())
    meta["title"] = title
    lines, rows, offset = [], [], 0
    for number, record in enumerate(records, 1):
        cells = " · ".join(f"{c}: {record[c]}" for c in columns if record.get(c, "") != "")
        line = f"{title} — row {number} · {cells}"
        rows.append((number, offset, offset + len(line)))
        lines.append(line)
        offset += len(line) + 1
    return make_source(source_id=slugify(_stem(path)), kind="dataset", text="\n".join(lines), meta=meta, path=rel, rows=rows)


def iter_files(paths: list[Path]) -> Iterator[Path]:
    for root in paths:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.name.startswith(".") or _suffix(path) == SIDECAR_SUFFIX:
                continue
            yield path


def load_sources(paths: list[Path], base: Path | None = None) -> Iterator[Source | SkippedItem]:
    """Yield every loadable source under `paths`, and a `SkippedItem` for each file or line that is not."""
    for path in iter_files(paths):
        try:
            rel = str(path.resolve().relative_to((base or Path.cwd()).resolve()))
        except ValueError:
            rel = str(path)
        suffix = _suffix(path)
        try:
            if suffix in COLLECTION_SUFFIXES:
                yield from _load_collection(path, rel)
            elif suffix in ARTICLE_SUFFIXES:
                yield _load_article(path, rel)
            elif suffix in DATASET_SUFFIXES:
                yield _load_dataset(path, rel)
            else:
                yield SkippedItem(path=rel, reason=f"unsupported file type {suffix or '(none)'}")
        except LoadProblem as exc:
            yield SkippedItem(path=rel, reason=str(exc))
        except OSError as exc:
            yield SkippedItem(path=rel, reason=f"cannot read: {exc.strerror or exc}")
