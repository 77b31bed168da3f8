"""Time words in questions resolved against the asker's day, and the publication dates searched for them."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.models import Filters
from rag.pipeline import EmptyWindow, within_window
from rag.timewindow import find_window

D = dt.date
TUESDAY = D(2026, 2, 3)  # the as_of most cases are asked on: Tuesday 3 February 2026


def window(question: str, as_of: dt.date = TUESDAY):
    found = find_window(question, as_of)
    assert found is not None, question
    return found


@pytest.mark.parametrize(
    ("question", "as_of", "words", "period"),
    [
        ("How many flights were cancelled this week?", TUESDAY, "this week", (D(2026, 2, 2), D(2026, 2, 8))),
        ("How many flights were cancelled this week?", D(2026, 2, 2), "this week", (D(2026, 2, 2), D(2026, 2, 8))),  # a Monday
        ("How many flights were cancelled this week?", D(2026, 2, 8), "this week", (D(2026, 2, 2), D(2026, 2, 8))),  # a Sunday
        ("Who resigned last week?", TUESDAY, "last week", (D(2026, 1, 26), D(2026, 2, 1))),
        ("Who resigned last week?", D(2026, 1, 4), "last week", (D(2025, 12, 22), D(2025, 12, 28))),  # across the year
        ("Who won on Saturday?", TUESDAY, "Saturday", (D(2026, 1, 31), D(2026, 1, 31))),
        ("Who won on Saturday?", D(2026, 1, 31), "Saturday", (D(2026, 1, 31), D(2026, 1, 31))),  # asked on a Saturday
        ("What happened in Saturday's attacks?", TUESDAY, "Saturday's", (D(2026, 1, 31), D(2026, 1, 31))),
        ("Who won last Saturday?", D(2026, 1, 31), "last Saturday", (D(2026, 1, 24), D(2026, 1, 24))),
        ("What happened yesterday?", D(2026, 3, 1), "yesterday", (D(2026, 2, 28), D(2026, 2, 28))),
        ("Who was arrested today?", TUESDAY, "today", (TUESDAY, TUESDAY)),
        ("What did prices do last month?", TUESDAY, "last month", (D(2026, 1, 1), D(2026, 1, 31))),
        ("What did prices do last month?", D(2026, 1, 15), "last month", (D(2025, 12, 1), D(2025, 12, 31))),
        ("What vote is due next month?", D(2026, 1, 31), "next month", (D(2026, 2, 1), D(2026, 2, 28))),
        ("What vote is due next month?", D(2026, 12, 5), "next month", (D(2027, 1, 1), D(2027, 1, 31))),
        ("What happened earlier this month?", D(2026, 2, 20), "earlier this month", (D(2026, 2, 1), D(2026, 2, 20))),
        ("How many attacks so far this year?", D(2026, 5, 4), "so far this year", (D(2026, 1, 1), D(2026, 5, 4))),
        ("How many attacks this year?", D(2026, 5, 4), "this year", (D(2026, 1, 1), D(2026, 12, 31))),
        ("How many attacks were there last year?", D(2026, 1, 1), "last year", (D(2025, 1, 1), D(2025, 12, 31))),
        ("How many attacks were there in 2025?", TUESDAY, "in 2025", (D(2025, 1, 1), D(2025, 12, 31))),
        ("What happened in March?", D(2026, 5, 4), "in March", (D(2026, 3, 1), D(2026, 3, 31))),
        ("What happened in March?", TUESDAY, "in March", (D(2025, 3, 1), D(2025, 3, 31))),  # the latest March begun
        ("What happened in February?", D(2024, 2, 10), "in February", (D(2024, 2, 1), D(2024, 2, 29))),  # leap year
        ("What happened in March 2022?", TUESDAY, "in March 2022", (D(2022, 3, 1), D(2022, 3, 31))),
        ("What changed in the past two weeks?", TUESDAY, "in the past two weeks", (D(2026, 1, 20), TUESDAY)),
        ("What did Trump call Japan on July 1?", TUESDAY, "on July 1", (D(2025, 7, 1), D(2025, 7, 1))),  # the latest July 1
        ("What happened on 1 February?", TUESDAY, "on 1 February", (D(2026, 2, 1), D(2026, 2, 1))),
        ("How many cases were there by Oct. 14, 2025?", TUESDAY, "by Oct. 14, 2025", (D(2025, 10, 14), D(2025, 10, 14))),
        ("What happened since 31 January 2026?", TUESDAY, "since 31 January 2026", (D(2026, 1, 31), TUESDAY)),
        ("What happened in Sept. 2022?", TUESDAY, "in Sept. 2022", (D(2022, 9, 1), D(2022, 9, 30))),
    ],
)
def test_each_expression_names_its_period(question, as_of, words, period):
    found = window(question, as_of)
    assert (found.words, (found.start, found.end), found.explicit) == (words, period, True)


def test_without_as_of_the_window_is_resolved_against_today():
    today = dt.date.today()
    assert window("What happened today?", None).start == today


@pytest.mark.parametrize(
    "question",
    [
        "Who did Pakistan blame for the attacks?",
        "Who publishes The Week magazine?",
        "May Theresa May resign?",
        "Did protesters march on parliament?",
        "Who hosted Saturday Night Live?",
        "How many states vote on Super Tuesday 2024?",
        "Where was Vo's father posted in the last month of the Vietnam War?",
        "What did ABC's This Week report?",
        "Why was the 2014-15 flu season so deadly?",
        "Which horse was withdrawn before the 2026 Kentucky Derby began?",  # a name's year, not a time adjunct
        "Why do the markets close every Friday?",
        "What did the Jan. 6 committee find?",  # a day without its year and without a preposition names an event
        "How many died on Feb. 30?",  # no such day
    ],
)
def test_no_window_without_time_words(question):
    assert find_window(question, TUESDAY) is None


def test_recently_is_vague_and_only_prefers():
    found = window("What has the BLA said recently?")
    assert not found.explicit and found.published_before == TUESDAY and found.published_after < TUESDAY
    assert "preferring" in found.describe()
    assert within_window(found, None) is None  # no filter: a preference never excludes


@pytest.mark.parametrize("question", ["Which state has the priciest gas right now?", "Are the fire systems currently working?",
                                      "How many people has flu put in hospital this season?", "Who leads the zoo now?"])
def test_now_and_currently_are_vague_like_recently(question):
    found = window(question)
    assert not found.explicit and found.published_before == TUESDAY


def test_an_explicit_window_wins_over_a_vague_one():
    assert window("What has the BLA said recently about Saturday's attacks?").explicit


def test_news_of_a_period_is_searched_from_one_period_before_it():
    assert window("How many flights were cancelled this week?").published_after == D(2026, 1, 26)  # the week's previews
    assert window("What did prices do last month?").published_after == D(2025, 12, 1)
    assert window("How many attacks were there last year?").published_after == D(2024, 1, 1)


def test_news_of_a_day_is_searched_from_the_day_before_to_the_asker_s_day():
    found = window("Who won on Saturday?")
    assert (found.published_after, found.published_before) == (D(2026, 1, 30), TUESDAY)
    assert found.describe() == 'articles published 2026-01-30 – 2026-02-03 (from "Saturday")'


def test_news_of_a_past_period_runs_on_for_as_long_again():
    month = window("What did prices do last month?", D(2026, 6, 20))  # May
    assert (month.published_after, month.published_before) == (D(2026, 4, 1), D(2026, 6, 20))
    month = window("What did prices do in March?", D(2026, 6, 20))
    # a year's figures are reported all through the next: "trade was worth £X last year", in June
    year = window("How much was US-British trade worth last year?", D(2019, 6, 4))
    assert (year.published_after, year.published_before) == (D(2017, 1, 1), D(2019, 6, 4))
    year = window("How many attacks were there last year?", D(2026, 11, 1))
    assert year.published_before == D(2026, 11, 1)
    week = window("Who resigned last week?", D(2026, 3, 20))
    assert week.published_before == D(2026, 3, 20)  # 9–15 March plus a week, cut at the asker's day
    assert month.published_before == D(2026, 6, 20)


def test_a_named_period_bounds_publication_from_below_only():
    # A 2024 profile retells 1984; August's report gives June's figures: nothing written before can report it.
    found = window("How many visitors did the pandas draw in 1984?", D(2024, 4, 22))
    assert (found.published_after, found.published_before) == (D(1983, 1, 1), D(2024, 4, 22))


def test_a_named_day_or_month_is_searched_from_a_quarter_before_it():
    # Announced ahead: "launching a robotaxi service in Austin this June", published in April.
    june = window("In which city does Tesla plan to launch its robotaxi service in June 2025?", D(2026, 1, 1))
    assert june.published_after == D(2025, 6, 1) - dt.timedelta(days=92) <= D(2025, 4, 22)  # a quarter before
    day = window("Which territory votes on March 5?", D(2024, 3, 6))
    assert day.published_after == D(2023, 12, 4)


def test_a_period_to_come_is_searched_in_the_time_before_it():
    found = window("What vote is due next month?", D(2026, 1, 31))
    assert found.published_before == D(2026, 1, 31) and found.published_after == D(2026, 1, 1)  # said in January
    saturday = window("Who plays next Saturday?")
    assert saturday.start == D(2026, 2, 7) and saturday.published_before == TUESDAY


def test_the_window_narrows_the_user_s_filters_and_never_widens_them():
    found = window("Who resigned last week?")
    narrowed = within_window(found, Filters(published_after=D(2026, 1, 28), as_of=TUESDAY))
    assert (narrowed.published_after, narrowed.latest_date()) == (D(2026, 1, 28), TUESDAY)
    narrowed = within_window(found, Filters(published_after=D(2020, 1, 1), published_before=D(2026, 1, 30)))
    assert (narrowed.published_after, narrowed.latest_date()) == (D(2026, 1, 19), D(2026, 1, 30))
    with pytest.raises(EmptyWindow):
        within_window(found, Filters(published_before=D(2025, 1, 1)))
    assert within_window(None, Filters(as_of=TUESDAY)) == Filters(as_of=TUESDAY)
