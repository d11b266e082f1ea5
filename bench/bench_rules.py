"""Benchmark rule evaluation: 100,000 active rules, one event, and events per second.

    .venv/bin/python bench/bench_rules.py [--quick]

A SQLite database (WAL, in a temporary directory) holds 100,000 active rules
for 20,000 customers (five each: a salary rule, a savings floor, a sweep of
current above a threshold, a monthly time-based move and an external-event
rule). Events are ``credit.received`` to random customers' savings, one in
five a salary credit that fires that customer's salary rule. Two figures,
each beside a baseline measured in the same run:

- one event evaluated: ``RulesRunner.evaluate`` (the trigger index, in memory
  and caught up with the rules version: the rules of the event's kinds and
  customer only, then the plan for each that fires: balances, and time zone
  and recent runs where safety settings need them), per event;
  baseline: the naive engine, every active rule read and parsed from the
  database and matched against the event;
- events evaluated per second: ``evaluate`` over dispatcher-sized batches of
  500 events; baseline: the naive engine with every rule already parsed in
  memory (so it pays only for matching each event against all 100,000).

Evaluation only: nothing is written or carried out. Results go to
bench/results/rules.md and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bot.migrate import upgrade_async
from domain import schema
from domain.banking.engine import MoneyEngine
from domain.banking.model import Limits
from domain.banking.service import BankingService
from domain.clock import SystemClock
from domain.db import Database, connect
from domain.events import model as ev
from domain.events.model import Event
from domain.rules.matching import external_matches, fires_on
from domain.rules.model import Rule, RuleSpec, RuleStatus
from domain.rules.runner import RulesRunner
from domain.rules.store import rule_of

RESULTS = Path(__file__).parent / "results" / "rules.md"
LIMITS = Limits("INR", 10**12, 10**12, 10**12, 10**12)


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _rules_for(savings: str, current: str) -> list[dict[str, Any]]:
    return [
        {
            "name": "Salary split",
            "trigger": {"kind": "transaction", "direction": "credit", "category": "salary"},
            "actions": [
                {
                    "kind": "transfer",
                    "from_account_id": savings,
                    "to_account_id": current,
                    "percent": 10,
                }
            ],
        },
        {
            "name": "Savings floor",
            "trigger": {
                "kind": "balance",
                "account_id": savings,
                "crosses": "below",
                "threshold": 10_000_00,
            },
            "actions": [
                {
                    "kind": "transfer",
                    "from_account_id": current,
                    "to_account_id": savings,
                    "top_up_to": 10_000_00,
                }
            ],
        },
        {
            "name": "Sweep current",
            "trigger": {
                "kind": "balance",
                "account_id": current,
                "crosses": "above",
                "threshold": 90_000_00,
            },
            "actions": [
                {
                    "kind": "transfer",
                    "from_account_id": current,
                    "to_account_id": savings,
                    "sweep_above": 90_000_00,
                }
            ],
        },
        {
            "name": "Monthly move",
            "trigger": {
                "kind": "time_based",
                "schedule": {"every": "month", "day": 1, "at": "09:00"},
            },
            "actions": [
                {
                    "kind": "transfer",
                    "from_account_id": savings,
                    "to_account_id": current,
                    "amount": 5_000_00,
                }
            ],
        },
        {
            "name": "On bonus",
            "trigger": {"kind": "external_event", "event": "payroll.bonus"},
            "actions": [{"kind": "notify", "message": "Bonus!"}],
        },
    ]


async def seed(db: Database, customers: int) -> list[tuple[str, str, str]]:
    """Customers with savings and current accounts and five rules each."""
    now = datetime.now(UTC)
    people: list[tuple[str, str, str]] = []
    users, accounts, rules = [], [], []
    for i in range(customers):
        who, sav, cur = f"usr_b{i:06d}", f"acc_s{i:06d}", f"acc_c{i:06d}"
        people.append((who, sav, cur))
        users.append(
            {
                "id": who,
                "username": f"b{i}",
                "full_name": f"Bench {i}",
                "role": "customer",
                "password_hash": "!",
                "timezone": "Asia/Kolkata",
                "failed_logins": 0,
                "created_at": now,
            }
        )
        for acc, kind, number in ((sav, "savings", f"7{i:011d}"), (cur, "current", f"8{i:011d}")):
            accounts.append(
                {
                    "id": acc,
                    "customer_id": who,
                    "type": kind,
                    "name": kind.title(),
                    "number": number,
                    "currency": "INR",
                    "balance": 50_000_00,
                    "held": 0,
                    "no_overdraft": True,
                    "created_at": now,
                }
            )
        for j, doc in enumerate(_rules_for(sav, cur)):
            spec = RuleSpec.from_json(doc)
            rules.append(
                {
                    "id": f"rul_b{i:06d}{j}",
                    "customer_id": who,
                    "name": spec.name,
                    "status": "active",
                    "trigger_kind": spec.trigger.kind.value,
                    "trigger_key": spec.trigger.key,
                    "definition": json.dumps(spec.to_json(), separators=(",", ":")),
                    "failures": 0,
                    "armed": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    async with db.writing() as conn:
        for table, rows in (
            (schema.users, users),
            (schema.accounts, accounts),
            (schema.rules, rules),
        ):
            for k in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[k : k + 5000])
    return people


def credit(who: str, savings: str, salary: bool, now: datetime) -> Event:
    amount = 60_000_00 if salary else 1_500_00
    data = {
        "transfer_id": "trf_bench",
        "kind": "external_credit",
        "from_account_id": "acc_settlement_inr",
        "to_account_id": savings,
        "amount": {"minor": amount, "currency": "INR"},
        "counterparty": "Acme Payroll" if salary else "Refund",
        "category": "salary" if salary else "refund",
        "merchant": None,
        "memo": None,
        "balances_after": {savings: 50_000_00 + amount},
    }
    return Event(ev.CREDIT_RECEIVED, who, data, now, "trf_bench")


def naive_fired(rules: list[Rule], event: Event) -> int:
    """The naive engine's work: every active rule against the event."""
    n = 0
    for rule in rules:
        t = rule.spec.trigger
        matched = external_matches(t, event) or fires_on(t, event) is not None
        if matched and rule.customer_id == event.customer_id:
            n += 1
    return n


