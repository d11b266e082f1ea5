"""The outbox table: append inside a caller's transaction, read in order.

``append`` takes the caller's connection, so an event is committed exactly
when (and only when) the change it describes is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from domain import schema
from domain.banking.batch_sql import BatchSQL
from domain.db import Writes
from domain.events.model import Event

_o = schema.outbox_events
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


async def append(conn: Writes, events: Iterable[Event]) -> int:
    """Insert ``events`` in the caller's transaction; returns how many.

    Straight to the driver, as the money engine's own rows: this runs in every
    money batch, where SQLAlchemy's per-row parameter processing cost more
    than the insert.
    """
    sql = BatchSQL(conn.dialect.name)
    when, dumps = sql.when, _ENCODER.encode
    rows = [
        (e.id, e.type, e.customer_id, e.subject_id, dumps(e.data), when(e.occurred_at))
        for e in events
    ]
    if rows:
        marks = "?,?,?,?,?,?" if sql.sqlite else "$1,$2,$3,$4,$5,$6"
        await conn.exec_driver_sql(
            "INSERT INTO outbox_events (id, type, customer_id, subject_id, data, created_at)"
            f" VALUES ({marks})",
            rows,
        )
    return len(rows)


def _event(row: Any) -> Event:
    return Event(
        id=row.id,
        type=row.type,
        customer_id=row.customer_id,
        subject_id=row.subject_id,
        data=json.loads(row.data),
        occurred_at=row.created_at,
        seq=row.seq,
    )


async def pending(conn: Writes, limit: int) -> list[Event]:
    """Undispatched events, oldest first."""
    query = select(_o).where(_o.c.dispatched_at.is_(None)).order_by(_o.c.seq).limit(limit)
    return [_event(r) for r in await conn.execute(query)]


async def mark_dispatched(conn: Writes, seqs: Sequence[int], now: datetime) -> None:
    if seqs:
        await conn.execute(update(_o).where(_o.c.seq.in_(seqs)).values(dispatched_at=now))


async def position_of(conn: Writes, event_id: str, customer_id: str) -> int | None:
    query = select(_o.c.seq).where(_o.c.id == event_id, _o.c.customer_id == customer_id)
    seq = (await conn.execute(query)).scalar_one_or_none()
    return int(seq) if seq is not None else None


async def customer_events_after(
    conn: Writes, customer_id: str, after_seq: int, limit: int
) -> list[Event]:
    """A customer's events after an outbox position, for resuming a stream."""
    query = (
        select(_o)
        .where(_o.c.customer_id == customer_id, _o.c.seq > after_seq)
        .order_by(_o.c.seq)
        .limit(limit)
    )
    return [_event(r) for r in await conn.execute(query)]
