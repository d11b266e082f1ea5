"""Webhook delivery rounds on real SQLite and PostgreSQL, through a fake sender port.

A round sends every due delivery with bounded concurrency and records all of
its attempts in one transaction; each outcome must land on its own row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from standardwebhooks import Webhook

from domain import schema
from domain.clock import ManualClock
from domain.db import Database, connect
from domain.events import outbox
from domain.events.model import Event
from domain.webhooks.service import SCHEDULE_S, Attempt, WebhookService

_d = schema.webhook_deliveries
_e = schema.webhook_endpoints


class FakeSender:
    """Answers by URL, checks every signature, and notes the most requests at once."""

    def __init__(self, answers: dict[str, Attempt | Exception]) -> None:
        self.answers = answers
        self.secrets: dict[str, str] = {}
        self.got: list[tuple[str, str]] = []
        self.in_flight = 0
        self.most_in_flight = 0

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Attempt:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0)  # let the other requests of the round start
            Webhook(self.secrets[url]).verify(body, headers)
            self.got.append((url, headers["webhook-id"]))
            answer = self.answers.get(url, Attempt(204))
            if isinstance(answer, Exception):
                raise answer
            return answer
        finally:
            self.in_flight -= 1


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = connect(database_url)
    async with database.writing() as conn:
        await conn.execute(
            insert(schema.users).values(
                id="usr_asha",
                username="asha",
                full_name="Asha Verma",
                role="customer",
                password_hash="!",
                timezone="Asia/Kolkata",
                failed_logins=0,
                created_at=datetime.now(UTC),
            )
        )
    try:
        yield database
    finally:
        await database.dispose()


async def _endpoints(service: WebhookService, sender: FakeSender, urls: list[str]) -> None:
    for url in urls:
        created = await service.create("usr_asha", url)
        sender.secrets[url] = created["secret"]


async def _publish(db: Database, service: WebhookService, clock: ManualClock, n: int) -> list[str]:
    batch = [
        Event("transfer.completed", "usr_asha", {"n": i}, clock.now(), f"trf_{i:04d}")
        for i in range(n)
    ]
    async with db.writing() as conn:
        await outbox.append(conn, batch)
    await service.handle(batch)
    return [e.id for e in batch]


async def _rows(db: Database) -> dict[str, Any]:
    async with db.reading() as conn:
        rows = await conn.execute(select(_d, _e.c.url).join(_e, _e.c.id == _d.c.endpoint_id))
        return {r.url: r for r in rows}


async def test_each_outcome_of_a_round_is_recorded_on_its_own_delivery(
    db: Database, clock: ManualClock
) -> None:
    ok, busy, gone, broken, late = (f"https://{h}.example.com/hook" for h in "abcde")
    sender = FakeSender(
        {
            busy: Attempt(503, "Service Unavailable", retry_after_s=120),
            gone: Attempt(410, "Gone"),
            broken: RuntimeError("connection reset"),
            late: Attempt(500, "Internal Server Error"),
        }
    )
    service = WebhookService(db, clock, sender)
    await _endpoints(service, sender, [ok, busy, gone, broken, late])
    await _publish(db, service, clock, 1)
    async with db.writing() as conn:
        late_id = select(_e.c.id).where(_e.c.url == late).scalar_subquery()
        await conn.execute(
            update(_d).where(_d.c.endpoint_id == late_id).values(attempts=len(SCHEDULE_S) - 1)
        )

    assert await service.deliver_due() == 5
    rows = await _rows(db)
    assert (rows[ok].status, rows[ok].attempts, rows[ok].next_attempt_at) == ("succeeded", 1, None)
    assert (rows[busy].status, rows[busy].last_status) == ("pending", 503)
    assert _aware(rows[busy].next_attempt_at) == clock.now() + timedelta(seconds=120)
    assert (rows[gone].status, rows[gone].last_status) == ("dead", 410)
    assert rows[broken].status == "pending"
    assert rows[broken].last_error == "RuntimeError: connection reset"
    assert (rows[late].status, rows[late].attempts) == ("dead", len(SCHEDULE_S))
    assert [e["url"] for e in await service.endpoints("usr_asha")] == [ok, busy, broken, late]
    assert service.sent == 1

    clock.advance(timedelta(seconds=200))
    sender.answers = {}
    assert await service.deliver_due() == 2  # the busy and broken ones; the rest are settled
    rows = await _rows(db)
    assert {rows[busy].status, rows[broken].status} == {"succeeded"}
    assert (rows[busy].attempts, rows[broken].attempts) == (2, 2)


async def test_a_round_larger_than_the_concurrency_sends_each_delivery_once(
    db: Database, clock: ManualClock
) -> None:
    urls = [f"https://hooks{i}.example.com/in" for i in range(3)]
    sender = FakeSender({})
    service = WebhookService(db, clock, sender, concurrency=8)
    await _endpoints(service, sender, urls)
    ids = await _publish(db, service, clock, 40)

    assert await service.deliver_due(limit=1000) == 120
    assert sorted(sender.got) == sorted((u, i) for u in urls for i in ids)
    assert sender.most_in_flight == 8
    assert {r.status for r in (await _rows_all(db))} == {"succeeded"}
    assert await service.deliver_due() == 0


async def test_a_target_that_breaks_the_address_rules_is_recorded_not_sent(
    db: Database, clock: ManualClock
) -> None:
    sender = FakeSender({})
    service = WebhookService(db, clock, sender, allow_loopback=True)
    await _endpoints(service, sender, ["http://127.0.0.1:9/hook"])
    service.allow_loopback = False
    await _publish(db, service, clock, 2)

    assert await service.deliver_due() == 2
    assert sender.got == []
    rows = await _rows_all(db)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert {r.last_error for r in rows} == {"Webhook URLs may not point at loopback addresses."}


async def _rows_all(db: Database) -> list[Any]:
    async with db.reading() as conn:
        return list(await conn.execute(select(_d)))


def _aware(when: datetime) -> datetime:
    """SQLite hands back naive UTC; PostgreSQL an aware time."""
    return when if when.tzinfo else when.replace(tzinfo=UTC)
