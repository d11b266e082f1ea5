"""Read models: what the API and the assistant show of accounts and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.banking.model import AccountType, iso
from domain.money import Money


@dataclass(frozen=True, slots=True)
class AccountView:
    id: str
    customer_id: str | None
    type: AccountType
    name: str
    number: str
    currency: str
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type.value,
            "name": self.name,
            "number": "XXXX" + self.number[-4:],
            "currency": self.currency,
            "balance": Money(self.balance, self.currency).to_json(),
            "available": Money(self.available, self.currency).to_json(),
        }


@dataclass(frozen=True, slots=True)
class HistoryItem:
    posting_id: int
    transfer_id: str
    kind: str
    amount: int  # signed: negative for debits
    balance_after: int
    currency: str
    category: str | None
    merchant: str | None
    counterparty: str | None
    memo: str | None
    posted_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.transfer_id,
            "transfer_id": self.transfer_id,
            "kind": self.kind,
            "amount": Money(self.amount, self.currency).to_json(),
            "balance_after": Money(self.balance_after, self.currency).to_json(),
            "category": self.category,
            "merchant": self.merchant,
            "counterparty": self.counterparty,
            "memo": self.memo,
            "posted_at": iso(self.posted_at),
        }


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    category: str | None = None
    merchant: str | None = None
    min_amount: int | None = None  # on the absolute amount, in minor units
    max_amount: int | None = None
    limit: int = 50
    cursor: int | None = None  # posting id to continue below


@dataclass(frozen=True, slots=True)
class HistoryPage:
    items: list[HistoryItem]
    next_cursor: int | None
