"""The dispatcher: outbox to consumers, at least once, in outbox order.

One process at a time dispatches (a ``Lease``: a PostgreSQL advisory lock
held on its own connection, released by the database if the process dies).
Each round reads the oldest undispatched events and hands them to every
durable consumer in turn; staged consumers (``consumers.Stage``) write in one
transaction with the outbox's "dispatched" mark, then the round publishes the
events to the live listeners (the bus). A crash anywhere in between means the
round runs again; consumers skip what they already handled
(``consumers.claim``), so nothing is lost and nothing is applied twice. A
failing consumer holds the queue, so a customer's events are never delivered
out of order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import text

from domain.clock import Clock
from domain.db import Database
from domain.events import outbox
from domain.events.consumers import Consumer, Stage, StagedConsumer, StageRaced
from domain.events.model import Event

log = logging.getLogger(__name__)

Publish = Callable[[Sequence[Event]], Awaitable[None]]

_LOCK_KEY = 7_270_001


class Lease(Protocol):
    async def acquire(self) -> bool: ...

    async def release(self) -> None: ...


class LocalLease:
    """SQLite: one process owns the file's dispatching."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class AdvisoryLease:
    """PostgreSQL: a session advisory lock on a dedicated connection."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Any = None

    async def acquire(self) -> bool:
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                return True
            except Exception:
                await self.release()
        conn = await self._db.write.connect()
        try:
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY})
            ).scalar_one()
            await conn.commit()
        except Exception:
            await conn.close()
            raise
        if not got:
            await conn.close()
            return False
        self._conn = conn
        return True

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                await conn.commit()
            with contextlib.suppress(Exception):
                await conn.close()


def lease_for(db: Database) -> Lease:
    return LocalLease() if db.is_sqlite else AdvisoryLease(db)


class Dispatcher:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        consumers: Sequence[Consumer] = (),
        publish: Publish | None = None,
        lease: Lease | None = None,
        batch_size: int = 500,
        poll_s: float = 0.02,
        on_leader: Sequence[Callable[[], Awaitable[None]]] = (),
        staged_jobs: Sequence[Callable[[], Awaitable[Stage | None]]] = (),
    ) -> None:
        self._db = db
        self._clock = clock
        self.consumers: list[Consumer] = list(consumers)
        self.publish = publish
        self._lease = lease or lease_for(db)
        self._batch = batch_size
        self._poll = poll_s
        # Housekeeping only the leader does each round (grouping flushes, webhook sends).
        self.on_leader = list(on_leader)
        # Housekeeping that writes (grouped notifications falling due): asked
        # each round, and written in the round's transaction.
        self.staged_jobs = list(staged_jobs)
        self._wake = asyncio.Event()
        # One round at a time in this process, whoever asks (the loop, tests, the bench).
        self._round = asyncio.Lock()
        self.dispatched = 0
        self.leader = False

    def wake(self) -> None:
        """Look at the outbox now instead of at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Dispatch one batch; returns how many events it carried."""
        async with self._round:
            while True:
                try:
                    return await self._round_once()
                except StageRaced:
                    continue  # rolled back whole; read afresh and go again

    async def _round_once(self) -> int:
        async with self._db.reading() as conn:
            events = await outbox.pending(conn, self._batch)
        stages: list[Stage] = []
        for consumer in self.consumers if events else ():
            if isinstance(consumer, StagedConsumer):
                stages.append(await consumer.stage(events))
            else:
                await consumer.handle(events)
        for job in self.staged_jobs:
            staged = await job()
            if staged is not None:
                stages.append(staged)
        if not events and not stages:
            return 0
        # One transaction for every staged consumer and the outbox's own record:
        # the round takes the database's writer once, whatever the consumers.
        async with self._db.writing(background=True) as conn:
            for stage in stages:
                await stage.write(conn)
            if events:
                await outbox.mark_dispatched(
                    conn, [e.seq for e in events if e.seq is not None], self._clock.now()
                )
        for stage in stages:
            try:
                await stage.after()
            except Exception:  # what was written stands; the inbox holds it
                log.exception("a consumer's follow-up after a dispatch round failed")
        if self.publish is not None:
            try:
                await self.publish(events)
            except Exception:  # live listeners are best effort; resume covers them
                log.exception("publishing events failed")
        self.dispatched += len(events)
        return len(events)

    async def drain(self) -> int:
        total = 0
        while n := await self.run_once():
            total += n
        return total

    async def run(self) -> None:
        failures = 0
        try:
            while True:
                try:
                    self.leader = await self._lease.acquire()
                    if self.leader:
                        n = await self.run_once()
                        for job in self.on_leader:
                            await job()
                        failures = 0
                        if n >= self._batch:
                            continue
                except asyncio.CancelledError:
                    raise
                except Exception:
                    failures += 1
                    log.exception("event dispatch failed (attempt %d)", failures)
                    await asyncio.sleep(min(5.0, self._poll * 2**failures))
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll if self.leader else 1.0)
                self._wake.clear()
        finally:
            await self._lease.release()
