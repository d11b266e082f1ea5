"""Group commit for trading rows: concurrent writers share one transaction.

Like the money engine, one worker takes every piece of work waiting and runs
them in order inside a single transaction. If that transaction fails, each
piece is retried alone so one bad write never spoils the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.db import Database

log = logging.getLogger(__name__)

Work = Callable[[AsyncConnection], Awaitable[None]]


@dataclass(slots=True)
class _Waiting:
    work: Work
    future: asyncio.Future[None]


class Journal:
    def __init__(self, db: Database, *, max_batch: int = 512) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def write(self, work: Work) -> None:
        """Run ``work`` in a write transaction shared with whatever else is waiting."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="trading-journal")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Waiting(work, future))
        await asyncio.shield(future)

    async def close(self) -> None:
        if self._worker is None:
            return
        await self._queue.join()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            except Exception:
                log.exception("trading journal batch failed")
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[_Waiting]) -> None:
        try:
            async with self._db.writing() as conn:
                for item in batch:
                    await item.work(conn)
        except Exception as exc:
            if len(batch) > 1:
                for item in batch:
                    await self._commit([item])
                return
            if not batch[0].future.done():
                batch[0].future.set_exception(exc)
            return
        for item in batch:
            if not item.future.done():
                item.future.set_result(None)
