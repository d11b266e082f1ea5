from __future__ import annotations

from datetime import date

import pytest

from intents.entities.dates import extract_dates

WEDNESDAY = date(2024, 11, 13)


def one(text: str, today: date = WEDNESDAY) -> tuple[str, object]:
    (entity,) = extract_dates(text, today)
    return entity.type, entity.value


def span(start: str, end: str) -> tuple[str, dict[str, str]]:
    return "date_range", {"start": start, "end": end}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", span("2024-11-13", "2024-11-13")),
        ("yesterday", span("2024-11-12", "2024-11-12")),
        ("this week", span("2024-11-11", "2024-11-13")),
        ("last week", span("2024-11-04", "2024-11-10")),
        ("this month", span("2024-11-01", "2024-11-13")),
        ("last month", span("2024-10-01", "2024-10-31")),
        ("last 30 days", span("2024-10-15", "2024-11-13")),
        ("in October", span("2024-10-01", "2024-10-31")),
        ("in December", span("2023-12-01", "2023-12-31")),
        ("since 1 Oct", span("2024-10-01", "2024-11-13")),
        ("this year", span("2024-01-01", "2024-11-13")),
        ("from 1 oct to 15 oct", span("2024-10-01", "2024-10-15")),
        ("pichle mahine", span("2024-10-01", "2024-10-31")),
        ("yday", span("2024-11-12", "2024-11-12")),
    ],
)
def test_relative_ranges_from_a_wednesday(text: str, expected: tuple[str, object]) -> None:
    assert one(f"spending {text} please") == expected


def test_last_month_in_january_is_december_of_last_year() -> None:
    assert one("last month", date(2025, 1, 10)) == span("2024-12-01", "2024-12-31")


def test_last_week_across_a_year_boundary() -> None:
    assert one("last week", date(2025, 1, 2)) == span("2024-12-23", "2024-12-29")


def test_this_week_on_a_monday_is_just_today() -> None:
    assert one("this week", date(2024, 11, 11)) == span("2024-11-11", "2024-11-11")


def test_last_30_days_across_a_month_end() -> None:
    assert one("last 30 days", date(2024, 3, 1)) == span("2024-02-01", "2024-03-01")


def test_current_month_is_capped_at_today() -> None:
    assert one("in November") == span("2024-11-01", "2024-11-13")


def test_since_a_future_day_means_last_year() -> None:
    assert one("since 20 Dec") == span("2023-12-20", "2024-11-13")


def test_deadline_month_is_in_the_future() -> None:
    assert one("by December") == ("date", "2024-12-31")


def test_tomorrow_is_a_date() -> None:
    assert one("tomorrow") == ("date", "2024-11-14")


def test_may_the_verb_is_not_a_month() -> None:
    assert extract_dates("may i know my balance", WEDNESDAY) == []


def test_decimal_numbers_are_not_dates() -> None:
    assert extract_dates("send 1.5 lakh", WEDNESDAY) == []


def test_offsets_point_into_the_text() -> None:
    text = "txns since 1 Oct please"
    (entity,) = extract_dates(text, WEDNESDAY)
    assert text[entity.start : entity.end] == "since 1 Oct"
