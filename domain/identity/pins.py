"""Step-up PINs: a second factor for large payments, with limited attempts."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select, update

from domain import schema
from domain.clock import Clock
from domain.db import Database
from domain.errors import InvalidInput, Locked, NotFound, Rejected
from domain.identity.passwords import Passwords

_PIN = re.compile(r"^[0-9]{4,6}$")
MAX_FAILURES = 3
LOCKOUT = timedelta(minutes=30)


class PinService:
    def __init__(self, db: Database, clock: Clock, passwords: Passwords) -> None:
        self._db = db
        self._clock = clock
        self._passwords = passwords

    async def set_pin(self, user_id: str, pin: str) -> None:
        if not _PIN.match(pin):
            raise InvalidInput("invalid_pin", "A PIN is 4 to 6 digits.")
        pin_hash = await asyncio.to_thread(self._passwords.hash, pin)
        u = schema.users
        async with self._db.writing() as conn:
            result = await conn.execute(
                update(u)
                .where(u.c.id == user_id)
                .values(pin_hash=pin_hash, pin_failures=0, pin_locked_until=None)
            )
        if result.rowcount != 1:
            raise NotFound("user_not_found", "No such user.")

    async def has_pin(self, user_id: str) -> bool:
        u = schema.users
        async with self._db.lookup() as conn:
            row = (await conn.execute(select(u.c.pin_hash).where(u.c.id == user_id))).first()
        return row is not None and row.pin_hash is not None

    async def verify(self, user_id: str, pin: str) -> None:
        """Accept the right PIN; count wrong ones and lock after three."""
        u = schema.users
        now = self._clock.now()
        async with self._db.lookup() as conn:
            row = (
                await conn.execute(
                    select(u.c.pin_hash, u.c.pin_locked_until).where(u.c.id == user_id)
                )
            ).first()
        if row is None or row.pin_hash is None:
            raise Rejected("pin_not_set", "You have not set a PIN yet.")
        if row.pin_locked_until is not None and row.pin_locked_until > now:
            wait = int((row.pin_locked_until - now).total_seconds() // 60) + 1
            raise Locked(
                "pin_locked",
                f"Your PIN is locked after too many tries. Try again in {wait} min.",
                retry_after=wait * 60,
            )
        # Hashing is slow on purpose: keep it off the event loop and out of
        # any write transaction.
        good = bool(_PIN.match(pin)) and await asyncio.to_thread(
            self._passwords.verify, row.pin_hash, pin
        )
        async with self._db.writing() as conn:
            if good:
                await conn.execute(update(u).where(u.c.id == user_id).values(pin_failures=0))
                return
            failures = (
                await conn.execute(
                    update(u)
                    .where(u.c.id == user_id)
                    .values(pin_failures=u.c.pin_failures + 1)
                    .returning(u.c.pin_failures)
                )
            ).scalar_one()
            if failures >= MAX_FAILURES:
                await conn.execute(
                    update(u)
                    .where(u.c.id == user_id)
                    .values(pin_failures=0, pin_locked_until=now + LOCKOUT)
                )
        if failures >= MAX_FAILURES:
            raise Locked(
                "pin_locked",
                "That PIN is wrong. Your PIN is now locked for "
                f"{int(LOCKOUT.total_seconds() // 60)} min.",
                retry_after=int(LOCKOUT.total_seconds()),
            )
        left = MAX_FAILURES - failures
        raise Rejected(
            "pin_wrong", f"That PIN is wrong; {left} {'try' if left == 1 else 'tries'} left."
        )
