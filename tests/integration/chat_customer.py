"""Asha, the customer every conversation case talks as, with a realistic ledger.

Savings ends at ₹2,45,000 and Current at ₹58,000 after two salaries and the
card spends below, so spending answers are computed from real postings.
Payees: Ravi Kumar, Priya Sharma, and Mom (Sunita Verma). PIN 1234.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.bootstrap import Container
from bot.context import Customer
from domain.banking.model import AccountType
from domain.identity.model import Scope
from domain.money import Money

IST = ZoneInfo("Asia/Kolkata")
PIN = "1234"
SAVINGS_END = 2_45_000_00
CURRENT_END = 58_000_00

# (day, account, direction, rupees, category, merchant or counterparty), oldest first.
FEED: tuple[tuple[date, str, str, int, str | None, str], ...] = (
    (date(2026, 10, 1), "Savings", "credit", 85_000, "salary", "Acme Payroll"),
    (date(2026, 10, 3), "Savings", "debit", 650, "food", "Swiggy"),
    (date(2026, 10, 7), "Savings", "debit", 1_850, "utilities", "BESCOM"),
    (date(2026, 10, 12), "Savings", "debit", 420, "food", "Zomato"),
    (date(2026, 10, 18), "Savings", "debit", 3_200, "groceries", "BigBasket"),
    (date(2026, 10, 24), "Savings", "debit", 2_499, "shopping", "Amazon"),
    (date(2026, 11, 1), "Savings", "credit", 85_000, "salary", "Acme Payroll"),
    (date(2026, 11, 2), "Savings", "debit", 460, "travel", "Uber"),
    (date(2026, 11, 5), "Savings", "debit", 540, "food", "Swiggy"),
    (date(2026, 11, 9), "Savings", "debit", 1_299, "shopping", "Amazon"),
    (date(2026, 11, 11), "Savings", "debit", 649, "entertainment", "Netflix"),
    (date(2026, 11, 13), "Savings", "debit", 275, "food", "Zomato"),
    (date(2026, 11, 14), "Savings", "debit", 310, "food", "Swiggy"),
)
_MERCHANT_CATEGORIES = {"salary"}  # credits carry a counterparty, not a merchant


@dataclass(frozen=True, slots=True)
class Seeded:
    customer: Customer
    operator_id: str
    accounts: dict[str, str]  # name -> id
    payees: dict[str, str]  # id -> full name


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=IST)


async def seed_asha(container: Container) -> Seeded:
    """Create Asha with accounts, history, payees and PIN, as a product demo would."""
    identity, banking = container.identity, container.banking
    asha = await identity.create_user("asha", "Asha Verma", "correct-horse-1")
    ops = await identity.create_user("ops", "Operations", "correct-horse-3", role=Scope.OPERATOR)
    savings = await banking.open_account(asha, AccountType.SAVINGS, "Savings")
    current = await banking.open_account(asha, AccountType.CURRENT, "Current")
    accounts = {"Savings": savings.id, "Current": current.id}
    net = {"Savings": 0, "Current": 0}
    for _, account, direction, rupees, _, _ in FEED:
        net[account] += rupees * 100 if direction == "credit" else -rupees * 100
    opening = {"Savings": SAVINGS_END - net["Savings"], "Current": CURRENT_END - net["Current"]}
    for n, (name, minor) in enumerate(opening.items()):
        await banking.external_posting(
            principal_id=ops,
            idempotency_key=f"opening-{n}",
            account_id=accounts[name],
            direction="credit",
            amount=Money(minor),
            counterparty="Opening balance",
            posted_at=_at(date(2026, 9, 1)),
        )
    for n, (day, account, direction, rupees, category, who) in enumerate(FEED):
        await banking.external_posting(
            principal_id=ops,
            idempotency_key=f"feed-{n}",
            account_id=accounts[account],
            direction=direction,
            amount=Money(rupees * 100),
            counterparty=who,
            category=category,
            merchant=None if category in _MERCHANT_CATEGORIES else who,
            posted_at=_at(day),
        )
    ravi = await banking.add_payee(asha, "Ravi Kumar", upi_id="ravi.kumar@okaxis")
    priya = await banking.add_payee(asha, "Priya Sharma", upi_id="priya.sharma@okhdfcbank")
    mom = await banking.add_payee(
        asha, "Sunita Verma", nickname="Mom", account_number="50100234567891", ifsc="HDFC0000123"
    )
    await container.pins.set_pin(asha, PIN)
    return Seeded(
        customer=Customer(asha, "Asha Verma", "Asia/Kolkata"),
        operator_id=ops,
        accounts=accounts,
        payees={p.id: p.name for p in (ravi, priya, mom)},
    )
