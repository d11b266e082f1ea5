"""Balance Watch as each payment leaves: is what is left enough for what is due soon?

The notifications consumer asks this on every outflow, from the same history
the anomaly rules read; the full 30-day view is ``forecast.forecast``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from domain.money import format_minor
from domain.predictions.anomalies import Charge, Flag


def due_soon(history: Sequence[Charge], now: datetime, days: int = 7) -> int:
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


def low_balance(charge: Charge, upcoming: int, *, minimum: int = 0) -> Flag | None:
    """A flag when what is left is below what is due soon plus the customer's minimum."""
    left = charge.balance_after
    floor = max(minimum, 0)
    if left is None or upcoming + floor <= 0 or left >= upcoming + floor:
        return None
    money = format_minor(left, charge.currency)
    due = format_minor(upcoming, charge.currency)
    least = format_minor(floor, charge.currency)
    if upcoming <= 0:
        reason = f"{money} left, below your Balance Watch minimum of {least}."
    else:
        reason = f"{money} left, but {due} of known payments are due soon."
    detail = f"After this payment {money} is left and {due} of regular payments fall due soon"
    if floor:
        detail += f"; your Balance Watch minimum is {least}"
    return Flag("low_balance", "Low balance ahead", reason, detail + ".", charge)
