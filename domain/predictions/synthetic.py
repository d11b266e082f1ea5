"""The synthetic training population and its generative story.

There is no real customer data here, so the models learn from a made-up
bank whose story is written down (and repeated in docs/PREDICTIONS.md):

1. Each customer belongs to one of five segments (``SEGMENTS``): power,
   active, growing, new and dormant, which set how often they transact, how
   much they earn, whether they are salaried, how likely they hold trading
   and a fixed deposit, how likely they set up rules, how often they sign
   in and read notifications.
   Two personal draws vary everyone within a segment: engagement (a
   log-normal multiplier of activity) and frustration (a gamma draw that
   drives support tickets, rejected orders and expired holds).
2. ``OBSERVE`` days of history up to the cutoff: salary on a pay day (missed
   with a segment's probability), card spends and payments at the segment's
   monthly rate (growing customers ramp up, dormant ones fade out), moves
   into a deposit or a trading account, trades, sign-ins, notifications,
   rules (some later paused or deleted) and their runs on salary days.
3. Churn is then drawn from the realised behaviour: a logistic function of
   recency, recent activity, tickets, declined actions, salary regularity,
   notification engagement, product holdings, rules kept and the balance
   trend, plus normal noise; the intercept is set so about ``CHURN_RATE``
   churn.
4. The 60 days after the cutoff: churners stop transacting (and most stop
   being paid here); the others go on as before. Their value (the labels'
   revenue) follows from what they then do, so it is driven by the same
   behaviour, with the noise of the draws.

Everything is written by ``HistoryWriter`` into a fresh SQLite database of
its own, so the one feature builder reads it exactly as it reads the bank.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from domain.predictions.history import HistoryWriter
from domain.predictions.labels import HORIZON

OBSERVE = timedelta(days=150)
CHURN_RATE = 0.22
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Segment:
    share: float
    txns_per_month: tuple[float, float]  # at the start and at the end of the history
    salaried: float
    income: float  # median monthly salary, rupees
    pay_missed: float
    trading: float
    trades_per_month: float
    fd: float
    logins_per_month: float
    read_rate: float
    frustration: float
    rules: float  # the chance of setting up rules


SEGMENTS: dict[str, Segment] = {
    "power": Segment(0.12, (45, 45), 0.95, 150_000, 0.02, 0.75, 6, 0.6, 25, 0.7, 0.3, 0.45),
    "active": Segment(0.35, (22, 22), 0.9, 70_000, 0.04, 0.3, 2, 0.4, 12, 0.5, 0.4, 0.25),
    "growing": Segment(0.18, (6, 26), 0.8, 50_000, 0.06, 0.25, 2, 0.15, 8, 0.5, 0.4, 0.15),
    "new": Segment(0.15, (12, 12), 0.6, 40_000, 0.08, 0.1, 1, 0.05, 10, 0.6, 0.5, 0.1),
    "dormant": Segment(0.20, (8, 0.5), 0.35, 30_000, 0.4, 0.08, 0.5, 0.2, 2, 0.15, 0.8, 0.05),
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Population:
    customer_ids: list[str]
    segments: dict[str, str]  # customer id -> the segment it was drawn from
    cutoff: datetime
    end: datetime


@dataclass(slots=True)
class _Drawn:
    """What the story needs to know of one customer to decide churn and go on."""

    cid: str
    segment: str
    savings: str
    trading: str | None
    rate: float  # transactions a month at the cutoff
    income: int  # paise, 0 if not salaried
    pay_day: int
    engagement: float
    frustration: float
    balance: int
    trading_balance: int
    rules: list[str]  # the rules still active at the cutoff
    summary: dict[str, float]


def generate(
    writer: HistoryWriter,
    customers: int,
    end: datetime,
    *,
    seed: int = 7,
    progress: Progress | None = None,
) -> Population:
    """Draw ``customers`` customers into ``writer``; the cutoff is ``HORIZON`` before ``end``."""
    rng = np.random.default_rng(seed)
    cutoff = end - HORIZON
    start = cutoff - OBSERVE
    names = list(SEGMENTS)
    shares = np.array([SEGMENTS[s].share for s in names])
    drawn: list[_Drawn] = []
    for n in range(customers):
        segment = names[int(rng.choice(len(names), p=shares / shares.sum()))]
        drawn.append(_observe(writer, rng, n, segment, start, cutoff))
        if progress is not None and (n % 50 == 0 or n == customers - 1):
            progress(n + 1, customers * 2)
    churn = _draw_churn(rng, drawn)
    for n, (person, churned) in enumerate(zip(drawn, churn, strict=True)):
        _after_cutoff(writer, rng, person, bool(churned), cutoff, end)
        if progress is not None and (n % 50 == 0 or n == customers - 1):
            progress(customers + n + 1, customers * 2)
    return Population([p.cid for p in drawn], {p.cid: p.segment for p in drawn}, cutoff, end)


class _Day:
    """Pre-drawn uniforms for one customer's days: one batch of draws, not one per event."""

    def __init__(self, rng: np.random.Generator, days: int) -> None:
        self.u = rng.random((days, 6))
        self.seconds = rng.integers(8 * 3600, 21 * 3600, days)

    def at(self, first: datetime, d: int, k: int = 0) -> datetime:
        return first + timedelta(days=d, seconds=int(self.seconds[d]) + 60 * k)


