"""The money engine: every money movement goes through here, with group commit.

Callers ``submit`` a command and await its receipt. One worker per process
takes every command waiting, applies them in order to a ``Book`` inside a
single database transaction and commits once, so one durable fsync carries a
whole batch. While a batch commits the next one gathers, so batches grow with
load and a lone request waits for nothing but its own commit.

Across processes the accounts a batch touches are locked in sorted id order
(``SELECT ... FOR UPDATE`` on PostgreSQL; ``BEGIN IMMEDIATE`` on SQLite), so
batches never deadlock on each other; if the database still asks for a retry
the whole batch runs again, which is safe because nothing of it was kept.

Idempotency follows Stripe: the first answer to a (sender, key) pair is stored
in the same transaction as its effects. A resend with the same payload gets
that answer again; a different payload under the key is a conflict; a first
attempt refused for a business reason stays refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from domain import schema
from domain.banking import limits as limit_rules
from domain.banking import rows
from domain.banking.batch_sql import BatchSQL
from domain.banking.book import Book
from domain.banking.commands import (
    Command,
    ExecuteOrder,
    ExternalPosting,
    MakeTransfer,
    PlaceHold,
    PlaceOrderHold,
    PostHold,
    SettleTrade,
    VoidHold,
)
from domain.banking.model import (
    CHARGES_ACCOUNT_ID,
    EXCHANGE_ACCOUNT_ID,
    Hold,
    HoldStatus,
    Limits,
    settlement_account_id,
)
from domain.clock import Clock
from domain.db import Database, Writes, is_transient
from domain.errors import Conflict, DomainError, ErrorKind, error_from_json

log = logging.getLogger(__name__)

# Errors that are the answer to the request and so are kept under its key.
# Malformed input is not: the client fixes it and may reuse the key.
_STORED_KINDS = {ErrorKind.REJECTED, ErrorKind.NOT_FOUND}
# One encoder for every stored answer: json.dumps builds one per call given options.
_ENCODER = json.JSONEncoder(separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a money command produced, as its JSON document."""

    operation: str
    result: dict[str, Any]
    replayed: bool = False

    @property
    def id(self) -> str:
        return str(self.result["id"])


@dataclass(slots=True)
class _Waiting:
    command: Command
    future: asyncio.Future[Receipt]


@dataclass(frozen=True, slots=True)
class _Stored:
    operation: str
    request_hash: str
    outcome: str
    result: dict[str, Any]


class EngineStopped(RuntimeError):
    pass


# Called inside each batch's transaction after its writes (the events outbox),
# so whatever a hook writes commits or rolls back with the batch.
BatchHook = Callable[[Writes, Book], Awaitable[None]]


