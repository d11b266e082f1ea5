"""Payment limits: windows in the customer's time zone and the checks on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.banking.model import Limits
from domain.errors import Rejected
from domain.money import format_minor


@dataclass(frozen=True, slots=True)
class Windows:
    day: datetime
    week: datetime
    month: datetime


def windows(now: datetime, timezone: str) -> Windows:
    """Start of today, this week (Monday) and this month, in the customer's zone."""
    local = now.astimezone(ZoneInfo(timezone))
    day = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
    week = day - timedelta(days=local.weekday())
    month = day.replace(day=1)
    return Windows(day, week, month)


@dataclass(slots=True)
class Usage:
    """Payments already made in each current window."""

    day: int = 0
    week: int = 0
    month: int = 0

    def add(self, amount: int) -> None:
        self.day += amount
        self.week += amount
        self.month += amount


def check(limits: Limits, usage: Usage, amount: int) -> None:
    """Refuse a payment that breaks a limit, saying which one and what is left."""
    cur = limits.currency
    if amount > limits.per_transfer:
        raise Rejected(
            "limit_per_transfer",
            f"{format_minor(amount, cur)} is above your per-transfer limit of "
            f"{format_minor(limits.per_transfer, cur)}.",
        )
    for label, used, cap in (
        ("daily", usage.day, limits.daily),
        ("weekly", usage.week, limits.weekly),
        ("monthly", usage.month, limits.monthly),
    ):
        if used + amount > cap:
            left = max(cap - used, 0)
            raise Rejected(
                f"limit_{label}",
                f"This payment of {format_minor(amount, cur)} would go over your {label} limit "
                f"of {format_minor(cap, cur)}; you can still send {format_minor(left, cur)}.",
            )
