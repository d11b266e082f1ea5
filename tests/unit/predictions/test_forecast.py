"""The 30-day forecast and Balance Watch, from the demo history and hand-built ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.predictions.forecast import forecast
from domain.predictions.recurring import Movement
from tests.unit.predictions.demo_history import asha

IST = ZoneInfo("Asia/Kolkata")
TODAY = date(2026, 11, 16)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC)


def salaried(salary: int, rent: int, daily: int) -> list[Movement]:
    """Three months of a salary on the 1st, rent on the 2nd and the same spend every day."""
    moves: list[Movement] = []
    for month in (8, 9, 10, 11):
        moves.append(Movement(f"sal{month}", at(date(2026, month, 1)), "credit", salary, "Acme"))
        moves.append(Movement(f"rent{month}", at(date(2026, month, 2)), "debit", rent, "Landlord"))
    day = TODAY - timedelta(days=90)
    while day < TODAY:
        moves.append(Movement(f"d{day}", at(day), "debit", daily, "Cafe"))
        day += timedelta(days=1)
    return moves


@pytest.mark.parametrize("reference", [TODAY, date(2026, 12, 2), date(2027, 1, 31)])
def test_the_demo_forecast_books_salary_and_rent_on_their_days(reference: date) -> None:
    balance, moves = asha(reference)
    result = forecast(balance, moves, today=reference, zone=IST)
    assert len(result.days) == 30
    names = {i.counterparty for i in result.recurring}
    assert {"Acme Corp", "Mehta Properties"} <= names
    salary_day = next(i.next for i in result.recurring if i.counterparty == "Acme Corp")
    by_day = {d.day: d for d in result.days}
    if salary_day in by_day:
        day_before = by_day.get(salary_day - timedelta(days=1))
        before = day_before.expected if day_before else result.balance
        # Salary in, rent out, the same day: 85,000 - 28,000 less a day's spending.
        assert 54_000_00 < by_day[salary_day].expected - before < 57_000_00
    assert all(d.low <= d.expected <= d.high for d in result.days)
    assert result.watch.risk == "ok" and result.watch.warning is None


def test_the_interval_widens_with_the_square_root_of_the_days_ahead() -> None:
    moves = salaried(50_000_00, 20_000_00, 500_00)
    moves.append(Movement("odd", at(TODAY - timedelta(days=3)), "debit", 9_000_00, "Shop"))
    days = forecast(40_000_00, moves, today=TODAY, zone=IST).days
    width = [d.high - d.low for d in days]
    assert width == sorted(width) and width[0] > 0
    assert width[3] == pytest.approx(2 * width[0], rel=0.01)  # day 4 against day 1


def test_steady_spending_leaves_an_exact_line_and_no_interval() -> None:
    result = forecast(40_000_00, salaried(50_000_00, 20_000_00, 500_00), today=TODAY, zone=IST)
    assert result.daily_spend == 500_00 and result.daily_spread == 0
    first = result.days[0]
    assert (first.day, first.expected, first.low, first.high) == (
        date(2026, 11, 17),
        39_500_00,
        39_500_00,
        39_500_00,
    )
    dec_2 = next(d for d in result.days if d.day == date(2026, 12, 2))
    assert dec_2.expected == 40_000_00 - 16 * 500_00 + 50_000_00 - 20_000_00


def test_balance_watch_warns_when_the_balance_will_not_last_until_payday() -> None:
    result = forecast(5_000_00, salaried(50_000_00, 20_000_00, 500_00), today=TODAY, zone=IST)
    watch = result.watch
    assert (watch.until, watch.salary, watch.risk) == (date(2026, 12, 1), True, "likely")
    assert watch.first_day == date(2026, 11, 27)  # 5,000 less 500 a day: below zero on day 11
    assert watch.warning == (
        "Your balance is likely to go below zero before your next salary, from about 27 Nov."
    )


def test_balance_watch_uses_the_customers_minimum() -> None:
    moves = salaried(50_000_00, 20_000_00, 500_00)
    assert forecast(20_000_00, moves, today=TODAY, zone=IST).watch.risk == "ok"
    watch = forecast(20_000_00, moves, today=TODAY, zone=IST, minimum=15_000_00).watch
    assert (watch.risk, watch.first_day) == ("likely", date(2026, 11, 27))
    assert watch.warning is not None and "below ₹15,000.00" in watch.warning


def test_only_the_interval_dipping_is_a_possible_not_a_likely_shortfall() -> None:
    moves = salaried(50_000_00, 20_000_00, 300_00)
    moves += [
        Movement(f"x{n}", at(TODAY - timedelta(days=n * 9 + 1)), "debit", 4_000_00, f"Shop {n}")
        for n in range(8)
    ]
    result = forecast(12_000_00, moves, today=TODAY, zone=IST)
    assert min(d.expected for d in result.days if d.day < date(2026, 12, 1)) > 0
    assert result.watch.risk == "possible"
    assert result.watch.warning is not None and "could go below zero" in result.watch.warning


def test_with_no_history_the_balance_stays_flat_and_the_watch_looks_30_days_ahead() -> None:
    result = forecast(1_000_00, [], today=TODAY, zone=IST)
    assert {d.expected for d in result.days} == {1_000_00}
    assert (result.watch.salary, result.watch.until) == (False, date(2026, 12, 16))
