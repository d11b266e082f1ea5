"""Limit windows follow the customer's own calendar; checks name the broken limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.banking.limits import Usage, check, windows
from domain.banking.model import Limits
from domain.errors import Rejected

IST = timezone(timedelta(hours=5, minutes=30))
LIMITS = Limits(currency="INR", per_transfer=10_000, daily=20_000, weekly=50_000, monthly=100_000)


def test_day_starts_at_local_midnight_not_utc_midnight() -> None:
    # 20:00 UTC on Tuesday 17 Nov is already 01:30 on Wednesday 18 Nov in India.
    now = datetime(2026, 11, 17, 20, 0, tzinfo=UTC)
    india = windows(now, "Asia/Kolkata")
    utc = windows(now, "UTC")
    assert india.day == datetime(2026, 11, 18, tzinfo=IST)
    assert india.day.astimezone(UTC) == datetime(2026, 11, 17, 18, 30, tzinfo=UTC)
    assert utc.day == datetime(2026, 11, 17, tzinfo=UTC)


def test_a_minute_before_local_midnight_is_still_the_same_day() -> None:
    now = datetime(2026, 11, 17, 18, 29, tzinfo=UTC)  # 23:59 IST
    assert windows(now, "Asia/Kolkata").day == datetime(2026, 11, 17, tzinfo=IST)


def test_week_starts_on_monday_in_the_customers_zone() -> None:
    # Sunday 22 Nov 19:00 UTC is Monday 23 Nov 00:30 in India: a new week there.
    now = datetime(2026, 11, 22, 19, 0, tzinfo=UTC)
    assert windows(now, "Asia/Kolkata").week == datetime(2026, 11, 23, tzinfo=IST)
    assert windows(now, "UTC").week == datetime(2026, 11, 16, tzinfo=UTC)


def test_on_a_monday_the_week_starts_that_same_morning() -> None:
    now = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
    w = windows(now, "Asia/Kolkata")
    assert w.week == w.day == datetime(2026, 11, 16, tzinfo=IST)


def test_month_starts_on_the_first_in_the_customers_zone() -> None:
    # 30 Nov 19:00 UTC is 1 Dec 00:30 in India.
    now = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    assert windows(now, "Asia/Kolkata").month == datetime(2026, 12, 1, tzinfo=IST)
    assert windows(now, "UTC").month == datetime(2026, 11, 1, tzinfo=UTC)


def test_week_may_start_in_the_previous_month() -> None:
    now = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)  # Wednesday 2 Dec
    w = windows(now, "Asia/Kolkata")
    assert w.week == datetime(2026, 11, 30, tzinfo=IST)
    assert w.month == datetime(2026, 12, 1, tzinfo=IST)
    assert w.week < w.month


def test_windows_are_timezone_aware_instants() -> None:
    w = windows(datetime(2026, 3, 8, 12, tzinfo=UTC), "America/New_York")
    for start in (w.day, w.week, w.month):
        assert start.utcoffset() is not None


def test_usage_adds_to_every_window() -> None:
    usage = Usage(day=1, week=2, month=3)
    usage.add(10)
    assert (usage.day, usage.week, usage.month) == (11, 12, 13)


def test_a_payment_within_every_limit_passes() -> None:
    check(LIMITS, Usage(day=10_000, week=10_000, month=10_000), 10_000)


@pytest.mark.parametrize(
    ("usage", "amount", "code", "left"),
    [
        (Usage(), 10_001, "limit_per_transfer", None),
        (Usage(day=15_000, week=15_000, month=15_000), 6_000, "limit_daily", "₹50.00"),
        (Usage(day=0, week=45_000, month=45_000), 6_000, "limit_weekly", "₹50.00"),
        (Usage(day=0, week=0, month=99_000), 2_000, "limit_monthly", "₹10.00"),
    ],
)
def test_a_payment_over_a_limit_is_rejected_with_a_readable_reason(
    usage: Usage, amount: int, code: str, left: str | None
) -> None:
    with pytest.raises(Rejected) as info:
        check(LIMITS, usage, amount)
    assert info.value.code == code
    assert "₹" in info.value.message
    if left is not None:
        assert f"you can still send {left}" in info.value.message


def test_what_is_left_is_never_negative() -> None:
    with pytest.raises(Rejected) as info:
        check(LIMITS, Usage(day=25_000), 1)
    assert "you can still send ₹0.00" in info.value.message
