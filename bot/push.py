"""Pushing into chat, whichever channels exist: a small port the channels fill.

The web chat hub and the Telegram bot each register a ``Pusher`` under their
channel name when they start. Notifications go to the channels the customer
chose that are running in this process; what none of them took waits in the
inbox and is shown on the next connect.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Protocol

from bot.replies import Button, Reply
from domain.notifications.model import Notification, Priority

log = logging.getLogger(__name__)

_ICONS = {Priority.CRITICAL: "🚨", Priority.HIGH: "🔔", Priority.MEDIUM: "ℹ️", Priority.LOW: "·"}


class Pusher(Protocol):
    async def push(
        self, customer_id: str, replies: Sequence[Reply], *, silent: bool = False
    ) -> int: ...


class _HubLike(Protocol):
    async def push(self, customer_id: str, replies: Sequence[Reply]) -> int: ...


class WebChatPusher:
    """The web chat hub has no notion of silence; a push is a frame either way."""

    def __init__(self, hub: _HubLike) -> None:
        self._hub = hub

    async def push(
        self, customer_id: str, replies: Sequence[Reply], *, silent: bool = False
    ) -> int:
        return await self._hub.push(customer_id, replies)


def as_replies(notes: Iterable[Notification]) -> list[Reply]:
    out = []
    for note in notes:
        text = f"{_ICONS[note.priority]} {note.title}"
        if note.body and note.body != note.title:
            text += f"\n{note.body}"
        out.append(Reply(text, buttons=(Button("Mark read", f"/read:{note.id}"),)))
    return out


class PushRegistry:
    def __init__(self) -> None:
        self._pushers: dict[str, Pusher] = {}

    def register(self, channel: str, pusher: Pusher) -> None:
        self._pushers[channel] = pusher

    def unregister(self, channel: str) -> None:
        self._pushers.pop(channel, None)

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self._pushers)

    async def push(
        self,
        customer_id: str,
        replies: Sequence[Reply],
        *,
        channels: Iterable[str],
        silent: bool = False,
    ) -> int:
        """Push to each chosen channel running here; how many connections took it."""
        taken = 0
        for channel in channels:
            pusher = self._pushers.get(channel)
            if pusher is None:
                continue
            try:
                taken += await pusher.push(customer_id, replies, silent=silent)
            except Exception:
                log.exception("pushing to %s failed", channel)
        return taken
