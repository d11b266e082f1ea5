"""Wiring for events: the outbox hook, the dispatcher, its consumers and the bus.

Built by the composition root. The dispatcher (on whichever process holds
the lease) feeds the durable consumers (notifications, webhooks) and then
publishes each batch and each notification to push on the bus; every process
hands what it hears to its own listeners: event streams and chat pushers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.bus import Bus, LocalBus, Message, RedisBus
from bot.push import PushRegistry, as_replies
from bot.settings import Settings
from bot.webhook_sender import AiohttpSender
from domain.banking.book import Book
from domain.banking.engine import MoneyEngine
from domain.clock import Clock
from domain.db import Database, Writes
from domain.events import outbox
from domain.events.derive import from_book
from domain.events.dispatcher import Dispatcher
from domain.events.model import Event
from domain.notifications.model import Notification
from domain.notifications.policy import Decision
from domain.notifications.service import NotificationService
from domain.webhooks.inbound import InboundService
from domain.webhooks.service import WebhookService

log = logging.getLogger(__name__)

StreamListener = Callable[[Event], None]


@dataclass
class EventSystem:
    settings: Settings
    clock: Clock
    db: Database
    bus: Bus
    dispatcher: Dispatcher
    notifications: NotificationService
    webhooks: WebhookService
    inbound: InboundService
    pushers: PushRegistry
    sender: AiohttpSender
    stream_listeners: list[StreamListener] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self.bus.subscribe(self._heard)
        await self.bus.start()
        self._tasks.append(asyncio.create_task(self.dispatcher.run(), name="event-dispatcher"))
        self._tasks.append(asyncio.create_task(self._send_webhooks(), name="webhook-sender"))

    async def stop_background(self) -> None:
        """Stop dispatching and sending here (tests drive rounds by hand)."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.bus.close()
        await self.sender.close()

    # -- out to the bus ------------------------------------------------------------

    async def publish(self, events: Sequence[Event]) -> None:
        docs = [{**e.to_json(), "seq": e.seq} for e in events if e.customer_id]
        if docs:
            await self.bus.publish({"kind": "events", "events": docs})

    async def deliver(self, note: Notification, decision: Decision) -> None:
        await self.bus.publish(
            {
                "kind": "notification",
                "customer_id": note.customer_id,
                "notification": note.to_json(),
                "silent": decision.silent,
                "channels": sorted(decision.channels),
            }
        )

    # -- in from the bus -----------------------------------------------------------

    async def _heard(self, message: Message) -> None:
        if message.get("kind") == "events":
            for doc in message["events"]:
                event = Event.from_json(doc, seq=doc.get("seq"))
                for listener in list(self.stream_listeners):
                    listener(event)
        elif message.get("kind") == "notification":
            await self._push(message)

    async def _push(self, message: Message) -> None:
        doc = message["notification"]
        note = _note(message["customer_id"], doc)
        took = await self.pushers.push(
            note.customer_id,
            as_replies([note]),
            channels=message.get("channels", ()),
            silent=bool(message.get("silent")),
        )
        if took:
            await self.notifications.mark_delivered(note.id)

    # -- leader jobs ---------------------------------------------------------------

    async def _send_webhooks(self) -> None:
        while True:
            sent = 0
            try:
                if self.dispatcher.leader:
                    sent = await self.webhooks.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sending webhooks failed")
            if not sent:
                await asyncio.sleep(self.settings.events_poll_s)


def _note(customer_id: str, doc: dict[str, object]) -> Notification:
    from datetime import datetime

    from domain.notifications.model import Category, Priority

    return Notification(
        id=str(doc["id"]),
        customer_id=customer_id,
        category=Category(str(doc["category"])),
        priority=Priority(str(doc["priority"])),
        title=str(doc["title"]),
        body=str(doc["body"]),
        amount=None,
        silent=bool(doc["silent"]),
        created_at=datetime.fromisoformat(str(doc["created_at"])),
        event_id=str(doc["event_id"]) if doc.get("event_id") else None,
    )


def build_events(
    settings: Settings, clock: Clock, db: Database, engine: MoneyEngine
) -> EventSystem:
    async def write_outbox(conn: Writes, book: Book) -> None:
        await outbox.append(conn, from_book(book, book.now))

    engine.batch_hooks.append(write_outbox)
    bus: Bus = (
        RedisBus(settings.redis_url, channel=f"{settings.redis_channel_prefix}:events")
        if settings.redis_url
        else LocalBus()
    )
    notifications = NotificationService(
        db, clock, window_s=settings.notification_window_s, large_debit=settings.large_debit
    )
    sender = AiohttpSender(
        timeout_s=settings.webhook_timeout_s, allow_loopback=settings.webhook_allow_loopback
    )
    webhooks = WebhookService(
        db,
        clock,
        sender,
        allow_loopback=settings.webhook_allow_loopback,
        retry_scale=settings.webhook_retry_scale,
    )
    dispatcher = Dispatcher(
        db, clock, consumers=[notifications, webhooks], poll_s=settings.events_poll_s
    )
    system = EventSystem(
        settings=settings,
        clock=clock,
        db=db,
        bus=bus,
        dispatcher=dispatcher,
        notifications=notifications,
        webhooks=webhooks,
        inbound=InboundService(
            db, clock, engine, settings.inbound_secrets(), tolerance_s=settings.inbound_tolerance_s
        ),
        pushers=PushRegistry(),
        sender=sender,
    )
    dispatcher.publish = system.publish
    dispatcher.staged_jobs.append(notifications.stage_flush)
    notifications.deliver = system.deliver
    return system
