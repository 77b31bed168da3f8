"""ui.render: what the chat, the sources panel and the clipboard show for an Answer, with everything escaped."""

from __future__ import annotations

import datetime as dt
import html

from conftest import SEED

from rag.models import Answer, Citation, Passage, SourceInfo
from rag.timewindow import find_window
from ui import render

TITLE = "How Balochistan attacks threaten Pakistan's promises to China, Trump"
ARTICLE = SEED.read_text(encoding="utf-8")
QUOTE = "Interior Minister Mohsin Naqvi blamed neighboring India"
HOSTILE = "Intro line.\nBefore <b>bold</b> & <script>window.__pwned=1</script> after.\nNext paragraph."


def cite(text: str, quote: str, n: int = 1, url: str | None = None, source_id: str = "seed") -> Citation:
    start = text.index(quote)
    return Citation(n=n, source_id=source_id, title=TITLE, outlet="Al Jazeera", url=url, published=dt.date(2026, 2, 2),
                    quote=quote, start=start, end=start + len(quote), score=0.9)


def answered(*citations: Citation, text: str = "Pakistan blamed India [1].") -> Answer:
    return Answer(question="Who did Pakistan blame for the attacks?", answer=text, answerable=True, citations=list(citations))


def refused() -> Answer:
    start = ARTICLE.index("According to the 2023 census")
    passage = Passage(source_id="seed", title=TITLE, outlet="Al Jazeera", published=dt.date(2026, 2, 2),
                      text=ARTICLE[start:start + 60], start=start, end=start + 60, score=0.2)
    return Answer(question="What is the literacy rate in Balochistan?",
                  answer="The sources I have don't say what the literacy rate in Balochistan is.", answerable=False, related=[passage])


def test_quote_is_marked_inside_its_own_paragraph_only():
    citation = cite(ARTICLE, QUOTE)
    shown = render.passage_in_context_html(ARTICLE, citation.start, citation.end, citation.quote)
    assert f"<mark>{QUOTE}</mark>" in shown
    assert "Within hours of the attacks" in shown  # the start of the quote's paragraph
    assert "Naqvi said without presenting any evidence" in shown  # the end of it
    assert "Baloch Liberation Army" not in shown  # the next paragraph is not dragged in


def test_long_paragraph_is_trimmed_around_the_quote():
    text = "word " * 400 + QUOTE + " more" * 400
    start = text.index(QUOTE)
    shown = render.passage_in_context_html(text, start, start + len(QUOTE), QUOTE)
    assert shown.startswith("…") and shown.endswith("…")
    assert f"<mark>{QUOTE}</mark>" in shown
    assert len(shown) < 2 * render.CONTEXT_CHARS + len(QUOTE) + 40


def test_source_html_and_script_are_escaped_around_and_inside_the_quote():
    quote = "<script>window.__pwned=1</script>"
    citation = cite(HOSTILE, quote)
    shown = render.passage_in_context_html(HOSTILE, citation.start, citation.end, quote)
    assert "<script" not in shown and "<b>" not in shown
    assert "<mark>&lt;script&gt;window.__pwned=1&lt;/script&gt;</mark>" in shown
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; " in shown


def test_offsets_that_do_not_match_the_text_fall_back_to_the_quote_alone():
    shown = render.passage_in_context_html("completely different text", 0, 5, "<i>quote</i>")
    assert shown == "<mark>&lt;i&gt;quote&lt;/i&gt;</mark>"
    assert render.passage_in_context_html(None, 0, 5, "quote") == "<mark>quote</mark>"


def test_sources_panel_has_a_card_per_citation_with_title_outlet_date_and_highlight():
    panel = render.sources_panel_html(answered(cite(ARTICLE, QUOTE), cite(ARTICLE, "India is behind these attacks", n=2)),
                                      {"seed": ARTICLE})
    assert panel.count('class="rag-card rag-citation"') == 2
    assert "How Balochistan attacks threaten Pakistan&#x27;s promises to China, Trump" in panel
    assert "Al Jazeera · 2 February 2026" in panel
    assert "[1]" in panel and "[2]" in panel and panel.count("<mark>") == 2
    assert "<a " not in panel  # the seed article has no url
    assert "Who did Pakistan blame for the attacks?" in panel


