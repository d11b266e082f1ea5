"""Requests that move money. Each carries the idempotency key it was sent with.

``fingerprint()`` hashes what the request asks for (not who sent it or the
key), so a resend with the same key and payload replays the first answer and
a different payload under the same key is refused.

``attachment`` is not part of the request: it is what the sender wants
written in the same transaction as the command's effects (trading's order,
trade and holding rows). The engine hands it, with the command's result, to
its batch hooks when the command applies; a replayed or refused command
attaches nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import ClassVar

from domain.money import Money


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    operation: ClassVar[str]
    # Who sent it (user id); idempotency keys are scoped to them.
    principal_id: str
    idempotency_key: str
    attachment: object = field(default=None, compare=False, repr=False)

    def fingerprint(self) -> str:
        """SHA-256 over the operation and every field but sender and key."""
        parts = [self.operation]
        for name in _payload_fields(type(self)):
            value = getattr(self, name)
            if isinstance(value, Money):
                value = (value.minor, value.currency)
            elif isinstance(value, datetime):
                value = value.isoformat()
            parts.append(f"{name}={value!r}")
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


_FIELDS: dict[type, tuple[str, ...]] = {}


def _payload_fields(cls: type[Command]) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        skip = ("principal_id", "idempotency_key", "attachment")
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls) if f.name not in skip)
    return names


@dataclass(frozen=True, slots=True, kw_only=True)
class MakeTransfer(Command):
    """A customer moves money to an own account or a saved payee."""

    operation: ClassVar[str] = "transfer"
    customer_id: str
    from_account_id: str
    to_account_id: str | None = None
    payee_id: str | None = None
    amount: Money
    memo: str | None = None
    category: str | None = None
    merchant: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExternalPosting(Command):
    """An operator books a bank-feed credit or debit on a customer account."""

    operation: ClassVar[str] = "external_posting"
    account_id: str
    direction: str  # "credit" | "debit"
    amount: Money
    counterparty: str
    category: str | None = None
    merchant: str | None = None
    memo: str | None = None
    posted_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceHold(Command):
    """Reserve funds now, to be posted (in full or part) or voided later."""

    operation: ClassVar[str] = "place_hold"
    customer_id: str
    account_id: str
    to_account_id: str | None = None
    payee_id: str | None = None
    amount: Money
    expires_at: datetime
    memo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PostHold(Command):
    operation: ClassVar[str] = "post_hold"
    customer_id: str | None  # None when an operator acts
    hold_id: str
    amount: Money | None = None  # None posts the whole hold


@dataclass(frozen=True, slots=True, kw_only=True)
class VoidHold(Command):
    operation: ClassVar[str] = "void_hold"
    customer_id: str | None
    hold_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceOrderHold(Command):
    """Reserve trading cash for a buy order, towards the exchange account."""

    operation: ClassVar[str] = "place_order_hold"
    customer_id: str
    account_id: str
    amount: Money
    expires_at: datetime
    memo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SettleTrade(Command):
    """Book one fill atomically: its value with the exchange and its charges.

    A buy spends ``value + charges`` from its order's hold (the rest stays held
    for later fills unless ``final``); a sell credits the value and then debits
    the charges.
    """

    operation: ClassVar[str] = "settle_trade"
    customer_id: str
    account_id: str
    side: str  # "buy" | "sell"
    value: Money
    charges: Money
    hold_id: str | None = None
    final: bool = False
    memo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecuteOrder(Command):
    """Place a trading order in one step: reserve a buy's cash and settle what fills now.

    A buy holds ``hold`` on the trading account towards the exchange; when
    ``value`` is given a fill then spends value + charges from that hold (a
    sell credits the value and debits the charges), and ``final`` releases
    what is left. The fingerprint is the order as the customer asked for it
    (``request``), not the prices worked out from the market, so a resend
    after the price moved replays the first answer instead of conflicting.
    """

    operation: ClassVar[str] = "execute_order"
    customer_id: str
    account_id: str
    order_id: str
    request: str
    side: str  # "buy" | "sell"
    hold: Money | None = None
    expires_at: datetime | None = None
    hold_memo: str | None = None
    value: Money | None = None  # None: nothing fills now, the order rests
    charges: Money | None = None
    final: bool = False
    memo: str | None = None

    def fingerprint(self) -> str:
        parts = (self.operation, self.customer_id, self.account_id, self.request)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
