"""Telegram chats linked to customers by one-time link codes.

A signed-in customer asks for a code; sending ``/start CODE`` to the bot (or
opening ``https://t.me/<bot>?start=CODE``) links that chat to them. Codes are
random, stored only as a SHA-256 hash, expire after ten minutes and work once.
A chat belongs to one customer; a customer may have several chats.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from domain.clock import Clock
from domain.db import Database, retrying
from domain.errors import InvalidInput, NotFound
from domain.ledger import events as ledger_events
from domain.ledger import store as ledger
from domain.schema import telegram_link_codes, telegram_links, users

CODE_TTL = timedelta(minutes=10)
# Telegram allows A-Z, a-z, 0-9, _ and - in a deep-link start parameter.
_CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str  # shown once; only its hash is kept
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LinkedCustomer:
    id: str
    full_name: str
    timezone: str


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _bad_code() -> InvalidInput:
    # One answer for unknown, used and expired codes: a guesser learns nothing.
    return InvalidInput(
        "link_code_invalid",
        "That link code isn't valid: it may have expired or been used already. "
        "Get a new one from Swayam and try again.",
    )


class TelegramLinks:
    """Issue and redeem link codes; find, list and remove linked chats."""

    def __init__(self, db: Database, clock: Clock, *, ttl: timedelta = CODE_TTL) -> None:
        self._db = db
        self._clock = clock
        self._ttl = ttl

    async def new_code(self, customer_id: str) -> LinkCode:
        """A fresh one-time code for a customer."""
        code = secrets.token_urlsafe(16)
        now = self._clock.now()
        expires = now + self._ttl

        async def attempt() -> None:
            async with self._db.writing() as conn:
                role = (
                    await conn.execute(select(users.c.role).where(users.c.id == customer_id))
                ).scalar_one_or_none()
                if role != "customer":
                    raise NotFound("customer_not_found", "There is no such customer.")
                await conn.execute(
                    insert(telegram_link_codes).values(
                        code_hash=_hash(code),
                        customer_id=customer_id,
                        created_at=now,
                        expires_at=expires,
                    )
                )

        await retrying(attempt)
        return LinkCode(code, expires)

    async def redeem(self, chat_id: int, code: str) -> LinkedCustomer:
        """Spend a code and link the chat to its customer (replacing any earlier link)."""
        code = code.strip()
        if not _CODE_SHAPE.fullmatch(code):
            raise _bad_code()
        code_hash = _hash(code)

        async def attempt() -> LinkedCustomer:
            now = self._clock.now()
            async with self._db.writing() as conn:
                # Conditional on unused and unexpired: of two racing redeems one wins.
                spent = await conn.execute(
                    update(telegram_link_codes)
                    .where(
                        telegram_link_codes.c.code_hash == code_hash,
                        telegram_link_codes.c.used_at.is_(None),
                        telegram_link_codes.c.expires_at > now,
                    )
                    .values(used_at=now)
                    .returning(telegram_link_codes.c.customer_id)
                )
                customer_id = spent.scalar_one_or_none()
                if customer_id is None:
                    raise _bad_code()
                replaced = await conn.execute(
                    delete(telegram_links)
                    .where(telegram_links.c.chat_id == chat_id)
                    .returning(telegram_links.c.customer_id)
                )
                audit = [
                    ledger_events.telegram_unlinked(old, chat_id) for old in replaced.scalars()
                ]
                await conn.execute(
                    insert(telegram_links).values(
                        chat_id=chat_id, customer_id=customer_id, linked_at=now
                    )
                )
                audit.append(ledger_events.telegram_linked(customer_id, chat_id))
                await ledger.append(conn, audit, now)
                row = (
                    await conn.execute(
                        select(users.c.id, users.c.full_name, users.c.timezone).where(
                            users.c.id == customer_id
                        )
                    )
                ).one()
            return LinkedCustomer(row.id, row.full_name, row.timezone)

        return await retrying(attempt)

    async def customer(self, chat_id: int) -> LinkedCustomer | None:
        """The customer a chat speaks for, or None if it is not linked."""
        query = (
            select(users.c.id, users.c.full_name, users.c.timezone)
            .join(telegram_links, telegram_links.c.customer_id == users.c.id)
            .where(telegram_links.c.chat_id == chat_id)
        )
        async with self._db.reading() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else LinkedCustomer(row.id, row.full_name, row.timezone)

    async def chats(self, customer_id: str) -> list[int]:
        query = (
            select(telegram_links.c.chat_id)
            .where(telegram_links.c.customer_id == customer_id)
            .order_by(telegram_links.c.linked_at)
        )
        async with self._db.reading() as conn:
            return [int(r.chat_id) for r in await conn.execute(query)]

    async def unlink(self, chat_id: int) -> bool:
        """Remove a chat's link; False if it had none."""

        async def attempt() -> bool:
            async with self._db.writing() as conn:
                removed = await conn.execute(
                    delete(telegram_links)
                    .where(telegram_links.c.chat_id == chat_id)
                    .returning(telegram_links.c.customer_id)
                )
                audit = [ledger_events.telegram_unlinked(c, chat_id) for c in removed.scalars()]
                await ledger.append(conn, audit, self._clock.now())
                return bool(audit)

        return await retrying(attempt)
