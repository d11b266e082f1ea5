"""Outgoing webhooks: endpoints, a delivery per (endpoint, event), retries, a log.

As a consumer it turns events into pending deliveries (once per endpoint and
event, enforced by a unique index); a sender port does the HTTP. The retry
schedule is the Standard Webhooks one (immediately, 5 s, 5 min, 30 min, 2 h,
5 h, 10 h, 10 h), scaled by ``retry_scale`` so tests can compress it, with
±20% jitter; a ``Retry-After`` is honoured, a 410 retires the endpoint, only
2xx is success, and after the last attempt a delivery is ``dead``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlalchemy import bindparam, insert, select, update

from domain import schema
from domain.clock import Clock
from domain.db import Database, Writes
from domain.errors import InvalidInput, NotFound
from domain.events import model as ev
from domain.events.consumers import Stage, claim, handle_staged
from domain.events.model import Event
from domain.ids import new_id
from domain.ledger import events as ledger_events
from domain.ledger import store as ledger
from domain.webhooks import signing, targets

log = logging.getLogger(__name__)

SCHEDULE_S = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ENDPOINTS = 20
# After a rotation the old secret signs too for this long, so receivers can switch over.
ROTATION_GRACE_S = 24 * 3600

_e = schema.webhook_endpoints
_d = schema.webhook_deliveries


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one HTTP attempt got back."""

    status: int | None
    error: str | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    delivery_id: str
    url: str
    secret: str
    msg_id: str
    body: bytes
    attempts: int


class Sender(Protocol):
    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Attempt: ...


def _endpoint_json(r: Any) -> dict[str, Any]:
    types = json.loads(r.event_types) if r.event_types else None
    return {"id": r.id, "url": r.url, "event_types": types, "created_at": r.created_at.isoformat()}


def _delivery_json(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "endpoint_id": r.endpoint_id,
        "event_id": r.event_id,
        "event_type": r.event_type,
        "status": r.status,
        "attempts": r.attempts,
        "next_attempt_at": r.next_attempt_at.isoformat() if r.next_attempt_at else None,
        "last_status": r.last_status,
        "last_error": r.last_error,
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }


