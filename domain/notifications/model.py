"""Notifications and a customer's preferences. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from enum import StrEnum
from typing import Any

from domain.errors import InvalidInput


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Category(StrEnum):
    TRANSFER = "transfer"
    TRANSACTION = "transaction"  # credits and debits from the bank feed
    HOLD = "hold"
    TRADE = "trade"
    SECURITY = "security"
    ACCOUNT = "account"  # payees, limits
    RULE = "rule"
    ALERT = "alert"
    INSIGHT = "insight"


# Categories whose notifications carry an amount, for "only big transactions".
MONEY_CATEGORIES = frozenset(
    {Category.TRANSFER, Category.TRANSACTION, Category.HOLD, Category.TRADE}
)


class Setting(StrEnum):
    ON = "on"
    SILENT = "silent"  # delivered without sound (Telegram disable_notification)
    OFF = "off"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"


@dataclass(frozen=True, slots=True)
class Draft:
    """A notification about to be made, before preferences and grouping."""

    customer_id: str
    category: Category
    priority: Priority
    title: str
    body: str
    amount: int | None = None
    currency: str = "INR"
    event_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notification:
    id: str
    customer_id: str
    category: Category
    priority: Priority
    title: str
    body: str
    amount: int | None
    silent: bool
    created_at: datetime
    read_at: datetime | None = None
    event_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category.value,
            "priority": self.priority.value,
            "title": self.title,
            "body": self.body,
            "silent": self.silent,
            "read": self.read_at is not None,
            "created_at": self.created_at.isoformat(),
            "read_at": self.read_at.isoformat() if self.read_at else None,
            "event_id": self.event_id,
            "data": self.data,
        }


def _parse_time(value: object, name: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput("invalid_preferences", f"'{name}' must be a time like 22:00.") from exc


@dataclass(frozen=True, slots=True)
class Preferences:
    categories: dict[Category, Setting] = field(default_factory=dict)
    channels: frozenset[Channel] = frozenset(Channel)
    quiet_start: time | None = None
    quiet_end: time | None = None
    muted_until: datetime | None = None
    # Money notifications below this many minor units are not sent.
    min_amount: int | None = None

    def setting(self, category: Category) -> Setting:
        return self.categories.get(category, Setting.ON)

    def with_changes(self, **changes: Any) -> Preferences:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "categories": {c.value: self.setting(c).value for c in Category},
            "channels": sorted(c.value for c in self.channels),
            "quiet_hours": (
                {
                    "start": self.quiet_start.strftime("%H:%M"),
                    "end": self.quiet_end.strftime("%H:%M"),
                }
                if self.quiet_start is not None and self.quiet_end is not None
                else None
            ),
            "muted_until": self.muted_until.isoformat() if self.muted_until else None,
            "min_amount": self.min_amount,
        }

    @classmethod
    def from_json(cls, doc: object, base: Preferences | None = None) -> Preferences:
        """Read a (partial) preferences document over ``base``; bad input raises."""
        if not isinstance(doc, dict):
            raise InvalidInput("invalid_preferences", "Preferences must be a JSON object.")
        known = {"categories", "channels", "quiet_hours", "muted_until", "min_amount"}
        unknown = set(doc) - known
        if unknown:
            raise InvalidInput("unknown_field", f"Unknown preference '{sorted(unknown)[0]}'.")
        prefs = base or cls()
        changes: dict[str, Any] = {}
        if "categories" in doc:
            cats = doc["categories"]
            if not isinstance(cats, dict):
                raise InvalidInput("invalid_preferences", "'categories' must be an object.")
            merged = dict(prefs.categories)
            for name, value in cats.items():
                try:
                    merged[Category(name)] = Setting(value)
                except ValueError as exc:
                    raise InvalidInput(
                        "invalid_preferences",
                        f"Category '{name}' must be one of {', '.join(Category)} "
                        f"and its setting one of on, silent, off.",
                    ) from exc
            changes["categories"] = merged
        if "channels" in doc:
            chans = doc["channels"]
            try:
                channels = frozenset(Channel(c) for c in chans)
            except (ValueError, TypeError) as exc:
                raise InvalidInput(
                    "invalid_preferences", "'channels' must list telegram and/or web."
                ) from exc
            if not channels:
                raise InvalidInput("invalid_preferences", "Choose at least one channel.")
            changes["channels"] = channels
        if "quiet_hours" in doc:
            quiet = doc["quiet_hours"]
            if quiet is None:
                changes["quiet_start"] = changes["quiet_end"] = None
            elif isinstance(quiet, dict) and {"start", "end"} <= set(quiet):
                changes["quiet_start"] = _parse_time(quiet["start"], "start")
                changes["quiet_end"] = _parse_time(quiet["end"], "end")
            else:
                raise InvalidInput(
                    "invalid_preferences", "'quiet_hours' must be {start, end} or null."
                )
        if "muted_until" in doc:
            raw = doc["muted_until"]
            if raw is None:
                changes["muted_until"] = None
            else:
                try:
                    when = datetime.fromisoformat(str(raw))
                except ValueError as exc:
                    raise InvalidInput(
                        "invalid_preferences", "'muted_until' must be an ISO 8601 time."
                    ) from exc
                if when.tzinfo is None:
                    raise InvalidInput("invalid_preferences", "'muted_until' needs a time zone.")
                changes["muted_until"] = when
        if "min_amount" in doc:
            value = doc["min_amount"]
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 0
            ):
                raise InvalidInput(
                    "invalid_preferences", "'min_amount' must be whole paise (0 or more) or null."
                )
            changes["min_amount"] = value
        return prefs.with_changes(**changes)