_CATEGORIES = ("food", "groceries", "utilities", "shopping", "travel", "entertainment")


def _observe(
    w: HistoryWriter,
    rng: np.random.Generator,
    n: int,
    segment: str,
    start: datetime,
    cutoff: datetime,
) -> _Drawn:
    s = SEGMENTS[segment]
    if segment == "new":
        joined = cutoff - timedelta(days=int(rng.integers(20, 110)))
    else:
        joined = start - timedelta(days=int(rng.integers(60, 1500)))
    cid = w.customer(f"syn{n:06d}", joined)
    savings = w.account(cid, "savings", joined)
    engagement = float(rng.lognormal(0, 0.35))
    frustration = float(rng.gamma(1.0, s.frustration))
    income = int(s.income * rng.lognormal(0, 0.4)) * 100 if rng.random() < s.salaried else 0
    pay_day = int(rng.integers(1, 6))
    balance = int(max(income, 2_000_000) * rng.uniform(0.5, 3))  # paise
    w.credit(savings, balance, joined + timedelta(hours=12))
    first = max(joined + DAY, start)
    days = max((cutoff - first).days, 1)
    u = _Day(rng, days)
    rates = np.linspace(*s.txns_per_month, days)
    counts = rng.poisson(rates * engagement / 30)
    spend = rng.lognormal(math.log(max(income, 3_000_000) * 0.02), 0.8, int(counts.sum()) + 1)
    kinds = rng.random(len(spend))
    logins = rng.poisson(
        s.logins_per_month * engagement * (0.3 if segment == "dormant" else 1) / 30, days
    )
    trades = rng.poisson(s.trades_per_month * engagement / 30, days)
    fd_day = int(rng.integers(0, days)) if rng.random() < s.fd else -1
    trade_day = int(rng.integers(0, days)) if rng.random() < s.trading else -1
    read_rate = min(0.95, s.read_rate * engagement)
    rules = _rules(w, rng, cid, s.rules, first, days, u)
    trading: str | None = None
    cash = 0
    recent = {"tickets": 0.0, "declined": 0.0, "txns_30": 0.0, "last": 365.0, "pay": 0.0}
    bal_30 = balance
    spent = 0
    for d in range(days):
        day = first + d * DAY
        left = days - d  # days before the cutoff
        if income and day.day == pay_day and u.u[d, 0] > s.pay_missed:
            pay = int(income * (0.97 + 0.06 * u.u[d, 1]))
            w.credit(savings, pay, u.at(first, d), category="salary")
            balance += pay
            recent["pay"] += left <= 90
            for rule, made, stop in rules:
                if made < d < stop:  # a live rule runs on each salary credit
                    w.rule_run(rule, cid, u.at(first, d, 2))
            if trading is not None and cash < 2_000_000:
                top_up = balance // 5  # traders move part of the salary across
                w.move(savings, trading, top_up, u.at(first, d, 1))
                balance, cash = balance - top_up, cash + top_up
        if d == fd_day and balance > 1_000_000:
            amount = int(balance * (0.2 + 0.2 * u.u[d, 1]))
            w.move(savings, w.account(cid, "fixed_deposit", day), amount, u.at(first, d, 1))
            balance -= amount
        if d == trade_day and balance > 500_000:
            trading = w.account(cid, "trading", day)
            cash = int(balance * (0.1 + 0.15 * u.u[d, 1]))
            w.move(savings, trading, cash, u.at(first, d, 2))
            balance -= cash
        for k in range(int(counts[d])):
            amount = min(int(spend[spent]), balance // 2)
            kind = kinds[spent]
            spent += 1
            if amount < 10_000:
                continue
            if kind < 0.85:
                category = _CATEGORIES[int(kind * 7) % len(_CATEGORIES)]
                w.spend(savings, amount, u.at(first, d, 3 + k), category=category)
            else:
                w.pay(savings, amount, u.at(first, d, 3 + k))
            balance -= amount
            recent["last"] = left
            recent["txns_30"] += left <= 30
        if trading is not None and trades[d]:
            cash, rejected = _trades(w, rng, trading, cash, int(trades[d]), u.at(first, d, 30))
            recent["declined"] += rejected if left <= 90 else 0
        if left <= 90:
            # Frustration shows as tickets and declined actions.
            if u.u[d, 2] < frustration * 0.4 / 30:
                w.ticket(cid, u.at(first, d, 40))
                recent["tickets"] += 1
            if u.u[d, 3] < frustration * 0.3 / 30:
                w.expired_hold(savings, 100_000, u.at(first, d, 41))
                recent["declined"] += 1
            if u.u[d, 4] < (rates[d] / 6) / 30:
                w.notification(cid, u.at(first, d, 42), read=bool(u.u[d, 5] < read_rate))
        if left <= 30:
            for k in range(int(logins[d])):
                w.login(cid, u.at(first, d, 50 + k))
        if left == 30:
            bal_30 = balance
    for k in range(1 + int(rng.poisson(0.8 if segment == "power" else 0.4))):
        w.device(cid, joined + k * DAY)
    recent["trend"] = float(np.clip((balance - bal_30) / max(bal_30, 100_000), -5, 5))
    recent["trading"] = float(trading is not None)
    recent["fd"] = float(fd_day >= 0)
    recent["read"] = read_rate
    recent["rules"] = float(len(rules))  # active or paused: deleted ones are gone
    return _Drawn(
        cid,
        segment,
        savings,
        trading,
        float(rates[-1]),
        income,
        pay_day,
        engagement,
        frustration,
        balance,
        cash,
        [rule for rule, _, stop in rules if stop > days],
        recent,
    )


def _rules(
    w: HistoryWriter,
    rng: np.random.Generator,
    cid: str,
    chance: float,
    first: datetime,
    days: int,
    u: _Day,
) -> list[tuple[str, int, int]]:
    """An adopter's rules: (id, day made, day it stopped running), deleted ones left out.

    Three in ten stop before the cutoff, half of those paused and half deleted.
    """
    if rng.random() >= chance:
        return []
    kept = []
    for _ in range(1 + int(rng.poisson(0.5))):
        made = int(rng.integers(0, days))
        stops = rng.random() < 0.3 and made + 1 < days
        stop = int(rng.integers(made + 1, days)) if stops else days + 1
        status = str(rng.choice(["paused", "deleted"])) if stops else "active"
        changed = u.at(first, stop, 4) if stops else None
        rule = w.rule(cid, u.at(first, made, 4), status=status, changed=changed)
        if status != "deleted":
            kept.append((rule, made, stop))
    return kept


def _trades(
    w: HistoryWriter,
    rng: np.random.Generator,
    trading: str,
    cash: int,
    count: int,
    when: datetime,
) -> tuple[int, int]:
    """A day's trades; an order the cash cannot cover is rejected (returns cash, rejections)."""
    rejected = 0
    for k, value in enumerate(rng.lognormal(math.log(1_000_000), 0.9, count).astype(int)):
        charges = int(value) // 1000 + 2_000
        at = when + timedelta(minutes=k)
        if value + charges > cash:
            w.rejected_order(trading, at)
            rejected += 1
            continue
        w.trade(trading, int(value), charges, at)
        cash -= int(value) + charges
    return cash, rejected


def _draw_churn(
    rng: np.random.Generator, drawn: list[_Drawn]
) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    """Churn from the realised behaviour, through a logistic link with noise."""
    r = [p.summary for p in drawn]
    score = np.array(
        [
            1.4 * min(x["last"], 120) / 30
            - 0.5 * math.log1p(x["txns_30"])
            + 0.7 * x["tickets"]
            + 0.5 * x["declined"]
            - 0.4 * x["pay"]
            - 2.0 * (x["read"] - 0.5)
            - 0.5 * x["trading"]
            - 0.4 * x["fd"]
            - 0.3 * min(x["rules"], 2)
            - 0.4 * x["trend"]
            for x in r
        ]
    ) + rng.normal(0, 0.6, len(r))
    # The intercept that makes the expected churn rate CHURN_RATE.
    lo, hi = -20.0, 20.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if float(np.mean(1 / (1 + np.exp(-(score + mid))))) < CHURN_RATE:
            lo = mid
        else:
            hi = mid
    p = 1 / (1 + np.exp(-(score + lo)))
    return np.asarray(rng.random(len(r)) < p)


def _after_cutoff(
    w: HistoryWriter,
    rng: np.random.Generator,
    p: _Drawn,
    churned: bool,
    cutoff: datetime,
    end: datetime,
) -> None:
    s = SEGMENTS[p.segment]
    paid = p.income > 0 and not (churned and rng.random() < 0.7)
    balance, cash = p.balance, p.trading_balance
    days = (end - cutoff).days
    u = _Day(rng, days)
    counts = np.zeros(days, dtype=int) if churned else rng.poisson(p.rate * p.engagement / 30, days)
    spend = rng.lognormal(math.log(max(p.income, 3_000_000) * 0.02), 0.8, int(counts.sum()) + 1)
    trades = (
        np.zeros(days, dtype=int)
        if churned
        else rng.poisson(s.trades_per_month * p.engagement / 30, days)
    )
    spent = 0
    first = cutoff + DAY
    for d in range(days):
        day = first + d * DAY
        if paid and day.day == p.pay_day and u.u[d, 0] > s.pay_missed:
            pay = int(p.income * (0.97 + 0.06 * u.u[d, 1]))
            w.credit(p.savings, pay, u.at(first, d), category="salary")
            balance += pay
            for rule in [] if churned else p.rules:
                w.rule_run(rule, p.cid, u.at(first, d, 2))
            if p.trading is not None and cash < 2_000_000 and not churned:
                top_up = balance // 5
                w.move(p.savings, p.trading, top_up, u.at(first, d, 1))
                balance, cash = balance - top_up, cash + top_up
        for k in range(int(counts[d])):
            amount = min(int(spend[spent]), balance // 2)
            spent += 1
            if amount >= 10_000:
                category = _CATEGORIES[int(u.u[d, 2] * 6) % 6]
                w.spend(p.savings, amount, u.at(first, d, 3 + k), category=category)
                balance -= amount
        if p.trading is not None and trades[d]:
            cash, _ = _trades(w, rng, p.trading, cash, int(trades[d]), u.at(first, d, 30))
