"""Mapping between table rows and banking records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from domain.banking.model import (
    Hold,
    HoldStatus,
    Limits,
    Payee,
    Transfer,
    TransferKind,
)
from domain.money import Money


def payee(row: Row[Any]) -> Payee:
    return Payee(
        id=row.id,
        customer_id=row.customer_id,
        name=row.name,
        nickname=row.nickname,
        account_number=row.account_number,
        ifsc=row.ifsc,
        upi_id=row.upi_id,
        created_at=row.created_at,
    )


def hold(row: Row[Any]) -> Hold:
    return Hold(
        id=row.id,
        customer_id=row.customer_id,
        account_id=row.account_id,
        credit_account_id=row.credit_account_id,
        payee_id=row.payee_id,
        amount=Money(row.amount, row.currency),
        posted_amount=row.posted_amount,
        status=HoldStatus(row.status),
        memo=row.memo,
        expires_at=row.expires_at,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
        transfer_id=row.transfer_id,
    )


def transfer(row: Row[Any]) -> Transfer:
    return Transfer(
        id=row.id,
        customer_id=row.customer_id,
        kind=TransferKind(row.kind),
        debit_account_id=row.debit_account_id,
        credit_account_id=row.credit_account_id,
        amount=Money(row.amount, row.currency),
        memo=row.memo,
        category=row.category,
        merchant=row.merchant,
        counterparty=row.counterparty,
        payee_id=row.payee_id,
        hold_id=row.hold_id,
        created_by=row.created_by,
        created_at=row.created_at,
        posted_at=row.posted_at,
    )


def limits(row: Row[Any]) -> Limits:
    return Limits(
        currency=row.currency,
        per_transfer=row.per_transfer,
        daily=row.daily,
        weekly=row.weekly,
        monthly=row.monthly,
    )
