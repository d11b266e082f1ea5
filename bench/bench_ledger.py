"""Benchmark the audit log: batched appends, full verification, inclusion proofs.

    .venv/bin/python bench/bench_ledger.py [--quick] [--entries N]

Each figure stands beside a baseline measured in the same run:

- appends: batched (one transaction and one multi-row insert per 1,000
  entries, as a money-engine batch does) against one transaction per entry;
- verification of the whole log (``LedgerService.verify_all``: every leaf
  recomputed, the tree rebuilt, every checkpoint's signature and consistency)
  against reading every row through full SQLAlchemy rows and computing the
  root with the RFC's recursive definition;
- an inclusion proof at the full size, from the kept complete subtrees,
  against the RFC's recursive PATH over all leaf hashes.

SQLite in a temporary directory (WAL, synchronous=FULL, as served). Results
go to bench/results/ledger.md and stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.migrate import upgrade_async
from domain.clock import SystemClock
from domain.db import Database, connect
from domain.ledger import merkle, store
from domain.ledger.checkpoint import Signer
from domain.ledger.events import Event
from domain.ledger.keys import KeyRing
from domain.ledger.service import LedgerService
from domain.schema import ledger_entries

ORIGIN = "bench.swayam/ledger"
RESULTS = Path(__file__).parent / "results" / "ledger.md"


def _event(i: int) -> Event:
    tid = f"trf_{i:026d}"
    return Event(
        "transfer",
        f"usr_{i % 5000:026d}",
        tid,
        {
            "transfer_id": tid,
            "kind": "payee",
            "from_account_id": f"acc_{i % 7000:026d}",
            "to_account_id": "acc_settlement_inr",
            "amount": 100 + i % 99_999,
            "currency": "INR",
            "payee_id": f"pay_{i % 9000:026d}",
            "hold_id": None,
            "by": f"usr_{i % 5000:026d}",
        },
    )


async def _append_batched(db: Database, start: int, count: int, batch: int) -> float:
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for at in range(start, start + count, batch):
        events = [_event(i) for i in range(at, min(at + batch, start + count))]
        async with db.writing() as conn:
            await store.append(conn, events, now)
    return time.perf_counter() - t0


async def _append_one_by_one(db: Database, start: int, count: int) -> float:
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    for i in range(start, start + count):
        async with db.writing() as conn:
            await store.append(conn, [_event(i)], now)
    return time.perf_counter() - t0


def _ref_mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 1:
        return leaves[0]
    k = merkle.split_point(n)
    return merkle.node_hash(_ref_mth(leaves[:k]), _ref_mth(leaves[k:]))


def _ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = merkle.split_point(n)
    if m < k:
        return [*_ref_path(m, leaves[:k]), _ref_mth(leaves[k:])]
    return [*_ref_path(m - k, leaves[k:]), _ref_mth(leaves[:k])]


async def _naive_verify(db: Database) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    leaves = []
    async with db.reading() as conn:
        result = await conn.execute(select(ledger_entries).order_by(ledger_entries.c.seq))
        for row in result:
            leaf = hashlib.sha256(b"\x00" + row.entry.encode()).digest()
            if leaf != row.leaf_hash:
                raise AssertionError(f"entry {row.seq} changed")
            leaves.append(leaf)
    root = _ref_mth(leaves)
    return time.perf_counter() - t0, root


async def run(entries: int, quick: bool) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="swayam-bench-ledger-"))
    url = f"sqlite+aiosqlite:///{tmp / 'ledger.db'}"
    await upgrade_async(url)
    db = connect(url)
    keys = KeyRing(Signer.generate(ORIGIN), ())
    keys = KeyRing(keys.signer, (keys.signer.public,))
    ledger = LedgerService(db, SystemClock(), keys, origin=ORIGIN, checkpoint_every=10**9)
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    try:
        # 1. Appends.
        baseline_n = 500 if quick else 2000
        naive_s = await _append_one_by_one(db, 0, baseline_n)
        measured_n = 20_000 if quick else 100_000
        batched_s = await _append_batched(db, baseline_n, measured_n, 1000)
        naive_rate, batched_rate = baseline_n / naive_s, measured_n / batched_s
        say("| measure | Swayam | baseline | target |")
        say("|---|---|---|---|")
        say(
            f"| append, entries/s | **{batched_rate:,.0f}** (1,000 a transaction) |"
            f" {naive_rate:,.0f} (one transaction each) | ≥ 20,000 |"
        )

        # 2. Fill to the full size, signing a checkpoint every tenth of the way.
        filled = baseline_n + measured_n
        step = max(1, entries // 10)
        t_fill = time.perf_counter()
        while filled < entries:
            n = min(step - filled % step or step, entries - filled)
            await _append_batched(db, filled, n, 10_000)
            filled += n
            await ledger.checkpoint()
            print(f"  filled {filled:,}/{entries:,}", file=sys.stderr, flush=True)
        await ledger.checkpoint()
        fill_s = time.perf_counter() - t_fill

        # 3. Full verification.
        fresh = LedgerService(db, SystemClock(), keys, origin=ORIGIN)
        t0 = time.perf_counter()
        report = await fresh.verify_all()
        verify_s = time.perf_counter() - t0
        assert report.ok, report.problems
        naive_verify_s, naive_root = await _naive_verify(db)
        assert naive_root == report.root
        say(
            f"| verify {entries:,} entries, s | **{verify_s:.2f}** ({report.checkpoints}"
            f" checkpoints) | {naive_verify_s:.2f} (ORM rows, recursive root only) | < 10 |"
        )

        # 4. Inclusion proofs at the full size.
        size = await ledger.sync()
        tree = ledger.tree
        rng = random.Random(7)
        picks = [rng.randrange(size) for _ in range(2000)]
        timings = []
        root = tree.root(size)
        for i in picks:
            t0 = time.perf_counter()
            proof = tree.inclusion_proof(i, size)
            timings.append(time.perf_counter() - t0)
            merkle.verify_inclusion(tree.leaf(i), i, size, proof, root)
        leaves = [tree.leaf(i) for i in range(size)]
        naive = []
        for i in picks[:3]:
            t0 = time.perf_counter()
            path = _ref_path(i, leaves)
            naive.append(time.perf_counter() - t0)
            assert path == tree.inclusion_proof(i, size)
        p50 = statistics.median(timings) * 1e6
        p99 = sorted(timings)[int(len(timings) * 0.99)] * 1e6
        say(
            f"| inclusion proof at {size:,}, µs | **{p50:.0f}** median, {p99:.0f} p99 |"
            f" {statistics.median(naive) * 1e6:,.0f} (recursive PATH over all leaves) | < 1,000 |"
        )
        say("")
        say(
            f"Filled {entries - baseline_n - measured_n:,} more entries in {fill_s:.1f} s;"
            f" database {(tmp / 'ledger.db').stat().st_size / 1e6:,.0f} MB."
            f" Python {platform.python_version()}, SQLite WAL synchronous=FULL,"
            f" {platform.machine()}."
        )
    finally:
        await db.dispose()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 entries instead of 1,000,000")
    parser.add_argument("--entries", type=int, help="log size for verification and proofs")
    args = parser.parse_args()
    entries = args.entries or (100_000 if args.quick else 1_000_000)
    table = asyncio.run(run(entries, args.quick))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(f"# Audit log benchmark ({stamp})\n\n{table}\n")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
