"""Dialogue state: what a conversation is in the middle of. Persisted as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

# What a task may be waiting for besides a slot name.
CONFIRM = "confirm"
PIN = "pin"


@dataclass
class Task:
    """One thing the customer asked for, possibly over several turns."""

    id: str
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    awaiting: str | None = None
    reprompts: int = 0


@dataclass
class State:
    task: Task | None = None
    # The last answered question, so "and last month?" can reuse it.
    last_query: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> State:
        data = json.loads(raw) if raw else {}
        task = data.get("task")
        return cls(
            task=Task(**task) if task else None,
            last_query=data.get("last_query"),
        )
