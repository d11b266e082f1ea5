"""The demo plan: deterministic, exact, never overdrawn."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.banking.demo import (
    ASHA,
    CATEGORIES,
    CUSTOMERS,
    VIKRAM,
    PlannedPosting,
    PlannedTransfer,
    history_months,
    plan,
    running_balances,
)
from domain.banking.payees import validate_payee

REFERENCE = date(2026, 11, 16)


def postings(username: str, ref: date = REFERENCE) -> list[PlannedPosting]:
    return [i for i in plan(ref).for_customer(username) if isinstance(i, PlannedPosting)]


def test_the_same_reference_date_gives_the_same_plan() -> None:
    assert plan(REFERENCE) == plan(REFERENCE)


def test_another_reference_date_moves_the_history_with_it() -> None:
    later = plan(REFERENCE + timedelta(days=40))
    assert later.items[0].posted_at > plan(REFERENCE).items[0].posted_at  # type: ignore[union-attr]


def test_final_balances_are_exactly_the_advertised_ones() -> None:
    balances = plan(REFERENCE).balances()
    for customer in CUSTOMERS:
        for account in customer.accounts:
            assert balances[(customer.username, account.key)] == account.balance
    assert balances[("asha", "savings")] == 2_45_000_00
    assert balances[("asha", "current")] == 58_000_00
    assert balances[("asha", "fd")] == 5_00_000_00
    assert balances[("asha", "trading")] == 75_000_00
    assert balances[("vikram", "savings")] == 80_000_00


@pytest.mark.parametrize("offset", range(0, 400, 7))
def test_no_balance_ever_goes_below_zero(offset: int) -> None:
    ref = date(2026, 1, 1) + timedelta(days=offset)
    result = plan(ref)
    assert all(balance >= 0 for _, balance in running_balances(result.items))
    assert result.balances()[("asha", "savings")] == 2_45_000_00


@pytest.mark.parametrize("ref", [date(2026, 11, 1), date(2026, 11, 2), date(2026, 12, 31)])
def test_asha_has_a_salary_credit_from_acme_for_each_month_of_history(ref: date) -> None:
    salaries = [p for p in postings("asha", ref) if p.category == "salary"]
    # Six whole months, and this month's once its first day has passed.
    assert len(salaries) == (6 if ref.day == 1 else 7)
    assert {p.counterparty for p in salaries} == {"Acme Corp"}
    assert all(p.direction == "credit" and p.account == "savings" for p in salaries)


def test_every_category_is_present() -> None:
    items = plan(REFERENCE).for_customer("asha")
    seen = {i.category for i in items}
    assert set(CATEGORIES) <= seen


def test_spending_names_its_merchant() -> None:
    spends = [p for p in postings("asha") if p.category in {"food", "groceries", "shopping"}]
    assert {p.merchant for p in spends} == {"Swiggy", "Zomato", "BigBasket", "Amazon"}
    travel = {p.merchant for p in postings("asha") if p.category == "travel"}
    assert travel == {"Uber"}
    assert all(p.direction == "debit" for p in spends)


def test_history_is_in_time_order_and_in_the_past() -> None:
    start_of_reference = datetime.combine(REFERENCE, datetime.min.time(), ZoneInfo("Asia/Kolkata"))
    for customer in CUSTOMERS:
        times = [p.posted_at for p in postings(customer.username)]
        assert times == sorted(times)
        assert max(times) < start_of_reference.astimezone(UTC)


def test_rent_and_mom_history_name_the_payees_and_this_months_rent_is_a_payee_transfer() -> None:
    asha = postings("asha")
    rent = [p for p in asha if p.category == "rent"]
    assert {p.counterparty for p in rent} == {"Mehta Properties"}
    mom = [p for p in asha if p.memo == "Monthly transfer to Mom"]
    assert len(mom) == 7 and {p.counterparty for p in mom} == {"Sunita Verma"}
    transfers = [i for i in plan(REFERENCE).items if isinstance(i, PlannedTransfer)]
    assert [t.payee for t in transfers if t.payee] == ["Landlord"]
    assert any(t.to_account for t in transfers)  # own-account moves


def test_transfers_come_after_all_dated_history() -> None:
    items = plan(REFERENCE).items
    first_transfer = next(n for n, i in enumerate(items) if isinstance(i, PlannedTransfer))
    assert all(isinstance(i, PlannedTransfer) for i in items[first_transfer:])


def test_item_keys_are_unique() -> None:
    keys = [i.key for i in plan(REFERENCE).items]
    assert len(keys) == len(set(keys))


def test_demo_payees_are_valid() -> None:
    for customer in (ASHA, VIKRAM):
        for payee in customer.payees:
            validate_payee(
                payee.name, payee.nickname, payee.account_number, payee.ifsc, payee.upi_id
            )
    assert {p.label for p in ASHA.payees} == {
        "Ravi Kumar",
        "Priya Sharma",
        "Mom",
        "Landlord",
        "Electricity",
    }


def test_history_covers_six_whole_months_and_the_reference_month_so_far() -> None:
    assert history_months(date(2026, 11, 16)) == [date(2026, m, 1) for m in range(5, 12)]
    assert history_months(date(2026, 11, 1)) == [date(2026, m, 1) for m in range(5, 12)]
    assert history_months(date(2026, 2, 10))[0] == date(2025, 8, 1)


@pytest.mark.parametrize("offset", range(0, 62))
def test_the_history_is_as_long_whatever_the_day_of_the_month(offset: int) -> None:
    ref = date(2026, 11, 1) + timedelta(days=offset)
    assert len(plan(ref).items) > 150


def test_last_month_holds_one_planted_duplicate_swiggy_charge() -> None:
    twins = [
        p
        for p in postings("asha")
        if p.merchant == "Swiggy" and p.amount == 486_00 and p.posted_at.day == 20
    ]
    assert len(twins) == 2
    assert twins[1].posted_at - twins[0].posted_at == timedelta(minutes=3)
    assert twins[0].posted_at.month == 10  # the last whole month before 16 November
