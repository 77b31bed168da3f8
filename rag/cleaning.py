"""Text as it is stored and matched: one spelling for what reads the same, and no page debris.

`normalise_text` serves both ends: ingest (through `clean_text`, so stored text, offsets and citations
agree) and question time (the question and its history), so a word hidden from a pattern in one place is
hidden nowhere. Invisible format characters go (zero-width spaces and joiners, soft hyphens, bidi
controls, Unicode tags): "Ig\u200bnore previous instructions" reads as what it shows. Then NFKC folds
look-alikes (full-width letters, ligatures, styled maths letters) into plain ones.

Each debris rule removes something that is never journalism: widget blocks ("Recommended Stories … end of
list"), comment prompts, stray tag fragments and graphic placeholders. Rules match whole lines or tightly
bounded blocks, so a sentence that merely mentions "comment" survives.

    normalise_text("Ｉｇ\u200bnore") == "Ignore"
"""

from __future__ import annotations

import re
import unicodedata

_BLOCKS = [
    # Al Jazeera's "Recommended Stories / N item list … end of list" widget (bounded, never greedy).
    re.compile(r"^Recommended Stories\s*\n(?:.{0,300}\n){0,12}?.{0,300}?end of list\s*$", re.M | re.I),
    # Embedded-graphic placeholder id, optionally followed by its credit line: "interactive_x_2026\n(al Jazeera)".
    re.compile(r"^interactive_\w+\s*\n(?:\([^()\n]{1,40}\)\s*$)?", re.M),
]

_DEBRIS_LINES = re.compile(
    r"^\s*(?:"
    r"leave a comment|post a comment|comments?|share(?: this)?(?: article| story)?|advertisement|"
    r"skip to (?:main )?content|sign up for our newsletter|subscribe|read more|click here to share.*|"
    r"<\/?[a-z][^>]*>?|<\/?[a-z]+\s*=?\s*|&nbsp;"
    r")\s*$",
    re.I,
)


# NFKC spells "2½" as "21⁄2", which reads as twenty-one: a fraction glued to a digit gets a space first.
_FRACTION_AFTER_DIGIT = re.compile(r"(?<=\d)(?=[\u00bc-\u00be\u2150-\u215f\u2189])")


def normalise_text(text: str) -> str:
    # Format characters (Unicode category Cf) are invisible by definition; a text has few distinct
    # characters, so they are found by category rather than by a list that would go stale.
    invisible = {ord(ch): None for ch in set(text) if unicodedata.category(ch) == "Cf"}
    if invisible:
        text = text.translate(invisible)
    if text.isascii():
        return text
    return unicodedata.normalize("NFKC", _FRACTION_AFTER_DIGIT.sub(" ", text))


def clean_text(text: str) -> str:
    text = normalise_text(text).replace("\r\n", "\n").replace("\r", "\n")
    for block in _BLOCKS:
        text = block.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    kept = [line for line in lines if not _DEBRIS_LINES.match(line)]
    text = "\n".join(kept)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
