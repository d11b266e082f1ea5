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
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    union_all,
)

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
    "active_rules",
    "rule_runs_90d",
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
    "active_rules": "rules created and not deleted (active or paused now)",
    "rule_runs_90d": "rule executions done in the last 90 days",
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


# Statements are built once, with the times and ids as bound parameters, so a
# request pays for executing them, not for constructing and compiling them.
AS_OF = bindparam("as_of", type_=schema.Time)
D30 = bindparam("d30", type_=schema.Time)
D90 = bindparam("d90", type_=schema.Time)
IDS: BindParameter[Any] = bindparam("ids", expanding=True)


def _scope(query: Select[Any], column: Any, scoped: bool) -> Select[Any]:
    return query.where(column.in_(IDS)) if scoped else query


@cache
def _statements(scoped: bool) -> dict[str, Select[Any] | CompoundSelect[Any]]:
    u, t, a, p = schema.users, schema.transfers, schema.accounts, schema.postings
    tr, st = schema.trading_trades, schema.support_tickets
    orders, holds = schema.trading_orders, schema.holds
    tok, dev, note = schema.auth_tokens, schema.known_devices, schema.notifications
    rules, runs = schema.rules, schema.rule_executions
    out = t.c.kind != "external_credit"
    spend = t.c.kind.in_(_SPEND_KINDS)

    def windowed(cond: Any, since: Any, then: Any) -> Any:
        return func.sum(case((and_(cond, t.c.posted_at > since), then), else_=0))

    def counted(feature: str, column: Any, when: Any, *where: Any) -> Select[Any]:
        query = select(literal(feature).label("feature"), column, func.count()).where(
            when > D90, when <= AS_OF, *where
        )
        return _scope(query.group_by(column), column, scoped)

    # For a few customers, their accounts' ids (so the postings index is used); for
    # the whole bank, every liquid account.
    liquid: Any = (
        bindparam("accounts", expanding=True)
        if scoped
        else select(a.c.id)
        .where(a.c.customer_id.is_not(None), a.c.type.in_(_LIQUID))
        .scalar_subquery()
    )
    return {
        "users": _scope(
            select(u.c.id, u.c.created_at).where(u.c.role == "customer", u.c.created_at <= AS_OF),
            u.c.id,
            scoped,
        ).order_by(u.c.id),
        "transfers": _scope(
            select(
                t.c.customer_id,
                func.max(case((out, t.c.posted_at))).label("last_out"),
                windowed(out, D30, 1).label("txns_30"),
                windowed(out, D90, 1).label("txns_90"),
                windowed(spend, D30, t.c.amount).label("s30"),
                windowed(spend, D90, t.c.amount).label("s90"),
                windowed(spend, D90, 1).label("n_spend"),
                windowed(t.c.kind == "external_credit", D90, t.c.amount).label("in90"),
            )
            .where(t.c.customer_id.is_not(None), t.c.posted_at <= AS_OF)
            .group_by(t.c.customer_id),
            t.c.customer_id,
            scoped,
        ),
        "salary": _scope(
            select(t.c.customer_id, t.c.posted_at).where(
                t.c.kind == "external_credit",
                t.c.category == "salary",
                t.c.posted_at > D90,
                t.c.posted_at <= AS_OF,
            ),
            t.c.customer_id,
            scoped,
        ),
        "accounts": _scope(
            select(a.c.id, a.c.customer_id, a.c.type, a.c.balance).where(
                a.c.customer_id.is_not(None), a.c.created_at <= AS_OF
            ),
            a.c.customer_id,
            scoped,
        ),
        # Balance then = balance now minus everything posted since.
        "posted_since": select(
            p.c.account_id,
            func.sum(case((p.c.posted_at > AS_OF, p.c.amount), else_=0)).label("after"),
            func.sum(p.c.amount).label("after_30"),
        )
        .where(p.c.posted_at > D30, p.c.account_id.in_(liquid))
        .group_by(p.c.account_id),
        # The per-customer counts, in one statement: one round trip instead of eight.
        "counts": union_all(
            counted("trades_90d", tr.c.customer_id, tr.c.executed_at),
            counted("tickets_90d", st.c.customer_id, st.c.created_at),
            counted(
                "declined_90d",
                orders.c.customer_id,
                orders.c.updated_at,
                orders.c.status == "rejected",
            ),
            # A rule has no deleted-at column, but deletion is its last change (a deleted
            # rule cannot be changed again), so its updated_at is when it was deleted.
            # Whether it was paused at as_of is not kept, so paused rules count too.
            _scope(
                select(literal("active_rules").label("feature"), rules.c.customer_id, func.count())
                .where(
                    rules.c.created_at <= AS_OF,
                    or_(rules.c.status != "deleted", rules.c.updated_at > AS_OF),
                )
                .group_by(rules.c.customer_id),
                rules.c.customer_id,
                scoped,
            ),
            counted(
                "rule_runs_90d", runs.c.customer_id, runs.c.finished_at, runs.c.status == "done"
            ),
            counted(
                "declined_90d",
                holds.c.customer_id,
                holds.c.resolved_at,
                holds.c.status == "expired",
            ),
            _scope(
                select(
                    literal("logins_30d").label("feature"),
                    tok.c.user_id,
                    func.count(distinct(tok.c.family_id)),
                )
                .where(
                    tok.c.family_id.is_not(None), tok.c.created_at > D30, tok.c.created_at <= AS_OF
                )
                .group_by(tok.c.user_id),
                tok.c.user_id,
                scoped,
            ),
            _scope(
                select(literal("devices").label("feature"), dev.c.user_id, func.count())
                .where(dev.c.first_seen <= AS_OF)
                .group_by(dev.c.user_id),
                dev.c.user_id,
                scoped,
            ),
        ),
        "notifications": _scope(
            select(
                note.c.customer_id,
                func.count(),
                func.sum(
                    case((and_(note.c.read_at.is_not(None), note.c.read_at <= AS_OF), 1), else_=0)
                ),
            )
            .where(
                note.c.created_at > D90,
                note.c.created_at <= AS_OF,
                or_(note.c.sent_at.is_not(None), note.c.status == "sent"),
            )
            .group_by(note.c.customer_id),
            note.c.customer_id,
            scoped,
        ),
    }


