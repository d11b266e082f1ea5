"""Benchmark the predictive models: batch scoring and one customer's predictions.

    .venv/bin/python bench/bench_predictions.py [--customers N] [--scored N]

Trains a model on a synthetic population of ``--customers`` (1,500) in a
temporary data dir, then, each figure beside a baseline measured in the same
run:

- batch scoring of ``--scored`` (100,000) customers, churn + value + segment,
  from a feature matrix (``ModelBundle.score``, vectorised; feature building
  NOT included: the matrix is the synthetic population's features resampled
  to 100,000 rows), against scoring one row at a time (timed on 300 rows and
  scaled up);
- one customer's predictions through ``PredictionService`` on the training
  database (SQLite WAL, as served), feature building from the tables
  INCLUDED: ``behavior`` (churn, value, segment), ``churn`` (with its top
  factors) and ``next_action`` (ranked actions with reasons), against
  building the features by a population scan and taking the one row.

Results go to bench/results/predictions.md and stdout, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from domain.clock import ManualClock
from domain.db import connect
from domain.predictions import artifacts, pipeline
from domain.predictions.features import build_features
from domain.predictions.service import PredictionService

RESULTS = Path(__file__).parent / "results" / "predictions.md"
END = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} / {five:.2f}"


async def _timed(call: Callable[[], Awaitable[Any]], n: int) -> tuple[list[float], list[float]]:
    """Wall time and this process's CPU time of each call: on a shared machine the
    CPU time is what the call costs, the wall time what it took amid the others."""
    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        await call()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return wall, cpu


def _ms(timings: list[float]) -> str:
    p50 = statistics.median(timings) * 1e3
    p95 = sorted(timings)[int(len(timings) * 0.95)] * 1e3
    return f"{p50:.1f} median, {p95:.1f} p95"


async def run(customers: int, scored: int) -> str:
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        t0 = time.perf_counter()
        trained = await pipeline.train_synthetic(data_dir, customers=customers, end=END)
        train_s = time.perf_counter() - t0
        loaded = artifacts.Registry(artifacts.models_dir(data_dir)).reload()
        assert loaded is not None
        bundle = loaded.bundle
        db = connect(f"sqlite+aiosqlite:///{pipeline.training_db(data_dir)}", pool_size=4)
        try:
            t0 = time.perf_counter()
            async with db.reading() as conn:
                population = await build_features(conn, END)
            build_s = time.perf_counter() - t0
            rng = np.random.default_rng(1)
            rows = rng.integers(0, len(population), scored)
            matrix = population.values[rows] * rng.uniform(0.9, 1.1, (scored, 1))
            # As served: the service runs scikit-learn single-threaded (see its _one_thread).
            service = PredictionService(db, ManualClock(END), data_dir)
            await service.model()
            say(f"load average (1 / 5 min) at start: {_load()}")
            say("")
            say("| measurement | result | baseline (same run) | target |")
            say("|---|---|---|---|")
            bundle.score(matrix[:1000])  # warm
            batch = []
            for _ in range(3):
                t0 = time.perf_counter()
                scores = bundle.score(matrix)
                batch.append(time.perf_counter() - t0)
            assert len(scores.churn) == scored
            single = []
            for i in range(300):
                t0 = time.perf_counter()
                bundle.score(matrix[i : i + 1])
                single.append(time.perf_counter() - t0)
            row_at_a_time = statistics.mean(single) * scored
            say(
                f"| {scored:,} customers scored (churn, value, segment) from a feature matrix, s"
                f" | **{min(batch):.2f}** (best of 3; median {statistics.median(batch):.2f})"
                f" | {row_at_a_time:,.0f} one row at a time (300 timed, scaled) | < 5 |"
            )

            ids = population.customer_ids
            picks = [ids[i] for i in rng.integers(0, len(ids), 200)]
            it = iter(picks * 3)
            for name, method in (
                ("behavior (churn, value, segment)", service.behavior),
                ("churn with top factors", service.churn),
                ("next_action (ranked, with reasons)", service.next_action),
            ):
                await method(picks[0])  # warm
                wall, cpu = await _timed(lambda m=method: m(next(it)), 200)  # type: ignore[misc]
                say(
                    f"| one customer: {name}, features from the tables included, ms"
                    f" | **{_ms(wall)}** wall; {_ms(cpu)} CPU | — | < 20 |"
                )

            async def by_scan() -> None:
                async with db.reading() as conn:
                    everyone = await build_features(conn, END)
                i = everyone.customer_ids.index(picks[0])
                bundle.score(everyone.values[i : i + 1])

            scan, scan_cpu = await _timed(by_scan, 5)
            say(
                f"| baseline for one customer: features by a population scan, then score, ms"
                f" | — | {_ms(scan)} wall; {_ms(scan_cpu)} CPU | — |"
            )
            say("")
            say(
                f"Trained on {trained.customers:,} synthetic customers in {train_s:.1f} s"
                f" (drawing, writing the training database, features, labels, fitting);"
                f" building the features of all {len(population):,} from the tables took"
                f" {build_s:.2f} s. Load average at the end: {_load()}."
                f" Python {platform.python_version()}, {platform.machine()},"
                f" {os.cpu_count()} CPUs, SQLite WAL synchronous=FULL."
            )
        finally:
            await db.dispose()
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--customers", type=int, default=1500, help="synthetic training customers")
    parser.add_argument("--scored", type=int, default=100_000, help="customers in the batch")
    args = parser.parse_args()
    table = asyncio.run(run(args.customers, args.scored))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    RESULTS.write_text(f"# Predictions benchmark ({stamp})\n\n{table}\n")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
