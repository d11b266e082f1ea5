"""The behaviour features: one builder for training and for serving.

``build_features(conn, as_of)`` reads the money core's and the activity
tables as they stood at ``as_of`` and returns one row of ``FEATURES`` per
customer. Training calls it at a past cutoff (the labels come from what
happened after it, see ``labels``); serving calls it at now. Both read the
same tables with the same statements, so a model never sees a feature
computed differently from the one it learnt.

Every statement is a grouped aggregate, so scoring one customer is a dozen
indexed look-ups and scoring the bank is a dozen scans. Amounts become
rupees as floats here: they are model inputs, never money that moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Select, and_, case, distinct, func, or_, select

from domain import schema
from domain.db import Reads

FEATURES: tuple[str, ...] = (
    "tenure_days",
    "days_since_last_activity",
    "txns_30d",
    "txns_90d",
    "spend_30d",
    "spend_90d",
    "avg_spend_90d",
    "inflow_90d",
    "balance",
    "balance_trend_30d",
    "salary_regularity",
    "has_trading",
    "trades_90d",
    "has_fd",
    "tickets_90d",
    "declined_90d",
    "logins_30d",
    "devices",
    "notifications_90d",
    "notification_read_rate",
)

# What each feature means, for the model card and the docs.
DESCRIPTIONS: dict[str, str] = {
    "tenure_days": "days since the customer joined",
    "days_since_last_activity": "days since the last outgoing transaction (capped at 365)",
    "txns_30d": "outgoing transactions in the last 30 days",
    "txns_90d": "outgoing transactions in the last 90 days",
    "spend_30d": "rupees spent (card spends and payments) in the last 30 days",
    "spend_90d": "rupees spent in the last 90 days",
    "avg_spend_90d": "average spend per transaction in the last 90 days",
    "inflow_90d": "rupees credited from outside in the last 90 days",
    "balance": "savings and current balance, rupees",
    "balance_trend_30d": "change of that balance over 30 days, relative to it (clipped to ±5)",
    "salary_regularity": "share of the last three 30-day periods with a salary credit",
    "has_trading": "holds a trading account (1/0)",
    "trades_90d": "trades executed in the last 90 days",
    "has_fd": "holds a fixed deposit (1/0)",
    "tickets_90d": "support tickets opened in the last 90 days",
    "declined_90d": "rejected orders and expired holds in the last 90 days",
    "logins_30d": "sign-ins in the last 30 days",
    "devices": "devices the customer has signed in from",
    "notifications_90d": "notifications sent in the last 90 days",
    "notification_read_rate": "share of those read (smoothed: (read+1)/(sent+2))",
}

INDEX = {name: i for i, name in enumerate(FEATURES)}
MAX_DAYS = 365.0
_SPEND_KINDS = ("external_debit", "payee")
_LIQUID = ("savings", "current")


@dataclass(frozen=True, slots=True)
class FeatureMatrix:
    """Rows of ``FEATURES``, one per customer, in ``customer_ids`` order."""

    customer_ids: list[str]
    values: np.ndarray[Any, np.dtype[np.float64]]
    as_of: datetime

    def __len__(self) -> int:
        return len(self.customer_ids)

    def row(self, customer_id: str) -> dict[str, float]:
        i = self.customer_ids.index(customer_id)
        return {name: float(v) for name, v in zip(FEATURES, self.values[i], strict=True)}


async def build_features(
    conn: Reads, as_of: datetime, customer_ids: Sequence[str] | None = None
) -> FeatureMatrix:
    """Features at ``as_of`` of every customer who had joined by then (or of those given)."""
    ids = list(dict.fromkeys(customer_ids)) if customer_ids is not None else None
    u = schema.users
    query = select(u.c.id, u.c.created_at).where(u.c.role == "customer", u.c.created_at <= as_of)
    if ids is not None:
        query = query.where(u.c.id.in_(ids))
    joined = {r.id: r.created_at for r in await conn.execute(query.order_by(u.c.id))}
    order = [i for i in ids if i in joined] if ids is not None else list(joined)
    values = np.zeros((len(order), len(FEATURES)), dtype=np.float64)
    if not order:
        return FeatureMatrix(order, values, as_of)
    rows = {cid: n for n, cid in enumerate(order)}

    def put(name: str, by_customer: dict[str, float]) -> None:
        col = INDEX[name]
        for cid, value in by_customer.items():
            n = rows.get(cid)
            if n is not None:
                values[n, col] = value

    days = np.array([(as_of - joined[c]).total_seconds() / 86400 for c in order])
    values[:, INDEX["tenure_days"]] = np.maximum(days, 0.0)
    # No notification yet reads as the smoothed prior, one half.
    values[:, INDEX["notification_read_rate"]] = 0.5
    scope = ids is not None
    await _transfers(conn, as_of, order if scope else None, put, values, rows)
    await _salary(conn, as_of, order if scope else None, put)
    await _accounts(conn, as_of, order if scope else None, put)
    await _activity(conn, as_of, order if scope else None, put)
    return FeatureMatrix(order, values, as_of)


Put = Any  # Callable[[str, dict[str, float]], None]


def _where_customer(query: Select[Any], column: Any, ids: list[str] | None) -> Select[Any]:
    return query if ids is None else query.where(column.in_(ids))


async def _transfers(
    conn: Reads,
    as_of: datetime,
    ids: list[str] | None,
    put: Put,
    values: np.ndarray[Any, np.dtype[np.float64]],
    rows: dict[str, int],
) -> None:
    t = schema.transfers
    d30, d90 = as_of - timedelta(days=30), as_of - timedelta(days=90)
    out = t.c.kind != "external_credit"
    spend = t.c.kind.in_(_SPEND_KINDS)
    query = _where_customer(
        select(
            t.c.customer_id,
            func.max(case((out, t.c.posted_at))).label("last_out"),
            func.sum(case((and_(out, t.c.posted_at > d30), 1), else_=0)).label("txns_30"),
            func.sum(case((and_(out, t.c.posted_at > d90), 1), else_=0)).label("txns_90"),
            func.sum(case((and_(spend, t.c.posted_at > d30), t.c.amount), else_=0)).label("s30"),
            func.sum(case((and_(spend, t.c.posted_at > d90), t.c.amount), else_=0)).label("s90"),
            func.sum(case((and_(spend, t.c.posted_at > d90), 1), else_=0)).label("n_spend"),
            func.sum(
                case(
                    (and_(t.c.kind == "external_credit", t.c.posted_at > d90), t.c.amount), else_=0
                )
            ).label("in90"),
        )
        .where(t.c.customer_id.is_not(None), t.c.posted_at <= as_of)
        .group_by(t.c.customer_id),
        t.c.customer_id,
        ids,
    )
    recency = np.full(len(rows), MAX_DAYS)
    stats: dict[str, dict[str, float]] = {
        k: {} for k in ("txns_30d", "txns_90d", "spend_30d", "spend_90d", "avg", "inflow_90d")
    }
    for r in await conn.execute(query):
        n = rows.get(r.customer_id)
        if n is None:
            continue
        if r.last_out is not None:
            recency[n] = min(MAX_DAYS, max(0.0, (as_of - r.last_out).total_seconds() / 86400))
        stats["txns_30d"][r.customer_id] = float(r.txns_30 or 0)
        stats["txns_90d"][r.customer_id] = float(r.txns_90 or 0)
        stats["spend_30d"][r.customer_id] = float(r.s30 or 0) / 100
        stats["spend_90d"][r.customer_id] = s90 = float(r.s90 or 0) / 100
        stats["avg"][r.customer_id] = s90 / float(r.n_spend) if r.n_spend else 0.0
        stats["inflow_90d"][r.customer_id] = float(r.in90 or 0) / 100
    values[:, INDEX["days_since_last_activity"]] = recency
    for name, by in stats.items():
        put("avg_spend_90d" if name == "avg" else name, by)


async def _salary(conn: Reads, as_of: datetime, ids: list[str] | None, put: Put) -> None:
    t = schema.transfers
    query = _where_customer(
        select(t.c.customer_id, t.c.posted_at).where(
            t.c.kind == "external_credit",
            t.c.category == "salary",
            t.c.posted_at > as_of - timedelta(days=90),
            t.c.posted_at <= as_of,
        ),
        t.c.customer_id,
        ids,
    )
    periods: dict[str, set[int]] = {}
    for r in await conn.execute(query):
        # Period 0 is the last 30 days, 1 the 30 before, 2 the 30 before that.
        periods.setdefault(r.customer_id, set()).add(min(2, int((as_of - r.posted_at).days // 30)))
    put("salary_regularity", {cid: len(p) / 3 for cid, p in periods.items()})


async def _accounts(conn: Reads, as_of: datetime, ids: list[str] | None, put: Put) -> None:
    a, p = schema.accounts, schema.postings
    owned = _where_customer(
        select(a.c.id, a.c.customer_id, a.c.type, a.c.balance).where(
            a.c.customer_id.is_not(None), a.c.created_at <= as_of
        ),
        a.c.customer_id,
        ids,
    )
    accounts = list(await conn.execute(owned))
    liquid = [r for r in accounts if r.type in _LIQUID]
    d30 = as_of - timedelta(days=30)
    # Balance then = balance now minus everything posted since.
    later = select(
        p.c.account_id,
        func.sum(case((p.c.posted_at > as_of, p.c.amount), else_=0)).label("after"),
        func.sum(p.c.amount).label("after_30"),
    ).where(p.c.posted_at > d30)
    if ids is None:
        liquid_ids = (
            select(a.c.id)
            .where(a.c.customer_id.is_not(None), a.c.type.in_(_LIQUID))
            .scalar_subquery()
        )
        later = later.where(p.c.account_id.in_(liquid_ids))
    else:
        later = later.where(p.c.account_id.in_([r.id for r in liquid]))
    moved: dict[str, tuple[int, int]] = {}
    if liquid:
        for r in await conn.execute(later.group_by(p.c.account_id)):
            moved[r.account_id] = (int(r.after or 0), int(r.after_30 or 0))
    now_bal: dict[str, float] = {}
    then_bal: dict[str, float] = {}
    for r in liquid:
        after, after_30 = moved.get(r.id, (0, 0))
        now_bal[r.customer_id] = now_bal.get(r.customer_id, 0.0) + (r.balance - after) / 100
        then_bal[r.customer_id] = then_bal.get(r.customer_id, 0.0) + (r.balance - after_30) / 100
    put("balance", now_bal)
    put(
        "balance_trend_30d",
        {
            cid: float(np.clip((b - then_bal[cid]) / max(abs(then_bal[cid]), 1000.0), -5, 5))
            for cid, b in now_bal.items()
        },
    )
    put("has_trading", {r.customer_id: 1.0 for r in accounts if r.type == "trading"})
    put("has_fd", {r.customer_id: 1.0 for r in accounts if r.type == "fixed_deposit"})


async def _count(conn: Reads, query: Select[Any]) -> dict[str, float]:
    pairs = [list(r) for r in await conn.execute(query)]
    return {key: float(n or 0) for key, n in pairs}


async def _activity(conn: Reads, as_of: datetime, ids: list[str] | None, put: Put) -> None:
    d30, d90 = as_of - timedelta(days=30), as_of - timedelta(days=90)
    tr, st = schema.trading_trades, schema.support_tickets
    orders, holds = schema.trading_orders, schema.holds
    tok, dev, note = schema.auth_tokens, schema.known_devices, schema.notifications

    def grouped(column: Any, *columns: Any, where: Any) -> Select[Any]:
        return _where_customer(select(column, *columns).where(where).group_by(column), column, ids)

    put(
        "trades_90d",
        await _count(
            conn,
            grouped(
                tr.c.customer_id,
                func.count(),
                where=and_(tr.c.executed_at > d90, tr.c.executed_at <= as_of),
            ),
        ),
    )
    put(
        "tickets_90d",
        await _count(
            conn,
            grouped(
                st.c.customer_id,
                func.count(),
                where=and_(st.c.created_at > d90, st.c.created_at <= as_of),
            ),
        ),
    )
    rejected = await _count(
        conn,
        grouped(
            orders.c.customer_id,
            func.count(),
            where=and_(
                orders.c.status == "rejected",
                orders.c.updated_at > d90,
                orders.c.updated_at <= as_of,
            ),
        ),
    )
    expired = await _count(
        conn,
        grouped(
            holds.c.customer_id,
            func.count(),
            where=and_(
                holds.c.status == "expired",
                holds.c.resolved_at > d90,
                holds.c.resolved_at <= as_of,
            ),
        ),
    )
    put(
        "declined_90d",
        {c: rejected.get(c, 0.0) + expired.get(c, 0.0) for c in rejected.keys() | expired.keys()},
    )
    put(
        "logins_30d",
        await _count(
            conn,
            grouped(
                tok.c.user_id,
                func.count(distinct(tok.c.family_id)),
                where=and_(
                    tok.c.family_id.is_not(None), tok.c.created_at > d30, tok.c.created_at <= as_of
                ),
            ),
        ),
    )
    put(
        "devices",
        await _count(conn, grouped(dev.c.user_id, func.count(), where=dev.c.first_seen <= as_of)),
    )
    sent_read = grouped(
        note.c.customer_id,
        func.count(),
        func.sum(case((and_(note.c.read_at.is_not(None), note.c.read_at <= as_of), 1), else_=0)),
        where=and_(
            note.c.created_at > d90,
            note.c.created_at <= as_of,
            or_(note.c.sent_at.is_not(None), note.c.status == "sent"),
        ),
    )
    sent: dict[str, float] = {}
    rate: dict[str, float] = {}
    for cid, count, read in [list(r) for r in await conn.execute(sent_read)]:
        sent[cid] = float(count)
        rate[cid] = (float(read or 0) + 1) / (float(count) + 2)
    put("notifications_90d", sent)
    put("notification_read_rate", rate)
