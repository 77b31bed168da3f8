"""What value a candidate gives, and when two candidates (or a candidate and a sentence) give the same.

    same_value(a, b)        # "Mohsin Naqvi" and "Naqvi"; "$60 billion" and a row's "60" (unit: billion)
    holds(candidate, e)     # the evidence sentence states the candidate's value, however it writes it

Figures compare as numbers (`normalise.numbers`), dates as days (or months or years, when neither is more
precise), names by the rules names are matched by everywhere (`names.find_name`: folded, acronyms,
aliases the source defines, a surname for a full name), both ways round; anything else by its content words.
"""

from __future__ import annotations

import re

from rag.extractive.candidates import DATE_LABELS, NUMBER_LABELS, Candidate
from rag.extractive.evidence import Evidence
from rag.names import Words, find_name, name_parts

NUMBER_KINDS = NUMBER_LABELS | {"DURATION", "AGE"}
NAME_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE", "PROPN"}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}$")
MONTH = re.compile(r"\d{4}-\d{2}$")
YEAR = re.compile(r"\d{4}$")


def kind(c: Candidate) -> str:
    """ "number", "date", "name" or "words": how the candidate's value is compared."""
    if c.label in NUMBER_KINDS and c.value and all(isinstance(v, float) for v in c.value):
        return "number"
    if c.label in DATE_LABELS and finest(c.value):
        return "date"
    if c.label in NAME_LABELS:
        return "name"
    return "words"


def same_value(a: Candidate, b: Candidate) -> bool:
    """Whether two candidates give the same answer, however each writes it."""
    if not a.value or not b.value:
        return False  # a yes/no sentence has no value to share
    ka, kb = kind(a), kind(b)
    if "number" in (ka, kb):
        return ka == kb and same_number(a.value, b.value)
    if "date" in (ka, kb):
        return ka == kb and finest(a.value) == finest(b.value)
    if "name" in (ka, kb):
        return _names_each_other(a, b)
    return a.value == b.value


def same_number(a: frozenset | set, b: frozenset | set) -> bool:
    """ "$60 billion" is {60, 6e10}: equal when the scaled values are, or when one side is a bare figure
    whose scale its context gives ("60" in a row whose unit column says "billion"). "1.4 million" and
    "1.4 billion" are not equal."""
    return bool(a and b) and (max(a) == max(b) or ((len(a) == 1 or len(b) == 1) and bool(a & b)))


def finest(keys: frozenset | set) -> frozenset:
    """A date's most precise keys: its day, else its month, else its year."""
    for pattern in (DAY, MONTH, YEAR):
        found = frozenset(k for k in keys if isinstance(k, str) and pattern.match(k))
        if found:
            return found
    return frozenset()


def _names_each_other(a: Candidate, b: Candidate) -> bool:
    """Each names the other: "Mohsin Naqvi" and "Naqvi", "India" and "Indian"; not "Pakistan" and
    "Pakistan Army" (the army is not the country)."""
    if not name_parts(a.text) or not name_parts(b.text):
        return False
    aliases = a.evidence.sentence.chunk.aliases | b.evidence.sentence.chunk.aliases
    return bool(find_name(a.text, Words.of(b.text), aliases)) and bool(find_name(b.text, Words.of(a.text), aliases))


def holds(c: Candidate, e: Evidence) -> bool:
    """Whether sentence `e` states `c`'s value: one of its figures equals it, it names the same day, it
    mentions the name, or it has all of the candidate's content words."""
    if not c.value:
        return False
    what = kind(c)
    if what == "number":
        return max(c.value) in e.figures or (len(c.value) == 1 and bool(c.value & e.figures))
    if what == "date":
        return bool(finest(c.value) & e.dates)
    if what == "name":
        return bool(name_parts(c.text)) and bool(find_name(c.text, e.words, e.sentence.chunk.aliases))
    return c.value <= e.lowered
