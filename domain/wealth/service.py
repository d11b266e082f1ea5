"""Net worth across bank accounts, fixed deposits and holdings at market value.

Performance compares today's net worth with daily snapshots (one row per
customer per day, taken after the close and whenever net worth is asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select

from domain import schema
from domain.banking.model import AccountType, TransferKind
from domain.clock import Clock
from domain.db import Database
from domain.trading.market import IST
from domain.trading.portfolio import Portfolio
from domain.trading.service import TradingService
from domain.wealth.health import Finances, HealthReport, health_score
from domain.wealth.insights import Insight, insights

PERIODS = (30, 90, 365)
ETF_SUFFIX = "BEES"


def _m(minor: int) -> dict[str, Any]:
    return {"minor": minor, "currency": "INR"}


@dataclass(frozen=True, slots=True)
class NetWorth:
    cash: int  # savings, current and trading cash
    deposits: int  # fixed deposits
    stocks: int
    etfs: int
    debt: int  # overdrawn balances (positive)
    portfolio: Portfolio

    @property
    def investments(self) -> int:
        return self.stocks + self.etfs

    @property
    def total(self) -> int:
        return self.cash + self.deposits + self.investments - self.debt

    def allocation(self) -> list[tuple[str, int, float]]:
        """(asset class, value, percent of gross assets), largest first."""
        parts = [
            ("Cash", self.cash),
            ("Fixed deposits", self.deposits),
            ("Stocks", self.stocks),
            ("ETFs", self.etfs),
        ]
        gross = sum(v for _, v in parts) or 1
        rows = [(name, v, round(v * 100 / gross, 1)) for name, v in parts if v > 0]
        return sorted(rows, key=lambda r: -r[1])

    def to_json(self) -> dict[str, Any]:
        return {
            "net_worth": _m(self.total),
            "cash": _m(self.cash),
            "fixed_deposits": _m(self.deposits),
            "investments": _m(self.investments),
            "debt": _m(self.debt),
            "allocation": [
                {"asset_class": n, "value": _m(v), "percent": p} for n, v, p in self.allocation()
            ],
            "unrealised_pnl": _m(self.portfolio.unrealised),
            "day_pnl": _m(self.portfolio.day_pnl),
        }


@dataclass(frozen=True, slots=True)
class Change:
    days: int
    since: date
    then: int
    change: int

    @property
    def percent(self) -> float:
        return round(self.change * 100 / self.then, 2) if self.then else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "since": self.since.isoformat(),
            "then": _m(self.then),
            "change": _m(self.change),
            "change_pct": self.percent,
        }


class WealthService:
    def __init__(self, db: Database, clock: Clock, trading: TradingService) -> None:
        self._db = db
        self._clock = clock
        self._trading = trading

    def today(self) -> date:
        return self._clock.now().astimezone(IST).date()

    async def net_worth(self, customer_id: str) -> NetWorth:
        a = schema.accounts
        query = select(a.c.type, a.c.balance, a.c.held).where(a.c.customer_id == customer_id)
        cash = deposits = debt = 0
        async with self._db.reading() as conn:
            for kind, balance, _held in await conn.execute(query):
                if balance < 0:
                    debt -= balance
                    continue
                if kind == AccountType.FIXED_DEPOSIT.value:
                    deposits += balance
                else:
                    cash += balance
        portfolio = await self._trading.portfolio(customer_id)
        etfs = sum(p.market_value for p in portfolio.positions if p.symbol.endswith(ETF_SUFFIX))
        stocks = portfolio.market_value - etfs
        return NetWorth(cash, deposits, stocks, etfs, debt, portfolio)

    # -- snapshots -----------------------------------------------------------------

    async def snapshot(
        self, customer_id: str, day: date | None = None, *, background: bool = False
    ) -> NetWorth:
        """Record today's net worth (replacing an earlier one from the same day)."""
        worth = await self.net_worth(customer_id)
        day = day or self.today()
        s = schema.wealth_snapshots
        async with self._db.writing(background=background) as conn:
            await conn.execute(delete(s).where(s.c.customer_id == customer_id, s.c.day == day))
            await conn.execute(
                insert(s).values(
                    customer_id=customer_id,
                    day=day,
                    net_worth=worth.total,
                    cash=worth.cash,
                    deposits=worth.deposits,
                    investments=worth.investments,
                    created_at=self._clock.now(),
                )
            )
        return worth

    async def snapshot_all(self) -> int:
        """Snapshot every customer with an account; returns how many."""
        a = schema.accounts
        async with self._db.reading() as conn:
            ids = [
                r[0]
                for r in await conn.execute(
                    select(a.c.customer_id).where(a.c.customer_id.is_not(None)).distinct()
                )
            ]
        for customer_id in ids:
            await self.snapshot(customer_id, background=True)
        return len(ids)

    async def record_history(self, customer_id: str, points: list[tuple[date, int]]) -> None:
        """Store past net-worth figures (the demo's history); cash split unknown."""
        s = schema.wealth_snapshots
        async with self._db.writing() as conn:
            for day, total in points:
                await conn.execute(delete(s).where(s.c.customer_id == customer_id, s.c.day == day))
                await conn.execute(
                    insert(s).values(
                        customer_id=customer_id,
                        day=day,
                        net_worth=total,
                        cash=0,
                        deposits=0,
                        investments=0,
                        created_at=self._clock.now(),
                    )
                )

    async def trend(self, customer_id: str, days: int = 90) -> list[tuple[date, int]]:
        s = schema.wealth_snapshots
        since = self.today() - timedelta(days=days)
        query = (
            select(s.c.day, s.c.net_worth)
            .where(s.c.customer_id == customer_id, s.c.day >= since)
            .order_by(s.c.day)
        )
        async with self._db.reading() as conn:
            return [(d, v) for d, v in await conn.execute(query)]

    async def performance(self, customer_id: str, now_total: int) -> list[Change]:
        """Change against the latest snapshot at least 30/90/365 days old, where one exists."""
        s = schema.wealth_snapshots
        out: list[Change] = []
        async with self._db.reading() as conn:
            for days in PERIODS:
                cutoff = self.today() - timedelta(days=days)
                row = (
                    await conn.execute(
                        select(s.c.day, s.c.net_worth)
                        .where(s.c.customer_id == customer_id, s.c.day <= cutoff)
                        .order_by(s.c.day.desc())
                        .limit(1)
                    )
                ).first()
                if row is not None:
                    out.append(Change(days, row.day, row.net_worth, now_total - row.net_worth))
        return out

    # -- health --------------------------------------------------------------------

    async def _flows(self, customer_id: str) -> tuple[int, int]:
        """(income, spending) over the last 90 days, from the ledger."""
        t = schema.transfers
        since = self._clock.now() - timedelta(days=90)
        query = (
            select(t.c.kind, func.sum(t.c.amount))
            .where(
                and_(
                    t.c.customer_id == customer_id,
                    t.c.created_at >= since,
                    t.c.kind.in_(
                        [
                            TransferKind.EXTERNAL_CREDIT.value,
                            TransferKind.EXTERNAL_DEBIT.value,
                            TransferKind.PAYEE.value,
                        ]
                    ),
                )
            )
            .group_by(t.c.kind)
        )
        async with self._db.reading() as conn:
            sums = {k: int(v) for k, v in await conn.execute(query)}
        income = sums.get(TransferKind.EXTERNAL_CREDIT.value, 0)
        spend = sums.get(TransferKind.EXTERNAL_DEBIT.value, 0) + sums.get(
            TransferKind.PAYEE.value, 0
        )
        return income, spend

    async def health(self, customer_id: str) -> tuple[HealthReport, list[Insight], NetWorth]:
        worth = await self.net_worth(customer_id)
        income, spend = await self._flows(customer_id)
        positions = worth.portfolio.positions
        finances = Finances(
            income_90d=income,
            spend_90d=spend,
            liquid=worth.cash,
            debt=worth.debt,
            invested=worth.portfolio.invested,
            market_value=worth.portfolio.market_value,
            realised=worth.portfolio.realised,
            holdings=tuple((p.symbol, p.market_value) for p in positions),
        )
        return health_score(finances), insights(worth.cash, spend // 3, positions), worth
