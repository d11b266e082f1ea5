"""The 30-day cash-flow forecast and Balance Watch, from a customer's own history.

Pure: callers pass today's balance and the movements. The expected balance on
each coming day is today's balance, plus the recurring items due by then
(``recurring.detect``), minus typical variable spending: the mean daily total
of every other debit over the last 90 days. The interval around it is the
spread of those daily totals growing with the square root of the days ahead
(a sum of independent days), at 80% (z = 1.28). Credits that do not recur
(refunds, one-off gifts) are left out: the forecast errs on the careful side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean, pstdev
from typing import Literal
from zoneinfo import ZoneInfo

from domain.money import format_minor
from domain.predictions.recurring import Movement, RecurringItem, detect, next_salary

HORIZON = 30
LOOKBACK = 90
Z_80 = 1.2816  # the two-sided 80% interval of a normal distribution

Risk = Literal["ok", "possible", "likely"]


@dataclass(frozen=True, slots=True)
class DayForecast:
    day: date
    expected: int
    low: int
    high: int

    def to_json(self, currency: str) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "expected": {"minor": self.expected, "currency": currency},
            "low": {"minor": self.low, "currency": currency},
            "high": {"minor": self.high, "currency": currency},
        }


@dataclass(frozen=True, slots=True)
class Watch:
    """Balance Watch: will the balance stay above the minimum until the next salary?"""

    minimum: int  # the customer's minimum; 0 watches for going below zero
    until: date  # the next salary day, or the end of the forecast when none is known
    salary: bool  # whether ``until`` is a salary day
    risk: Risk  # "likely": the expected balance dips; "possible": only the interval does
    first_day: date | None  # the first day it may go below
    lowest: int  # the lowest expected balance before ``until``
    currency: str

    @property
    def warning(self) -> str | None:
        if self.risk == "ok" or self.first_day is None:
            return None
        line = "below zero" if self.minimum <= 0 else f"below {format_minor(self.minimum)}"
        when = "before your next salary" if self.salary else "in the next 30 days"
        chance = "is likely to" if self.risk == "likely" else "could"
        return (
            f"Your balance {chance} go {line} {when}, from about "
            f"{self.first_day.day} {self.first_day:%b}."
        )

    def to_json(self) -> dict[str, object]:
        return {
            "minimum": {"minor": self.minimum, "currency": self.currency},
            "until": self.until.isoformat(),
            "until_salary": self.salary,
            "risk": self.risk,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "lowest_expected": {"minor": self.lowest, "currency": self.currency},
            "warning": self.warning,
        }


@dataclass(frozen=True, slots=True)
class Forecast:
    today: date
    balance: int
    currency: str
    days: tuple[DayForecast, ...]
    recurring: tuple[RecurringItem, ...]
    daily_spend: int  # typical variable spending per day
    daily_spread: int  # the standard deviation of a day's variable spending
    watch: Watch

    def to_json(self) -> dict[str, object]:
        c = self.currency
        return {
            "today": self.today.isoformat(),
            "balance": {"minor": self.balance, "currency": c},
            "interval": 0.8,
            "daily_variable_spending": {"minor": self.daily_spend, "currency": c},
            "days": [d.to_json(c) for d in self.days],
            "recurring": [r.to_json() for r in self.recurring],
            "watch": self.watch.to_json(),
        }


def variable_spending(
    movements: Sequence[Movement], recurring: Sequence[RecurringItem], today: date, zone: ZoneInfo
) -> tuple[float, float]:
    """Mean and spread of a day's debits outside the recurring items, over the lookback."""
    known = {tid for item in recurring for tid in item.transfer_ids}
    local = [(m.at.astimezone(zone).date(), m) for m in movements]
    if not local:
        return 0.0, 0.0
    start = max(today - timedelta(days=LOOKBACK), min(d for d, _ in local))
    width = max((today - start).days, 1)
    totals = [0] * width
    for day, m in local:
        if m.direction == "debit" and m.transfer_id not in known and start <= day < today:
            totals[(day - start).days] += m.amount
    return fmean(totals), pstdev(totals)


def _watch(
    days: Sequence[DayForecast], items: Sequence[RecurringItem], minimum: int, currency: str
) -> Watch:
    salary = next_salary(items)
    until = salary.next if salary is not None else days[-1].day
    ahead = [d for d in days if d.day < until] or list(days[:1])
    likely = next((d.day for d in ahead if d.expected < minimum), None)
    possible = next((d.day for d in ahead if d.low < minimum), None)
    risk: Risk = "likely" if likely else "possible" if possible else "ok"
    return Watch(
        minimum=minimum,
        until=until,
        salary=salary is not None,
        risk=risk,
        first_day=likely or possible,
        lowest=min(d.expected for d in ahead),
        currency=currency,
    )


def forecast(
    balance: int,
    movements: Sequence[Movement],
    *,
    today: date,
    zone: ZoneInfo,
    minimum: int = 0,
    horizon: int = HORIZON,
    currency: str = "INR",
) -> Forecast:
    """The expected balance for each of the next ``horizon`` days, with its 80% interval."""
    items = detect(movements, today=today, zone=zone, currency=currency)
    mean, spread = variable_spending(movements, items, today, zone)
    first, last = today + timedelta(days=1), today + timedelta(days=horizon)
    due: dict[date, int] = {}
    for item in items:
        for day in item.dates(today, last):
            due[max(day, first)] = due.get(max(day, first), 0) + item.signed
    out: list[DayForecast] = []
    running = balance
    for k in range(1, horizon + 1):
        day = today + timedelta(days=k)
        running += due.get(day, 0)
        expected = round(running - k * mean)
        width = round(Z_80 * spread * math.sqrt(k))
        out.append(DayForecast(day, expected, expected - width, expected + width))
    return Forecast(
        today=today,
        balance=balance,
        currency=currency,
        days=tuple(out),
        recurring=tuple(items),
        daily_spend=round(mean),
        daily_spread=round(spread),
        watch=_watch(out, items, minimum, currency),
    )
