"""Eval metrics as pure functions: a text normaliser, per-question judgements and aggregate scores.

No LLM judge and no dependency on the library, so each function can be checked on hand-made cases.
The precise definitions live in evals/README.md; the docstrings here are the short form.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

_MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {word: str(10 * tens) for tens, word in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)}
_SCALES = {
    "thousand": 3, "k": 3,
    "million": 6, "mn": 6, "m": 6,
    "billion": 9, "bn": 9, "b": 9,
    "trillion": 12, "tn": 12,
}  # fmt: skip
# Single letters count as a scale only when glued to the number ("808m", "60bn"), never "12 m".
_GLUED_ONLY = {"k", "m", "b"}
_ARTICLES = {"a", "an", "the"}

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_FIRST_DATE = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2}),?\s+(\d{4})\b")
_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?:(\s?)(" + "|".join(sorted(_SCALES, key=len, reverse=True)) + r")\b)?")
# US dollars are the only currency the sources use; "$60 billion" and "60 billion US dollars" are one answer.
_DOLLARS = re.compile(r"(?:\bus\s?)?\$|\b(?:us\s+)?dollars?\b|\busd\b")
_PERCENT = re.compile(r"(\d)\s*%|\bper\s?cent\b")
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")


def _plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _dates(text: str) -> str:
    def iso(match: re.Match) -> str:
        year, month, day = (int(g) for g in match.groups())
        if not 1 <= month <= 12 or not 1 <= day <= 31:
            return match.group(0)
        return f"{day} {_MONTHS[month - 1]} {year}"

    text = _ISO_DATE.sub(iso, text)
    return _MONTH_FIRST_DATE.sub(lambda m: f"{int(m.group(2))} {m.group(1)} {m.group(3)}", text)


def _numbers(text: str) -> str:
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], text)

    def expand(match: re.Match) -> str:
        digits, gap, scale = match.groups()
        if scale is None or (gap and scale in _GLUED_ONLY):
            return _plain_number(Decimal(digits)) + (gap + scale if scale else "")
        return _plain_number(Decimal(digits).scaleb(_SCALES[scale]))

    return _NUMBER.sub(expand, text)


def normalise(text: str) -> str:
    """Lower-case word and number tokens joined by single spaces; equal for equivalent surface forms.

    Folds case, accents and punctuation, drops articles and dollar signs/words, and writes every number
    as plain digits: "$60 billion", "60bn", "60,000,000,000" -> "60000000000"; "26%", "26 per cent"
    -> "26 percent"; "five" -> "5"; "2026-01-31", "January 31, 2026" -> "31 january 2026".
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _dates(text)
    text = _DOLLARS.sub(" ", text)
    text = _PERCENT.sub(lambda m: f"{m.group(1)} percent" if m.group(1) else "percent", text)
    text = _numbers(text)
    return " ".join(token for token in _TOKEN.findall(text) if token not in _ARTICLES)


def contains(text: str, phrases: Iterable[str]) -> bool:
    """True when any phrase, normalised, occurs in the normalised text as a whole-token run."""
    haystack = f" {normalise(text)} "
    return any(needle and f" {needle} " in haystack for needle in map(normalise, phrases))


# --- per-question judgements -------------------------------------------------------------------


def is_correct(answer: str, refused: bool, acceptable: Sequence[str]) -> bool:
    """An answerable question is answered correctly: not refused and an acceptable answer is in the text."""
    return not refused and contains(answer, acceptable)


_MARKER = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


def answer_lead(answer: str) -> str:
    """The claim an answer puts first: its text before the first citation marker like [1] (all of it if none)."""
    return _MARKER.split(answer, maxsplit=1)[0]


def is_supported(quotes: Sequence[str], evidence: Sequence[str]) -> bool:
    """Some cited quote contains some evidence string."""
    return any(contains(quote, evidence) for quote in quotes)


YES_NO = frozenset({"yes", "no"})


def holds_answer(quotes: Sequence[str], acceptable: Sequence[str], evidence: Sequence[str]) -> bool:
    """Some cited quote holds the answer: an evidence string, or an acceptable answer other than a bare
    "yes"/"no" (any sentence may contain the word "no"; a yes/no answer is held only by its evidence)."""
    answers = [a for a in acceptable if normalise(a) not in YES_NO]
    return any(contains(quote, [*answers, *evidence]) for quote in quotes)


def precise_citations(quotes: Sequence[str], acceptable: Sequence[str], evidence: Sequence[str]) -> int:
    """How many cited quotes contain an acceptable answer or an evidence string."""
    return sum(contains(quote, [*acceptable, *evidence]) for quote in quotes)


def is_proper_refusal(refused: bool, n_citations: int) -> bool:
    """An unanswerable question is handled right: refused, and nothing cited."""
    return refused and n_citations == 0


def evidence_rank(chunk_texts: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first retrieved chunk containing an evidence string; None if none does."""
    for rank, text in enumerate(chunk_texts, 1):
        if contains(text, evidence):
            return rank
    return None


# --- aggregates --------------------------------------------------------------------------------


def share(flags: Sequence[bool]) -> float | None:
    """Fraction of True; None when there is nothing to count (so an absent metric is not scored 0)."""
    return sum(flags) / len(flags) if flags else None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose evidence appears within the top k retrieved chunks."""
    return share([rank is not None and rank <= k for rank in ranks])


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float | None:
    """Mean of 1/rank, counting 0 for a question whose evidence was not retrieved at all."""
    return sum(1 / rank if rank else 0.0 for rank in ranks) / len(ranks) if ranks else None


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it."""
    if not values:
        return None
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]
