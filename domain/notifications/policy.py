"""What preferences, quiet hours and priority make of a draft. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from domain.notifications.model import (
    MONEY_CATEGORIES,
    Channel,
    Draft,
    Preferences,
    Priority,
    Setting,
)


@dataclass(frozen=True, slots=True)
class Decision:
    keep: bool  # stored in the inbox at all
    push: bool  # pushed live into chat now (else it waits for the next connect)
    silent: bool
    channels: frozenset[Channel]


def in_quiet_hours(prefs: Preferences, now: datetime, zone: str) -> bool:
    """Whether ``now`` falls in the quiet hours, read on the customer's wall clock."""
    if prefs.quiet_start is None or prefs.quiet_end is None:
        return False
    local: time = now.astimezone(ZoneInfo(zone)).time().replace(tzinfo=None)
    start, end = prefs.quiet_start, prefs.quiet_end
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # spans midnight


def decide(prefs: Preferences, draft: Draft, now: datetime, zone: str) -> Decision:
    critical = draft.priority is Priority.CRITICAL
    setting = prefs.setting(draft.category)
    if not critical:
        if setting is Setting.OFF:
            return Decision(False, False, False, prefs.channels)
        if (
            prefs.min_amount is not None
            and draft.category in MONEY_CATEGORIES
            and draft.amount is not None
            and draft.amount < prefs.min_amount
        ):
            return Decision(False, False, False, prefs.channels)
    # Critical ones (security, failed rules) go through mutes and quiet hours.
    muted = prefs.muted_until is not None and now < prefs.muted_until
    quiet = muted or in_quiet_hours(prefs, now, zone)
    push = critical or not quiet
    silent = not critical and (setting is Setting.SILENT or draft.priority is Priority.LOW)
    return Decision(True, push, silent, prefs.channels)


def groupable(draft: Draft) -> bool:
    """Medium and low priority wait in a grouping window; high and critical go at once."""
    return draft.priority in (Priority.MEDIUM, Priority.LOW)
