"""Incoming webhooks from bank feeds and other systems.

Each source has its own secret(s); a message is verified (Standard Webhooks
headers, timestamp tolerance), then deduplicated by (source, message id): a
replay gets the first outcome back and changes nothing. A ``credit`` becomes
an external posting through the money engine, keyed by the message id so it
is idempotent there too; an ``event`` is recorded as ``external.<name>`` in
the outbox for rules to consume.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from domain import schema
from domain.banking.commands import ExternalPosting
from domain.banking.engine import MoneyEngine
from domain.clock import Clock
from domain.db import Database
from domain.errors import InvalidInput, NotFound, Unauthenticated
from domain.events import outbox
from domain.events.model import Event
from domain.money import Money
from domain.webhooks import signing

SYSTEM_USER = "usr_system_inbound"
_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_m = schema.inbound_messages


class InboundService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        engine: MoneyEngine,
        secrets: Mapping[str, Sequence[str]],
        *,
        tolerance_s: int = 300,
    ) -> None:
        self._db = db
        self._clock = clock
        self._engine = engine
        self._secrets = secrets
        self._tolerance = tolerance_s

    async def receive(
        self, source: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[dict[str, Any], bool]:
        """Verify and apply one message; returns (outcome, replayed)."""
        secrets = self._secrets.get(source)
        if not secrets:
            raise NotFound("unknown_source", "No such webhook source.")
        now = self._clock.now()
        msg_id, _ = signing.verify(secrets, headers, body, int(now.timestamp()), self._tolerance)
        if len(msg_id) > 100:
            raise Unauthenticated("bad_message_id", "webhook-id is too long.")
        async with self._db.reading() as conn:
            prior = (
                await conn.execute(
                    select(_m.c.outcome).where(_m.c.source == source, _m.c.message_id == msg_id)
                )
            ).scalar_one_or_none()
        if prior is not None:
            return json.loads(prior), True
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise InvalidInput("invalid_json", "The body is not JSON.") from exc
        if not isinstance(doc, dict):
            raise InvalidInput("invalid_body", "The body must be a JSON object.")
        kind = doc.get("type")
        if kind == "credit":
            outcome = await self._credit(source, msg_id, doc)
        elif kind == "event":
            outcome = await self._event(source, msg_id, doc, now)
        else:
            raise InvalidInput("invalid_type", "'type' must be 'credit' or 'event'.")
        try:
            async with self._db.writing() as conn:
                await conn.execute(
                    insert(_m).values(
                        source=source,
                        message_id=msg_id,
                        received_at=now,
                        outcome=json.dumps(outcome),
                    )
                )
        except IntegrityError:
            return outcome, True  # a concurrent copy got there first; same effect
        return outcome, False

    async def _account(self, doc: dict[str, Any]) -> tuple[str, str]:
        """(account id, customer id) from ``account_id`` or ``account_number``."""
        a = schema.accounts
        if isinstance(doc.get("account_id"), str):
            where = a.c.id == doc["account_id"]
        elif isinstance(doc.get("account_number"), str):
            where = a.c.number == doc["account_number"]
        else:
            raise InvalidInput("invalid_account", "Give 'account_id' or 'account_number'.")
        async with self._db.reading() as conn:
            row = (await conn.execute(select(a.c.id, a.c.customer_id).where(where))).first()
        if row is None or row.customer_id is None:
            raise NotFound("account_not_found", "No such account.")
        return row.id, row.customer_id

    async def _credit(self, source: str, msg_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        account_id, _ = await self._account(doc)
        amount = Money.from_json(doc.get("amount"))
        counterparty = doc.get("counterparty") or source
        if not isinstance(counterparty, str) or len(counterparty) > 200:
            raise InvalidInput("invalid_counterparty", "'counterparty' must be a short text.")
        await self._system_user()
        receipt = await self._engine.submit(
            ExternalPosting(
                principal_id=SYSTEM_USER,
                idempotency_key=f"inbound:{source}:{msg_id}",
                account_id=account_id,
                direction="credit",
                amount=amount,
                counterparty=counterparty,
                category=doc.get("category") if isinstance(doc.get("category"), str) else None,
                memo=f"{source} {msg_id}"[:200],
            )
        )
        return {"type": "credit", "transfer_id": receipt.id}

    async def _event(
        self, source: str, msg_id: str, doc: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        name = doc.get("name")
        if not isinstance(name, str) or len(name) > 50 or not _NAME.fullmatch(name):
            raise InvalidInput("invalid_name", "'name' must be a dotted lower-case name.")
        _, customer_id = await self._account(doc)
        data = doc.get("data") or {}
        if not isinstance(data, dict):
            raise InvalidInput("invalid_data", "'data' must be an object.")
        event = Event(
            f"external.{name}", customer_id, {"source": source, "message_id": msg_id, **data}, now
        )
        async with self._db.writing() as conn:
            await outbox.append(conn, [event])
        return {"type": "event", "event_id": event.id, "event_type": event.type}

    async def _system_user(self) -> None:
        u = schema.users
        async with self._db.reading() as conn:
            found = (await conn.execute(select(u.c.id).where(u.c.id == SYSTEM_USER))).first()
        if found is not None:
            return
        try:
            async with self._db.writing() as conn:
                await conn.execute(
                    insert(u).values(
                        id=SYSTEM_USER,
                        username="system-inbound",
                        full_name="Inbound webhooks",
                        role="operator",
                        password_hash="!",  # matches no password: nobody signs in as it
                        created_at=self._clock.now(),
                    )
                )
        except IntegrityError:
            pass
