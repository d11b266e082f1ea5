"""Consumer bookkeeping: each durable consumer handles an event id once.

A consumer records the ids it handled in ``event_consumers`` in the same
transaction as its own writes, so a redelivery after a crash is skipped and
a crash before the commit leaves nothing behind to skip.

A consumer may also *stage* its work: decide from reads what it will write
(``stage``), and hand the dispatcher a ``Stage`` whose ``write`` runs inside
the round's one transaction, beside every other consumer's and the outbox's
own bookkeeping, and whose ``after`` runs once that has committed. On SQLite
the database has one writer, shared with the money engine; a round that
holds it once, briefly, instead of once per consumer keeps payments from
queueing behind notifications.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from sqlalchemy import insert, select

from domain import schema
from domain.db import Database, Writes
from domain.events.model import Event

_c = schema.event_consumers


class Consumer(Protocol):
    """Handles batches of events in outbox order; must tolerate redelivery."""

    name: str

    async def handle(self, events: Sequence[Event]) -> None: ...


class StageRaced(Exception):
    """What a stage read changed before its write: the round is run again afresh."""


async def _nothing() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Stage:
    """A consumer's share of one dispatch round.

    ``write`` runs inside the round's transaction and must claim the events
    it acts on (``claim``) there; ``after`` runs once the round committed
    (sending, pushing), and not at all if it rolled back.
    """

    write: Callable[[Writes], Awaitable[None]]
    after: Callable[[], Awaitable[None]] = _nothing


@runtime_checkable
class StagedConsumer(Consumer, Protocol):
    """A consumer that reads first and writes in the dispatcher's transaction."""

    async def stage(self, events: Sequence[Event]) -> Stage: ...


async def handle_staged(db: Database, consumer: StagedConsumer, events: Sequence[Event]) -> None:
    """Run a staged consumer on its own, in a transaction of its own."""
    stage = await consumer.stage(events)
    async with db.writing() as conn:
        await stage.write(conn)
    await stage.after()


async def claim(conn: Writes, consumer: str, events: Sequence[Event], now: datetime) -> list[Event]:
    """The events this consumer has not handled yet, recorded as handled now."""
    if not events:
        return []
    ids = [e.id for e in events]
    seen = set(
        (
            await conn.execute(
                select(_c.c.event_id).where(_c.c.consumer == consumer, _c.c.event_id.in_(ids))
            )
        ).scalars()
    )
    fresh = [e for e in events if e.id not in seen]
    if fresh:
        await conn.execute(
            insert(_c),
            [{"consumer": consumer, "event_id": e.id, "processed_at": now} for e in fresh],
        )
    return fresh
