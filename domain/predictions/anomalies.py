"""Unusual debits in a customer's own history, each flag with its reason.

Pure: callers pass the outflow and the outflows before it. The rules:

- ``large_debit``: at or over the bank's large-payment threshold, or at least
  three times the median of the last 90 days' payments (five or more of them)
  and a fifth of the threshold (so small purchases are never "large"), to
  someone not paid as much before (rent is large, but not unusual).
- ``unusual_for_merchant``: a robust z-score, 0.6745 (x - median) / MAD, of
  3.5 or more against the customer's earlier payments to the same merchant
  (four or more in 180 days), and at least three times their median.
- ``duplicate_charge``: the same merchant and amount within a day.
- ``recurring_increase``: a fixed monthly charge (the two before it a month
  apart and equal) that went up.
- ``new_merchant_large``: a first payment to a merchant of a fifth of the
  threshold or more, from a customer with a month of history and ten payments.

The notifications consumer turns the flags of each new outflow into alerts;
``scan`` lists the flags over a stretch of history for the customer and for
operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from domain.money import format_minor

LOOKBACK = timedelta(days=90)
MERCHANT_LOOKBACK = timedelta(days=180)
Z_LIMIT = 3.5  # the usual cut-off for robust z-scores (Iglewicz and Hoaglin)


@dataclass(frozen=True, slots=True)
class Charge:
    """One outflow: when, how much, where, and which transfer it was."""

    at: datetime
    amount: int
    merchant: str | None
    transfer_id: str | None = None
    currency: str = "INR"
    balance_after: int | None = None
    counterparty: str | None = None  # whom it went to, when there is no merchant

    @property
    def to(self) -> str | None:
        return self.merchant or self.counterparty


@dataclass(frozen=True, slots=True)
class Flag:
    kind: str
    title: str
    reason: str  # one line, as the alert says it
    detail: str  # why, with the figures behind it
    charge: Charge

    def to_json(self) -> dict[str, object]:
        c = self.charge
        return {
            "kind": self.kind,
            "title": self.title,
            "reason": self.reason,
            "detail": self.detail,
            "transfer_id": c.transfer_id,
            "at": c.at.isoformat(),
            "amount": {"minor": c.amount, "currency": c.currency},
            "merchant": c.merchant,
        }


def robust_z(value: int, sample: Sequence[int]) -> float:
    """How far ``value`` is above the sample, in robust standard deviations.

    The MAD is floored at 5% of the median, so a merchant that always charges
    the same amount still gives a finite score.
    """
    centre = median(sample)
    mad = median(abs(x - centre) for x in sample)
    return 0.6745 * (value - centre) / max(mad, 0.05 * centre, 1)


def _money(charge: Charge, amount: int | None = None) -> str:
    return format_minor(charge.amount if amount is None else amount, charge.currency)


def _large(charge: Charge, history: Sequence[Charge], large: int) -> Flag | None:
    recent = [c.amount for c in history if c.at >= charge.at - LOOKBACK]
    typical = median(recent) if recent else 0
    # Rent or money home is large next to coffee, but not unusual once paid before.
    paid_before = charge.to is not None and any(
        c.to == charge.to and c.amount >= 0.75 * charge.amount for c in history
    )
    unusual = (
        len(recent) >= 5
        and not paid_before
        and charge.amount >= 3 * typical
        and charge.amount >= large // 5
    )
    if charge.amount < large and not unusual:
        return None
    why = "larger than usual" if unusual and charge.amount < large else "a large payment"
    detail = f"It is at or over the large-payment amount of {_money(charge, large)}."
    if unusual:
        detail = (
            f"It is {charge.amount / typical:.1f} times your typical payment of "
            f"{_money(charge, int(typical))} over the last 90 days."
        )
    return Flag(
        "large_debit",
        "Large payment",
        f"{_money(charge)} left your account: {why}.",
        detail,
        charge,
    )


def _for_merchant(charge: Charge, same: Sequence[Charge]) -> Flag | None:
    earlier = [c.amount for c in same if c.at >= charge.at - MERCHANT_LOOKBACK]
    if len(earlier) < 4:
        return None
    z = robust_z(charge.amount, earlier)
    usual = median(earlier)
    if z < Z_LIMIT or charge.amount < 3 * usual:
        return None
    return Flag(
        "unusual_for_merchant",
        "Unusual amount",
        f"{_money(charge)} at {charge.merchant}, far above your usual "
        f"{_money(charge, int(usual))} there.",
        f"Your last {len(earlier)} payments there had a median of {_money(charge, int(usual))}; "
        f"this one's robust z-score is {z:.1f} (3.5 or more is unusual).",
        charge,
    )


def _duplicate(charge: Charge, same: Sequence[Charge]) -> Flag | None:
    twin = next(
        (c for c in same if c.amount == charge.amount and charge.at - c.at <= timedelta(days=1)),
        None,
    )
    if twin is None:
        return None
    gap = max(int((charge.at - twin.at).total_seconds() // 60), 0)
    return Flag(
        "duplicate_charge",
        "Possible duplicate charge",
        f"{charge.merchant} charged {_money(charge)} twice within a day.",
        f"The same amount at the same merchant {gap} minutes after the first charge.",
        charge,
    )


def _increase(charge: Charge, same: Sequence[Charge]) -> Flag | None:
    if len(same) < 2:
        return None
    before, last = same[-2], same[-1]
    # A fixed monthly charge: the two before were a month apart, for the same amount.
    month = timedelta(days=25), timedelta(days=35)
    if not all(
        month[0] <= b - a <= month[1] for a, b in ((before.at, last.at), (last.at, charge.at))
    ):
        return None
    if before.amount != last.amount or charge.amount <= last.amount:
        return None
    was = _money(charge, last.amount)
    return Flag(
        "recurring_increase",
        "A regular charge went up",
        f"{charge.merchant} charged {_money(charge)}, up from {was} last month.",
        f"{charge.merchant} charged {was} in each of the two months before; this time "
        f"{_money(charge, charge.amount - last.amount)} more.",
        charge,
    )


def _new_merchant(charge: Charge, history: Sequence[Charge], large: int) -> Flag | None:
    if charge.amount < large // 5 or len(history) < 10:
        return None
    if charge.at - min(c.at for c in history) < timedelta(days=30):
        return None
    return Flag(
        "new_merchant_large",
        "Large payment to a new merchant",
        f"{_money(charge)} at {charge.merchant}, a merchant you haven't paid before.",
        f"Your first payment there, and at least {_money(charge, large // 5)}.",
        charge,
    )


def check(charge: Charge, history: Sequence[Charge], *, large: int) -> list[Flag]:
    """The flags on one outflow, given the outflows before it (oldest first, without it)."""
    flags = [f for f in [_large(charge, history, large)] if f is not None]
    if charge.merchant:
        same = [c for c in history if c.merchant == charge.merchant]
        if same:
            found = [_for_merchant(charge, same), _duplicate(charge, same), _increase(charge, same)]
            flags += [f for f in found if f is not None]
        elif not flags:
            flags += [f for f in [_new_merchant(charge, history, large)] if f is not None]
    return flags


def scan(charges: Sequence[Charge], since: datetime, *, large: int) -> list[Flag]:
    """Flags on every outflow from ``since``, each against those before it; newest first."""
    ordered = sorted(charges, key=lambda c: c.at)
    flags: list[Flag] = []
    for n, charge in enumerate(ordered):
        if charge.at >= since:
            flags += check(charge, ordered[:n], large=large)
    return sorted(flags, key=lambda f: f.charge.at, reverse=True)
