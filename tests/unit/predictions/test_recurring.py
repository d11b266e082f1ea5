"""Recurring credits and debits found in hand-built histories and in the demo's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.predictions.recurring import Movement, detect, next_salary
from tests.unit.predictions.demo_history import asha

IST = ZoneInfo("Asia/Kolkata")
TODAY = date(2026, 11, 16)


def monthly(
    who: str, amount: int, day: int, months: int = 4, direction: str = "debit"
) -> list[Movement]:
    return [
        Movement(
            f"{who}-{m}",
            datetime(2026, 11 - months + m, day, 5, 0, tzinfo=UTC),
            direction,  # type: ignore[arg-type]
            amount,
            who,
        )
        for m in range(1, months + 1)
    ]


def test_the_demo_customers_salary_and_rent_are_found_with_their_next_dates() -> None:
    _, moves = asha(TODAY)
    items = {(i.counterparty, i.direction): i for i in detect(moves, today=TODAY, zone=IST)}
    salary = items[("Acme Corp", "credit")]
    rent = items[("Mehta Properties", "debit")]
    assert (salary.amount, salary.next, salary.category) == (85_000_00, date(2026, 12, 1), "salary")
    assert (rent.amount, rent.next, rent.category) == (28_000_00, date(2026, 12, 1), "rent")
    assert next_salary(list(items.values())) == salary


def test_the_demo_customers_bills_and_subscriptions_are_found_but_not_her_card_spends() -> None:
    _, moves = asha(TODAY)
    found = {i.counterparty for i in detect(moves, today=TODAY, zone=IST)}
    assert {"Sunita Verma", "BESCOM", "Airtel", "Netflix"} <= found
    assert not found & {"Swiggy", "Zomato", "Uber", "Amazon", "BigBasket"}


def test_a_bill_that_varies_still_recurs_at_its_typical_amount() -> None:
    bills = [
        Movement(f"b{n}", datetime(2026, m, 12, 5, tzinfo=UTC), "debit", a, "BESCOM")
        for n, (m, a) in enumerate([(7, 1_100_00), (8, 2_400_00), (9, 1_800_00), (10, 1_500_00)])
    ]
    (item,) = detect(bills, today=TODAY, zone=IST)
    assert item.amount == 1_800_00  # the median of the last three
    assert item.fixed is False
    assert item.next == date(2026, 11, 16)  # due on the 12th: a few days late, expected today


def test_one_payment_or_irregular_days_or_gaps_are_not_recurring() -> None:
    assert detect(monthly("Gym", 1_000_00, 5, months=1), today=TODAY, zone=IST) == []
    scattered = [
        Movement(f"s{n}", datetime(2026, m, d, 5, tzinfo=UTC), "debit", 500_00, "Shop")
        for n, (m, d) in enumerate([(8, 2), (9, 20), (10, 8)])
    ]
    assert detect(scattered, today=TODAY, zone=IST) == []
    weekly = [
        Movement(
            f"w{n}",
            datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=7 * n),
            "debit",
            99_00,
            "Tea",
        )
        for n in range(6)
    ]
    assert detect(weekly, today=TODAY, zone=IST) == []


def test_an_amount_that_jumps_is_not_one_series() -> None:
    jump = Movement("big", datetime(2026, 11, 10, 5, tzinfo=UTC), "debit", 5_000_00, "Mystery")
    moves = [*monthly("Mystery", 500_00, 10, months=2), jump]
    assert detect(moves, today=TODAY, zone=IST) == []


def test_a_long_stopped_series_is_still_expected_on_its_day_from_now_on() -> None:
    (item,) = detect(monthly("Gym", 1_000_00, 5, months=3), today=TODAY, zone=IST)
    assert item.next == date(2026, 12, 5)
    assert item.dates(TODAY, date(2027, 1, 31)) == [date(2026, 12, 5), date(2027, 1, 5)]


def test_no_recurring_credit_means_no_salary() -> None:
    assert next_salary(detect(monthly("Gym", 1_000_00, 5), today=TODAY, zone=IST)) is None
