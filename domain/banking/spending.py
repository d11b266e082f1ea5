"""Spending summaries computed from the ledger: money that left the customer.

Spending is every debit posting on the customer's accounts except moves
between their own accounts; refunds are not netted off.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain import schema
from domain.db import Database


@dataclass(frozen=True, slots=True)
class SpendLine:
    label: str
    total: int  # positive minor units spent
    count: int

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "total": {"minor": self.total, "currency": "INR"},
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class SpendingSummary:
    start: datetime
    end: datetime  # exclusive
    total: int
    count: int
    by_category: tuple[SpendLine, ...]
    by_merchant: tuple[SpendLine, ...]


async def spending_summary(
    db: Database,
    customer_id: str,
    start: datetime,
    end: datetime,
    *,
    category: str | None = None,
    merchant: str | None = None,
) -> SpendingSummary:
    p, t, a = schema.postings, schema.transfers, schema.accounts
    query = (
        select(
            t.c.category,
            t.c.merchant,
            t.c.counterparty,
            func.sum(-p.c.amount).label("total"),
            func.count().label("n"),
        )
        .join(t, t.c.id == p.c.transfer_id)
        .join(a, a.c.id == p.c.account_id)
        .where(
            a.c.customer_id == customer_id,
            p.c.amount < 0,
            t.c.kind != "internal",
            p.c.posted_at >= start,
            p.c.posted_at < end,
        )
        .group_by(t.c.category, t.c.merchant, t.c.counterparty)
    )
    if category is not None:
        query = query.where(t.c.category == category)
    if merchant is not None:
        query = query.where(func.lower(t.c.merchant) == merchant.lower())
    categories: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    merchants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    async with db.lookup() as conn:
        for row in await conn.execute(query):
            total, n = int(row.total), int(row.n)
            cat = categories[row.category or "others"]
            cat[0] += total
            cat[1] += n
            who = merchants[row.merchant or row.counterparty or "Other"]
            who[0] += total
            who[1] += n

    def lines(groups: dict[str, list[int]]) -> tuple[SpendLine, ...]:
        ordered = sorted(groups.items(), key=lambda kv: (-kv[1][0], kv[0]))
        return tuple(SpendLine(label, total, n) for label, (total, n) in ordered)

    return SpendingSummary(
        start=start,
        end=end,
        total=sum(v[0] for v in categories.values()),
        count=sum(v[1] for v in categories.values()),
        by_category=lines(categories),
        by_merchant=lines(merchants),
    )
