"""What the models learn to predict, read from what happened after a cutoff.

Training takes features at a cutoff and labels from the ``HORIZON`` after it:

* churned: the customer made no outgoing transaction (card spend, payment,
  transfer, trade) in the 60 days after the cutoff;
* value: the bank's revenue from the customer over those 60 days, as a yearly
  rate in rupees: 1% interchange on card spends, the trading charges, and a
  4% yearly margin on the average of the savings and current balance at the
  start and end of the window. Lifetime value here is that run-rate: what a
  year of this customer is worth if nothing changes.

The same definitions serve the synthetic population and the live bank, so a
model trained on either means the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, select

from domain import schema
from domain.db import Reads
from domain.predictions.features import INDEX, build_features

HORIZON = timedelta(days=60)
INTERCHANGE = 0.01
BALANCE_MARGIN = 0.04  # a year
# Live training needs this much labelled history: customers who had joined
# 30 days before the cutoff, and enough of each outcome to learn from.
MIN_LIVE_CUSTOMERS = 200
MIN_LIVE_PER_CLASS = 20
MIN_TENURE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Labels:
    churned: np.ndarray[Any, np.dtype[np.int64]]
    value: np.ndarray[Any, np.dtype[np.float64]]


async def build_labels(
    conn: Reads, cutoff: datetime, customer_ids: Sequence[str], horizon: timedelta = HORIZON
) -> Labels:
    """Churn and yearly value of each customer over ``horizon`` after ``cutoff``."""
    end = cutoff + horizon
    t, tr = schema.transfers, schema.trading_trades
    window = and_(t.c.posted_at > cutoff, t.c.posted_at <= end)
    flows = select(
        t.c.customer_id,
        func.sum(case((t.c.kind != "external_credit", 1), else_=0)).label("outgoing"),
        func.sum(case((t.c.kind == "external_debit", t.c.amount), else_=0)).label("card"),
    ).where(t.c.customer_id.is_not(None), window)
    charges = select(tr.c.customer_id, func.sum(tr.c.charges).label("charges")).where(
        tr.c.executed_at > cutoff, tr.c.executed_at <= end
    )
    ids = list(customer_ids)
    if len(ids) <= 1000:  # a population scan otherwise: cheaper than a huge IN list
        flows = flows.where(t.c.customer_id.in_(ids))
        charges = charges.where(tr.c.customer_id.in_(ids))
    out = {r.customer_id: r for r in await conn.execute(flows.group_by(t.c.customer_id))}
    fees = {
        r.customer_id: float(r.charges or 0)
        for r in await conn.execute(charges.group_by(tr.c.customer_id))
    }
    start = await build_features(conn, cutoff, ids)
    finish = await build_features(conn, end, ids)
    balance = INDEX["balance"]
    start_bal = dict(zip(start.customer_ids, start.values[:, balance], strict=True))
    end_bal = dict(zip(finish.customer_ids, finish.values[:, balance], strict=True))
    years = horizon.days / 365
    churned = np.zeros(len(ids), dtype=np.int64)
    value = np.zeros(len(ids), dtype=np.float64)
    for n, cid in enumerate(ids):
        row = out.get(cid)
        churned[n] = int(row is None or not row.outgoing)
        card = float(row.card or 0) / 100 if row is not None else 0.0
        mean_balance = max(0.0, (start_bal.get(cid, 0.0) + end_bal.get(cid, 0.0)) / 2)
        revenue = INTERCHANGE * card + fees.get(cid, 0.0) / 100
        revenue += BALANCE_MARGIN * years * mean_balance
        value[n] = revenue / years
    return Labels(churned, value)


def labelled_enough(labels: Labels) -> str | None:
    """Why these live labels are too few to train on, or None when they will do."""
    n = len(labels.churned)
    churned = int(labels.churned.sum())
    if n < MIN_LIVE_CUSTOMERS:
        return f"{n} labelled customers (needs {MIN_LIVE_CUSTOMERS})"
    if min(churned, n - churned) < MIN_LIVE_PER_CLASS:
        return (
            f"{churned} churned and {n - churned} retained customers"
            f" (needs {MIN_LIVE_PER_CLASS} of each)"
        )
    return None
