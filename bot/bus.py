"""The event bus between processes: in-process by default, Redis pub/sub when configured.

The dispatching process publishes every event and every notification to be
pushed; each process (itself included) hands them to its own listeners: the
``/ws/events`` streams and the chat pushers of the customers connected to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Message = dict[str, Any]
Handler = Callable[[Message], Awaitable[None]]

CHANNEL = "swayam:events"


class Bus(Protocol):
    def subscribe(self, handler: Handler) -> None: ...

    async def publish(self, message: Message) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class LocalBus:
    def __init__(self) -> None:
        self._handlers: list[Handler] = []

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, message: Message) -> None:
        await _fan_out(self._handlers, message)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def _fan_out(handlers: list[Handler], message: Message) -> None:
    for handler in handlers:
        try:
            await handler(message)
        except Exception:
            log.exception("bus listener failed")


class RedisBus:
    """Redis pub/sub; a process sees its own publications through its subscription."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        from redis.asyncio import Redis

        self._redis: Redis = Redis.from_url(url)
        self._channel = channel
        self._handlers: list[Handler] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def subscribe(self, handler: Handler) -> None:
        self._handlers.append(handler)

    async def publish(self, message: Message) -> None:
        await self._redis.publish(self._channel, json.dumps(message, ensure_ascii=False))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="redis-bus")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), 5)

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._ready.set()
                    async for raw in pubsub.listen():
                        if raw.get("type") != "message":
                            continue
                        await _fan_out(self._handlers, json.loads(raw["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis bus connection lost; reconnecting")
                await asyncio.sleep(0.5)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._redis.aclose()
