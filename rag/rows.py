"""Dataset rows as evidence: a row is one citable unit whose cells are read by name.

row_cells("Figures — row 1 · Indicator: Attacks · Value: 254 · Unit: attacks")
== {"indicator": "Attacks", "value": "254", "unit": "attacks"}
row_lead(sentence)  # "Attacks: 254 attacks (2025), according to PIPS"
"""

from __future__ import annotations

from spacy.tokens import Span

from rag.evidence import Sentence


def row_cells(text: str) -> dict[str, str]:
    """A row's cells by lower-cased column name; the first segment (dataset title, row number) is skipped."""
    cells = {}
    for part in text.split(" · ")[1:]:
        key, sep, value = part.partition(": ")
        if sep:
            cells[key.strip().lower()] = value.strip()
    return cells


def cell_span(s: Sentence, column: str) -> Span | None:
    """The tokens of one cell ("Value", "Period"), so it can be a candidate like any other span."""
    at = s.text.find(f" · {column}: ")
    if at < 0:
        return None
    start = at + len(f" · {column}: ")
    end = s.text.find(" · ", start)
    end = len(s.text) if end < 0 else end
    return s.span.doc.char_span(s.span.start_char + start, s.span.start_char + end, alignment_mode="expand")


def row_lead(s: Sentence) -> str:
    """The short answer a row gives: its value with unit, what it measures, when, and on whose authority."""
    cells = row_cells(s.text)
    if "value" not in cells:
        return "; ".join(f"{k.capitalize()}: {v}" for k, v in list(cells.items())[:4])
    text = f"{cells['value']} {cells.get('unit', '')}".strip()
    if "indicator" in cells:
        text = f"{cells['indicator']}: {text}"
    if "period" in cells:
        text += f" ({cells['period']})"
    by = cells.get("attributed to") or cells.get("source")
    return text + (f", according to {by}" if by else "")
