"""The audit log's tables: appending inside the caller's transaction, and reading.

``append`` is called with the connection of the transaction that makes the
change, so the entry commits or rolls back with it. Sequence numbers stay
gap-free and ordered across processes because appends are serialised: on
PostgreSQL by a transaction-scoped advisory lock, on SQLite by the write lock
``BEGIN IMMEDIATE`` already holds. Appending must be the last lock a
transaction takes (it only waits for other appends, which wait for nothing),
so it can never deadlock with the account row locks.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from domain.db import Writes
from domain.ledger.events import Event
from domain.schema import ledger_checkpoints, ledger_entries

# Any constant will do, as long as every Swayam process uses the same one.
APPEND_LOCK = 7_252_618


@dataclass(frozen=True, slots=True)
class StoredEntry:
    seq: int
    entry: str
    leaf_hash: bytes
    event_type: str
    customer_id: str | None
    subject_id: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root_hash: bytes
    note: str
    key_id: str
    created_at: datetime


async def append(conn: Writes, events: Sequence[Event], now: datetime) -> list[int]:
    """Record ``events`` in this transaction; returns their sequence numbers.

    One multi-row insert straight to the driver: this runs inside every money
    batch, where SQLAlchemy's per-row parameter processing would cost more
    than the hashing.
    """
    if not events:
        return []
    sqlite = conn.dialect.name == "sqlite"
    if not sqlite:
        await conn.exec_driver_sql("SELECT pg_advisory_xact_lock($1)", (APPEND_LOCK,))
    found: Any = await conn.exec_driver_sql("SELECT coalesce(max(seq) + 1, 0) FROM ledger_entries")
    first = int(found.scalar_one())
    # As SQLAlchemy stores times on SQLite: naive UTC text (see schema.UTCDateTime).
    when: Any = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now
    sha256 = hashlib.sha256
    rows: list[tuple[Any, ...]] = []
    for seq, event in enumerate(events, start=first):
        entry = event.entry(seq, now)
        rows.append(
            (
                seq,
                entry.decode("utf-8"),
                sha256(b"\x00" + entry).digest(),
                event.type,
                event.customer_id,
                event.subject_id,
                when,
            )
        )
    marks = "?,?,?,?,?,?,?" if sqlite else "$1,$2,$3,$4,$5,$6,$7"
    await conn.exec_driver_sql(
        "INSERT INTO ledger_entries (seq, entry, leaf_hash, event_type, customer_id, subject_id,"
        f" created_at) VALUES ({marks})",
        rows,
    )
    return list(range(first, first + len(rows)))


async def size(conn: Writes) -> int:
    e = ledger_entries
    return int((await conn.execute(select(func.coalesce(func.max(e.c.seq) + 1, 0)))).scalar_one())


def _entry(row: Any) -> StoredEntry:
    return StoredEntry(
        seq=row.seq,
        entry=row.entry,
        leaf_hash=bytes(row.leaf_hash),
        event_type=row.event_type,
        customer_id=row.customer_id,
        subject_id=row.subject_id,
        created_at=row.created_at,
    )


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(
        size=row.size,
        root_hash=bytes(row.root_hash),
        note=row.note,
        key_id=row.key_id,
        created_at=row.created_at,
    )


async def entry(conn: Writes, seq: int) -> StoredEntry | None:
    row = (await conn.execute(select(ledger_entries).where(ledger_entries.c.seq == seq))).first()
    return None if row is None else _entry(row)


async def entries_about(
    conn: Writes, subject_id: str, customer_id: str | None = None
) -> list[StoredEntry]:
    e = ledger_entries
    query = select(e).where(e.c.subject_id == subject_id)
    if customer_id is not None:
        query = query.where(e.c.customer_id == customer_id)
    return [_entry(r) for r in await conn.execute(query.order_by(e.c.seq))]


async def latest_of_type(conn: Writes, customer_id: str, event_type: str) -> StoredEntry | None:
    e = ledger_entries
    query = (
        select(e)
        .where(e.c.customer_id == customer_id, e.c.event_type == event_type)
        .order_by(e.c.seq.desc())
        .limit(1)
    )
    row = (await conn.execute(query)).first()
    return None if row is None else _entry(row)


async def page(
    conn: Writes,
    *,
    customer_id: str | None,
    before: int | None,
    limit: int,
    event_type: str | None = None,
) -> list[StoredEntry]:
    """Entries newest first, optionally one customer's and one type's."""
    e = ledger_entries
    query = select(e)
    if customer_id is not None:
        query = query.where(e.c.customer_id == customer_id)
    if before is not None:
        query = query.where(e.c.seq < before)
    if event_type is not None:
        query = query.where(e.c.event_type == event_type)
    return [_entry(r) for r in await conn.execute(query.order_by(e.c.seq.desc()).limit(limit))]


async def leaf_hashes(
    conn: Writes, start: int, *, chunk: int = 50_000
) -> AsyncIterator[list[bytes]]:
    """Stored leaf hashes from ``start`` on, in order, a chunk at a time."""
    e = ledger_entries
    while True:
        query = (
            select(e.c.leaf_hash).where(e.c.seq >= start, e.c.seq < start + chunk).order_by(e.c.seq)
        )
        hashes = [bytes(h) for (h,) in await conn.execute(query)]
        if not hashes:
            return
        yield hashes
        start += len(hashes)
        if len(hashes) < chunk:
            return


async def raw_entries(conn: Writes, start: int, stop: int) -> list[tuple[int, str, bytes]]:
    """(seq, entry, leaf_hash) for start <= seq < stop, in order."""
    e = ledger_entries
    query = (
        select(e.c.seq, e.c.entry, e.c.leaf_hash)
        .where(e.c.seq >= start, e.c.seq < stop)
        .order_by(e.c.seq)
    )
    return [(s, t, bytes(h)) for s, t, h in await conn.execute(query)]


async def checkpoints(conn: Writes) -> list[StoredCheckpoint]:
    c = ledger_checkpoints
    return [_checkpoint(r) for r in await conn.execute(select(c).order_by(c.c.size))]


async def latest_checkpoint(conn: Writes) -> StoredCheckpoint | None:
    c = ledger_checkpoints
    row = (await conn.execute(select(c).order_by(c.c.size.desc()).limit(1))).first()
    return None if row is None else _checkpoint(row)


async def checkpoint_at(conn: Writes, size: int) -> StoredCheckpoint | None:
    c = ledger_checkpoints
    row = (await conn.execute(select(c).where(c.c.size == size))).first()
    return None if row is None else _checkpoint(row)


async def add_checkpoint(conn: Writes, cp: StoredCheckpoint) -> None:
    await conn.execute(
        insert(ledger_checkpoints).values(
            size=cp.size,
            root_hash=cp.root_hash,
            note=cp.note,
            key_id=cp.key_id,
            created_at=cp.created_at,
        )
    )


async def counts_by_type(conn: Writes) -> dict[str, int]:
    e = ledger_entries
    query = select(e.c.event_type, func.count()).group_by(e.c.event_type)
    return {t: int(n) for t, n in await conn.execute(query)}