class MoneyEngine:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        default_limits: Limits,
        max_batch: int = 2048,
        group_commit: bool = True,
    ) -> None:
        self._db = db
        self._clock = clock
        self._default_limits = default_limits
        self._max_batch = max_batch if group_commit else 1
        self._sql = BatchSQL(db.dialect)
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        # Counters for metrics: batches committed, and commands by (operation, outcome).
        self.batches = 0
        self.commands = 0
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.batch_hooks: list[BatchHook] = []

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="money-engine")

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._worker is None:
            return
        await self._queue.join()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._worker.done()

    async def submit(self, command: Command) -> Receipt:
        if self._worker is None:
            raise EngineStopped("the money engine is not running")
        future: asyncio.Future[Receipt] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Waiting(command, future))
        # A caller that goes away cancels only this future, never the command:
        # the batch applies every queued command whatever became of its future
        # (``_settle`` skips the cancelled), so it still completes and its key
        # still answers a resend. No shield, so no second future per command.
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._process(batch)
            except Exception:  # never let the worker die; the futures carry the error
                log.exception("money engine batch failed")
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _process(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await self._with_retries(batch)
        except Exception as exc:
            if len(batch) > 1:
                # Find the one command that breaks the batch; the rest go through.
                for item in batch:
                    await self._process([item])
                return
            self.outcomes[(batch[0].command.operation, "error")] += 1
            _settle(batch[0].future, exc)
            return
        self.batches += 1
        self.commands += len(batch)
        for item, outcome in zip(batch, outcomes, strict=True):
            label = outcome.code if isinstance(outcome, DomainError) else "ok"
            if isinstance(outcome, Receipt) and outcome.replayed:
                label = "replayed"
            self.outcomes[(item.command.operation, label)] += 1
            _settle(item.future, outcome)

    async def _with_retries(self, batch: list[_Waiting]) -> list[Receipt | DomainError]:
        attempt = 0
        while True:
            try:
                return await self._apply([w.command for w in batch])
            except IntegrityError:
                # Another process stored one of our keys first; the next
                # attempt finds it and replays it.
                attempt += 1
                if attempt > 3:
                    raise
            except DBAPIError as exc:
                attempt += 1
                if not is_transient(exc) or attempt > 10:
                    raise
                await asyncio.sleep(0.005 * 2 ** min(attempt, 6))

    # -- one batch, one transaction ------------------------------------------

    async def _apply(self, commands: list[Command]) -> list[Receipt | DomainError]:
        async with self._db.writing() as conn:
            now = self._clock.now()
            stored = {
                key: _Stored(*found)
                for key, found in (
                    await self._sql.load_keys(
                        conn, sorted({(c.principal_id, c.idempotency_key) for c in commands})
                    )
                ).items()
            }
            book = await self._load_book(conn, commands, now)
            outcomes: list[Receipt | DomainError] = []
            fresh_keys: list[tuple[Any, ...]] = []
            for cmd in commands:
                key = (cmd.principal_id, cmd.idempotency_key)
                fingerprint = cmd.fingerprint()
                prior = stored.get(key)
                if prior is not None:
                    outcomes.append(_replay(prior, cmd, fingerprint))
                    continue
                try:
                    receipt = Receipt(cmd.operation, _apply_one(book, cmd))
                except DomainError as err:
                    outcomes.append(err)
                    if err.kind not in _STORED_KINDS:
                        continue
                    entry = _Stored(cmd.operation, fingerprint, "error", _error_doc(err))
                else:
                    outcomes.append(receipt)
                    if cmd.attachment is not None:
                        book.attached.append((cmd.attachment, receipt.result))
                    entry = _Stored(cmd.operation, fingerprint, "ok", receipt.result)
                stored[key] = entry
                fresh_keys.append(
                    (
                        cmd.principal_id,
                        cmd.idempotency_key,
                        entry.operation,
                        entry.request_hash,
                        entry.outcome,
                        _ENCODER.encode(entry.result),
                        now,
                    )
                )
            await self._sql.write(conn, book, fresh_keys)
            for hook in self.batch_hooks:
                await hook(conn, book)
        return outcomes

    async def _load_book(self, conn: Writes, commands: list[Command], now: datetime) -> Book:
        account_ids: set[str] = set()
        payee_ids: set[str] = set()
        hold_ids: set[str] = set()
        currencies: set[str] = set()
        for cmd in commands:
            if isinstance(cmd, MakeTransfer | PlaceHold):
                account_ids.add(
                    cmd.from_account_id if isinstance(cmd, MakeTransfer) else cmd.account_id
                )
                if cmd.to_account_id:
                    account_ids.add(cmd.to_account_id)
                if cmd.payee_id:
                    payee_ids.add(cmd.payee_id)
                    currencies.add(cmd.amount.currency)
            elif isinstance(cmd, ExternalPosting):
                account_ids.add(cmd.account_id)
                currencies.add(cmd.amount.currency)
            elif isinstance(cmd, PostHold | VoidHold):
                hold_ids.add(cmd.hold_id)
            elif isinstance(cmd, PlaceOrderHold | SettleTrade | ExecuteOrder):
                account_ids.update((cmd.account_id, EXCHANGE_ACCOUNT_ID, CHARGES_ACCOUNT_ID))
                if isinstance(cmd, SettleTrade) and cmd.hold_id:
                    hold_ids.add(cmd.hold_id)

        holds = await _load_holds(conn, hold_ids)
        for h in holds.values():
            account_ids.update((h.account_id, h.credit_account_id))
            if h.payee_id:
                payee_ids.add(h.payee_id)
        account_ids.update(settlement_account_id(c) for c in currencies)

        accounts = await self._sql.lock_accounts(conn, account_ids)
        if holds and not self._db.is_sqlite:
            # Re-read under the account locks: another process may have just
            # posted or voided one of them.
            holds = await _load_holds(conn, hold_ids)
        book = Book(now=now, accounts={a.id: a for a in accounts}, holds=holds)
        book.payees = await _load_payees(conn, payee_ids)
        for expired in await _load_expired_holds(conn, book.accounts.keys(), now):
            book.holds.setdefault(expired.id, expired)
            book.expire(book.holds[expired.id])

        paying = {
            c.customer_id
            for c in commands
            if isinstance(c, MakeTransfer | PlaceHold) and c.payee_id
        }
        paying.update(h.customer_id for h in holds.values() if h.payee_id and h.customer_id)
        if paying:
            await self._load_limits(conn, book, paying, now)
        return book

    async def _load_limits(
        self, conn: Writes, book: Book, customers: set[str], now: datetime
    ) -> None:
        result = await conn.execute(
            select(schema.limits).where(schema.limits.c.customer_id.in_(customers))
        )
        for row in result:
            book.limits[row.customer_id] = rows.limits(row)
        zones = await conn.execute(
            select(schema.users.c.id, schema.users.c.timezone).where(
                schema.users.c.id.in_(customers)
            )
        )
        by_zone: dict[str, list[str]] = {}
        for user_id, zone in zones:
            book.limits.setdefault(user_id, self._default_limits)
            by_zone.setdefault(zone, []).append(user_id)
        t = schema.transfers
        for zone, ids in by_zone.items():
            w = limit_rules.windows(now, zone)
            since = min(w.week, w.month)
            usage = await conn.execute(
                select(t.c.customer_id, t.c.amount, t.c.created_at).where(
                    t.c.customer_id.in_(ids), t.c.kind == "payee", t.c.created_at >= since
                )
            )
            for customer_id, amount, created_at in usage:
                u = book.usage.setdefault(customer_id, limit_rules.Usage())
                u.month += amount if created_at >= w.month else 0
                u.week += amount if created_at >= w.week else 0
                u.day += amount if created_at >= w.day else 0

    # -- housekeeping ----------------------------------------------------------

    async def expire_holds(self) -> int:
        """Release every pending hold past its expiry; returns how many."""
        async with self._db.reading() as conn:
            result = await conn.execute(
                select(schema.holds.c.account_id)
                .where(
                    schema.holds.c.status == "pending",
                    schema.holds.c.expires_at <= self._clock.now(),
                )
                .distinct()
            )
            account_ids = {r[0] for r in result}
        if not account_ids:
            return 0
        async with self._db.writing() as conn:
            now = self._clock.now()
            accounts = await self._sql.lock_accounts(conn, account_ids)
            book = Book(now=now, accounts={a.id: a for a in accounts})
            for h in await _load_expired_holds(conn, account_ids, now):
                book.holds[h.id] = h
                book.expire(h)
            await self._sql.write(conn, book, [])
            for hook in self.batch_hooks:
                await hook(conn, book)
            return len(book.changed_holds)


def _apply_one(book: Book, cmd: Command) -> dict[str, Any]:
    if isinstance(cmd, MakeTransfer):
        return book.transfer(cmd).to_json()
    if isinstance(cmd, ExternalPosting):
        return book.external(cmd).to_json()
    if isinstance(cmd, PlaceHold):
        return book.place_hold(cmd).to_json()
    if isinstance(cmd, PostHold):
        return book.post_hold(cmd).to_json()
    if isinstance(cmd, VoidHold):
        return book.void_hold(cmd).to_json()
    if isinstance(cmd, PlaceOrderHold):
        return book.place_order_hold(cmd).to_json()
    if isinstance(cmd, SettleTrade):
        return book.settle_trade(cmd)
    if isinstance(cmd, ExecuteOrder):
        return book.execute_order(cmd)
    raise TypeError(f"unknown command {cmd!r}")


def _error_doc(err: DomainError) -> dict[str, Any]:
    return {"kind": err.kind.value, "code": err.code, "message": err.message}


def _replay(prior: _Stored, cmd: Command, fingerprint: str) -> Receipt | DomainError:
    if prior.operation != cmd.operation or prior.request_hash != fingerprint:
        return Conflict(
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request.",
        )
    if prior.outcome == "error":
        r = prior.result
        return error_from_json(r["kind"], r["code"], r["message"])
    return Receipt(prior.operation, prior.result, replayed=True)


def _settle(future: asyncio.Future[Receipt], outcome: Receipt | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, Receipt):
        future.set_result(outcome)
    else:
        future.set_exception(outcome)


# -- storage -----------------------------------------------------------------


async def _load_holds(conn: Writes, ids: set[str]) -> dict[str, Hold]:
    if not ids:
        return {}
    h = schema.holds
    return {r.id: rows.hold(r) for r in await conn.execute(select(h).where(h.c.id.in_(ids)))}


async def _load_expired_holds(
    conn: Writes, account_ids: Iterable[str], now: datetime
) -> list[Hold]:
    ids = list(account_ids)
    if not ids:
        return []
    h = schema.holds
    query = select(h).where(
        h.c.account_id.in_(ids), h.c.status == HoldStatus.PENDING.value, h.c.expires_at <= now
    )
    return [rows.hold(r) for r in await conn.execute(query)]


async def _load_payees(conn: Writes, ids: set[str]) -> dict[str, Any]:
    if not ids:
        return {}
    p = schema.payees
    query = select(p).where(p.c.id.in_(ids), p.c.deleted_at.is_(None))
    return {r.id: rows.payee(r) for r in await conn.execute(query)}
