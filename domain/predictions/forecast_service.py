"""Forecasts, anomaly listings and Balance Watch minimums, read from the ledger.

One service behind chat and the REST API. The forecast reads the customer's
savings and current accounts (their cash) and the movements on them over the
last 200 days; moves between the customer's own accounts, and the demo's
opening balances, are neither income nor spending and are left out. Anomalies
are scanned over every outflow from the customer's accounts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, or_, select, update

from domain import schema
from domain.banking.demo import OPENING_COUNTERPARTY
from domain.banking.model import AccountType
from domain.clock import Clock
from domain.db import Database, Writes
from domain.errors import InvalidInput, NotFound
from domain.money import Money, format_minor
from domain.predictions import anomalies
from domain.predictions.anomalies import Charge, Flag
from domain.predictions.forecast import HORIZON, Forecast, forecast
from domain.predictions.recurring import Movement

HISTORY = timedelta(days=200)  # six months of monthly items, and the 90-day spending window
MAX_HORIZON = 90
MAX_SCAN_DAYS = 365
MAX_MINIMUM = 1_00_00_000_00  # ₹1 crore: a minimum above it is a typo
_CASH = (AccountType.SAVINGS.value, AccountType.CURRENT.value)
_a, _t, _p = schema.accounts, schema.transfers, schema.postings


def _days(value: int, name: str, most: int) -> int:
    if type(value) is not int or not 1 <= value <= most:
        raise InvalidInput(f"invalid_{name}", f"'{name}' must be a whole number from 1 to {most}.")
    return value


class ForecastService:
    def __init__(self, db: Database, clock: Clock, *, large_debit: int = 50_000_00) -> None:
        self._db = db
        self._clock = clock
        self._large = large_debit

    async def require_customer(self, customer_id: str) -> None:
        u = schema.users
        async with self._db.reading() as conn:
            found = (
                await conn.execute(
                    select(u.c.id).where(u.c.id == customer_id, u.c.role == "customer")
                )
            ).first()
        if found is None:
            raise NotFound("customer_not_found", "No customer has that id.")

    async def _zone(self, customer_id: str) -> ZoneInfo:
        async with self._db.reading() as conn:
            zone = (
                await conn.execute(
                    select(schema.users.c.timezone).where(schema.users.c.id == customer_id)
                )
            ).scalar_one_or_none()
        return ZoneInfo(zone or "Asia/Kolkata")

    async def forecast(self, customer_id: str, days: int = HORIZON) -> Forecast:
        """The expected cash balance for each of the next ``days`` days, with Balance Watch."""
        days = _days(days, "days", MAX_HORIZON)
        now = self._clock.now()
        zone = await self._zone(customer_id)
        async with self._db.reading() as conn:
            cash = (
                await conn.execute(
                    select(_a.c.id, _a.c.balance, _a.c.held).where(
                        _a.c.customer_id == customer_id, _a.c.type.in_(_CASH)
                    )
                )
            ).all()
            mine = select(_a.c.id).where(_a.c.customer_id == customer_id).scalar_subquery()
            rows = (
                await conn.execute(
                    select(
                        _t.c.id,
                        _p.c.amount,
                        _p.c.posted_at,
                        _t.c.merchant,
                        _t.c.counterparty,
                        _t.c.category,
                    )
                    .join(_t, _t.c.id == _p.c.transfer_id)
                    .where(
                        _p.c.account_id.in_([r.id for r in cash]),
                        _p.c.posted_at >= now - HISTORY,
                        # Not a move between the customer's own accounts.
                        or_(
                            _t.c.debit_account_id.not_in(mine), _t.c.credit_account_id.not_in(mine)
                        ),
                        or_(_t.c.counterparty.is_(None), _t.c.counterparty != OPENING_COUNTERPARTY),
                    )
                    .order_by(_p.c.posted_at, _p.c.id)
                )
            ).all()
            minimum = await self._minimum(conn, customer_id)
        if not cash:
            raise NotFound(
                "no_cash_accounts", "There is no savings or current account to forecast."
            )
        moves = [
            Movement(
                transfer_id=r.id,
                at=r.posted_at,
                direction="credit" if r.amount > 0 else "debit",
                amount=abs(r.amount),
                counterparty=r.merchant or r.counterparty or "Other",
                category=r.category,
            )
            for r in rows
        ]
        balance = sum(r.balance - r.held for r in cash)
        return forecast(
            balance,
            moves,
            today=now.astimezone(zone).date(),
            zone=zone,
            minimum=minimum,
            horizon=days,
        )

    async def _charges(
        self, customer_ids: list[str] | None, since: datetime
    ) -> dict[str, list[Charge]]:
        """Every outflow from the customers' accounts since ``since``, by customer, oldest first."""
        query = (
            select(
                _a.c.customer_id,
                _t.c.id,
                _t.c.amount,
                _t.c.currency,
                _t.c.merchant,
                _t.c.counterparty,
                _p.c.posted_at,
                _p.c.balance_after,
            )
            .join(_t, _t.c.id == _p.c.transfer_id)
            .join(_a, _a.c.id == _p.c.account_id)
            .where(
                _a.c.customer_id.is_not(None),
                _p.c.amount < 0,
                _t.c.kind.not_in(("internal", "trade")),
                _p.c.posted_at >= since,
            )
            .order_by(_p.c.posted_at, _p.c.id)
        )
        if customer_ids is not None:
            query = query.where(_a.c.customer_id.in_(customer_ids))
        out: dict[str, list[Charge]] = {}
        async with self._db.reading() as conn:
            for r in await conn.execute(query):
                out.setdefault(r.customer_id, []).append(
                    Charge(
                        r.posted_at,
                        r.amount,
                        r.merchant,
                        r.id,
                        r.currency,
                        r.balance_after,
                        r.counterparty,
                    )
                )
        return out

    async def anomalies(self, customer_id: str, days: int = 90) -> list[Flag]:
        """The flags on the customer's outflows over the last ``days`` days, newest first."""
        days = _days(days, "days", MAX_SCAN_DAYS)
        since = self._clock.now() - timedelta(days=days)
        charges = await self._charges([customer_id], since - anomalies.MERCHANT_LOOKBACK)
        return anomalies.scan(charges.get(customer_id, []), since, large=self._large)

    async def all_anomalies(self, days: int = 30, limit: int = 100) -> list[tuple[str, Flag]]:
        """Every customer's flags over the last ``days`` days, newest first: for operators."""
        days = _days(days, "days", MAX_SCAN_DAYS)
        limit = _days(limit, "limit", 1000)
        since = self._clock.now() - timedelta(days=days)
        found: list[tuple[str, Flag]] = []
        for customer_id, charges in (
            await self._charges(None, since - anomalies.MERCHANT_LOOKBACK)
        ).items():
            found += [(customer_id, f) for f in anomalies.scan(charges, since, large=self._large)]
        found.sort(key=lambda cf: (cf[1].charge.at, cf[0]), reverse=True)
        return found[:limit]

    # -- Balance Watch -----------------------------------------------------------

    async def _minimum(self, conn: Writes, customer_id: str) -> int:
        w = schema.balance_watch
        value = (
            await conn.execute(select(w.c.minimum).where(w.c.customer_id == customer_id))
        ).scalar_one_or_none()
        return int(value or 0)

    async def minimum(self, customer_id: str) -> int:
        async with self._db.reading() as conn:
            return await self._minimum(conn, customer_id)

    async def set_minimum(self, customer_id: str, minimum: Money) -> int:
        """Warn before the balance may go below ``minimum``; zero watches for going below zero."""
        if minimum.currency != "INR":
            raise InvalidInput("unsupported_currency", "Balance Watch minimums are in INR.")
        if not 0 <= minimum.minor <= MAX_MINIMUM:
            raise InvalidInput(
                "invalid_minimum",
                f"The minimum must be from ₹0 to {format_minor(MAX_MINIMUM)}.",
            )
        w = schema.balance_watch
        now = self._clock.now()
        async with self._db.writing() as conn:
            done = await conn.execute(
                update(w)
                .where(w.c.customer_id == customer_id)
                .values(minimum=minimum.minor, currency="INR", updated_at=now)
            )
            if done.rowcount == 0:
                await conn.execute(
                    insert(w).values(
                        customer_id=customer_id,
                        minimum=minimum.minor,
                        currency="INR",
                        updated_at=now,
                    )
                )
        return minimum.minor