async def build_features(
    conn: Reads, as_of: datetime, customer_ids: Sequence[str] | None = None
) -> FeatureMatrix:
    """Features at ``as_of`` of every customer who had joined by then (or of those given)."""
    ids = list(dict.fromkeys(customer_ids)) if customer_ids is not None else None
    q = _statements(ids is not None)
    params: dict[str, Any] = {
        "as_of": as_of,
        "d30": as_of - timedelta(days=30),
        "d90": as_of - timedelta(days=90),
    }
    if ids is not None:
        params["ids"] = ids
    joined = {r.id: r.created_at for r in await conn.execute(q["users"], params)}
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
    values[:, INDEX["days_since_last_activity"]] = MAX_DAYS
    # No notification yet reads as the smoothed prior, one half.
    values[:, INDEX["notification_read_rate"]] = 0.5

    stats: dict[str, dict[str, float]] = {
        k: {}
        for k in (
            "days_since_last_activity",
            "txns_30d",
            "txns_90d",
            "spend_30d",
            "spend_90d",
            "avg_spend_90d",
            "inflow_90d",
        )
    }
    for r in await conn.execute(q["transfers"], params):
        cid = r.customer_id
        if r.last_out is not None:
            days_ago = (as_of - r.last_out).total_seconds() / 86400
            stats["days_since_last_activity"][cid] = min(MAX_DAYS, max(0.0, days_ago))
        stats["txns_30d"][cid] = float(r.txns_30 or 0)
        stats["txns_90d"][cid] = float(r.txns_90 or 0)
        stats["spend_30d"][cid] = float(r.s30 or 0) / 100
        stats["spend_90d"][cid] = s90 = float(r.s90 or 0) / 100
        stats["avg_spend_90d"][cid] = s90 / float(r.n_spend) if r.n_spend else 0.0
        stats["inflow_90d"][cid] = float(r.in90 or 0) / 100
    for name, by in stats.items():
        put(name, by)

    periods: dict[str, set[int]] = {}
    for r in await conn.execute(q["salary"], params):
        # Period 0 is the last 30 days, 1 the 30 before, 2 the 30 before that.
        periods.setdefault(r.customer_id, set()).add(min(2, int((as_of - r.posted_at).days // 30)))
    put("salary_regularity", {cid: len(p) / 3 for cid, p in periods.items()})

    accounts = list(await conn.execute(q["accounts"], params))
    if ids is not None:
        params["accounts"] = [r.id for r in accounts if r.type in _LIQUID]
    moved = {
        r.account_id: (int(r.after or 0), int(r.after_30 or 0))
        for r in await conn.execute(q["posted_since"], params)
    }
    now_bal: dict[str, float] = {}
    then_bal: dict[str, float] = {}
    for r in accounts:
        if r.type not in _LIQUID:
            continue
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

    counted: dict[str, dict[str, float]] = {}
    for feature, cid, n in [list(r) for r in await conn.execute(q["counts"], params)]:
        by = counted.setdefault(feature, {})
        by[cid] = by.get(cid, 0.0) + float(n or 0)  # declined: rejected orders + expired holds
    for feature, by in counted.items():
        put(feature, by)
    sent: dict[str, float] = {}
    rate: dict[str, float] = {}
    for cid, count, read in [list(r) for r in await conn.execute(q["notifications"], params)]:
        sent[cid] = float(count)
        rate[cid] = (float(read or 0) + 1) / (float(count) + 2)
    put("notifications_90d", sent)
    put("notification_read_rate", rate)
    return FeatureMatrix(order, values, as_of)
