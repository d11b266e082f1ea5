"""Consumer bookkeeping: each durable consumer handles an event id once.

A consumer records the ids it handled in ``event_consumers`` in the same
transaction as its own writes, so a redelivery after a crash is skipped and
a crash before the commit leaves nothing behind to skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import schema
from domain.events.model import Event

_c = schema.event_consumers


class Consumer(Protocol):
    """Handles batches of events in outbox order; must tolerate redelivery."""

    name: str

    async def handle(self, events: Sequence[Event]) -> None: ...


async def claim(
    conn: AsyncConnection, consumer: str, events: Sequence[Event], now: datetime
) -> list[Event]:
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
