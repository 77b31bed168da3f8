"""Answers as the chat shows them: markdown for the chat, HTML for the sources panel, plain text to copy.

Pure functions over `rag.models` values. Everything that came from a source or a user is escaped here,
once, so a `<script>` in an article or a question is shown as text and never runs.

    chat_markdown(answer)                   # "Pakistan blamed India [1]." with refusals marked
    sources_panel_html(answer, texts)       # texts: {source_id: Source.text} for the cited sources
    plain_text(answer)                      # answer + numbered source list, for the clipboard
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence

from rag.models import Answer, Citation, Passage, SourceInfo

REFUSAL_HEADLINE = "The sources don't say."
CONTEXT_CHARS = 360  # of the surrounding paragraph shown each side of a quote
# Markdown and LaTeX syntax that source text must not trigger in the chat (`$5bn` is not maths).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")
# The answerer's own refusal wording ("The sources I have don't say …") already says it; don't repeat it.
_SAYS_REFUSAL = re.compile(r"\bsources\b.*\bdo(?:n['’]t| not) say", re.I)


def escape_markdown(text: str) -> str:
    """Text shown literally by a markdown renderer: HTML escaped, markdown syntax backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def question_markdown(question: str) -> str:
    return escape_markdown(question)


def chat_markdown(answer: Answer, text: str | None = None) -> str:
    """The chat bubble for an answer (or for its first `text` characters while streaming)."""
    body = escape_markdown(answer.answer if text is None else text)
    if answer.answerable:
        return body
    if _SAYS_REFUSAL.search(answer.answer):
        return f"⚠️ {body}"
    return f"⚠️ **{REFUSAL_HEADLINE}** {body}"


def format_date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "undated"


def _byline(title: str, outlet: str | None, published: dt.date | None) -> str:
    return " — ".join(part for part in (title, outlet or "", format_date(published)) if part)


