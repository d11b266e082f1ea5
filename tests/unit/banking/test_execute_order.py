"""``Book.execute_order``: a trading order's hold and fill as one all-or-nothing step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.banking.book import Book
from domain.banking.commands import ExecuteOrder
from domain.banking.model import (
    CHARGES_ACCOUNT_ID,
    EXCHANGE_ACCOUNT_ID,
    AccountState,
    AccountType,
    HoldStatus,
)
from domain.errors import DomainError, InvalidInput, Rejected
from domain.money import Money
from tests.unit.banking.books import ASHA, NOW

TRADING = "acc_trading"


def desk(cash: int) -> Book:
    def bank(account_id: str) -> AccountState:
        return AccountState(account_id, None, AccountType.SETTLEMENT, "INR", 0, 0, False)

    trading = AccountState(TRADING, ASHA, AccountType.TRADING, "INR", cash, 0, True)
    accounts = [trading, bank(EXCHANGE_ACCOUNT_ID), bank(CHARGES_ACCOUNT_ID)]
    return Book(now=NOW, accounts={a.id: a for a in accounts})


def order(side: str = "buy", **fields: object) -> ExecuteOrder:
    base: dict[str, object] = {
        "principal_id": ASHA,
        "idempotency_key": "order:c-1",
        "customer_id": ASHA,
        "account_id": TRADING,
        "order_id": "ord_1",
        "request": f"INFY|{side}|10|market|None|None",
        "side": side,
    }
    if side == "buy":
        base.update(hold=Money(16_000_00), expires_at=NOW + timedelta(days=1))
    base.update(fields)
    return ExecuteOrder(**base)  # type: ignore[arg-type]


def test_a_filled_buy_spends_value_and_charges_and_releases_the_rest_of_its_hold() -> None:
    book = desk(20_000_00)
    result = book.execute_order(order(value=Money(15_000_00), charges=Money(20_00), final=True))
    trading = book.accounts[TRADING]
    assert (trading.balance, trading.held) == (20_000_00 - 15_020_00, 0)
    assert book.accounts[EXCHANGE_ACCOUNT_ID].balance == 15_000_00
    assert book.accounts[CHARGES_ACCOUNT_ID].balance == 20_00
    [hold] = book.new_holds
    assert (hold.status, hold.posted_amount) == (HoldStatus.POSTED, 15_020_00)
    assert result["id"] == "ord_1"
    assert result["hold"]["id"] == hold.id
    assert [t["id"] for t in result["transfers"]] == [t.id for t in book.transfers]
    assert [t.amount.minor for t in book.transfers] == [15_000_00, 20_00]


def test_a_buy_that_rests_only_holds_its_cash() -> None:
    book = desk(20_000_00)
    result = book.execute_order(order())
    assert book.accounts[TRADING].held == 16_000_00
    assert book.transfers == []
    assert result["hold"]["status"] == "pending"


def test_a_partial_fill_keeps_the_rest_of_the_hold_reserved() -> None:
    book = desk(20_000_00)
    book.execute_order(order(value=Money(6_000_00), charges=Money(8_00), final=False))
    assert book.accounts[TRADING].held == 16_000_00 - 6_008_00
    assert book.new_holds[0].status is HoldStatus.PENDING


def test_a_filled_sell_credits_the_value_less_charges_without_a_hold() -> None:
    book = desk(0)
    book.execute_order(order("sell", value=Money(15_000_00), charges=Money(30_00), final=True))
    assert book.accounts[TRADING].balance == 14_970_00
    assert book.new_holds == []


@pytest.mark.parametrize(
    ("cash", "cmd", "error"),
    [
        (1_000_00, order(value=Money(500_00), charges=Money(1_00), final=True), Rejected),
        (20_000_00, order(value=Money(16_000_00), charges=Money(1_00), final=True), Rejected),
        (20_000_00, order(value=Money(0), charges=Money(0)), InvalidInput),
        (20_000_00, order(hold=None), InvalidInput),
        (20_000_00, order("sell", hold=Money(1_00)), InvalidInput),
        (20_000_00, order(expires_at=NOW), InvalidInput),
    ],
    ids=[
        "funds short of the hold",
        "fill above the hold",
        "zero value",
        "buy without hold",
        "sell with hold",
        "hold already expired",
    ],
)
def test_a_refused_order_changes_nothing(
    cash: int, cmd: ExecuteOrder, error: type[DomainError]
) -> None:
    book = desk(cash)
    with pytest.raises(error):
        book.execute_order(cmd)
    assert (book.accounts[TRADING].balance, book.accounts[TRADING].held) == (cash, 0)
    assert (book.new_holds, book.transfers, book.touched) == ([], [], set())


def test_the_fingerprint_is_the_order_asked_for_not_the_prices_worked_out() -> None:
    first = order(value=Money(15_000_00), charges=Money(20_00), final=True)
    moved = order(value=Money(15_100_00), charges=Money(21_00), final=True, order_id="ord_2")
    assert first.fingerprint() == moved.fingerprint()
    assert order(request="INFY|buy|11|market|None|None").fingerprint() != first.fingerprint()
