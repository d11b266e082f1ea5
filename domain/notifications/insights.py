"""Proactive insights from a customer's own history. Pure: callers pass the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from domain.money import format_minor
from domain.notifications.model import Category, Draft, Priority


@dataclass(frozen=True, slots=True)
class Charge:
    """One earlier outflow: when, how much, and where."""

    at: datetime
    amount: int
    merchant: str | None


@dataclass(frozen=True, slots=True)
class Spend:
    customer_id: str
    event_id: str
    at: datetime
    amount: int
    currency: str
    merchant: str | None
    balance_after: int | None


def _draft(spend: Spend, kind: str, title: str, body: str) -> Draft:
    return Draft(
        customer_id=spend.customer_id,
        category=Category.INSIGHT,
        priority=Priority.HIGH,
        title=title,
        body=body,
        amount=spend.amount,
        currency=spend.currency,
        event_id=None,
        data={"insight": kind, "source_event_id": spend.event_id},
    )


def insights(
    spend: Spend,
    history: list[Charge],
    *,
    upcoming: int,
    large: int,
) -> list[Draft]:
    """Insights about one outflow, given earlier outflows (excluding it) and known debits due."""
    out: list[Draft] = []
    money = format_minor(spend.amount, spend.currency)
    recent = [c.amount for c in history if c.at >= spend.at - timedelta(days=90)]
    unusual = len(recent) >= 5 and spend.amount >= 3 * median(recent) and spend.amount >= large // 5
    if spend.amount >= large or unusual:
        why = "larger than usual" if unusual and spend.amount < large else "a large payment"
        out.append(
            _draft(spend, "large_debit", "Large payment", f"{money} left your account: {why}.")
        )
    if spend.merchant:
        same = [c for c in history if c.merchant == spend.merchant]
        if any(c.amount == spend.amount and spend.at - c.at <= timedelta(days=1) for c in same):
            out.append(
                _draft(
                    spend,
                    "duplicate_charge",
                    "Possible duplicate charge",
                    f"{spend.merchant} charged {money} twice within a day.",
                )
            )
        monthly = [c for c in same if timedelta(days=25) <= spend.at - c.at <= timedelta(days=35)]
        if monthly and spend.amount > monthly[-1].amount:
            before = format_minor(monthly[-1].amount, spend.currency)
            out.append(
                _draft(
                    spend,
                    "recurring_increase",
                    "A regular charge went up",
                    f"{spend.merchant} charged {money}, up from {before} last month.",
                )
            )
    if spend.balance_after is not None and upcoming > 0 and spend.balance_after < upcoming:
        out.append(
            _draft(
                spend,
                "low_balance",
                "Low balance ahead",
                f"{format_minor(spend.balance_after, spend.currency)} left, but "
                f"{format_minor(upcoming, spend.currency)} of known payments are due soon.",
            )
        )
    return out


def due_soon(history: list[Charge], now: datetime, days: int = 7) -> int:
    """Known debits coming up: last month's charges at a merchant, due again within ``days``."""
    total = 0
    seen: set[str] = set()
    for c in sorted(history, key=lambda c: c.at, reverse=True):
        if c.merchant is None or c.merchant in seen:
            continue
        seen.add(c.merchant)
        due = c.at + timedelta(days=30)
        if now <= due <= now + timedelta(days=days):
            total += c.amount
    return total