def safe_url(url: str | None) -> str | None:
    """Only web links become anchors: a `javascript:` url in source metadata must not be clickable."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def passage_in_context_html(text: str | None, start: int, end: int, quote: str) -> str:
    """The quote inside its paragraph (the line it sits on), the quote itself in <mark>, all escaped."""
    if not text or text[start:end] != quote:
        return f"<mark>{html.escape(quote)}</mark>"
    para_start = text.rfind("\n", 0, start) + 1
    para_end = text.find("\n", end)
    para_end = len(text) if para_end == -1 else para_end
    before, after = text[para_start:start], text[end:para_end]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    return f"{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}"


def _card_html(label: str, title: str, outlet: str | None, published: dt.date | None, url: str | None, passage: str,
               css_class: str) -> str:
    link = safe_url(url)
    title_html = html.escape(title)
    if link:
        title_html = f'<a href="{html.escape(link)}" target="_blank" rel="noopener noreferrer">{title_html}</a>'
    meta = " · ".join(html.escape(part) for part in (outlet or "", format_date(published)) if part)
    return (
        f'<article class="{css_class}"><header><span class="rag-n">{html.escape(label)}</span> '
        f'<span class="rag-title">{title_html}</span></header>'
        f'<div class="rag-meta">{meta}</div><blockquote class="rag-passage">{passage}</blockquote></article>'
    )


def citation_card_html(citation: Citation, text: str | None) -> str:
    passage = passage_in_context_html(text, citation.start, citation.end, citation.quote)
    return _card_html(f"[{citation.n}]", citation.title, citation.outlet, citation.published, citation.url, passage,
                      "rag-card rag-citation")


def related_card_html(passage: Passage, text: str | None) -> str:
    body = passage_in_context_html(text, passage.start, passage.end, passage.text)
    return _card_html("nearest", passage.title, passage.outlet, passage.published, passage.url, body, "rag-card rag-related")


def sources_panel_html(answer: Answer | None, texts: Mapping[str, str]) -> str:
    """The panel beside the chat: one card per citation, or, for a refusal, the nearest passages."""
    if answer is None:
        return '<div class="rag-empty">Sources for the latest answer appear here: each quote highlighted in its paragraph.</div>'
    question = f'<p class="rag-for">Sources for: <q>{html.escape(answer.question)}</q></p>'
    if answer.window is not None:  # what the question's time words let through ("this week")
        question += f'<p class="rag-window">Searched: {html.escape(answer.window.describe())}</p>'
    if answer.answerable:
        cards = "".join(citation_card_html(c, texts.get(c.source_id)) for c in answer.citations)
        return f'<section class="rag-sources">{question}{cards}</section>'
    nearest = "".join(related_card_html(p, texts.get(p.source_id)) for p in answer.related)
    note = "The closest passages found, shown for checking; they do not answer the question." if answer.related \
        else "Nothing in the indexed sources came close."
    return (
        f'<section class="rag-sources rag-refusal">{question}<div class="rag-refusal-banner">'
        f'<strong>{html.escape(REFUSAL_HEADLINE)}</strong> {note}</div>{nearest}</section>'
    )


def plain_text(answer: Answer) -> str:
    """The answer with a numbered source list, for pasting into a draft or a message."""
    if not answer.answerable:
        lines = [answer.answer if _SAYS_REFUSAL.search(answer.answer) else f"{REFUSAL_HEADLINE} {answer.answer}".strip()]
        if answer.related:
            lines += ["", "Nearest passages (not an answer):"]
            lines += [f"- {_byline(p.title, p.outlet, p.published)}: “{p.text.strip()}”" for p in answer.related]
        return "\n".join(lines)
    lines = [answer.answer, "", "Sources:"]
    if answer.window is not None:
        lines[1:1] = ["", f"Searched: {answer.window.describe()}"]
    for c in answer.citations:
        lines.append(f"[{c.n}] {_byline(c.title, c.outlet, c.published)}" + (f" <{c.url}>" if c.url else ""))
        lines.append(f"    “{c.quote.strip()}”")
    return "\n".join(lines)


def indexed_html(infos: Sequence[SourceInfo]) -> str:
    """The "what's indexed" table: one row per source, newest first."""
    if not infos:
        return '<p class="rag-empty">Nothing is indexed yet: run <code>rag ingest sources</code>.</p>'
    ordered = sorted(infos, key=lambda s: (s.published or dt.date.min, s.title), reverse=True)
    rows = "".join(
        f"<tr><td>{html.escape(s.title)}</td><td>{html.escape(s.outlet or '')}</td><td>{html.escape(format_date(s.published))}"
        f"</td><td>{html.escape(s.kind)}</td><td class='rag-num'>{s.chunks}</td></tr>"
        for s in ordered
    )
    dates = [s.published for s in infos if s.published]
    span = f", published {format_date(min(dates))} – {format_date(max(dates))}" if dates else ""
    total = sum(s.chunks for s in infos)
    return (
        f'<p class="rag-summary">{len(infos)} sources, {total} passages{html.escape(span)}.</p>'
        '<table class="rag-indexed"><thead><tr><th>Source</th><th>Outlet</th><th>Published</th><th>Kind</th>'
        f"<th>Passages</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def status_html(message: str | None) -> str:
    return f'<div class="rag-status" role="alert">{html.escape(message)}</div>' if message else ""


CSS = """
.rag-card { border: 1px solid var(--border-color-primary); border-left: 4px solid #2563eb; border-radius: 6px;
  padding: .6rem .8rem; margin: .5rem 0; background: var(--background-fill-primary); }
.rag-related { border-left: 4px dashed #9ca3af; opacity: .92; }
.rag-card header { font-weight: 600; } .rag-n { color: #2563eb; margin-right: .25rem; }
.rag-related .rag-n { color: #6b7280; font-weight: 500; font-style: italic; }
.rag-meta { font-size: .85em; color: var(--body-text-color-subdued); margin: .15rem 0 .35rem; }
.rag-passage { margin: 0; padding: 0 0 0 .6rem; border-left: 2px solid var(--border-color-primary);
  font-size: .92em; line-height: 1.45; white-space: pre-wrap; }
.rag-passage mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: 2px; }
.rag-related .rag-passage mark { background: #e5e7eb; }  /* near misses are not evidence: no yellow */
.rag-refusal-banner { background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; border-radius: 6px;
  padding: .5rem .7rem; margin: .3rem 0 .6rem; }
.rag-window { font-size: .85em; color: var(--body-text-color-subdued); margin: 0 0 .3rem; }
.rag-for { font-size: .85em; color: var(--body-text-color-subdued); margin: 0 0 .3rem; }
.rag-status { background: #fee2e2; color: #7f1d1d; border: 1px solid #ef4444; border-radius: 6px; padding: .45rem .7rem; }
.rag-indexed { width: 100%; border-collapse: collapse; font-size: .9em; }
.rag-indexed th, .rag-indexed td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--border-color-primary); }
.rag-num { text-align: right !important; } .rag-empty, .rag-summary { color: var(--body-text-color-subdued); }
"""
