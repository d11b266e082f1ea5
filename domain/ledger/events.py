"""What goes into the audit log: one ``Event`` per money movement or security event.

An event names its type, the customer it concerns, the id it is about (so
"is TXN... recorded?" is one indexed look-up) and a few ids and amounts. No
free text a customer typed (memos, names) goes in: the log can never be
erased, so it holds references, not personal data.

The entry hashed into the tree is the canonical JSON of::

    {"seq": n, "time": "<UTC ISO 8601>", "type": ..., "customer_id": ..., <data>}

Standard library only, apart from the banking records it describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from domain.banking.book import Book
from domain.banking.model import Hold, HoldStatus, Transfer
from domain.ledger import canonical

# Keys every entry has; event data may not use them.
RESERVED = frozenset({"seq", "time", "type", "customer_id"})


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    customer_id: str | None
    subject_id: str | None
    data: dict[str, Any] = field(default_factory=dict)

    def entry(self, seq: int, when: datetime) -> bytes:
        """The canonical bytes this event is recorded as, at ``seq``."""
        clash = RESERVED & self.data.keys()
        if clash:
            raise ValueError(f"event data may not set {sorted(clash)}")
        return canonical.dumps(
            {
                **self.data,
                "seq": seq,
                "time": _utc_text(when),
                "type": self.type,
                "customer_id": self.customer_id,
            }
        )


# A batch's entries all carry its one moment: format each moment once.
_TIME_TEXTS: dict[datetime, str] = {}


def _utc_text(when: datetime) -> str:
    text = _TIME_TEXTS.get(when)
    if text is None:
        if len(_TIME_TEXTS) >= 1024:
            _TIME_TEXTS.clear()
        text = _TIME_TEXTS[when] = when.astimezone(UTC).isoformat(timespec="microseconds")
    return text


# -- money ---------------------------------------------------------------------


def transfer(t: Transfer) -> Event:
    return Event(
        "transfer",
        t.customer_id,
        t.id,
        {
            "transfer_id": t.id,
            "kind": t.kind.value,
            "from_account_id": t.debit_account_id,
            "to_account_id": t.credit_account_id,
            "amount": t.amount.minor,
            "currency": t.amount.currency,
            "payee_id": t.payee_id,
            "hold_id": t.hold_id,
            "by": t.created_by,
        },
    )


def hold_placed(h: Hold) -> Event:
    return Event(
        "hold_placed",
        h.customer_id,
        h.id,
        {
            "hold_id": h.id,
            "account_id": h.account_id,
            "to_account_id": h.credit_account_id,
            "payee_id": h.payee_id,
            "amount": h.amount.minor,
            "currency": h.amount.currency,
            "expires_at": h.expires_at.astimezone(UTC).isoformat(),
        },
    )


def hold_resolved(h: Hold) -> Event:
    """A hold posted, voided or expired."""
    if h.status is HoldStatus.PENDING:
        raise ValueError("a pending hold is not resolved")
    return Event(
        f"hold_{h.status.value}",
        h.customer_id,
        h.id,
        {
            "hold_id": h.id,
            "account_id": h.account_id,
            "amount": h.amount.minor,
            "posted_amount": h.posted_amount,
            "currency": h.amount.currency,
            "transfer_id": h.transfer_id,
        },
    )


def order_fill(
    customer_id: str,
    order_id: str,
    symbol: str,
    side: str,
    quantity: int,
    price_minor: int,
    currency: str,
) -> Event:
    return Event(
        "order_fill",
        customer_id,
        order_id,
        {
            "order_id": order_id,
            "symbol": symbol,
            "side": side,
            "quantity": quantity,
            "price": price_minor,
            "currency": currency,
        },
    )


def rule_executed(customer_id: str, rule_id: str, outcome: str, ref: str | None = None) -> Event:
    return Event(
        "rule_executed", customer_id, rule_id, {"rule_id": rule_id, "outcome": outcome, "ref": ref}
    )


# -- customer settings -------------------------------------------------------------


def payee_added(customer_id: str, payee_id: str) -> Event:
    return Event("payee_added", customer_id, payee_id, {"payee_id": payee_id})


def payee_deleted(customer_id: str, payee_id: str) -> Event:
    return Event("payee_deleted", customer_id, payee_id, {"payee_id": payee_id})


def limits_changed(customer_id: str, currency: str, limits: dict[str, int]) -> Event:
    return Event("limits_changed", customer_id, None, {"currency": currency, "limits": limits})


# -- security ----------------------------------------------------------------------


def login(user_id: str, *, ok: bool, family_id: str | None = None, locked: bool = False) -> Event:
    data: dict[str, Any] = {"user_id": user_id}
    if ok:
        data["family_id"] = family_id
    else:
        data["locked"] = locked
    return Event("login" if ok else "login_failed", user_id, family_id, data)


def token_created(user_id: str, token_id: str, scope: str, kind: str = "api") -> Event:
    return Event(
        "token_created", user_id, token_id, {"token_id": token_id, "scope": scope, "kind": kind}
    )


def telegram_linked(customer_id: str, chat_id: int) -> Event:
    return Event("telegram_linked", customer_id, str(chat_id), {"chat_id": chat_id})


def telegram_unlinked(customer_id: str, chat_id: int) -> Event:
    return Event("telegram_unlinked", customer_id, str(chat_id), {"chat_id": chat_id})


def webhook_registered(customer_id: str | None, webhook_id: str, url_host: str) -> Event:
    return Event(
        "webhook_registered", customer_id, webhook_id, {"webhook_id": webhook_id, "host": url_host}
    )


def from_book(book: Book) -> list[Event]:
    """What one money batch records, grouped: holds placed, transfers, holds resolved."""
    placed = [hold_placed(h) for h in book.new_holds]
    moved = [transfer(t) for t in book.transfers]
    resolved = [
        hold_resolved(h) for h in book.changed_holds.values() if h.status is not HoldStatus.PENDING
    ]
    return [*placed, *moved, *resolved]
