"""Time in questions: "this week", "on Saturday", "last month", "on July 1", "in 2025", "recently" resolved
against the asker's day (the question's `as_of`, else today) into a `DateWindow`, and the publication dates
an article about that time can carry.

    w = find_window("How many flights were cancelled this week?", dt.date(2026, 2, 3))
    w.start, w.end, w.explicit        # 2 Feb 2026, 8 Feb 2026 (Monday to Sunday), True
    w.published_after, w.published_before   # 26 Jan 2026, 3 Feb 2026: what retrieval may return

An explicit window filters by publication date; a vague one ("recently") only ranks recent articles
higher and never excludes one. Only grammar and the calendar are read here: a time word counts when it
is used as a time adjunct ("on Saturday", "in March", "this week"), not as part of a name ("Saturday
Night Live", "The Week", "Theresa May") or as another word ("did protesters march").

From the period a question names to the dates its news is published:
- news of a period starts as long before it as it lasts: previews and announcements ("this week's
  forum" in the papers of the week before), and for a day, the date line of another time zone (a
  Saturday in Sydney is Friday in New York): the window opens one such period early;
- coverage goes on after the period for as long again as the period lasts (a day's event is still news
  in the week after it, a month's in the next month, a year's figures all through the next year: "trade
  was worth £X last year", in June), at least a news week: the window closes `lag` after it;
- a period still to come ("next month", "next Saturday") is written about before it: the window opens as
  long a time before it, or before the asker's day if that is earlier, and runs to the asker's day;
- a period named by the calendar ("in 2008", "in June 2022", "in December") is how news dates what it
  recounts at any distance (a 2024 profile retells 1984; August's report gives June's figures; a
  preview announces next year's), so it bounds publication from below only, and from at least a
  PREVIEW before it: a dated event is announced ahead ("a robotaxi service in Austin this June", written
  in April; "Super Tuesday on March 5", in February);
- nothing later than the asker's day is searched.
Checked on the archive dev split: of its 199 answerable questions with explicit time words, the
article each was written from falls in its window for all but one (asked "this morning" two days after
it; 15 fell outside before the preview and the year-long lag). A lag after named periods would have cut
15 of them, and opening on the period's first day the preview of "this week's" forum that one question's
answer was read from.
A vague word ("recently", "now", "currently", "this season") prefers what was published in the RECENT_DAYS
before the asker's day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Literal

from pydantic import BaseModel

MIN_LAG = dt.timedelta(days=7)
PREVIEW = dt.timedelta(days=92)  # how far ahead of its day a dated event is announced
RECENT_DAYS = 30

Unit = Literal["day", "week", "month", "year"]
_DAY = dt.timedelta(days=1)
_WEEKDAYS = list(calendar.day_name)
_MONTHS = [m for m in calendar.month_name if m]
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10, "couple of": 2, "few": 3, "several": 3}


class DateWindow(BaseModel):
    """The time a question asks about, and the publication dates searched (or preferred) for it."""

    words: str  # as the question writes them: "this week"
    start: dt.date  # the period the words name, inclusive
    end: dt.date
    explicit: bool  # True: a filter on publication date; False ("recently"): a ranking preference only
    published_after: dt.date  # inclusive bounds on publication date
    published_before: dt.date

    def describe(self) -> str:
        """ 'articles published 2026-02-01 – 2026-02-03 (from "this week")' """
        verb = "published" if self.explicit else "preferring those published"
        return f'articles {verb} {self.published_after.isoformat()} – {self.published_before.isoformat()} (from "{self.words}")'


# --- the calendar ---------------------------------------------------------------------------------------
def _week(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + 6 * _DAY


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _months_later(day: dt.date, n: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + n
    return index // 12, index % 12 + 1


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _before(day: dt.date, unit: Unit, n: int = 1) -> dt.date:
    """`day` moved back n units (the start of "the past n weeks")."""
    if unit == "day":
        return day - n * _DAY
    if unit == "week":
        return day - 7 * n * _DAY
    months = n * (12 if unit == "year" else 1)
    year, month = _months_later(day, -months)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _period(unit: Unit, day: dt.date, shift: int) -> tuple[dt.date, dt.date]:
    """The calendar day / week / month / year holding `day`, moved `shift` of them (-1 "last", +1 "next")."""
    if unit == "day":
        return day + shift * _DAY, day + shift * _DAY
    if unit == "week":
        start, _ = _week(day)
        return _week(start + 7 * shift * _DAY)
    if unit == "month":
        return _month(*_months_later(day, shift))
    return _year(day.year + shift)


def _as_long_before(start: dt.date, end: dt.date, day: dt.date) -> dt.date:
    """The day as long before `day` as start–end lasts: whole calendar months (a year) count as months."""
    if start.day == 1 and (end + _DAY).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        return _before(day, "month", months)
    return day - (end - start + _DAY)


def publication_window(start: dt.date, end: dt.date, today: dt.date, named: bool = False) -> tuple[dt.date, dt.date]:
    """The publication dates of news about the period start–end, asked on `today` (see the module's notes);
    `named`: the period is named by the calendar ("in 2025"), not by its distance from today ("last year")."""
    opens = _as_long_before(start, end, min(start, today + _DAY))
    if named:  # a dated event is announced ahead of its day: "launching in Austin this June", in April
        return min(opens, start - PREVIEW), today
    if start > today:
        return opens, today
    lag = max(end - start + _DAY, MIN_LAG)
    return opens, min(end + lag, today)


# --- reading the question -------------------------------------------------------------------------------
_Found = tuple[re.Match, tuple[dt.date, dt.date], str]  # the words, the period, its kind
Kind = Literal["deictic", "named", "vague"]  # "last year" / "in 2025" / "recently"
_RULES: list[tuple[re.Pattern, Callable[[re.Match, dt.date], tuple[dt.date, dt.date] | None], Kind]] = []


def _rule(pattern: str, kind: Kind = "deictic"):
    def register(resolve):
        _RULES.append((re.compile(pattern), resolve, kind))
        return resolve

    return register


_UNIT = r"(day|week|month|year)"
_NOT_OF = r"(?!\s+of\b)"  # "the last month of the war" names no month of the asker's


@_rule(r"\b(?:[Ss]o far|[Ee]arlier) (?:this|in the) (week|month|year)\b" + _NOT_OF)
def _so_far(m: re.Match, today: dt.date):
    return _period(m.group(1), today, 0)[0], today


@_rule(r"(?<!\bthe )\b([Tt]his|[Ll]ast|[Nn]ext) (week|month|year)\b" + _NOT_OF)
def _calendar(m: re.Match, today: dt.date):
    return _period(m.group(2), today, {"this": 0, "last": -1, "next": 1}[m.group(1).lower()])


@_rule(r"(?<!\bthe )\b([Tt]his|[Ll]ast|[Nn]ext) weekend\b")
def _weekend(m: re.Match, today: dt.date):
    _, sunday = _period("week", today, {"this": 0, "last": -1, "next": 1}[m.group(1).lower()])
    return sunday - _DAY, sunday


@_rule(r"\b(?:[Ii]n|[Oo]ver|[Dd]uring) the (?:past|last) (?:(\d+|" + "|".join(_NUMBERS) + ") )?" + _UNIT + r"s?\b" + _NOT_OF)
def _trailing(m: re.Match, today: dt.date):
    n = int(m.group(1)) if (m.group(1) or "").isdigit() else _NUMBERS.get(m.group(1) or "a", 1)
    return _before(today, m.group(2), n), today


@_rule(r"\b([Tt]oday|[Tt]onight|[Tt]his (?:morning|afternoon|evening))\b")
def _today(m: re.Match, today: dt.date):
    return today, today


@_rule(r"\b([Yy]esterday|[Ll]ast night)\b")
def _yesterday(m: re.Match, today: dt.date):
    return today - _DAY, (today - _DAY if m.group(1).lower() == "yesterday" else today)


@_rule(r"(?<![\w-])(?:([Ll]ast|[Nn]ext|[Tt]his (?:past|coming)) )?(" + "|".join(_WEEKDAYS) + r")(['’]s)?(?![\w-])")
def _weekday(m: re.Match, today: dt.date):
    text, before, after = m.string, m.string[: m.start()], m.string[m.end() :]
    if re.search(r"\b(?:a|an|the|every|each|one|that|which|what)\s+$", before):
        return None  # "on a Saturday", "every Monday": no particular day
    if not m.group(3) and re.match(r"\s+[A-Z]", after):
        return None  # "Saturday Night Live": part of a name
    if not m.group(1) and _capitalised_before(text, m.start()):
        return None  # "Super Tuesday", "Good Friday"
    back = (today.weekday() - _WEEKDAYS.index(m.group(2))) % 7
    which = (m.group(1) or "").lower()
    if which in ("next", "this coming"):
        day = today + (7 - back if back else 7) * _DAY
    else:
        day = today - (back or (7 if which else 0)) * _DAY  # "last Saturday" said on a Saturday: a week ago
    return day, day


# News style shortens a month before a day ("Feb. 15", "Sept. 2"): the abbreviations, with their period.
_MONTH_ABBREVIATIONS = {f"{m[:3]}.": n for n, m in enumerate(_MONTHS, 1) if len(m) > 4} | {"Sept.": 9}
_MONTH = "(" + "|".join([*_MONTHS, *(re.escape(a) for a in _MONTH_ABBREVIATIONS)]) + ")"


def _month_number(word: str) -> int | None:
    return _MONTHS.index(word) + 1 if word in _MONTHS else _MONTH_ABBREVIATIONS.get(word)


_MONTH_YEAR = _MONTH + r"(?:,? (?:of )?((?:19|20)\d\d))?(?![\w'’-])"  # "March", "March 2025", "March of 2025"


@_rule(r"\b([Ii]n|[Dd]uring|[Ss]ince|[Ll]ast|[Tt]his|[Nn]ext|[Ee]arly|[Ll]ate|[Mm]id-?) ?" + _MONTH_YEAR, "named")
def _named_month(m: re.Match, today: dt.date):
    which = m.group(1).lower()
    if which in ("last", "this", "next") and m.string[: m.start()].endswith("the "):
        return None
    month = _month_number(m.group(2))
    if m.group(3):
        year = int(m.group(3))
    else:  # "in March": the latest March begun by the asker's day; "next March": the one after that
        year = today.year if month <= today.month else today.year - 1
        if which == "next" or (which == "this" and month > today.month):
            year += 1
        if which == "last" and month == today.month:
            year -= 1
    start, end = _month(year, month)
    return (start, today) if which == "since" else (start, end)


_DAY_OF_MONTH = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR_AFTER = r"(?:,? ((?:19|20)\d\d))?(?![\w'’%-]|[.:]\d)"
# Without its year a day is a time adjunct only after a preposition: "on July 1", not "the Jan. 6 rioters"
# (an event's name) or "Theresa May 5".
_DAY_PREPOSITION = r"(?:([Oo]n|[Bb]y|[Ss]ince|[Uu]ntil|[Bb]efore|[Aa]fter|[Ff]rom|[Tt]hrough) )?"


@_rule(r"(?<![\w.])" + _DAY_PREPOSITION + _MONTH + " " + _DAY_OF_MONTH + _YEAR_AFTER, "named")
def _named_day(m: re.Match, today: dt.date):
    """ "on July 1", "by Oct. 14, 2025": that day, in the latest year it has been by the asker's day unless
    a year is given."""
    return _day(m.group(1), _month_number(m.group(2)), int(m.group(3)), m.group(4), today)


@_rule(r"(?<![\w.])" + _DAY_PREPOSITION + _DAY_OF_MONTH + " " + _MONTH + _YEAR_AFTER, "named")
def _named_day_first(m: re.Match, today: dt.date):
    """ "on 1 February", "since 31 January 2026" """
    return _day(m.group(1), _month_number(m.group(3)), int(m.group(2)), m.group(4), today)


def _day(preposition: str | None, month: int, day: int, year: str | None, today: dt.date) -> tuple[dt.date, dt.date] | None:
    if year is None and preposition is None:
        return None
    if year is None:
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    try:
        named = dt.date(int(year), month, day)
    except ValueError:  # "Feb. 30": no such day
        return None
    return (named, today) if (preposition or "").lower() == "since" else (named, named)


@_rule(r"\b([Ii]n|[Dd]uring|[Tt]hroughout|[Ss]ince) (?:(?:early|late|mid-?) ?)?((?:19|20)\d\d)(?![\w%'’-]|[-–/]\d|\.\d)", "named")
def _named_year(m: re.Match, today: dt.date):
    start, end = _year(int(m.group(2)))
    return (start, today) if m.group(1).lower() == "since" else (start, end)


_VAGUE = r"[Rr]ecent(?:ly)?|[Ll]ately|of late|these days|nowadays|[Cc]urrent(?:ly)?|right now|now|at (?:the moment|present)|this season"


@_rule(r"\b(" + _VAGUE + r")(?![\w-])", "vague")
def _recent(m: re.Match, today: dt.date):
    return today - RECENT_DAYS * _DAY, today


def _capitalised_before(text: str, at: int) -> bool:
    """Whether the word before position `at` is capitalised and not the first word of the question."""
    words = re.findall(r"[\w'’-]+", text[:at])
    return len(words) > 1 and words[-1][0].isupper()


def sentence_first(text: str, at: int) -> bool:
    """Whether position `at` of `text` starts its sentence (where a word is capitalised whatever it is)."""
    return not re.search(r"[\w]", text[:at]) or bool(re.search(r"[.?!][”\"’']?\s+$", text[:at]))


def _found(question: str, today: dt.date) -> Iterator[_Found]:
    for pattern, resolve, kind in _RULES:
        for m in pattern.finditer(question):
            # Time words are written in lower case; "This Week", "Today" mid-sentence are names.
            first = re.match(r"[A-Za-z]+|\d+", m.group(0)).group(0)
            if first[0].isupper() and first not in _WEEKDAYS + _MONTHS and _month_number(f"{first}.") is None \
                    and not sentence_first(question, m.start()):
                continue
            if (period := resolve(m, today)) is not None:
                yield m, period, kind


def find_window(question: str, as_of: dt.date | None = None) -> DateWindow | None:
    """The time the question asks about, or None when it names none. Of several, the narrowest explicit one."""
    today = as_of or dt.date.today()
    found = sorted(_found(question, today), key=lambda f: (f[2] == "vague", f[1][1] - f[1][0], f[0].start()))
    if not found:
        return None
    m, (start, end), kind = found[0]
    explicit = kind != "vague"
    after, before = publication_window(start, end, today, named=kind == "named") if explicit else (start, end)
    return DateWindow(words=m.group(0), start=start, end=end, explicit=explicit, published_after=after, published_before=before)
