"""Schedules: the next slot after a moment, in the customer's time zone.

Cron expressions are the usual five fields (minute hour day-of-month month
day-of-week, with ``*``, lists, ranges and ``/step``); when both day fields
are restricted a day matches either, as in cron. Slots are computed in local
time and returned in UTC, so "09:00 every day" stays 09:00 across the year.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.errors import InvalidInput

if TYPE_CHECKING:
    from domain.rules.model import Schedule

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 7))
# Looking further than this for a slot means the expression never matches (31 February).
_HORIZON_DAYS = 366 * 5


@dataclass(frozen=True, slots=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Monday, as Python counts
    any_day: bool
    any_weekday: bool

    def day_matches(self, year: int, month: int, day: int) -> bool:
        if month not in self.months:
            return False
        dom = day in self.days
        dow = calendar.weekday(year, month, day) in self.weekdays
        if self.any_day and self.any_weekday:
            return True
        if self.any_day:
            return dow
        if self.any_weekday:
            return dom
        return dom or dow


def _field(text: str, name: str, lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        try:
            step = int(step_text) if step_text else 1
            if body == "*":
                start, end = lo, hi
            elif "-" in body:
                a, b = body.split("-", 1)
                start, end = int(a), int(b)
            else:
                start = end = int(body)
                if step_text:
                    end = hi
        except ValueError:
            raise InvalidInput(
                "invalid_schedule", f"The cron {name} field {text!r} is not understood."
            ) from None
        if step < 1 or not lo <= start <= end <= hi:
            raise InvalidInput(
                "invalid_schedule", f"The cron {name} field {text!r} is out of range."
            )
        out.update(range(start, end + 1, step))
    return out


def parse_cron(expr: str) -> Cron:
    parts = expr.split()
    if len(parts) != 5:
        raise InvalidInput(
            "invalid_schedule", "A cron expression has five fields: minute hour day month weekday."
        )
    sets = [_field(p, n, lo, hi) for p, (n, lo, hi) in zip(parts, _FIELDS, strict=True)]
    # cron counts Sunday as 0 (and 7); Python's Monday is 0.
    weekdays = frozenset((d - 1) % 7 for d in sets[4])
    return Cron(
        minutes=frozenset(sets[0]),
        hours=frozenset(sets[1]),
        days=frozenset(sets[2]),
        months=frozenset(sets[3]),
        weekdays=weekdays,
        any_day=parts[2] == "*",
        any_weekday=parts[4] == "*",
    )


def _cron_next(cron: Cron, after: datetime) -> datetime | None:
    day = after.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    for _ in range(_HORIZON_DAYS):
        if cron.day_matches(day.year, day.month, day.day):
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    slot = day.replace(hour=hour, minute=minute)
                    if slot > after.replace(tzinfo=None):
                        return slot
        day += timedelta(days=1)
    return None


def next_slot(schedule: Schedule, after: datetime, zone: str) -> datetime | None:
    """The first slot strictly after ``after`` (aware), as an aware UTC time."""
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    naive: datetime | None
    if schedule.every == "cron":
        naive = _cron_next(parse_cron(schedule.cron or ""), local)
    else:
        naive = _simple_next(schedule, local.replace(tzinfo=None))
    if naive is None:
        return None
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _simple_next(schedule: Schedule, after: datetime) -> datetime:
    day = after.replace(hour=schedule.at.hour, minute=schedule.at.minute, second=0, microsecond=0)
    for _ in range(400):
        if day > after and _simple_day(schedule, day):
            return day
        day += timedelta(days=1)
    raise AssertionError("every simple schedule has a slot within a year")


def _simple_day(schedule: Schedule, day: datetime) -> bool:
    if schedule.every == "day":
        return True
    if schedule.every == "week":
        return day.weekday() == schedule.weekday
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == (last if schedule.day == 31 else schedule.day)
