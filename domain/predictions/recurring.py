"""Recurring credits and debits (salary, rent, bills, subscriptions) found in history.

Pure: callers pass the movements. A series is the movements with one
counterparty in one direction (a repeat of the same amount within two days
is a duplicate, not another month); it is recurring when it comes about once
a month (the typical gap 20-40 days, none under 15 days or over 62, so a
late rent does not break it), on a steady day of the month (three in four within
three days of the usual day) and for a steady amount (the largest at most
2.5 times the smallest, so a utility bill that varies still counts). Two
occurrences are enough; more make the series surer.
"""

from __future__ import annotations

import calendar
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from typing import Literal
from zoneinfo import ZoneInfo

Direction = Literal["credit", "debit"]

_MIN_GAP, _MAX_GAP = timedelta(days=15), timedelta(days=62)
_TYPICAL_GAP = (20.0, 40.0)  # days: the median gap
_DAY_SPREAD = 3  # days either side of the usual day of the month
_AMOUNT_SPREAD = 2.5  # the largest at most this many times the smallest
_LATE_DAYS = 5  # an item this late is still expected (today), not skipped


@dataclass(frozen=True, slots=True)
class Movement:
    """One credit or debit on the customer's cash accounts."""

    transfer_id: str
    at: datetime
    direction: Direction
    amount: int  # positive minor units
    counterparty: str  # the merchant, else the counterparty
    category: str | None = None


@dataclass(frozen=True, slots=True)
class RecurringItem:
    counterparty: str
    direction: Direction
    amount: int  # typical: the median of the last three
    currency: str
    day_of_month: int
    category: str | None
    occurrences: int
    last: date
    next: date  # when it is expected next, on or after today
    fixed: bool  # every occurrence the same amount
    transfer_ids: tuple[str, ...]

    @property
    def signed(self) -> int:
        return self.amount if self.direction == "credit" else -self.amount

    def dates(self, start: date, end: date) -> list[date]:
        """Expected dates from ``next`` up to ``end`` (inclusive), none before ``start``."""
        out: list[date] = []
        day = self.next
        while day <= end:
            if day >= start:
                out.append(day)
            day = on_day(_next_month(day), self.day_of_month)
        return out

    def to_json(self) -> dict[str, object]:
        return {
            "counterparty": self.counterparty,
            "direction": self.direction,
            "amount": {"minor": self.amount, "currency": self.currency},
            "category": self.category,
            "day_of_month": self.day_of_month,
            "occurrences": self.occurrences,
            "last_date": self.last.isoformat(),
            "expected_date": self.next.isoformat(),
            "fixed_amount": self.fixed,
        }


def on_day(month: date, day: int) -> date:
    """``day`` of ``month``'s month, or its last day when the month is shorter."""
    return month.replace(day=min(day, calendar.monthrange(month.year, month.month)[1]))


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def _key(m: Movement) -> tuple[Direction, str]:
    return m.direction, " ".join(m.counterparty.lower().split())


def _usual_day(days: Sequence[int]) -> int | None:
    """The usual day of the month, if at least three in four are near it (31 and 1 are near)."""
    centre = int(median(days))
    near = sum(min(abs(d - centre), 31 - abs(d - centre)) <= _DAY_SPREAD for d in days)
    return centre if near >= math.ceil(0.75 * len(days)) else None


def _without_repeats(moves: list[Movement]) -> list[Movement]:
    """Drop a repeat of the same amount within two days: a duplicate, not a month."""
    kept: list[Movement] = []
    for m in moves:
        if kept and m.amount == kept[-1].amount and m.at - kept[-1].at <= timedelta(days=2):
            continue
        kept.append(m)
    return kept


def _monthly(gaps: Sequence[timedelta]) -> bool:
    """About a month apart: each gap 15-62 days (one paid late), typically 20-40."""
    if not all(_MIN_GAP <= g <= _MAX_GAP for g in gaps):
        return False
    typical = median(g.total_seconds() for g in gaps) / 86_400
    return _TYPICAL_GAP[0] <= typical <= _TYPICAL_GAP[1]


def _nearest_month(day: date, usual: int) -> date:
    """The first of the month whose usual day ``day`` is nearest to."""
    first = day.replace(day=1)
    months = [_previous_month(first), first, _next_month(first)]
    return min(months, key=lambda m: abs((on_day(m, usual) - day).days))


def _after(previous: date, last: date, usual: int) -> date:
    """When the next one is due: the month after the one the last covered.

    The last covers the month after the one before it, so rent paid a fortnight
    late still covers its own month and the next is due on the usual day.
    """
    covered = _next_month(_nearest_month(previous, usual))
    expected = on_day(_next_month(covered), usual)
    while expected <= last:  # a month was skipped
        expected = on_day(_next_month(expected), usual)
    return expected


def _series(
    moves: list[Movement], zone: ZoneInfo, today: date, currency: str
) -> RecurringItem | None:
    moves = _without_repeats(sorted(moves, key=lambda m: m.at))
    if len(moves) < 2:
        return None
    if not _monthly([b.at - a.at for a, b in itertools.pairwise(moves)]):
        return None
    local = [m.at.astimezone(zone).date() for m in moves]
    day = _usual_day([d.day for d in local])
    amounts = [m.amount for m in moves]
    if day is None or max(amounts) > _AMOUNT_SPREAD * min(amounts):
        return None
    last = local[-1]
    expected = _after(local[-2], last, day)
    while expected < today - timedelta(days=_LATE_DAYS):
        expected = on_day(_next_month(expected), day)
    categories = [m.category for m in moves if m.category]
    return RecurringItem(
        counterparty=moves[-1].counterparty,
        direction=moves[-1].direction,
        amount=int(median(amounts[-3:])),
        currency=currency,
        day_of_month=day,
        category=max(set(categories), key=categories.count) if categories else None,
        occurrences=len(moves),
        last=last,
        next=max(expected, today),
        fixed=len(set(amounts)) == 1,
        transfer_ids=tuple(m.transfer_id for m in moves),
    )


def detect(
    movements: Iterable[Movement], *, today: date, zone: ZoneInfo, currency: str = "INR"
) -> list[RecurringItem]:
    """The recurring series in ``movements``, credits first, then by expected date."""
    groups: dict[tuple[Direction, str], list[Movement]] = defaultdict(list)
    for m in movements:
        groups[_key(m)].append(m)
    found = [
        item
        for moves in groups.values()
        if (item := _series(moves, zone, today, currency)) is not None
    ]
    return sorted(found, key=lambda i: (i.direction != "credit", i.next, -i.amount))


def next_salary(items: Sequence[RecurringItem]) -> RecurringItem | None:
    """The salary: the recurring credit called one, else the largest recurring credit."""
    credits = [i for i in items if i.direction == "credit"]
    named = [i for i in credits if i.category == "salary"]
    pool = named or credits
    return min(pool, key=lambda i: (i.next, -i.amount)) if pool else None
