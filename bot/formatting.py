"""Indian formatting for what the assistant says: rupees and dates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.money import format_minor

__all__ = ["day", "moment", "rupees", "span"]


def rupees(minor: int, currency: str = "INR") -> str:
    """₹ with Indian digit grouping: 24500000 -> '₹2,45,000.00'."""
    return format_minor(minor, currency)


def moment(when: datetime, timezone: str) -> str:
    """'21 Nov 2026, 4:05 pm' in the customer's zone."""
    local = when.astimezone(ZoneInfo(timezone))
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%b %Y}, {hour}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def span(start: date, end: date) -> str:
    if start == end:
        return day(start)
    if start.year == end.year:
        if start.month == end.month:
            return f"{start.day}–{end.day} {end:%b %Y}"
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{day(start)} – {day(end)}"
