"""Benchmark events: signed webhook deliveries, event-to-notification latency, WebSocket fan-out.

    .venv/bin/python bench/bench_events.py [--quick]

Each figure stands beside a baseline measured in the same run:

- webhooks: ``WebhookService.deliver_due`` (pooled keep-alive connections,
  up to 256 in flight, Standard Webhooks signatures, every attempt recorded
  in the database, one batched UPDATE per round) against naive delivery, one
  signed POST after another on a fresh connection each, nothing recorded;
  the receiver is an aiohttp app in a process of its own;
- event to notification: an event committed to the outbox until its
  notification reaches the push port, with the dispatcher polling as served
  (``SWAYAM_EVENTS_POLL_S``, 20 ms) against a naive once-a-second poller;
- WebSocket clients: ``swayam serve`` in its own process with 10,000
  ``/ws/events`` clients (another process) all subscribed, then one transfer:
  the time until every client has its event, against the same with 100.

Receivers, clients and server are on loopback; SQLite in a temporary
directory. RLIMIT_NOFILE is raised for the many sockets. Results go to
bench/results/events.md and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import platform
import resource
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import insert

from bot.migrate import upgrade_async
from bot.webhook_sender import AiohttpSender
from domain import schema
from domain.clock import SystemClock
from domain.db import Database, connect
from domain.events import outbox
from domain.events.dispatcher import Dispatcher
from domain.events.model import Event
from domain.notifications.model import Notification
from domain.notifications.policy import Decision
from domain.notifications.service import NotificationService
from domain.webhooks import signing
from domain.webhooks.service import WebhookService

RESULTS = Path(__file__).parent / "results" / "events.md"
SWAYAM = Path(sys.executable).with_name("swayam")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raise_nofile(want: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- a loopback receiver in its own process ----------------------------------------------


def _receiver(port: int) -> None:
    async def hook(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


@contextlib.contextmanager
def receiver() -> Any:
    port = free_port()
    proc = multiprocessing.get_context("spawn").Process(target=_receiver, args=(port,))
    proc.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or not proc.is_alive():
                raise RuntimeError("the webhook receiver did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        proc.terminate()
        proc.join(10)


# -- a database with one customer --------------------------------------------------------


async def database(tmp: Path) -> Database:
    url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
    await upgrade_async(url)
    db = connect(url)
    async with db.writing() as conn:
        await conn.execute(
            insert(schema.users).values(
                id="usr_bench",
                username="bench",
                full_name="Bench Customer",
                role="customer",
                password_hash="!",
                timezone="Asia/Kolkata",
                failed_logins=0,
                created_at=datetime.now(UTC),
            )
        )
    return db


def events(n: int, kind: str = "transfer.completed") -> list[Event]:
    now = datetime.now(UTC)
    money = {"amount": {"minor": 1_000_00, "currency": "INR"}}
    return [Event(kind, "usr_bench", dict(money), now, f"trf_{i:026d}") for i in range(n)]


# -- 1. signed webhook deliveries ----------------------------------------------------------


async def bench_webhooks(tmp: Path, n: int, url: str) -> dict[str, float]:
    db = await database(tmp)
    clock = SystemClock()
    sender = AiohttpSender(timeout_s=10, allow_loopback=True)
    service = WebhookService(db, clock, sender, allow_loopback=True)
    try:
        endpoint = await service.create("usr_bench", url)
        batch = events(n)
        async with db.writing() as conn:
            await outbox.append(conn, batch)
        await service.handle(batch)
        start = time.perf_counter()
        while service.sent < n:
            if not await service.deliver_due(limit=2000):
                break
        ours = time.perf_counter() - start
        delivered = service.sent
        # Naive: one signed POST after another, a new connection each, nothing recorded.
        naive_n = max(200, n // 10)
        start = time.perf_counter()
        for e in batch[:naive_n]:
            body = e.dumps().encode()
            head = signing.headers([endpoint["secret"]], e.id, int(time.time()), body)
            async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=head):
                pass
        naive = time.perf_counter() - start
        return {
            "n": n,
            "delivered": delivered,
            "rate": delivered / ours,
            "naive_n": naive_n,
            "naive_rate": naive_n / naive,
        }
    finally:
        await sender.close()
        await db.dispose()


# -- 2. event to notification ---------------------------------------------------------------


async def bench_latency(tmp: Path, n: int, rate: float, poll_s: float) -> list[float]:
    """Commit ``n`` events at ``rate`` per second; each one's latency to the push port, in ms."""
    db = await database(tmp)
    clock = SystemClock()
    committed: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    async def deliver(note: Notification, decision: Decision) -> None:
        t0 = committed.get(note.event_id or "")
        if t0 is not None:
            latencies.append((time.perf_counter() - t0) * 1000)
        if len(latencies) >= n:
            done.set()

    notes = NotificationService(db, clock, window_s=5.0, deliver=deliver)
    dispatcher = Dispatcher(db, clock, consumers=[notes], poll_s=poll_s)
    task = asyncio.create_task(dispatcher.run())
    try:
        # Credits are high priority: sent at once, not held in the grouping window.
        for e in events(n, "credit.received"):
            async with db.writing() as conn:
                await outbox.append(conn, [e])
            committed[e.id] = time.perf_counter()
            await asyncio.sleep(1 / rate)
        await asyncio.wait_for(done.wait(), 30 + poll_s * 2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await db.dispose()
    return latencies


# -- 3. many WebSocket clients on one server process -------------------------------------------


async def seed_server(tmp: Path) -> tuple[str, dict[str, str], str]:
    """A migrated SQLite bank with one customer, two accounts and an API token."""
    from bot.bootstrap import build
    from bot.settings import Settings
    from domain.banking.model import AccountType
    from domain.identity.model import Scope
    from domain.money import Money

    url = f"sqlite+aiosqlite:///{tmp / 'ws.db'}"
    await upgrade_async(url)
    settings = Settings.model_validate(
        {"database_url": url, "data_dir": tmp / "data", "password_time_cost": 1}
    )
    container = build(settings)
    container.engine.start()
    try:
        ident, banking = container.identity, container.banking
        asha = await ident.create_user("asha", "Asha Verma", "correct-horse-1")
        ops = await ident.create_user("ops", "Operations", "correct-horse-2", role=Scope.OPERATOR)
        a = await banking.open_account(asha, AccountType.SAVINGS, "Savings")
        b = await banking.open_account(asha, AccountType.CURRENT, "Current")
        await banking.external_posting(
            principal_id=ops,
            idempotency_key="open",
            account_id=a.id,
            direction="credit",
            amount=Money(10_00_000_00),
            counterparty="Opening balance",
        )
        token = await ident.create_api_token("asha", Scope.CUSTOMER)
    finally:
        await container.engine.stop()
        await container.db.dispose()
    return url, {"from": a.id, "to": b.id}, token


@contextlib.asynccontextmanager
async def server(tmp: Path, url: str) -> AsyncIterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "SWAYAM_DATABASE_URL": url,
        "SWAYAM_DATA_DIR": str(tmp / "data"),
        "SWAYAM_RATE_LIMIT_TOKEN_PER_MIN": "0",
        "SWAYAM_RATE_LIMIT_IP_PER_MIN": "0",
        "SWAYAM_RATE_LIMIT_LOGIN_PER_MIN": "0",
        "SWAYAM_LOG_LEVEL": "WARNING",
    }
    log = (tmp / "server.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(SWAYAM), "serve", "--port", str(port), env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(1200):
                if proc.returncode is not None:
                    raise RuntimeError((tmp / "server.log").read_text())
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/readyz") as r:
                        if r.status == 200:
                            break
                await asyncio.sleep(0.1)
        yield base
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()


def _clients(base: str, token: str, n: int, accounts: dict[str, str], out: Any) -> None:
    """In a process of its own: open ``n`` streams, make one transfer, time its arrival."""
    raise_nofile(n + 1024)
    out.put(asyncio.run(_clients_async(base, token, n, accounts)))


async def _clients_async(
    base: str, token: str, n: int, accounts: dict[str, str]
) -> dict[str, float]:
    auth = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        gate = asyncio.Semaphore(256)
        sockets: list[aiohttp.ClientWebSocketResponse] = []

        async def one() -> None:
            async with gate:
                ws = await http.ws_connect(f"{base}/ws/events", headers=auth, heartbeat=None)
                await ws.receive_json(timeout=60)  # ready
                await ws.send_json({"type": "subscribe", "event_types": ["transfer.*"]})
                await ws.receive_json(timeout=60)  # subscribed
                sockets.append(ws)

        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), 300)
        connect_s = time.perf_counter() - start
        arrived: list[float] = []

        async def wait(ws: aiohttp.ClientWebSocketResponse) -> None:
            while True:
                frame = await ws.receive_json(timeout=120)
                if frame.get("type") == "event":
                    arrived.append(time.perf_counter())
                    return

        waiters = [asyncio.create_task(wait(ws)) for ws in sockets]
        body = {
            "from_account_id": accounts["from"],
            "to_account_id": accounts["to"],
            "amount": {"minor": 100, "currency": "INR"},
        }
        t0 = time.perf_counter()
        headers = {**auth, "Idempotency-Key": f"bench-{n}-{time.time_ns()}"}
        async with http.post(f"{base}/api/v1/transfers", json=body, headers=headers) as r:
            assert r.status == 201, await r.text()
        await asyncio.wait_for(asyncio.gather(*waiters), 180)
        fan_out = [(t - t0) * 1000 for t in arrived]
        await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "clients": float(len(sockets)),
        "connect_s": connect_s,
        "all_ms": max(fan_out),
        "p50_ms": pct(fan_out, 50),
        "p99_ms": pct(fan_out, 99),
    }


