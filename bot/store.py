"""Conversations, messages, feedback and analytics events in the database.

A turn is saved behind its reply while the server runs (``bot/turn_writer.py``
commits turns in groups); only a conversation's first turn waits for its
commit, so its id exists before anyone is told it. Another process sharing
the database sees a turn once it commits, within about 50 ms of the reply;
the version check still refuses a save made on an older state.
What write-behind means if the process dies:

- a clean stop writes every queued turn before the server exits;
- a crash or power loss can lose the turns answered in the last moments (the
  group gathering, at most ``LINGER_S`` = 50 ms, plus the one being
  committed): their messages, analytics events and the state change they
  made. The conversation then resumes from the last committed state.
- money is never lost or moved twice: a transfer commits in the money engine
  before the reply says it is done, under the key ``chat:<conversation>:<task>``.
  If the turn that made it is lost, the confirmation is still open and a
  second Yes replays the stored receipt; if the confirmation itself is lost,
  its Yes button no longer matches anything and is refused.

The store's own reads (history, feedback, deletion) first wait for this
process's queued turns, so a customer always sees their last message.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter, OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete, func, insert, select

from bot.replies import Reply
from bot.state import State
from bot.turn_writer import PendingTurn, StaleConversation, TurnWriter
from domain import schema
from domain.clock import Clock
from domain.db import Database
from domain.errors import Conflict, InvalidInput, NotFound
from domain.ids import new_id

log = logging.getLogger(__name__)
MAX_CACHED = 20_000
# A conversation left alone this long starts afresh on the next message.
IDLE = timedelta(hours=12)


@dataclass
class Conversation:
    id: str
    customer_id: str
    channel: str
    state: State
    version: int
    created_at: datetime
    updated_at: datetime


class ConversationStore:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._writer = TurnWriter(db)
        self._snapshots: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self._latest: dict[tuple[str, str], str] = {}
        self._unsaved: Counter[str] = Counter()  # queued turns by customer

    def start(self) -> None:
        self._writer.start()

    async def stop(self) -> None:
        await self._writer.stop()

    async def current(
        self, customer_id: str, channel: str, conversation_id: str | None = None
    ) -> Conversation:
        """The conversation to continue (the given one, or the latest live one), or a new one."""
        cached = self._cached(customer_id, channel, conversation_id)
        if cached is not None:
            return cached
        if self._unsaved[customer_id]:
            await self.flush()  # the conversation may be one still being written
        c = schema.conversations
        query = select(c).where(c.c.customer_id == customer_id)
        if conversation_id is not None:
            query = query.where(c.c.id == conversation_id)
        else:
            query = query.where(
                c.c.channel == channel, c.c.updated_at > self._clock.now() - IDLE
            ).order_by(c.c.updated_at.desc(), c.c.id.desc())
        async with self._db.lookup() as conn:
            row = (await conn.execute(query.limit(1))).first()
        if row is not None:
            return _conversation(row)
        if conversation_id is not None:
            raise NotFound("conversation_not_found", "No such conversation.")
        # Not written yet: the first turn inserts it, so asking creates nothing.
        now = self._clock.now()
        return Conversation(new_id("cnv"), customer_id, channel, State(), 0, now, now)

    async def save_turn(
        self,
        conv: Conversation,
        *,
        text: str | None,
        payload: str | None,
        intent: str | None,
        confidence: float | None,
        replies: list[Reply],
        events: list[dict[str, Any]],
    ) -> str:
        """Store the new state (if nobody else did first) and both sides of the turn.

        Returns the id of the assistant's message, which feedback refers to.
        While the writer runs, that is before the commit (see the module notes).
        """
        now = self._clock.now()
        reply_id = new_id("msg")
        pending = PendingTurn(
            conversation={
                "id": conv.id,
                "customer_id": conv.customer_id,
                "channel": conv.channel,
                "state": conv.state.to_json(),
                "version": conv.version,
                "now": now,
            },
            is_new=conv.version == 0,
            messages=[
                {
                    "id": new_id("msg"),
                    "conversation_id": conv.id,
                    "role": "user",
                    "text": text,
                    "payload": payload,
                    "intent": intent,
                    "confidence": confidence,
                    "replies": None,
                    "created_at": now,
                },
                {
                    "id": reply_id,
                    "conversation_id": conv.id,
                    "role": "assistant",
                    "text": "\n".join(r.text for r in replies),
                    "payload": None,
                    "intent": intent,
                    "confidence": None,
                    "replies": json.dumps([r.to_json() for r in replies], ensure_ascii=False),
                    "created_at": now,
                },
            ],
            events=[
                {
                    "kind": e["kind"],
                    "intent": e["intent"],
                    "confidence": e.get("confidence"),
                    "fallback": e.get("fallback", False),
                    "outcome": e.get("outcome"),
                    "channel": conv.channel,
                    "created_at": now,
                }
                for e in events
            ],
        )
        if self._writer.running and conv.version > 0:
            # Written behind the reply; the next turn continues from this copy.
            # A new conversation is not: its id must exist wherever it is shown.
            self._unsaved[conv.customer_id] += 1
            self._writer.enqueue(pending).add_done_callback(
                partial(self._written, conv.id, conv.customer_id, conv.version)
            )
        else:
            try:
                await self._writer.write(pending)
            except StaleConversation:
                self._forget(conv.id)
                raise
        conv.version += 1
        conv.updated_at = now
        self._remember(conv)
        return reply_id

    def _written(
        self, conversation_id: str, customer_id: str, version: int, done: asyncio.Future[None]
    ) -> None:
        """A queued turn committed, or was refused: then its copy can't be trusted."""
        self._unsaved[customer_id] -= 1
        if self._unsaved[customer_id] <= 0:
            del self._unsaved[customer_id]
        error = done.exception()
        if error is None:
            return
        # Another process moved the conversation on, or the write failed: later
        # turns built on this copy are refused too, and the next turn reloads.
        snap = self._snapshots.get(conversation_id)
        if snap is not None and snap[3] > version:
            self._forget(conversation_id)
        log.warning("chat turn of %s not saved: %r", conversation_id, error)

    async def flush(self) -> None:
        """Wait until this process's answered turns are in the database."""
        await self._writer.flush()

    # -- the in-process copy of live conversations -----------------------------------
    #
    # Saves this process made are the newest it knows; reading them back from the
    # database every turn cost more than the rest of a simple turn. Another
    # process may have moved a conversation on since: then the version check
    # refuses the save, the copy is dropped and the turn runs again on fresh state.

    def _remember(self, conv: Conversation) -> None:
        snapshot = (
            conv.customer_id,
            conv.channel,
            conv.state.to_json(),
            conv.version,
            conv.created_at,
            conv.updated_at,
        )
        self._snapshots[conv.id] = snapshot
        self._snapshots.move_to_end(conv.id)
        self._latest[(conv.customer_id, conv.channel)] = conv.id
        while len(self._snapshots) > MAX_CACHED:
            old_id, old = self._snapshots.popitem(last=False)
            if self._latest.get((old[0], old[1])) == old_id:
                del self._latest[(old[0], old[1])]

    def _forget(self, conversation_id: str) -> None:
        old = self._snapshots.pop(conversation_id, None)
        if old is not None and self._latest.get((old[0], old[1])) == conversation_id:
            del self._latest[(old[0], old[1])]

    def _cached(
        self, customer_id: str, channel: str, conversation_id: str | None
    ) -> Conversation | None:
        wanted = conversation_id or self._latest.get((customer_id, channel))
        snap = self._snapshots.get(wanted) if wanted else None
        if wanted is None or snap is None or snap[0] != customer_id:
            return None
        if conversation_id is None and (snap[1] != channel or snap[5] <= self._clock.now() - IDLE):
            return None
        return Conversation(
            wanted, snap[0], snap[1], State.from_json(snap[2]), snap[3], snap[4], snap[5]
        )

    # -- history and feedback -------------------------------------------------------

    async def list(self, customer_id: str, *, limit: int = 50) -> list[dict[str, Any]]:
        await self.flush()
        c, m = schema.conversations, schema.chat_messages
        count = (
            select(func.count()).where(m.c.conversation_id == c.c.id).correlate(c).scalar_subquery()
        )
        query = (
            select(c.c.id, c.c.channel, c.c.created_at, c.c.updated_at, count.label("messages"))
            .where(c.c.customer_id == customer_id)
            .order_by(c.c.updated_at.desc())
            .limit(limit)
        )
        async with self._db.reading() as conn:
            return [
                {
                    "id": r.id,
                    "channel": r.channel,
                    "created_at": r.created_at.isoformat(),
                    "updated_at": r.updated_at.isoformat(),
                    "messages": r.messages,
                }
                for r in await conn.execute(query)
            ]

    async def messages(self, customer_id: str, conversation_id: str) -> dict[str, Any]:
        await self.flush()
        c, m = schema.conversations, schema.chat_messages
        async with self._db.reading() as conn:
            conv = (
                await conn.execute(
                    select(c).where(c.c.id == conversation_id, c.c.customer_id == customer_id)
                )
            ).first()
            if conv is None:
                raise NotFound("conversation_not_found", "No such conversation.")
            rows = await conn.execute(
                select(m)
                .where(m.c.conversation_id == conversation_id)
                .order_by(m.c.created_at, m.c.role.desc())
            )
            messages = [
                {
                    "id": r.id,
                    "role": r.role,
                    "text": r.text,
                    "payload": r.payload,
                    "intent": r.intent,
                    "replies": json.loads(r.replies) if r.replies else None,
                    "created_at": r.created_at.isoformat(),
                }
                for r in rows
            ]
        return {
            "id": conv.id,
            "channel": conv.channel,
            "created_at": conv.created_at.isoformat(),
            "updated_at": conv.updated_at.isoformat(),
            "messages": messages,
        }

    async def delete(self, customer_id: str, conversation_id: str) -> None:
        await self.flush()
        self._forget(conversation_id)
        c, m = schema.conversations, schema.chat_messages
        async with self._db.writing() as conn:
            owned = (
                await conn.execute(
                    select(c.c.id).where(c.c.id == conversation_id, c.c.customer_id == customer_id)
                )
            ).first()
            if owned is None:
                raise NotFound("conversation_not_found", "No such conversation.")
            await conn.execute(delete(m).where(m.c.conversation_id == conversation_id))
            await conn.execute(delete(c).where(c.c.id == conversation_id))

    async def feedback(
        self, customer_id: str, message_id: str, helpful: bool, comment: str | None
    ) -> dict[str, Any]:
        await self.flush()
        c, m, f = schema.conversations, schema.chat_messages, schema.chat_feedback
        async with self._db.writing() as conn:
            row = (
                await conn.execute(
                    select(m.c.id, m.c.intent, m.c.role)
                    .join(c, c.c.id == m.c.conversation_id)
                    .where(m.c.id == message_id, c.c.customer_id == customer_id)
                )
            ).first()
            if row is None:
                raise NotFound("message_not_found", "No such message.")
            if row.role != "assistant":
                raise InvalidInput("not_a_reply", "Feedback is given on Swayam's replies.")
            exists = (
                await conn.execute(
                    select(f.c.id).where(
                        f.c.message_id == message_id, f.c.customer_id == customer_id
                    )
                )
            ).first()
            if exists is not None:
                raise Conflict("feedback_exists", "You already rated this reply.")
            feedback_id = new_id("fbk")
            await conn.execute(
                insert(f).values(
                    id=feedback_id,
                    customer_id=customer_id,
                    message_id=message_id,
                    intent=row.intent,
                    helpful=helpful,
                    comment=comment,
                    created_at=self._clock.now(),
                )
            )
        return {"id": feedback_id, "message_id": message_id, "helpful": helpful}


def _conversation(row: Any) -> Conversation:
    return Conversation(
        id=row.id,
        customer_id=row.customer_id,
        channel=row.channel,
        state=State.from_json(row.state),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