def test_only_web_urls_become_links():
    linked = render.sources_panel_html(answered(cite(ARTICLE, QUOTE, url="https://example.org/a?x=1&y=2")), {"seed": ARTICLE})
    assert '<a href="https://example.org/a?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">' in linked
    hostile = render.sources_panel_html(answered(cite(ARTICLE, QUOTE, url="javascript:alert(1)")), {"seed": ARTICLE})
    assert "<a " not in hostile and "javascript:" not in hostile


def test_refusal_panel_says_the_sources_dont_say_and_shows_nearest_passages_differently():
    panel = render.sources_panel_html(refused(), {"seed": ARTICLE})
    assert "rag-refusal" in panel and "The sources don&#x27;t say." in panel
    assert "rag-related" in panel and "rag-citation" not in panel
    assert "<mark>According to the 2023 census" in panel
    assert "do not answer the question" in panel
    empty = refused().model_copy(update={"related": []})
    assert "Nothing in the indexed sources came close." in render.sources_panel_html(empty, {})


def test_sources_panel_and_copy_show_the_window_the_question_s_time_words_searched():
    window = find_window("Who did Pakistan blame this week?", dt.date(2026, 2, 3))
    answer = answered(cite(ARTICLE, QUOTE)).model_copy(update={"window": window})
    searched = 'Searched: articles published 2026-01-26 – 2026-02-03 (from "this week")'
    assert searched in html.unescape(render.sources_panel_html(answer, {"seed": ARTICLE}))
    assert searched in render.plain_text(answer)
    refusal = refused().model_copy(update={"window": window})
    assert searched in html.unescape(render.sources_panel_html(refusal, {"seed": ARTICLE}))
    assert "Searched:" not in render.sources_panel_html(answered(cite(ARTICLE, QUOTE)), {"seed": ARTICLE})


def test_chat_markdown_escapes_html_and_markdown_and_keeps_markers_visible():
    answer = answered(text="India [1] <img src=x onerror=alert(1)> costs $5bn *each*")
    shown = render.chat_markdown(answer)
    assert "<" not in shown and r"&lt;img src=x onerror=alert\(1\)&gt;" in shown
    assert r"\[1\]" in shown and r"\$5bn" in shown and r"\*each\*" in shown
    assert render.question_markdown("<b>bold?</b>") == "&lt;b&gt;bold?&lt;/b&gt;"


def test_chat_markdown_marks_refusals_and_streams_prefixes():
    assert render.chat_markdown(refused()).startswith("⚠️ The sources I have don't say what")  # not said twice
    bare = refused().model_copy(update={"answer": "No passage states a literacy rate."})
    assert render.chat_markdown(bare).startswith("⚠️ **The sources don't say.** No passage")
    assert render.chat_markdown(answered(), "Pakistan blamed") == "Pakistan blamed"


def test_plain_text_has_answer_and_numbered_source_list():
    text = render.plain_text(answered(cite(ARTICLE, QUOTE, url="https://example.org/a")))
    assert text.splitlines()[:3] == ["Pakistan blamed India [1].", "", "Sources:"]
    assert f"[1] {TITLE} — Al Jazeera — 2 February 2026 <https://example.org/a>" in text
    assert f"    “{QUOTE}”" in text
    refusal = render.plain_text(refused())
    assert refusal.startswith("The sources I have don't say") and "Nearest passages (not an answer):" in refusal
    assert "<" not in refusal


def test_indexed_table_lists_sources_dates_and_chunk_counts_escaped():
    infos = [
        SourceInfo(source_id="a", title="<script>x</script>", outlet="Outlet", published=dt.date(2026, 2, 2), chunks=10),
        SourceInfo(source_id="b", title="Older", kind="dataset", published=dt.date(2025, 1, 5), chunks=6),
    ]
    table = render.indexed_html(infos)
    assert "2 sources, 16 passages, published 5 January 2025 – 2 February 2026." in table
    assert "&lt;script&gt;x&lt;/script&gt;" in table and "<script>" not in table
    assert table.index("&lt;script&gt;") < table.index("Older")  # newest first
    assert "rag ingest" in render.indexed_html([])


def test_status_is_escaped():
    assert render.status_html("bad <b>") == '<div class="rag-status" role="alert">bad &lt;b&gt;</div>'
    assert render.status_html(None) == ""
