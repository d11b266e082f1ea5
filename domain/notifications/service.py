"""The notifications consumer and inbox.

As a consumer it turns events into notifications in one transaction with its
``event_consumers`` record, so a redelivered event makes nothing twice. It
decides from reads (history for insights, preferences) before the write, so
the dispatcher's transaction holds the database's writer only to insert.
High and critical ones are sent at once; medium and low ones wait in a
grouping window (5 s by default) and ``flush`` folds each customer's pending
ones of a category into one summary. Sent notifications go to ``deliver``
(the chat push port) after the commit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update

from domain import schema
from domain.clock import Clock
from domain.db import Database, Writes
from domain.errors import NotFound
from domain.events import model as ev
from domain.events.consumers import Stage, StageRaced, claim, handle_staged
from domain.events.model import Event
from domain.ids import new_id
from domain.notifications.model import Category, Draft, Notification, Preferences, Priority
from domain.notifications.policy import Decision, decide, groupable
from domain.notifications.rules import draft_for, summary
from domain.predictions import anomalies, forecast_watch

Deliver = Callable[[Notification, Decision], Awaitable[None]]

_n = schema.notifications
_p = schema.notification_preferences
_OUTFLOWS = {ev.DEBIT_POSTED, ev.TRANSFER_COMPLETED}
_OWN_MOVES = ("internal", "trade")


class FlushRaced(StageRaced):
    """Another flush sent some of a group between the read and the write."""


async def _take(conn: Writes, ids: list[str], **values: Any) -> None:
    """Move pending notifications on, all of them or (raising) none."""
    done = await conn.execute(
        update(_n).where(_n.c.id.in_(ids), _n.c.status == "pending").values(**values)
    )
    if done.rowcount != len(ids):
        raise FlushRaced()


@dataclass(frozen=True, slots=True)
class _Audience:
    prefs: Preferences
    zone: str


def _row(r: Any) -> Notification:
    return Notification(
        id=r.id,
        customer_id=r.customer_id,
        category=Category(r.category),
        priority=Priority(r.priority),
        title=r.title,
        body=r.body,
        amount=r.amount,
        silent=r.silent,
        created_at=r.created_at,
        read_at=r.read_at,
        event_id=r.event_id,
        data=json.loads(r.data),
    )


def _posted_at(data: dict[str, Any]) -> datetime | None:
    """When the outflow happened, from its event (older events do not say)."""
    raw = data.get("posted_at")
    try:
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def _insight(event: Event, flag: anomalies.Flag) -> Draft:
    """An anomaly or Balance Watch flag as an alert; its data keeps the reason for "why?"."""
    assert event.customer_id is not None
    return Draft(
        customer_id=event.customer_id,
        category=Category.INSIGHT,
        priority=Priority.HIGH,
        title=flag.title,
        body=flag.reason,
        amount=flag.charge.amount,
        currency=flag.charge.currency,
        event_id=None,
        data={
            "insight": flag.kind,
            "source_event_id": event.id,
            "transfer_id": flag.charge.transfer_id,
            "reason": flag.detail,
        },
    )


class NotificationService:
    name = "notifications"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        window_s: float = 5.0,
        large_debit: int = 50_000_00,
        deliver: Deliver | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.window = timedelta(seconds=window_s)
        self._large = large_debit
        self.deliver = deliver
        self._flushing = asyncio.Lock()

    # -- consuming events ------------------------------------------------------

    async def handle(self, events: Sequence[Event]) -> None:
        await handle_staged(self._db, self, events)

    async def stage(self, events: Sequence[Event]) -> Stage:
        """Decide each event's notifications from reads; write them in the round."""
        now = self._clock.now()
        planned: list[tuple[str, Draft, Decision, bool]] = []  # event id, draft, decision, pending
        async with self._db.reading() as conn:
            audiences: dict[str, _Audience] = {}
            for event in events:
                drafts = [d for d in [draft_for(event)] if d is not None]
                drafts += await self._insights(conn, event)
                for draft in drafts:
                    who = audiences.get(draft.customer_id)
                    if who is None:
                        who = audiences[draft.customer_id] = await self._audience(
                            conn, draft.customer_id
                        )
                    decision = decide(who.prefs, draft, now, who.zone)
                    if decision.keep:
                        pending = groupable(draft) and self.window > timedelta(0)
                        planned.append((event.id, draft, decision, pending))
        out: list[tuple[Notification, Decision]] = []

        async def write(conn: Writes) -> None:
            fresh = {e.id for e in await claim(conn, self.name, events, now)}
            for event_id, draft, decision, pending in planned:
                if event_id in fresh:
                    note = await self._insert(conn, draft, decision, now, pending=pending)
                    if not pending:
                        out.append((note, decision))

        async def after() -> None:
            await self._send(out)

        return Stage(write, after)

    async def flush(self) -> int:
        """Send every group whose window has closed; returns notifications sent."""
        async with self._flushing:
            staged = await self._stage_flush()
            if staged is None:
                return 0
            stage, out = staged
            try:
                async with self._db.writing() as conn:
                    await stage.write(conn)
            except FlushRaced:
                return 0
            await stage.after()
            return len(out)

    async def stage_flush(self) -> Stage | None:
        """The groups whose window has closed, to fold in a dispatch round (or None)."""
        staged = await self._stage_flush()
        return staged[0] if staged is not None else None

    async def _stage_flush(self) -> tuple[Stage, list[tuple[Notification, Decision]]] | None:
        now = self._clock.now()
        due_groups = (
            select(_n.c.customer_id, _n.c.category)
            .where(_n.c.status == "pending")
            .group_by(_n.c.customer_id, _n.c.category)
            .having(func.min(_n.c.created_at) <= now - self.window)
        )
        # Asked every dispatch round: read, and take the database's one writer
        # only when something is due.
        groups: list[tuple[list[Any], _Audience]] = []
        async with self._db.reading() as conn:
            for customer_id, category in (await conn.execute(due_groups)).all():
                rows = (
                    await conn.execute(
                        select(_n)
                        .where(
                            _n.c.customer_id == customer_id,
                            _n.c.category == category,
                            _n.c.status == "pending",
                        )
                        .order_by(_n.c.created_at, _n.c.id)
                    )
                ).all()
                if rows:
                    groups.append((list(rows), await self._audience(conn, customer_id)))
        if not groups:
            return None
        out: list[tuple[Notification, Decision]] = []

        async def write(conn: Writes) -> None:
            for rows, who in groups:
                ids = [r.id for r in rows]
                if len(rows) == 1:
                    note = _row(rows[0])
                    await _take(conn, ids, status="sent", sent_at=now)
                    draft = Draft(
                        note.customer_id,
                        note.category,
                        note.priority,
                        note.title,
                        note.body,
                        note.amount,
                    )
                    out.append((note, decide(who.prefs, draft, now, who.zone)))
                    continue
                await _take(conn, ids, status="grouped")
                drafts = [
                    Draft(
                        r.customer_id,
                        Category(r.category),
                        Priority(r.priority),
                        r.title,
                        r.body,
                        r.amount,
                        event_id=r.event_id,
                    )
                    for r in rows
                ]
                merged = summary(drafts)
                decision = decide(who.prefs, merged, now, who.zone)
                note = await self._insert(conn, merged, decision, now, pending=False)
                out.append((note, decision))

        async def after() -> None:
            await self._send(out)

        return Stage(write, after), out

    async def _send(self, out: list[tuple[Notification, Decision]]) -> None:
        if self.deliver is None:
            return
        for note, decision in out:
            if decision.push:
                await self.deliver(note, decision)

    async def _insert(
        self,
        conn: Writes,
        draft: Draft,
        decision: Decision,
        now: datetime,
        *,
        pending: bool,
    ) -> Notification:
        note = Notification(
            id=new_id("ntf"),
            customer_id=draft.customer_id,
            category=draft.category,
            priority=draft.priority,
            title=draft.title,
            body=draft.body,
            amount=draft.amount,
            silent=decision.silent,
            created_at=now,
            event_id=draft.event_id,
            data=draft.data,
        )
        await conn.execute(
            insert(_n).values(
                id=note.id,
                customer_id=note.customer_id,
                category=note.category.value,
                priority=note.priority.value,
                status="pending" if pending else "sent",
                title=note.title,
                body=note.body,
                amount=note.amount,
                silent=note.silent,
                event_id=note.event_id,
                data=json.dumps(note.data, ensure_ascii=False),
                created_at=now,
                sent_at=None if pending else now,
            )
        )
        return note

    async def _audience(self, conn: Writes, customer_id: str) -> _Audience:
        u = schema.users
        zone = (
            await conn.execute(select(u.c.timezone).where(u.c.id == customer_id))
        ).scalar_one_or_none()
        doc = (
            await conn.execute(select(_p.c.document).where(_p.c.customer_id == customer_id))
        ).scalar_one_or_none()
        prefs = Preferences.from_json(json.loads(doc)) if doc else Preferences()
        return _Audience(prefs, zone or "Asia/Kolkata")

    async def _insights(self, conn: Writes, event: Event) -> list[Draft]:
        if event.type not in _OUTFLOWS or event.customer_id is None:
            return []
        data = event.data
        amount = data.get("amount") or {}
        source = data.get("from_account_id")
        t = schema.transfers
        at = _posted_at(data) or event.occurred_at
        since = at - timedelta(days=90)
        rows = (
            await conn.execute(
                select(t.c.amount, t.c.merchant, t.c.counterparty, t.c.posted_at)
                .join(schema.accounts, schema.accounts.c.id == t.c.debit_account_id)
                .where(
                    schema.accounts.c.customer_id == event.customer_id,
                    t.c.kind.not_in(_OWN_MOVES),
                    t.c.posted_at >= since,
                    # Only what came before this outflow: a batch may hold later ones too.
                    or_(
                        t.c.posted_at < at,
                        and_(t.c.posted_at == at, t.c.id < (event.subject_id or "")),
                    ),
                )
                .order_by(t.c.posted_at.desc())
                .limit(500)
            )
        ).all()
        # The latest 500, oldest first.
        history = [
            anomalies.Charge(r.posted_at, r.amount, r.merchant, counterparty=r.counterparty)
            for r in reversed(rows)
        ]
        upcoming = forecast_watch.due_soon(history, at)
        h = schema.holds
        held = (
            await conn.execute(
                select(func.coalesce(func.sum(h.c.amount), 0)).where(
                    h.c.account_id == source, h.c.status == "pending"
                )
            )
        ).scalar_one()
        w = schema.balance_watch
        minimum = (
            await conn.execute(select(w.c.minimum).where(w.c.customer_id == event.customer_id))
        ).scalar_one_or_none()
        balances = data.get("balances_after") or {}
        charge = anomalies.Charge(
            at=at,
            amount=int(amount.get("minor", 0)),
            merchant=data.get("merchant"),
            transfer_id=event.subject_id,
            currency=str(amount.get("currency", "INR")),
            balance_after=balances.get(source) if isinstance(source, str) else None,
            counterparty=data.get("counterparty"),
        )
        # Moving money between one's own accounts is never unusual, but may leave little.
        own = data.get("kind") in _OWN_MOVES
        flags = [] if own else anomalies.check(charge, history, large=self._large)
        low = forecast_watch.low_balance(charge, upcoming + int(held), minimum=minimum or 0)
        return [_insight(event, flag) for flag in [*flags, *([low] if low else [])]]

    # -- the inbox -------------------------------------------------------------

    async def inbox(
        self, customer_id: str, *, unread_only: bool = False, limit: int = 50
    ) -> tuple[list[Notification], int]:
        """Newest first, and how many are unread."""
        where = and_(_n.c.customer_id == customer_id, _n.c.status == "sent")
        async with self._db.reading() as conn:
            query = select(_n).where(where)
            if unread_only:
                query = query.where(_n.c.read_at.is_(None))
            rows = (
                await conn.execute(
                    query.order_by(_n.c.created_at.desc(), _n.c.id.desc()).limit(limit)
                )
            ).all()
            unread = (
                await conn.execute(
                    select(func.count()).select_from(_n).where(where, _n.c.read_at.is_(None))
                )
            ).scalar_one()
        return [_row(r) for r in rows], int(unread)

    async def mark_read(self, customer_id: str, notification_id: str) -> Notification:
        now = self._clock.now()
        async with self._db.writing() as conn:
            row = (
                await conn.execute(
                    select(_n).where(
                        _n.c.id == notification_id,
                        _n.c.customer_id == customer_id,
                        _n.c.status == "sent",
                    )
                )
            ).first()
            if row is None:
                raise NotFound("notification_not_found", "No such notification.")
            if row.read_at is None:
                await conn.execute(update(_n).where(_n.c.id == row.id).values(read_at=now))
        note = _row(row)
        return replace(note, read_at=note.read_at or now)

    async def mark_all_read(self, customer_id: str) -> int:
        async with self._db.writing() as conn:
            result = await conn.execute(
                update(_n)
                .where(
                    _n.c.customer_id == customer_id, _n.c.status == "sent", _n.c.read_at.is_(None)
                )
                .values(read_at=self._clock.now())
            )
        return int(result.rowcount)

    async def undelivered(self, customer_id: str, limit: int = 20) -> list[Notification]:
        """Sent while the customer was away; marked delivered as they are handed over."""
        async with self._db.writing() as conn:
            rows = (
                await conn.execute(
                    select(_n)
                    .where(
                        _n.c.customer_id == customer_id,
                        _n.c.status == "sent",
                        _n.c.delivered_at.is_(None),
                        _n.c.read_at.is_(None),
                    )
                    .order_by(_n.c.created_at, _n.c.id)
                    .limit(limit)
                )
            ).all()
            if rows:
                await conn.execute(
                    update(_n)
                    .where(_n.c.id.in_([r.id for r in rows]))
                    .values(delivered_at=self._clock.now())
                )
        return [_row(r) for r in rows]

    async def mark_delivered(self, notification_id: str) -> None:
        async with self._db.writing() as conn:
            await conn.execute(
                update(_n)
                .where(_n.c.id == notification_id, _n.c.delivered_at.is_(None))
                .values(delivered_at=self._clock.now())
            )

    # -- preferences -----------------------------------------------------------

    async def preferences(self, customer_id: str) -> Preferences:
        async with self._db.reading() as conn:
            doc = (
                await conn.execute(select(_p.c.document).where(_p.c.customer_id == customer_id))
            ).scalar_one_or_none()
        return Preferences.from_json(json.loads(doc)) if doc else Preferences()

    async def update_preferences(self, customer_id: str, changes: object) -> Preferences:
        """Apply a partial preferences document; invalid input changes nothing."""
        current = await self.preferences(customer_id)
        prefs = Preferences.from_json(changes, current)
        await self.save_preferences(customer_id, prefs)
        return prefs

    async def save_preferences(self, customer_id: str, prefs: Preferences) -> None:
        doc = json.dumps(prefs.to_json())
        now = self._clock.now()
        async with self._db.writing() as conn:
            done = await conn.execute(
                update(_p)
                .where(_p.c.customer_id == customer_id)
                .values(document=doc, updated_at=now)
            )
            if done.rowcount == 0:
                await conn.execute(
                    insert(_p).values(customer_id=customer_id, document=doc, updated_at=now)
                )
