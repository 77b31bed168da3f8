"""Numbers and dates as comparable values, so an answer can be checked against the text it quotes.

    numbers("only $808m FDI, down from $1.425bn") == {808.0, 808000000.0, 1.425, 1425000000.0}
    date_keys("On Saturday, fighters killed ...", published=date(2026, 2, 2))
        ⊇ {"2026-01-31", "2026-01", "2026", "weekday:saturday"}

Relative dates ("on Saturday", "in March", "last year") only mean something against a publication date:
they are resolved to the most recent such day/month on or before it, as a reader of that day would.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

from rag.language import NUMBER_WORDS
from rag.timewindow import sentence_first

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "tn": 1e12,
    "trillion": 1e12,
}
_WORDS = NUMBER_WORDS
_SCALE_RE = r"(?:\s?(thousand|million|billion|trillion|mn|bn|tn|[kmb])\b)?"
# "the 1790s", "in their 30s": a decade, not a figure
_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?!\d|,\d|['’]?s\b)" + _SCALE_RE, re.I)
_WORD_RE = re.compile(r"\b(" + "|".join(_WORDS) + r")\b" + _SCALE_RE, re.I)
# Identifiers such as "FY26", "G20" or "COVID-19": compared as words, never read as numbers. A lower-case
# word joined to a year ("mid-2022", "pre-2008", "late-1990s") is a time, not an identifier.
CODE = re.compile(r"\b(?![a-z]+-(?:1[89]|20)\d\ds?\b)[A-Za-z]+-?\d+[A-Za-z\d]*\b")
_ROW_VALUE_RE = re.compile(r"Value: ([^·]*?\d[^·]*?) · Unit: (\w+)")


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def numbers(text: str) -> set[float]:
    """Every number in `text`, both as written and scaled ("$808m" gives 808 and 808000000)."""
    out: set[float] = set()
    text = CODE.sub(" ", text)
    for m in _NUMBER_RE.finditer(text):
        value = float(m.group(1).replace(",", "") + (m.group(2) or ""))
        out.add(_round(value))
        if m.group(3):
            out.add(_round(value * _SCALES[m.group(3).lower()]))
    for m in _WORD_RE.finditer(text):
        value = float(_WORDS[m.group(1).lower()])
        out.add(value)
        if m.group(2):
            out.add(_round(value * _SCALES[m.group(2).lower()]))
    # A dataset row keeps the scale in its own column: "Value: 60 · Unit: billion US dollars".
    for m in _ROW_VALUE_RE.finditer(text):
        scale = _SCALES.get(m.group(2).lower())
        for value in numbers(m.group(1)):
            if scale:
                out.add(_round(value * scale))
    return out


# --- dates --------------------------------------------------------------------------------------------
_MONTHS = {name: i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items()) if len(name) > 3} | {"Sept": 9})  # "Dec. 10", "Sept. 3"
_WEEKDAYS = [d.lower() for d in calendar.day_name]
# An abbreviation counts only with its dot or a day after it ("Dec. 10", "Aug 3"): "Mar-a-Lago" is no month.
_MONTH = (
    "("
    + "|".join(sorted((m for m in _MONTHS if len(m) > 3 or m == "May"), key=len, reverse=True))
    + "|(?:"
    + "|".join(m for m in _MONTHS if len(m) == 3 and m != "May")
    + r")(?=\.|\s+\d))\.?"
)
_DMY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:,?\s+(\d{4}))?\b")
_MDY = re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?(?:,\s*(\d{4}))?\b(?!\d)")
_MY = re.compile(r"\b" + _MONTH + r"(?:\s+(?:of\s+)?(\d{4}))?\b")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# "mid-2022", "pre-2008": a lower-case word hyphened to a year dates what it says
_YEAR = re.compile(r"(?:(?<![\w.$£€-])|(?<=[a-z]-))(1[89]\d\d|20\d\d)(?![\w%]|\.\d|\s?(?:percent|per cent))")
_WEEKDAY = re.compile(r"\b(" + "|".join(calendar.day_name) + r")s?\b")
# "the last month of the war" names no month of the writer's
_RELATIVE = re.compile(
    r"\b(yesterday|today|tonight|this morning|tomorrow|last year|this year|next year|last month|next month|the previous year)\b(?!\s+of\b)",
    re.I,
)


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    key: str  # the most specific value: "2026-01-31", "2025-03", "2025" or "weekday:saturday"
    keys: frozenset[str]  # the key and every coarser value it implies


def format_date(day: dt.date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _day_keys(day: dt.date) -> list[str]:
    return [day.isoformat(), f"{day.year}-{day.month:02d}", str(day.year), f"month:{day.month}", f"weekday:{_WEEKDAYS[day.weekday()]}"]


def _month_keys(year: int | None, month: int) -> list[str]:
    if year is None:
        return [f"month:{month}"]
    return [f"{year}-{month:02d}", str(year), f"month:{month}"]


# A day and month this soon after publication is this year's ("will vote on July 9"), not last year's.
# A month alone is last year's ("In March, fighters hijacked …" in February): reports look back.
UPCOMING_DAYS = 60


def _year_for(month: int, day: int, published: dt.date | None, upcoming: bool = True) -> int | None:
    if published is None:
        return None
    if not upcoming:
        return published.year if (month, day) <= (published.month, published.day) else published.year - 1
    try:
        this_year = dt.date(published.year, month, min(day, 28 if month == 2 else day))
    except ValueError:
        return published.year
    if this_year <= published or (this_year - published).days <= UPCOMING_DAYS:
        return published.year
    return published.year - 1


def _safe_day(year: int | None, month: int, day: int) -> list[str]:
    try:
        return _day_keys(dt.date(year, month, day)) if year else [f"month:{month}"]
    except ValueError:
        return []


def find_dates(text: str, published: dt.date | None = None, ahead: bool = False) -> list[DateMention]:
    """Date expressions in `text`, longest first where they overlap; relative ones resolved if possible. A
    weekday is the one before publication ("fighters killed 31 on Saturday"), or with `ahead` the coming
    one ("the talks will resume on Thursday"): which, only the tense of the clause around it tells."""
    found: list[tuple[int, int, list[str]]] = []
    for m in _ISO.finditer(text):
        found.append((m.start(), m.end(), _safe_day(int(m.group(1)), int(m.group(2)), int(m.group(3)))))
    for m in _DMY.finditer(text):
        month, day = _MONTHS[m.group(2)], int(m.group(1))
        year = int(m.group(3)) if m.group(3) else _year_for(month, day, published)
        found.append((m.start(), m.end(), _safe_day(year, month, day)))
    for m in _MDY.finditer(text):
        month, day = _MONTHS[m.group(1)], int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _year_for(month, day, published)
        found.append((m.start(), m.end(), _safe_day(year, month, day)))
    for m in _MY.finditer(text):
        month = _MONTHS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else _year_for(month, 1, published, upcoming=False)
        found.append((m.start(), m.end(), _month_keys(year, month)))
    days = [start for start, _, keys in found if keys and _ISO_KEY.match(keys[0])]
    for m in _WEEKDAY.finditer(text):
        if any(text[m.end() : start].strip(" ,") == "" for start in days if start >= m.end()):
            continue  # "Thursday, May 15" is the day the date gives, not the Thursday before publication
        name = m.group(1).lower()
        keys = [f"weekday:{name}"]
        if published is not None:
            back = (published.weekday() - _WEEKDAYS.index(name)) % 7
            keys = _day_keys(published + dt.timedelta(days=(7 - back) % 7 if ahead else -back))
        found.append((m.start(), m.end(), keys))
    for m in _RELATIVE.finditer(text):
        if published is not None and not _in_name(text, m):
            found.append((m.start(), m.end(), _relative(m.group(1).lower(), published)))
    for m in _YEAR.finditer(text):
        found.append((m.start(), m.end(), [m.group(1)]))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    out: list[DateMention] = []
    for start, end, keys in found:
        if keys and not (out and start < out[-1].end):
            out.append(DateMention(start, end, keys[0], frozenset(keys)))
    return out


def _in_name(text: str, m: re.Match) -> bool:
    """Time words are written in lower case: a capitalised "Today" inside a sentence is a name ("USA
    TODAY", "NBC's Today show"), not a date."""
    return not m.group(0).islower() and not sentence_first(text, m.start())


def _relative(word: str, published: dt.date) -> list[str]:
    if word == "yesterday":
        return _day_keys(published - dt.timedelta(days=1))
    if word in ("today", "tonight", "this morning"):
        return _day_keys(published)
    if word == "tomorrow":
        return _day_keys(published + dt.timedelta(days=1))
    if word in ("last year", "the previous year"):
        return [str(published.year - 1)]
    if word == "this year":
        return [str(published.year)]
    if word == "next year":
        return [str(published.year + 1)]
    if word == "next month":
        following = published.replace(day=28) + dt.timedelta(days=4)
        return _month_keys(following.year, following.month)
    first = published.replace(day=1) - dt.timedelta(days=1)  # last month
    return _month_keys(first.year, first.month)


_ISO_KEY = re.compile(r"\d{4}-(\d{2}-\d{2})$")


def day_of_year(key: str) -> str | None:
    """The key of a day in any year ("day:06-19") for a date key ("2025-06-19"), else None."""
    m = _ISO_KEY.match(key)
    return f"day:{m.group(1)}" if m else None


def with_days_of_year(keys: set[str] | frozenset[str]) -> set[str]:
    """`keys` and the day of the year of each day among them: what a question's "June 19" (no year) matches."""
    return set(keys) | {d for k in keys if (d := day_of_year(k))}


def date_keys(text: str, published: dt.date | None = None, ahead: bool = False) -> set[str]:
    return set(_date_keys(text, published, ahead))


@functools.lru_cache(maxsize=16384)  # a sentence is read again as the one before the next, and question after question
def _date_keys(text: str, published: dt.date | None, ahead: bool) -> frozenset[str]:
    return frozenset(key for mention in find_dates(text, published, ahead) for key in mention.keys)


def without_dates(text: str, published: dt.date | None = None) -> str:
    """`text` with its date expressions blanked out (so "31 January 2026" is not read as two numbers)."""
    for mention in reversed(find_dates(text, published)):
        text = text[: mention.start] + " " * (mention.end - mention.start) + text[mention.end :]
    return text