class WebhookService:
    name = "webhooks"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        sender: Sender | None = None,
        *,
        allow_loopback: bool = False,
        retry_scale: float = 1.0,
        concurrency: int = 256,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.sender = sender
        self.allow_loopback = allow_loopback
        self._scale = retry_scale
        self._concurrency = concurrency
        self._rng = rng or random.Random()
        self.sent = 0

    # -- endpoints ---------------------------------------------------------------

    def validate_url(self, url: object) -> str:
        if not isinstance(url, str):
            raise InvalidInput("invalid_url", "'url' must be an http(s) URL.")
        _, host, _ = targets.parse(url)
        address = targets.literal_address(host)
        if address is not None:
            targets.check_address(address, allow_loopback=self.allow_loopback)
        elif host.lower() in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
            targets.check_address("127.0.0.1", allow_loopback=self.allow_loopback)
        return url

    async def create(
        self, customer_id: str, url: object, event_types: object = None
    ) -> dict[str, Any]:
        url = self.validate_url(url)
        types: list[str] | None = None
        if event_types is not None:
            if not isinstance(event_types, list) or not all(
                isinstance(t, str) for t in event_types
            ):
                raise InvalidInput("invalid_event_types", "'event_types' must be a list of names.")
            bad = [t for t in event_types if not ev.valid_pattern(t)]
            if bad:
                raise InvalidInput("unknown_event_type", f"Unknown event type '{bad[0]}'.")
            types = sorted(set(event_types)) or None
        secret = signing.new_secret()
        now = self._clock.now()
        endpoint_id = new_id("whe")
        async with self._db.writing() as conn:
            count = len(
                (
                    await conn.execute(
                        select(_e.c.id).where(
                            _e.c.customer_id == customer_id, _e.c.deleted_at.is_(None)
                        )
                    )
                ).all()
            )
            if count >= MAX_ENDPOINTS:
                raise InvalidInput("too_many_endpoints", f"At most {MAX_ENDPOINTS} webhooks.")
            await conn.execute(
                insert(_e).values(
                    id=endpoint_id,
                    customer_id=customer_id,
                    url=url,
                    event_types=json.dumps(types) if types else None,
                    secret=secret,
                    created_at=now,
                )
            )
            host = urlsplit(url).hostname or ""
            await ledger.append(
                conn, [ledger_events.webhook_registered(customer_id, endpoint_id, host)], now
            )
        return {
            "id": endpoint_id,
            "url": url,
            "event_types": types,
            "created_at": now.isoformat(),
            "secret": secret,
        }

    async def endpoints(self, customer_id: str) -> list[dict[str, Any]]:
        async with self._db.reading() as conn:
            rows = await conn.execute(
                select(_e)
                .where(_e.c.customer_id == customer_id, _e.c.deleted_at.is_(None))
                .order_by(_e.c.created_at, _e.c.id)
            )
            return [_endpoint_json(r) for r in rows]

    async def _endpoint(self, conn: Writes, customer_id: str, endpoint_id: str) -> Any:
        row = (
            await conn.execute(
                select(_e).where(
                    _e.c.id == endpoint_id,
                    _e.c.customer_id == customer_id,
                    _e.c.deleted_at.is_(None),
                )
            )
        ).first()
        if row is None:
            raise NotFound("webhook_not_found", "No such webhook.")
        return row

    async def delete(self, customer_id: str, endpoint_id: str) -> None:
        async with self._db.writing() as conn:
            await self._endpoint(conn, customer_id, endpoint_id)
            await conn.execute(
                update(_e).where(_e.c.id == endpoint_id).values(deleted_at=self._clock.now())
            )

    async def rotate_secret(
        self, customer_id: str, endpoint_id: str, grace_s: int = ROTATION_GRACE_S
    ) -> dict[str, Any]:
        """A new signing secret, shown once; the old one keeps signing for ``grace_s``."""
        now = self._clock.now()
        secret = signing.new_secret()
        async with self._db.writing() as conn:
            endpoint = await self._endpoint(conn, customer_id, endpoint_id)
            current = signing.active_secrets(endpoint.secret, int(now.timestamp()))[0]
            stored = signing.rotated(secret, current, int(now.timestamp()) + grace_s)
            await conn.execute(update(_e).where(_e.c.id == endpoint.id).values(secret=stored))
        expires = now + timedelta(seconds=grace_s)
        return {
            **_endpoint_json(endpoint),
            "secret": secret,
            "previous_secret_expires_at": expires.isoformat(),
        }

    async def test(self, customer_id: str, endpoint_id: str) -> dict[str, Any]:
        """Queue a ``webhook.test`` delivery to one endpoint."""
        now = self._clock.now()
        event = Event(ev.WEBHOOK_TEST, customer_id, {"message": "Hello from Swayam"}, now)
        async with self._db.writing() as conn:
            endpoint = await self._endpoint(conn, customer_id, endpoint_id)
            row = await self._queue(conn, endpoint.id, event, now)
        return row

    async def deliveries(
        self, customer_id: str, endpoint_id: str, limit: int = 50
    ) -> list[dict[str, Any]]:
        async with self._db.reading() as conn:
            await self._endpoint(conn, customer_id, endpoint_id)
            rows = await conn.execute(
                select(_d)
                .where(_d.c.endpoint_id == endpoint_id)
                .order_by(_d.c.created_at.desc(), _d.c.id.desc())
                .limit(limit)
            )
            return [_delivery_json(r) for r in rows]

    async def redeliver(
        self, customer_id: str, endpoint_id: str, delivery_id: str
    ) -> dict[str, Any]:
        now = self._clock.now()
        async with self._db.writing() as conn:
            await self._endpoint(conn, customer_id, endpoint_id)
            found = await conn.execute(
                update(_d)
                .where(_d.c.id == delivery_id, _d.c.endpoint_id == endpoint_id)
                .values(status="pending", attempts=0, next_attempt_at=now, updated_at=now)
            )
            if found.rowcount == 0:
                raise NotFound("delivery_not_found", "No such delivery.")
            row = (await conn.execute(select(_d).where(_d.c.id == delivery_id))).one()
        return _delivery_json(row)

    # -- consuming events -------------------------------------------------------------

    async def handle(self, events: Sequence[Event]) -> None:
        await handle_staged(self._db, self, events)

    async def stage(self, events: Sequence[Event]) -> Stage:
        """Find the endpoints the events go to; queue their deliveries in the round.

        Most customers have no endpoint: then the round writes nothing for them,
        not even a claim (a redelivered event finds no endpoint again).
        """
        now = self._clock.now()
        customers = {e.customer_id for e in events if e.customer_id}
        if not customers:
            return Stage(_write_nothing)
        async with self._db.lookup() as conn:
            rows = (
                await conn.execute(
                    select(_e.c.id, _e.c.customer_id, _e.c.event_types).where(
                        _e.c.customer_id.in_(customers), _e.c.deleted_at.is_(None)
                    )
                )
            ).all()
        by_customer: dict[str, list[tuple[str, frozenset[str] | None]]] = {}
        for r in rows:
            types = frozenset(json.loads(r.event_types)) if r.event_types else None
            by_customer.setdefault(r.customer_id, []).append((r.id, types))
        targeted = [e for e in events if by_customer.get(e.customer_id or "")]
        if not targeted:
            return Stage(_write_nothing)

        async def write(conn: Writes) -> None:
            values = []
            for e in await claim(conn, self.name, targeted, now):
                for endpoint_id, types in by_customer[e.customer_id or ""]:
                    if ev.matches(e.type, types):
                        values.append(self._delivery_values(endpoint_id, e, now))
            if values:
                await conn.execute(insert(_d), values)

        return Stage(write)

    def _delivery_values(self, endpoint_id: str, e: Event, now: datetime) -> dict[str, Any]:
        payload = {"type": e.type, "timestamp": e.occurred_at.isoformat(), "data": e.to_json()}
        return {
            "id": new_id("whd"),
            "endpoint_id": endpoint_id,
            "event_id": e.id,
            "event_type": e.type,
            "payload": json.dumps(payload, separators=(",", ":"), ensure_ascii=False),
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }

    async def _queue(
        self, conn: Writes, endpoint_id: str, e: Event, now: datetime
    ) -> dict[str, Any]:
        values = self._delivery_values(endpoint_id, e, now)
        await conn.execute(insert(_d).values(**values))
        row = (
            await conn.execute(
                select(_d).where(_d.c.endpoint_id == endpoint_id, _d.c.event_id == e.id)
            )
        ).one()
        return _delivery_json(row)

    # -- sending --------------------------------------------------------------------

    async def deliver_due(self, limit: int = 1000) -> int:
        """Send every delivery that is due; returns how many attempts were made.

        One round reads up to ``limit`` due deliveries, sends them with at most
        ``concurrency`` in flight, then records every attempt in one write
        transaction (one batched UPDATE). A crash before that commit leaves
        them pending, so they are sent again: at least once, never lost.
        """
        if self.sender is None:
            return 0
        now = self._clock.now()
        async with self._db.reading() as conn:
            rows = (
                await conn.execute(
                    select(
                        _d.c.id, _d.c.event_id, _d.c.payload, _d.c.attempts, _e.c.url, _e.c.secret
                    )
                    .join(_e, _e.c.id == _d.c.endpoint_id)
                    .where(_d.c.status == "pending", _d.c.next_attempt_at <= now)
                    .order_by(_d.c.next_attempt_at, _d.c.id)
                    .limit(limit)
                )
            ).all()
        if not rows:
            return 0
        sender = self.sender
        # A round holds many deliveries to few endpoints: check each URL and key
        # each endpoint's secrets once per round, not once per delivery.
        at = int(now.timestamp())
        refusals: dict[str, str | None] = {}
        signers: dict[str, signing.Signer] = {}
        for r in rows:
            if r.url not in refusals:
                refusals[r.url] = self._refusal(r.url)
            if r.secret not in signers:
                signers[r.secret] = signing.Signer(signing.active_secrets(r.secret, at))

        async def one(r: Any) -> Attempt:
            refused = refusals[r.url]
            if refused is not None:
                return Attempt(None, refused)
            body = r.payload.encode()
            # The receiver checks this against its own clock, so it is wall time.
            stamp = int(time.time())
            # The event id is the message id: receivers deduplicate retries by it.
            head = signers[r.secret].headers(r.event_id, stamp, body)
            try:
                return await sender.send(r.url, head, body)
            except Exception as exc:  # the sender reports; never lose the record
                return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])

        results: list[tuple[Any, Attempt]] = []
        queue = iter(rows)

        async def worker() -> None:
            # Workers share one iterator: bounded concurrency without a task per delivery.
            for r in queue:
                results.append((r, await one(r)))

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, len(rows)))))
        await self._record(results)
        self.sent += sum(1 for _, a in results if a.status is not None and 200 <= a.status < 300)
        return len(results)

    def _refusal(self, url: str) -> str | None:
        """Why a URL may not be sent to now (the SSRF rules), or None."""
        try:
            self.validate_url(url)
        except InvalidInput as exc:
            return exc.message
        return None

    async def _record(self, results: list[tuple[Any, Attempt]]) -> None:
        """Record a round's attempts: one executemany UPDATE, one transaction."""
        now = self._clock.now()
        gone: set[str] = set()
        params: list[dict[str, Any]] = []
        for r, attempt in results:
            tries = r.attempts + 1
            ok = attempt.status is not None and 200 <= attempt.status < 300
            status, due = "pending", None
            if ok:
                status = "succeeded"
            elif attempt.status == 410:
                status = "dead"
                gone.add(r.id)
            elif tries >= len(SCHEDULE_S):
                status = "dead"
            else:
                due = now + self._backoff(tries, attempt)
            params.append(
                {
                    "delivery_id": r.id,
                    "status": status,
                    "attempts": tries,
                    "next_attempt_at": due,
                    "last_status": attempt.status,
                    "last_error": attempt.error,
                    "updated_at": now,
                }
            )
        async with self._db.writing() as conn:
            # The SET clause comes from the parameter keys named for columns.
            await conn.execute(update(_d).where(_d.c.id == bindparam("delivery_id")), params)
            if gone:
                endpoints = select(_d.c.endpoint_id).where(_d.c.id.in_(gone)).scalar_subquery()
                await conn.execute(update(_e).where(_e.c.id.in_(endpoints)).values(deleted_at=now))

    def _backoff(self, tries: int, attempt: Attempt) -> timedelta:
        base = SCHEDULE_S[min(tries, len(SCHEDULE_S) - 1)] * self._scale
        delay = base * self._rng.uniform(0.8, 1.2)
        if attempt.retry_after_s is not None:
            delay = max(delay, min(attempt.retry_after_s * self._scale, 36000 * self._scale))
        return timedelta(seconds=delay)


async def _write_nothing(_conn: Writes) -> None:
    return None
