"""Benchmark the 30-day forecast: accuracy in a backtest, and its cost per customer.

    .venv/bin/python bench/bench_forecasts.py [--quick]

Backtest on the demo bank's generated histories (a different random history
for every reference date, the 1st of each month): for each reference date R,
the forecast is made
at C = R - 30 days from what happened before C, and compared with the cash
balance (savings + current) that actually followed on each of the 30 days.
The baseline, measured in the same run, is the naive extrapolation: today's
balance plus k times the mean daily net change of the last 90 days.

Reported: mean absolute error over all forecast days, the share of days the
actual balance fell inside the 80% interval, and the time to forecast one
customer (recurring detection included) and to scan their 90 days for
anomalies, against the naive extrapolation. Pure functions, no database.
Results go to bench/results/forecasts.md and stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.banking.demo import OPENING_COUNTERPARTY, PlannedPosting, plan
from domain.predictions import anomalies
from domain.predictions.forecast import forecast
from domain.predictions.recurring import Movement

RESULTS = Path(__file__).parent / "results" / "forecasts.md"
IST = ZoneInfo("Asia/Kolkata")
CASH = {"savings", "current"}
HORIZON = 30


def cash_history(reference: date) -> tuple[list[tuple[datetime, int]], list[Movement]]:
    """Asha's signed cash changes (openings included) and the movements the forecast reads."""
    now = datetime.combine(reference, datetime.min.time(), tzinfo=IST).astimezone(UTC)
    changes: list[tuple[datetime, int]] = []
    moves: list[Movement] = []
    for item in plan(reference).for_customer("asha"):
        if isinstance(item, PlannedPosting):
            if item.account not in CASH:
                continue
            sign = 1 if item.direction == "credit" else -1
            changes.append((item.posted_at, sign * item.amount))
            if item.counterparty != OPENING_COUNTERPARTY:
                who = item.merchant or item.counterparty
                moves.append(
                    Movement(
                        item.key, item.posted_at, item.direction, item.amount, who, item.category
                    )
                )
        elif item.from_account in CASH and item.to_account not in CASH:
            changes.append((now, -item.amount))  # to a payee or to trading: cash leaves
            if item.payee is not None:
                payee = "Mehta Properties" if item.payee == "Landlord" else item.payee
                moves.append(Movement(item.key, now, "debit", item.amount, payee, item.category))
    return changes, moves


def balance_at(changes: list[tuple[datetime, int]], end: datetime) -> int:
    return sum(amount for at, amount in changes if at < end)


def naive(balance: int, moves: list[Movement], cutoff: datetime) -> list[int]:
    """The baseline: the last 90 days' mean daily net change, extrapolated."""
    since = cutoff - timedelta(days=90)
    net = sum(m.amount if m.direction == "credit" else -m.amount for m in moves if m.at >= since)
    return [round(balance + k * net / 90) for k in range(1, HORIZON + 1)]


def backtest(references: list[date]) -> dict[str, float]:
    errors, naive_errors, inside = [], [], 0
    for reference in references:
        changes, moves = cash_history(reference)
        cutoff_day = reference - timedelta(days=HORIZON)
        cutoff = datetime.combine(cutoff_day, datetime.min.time(), tzinfo=IST).astimezone(UTC)
        before = [m for m in moves if m.at < cutoff]
        balance = balance_at(changes, cutoff)
        # The forecast's day k is the end of day C - 1 + k in Kolkata (today is C - 1).
        result = forecast(balance, before, today=cutoff_day - timedelta(days=1), zone=IST)
        baseline = naive(balance, before, cutoff)
        for k, day in enumerate(result.days):
            end = datetime.combine(day.day + timedelta(days=1), datetime.min.time(), tzinfo=IST)
            actual = balance_at(changes, end.astimezone(UTC))
            errors.append(abs(day.expected - actual))
            naive_errors.append(abs(baseline[k] - actual))
            inside += day.low <= actual <= day.high
    return {
        "mae": statistics.fmean(errors) / 100,
        "naive_mae": statistics.fmean(naive_errors) / 100,
        "coverage": inside / len(errors),
        "days": len(errors),
    }


def cost(reference: date, runs: int) -> dict[str, float]:
    changes, moves = cash_history(reference)
    balance = balance_at(changes, datetime.now(UTC) + timedelta(days=3650))
    now = datetime.combine(reference, datetime.min.time(), tzinfo=IST).astimezone(UTC)
    charges = [
        anomalies.Charge(m.at, m.amount, m.counterparty if m.category != "transfers" else None)
        for m in moves
        if m.direction == "debit"
    ]

    def timed(fn: object) -> float:
        assert callable(fn)
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples) * 1000

    return {
        "movements": len(moves),
        "forecast_ms": timed(lambda: forecast(balance, moves, today=reference, zone=IST)),
        "scan_ms": timed(
            lambda: anomalies.scan(charges, now - timedelta(days=90), large=50_000_00)
        ),
        "naive_ms": timed(lambda: naive(balance, moves, now)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="12 reference dates, not 48")
    args = parser.parse_args()
    count = 12 if args.quick else 48
    # The 1st of each month: the demo pays the reference month's rent on the
    # reference day itself (a payee transfer "now"), which would read as a
    # missed rent inside the window on any other day.
    references = [date(2024 + n // 12, n % 12 + 1, 1) for n in range(count)]
    t0 = time.perf_counter()
    accuracy = backtest(references)
    spent = time.perf_counter() - t0
    speed = cost(date(2026, 11, 16), 50 if args.quick else 200)
    load = os.getloadavg()
    lines = [
        f"# Forecast benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Python {sys.version.split()[0]} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}.",
        "",
        f"Backtest: {len(references)} reference dates, {accuracy['days']:.0f} forecast days "
        f"({spent:.1f} s).",
        "",
        "| Measure | Forecast | Baseline (same run) |",
        "|---|---:|---:|",
        f"| Mean absolute error, ₹ | **{accuracy['mae']:,.0f}** | {accuracy['naive_mae']:,.0f} "
        "(naive 90-day mean extrapolation) |",
        f"| Actual balance inside the 80% interval | **{accuracy['coverage']:.0%}** | n/a |",
        f"| One customer's forecast ({speed['movements']:.0f} movements), ms | "
        f"**{speed['forecast_ms']:.2f}** | {speed['naive_ms']:.3f} (naive extrapolation) |",
        f"| One customer's 90-day anomaly scan, ms | **{speed['scan_ms']:.2f}** | |",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
