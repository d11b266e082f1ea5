"""The typed output of the NLU: an intent ranking plus entities with offsets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Entity values are JSON-shaped: an int, a string, or a small dict such as
# {"minor": 250050, "currency": "INR"} or {"start": "2024-10-01", "end": ...}.
EntityValue = int | float | str | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity; start/end are character offsets into the original text."""

    type: str
    value: EntityValue
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "value": self.value,
            "text": self.text,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True, slots=True)
class IntentScore:
    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(self.confidence, 4)}


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What the dialogue engine gets for one utterance.

    ``is_confident`` is False for out_of_scope and for anything under the
    threshold: the engine must then ask (offering ``ranking``) rather than act,
    because a wrong guess could move money.
    """

    text: str
    intent: IntentScore
    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...] = field(default=())
    threshold: float = 0.5

    @property
    def is_confident(self) -> bool:
        return self.intent.name != "out_of_scope" and self.intent.confidence >= self.threshold

    @property
    def is_out_of_scope(self) -> bool:
        return self.intent.name == "out_of_scope"

    def entities_of(self, type_: str) -> list[Entity]:
        return [e for e in self.entities if e.type == type_]

    def first(self, type_: str) -> Entity | None:
        found = self.entities_of(type_)
        return found[0] if found else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "ranking": [s.to_dict() for s in self.ranking],
            "entities": [e.to_dict() for e in self.entities],
            "is_confident": self.is_confident,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)
