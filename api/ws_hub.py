"""Who is connected to the web chat, so replies can be pushed to them.

Notifications and rule results call ``await hub.push(customer_id, replies)``;
every open web chat of that customer in this process gets a ``push`` frame.
The hub is per process: fanning out across processes (Redis) sits in front
of it later and calls the same ``push``.

A connection registers an ``Outbox``: a bounded queue that its own writer
task drains. Pushing never waits for a slow client; a client too slow to keep
up has its outbox marked as overflowing and its connection closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from bot.replies import Reply

Frame = dict[str, Any]

MAX_CONNECTIONS_PER_CUSTOMER = 20
OUTBOX_SIZE = 64


class Outbox:
    """Frames waiting to be written to one WebSocket."""

    def __init__(self, customer_id: str, size: int = OUTBOX_SIZE) -> None:
        self.customer_id = customer_id
        self.overflowed = False
        self.going_away = False
        self._queue: asyncio.Queue[Frame | None] = asyncio.Queue(maxsize=size)

    def put(self, frame: Frame) -> bool:
        """Queue a frame; False (and the outbox is marked overflowing) if it is full."""
        if self.overflowed:
            return False
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed = True
            self._wake()
            return False
        return True

    async def get(self) -> Frame | None:
        """The next frame, or None once the outbox is closed or overflowed."""
        if self.overflowed:
            return None
        frame = await self._queue.get()
        return None if self.overflowed else frame

    def close(self) -> None:
        self._wake()

    def go_away(self) -> None:
        """Ask the connection to close itself: the server is shutting down."""
        self.going_away = True
        self._wake()

    def _wake(self) -> None:
        # Make room for the sentinel so the writer always wakes up.
        while self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(None)


class Hub:
    """Open web chat connections by customer id, in this process."""

    def __init__(self, max_per_customer: int = MAX_CONNECTIONS_PER_CUSTOMER) -> None:
        self._max = max_per_customer
        self._outboxes: dict[str, set[Outbox]] = {}

    def add(self, outbox: Outbox) -> bool:
        """Register a connection; False if the customer already has too many."""
        mine = self._outboxes.setdefault(outbox.customer_id, set())
        if len(mine) >= self._max:
            return False
        mine.add(outbox)
        return True

    def remove(self, outbox: Outbox) -> None:
        mine = self._outboxes.get(outbox.customer_id)
        if mine is None:
            return
        mine.discard(outbox)
        if not mine:
            del self._outboxes[outbox.customer_id]

    def connections(self, customer_id: str) -> int:
        return len(self._outboxes.get(customer_id, ()))

    async def push(self, customer_id: str, replies: Sequence[Reply]) -> int:
        """Send replies to every open web chat of a customer; how many took them."""
        frame: Frame = {"type": "push", "replies": [r.to_json() for r in replies]}
        return sum(outbox.put(frame) for outbox in list(self._outboxes.get(customer_id, ())))

    def close_all(self) -> None:
        """Ask every connection to close (at shutdown, so no handler is left waiting)."""
        for mine in self._outboxes.values():
            for outbox in mine:
                outbox.go_away()
