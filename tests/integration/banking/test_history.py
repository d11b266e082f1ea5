"""Account history: filters, signed amounts, running balances and cursor pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from bot.bootstrap import Container
from domain.banking.service import BankingService
from domain.banking.views import HistoryFilter, HistoryItem
from domain.clock import ManualClock
from domain.errors import NotFound
from domain.money import Money
from tests.integration.banking.ledger import OPERATOR, add_operator, add_user, funded_account, key

# (days ago, direction, paise, category, merchant)
FEED = [
    (40, "credit", 9_000_000, "salary", None),
    (35, "debit", 45_000, "food", "Swiggy"),
    (30, "debit", 120_000, "shopping", "Amazon"),
    (25, "debit", 30_000, "food", "Zomato"),
    (20, "debit", 250_000, "bills", "BESCOM"),
    (15, "debit", 55_000, "food", "swiggy"),
    (10, "credit", 9_000_000, "salary", None),
    (8, "debit", 80_000, "travel", "Uber"),
    (5, "debit", 12_500, "food", "Swiggy"),
    (2, "debit", 999_900, "shopping", "Amazon"),
    (1, "debit", 100, "food", "Chaayos"),
]


@pytest.fixture
async def account(container: Container, clock: ManualClock) -> tuple[str, str, datetime]:
    await add_operator(container)
    banking = container.banking
    asha = await add_user(container.db, clock, "asha")
    acc = await funded_account(banking, asha, 0)
    now = clock.now()
    for days, direction, minor, category, merchant in FEED:
        await banking.external_posting(
            principal_id=OPERATOR,
            idempotency_key=key(),
            account_id=acc,
            direction=direction,
            amount=Money(minor),
            counterparty=merchant or "Acme Payroll",
            category=category,
            merchant=merchant,
            posted_at=now - timedelta(days=days),
        )
    return asha, acc, now


async def everything(banking: BankingService, customer: str, acc: str) -> list[HistoryItem]:
    return (await banking.history(customer, acc, HistoryFilter(limit=1000))).items


async def test_lists_newest_first_with_signed_amounts_and_running_balances(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, _ = account
    items = await everything(container.banking, asha, acc)
    assert len(items) == len(FEED)
    expected = [(-m if d == "debit" else m) for _, d, m, _, _ in reversed(FEED)]
    assert [i.amount for i in items] == expected
    balance = (await container.banking.account(asha, acc)).balance
    assert items[0].balance_after == balance
    for newer, older in pairwise(items):
        assert newer.balance_after - newer.amount == older.balance_after
    assert items[-1].balance_after - items[-1].amount == 0
    assert items[0].to_json()["amount"] == {"minor": -100, "currency": "INR"}


async def test_filters_by_date_from_inclusive_to_exclusive(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, now = account
    flt = HistoryFilter(start=now - timedelta(days=25), end=now - timedelta(days=8))
    page = await container.banking.history(asha, acc, flt)
    assert [i.merchant for i in page.items] == [None, "swiggy", "BESCOM", "Zomato"]


async def test_filters_by_category(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, _ = account
    page = await container.banking.history(asha, acc, HistoryFilter(category="salary"))
    assert [i.amount for i in page.items] == [9_000_000, 9_000_000]


async def test_filters_by_merchant_ignoring_case(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, _ = account
    page = await container.banking.history(asha, acc, HistoryFilter(merchant="SWIGGY"))
    assert [i.amount for i in page.items] == [-12_500, -55_000, -45_000]


async def test_filters_by_size_whatever_the_sign(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, _ = account
    flt = HistoryFilter(min_amount=45_000, max_amount=120_000)
    page = await container.banking.history(asha, acc, flt)
    assert [i.amount for i in page.items] == [-80_000, -55_000, -120_000, -45_000]
    big = await container.banking.history(asha, acc, HistoryFilter(min_amount=1_000_000))
    assert [i.amount for i in big.items] == [9_000_000, 9_000_000]


async def test_filters_combine(container: Container, account: tuple[str, str, datetime]) -> None:
    asha, acc, now = account
    flt = HistoryFilter(category="food", start=now - timedelta(days=20), max_amount=20_000)
    page = await container.banking.history(asha, acc, flt)
    assert [i.merchant for i in page.items] == ["Chaayos", "Swiggy"]


@pytest.mark.parametrize("size", [1, 4, 50])
async def test_cursor_pages_cover_every_item_exactly_once(
    container: Container, account: tuple[str, str, datetime], size: int
) -> None:
    asha, acc, _ = account
    full = await everything(container.banking, asha, acc)
    seen: list[HistoryItem] = []
    flt = HistoryFilter(limit=size)
    pages = 0
    while True:
        page = await container.banking.history(asha, acc, flt)
        pages += 1
        assert len(page.items) <= size
        seen.extend(page.items)
        if page.next_cursor is None:
            break
        flt = replace(flt, cursor=page.next_cursor)
    assert [i.posting_id for i in seen] == [i.posting_id for i in full]
    assert pages == max(1, -(-len(FEED) // size))


async def test_pages_follow_the_filter(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, _ = account
    first = await container.banking.history(asha, acc, HistoryFilter(category="food", limit=2))
    assert first.next_cursor is not None
    rest = await container.banking.history(
        asha, acc, HistoryFilter(category="food", limit=10, cursor=first.next_cursor)
    )
    assert rest.next_cursor is None
    merchants = [i.merchant for i in first.items + rest.items]
    assert merchants == ["Chaayos", "Swiggy", "swiggy", "Zomato", "Swiggy"]


async def test_own_transfers_name_the_other_account(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    asha, acc, _ = account
    banking = container.banking
    other = await funded_account(banking, asha, 0, name="Goa trip")
    await banking.transfer(
        principal_id=asha,
        customer_id=asha,
        idempotency_key=key(),
        from_account_id=acc,
        to_account_id=other,
        amount=Money(5_000),
    )
    out = (await banking.history(asha, acc, HistoryFilter(limit=1))).items[0]
    into = (await banking.history(asha, other, HistoryFilter(limit=1))).items[0]
    assert (out.amount, out.counterparty, out.kind) == (-5_000, "Goa trip", "internal")
    assert (into.amount, into.counterparty, into.balance_after) == (5_000, "Savings", 5_000)
    assert out.transfer_id == into.transfer_id


async def test_someone_elses_history_is_not_found(
    container: Container, account: tuple[str, str, datetime]
) -> None:
    _, acc, _ = account
    ravi = await add_user(container.db, container.clock, "ravi")
    with pytest.raises(NotFound):
        await container.banking.history(ravi, acc, HistoryFilter())
