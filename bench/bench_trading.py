"""Trading throughput and market fan-out, each beside a baseline from the same run.

1. Orders per second through validation, a hold on trading cash, and a fill
   settled by the money engine (value and charges), with order, trade and
   holding rows written: market buys from many customers at once on SQLite
   (``synchronous=FULL``). Each order is one money-engine command whose
   transaction also writes the order, trade and holding rows. Baseline: the
   same with group commit off (one transaction per order).
2. Ticks fanned out over real WebSockets (``/ws/market``) to many subscribers
   running in a separate process (``bench/_ws_clients.py``) on loopback:
   latency from the ``sent_at`` the server stamps on each tick as it publishes
   to each client's receipt, p50/p99. Baseline: a ticker that encodes the tick
   once per subscriber instead of once per symbol.

    .venv/bin/python bench/bench_trading.py [--quick]

Prints a markdown table and writes it to bench/results/trading.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from aiohttp import web
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.keys import CONTAINER
from api.routes import ws_market
from bot.bootstrap import build
from bot.heap import settle_for_serving
from bot.migrate import upgrade
from bot.settings import Settings
from domain import schema
from domain.banking.commands import ExternalPosting
from domain.banking.engine import MoneyEngine
from domain.banking.model import AccountType
from domain.clock import ManualClock
from domain.db import Database
from domain.money import Money
from domain.trading.instruments import load_instruments
from domain.trading.orders import OrderRequest, OrderType, Side
from domain.trading.simfeed import SimulatedFeed
from domain.trading.ticker import Ticker, tick_message

RESULTS = Path(__file__).resolve().parent / "results" / "trading.md"
MONDAY_1030_IST = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
OPERATOR = "usr_bench_operator"
SYMBOLS = ("INFY", "TCS", "ITC", "SBIN", "WIPRO", "NIFTYBEES")


@dataclass(frozen=True, slots=True)
class OrdersResult:
    label: str
    orders: int
    seconds: float
    cpu_seconds: float  # this process's CPU time, all threads: steadier on a shared machine

    @property
    def rate(self) -> float:
        return self.orders / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.orders


# -- orders ------------------------------------------------------------------------


async def _customers(db: Database, engine: MoneyEngine, count: int) -> list[str]:
    now = MONDAY_1030_IST
    ids = [f"usr_b{i:05d}" for i in range(count)]
    async with db.writing() as conn:
        users = [
            {
                "id": u,
                "username": u,
                "full_name": u,
                "role": "customer",
                "password_hash": "x",
                "timezone": "Asia/Kolkata",
                "failed_logins": 0,
                "created_at": now,
            }
            for u in [*ids, OPERATOR]
        ]
        await conn.execute(insert(schema.users), users)
        await conn.execute(
            insert(schema.accounts),
            [
                {
                    "id": f"acc_t{u}",
                    "customer_id": u,
                    "type": AccountType.TRADING.value,
                    "name": "Trading",
                    "number": f"77{i:010d}",
                    "currency": "INR",
                    "balance": 0,
                    "held": 0,
                    "no_overdraft": True,
                    "created_at": now,
                }
                for i, u in enumerate(ids)
            ],
        )
    await asyncio.gather(
        *(
            engine.submit(
                ExternalPosting(
                    principal_id=OPERATOR,
                    idempotency_key=f"fund-{u}",
                    account_id=f"acc_t{u}",
                    direction="credit",
                    amount=Money(10**11),
                    counterparty="Funds",
                )
            )
            for u in ids
        )
    )
    return ids


PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def _pg_admin(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def _database(backend: str) -> AsyncIterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    name = f"swayam_bench_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def run_orders(
    label: str, orders: int, customers: int, *, group: bool, backend: str
) -> OrdersResult:
    """Orders through the services as ``swayam serve`` wires them (``bot.bootstrap.build``):
    the same trading service, money engine and batch hooks (events outbox, trading rows,
    audit log) that the REST API and the chat call."""
    async with _database(backend) as url:
        await asyncio.to_thread(upgrade, url)
        with tempfile.TemporaryDirectory() as data_dir:
            settings = Settings(data_dir=Path(data_dir), database_url=url, group_commit=group)
            clock = ManualClock(MONDAY_1030_IST)
            container = build(settings, clock=clock)
            engine, trading, feed = (
                container.engine,
                container.markets.trading,
                container.markets.feed,
            )
            engine.start()
            try:
                await container.markets.start()
                ids = await _customers(container.db, engine, customers)
                for s in SYMBOLS:
                    feed.quote(s)  # build the day's prices before the clock starts
                per_customer = orders // customers
                settle_for_serving()  # as `swayam serve` does once it has started

                async def trader(user: str) -> None:
                    for n in range(per_customer):
                        request = OrderRequest(
                            SYMBOLS[n % len(SYMBOLS)], Side.BUY, 1, OrderType.MARKET
                        )
                        order = await trading.place_order(user, f"{user}-{n}", request)
                        assert order.status.value == "filled", order

                started, cpu = time.perf_counter(), time.process_time()
                await asyncio.gather(*(trader(u) for u in ids))
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
                return OrdersResult(f"{backend}: {label}", per_customer * customers, seconds, cpu)
            finally:
                await container.markets.close()
                await engine.stop()
                await container.events.close()
                await container.db.dispose()


# -- ticks ---------------------------------------------------------------------------


class NaiveTicker(Ticker):
    """The baseline: encode the tick again for every subscriber."""

    def publish(self, *, force: bool = False) -> int:
        sent = 0
        for symbol, subs in list(self._subs.items()):
            quote = self._feed.quote(symbol)
            for deliver in list(subs.values()):
                deliver(tick_message(quote, self._wall()))
                sent += 1
        return sent


@dataclass(frozen=True, slots=True)
class TicksResult:
    label: str
    subscribers: int
    ticks: int
    latencies_ms: list[float]

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


async def run_ticks(label: str, subscribers: int, ticks: int, *, naive: bool) -> TicksResult:
    """Serve /ws/market here; the subscribers run in another process (bench/_ws_clients.py)."""
    clock = ManualClock(MONDAY_1030_IST)
    feed = SimulatedFeed(load_instruments(), clock)
    ticker = (NaiveTicker if naive else Ticker)(feed)
    trading = SimpleNamespace(
        instrument=lambda s: SimpleNamespace(symbol=s.upper()), quote=feed.quote
    )
    app = web.Application()
    app[CONTAINER] = SimpleNamespace(markets=SimpleNamespace(trading=trading, ticker=ticker))  # type: ignore[misc]
    app.router.add_routes(ws_market.routes)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    clients = await asyncio.create_subprocess_exec(
        sys.executable,
        str(Path(__file__).with_name("_ws_clients.py")),
        str(port),
        str(subscribers),
        str(ticks),
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 24,  # the latencies come back as one JSON line
    )
    try:
        assert clients.stdout is not None
        line = await asyncio.wait_for(clients.stdout.readline(), 180)
        assert line.strip() == b"ready", line
        for _ in range(ticks):
            clock.advance(timedelta(seconds=1))
            ticker.publish(force=True)
            await asyncio.sleep(0.25)
        out = await asyncio.wait_for(clients.stdout.readline(), 180)
        await clients.wait()
    finally:
        if clients.returncode is None:
            clients.kill()
        await runner.cleanup()
    return TicksResult(label, subscribers, ticks, json.loads(out))


# -- report ---------------------------------------------------------------------------


def report(orders: list[OrdersResult], ticks: list[TicksResult], quick: bool) -> str:
    lines = [
        "# Trading benchmark",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"{platform.machine()} · {'quick' if quick else 'full'} run",
        "",
        "## Orders through validation, hold and fill",
        "",
        "SQLite with synchronous=FULL (WAL); PostgreSQL with its defaults (synchronous_commit=on).",
        "",
        f"Load average at the end: {' / '.join(f'{x:.2f}' for x in os.getloadavg())}"
        f" on {os.cpu_count()} CPUs.",
        "",
        "| run | orders | seconds | orders/s | CPU ms/order |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.label} | {r.orders} | {r.seconds:.2f} | {r.rate:,.0f} | {r.cpu_ms:.3f} |"
        for r in orders
    ]
    lines += [
        "",
        "## Ticks to WebSocket subscribers (/ws/market, loopback)",
        "",
        "| run | subscribers | ticks | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {t.label} | {t.subscribers} | {t.ticks} | {statistics.median(t.latencies_ms):.1f} "
        f"| {t.pct(0.99):.1f} | {max(t.latencies_ms):.1f} |"
        for t in ticks
    ]
    return "\n".join(lines) + "\n"


async def main(quick: bool, backends: list[str], *, with_ticks: bool = True) -> None:
    n_orders, customers = (4_000, 1_000) if quick else (12_000, 2_000)
    subscribers, n_ticks = (1_000, 5) if quick else (1_000, 20)
    orders = []
    for backend in backends:
        orders.append(
            await run_orders(
                "group commit (shipped)", n_orders, customers, group=True, backend=backend
            )
        )
        orders.append(
            await run_orders(
                "baseline: one commit per order", 400, 200, group=False, backend=backend
            )
        )
    ticks = (
        [
            await run_ticks("encode once per symbol (shipped)", subscribers, n_ticks, naive=False),
            await run_ticks("baseline: encode per subscriber", subscribers, n_ticks, naive=True),
        ]
        if with_ticks
        else []
    )
    text = report(orders, ticks, quick)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter run")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--orders-only", action="store_true", help="skip the WebSocket ticks")
    args = parser.parse_args()
    backends = ["sqlite"] if args.no_postgres else ["postgres", "sqlite"]
    asyncio.run(main(args.quick, backends, with_ticks=not args.orders_only))
