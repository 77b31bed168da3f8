"""Remove page debris that scrapers leave in article text, without touching the article itself.

Each rule removes something that is never journalism: widget blocks ("Recommended Stories … end of
list"), comment prompts, stray tag fragments and graphic placeholders. Rules match whole lines or tightly
bounded blocks, so a sentence that merely mentions "comment" survives.
"""

from __future__ import annotations

import re

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


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    for block in _BLOCKS:
        text = block.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    kept = [line for line in lines if not _DEBRIS_LINES.match(line)]
    text = "\n".join(kept)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
