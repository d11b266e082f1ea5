"""Events as the outbox stores them. Standard library only.

Names are dotted and lower case: the thing, then what happened to it
(``transfer.completed``, ``hold.placed``). ``external.<name>`` events come
from verified inbound webhooks and are there for rules to consume.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.ids import new_id

TRANSFER_COMPLETED = "transfer.completed"
CREDIT_RECEIVED = "credit.received"
DEBIT_POSTED = "debit.posted"
HOLD_PLACED = "hold.placed"
HOLD_POSTED = "hold.posted"
HOLD_VOIDED = "hold.voided"
HOLD_EXPIRED = "hold.expired"
ORDER_FILLED = "order.filled"
RULE_EXECUTED = "rule.executed"
RULE_FAILED = "rule.failed"
ALERT_TRIGGERED = "alert.triggered"
LOGIN_NEW_DEVICE = "security.new_device_login"
PAYEE_ADDED = "payee.added"
LIMIT_CHANGED = "limit.changed"
WEBHOOK_TEST = "webhook.test"

KNOWN_TYPES = frozenset(
    {
        TRANSFER_COMPLETED,
        CREDIT_RECEIVED,
        DEBIT_POSTED,
        HOLD_PLACED,
        HOLD_POSTED,
        HOLD_VOIDED,
        HOLD_EXPIRED,
        ORDER_FILLED,
        RULE_EXECUTED,
        RULE_FAILED,
        ALERT_TRIGGERED,
        LOGIN_NEW_DEVICE,
        PAYEE_ADDED,
        LIMIT_CHANGED,
    }
)


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    customer_id: str | None
    data: dict[str, Any]
    occurred_at: datetime
    subject_id: str | None = None
    id: str = field(default_factory=lambda: new_id("evt"))
    # The outbox position, once stored; orders events.
    seq: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "customer_id": self.customer_id,
            "subject_id": self.subject_id,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.data,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any], seq: int | None = None) -> Event:
        return cls(
            id=str(doc["id"]),
            type=str(doc["type"]),
            customer_id=doc.get("customer_id"),
            subject_id=doc.get("subject_id"),
            occurred_at=datetime.fromisoformat(str(doc["occurred_at"])),
            data=dict(doc.get("data") or {}),
            seq=seq,
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"), ensure_ascii=False)


def matches(event_type: str, patterns: frozenset[str] | None) -> bool:
    """Whether a type is selected: None selects all; ``transfer.*`` selects a family."""
    if patterns is None:
        return True
    return event_type in patterns or any(
        "*" in p and fnmatch.fnmatchcase(event_type, p) for p in patterns
    )


def valid_pattern(pattern: str) -> bool:
    """A known type, a family wildcard (``hold.*``), ``*``, or an ``external.`` type."""
    if pattern == "*" or pattern in KNOWN_TYPES or pattern.startswith("external."):
        return True
    if pattern.endswith(".*"):
        family = pattern[:-2]
        return any(t.startswith(family + ".") for t in KNOWN_TYPES)
    return False