async def naive_from_db(db: Database, event: Event) -> int:
    r = schema.rules
    async with db.reading() as conn:
        rows = list(await conn.execute(select(r).where(r.c.status == RuleStatus.ACTIVE.value)))
    # Parsed afresh each time (not through the served cache): the naive engine keeps nothing.
    rules = [
        Rule(row.id, row.customer_id, RuleSpec.load(json.loads(row.definition)), RuleStatus.ACTIVE)
        for row in rows
    ]
    return naive_fired(rules, event)


async def main(quick: bool) -> str:
    customers = 2_000 if quick else 20_000
    singles = 200 if quick else 1_000
    batches = 4 if quick else 20
    rng = random.Random(6)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade_async(url)
        db = connect(url)
        clock = SystemClock()
        t0 = time.perf_counter()
        people = await seed(db, customers)
        seeded_s = time.perf_counter() - t0
        banking = BankingService(
            db, clock, MoneyEngine(db, clock, default_limits=LIMITS), default_limits=LIMITS
        )
        runner = RulesRunner(db, clock, banking)
        t = time.perf_counter()
        indexed = await runner.warm()  # as at start: the trigger index loaded once
        index_s = time.perf_counter() - t
        now = clock.now()

        def pick() -> Event:
            who, sav, _ = people[rng.randrange(len(people))]
            return credit(who, sav, rng.random() < 0.2, now)

        # Warm up both paths (statement caches, page cache).
        for _ in range(20):
            await runner.evaluate([pick()], now)
        one: list[float] = []
        fired = 0
        for _ in range(singles):
            e = pick()
            t = time.perf_counter()
            fired += len(await runner.evaluate([e], now))
            one.append((time.perf_counter() - t) * 1000)
        naive_one: list[float] = []
        for _ in range(5):
            e = pick()
            t = time.perf_counter()
            await naive_from_db(db, e)
            naive_one.append((time.perf_counter() - t) * 1000)

        # Events are made before the clock starts: only evaluating them is timed.
        batches_of_events = [[pick() for _ in range(500)] for _ in range(batches)]
        total, t = 0, time.perf_counter()
        for batch in batches_of_events:
            await runner.evaluate(batch, now)
            total += len(batch)
        rate = total / (time.perf_counter() - t)
        r = schema.rules
        async with db.reading() as conn:
            loaded = [
                rule_of(row) for row in await conn.execute(select(r).where(r.c.status == "active"))
            ]
        naive_n, t = 0, time.perf_counter()
        deadline = t + (3 if quick else 10)
        while time.perf_counter() < deadline or naive_n < 5:
            naive_fired(loaded, pick())
            naive_n += 1
        naive_rate = naive_n / (time.perf_counter() - t)
        await db.dispose()

    load = os.getloadavg()
    lines = [
        "# Rules engine: evaluation with 100,000 active rules"
        if not quick
        else "# Rules engine (quick run)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; "
        f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.",
        f"{len(loaded):,} active rules for {customers:,} customers (seeded in {seeded_s:.1f} s).",
        "",
        "| What | Swayam (trigger index) | Naive baseline |",
        "|---|---|---|",
        f"| One event evaluated, p50 / p99 ({singles:,} events; {fired} plans) | "
        f"**{statistics.median(one):.2f} / {pct(one, 99):.2f} ms** | "
        f"{statistics.median(naive_one):,.0f} / {max(naive_one):,.0f} ms "
        "(all rules read, parsed and matched) |",
        f"| Events evaluated per second (batches of 500, {total:,} events) "
        f"| **{rate:,.0f}** | {naive_rate:,.1f} (all rules already in memory, matched per event) |",
        "",
        f"Loading the trigger index ({indexed:,} event-triggered rules) at start took "
        f"{index_s:.1f} s.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 customers (10,000 rules)")
    args = parser.parse_args()
    report = asyncio.run(main(args.quick))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    print(report)
