"""Events from what a money batch recorded: transfers and hold changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.banking.book import Book
from domain.banking.model import Hold, HoldStatus, Transfer, TransferKind
from domain.events import model as ev

_HOLD_EVENTS = {
    HoldStatus.POSTED: ev.HOLD_POSTED,
    HoldStatus.VOIDED: ev.HOLD_VOIDED,
    HoldStatus.EXPIRED: ev.HOLD_EXPIRED,
}


def _transfer_data(t: Transfer, balances: dict[str, int]) -> dict[str, Any]:
    return {
        "balances_after": balances,
        "transfer_id": t.id,
        "kind": t.kind.value,
        "from_account_id": t.debit_account_id,
        "to_account_id": t.credit_account_id,
        "amount": t.amount.to_json(),
        "payee_id": t.payee_id,
        "counterparty": t.counterparty,
        "merchant": t.merchant,
        "category": t.category,
        "memo": t.memo,
        "hold_id": t.hold_id,
        # When the money moved: a bank feed may post it after the day it happened.
        "posted_at": t.posted_at.isoformat(),
    }


def _transfer_type(t: Transfer) -> str:
    if t.kind is TransferKind.EXTERNAL_CREDIT:
        return ev.CREDIT_RECEIVED
    if t.kind is TransferKind.EXTERNAL_DEBIT:
        return ev.DEBIT_POSTED
    return ev.TRANSFER_COMPLETED


def _hold_data(h: Hold) -> dict[str, Any]:
    return {
        "hold_id": h.id,
        "account_id": h.account_id,
        "amount": h.amount.to_json(),
        "posted_amount": h.posted_amount,
        "status": h.status.value,
        "payee_id": h.payee_id,
        "transfer_id": h.transfer_id,
        "memo": h.memo,
    }


def from_book(book: Book, now: datetime) -> list[ev.Event]:
    """The batch's events in the order they happened (holds first, then postings)."""
    events: list[ev.Event] = []
    for h in book.new_holds:
        events.append(ev.Event(ev.HOLD_PLACED, h.customer_id, _hold_data(h), now, h.id))
    for h in book.changed_holds.values():
        kind = _HOLD_EVENTS.get(h.status)
        if kind is not None:
            events.append(ev.Event(kind, h.customer_id, _hold_data(h), now, h.id))
    after: dict[str, dict[str, int]] = {}
    for p in book.postings:
        account = book.accounts.get(p.account_id)
        if account is not None and account.customer_id is not None:
            after.setdefault(p.transfer_id, {})[p.account_id] = p.balance_after
    for t in book.transfers:
        if t.customer_id is not None:
            data = _transfer_data(t, after.get(t.id, {}))
            events.append(ev.Event(_transfer_type(t), t.customer_id, data, now, t.id))
    return events
