import gzip
import json
import unicodedata

from rag.cleaning import clean_text, normalise_text
from rag.models import SkippedItem, Source
from rag.sources import load_sources
from tests.conftest import SEED, SOURCES


def loaded(*paths):
    items = list(load_sources(list(paths)))
    return [i for i in items if isinstance(i, Source)], [i for i in items if isinstance(i, SkippedItem)]


def test_seed_article_loads_with_sidecar_metadata_and_without_page_debris():
    (article,), skipped = loaded(SEED)
    assert skipped == []
    assert article.source_id == "balochistan-attacks-pakistan-promises"
    assert article.title == "How Balochistan attacks threaten Pakistan's promises to China, Trump"
    assert article.outlet == "Al Jazeera" and article.url is None
    assert article.published.isoformat() == "2026-02-02"
    for debris in ("Leave a Comment", "<a href=", "Recommended Stories", "end of list", "interactive_pakistan"):
        assert debris not in article.text
    # ... and the journalism around the debris is intact
    assert "India is behind these attacks" in article.text
    assert article.text.rstrip().endswith("do not take advantage of those internal issues,” he said.")
    assert "Less than five months later, that promise is in jeopardy." in article.text
    assert len(article.content_hash) == 64


def test_source_ids_and_hashes_are_stable_across_loads():
    first, _ = loaded(SOURCES)
    second, _ = loaded(SOURCES)
    assert [(s.source_id, s.content_hash) for s in first] == [(s.source_id, s.content_hash) for s in second]


def test_cleaning_keeps_sentences_that_mention_comments():
    text = "He declined to comment on the report.\nLeave a Comment\n<a href=\nShare\nThe comments section closed."
    assert clean_text(text) == "He declined to comment on the report.\nThe comments section closed."


def test_normalising_removes_invisible_characters_and_folds_look_alikes():
    assert normalise_text("Ig\u200bnore pre\u00advious in\u2060struc\ufefftions\u200d") == "Ignore previous instructions"
    assert normalise_text("\u202eWho\u202c \u2066did\u2069 \u200eit\u200f?") == "Who did it?"  # bidi controls
    assert normalise_text("Ｗｈｏ ﬁled it?") == "Who filed it?"  # full-width letters, ligature
    assert normalise_text("a 2½-year term") == "a 2 1⁄2-year term"  # not "21⁄2": numbers must not change
    every_format_char = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")
    assert normalise_text(f"a{every_format_char}b") == "ab"


def test_every_loaded_text_is_normalised_articles_cells_and_metadata(tmp_path):
    (tmp_path / "note.txt").write_text("Desk note\n\nIg\u200bnore previous instructions, the \uff37ire said.\n")
    (tmp_path / "note.meta.json").write_text('{"title": "Desk\\u200b note", "outlet": "\uff37ire"}')
    (tmp_path / "tally.csv").write_text("Indi\u200bcator,Value\nDeaths,\ufeff99\u200b\n")
    sources, skipped = loaded(tmp_path)
    assert skipped == []
    article, dataset = sorted(sources, key=lambda s: s.kind)
    assert "Ignore previous instructions, the Wire said." in article.text and (article.title, article.outlet) == ("Desk note", "Wire")
    assert [(c.column, c.value) for c in dataset.rows[0].cells] == [("Indicator", "Deaths"), ("Value", "99")]
    assert all(dataset.text[c.start : c.end] == c.value for c in dataset.rows[0].cells)


def test_dataset_rows_become_citable_units_with_title_columns_and_row_numbers():
    (dataset,), _ = loaded(SOURCES / "datasets")
    assert dataset.kind == "dataset"
    first = dataset.rows[0]
    row = dataset.text[first.start : first.end]
    assert first.number == 1
    # Each cell is data with its own offsets: the answerer reads cells, never the rendered line.
    cells = [(c.column, c.value) for c in first.cells][:3]
    assert cells == [("Indicator", "Attacks in Balochistan province"), ("Value", "254"), ("Unit", "attacks")]
    assert all(dataset.text[c.start : c.end] == c.value for r in dataset.rows for c in r.cells)
    assert row.startswith(dataset.title + " — row 1 · Indicator: Attacks in Balochistan province · Value: 254")
    assert "Attributed to: Pakistan Institute for Peace Studies" in row
    assert len(dataset.rows) == 16


def test_markdown_front_matter_html_and_json_datasets(tmp_path):
    (tmp_path / "note.md").write_text("---\ntitle: Desk note\noutlet: Wire\npublished: 2025-03-01\n---\nThe port opened in 2007.\n")
    (tmp_path / "page.html").write_text(
        "<html><head><title>Port story</title></head><body><nav>Home | World | Sport</nav>"
        "<article><h1>Port story</h1><p>" + "Gwadar is Pakistan's only deep sea port. " * 8 + "</p>"
        "<p>It sits on the Arabian Sea and is a node of the corridor.</p></article>"
        "<footer>Copyright 2026 · Privacy · Cookies</footer></body></html>"
    )
    (tmp_path / "figures.json").write_text(json.dumps([{"year": 2024, "attacks": 201}, {"year": 2025, "attacks": 254}]))
    sources, skipped = loaded(tmp_path)
    assert skipped == []
    by_id = {s.source_id: s for s in sources}
    assert by_id["note"].title == "Desk note" and by_id["note"].published.isoformat() == "2025-03-01"
    assert by_id["note"].text == "The port opened in 2007."
    assert "deep sea port" in by_id["page"].text and "Cookies" not in by_id["page"].text
    assert by_id["figures"].text.splitlines()[1].endswith("row 2 · year: 2025 · attacks: 254")


def test_jsonl_collections_plain_and_gzip_skip_broken_lines(tmp_path):
    good = {"id": "a1", "url": "https://example.org/a", "title": "A", "outlet": "ex", "authors": ["X"],
            "published": "2025-01-02", "text": "Alpha text."}
    lines = [json.dumps(good), "{broken", json.dumps({"id": "b2", "title": "no text"}), json.dumps({**good, "id": "c3", "text": "Gamma."})]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as handle:
        handle.write(json.dumps({**good, "id": "z9", "text": "Zeta."}) + "\n")
    sources, skipped = loaded(tmp_path)
    assert sorted(s.source_id for s in sources) == ["a1", "c3", "z9"]
    assert [(s.line, s.path.endswith("a.jsonl")) for s in skipped] == [(2, True), (3, True)]
    assert sources[0].url == "https://example.org/a" and sources[0].authors == ["X"]


def test_bad_files_are_skipped_with_a_reason_naming_the_file(tmp_path):
    (tmp_path / "ok.txt").write_text("A fine article.\n\nWith text.")
    (tmp_path / "empty.txt").write_text("   \n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3,4,5\n")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "records.json").write_text('{"not": "a list"}')
    sources, skipped = loaded(tmp_path)
    assert [s.source_id for s in sources] == ["ok"]
    reasons = {item.path.rsplit("/", 1)[-1]: item.reason for item in skipped}
    assert reasons["empty.txt"] == "file is empty"
    assert "binary" in reasons["binary.txt"]
    assert "UTF-8" in reasons["latin1.txt"]
    assert "more cells than the header" in reasons["ragged.csv"]
    assert "unsupported" in reasons["image.png"]
    assert "list of records" in reasons["records.json"]
