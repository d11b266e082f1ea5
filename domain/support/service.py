"""Support tickets opened when a customer asks for a person."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from domain import schema
from domain.clock import Clock
from domain.db import Database
from domain.errors import InvalidInput, NotFound
from domain.ids import new_id


class SupportService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def open_ticket(
        self, customer_id: str, subject: str, *, conversation_id: str | None = None
    ) -> dict[str, Any]:
        subject = " ".join(subject.split())[:500] or "Customer asked for a person"
        ticket = {
            "id": new_id("tkt"),
            "customer_id": customer_id,
            "conversation_id": conversation_id,
            "subject": subject,
            "status": "open",
            "created_at": self._clock.now(),
        }
        async with self._db.writing() as conn:
            await conn.execute(insert(schema.support_tickets).values(**ticket))
        return _json(ticket)

    async def tickets(self, *, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        t, u = schema.support_tickets, schema.users
        if status is not None and status not in {"open", "closed"}:
            raise InvalidInput("invalid_query", "'status' is open or closed.")
        query = select(t, u.c.username, u.c.full_name).join(u, u.c.id == t.c.customer_id)
        if status is not None:
            query = query.where(t.c.status == status)
        async with self._db.reading() as conn:
            result = await conn.execute(query.order_by(t.c.created_at.desc()).limit(limit))
            return [
                {**_json(dict(r._mapping)), "username": r.username, "full_name": r.full_name}
                for r in result
            ]

    async def close(self, ticket_id: str) -> None:
        t = schema.support_tickets
        async with self._db.writing() as conn:
            result = await conn.execute(
                update(t)
                .where(t.c.id == ticket_id, t.c.status == "open")
                .values(status="closed", closed_at=self._clock.now())
            )
        if result.rowcount != 1:
            raise NotFound("ticket_not_found", "No such open ticket.")


def _json(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "customer_id", "conversation_id", "subject", "status", "created_at", "closed_at")
    out = {k: row.get(k) for k in keys}
    for k in ("created_at", "closed_at"):
        when = out[k]
        if when is not None:
            out[k] = when.isoformat()
    return out
