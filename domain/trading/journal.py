"""Group commit for trading rows: concurrent writers share one transaction.

Like the money engine, one worker takes every entry waiting and writes them
all in one transaction with one statement per kind of row (new orders,
order updates, trades, holdings), so a batch costs a handful of round trips
however large it is. Holdings are read once per batch and every fill in it
applied in order. If a batch fails, each entry is retried alone so one bad
entry never spoils the others.

Rows that go with a money movement do not come here: they ride on the money
command as its attachment, and ``write_attached`` (a batch hook of the money
engine) writes them in the engine's transaction, so a fill and its order,
trade and holding rows commit together or not at all. The journal is for
changes that move no money (a stop-loss sell triggering, a sell cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import schema
from domain.banking.book import Book
from domain.db import Database
from domain.trading.portfolio import Holding, apply_fill

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FillRecord:
    customer_id: str
    symbol: str
    side: str
    quantity: int
    value: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Entry:
    new_order: dict[str, Any] | None = None
    order_update: dict[str, Any] | None = None  # with "b_id" naming the order
    trade: dict[str, Any] | None = None
    fill: FillRecord | None = None


def completed(entry: Entry, result: dict[str, Any]) -> Entry:
    """``entry`` with the hold and transfer ids its money command's result gave out."""
    hold = result.get("hold")
    transfers = result.get("transfers") or []
    new_order, trade = entry.new_order, entry.trade
    if new_order is not None and isinstance(hold, dict):
        new_order = {**new_order, "hold_id": hold["id"]}
    if trade is not None and transfers:
        trade = {**trade, "transfer_id": transfers[0]["id"]}
    return Entry(new_order, entry.order_update, trade, entry.fill)


async def write_attached(conn: AsyncConnection, book: Book) -> None:
    """The money engine's batch hook: write the trading rows attached to its commands."""
    entries = [completed(a, result) for a, result in book.attached if isinstance(a, Entry)]
    if entries:
        await _flush(conn, entries)


@dataclass(slots=True)
class _Waiting:
    entry: Entry
    future: asyncio.Future[None]


_UPDATE_COLUMNS = (
    "status",
    "filled_quantity",
    "filled_value",
    "charges",
    "triggered",
    "reason",
    "updated_at",
)


class Journal:
    def __init__(self, db: Database, *, max_batch: int = 512) -> None:
        self._db = db
        self._max_batch = max_batch
        self._queue: asyncio.Queue[_Waiting] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def write(self, entry: Entry) -> None:
        """Write ``entry`` in a transaction shared with whatever else is waiting."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="trading-journal")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Waiting(entry, future))
        await asyncio.shield(future)

    async def close(self) -> None:
        if self._worker is None:
            return
        await self._queue.join()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._worker
        self._worker = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            except Exception:
                log.exception("trading journal batch failed")
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[_Waiting]) -> None:
        try:
            async with self._db.writing() as conn:
                await _flush(conn, [w.entry for w in batch])
        except Exception as exc:
            if len(batch) > 1:
                for item in batch:
                    await self._commit([item])
                return
            if not batch[0].future.done():
                batch[0].future.set_exception(exc)
            return
        for item in batch:
            if not item.future.done():
                item.future.set_result(None)


async def _flush(conn: AsyncConnection, entries: list[Entry]) -> None:
    o, t, h = schema.trading_orders, schema.trading_trades, schema.holdings
    new_orders = [e.new_order for e in entries if e.new_order is not None]
    if new_orders:
        await conn.execute(insert(o), new_orders)
    updates = [e.order_update for e in entries if e.order_update is not None]
    if updates:
        stmt = (
            update(o)
            .where(o.c.id == bindparam("b_id"))
            .values({c: bindparam(c) for c in _UPDATE_COLUMNS})
        )
        await conn.execute(stmt, updates)
    trades = [e.trade for e in entries if e.trade is not None]
    if trades:
        await conn.execute(insert(t), trades)
    fills = [e.fill for e in entries if e.fill is not None]
    if not fills:
        return
    keys = sorted({(f.customer_id, f.symbol) for f in fills})
    held: dict[tuple[str, str], Holding] = {}
    for start in range(0, len(keys), 400):
        chunk = keys[start : start + 400]
        rows = await conn.execute(select(h).where(tuple_(h.c.customer_id, h.c.symbol).in_(chunk)))
        for r in rows:
            held[(r.customer_id, r.symbol)] = Holding(r.symbol, r.quantity, r.cost, r.realised_pnl)
    existing = set(held)
    when: dict[tuple[str, str], datetime] = {}
    for f in fills:
        key = (f.customer_id, f.symbol)
        before = held.get(key, Holding(f.symbol, 0, 0))
        held[key] = apply_fill(before, f.side, f.quantity, f.value)
        when[key] = f.at

    def row(key: tuple[str, str]) -> dict[str, Any]:
        x = held[key]
        return {
            "b_customer": key[0],
            "b_symbol": key[1],
            "quantity": x.quantity,
            "cost": x.cost,
            "realised_pnl": x.realised,
            "updated_at": when[key],
        }

    fresh = [row(k) for k in held if k not in existing]
    if fresh:
        await conn.execute(
            insert(h),
            [
                {
                    "customer_id": r.pop("b_customer"),
                    "symbol": r.pop("b_symbol"),
                    **r,
                }
                for r in fresh
            ],
        )
    changed = [row(k) for k in held if k in existing]
    if changed:
        stmt = (
            update(h)
            .where(h.c.customer_id == bindparam("b_customer"), h.c.symbol == bindparam("b_symbol"))
            .values({c: bindparam(c) for c in ("quantity", "cost", "realised_pnl", "updated_at")})
        )
        await conn.execute(stmt, changed)
