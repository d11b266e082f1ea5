"""Durable transfers per second through the money engine, with and without group commit.

Many concurrent submitters send own-account transfers through
``MoneyEngine.submit``; a transfer counts once its receipt is back, which is
after its batch committed. SQLite runs with ``synchronous=FULL`` (the
engine's default: each commit is fsynced), PostgreSQL with its defaults
(``synchronous_commit=on``) in a temporary database that the run drops.
Group commit is compared with the naive baseline, ``group_commit=False``
(one transaction and one commit per transfer), in the same run.

    python bench/bench_transfers.py [--quick] [--no-postgres]

Prints a markdown table and writes it to bench/results/transfers.md.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import build
from bot.migrate import upgrade
from bot.settings import Settings
from domain import schema
from domain.banking.commands import ExternalPosting, MakeTransfer
from domain.banking.engine import MoneyEngine
from domain.banking.model import Limits
from domain.clock import SystemClock
from domain.db import Database, connect
from domain.money import Money

RESULTS = Path(__file__).resolve().parent / "results" / "transfers.md"
PG_ADMIN_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
LIMITS = Limits("INR", 10**12, 10**12, 10**12, 10**12)
OPERATOR = "usr_bench_operator"
OPENING = 10**9


@dataclass(frozen=True, slots=True)
class Plan:
    customers: int
    submitters: int
    transfers: int  # with group commit
    baseline_transfers: int  # one commit each: far slower, so fewer


FULL = Plan(customers=1_000, submitters=2_000, transfers=24_000, baseline_transfers=3_000)
QUICK = Plan(customers=200, submitters=500, transfers=4_000, baseline_transfers=600)


@dataclass(frozen=True, slots=True)
class Result:
    backend: str
    mode: str
    submitters: int
    transfers: int
    seconds: float
    batches: int

    @property
    def rate(self) -> float:
        return self.transfers / self.seconds

    @property
    def per_batch(self) -> float:
        return self.transfers / max(self.batches, 1)


async def populate(db: Database, customers: int) -> dict[str, list[str]]:
    """Customers with two funded accounts each, written directly (not what is measured)."""
    now = datetime.now(UTC)
    users = [
        {
            "id": OPERATOR,
            "username": "operator",
            "full_name": "Operator",
            "role": "operator",
            "password_hash": "-",
            "timezone": "Asia/Kolkata",
            "failed_logins": 0,
            "created_at": now,
        }
    ]
    accounts = []
    owned: dict[str, list[str]] = {}
    for c in range(customers):
        user_id = f"usr_bench_{c:05d}"
        users.append({**users[0], "id": user_id, "username": f"c{c:05d}", "role": "customer"})
        owned[user_id] = []
        for n in range(2):
            account_id = f"acc_bench_{c:05d}_{n}"
            owned[user_id].append(account_id)
            accounts.append(
                {
                    "id": account_id,
                    "customer_id": user_id,
                    "type": "savings",
                    "name": f"Pot {n}",
                    "number": f"9{c:08d}{n}",
                    "currency": "INR",
                    "balance": 0,
                    "held": 0,
                    "no_overdraft": True,
                    "created_at": now,
                }
            )
    async with db.writing() as conn:
        await conn.execute(insert(schema.users), users)
        await conn.execute(insert(schema.accounts), accounts)
    return owned


async def fund(engine: MoneyEngine, owned: dict[str, list[str]]) -> None:
    await asyncio.gather(
        *(
            engine.submit(
                ExternalPosting(
                    principal_id=OPERATOR,
                    idempotency_key=f"fund-{account}",
                    account_id=account,
                    direction="credit",
                    amount=Money(OPENING),
                    counterparty="Opening balance",
                )
            )
            for accounts in owned.values()
            for account in accounts
        )
    )


async def measure(
    url: str,
    backend: str,
    plan: Plan,
    *,
    group_commit: bool,
    transfers: int,
    profile: cProfile.Profile | None = None,
    served: bool = False,
) -> Result:
    if served:
        # The engine as `swayam serve` wires it: every batch also appends its
        # audit-log entries and outbox events in the same transaction.
        data_dir = Path(tempfile.mkdtemp(prefix="swayam-bench-data-"))
        container = build(Settings(data_dir=data_dir, database_url=url, db_pool_size=4))
        db, engine = container.db, container.engine
    else:
        db = connect(url, pool_size=4)
        engine = MoneyEngine(db, SystemClock(), default_limits=LIMITS, group_commit=group_commit)
    engine.start()
    try:
        owned = await populate(db, plan.customers)
        funder = MoneyEngine(db, SystemClock(), default_limits=LIMITS)
        funder.start()
        await fund(funder, owned)
        await funder.stop()
        customers = list(owned)
        each = transfers // plan.submitters
        extra = transfers % plan.submitters

        async def submitter(i: int) -> None:
            rng = random.Random(i)
            for _ in range(each + (1 if i < extra else 0)):
                customer = rng.choice(customers)
                src, dst = rng.sample(owned[customer], 2)
                await engine.submit(
                    MakeTransfer(
                        principal_id=customer,
                        idempotency_key=uuid.uuid4().hex,
                        customer_id=customer,
                        from_account_id=src,
                        to_account_id=dst,
                        amount=Money(rng.randint(1, 10_000)),
                    )
                )

        batches = engine.batches
        cpu = time.process_time()
        loop_cpu = time.thread_time()
        if profile is not None:
            profile.enable()
        start = time.perf_counter()
        await asyncio.gather(*(submitter(i) for i in range(plan.submitters)))
        seconds = time.perf_counter() - start
        if profile is not None:
            profile.disable()
            print(
                f"wall {seconds:.2f}s; CPU: event-loop thread {time.thread_time() - loop_cpu:.2f}s,"
                f" whole process {time.process_time() - cpu:.2f}s",
                file=sys.stderr,
            )
        async with db.reading() as conn:
            total = (await conn.execute(text("SELECT sum(amount) FROM postings"))).scalar_one()
        assert total == 0, "the ledger does not balance"
        mode = "group commit" if group_commit else "baseline: one commit per transfer"
        if served:
            mode = "group commit, as served (+ audit log and event outbox)"
        return Result(
            backend,
            mode,
            plan.submitters,
            transfers,
            seconds,
            engine.batches - batches,
        )
    finally:
        await engine.stop()
        await db.dispose()


def runs(plan: Plan, repeat: int) -> list[tuple[bool, int]]:
    return [(True, plan.transfers)] * repeat + [(False, plan.baseline_transfers)]


def median_runs(results: list[Result]) -> list[Result]:
    """The median group-commit run (the machine may be shared) and the baseline."""
    grouped = sorted((r for r in results if r.mode == "group commit"), key=lambda r: r.rate)
    others = [r for r in results if r.mode != "group commit"]
    return [grouped[len(grouped) // 2], *others] if grouped else others


async def on_sqlite(plan: Plan, repeat: int) -> list[Result]:
    results = []
    with tempfile.TemporaryDirectory(prefix="swayam-bench-") as tmp:
        for n_run, (group_commit, n) in enumerate(runs(plan, repeat)):
            url = f"sqlite+aiosqlite:///{tmp}/run{n_run}.db"
            await asyncio.to_thread(upgrade, url)
            results.append(
                await measure(url, "SQLite", plan, group_commit=group_commit, transfers=n)
            )
        url = f"sqlite+aiosqlite:///{tmp}/served.db"
        await asyncio.to_thread(upgrade, url)
        served = await measure(
            url, "SQLite", plan, group_commit=True, transfers=plan.transfers, served=True
        )
    return [*median_runs(results), served]


async def profile_sqlite(plan: Plan) -> None:
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory(prefix="swayam-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/profile.db"
        await asyncio.to_thread(upgrade, url)
        result = await measure(
            url, "SQLite", plan, group_commit=True, transfers=plan.transfers, profile=profile
        )
    print(table([result]))
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats("domain/", 30)


async def _pg_admin(sql: str) -> str:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            result = await conn.execute(text(sql))
            return str(result.scalar() or "") if result.returns_rows else ""
    finally:
        await engine.dispose()


async def on_postgres(plan: Plan, repeat: int) -> tuple[list[Result], str]:
    version = (await _pg_admin("SHOW server_version")).split()[0]
    results = []
    for group_commit, n in runs(plan, repeat):
        name = f"swayam_bench_{uuid.uuid4().hex[:10]}"
        await _pg_admin(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            await asyncio.to_thread(upgrade, url)
            results.append(
                await measure(url, "PostgreSQL", plan, group_commit=group_commit, transfers=n)
            )
        finally:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return median_runs(results), version


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def table(results: list[Result]) -> str:
    lines = [
        "| Backend | Mode | Submitters | Transfers | Seconds | Transfers/s | Per commit |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.mode} | {r.submitters:,} | {r.transfers:,} | "
            f"{r.seconds:.2f} | **{r.rate:,.0f}** | {r.per_batch:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run, for a smoke test")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one SQLite group-commit run and stop"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="group-commit runs per backend (median reported)"
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.profile:
        asyncio.run(profile_sqlite(plan))
        return

    results = asyncio.run(on_sqlite(plan, args.repeat))
    pg_version = "not measured"
    if not args.no_postgres:
        try:
            pg_results, pg_version = asyncio.run(on_postgres(plan, args.repeat))
            results += pg_results
        except OSError as exc:
            print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
    machine = (
        f"{os.cpu_count()} CPUs ({cpu_name()}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version} (synchronous=FULL, WAL), "
        f"PostgreSQL {pg_version}; {datetime.now(UTC):%Y-%m-%d}"
        + (" (--quick)" if args.quick else "")
    )
    report = f"{table(results)}\n\n{machine}\n"
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
