"""Devices a customer has signed in from, and the alert when a new one appears.

A device is a hash of the browser's user agent and the client's address: it
tells "the phone I always use" from "something else", which is all an alert
needs; it is not an identity. The first device an account ever uses is
remembered quietly; every later new one raises ``security.new_device_login``
(critical, so it goes through quiet hours) in the sign-in's own transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain.db import Writes
from domain.events import outbox
from domain.events.model import LOGIN_NEW_DEVICE, Event
from domain.schema import known_devices

MAX_AGENT = 300


@dataclass(frozen=True, slots=True)
class Device:
    """Where a sign-in comes from, as the login route saw it."""

    user_agent: str
    ip: str

    @property
    def hash(self) -> str:
        raw = f"{self.user_agent[:MAX_AGENT]}\n{self.ip}".encode()
        return hashlib.sha256(raw).hexdigest()

    @property
    def label(self) -> str:
        agent = " ".join(self.user_agent.split())[:80] or "an unknown app"
        return f"{agent} ({self.ip})"


async def remember(conn: Writes, user_id: str, device: Device, now: datetime) -> Event | None:
    """Record the device; returns the alert event (already in the outbox) if it is new."""
    kd = known_devices
    known = (
        await conn.execute(select(func.count()).select_from(kd).where(kd.c.user_id == user_id))
    ).scalar_one()
    seen = (
        await conn.execute(
            select(kd.c.device_hash).where(kd.c.user_id == user_id, kd.c.device_hash == device.hash)
        )
    ).first()
    if seen is not None:
        return None
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    added = await conn.execute(
        insert(kd)
        .values(user_id=user_id, device_hash=device.hash, first_seen=now)
        .on_conflict_do_nothing()
    )
    if added.rowcount == 0 or known == 0:
        # A parallel sign-in from the same device recorded it first, or this is the
        # account's first device: nothing to compare it with.
        return None
    event = Event(
        LOGIN_NEW_DEVICE,
        user_id,
        {"device": device.label, "ip": device.ip, "device_hash": device.hash},
        now,
        subject_id=device.hash[:16],
    )
    await outbox.append(conn, [event])
    return event
