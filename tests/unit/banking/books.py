"""Builders for driving a ``Book`` directly, with no database."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.banking.book import Book
from domain.banking.commands import MakeTransfer, PlaceHold
from domain.banking.model import AccountState, AccountType, Limits, Payee, settlement_account_id
from domain.money import Money

NOW = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # Monday, 10:30 IST
ASHA, RAVI = "usr_asha", "usr_ravi"
SETTLEMENT = settlement_account_id("INR")
LIMITS = Limits(currency="INR", per_transfer=50_000, daily=80_000, weekly=150_000, monthly=300_000)


def account(
    id: str,
    customer_id: str | None = ASHA,
    balance: int = 0,
    *,
    currency: str = "INR",
    held: int = 0,
    no_overdraft: bool = True,
) -> AccountState:
    kind = AccountType.SAVINGS if customer_id else AccountType.SETTLEMENT
    return AccountState(id, customer_id, kind, currency, balance, held, no_overdraft)


def payee(id: str = "pay_ravi", customer_id: str = ASHA) -> Payee:
    return Payee(id, customer_id, "Ravi Kumar", "ravi", None, None, "ravi@oksbi", NOW)


def book(*accounts: AccountState, now: datetime = NOW) -> Book:
    """A book with the INR settlement account (starting at minus what customers hold)."""
    states = {a.id: a for a in accounts}
    if SETTLEMENT not in states:
        states[SETTLEMENT] = account(
            SETTLEMENT, None, -sum(a.balance for a in accounts), no_overdraft=False
        )
    return Book(now=now, accounts=states, payees={"pay_ravi": payee()})


def rupees(minor: int, currency: str = "INR") -> Money:
    return Money(minor, currency)


def transfer(
    src: str,
    amount: int,
    *,
    to: str | None = None,
    payee_id: str | None = None,
    customer: str = ASHA,
    currency: str = "INR",
) -> MakeTransfer:
    return MakeTransfer(
        principal_id=customer,
        idempotency_key="k",
        customer_id=customer,
        from_account_id=src,
        to_account_id=to,
        payee_id=payee_id,
        amount=rupees(amount, currency),
    )


def hold(
    src: str,
    amount: int,
    expires_at: datetime,
    *,
    to: str | None = None,
    payee_id: str | None = None,
    customer: str = ASHA,
) -> PlaceHold:
    return PlaceHold(
        principal_id=customer,
        idempotency_key="k",
        customer_id=customer,
        account_id=src,
        to_account_id=to,
        payee_id=payee_id,
        amount=rupees(amount),
        expires_at=expires_at,
    )
