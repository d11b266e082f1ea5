"""What an advisor can say back: an answer, or a transfer for the customer to confirm.

The advisor never moves money. A transfer it suggests becomes the assistant's
ordinary transfer task, which names the payee, amount and source account and
waits for the customer's yes (and the PIN when it is large).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.context import Turn


@dataclass(frozen=True, slots=True)
class Answer:
    text: str


@dataclass(frozen=True, slots=True)
class TransferProposal:
    """Slots for the transfer task: payee_id or to_account_id, amount (paise), from_account_id."""

    slots: dict[str, str | int] = field(default_factory=dict)


Advice = Answer | TransferProposal


class Advisor(Protocol):
    async def advise(self, turn: Turn, text: str) -> Advice | None:
        """Answer or propose; None (on any failure too) means: carry on without me."""
        ...
