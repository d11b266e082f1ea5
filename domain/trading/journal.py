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
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, update

from domain import schema
from domain.banking.batch_sql import BatchSQL
from domain.banking.book import Book
from domain.db import Database, Writes
from domain.ledger import events as ledger_events
from domain.ledger import store as ledger
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


async def write_attached(conn: Writes, book: Book) -> None:
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
        # As the money engine: a caller going away cancels its wait, not the write.
        await future

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


_ORDER_COLUMNS = (
    "id",
    "customer_id",
    "client_order_id",
    "request_hash",
    "account_id",
    "symbol",
    "side",
    "order_type",
    "quantity",
    "limit_price",
    "trigger_price",
    "hold_id",
    "amo",
    "valid_until",
    "created_at",
    *_UPDATE_COLUMNS,
)
_TRADE_COLUMNS = (
    "id",
    "order_id",
    "customer_id",
    "symbol",
    "side",
    "quantity",
    "price",
    "value",
    "charges",
    "charge_lines",
    "transfer_id",
    "executed_at",
)
_TIMES = frozenset({"valid_until", "created_at", "updated_at", "executed_at"})


class _Driver:
    """Driver SQL for the hot inserts: SQLAlchemy's per-row parameter work cost more
    than the database's (the money engine's ``BatchSQL`` does the same)."""

    def __init__(self, conn: Writes) -> None:
        self.conn = conn
        self.sql = BatchSQL(conn.dialect.name)

    def marks(self, count: int, start: int = 1) -> str:
        if self.sql.sqlite:
            return ",".join("?" * count)
        return ",".join(f"${i}" for i in range(start, start + count))

    async def insert(
        self, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]
    ) -> None:
        when = self.sql.when
        values = itemgetter(*columns)
        times = [i for i, c in enumerate(columns) if c in _TIMES]
        params = []
        for r in rows:
            row = list(values(r))
            for i in times:
                row[i] = when(row[i])
            params.append(tuple(row))
        await self.conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({self.marks(len(columns))})",
            params,
        )

    async def holdings(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Holding]:
        held: dict[tuple[str, str], Holding] = {}
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            if self.sql.sqlite:
                values = ",".join("(?,?)" for _ in chunk)
            else:
                values = ",".join(f"(${2 * i + 1},${2 * i + 2})" for i in range(len(chunk)))
            rows: Any = await self.conn.exec_driver_sql(
                "SELECT customer_id, symbol, quantity, cost, realised_pnl FROM holdings"
                f" WHERE (customer_id, symbol) IN (VALUES {values})",
                tuple(x for key in chunk for x in key),
            )
            for r in rows:
                held[(r[0], r[1])] = Holding(r[1], r[2], r[3], r[4])
        return held


async def _flush(conn: Writes, entries: list[Entry]) -> None:
    await _write_rows(conn, entries)
    trades = [e.trade for e in entries if e.trade is not None]
    if trades:
        # Last, after the row locks above: appending takes the audit log's lock.
        fills = [
            ledger_events.order_fill(
                t["customer_id"],
                t["order_id"],
                t["symbol"],
                t["side"],
                t["quantity"],
                t["price"],
                "INR",
            )
            for t in trades
        ]
        await ledger.append(conn, fills, max(t["executed_at"] for t in trades))


async def _write_rows(conn: Writes, entries: list[Entry]) -> None:
    o = schema.trading_orders
    driver = _Driver(conn)
    new_orders = [e.new_order for e in entries if e.new_order is not None]
    if new_orders:
        await driver.insert("trading_orders", _ORDER_COLUMNS, new_orders)
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
        await driver.insert("trading_trades", _TRADE_COLUMNS, trades)
    fills = [e.fill for e in entries if e.fill is not None]
    if not fills:
        return
    held = await driver.holdings(sorted({(f.customer_id, f.symbol) for f in fills}))
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
            "customer_id": key[0],
            "symbol": key[1],
            "quantity": x.quantity,
            "cost": x.cost,
            "realised_pnl": x.realised,
            "updated_at": when[key],
        }

    fresh = [row(k) for k in held if k not in existing]
    if fresh:
        await driver.insert("holdings", _HOLDING_COLUMNS, fresh)
    changed = [row(k) for k in held if k in existing]
    if changed:
        if driver.sql.sqlite:
            sql = (
                "UPDATE holdings SET quantity = ?, cost = ?, realised_pnl = ?, updated_at = ?"
                " WHERE customer_id = ? AND symbol = ?"
            )
        else:
            sql = (
                "UPDATE holdings SET quantity = $1, cost = $2, realised_pnl = $3,"
                " updated_at = $4 WHERE customer_id = $5 AND symbol = $6"
            )
        await conn.exec_driver_sql(
            sql,
            [
                (
                    r["quantity"],
                    r["cost"],
                    r["realised_pnl"],
                    driver.sql.when(r["updated_at"]),
                    r["customer_id"],
                    r["symbol"],
                )
                for r in changed
            ],
        )


_HOLDING_COLUMNS = ("customer_id", "symbol", "quantity", "cost", "realised_pnl", "updated_at")
