"""The channel-neutral reply model. Each channel renders it its own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str

    def to_json(self) -> dict[str, str]:
        return {"label": self.label, "payload": self.payload}


@dataclass(frozen=True, slots=True)
class Card:
    """A titled block of label/value rows (an account, a transfer receipt)."""

    title: str
    rows: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "rows": [{"label": k, "value": v} for k, v in self.rows]}


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()
    quick_replies: tuple[str, ...] = ()
    image_url: str | None = None
    cards: tuple[Card, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "buttons": [b.to_json() for b in self.buttons]}
        if self.quick_replies:
            out["quick_replies"] = list(self.quick_replies)
        if self.image_url:
            out["image_url"] = self.image_url
        if self.cards:
            out["cards"] = [c.to_json() for c in self.cards]
        return out

    def plain(self) -> str:
        """The reply as plain text, for terminals and logs."""
        lines = [self.text]
        for card in self.cards:
            lines.append(f"  {card.title}")
            lines += [f"    {k}: {v}" for k, v in card.rows]
        if self.buttons:
            lines.append("  " + "  ".join(f"[{b.label}]" for b in self.buttons))
        if self.quick_replies:
            lines.append("  try: " + " | ".join(self.quick_replies))
        return "\n".join(lines)


YES = Button("Yes", "/affirm")
NO = Button("No", "/deny")
