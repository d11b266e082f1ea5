"""Who gets SQLite's one writer next: requests before background bookkeeping.

A SQLite file has one writer at a time. Without a gate the writer goes to
whoever asked first, so a transfer someone is waiting on can queue behind
the chat turn writer's batch, a dispatch round and a wealth snapshot, each a
few milliseconds of statements and an fsync. The gate serves waiting
requests first and background writers (``writing(background=True)``) when no
request waits, except that a background writer that has let two requests
pass goes next, so bookkeeping is delayed, never starved.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

# Requests served ahead of a waiting background writer before it gets a turn.
_PASS_LIMIT = 2


class WriteGate:
    def __init__(self) -> None:
        self._busy = False
        self._requests: deque[asyncio.Future[None]] = deque()
        self._background: deque[asyncio.Future[None]] = deque()
        self._passed = 0  # requests served while a background writer waited

    async def acquire(self, *, background: bool) -> None:
        if not self._busy and not self._requests and not self._background:
            self._busy = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._background if background else self._requests
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # granted just as the caller went away: pass it on
            else:
                with contextlib.suppress(ValueError):  # a release may have dropped it
                    queue.remove(waiter)
            raise

    def release(self) -> None:
        nxt = self._next()
        if nxt is None:
            self._busy = False
        else:
            nxt.set_result(None)  # the writer passes straight to the next holder

    def _next(self) -> asyncio.Future[None] | None:
        _drop_cancelled(self._requests)
        _drop_cancelled(self._background)
        if self._background and (not self._requests or self._passed >= _PASS_LIMIT):
            self._passed = 0
            return self._background.popleft()
        if self._requests:
            if self._background:
                self._passed += 1
            return self._requests.popleft()
        return None


def _drop_cancelled(queue: deque[asyncio.Future[None]]) -> None:
    while queue and queue[0].done():
        queue.popleft()
