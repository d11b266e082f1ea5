"""One turn's meaning: from the NLU for typed text, or from a button's payload."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from intents import INTENTS, ParseResult

# Payloads buttons may carry. Anything else is refused as stale or forged.
_PAYLOAD = re.compile(
    r"^/(?:(?:affirm|deny)(?::[A-Za-z0-9_]{1,60})?|cancel|more|intent:[a-z_]{2,40}"
    r"|pick:(?:payee|to|from|account):[A-Za-z0-9_]{1,40}|read:ntf_[0-9A-Z]{26}"
    r"|rule_(?:approve|reject):[A-Za-z0-9_]{1,60})$"
)


@dataclass(frozen=True)
class Understanding:
    text: str
    intent: str
    confidence: float
    confident: bool
    entities: dict[str, list[Any]] = field(default_factory=dict)
    surface: dict[str, list[str]] = field(default_factory=dict)
    ranking: tuple[tuple[str, float], ...] = ()
    payload: str | None = None

    def one(self, kind: str) -> Any | None:
        values = self.entities.get(kind)
        return values[0] if values else None

    def words(self, kind: str) -> str | None:
        values = self.surface.get(kind)
        return values[0] if values else None

    @property
    def seal(self) -> str | None:
        """Which confirmation a '/affirm:<seal>' or '/deny:<seal>' button answers."""
        if self.payload and self.payload.startswith(("/affirm:", "/deny:")):
            return self.payload.split(":", 1)[1]
        return None

    @property
    def pick(self) -> tuple[str, str] | None:
        """(slot, value) for a '/pick:slot:value' button."""
        if self.payload and self.payload.startswith("/pick:"):
            _, slot, value = self.payload.split(":", 2)
            return slot, value
        return None


def from_parse(result: ParseResult) -> Understanding:
    entities: dict[str, list[Any]] = {}
    surface: dict[str, list[str]] = {}
    for e in result.entities:
        entities.setdefault(e.type, []).append(e.value)
        surface.setdefault(e.type, []).append(e.text)
    return Understanding(
        text=result.text,
        intent=result.intent.name,
        confidence=result.intent.confidence,
        confident=result.is_confident,
        entities=entities,
        surface=surface,
        ranking=tuple((s.name, s.confidence) for s in result.ranking),
    )


def valid_payload(payload: str) -> bool:
    if not _PAYLOAD.match(payload):
        return False
    if payload.startswith("/intent:"):
        return payload.removeprefix("/intent:") in INTENTS
    return True


def from_payload(payload: str) -> Understanding:
    """A button press: as certain as a message can be."""
    if payload == "/cancel" or payload.startswith(("/affirm", "/deny")):
        intent = payload[1:].split(":", 1)[0]
    elif payload.startswith("/intent:"):
        intent = payload.removeprefix("/intent:")
    elif payload.startswith("/rule_"):
        intent = "rule_approval"  # an Approve / Reject button on a rule run
    else:
        intent = {"/pick:": "pick", "/read:": "notification_read"}.get(payload[:6], "more")
    return Understanding(text="", intent=intent, confidence=1.0, confident=True, payload=payload)