def run_clients(base: str, token: str, n: int, accounts: dict[str, str]) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_clients, args=(base, token, n, accounts, out))
    proc.start()
    try:
        result: dict[str, float] = out.get(timeout=600)
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.terminate()
            proc.join(10)
    return result


# -- the report --------------------------------------------------------------------------------


async def main(quick: bool) -> str:
    raise_nofile(30_000)
    deliveries = 2_000 if quick else 10_000
    latency_n = 200 if quick else 1_000
    clients = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as raw:
        tmp = Path(raw)
        print("webhooks ...", file=sys.stderr)
        with receiver() as url:
            (tmp / "w").mkdir()
            hooks = await bench_webhooks(tmp / "w", deliveries, url)
        print("latency ...", file=sys.stderr)
        (tmp / "l1").mkdir()
        (tmp / "l2").mkdir()
        ours = await bench_latency(tmp / "l1", latency_n, rate=200, poll_s=0.02)
        naive = await bench_latency(tmp / "l2", max(50, latency_n // 5), rate=200, poll_s=1.0)
        print("websockets ...", file=sys.stderr)
        (tmp / "s").mkdir()
        url, accounts, token = await seed_server(tmp / "s")
        async with server(tmp / "s", url) as base:
            small = run_clients(base, token, 100, accounts)
            big = run_clients(base, token, clients, accounts)
    lines = [
        "## Events" + (" (quick)" if quick else ""),
        "",
        f"{platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, SQLite, everything on loopback.",
        "",
        "| What | Swayam | Baseline |",
        "|---|---|---|",
        f"| Signed webhook deliveries/s ({hooks['delivered']:.0f} to a loopback receiver,"
        f" recorded) | **{hooks['rate']:,.0f}** | {hooks['naive_rate']:,.0f} (sequential, new"
        f" connection each, {hooks['naive_n']:.0f} sent, nothing recorded) |",
        f"| Event → notification latency, p50 / p99 ({len(ours)} events at 200/s) |"
        f" **{statistics.median(ours):.1f} / {pct(ours, 99):.1f} ms** |"
        f" {statistics.median(naive):.1f} / {pct(naive, 99):.1f} ms (polling once a second) |",
        f"| Concurrent /ws/events clients on one process | **{big['clients']:,.0f}** connected"
        f" in {big['connect_s']:.1f} s; one transfer reached all in {big['all_ms']:.0f} ms"
        f" (p50 {big['p50_ms']:.0f} ms) | {small['clients']:,.0f} clients: all in"
        f" {small['all_ms']:.0f} ms (p50 {small['p50_ms']:.0f} ms) |",
        "",
        "Targets: ≥ 2,000 deliveries/s, p99 < 100 ms, 10,000 clients.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (about a minute)")
    args = parser.parse_args()
    report = asyncio.run(main(args.quick))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
