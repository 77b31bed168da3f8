"""Numbers and dates as comparable values."""

from __future__ import annotations

import datetime as dt

from rag.normalise import CODE, date_keys, find_dates, format_date, numbers, without_dates

MONDAY = dt.date(2026, 2, 2)


def test_numbers_are_read_as_written_and_scaled():
    assert numbers("only $808m FDI, down from $1.425bn") == {808.0, 808e6, 1.425, 1.425e9}
    assert numbers("at least 254 attacks, a 26 percent increase, 1,200 people") == {254.0, 26.0, 1200.0}
    assert numbers("at least five major rebellions") == {5.0}
    assert numbers("FY26 and COVID-19") == set()  # identifiers are not amounts


def test_a_dataset_row_keeps_its_scale_in_the_unit_column():
    assert 60e9 in numbers("Indicator: Value of the CPEC · Value: 60 · Unit: billion US dollars · Source: x")


def test_relative_days_resolve_against_the_publication_date():
    assert "2026-01-31" in date_keys("On Saturday, fighters killed 31 civilians", MONDAY)
    assert "2026-02-01" in date_keys("India on Sunday rejected", MONDAY)
    assert "2025-03" in date_keys("In March, BLA fighters", MONDAY)  # the March before February 2026
    assert "2025" in date_keys("a 26 percent increase from the previous year", MONDAY)
    assert date_keys("On Saturday", None) == {"weekday:saturday"}


def test_days_ahead_resolve_forward():
    assert [m.key for m in find_dates("The talks resume on Thursday", MONDAY, ahead=True)] == ["2026-02-05"]
    assert [m.key for m in find_dates("The talks resumed on Thursday", MONDAY)] == ["2026-01-29"]
    assert "2026-02-03" in date_keys("The vote is tomorrow", MONDAY)
    assert "2026-03" in date_keys("The vote is next month", MONDAY) and "2027" in date_keys("due next year", MONDAY)


def test_a_weekday_written_with_its_date_is_that_date():
    # published on a Monday: "Thursday, February 5" is the coming Thursday, not the one before
    assert [m.key for m in find_dates("Play begins on Thursday, February 5.", MONDAY)] == ["2026-02-05"]
    assert "2026-01-29" not in date_keys("Play begins on Thursday, February 5.", MONDAY)
    assert [m.key for m in find_dates("on Thursday and on February 5", MONDAY)] == ["2026-01-29", "2026-02-05"]


def test_explicit_dates_imply_their_month_year_and_weekday():
    keys = date_keys("31 January 2026", None)
    assert {"2026-01-31", "2026-01", "2026", "weekday:saturday"} <= keys
    assert "2024-08" in date_keys("launched in August 2024") and "2025" in date_keys("in 2025.")
    assert "2022" in date_keys("a stake bought in mid-2022") and CODE.findall("mid-2022 COVID-19") == ["COVID-19"]


def test_overlapping_mentions_count_once_and_can_be_blanked():
    assert [m.key for m in find_dates("On Saturday (31 January 2026), fighters", MONDAY)] == ["2026-01-31", "2026-01-31"]
    assert numbers(without_dates("31 January 2026: 31 civilians")) == {31.0}
    assert format_date(dt.date(2026, 1, 31)) == "31 January 2026"


def test_a_decade_is_no_figure():
    assert numbers("a brief period in the 1790s") == set() and numbers("people in their 30s") == set()
    assert numbers("15 stripes in 1795") == {15.0, 1795.0}


def test_time_words_in_a_name_or_before_of_are_no_dates():
    assert date_keys("Which USA TODAY columnist wrote it?", MONDAY) == set()
    assert date_keys("she told USA Today", MONDAY) == set()
    assert "2026-02-02" in date_keys("Today, the army said", MONDAY)  # capitalised only as the sentence's first word
    assert date_keys("in the last month of the war", MONDAY) == set()
    assert "2026-01" in date_keys("prices rose last month", MONDAY)
