"""Open ``/ws/events`` streams in this process, and what each has subscribed to."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from domain.events import model as ev
from domain.events.model import Event

QUEUE = 256


class Stream:
    """One connection's subscription and its queue of frames."""

    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.types: frozenset[str] | None = None
        self.subscribed = False
        self.last_seq = 0
        self.overflowed = False
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE)

    def offer(self, event: Event) -> None:
        if not self.subscribed or not ev.matches(event.type, self.types):
            return
        if event.seq is not None:
            if event.seq <= self.last_seq:
                return  # already sent by the replay
            self.last_seq = event.seq
        try:
            self.queue.put_nowait({"type": "event", "event": event.to_json()})
        except asyncio.QueueFull:
            self.overflowed = True
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class Streams:
    """Open event streams in this process, by customer."""

    def __init__(self) -> None:
        self._by_customer: dict[str, set[Stream]] = {}

    def add(self, stream: Stream) -> None:
        self._by_customer.setdefault(stream.customer_id, set()).add(stream)

    def remove(self, stream: Stream) -> None:
        mine = self._by_customer.get(stream.customer_id)
        if mine is not None:
            mine.discard(stream)
            if not mine:
                del self._by_customer[stream.customer_id]

    def __call__(self, event: Event) -> None:
        for stream in list(self._by_customer.get(event.customer_id or "", ())):
            stream.offer(event)

    def __len__(self) -> int:
        return sum(len(s) for s in self._by_customer.values())
