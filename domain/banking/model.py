"""Banking records. Standard library only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.money import Money


class AccountType(StrEnum):
    SAVINGS = "savings"
    CURRENT = "current"
    FIXED_DEPOSIT = "fixed_deposit"
    TRADING = "trading"
    # The bank's side of money entering or leaving: payees, salary, card spends.
    SETTLEMENT = "settlement"


CUSTOMER_ACCOUNT_TYPES = frozenset(t for t in AccountType if t is not AccountType.SETTLEMENT)


class TransferKind(StrEnum):
    INTERNAL = "internal"  # between two of the customer's own accounts
    PAYEE = "payee"  # to a saved payee, through settlement
    EXTERNAL_CREDIT = "external_credit"  # bank feed: salary, refunds
    EXTERNAL_DEBIT = "external_debit"  # bank feed: card spends, bills
    TRADE = "trade"  # a fill's value or charges, with the exchange's or the bank's account


class HoldStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


def settlement_account_id(currency: str) -> str:
    return f"acc_settlement_{currency.lower()}"


# The bank's side of trades: money paid to and received from the exchange
# (through the clearing member), and the statutory charges collected on fills.
EXCHANGE_ACCOUNT_ID = "acc_exchange_inr"
CHARGES_ACCOUNT_ID = "acc_charges_inr"


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


@dataclass(slots=True)
class AccountState:
    """An account's balances as a batch sees and changes them."""

    id: str
    customer_id: str | None
    type: AccountType
    currency: str
    balance: int
    held: int
    no_overdraft: bool

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(frozen=True, slots=True)
class Payee:
    id: str
    customer_id: str
    name: str
    nickname: str | None
    account_number: str | None
    ifsc: str | None
    upi_id: str | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "nickname": self.nickname,
            "account_number": self.account_number,
            "ifsc": self.ifsc,
            "upi_id": self.upi_id,
            "created_at": iso(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class Transfer:
    id: str
    customer_id: str | None
    kind: TransferKind
    debit_account_id: str
    credit_account_id: str
    amount: Money
    memo: str | None
    category: str | None
    merchant: str | None
    counterparty: str | None
    payee_id: str | None
    hold_id: str | None
    created_by: str | None
    created_at: datetime
    posted_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "status": "completed",
            "from_account_id": self.debit_account_id,
            "to_account_id": self.credit_account_id,
            "payee_id": self.payee_id,
            "hold_id": self.hold_id,
            "amount": self.amount.to_json(),
            "memo": self.memo,
            "category": self.category,
            "merchant": self.merchant,
            "counterparty": self.counterparty,
            "created_at": iso(self.created_at),
            "posted_at": iso(self.posted_at),
        }


@dataclass(frozen=True, slots=True)
class Posting:
    transfer_id: str
    account_id: str
    amount: int  # signed: negative debits the account
    balance_after: int
    posted_at: datetime


@dataclass(slots=True)
class Hold:
    id: str
    customer_id: str | None
    account_id: str
    credit_account_id: str
    payee_id: str | None
    amount: Money
    posted_amount: int
    status: HoldStatus
    memo: str | None
    expires_at: datetime
    created_at: datetime
    resolved_at: datetime | None = None
    transfer_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "account_id": self.account_id,
            "to_account_id": self.credit_account_id,
            "payee_id": self.payee_id,
            "amount": self.amount.to_json(),
            "posted_amount": {"minor": self.posted_amount, "currency": self.amount.currency},
            "status": self.status.value,
            "memo": self.memo,
            "expires_at": iso(self.expires_at),
            "created_at": iso(self.created_at),
            "resolved_at": iso(self.resolved_at),
            "transfer_id": self.transfer_id,
        }


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on payments to payees; moves between own accounts are not payments."""

    currency: str
    per_transfer: int
    daily: int
    weekly: int
    monthly: int

    def to_json(self) -> dict[str, Any]:
        return {
            name: {"minor": getattr(self, name), "currency": self.currency}
            for name in ("per_transfer", "daily", "weekly", "monthly")
        }
