"""Group commit for chat turns: many conversations' turns, one durable transaction.

Every turn stores the conversation's new state, both messages and its
analytics events. Alone, each turn would wait for its own fsync, and with
SQLite's single writer a hundred busy conversations queue behind each other.
The writer takes every turn waiting, writes them in one transaction and
commits once; each turn keeps its own optimistic version check, so a turn
that lost a race (another process saved that conversation first) is refused
alone and the rest commit.

While the writer runs, a turn is written behind its reply (``enqueue``): the
reply does not wait for the commit. Nobody waiting, the writer lets turns
gather for up to ``LINGER_S`` so that fewer, larger transactions leave the
database's one writer free for money movements. ``write`` and ``flush`` wait
for what is queued (and cut the lingering short); ``stop`` writes it all
before the server exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, update

from domain import schema
from domain.db import Database

log = logging.getLogger(__name__)
MAX_BATCH = 256
LINGER_S = 0.05


class StaleConversation(Exception):
    """Another turn saved the conversation first; load it again."""


@dataclass
class PendingTurn:
    conversation: dict[str, Any]  # id, customer_id, channel, state, version (before), now
    is_new: bool
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    future: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class TurnWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: asyncio.Queue[PendingTurn] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._last: asyncio.Future[None] | None = None  # of the turn queued last
        self._hurry = asyncio.Event()  # someone waits for the queue: write it now

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="turn-writer")

    async def stop(self) -> None:
        """Write what is queued, then stop."""
        if self._worker is None:
            return
        self._hurry.set()
        await self._queue.join()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    async def write(self, turn: PendingTurn) -> None:
        """Write a turn and wait for its commit."""
        if self._worker is None:
            # Not started (a script or a test without the server): write it now.
            await self._write([turn])
            turn.future.result()
            return
        future = self.enqueue(turn)
        self._hurry.set()
        await asyncio.shield(future)

    def enqueue(self, turn: PendingTurn) -> asyncio.Future[None]:
        """Queue a turn; its future settles once committed (or refused as stale)."""
        if self._worker is None:
            raise RuntimeError("the turn writer is not running")
        self._queue.put_nowait(turn)
        self._last = turn.future
        return turn.future

    async def flush(self) -> None:
        """Wait until every turn queued so far is committed or refused."""
        last = self._last
        if last is not None and not last.done():
            self._hurry.set()
            await asyncio.wait([last])

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if not self._hurry.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._hurry.wait(), LINGER_S)
            self._hurry.clear()
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            except Exception as exc:  # isolate the turn that breaks the batch
                log.warning("chat turn batch failed (%s); writing turns one by one", exc)
                for turn in batch:
                    try:
                        await self._write([turn])
                    except Exception as one:
                        _fail(turn, one)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _write(self, batch: list[PendingTurn]) -> None:
        c = schema.conversations
        saved: list[PendingTurn] = []
        stale: list[PendingTurn] = []
        async with self._db.writing(background=True) as conn:
            for turn in batch:
                conv = turn.conversation
                if turn.is_new:
                    await conn.execute(
                        insert(c).values(
                            id=conv["id"],
                            customer_id=conv["customer_id"],
                            channel=conv["channel"],
                            state=conv["state"],
                            version=1,
                            created_at=conv["now"],
                            updated_at=conv["now"],
                        )
                    )
                else:
                    result = await conn.execute(
                        update(c)
                        .where(c.c.id == conv["id"], c.c.version == conv["version"])
                        .values(
                            state=conv["state"], version=conv["version"] + 1, updated_at=conv["now"]
                        )
                    )
                    if result.rowcount != 1:
                        stale.append(turn)
                        continue
                saved.append(turn)
            messages = [m for t in saved for m in t.messages]
            events = [e for t in saved for e in t.events]
            if messages:
                await conn.execute(insert(schema.chat_messages), messages)
            if events:
                await conn.execute(insert(schema.assistant_events), events)
        for turn in saved:
            if not turn.future.done():
                turn.future.set_result(None)
        for turn in stale:
            _fail(turn, StaleConversation(turn.conversation["id"]))


def _new_future() -> asyncio.Future[None]:
    return asyncio.get_running_loop().create_future()


def _fail(turn: PendingTurn, exc: BaseException) -> None:
    if not turn.future.done():
        turn.future.set_exception(exc)
