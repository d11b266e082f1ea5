"""Price alerts: stored per customer, fired once when the price crosses them.

Firing marks the alert triggered and appends an ``alert.triggered`` event to
the outbox in the same transaction; the notification pipeline delivers it to
chat, so an alert is announced once, and never without being marked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from domain import schema
from domain.clock import Clock
from domain.db import Database
from domain.errors import InvalidInput
from domain.events import outbox
from domain.events.model import ALERT_TRIGGERED, Event
from domain.ids import new_id
from domain.money import format_minor
from domain.trading.catalog import Catalog
from domain.trading.market import Quote
from domain.trading.records import alert_json

AlertHook = Callable[[dict[str, Any], Quote], Awaitable[None]]


class PriceAlerts:
    def __init__(self, db: Database, clock: Clock, catalog: Catalog) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        # Called for each price alert that fires.
        self.hooks: list[AlertHook] = []

    async def add(self, customer_id: str, symbol: str, price: int) -> dict[str, Any]:
        """Alert when the price crosses ``price`` from where it is now."""
        instrument = self._catalog.instrument(symbol)
        if price <= 0:
            raise InvalidInput("invalid_price", "The alert price must be more than zero.")
        last = self._catalog.quote(instrument.symbol).last
        direction = "above" if price >= last else "below"
        row = {
            "id": new_id("alr"),
            "customer_id": customer_id,
            "symbol": instrument.symbol,
            "direction": direction,
            "price": price,
            "status": "active",
            "created_at": self._clock.now(),
            "triggered_at": None,
        }
        async with self._db.writing() as conn:
            await conn.execute(insert(schema.price_alerts).values(**row))
        return alert_json(row)

    async def list(self, customer_id: str) -> list[dict[str, Any]]:
        p = schema.price_alerts
        query = (
            select(p)
            .where(p.c.customer_id == customer_id)
            .order_by(p.c.created_at.desc())
            .limit(200)
        )
        async with self._db.reading() as conn:
            return [alert_json(r._asdict()) for r in await conn.execute(query)]

    async def check(self) -> int:
        """Fire every active alert whose price has been crossed; returns how many fired."""
        p = schema.price_alerts
        async with self._db.reading() as conn:
            rows = await conn.execute(select(p).where(p.c.status == "active"))
            active = [r._asdict() for r in rows]
        fired = 0
        now = self._clock.now()
        for alert in active:
            quote = self._catalog.quote(alert["symbol"])
            crossed = (
                quote.last >= alert["price"]
                if alert["direction"] == "above"
                else quote.last <= alert["price"]
            )
            if not crossed:
                continue
            async with self._db.writing() as conn:
                result = await conn.execute(
                    update(p)
                    .where(p.c.id == alert["id"], p.c.status == "active")
                    .values(status="triggered", triggered_at=now)
                )
                if result.rowcount != 1:
                    continue  # another process fired it
                # In the same transaction: the chat notification goes out exactly when
                # (and only when) the alert is marked fired.
                await outbox.append(conn, [_triggered(alert, quote, now)])
            fired += 1
            alert.update(status="triggered", triggered_at=now)
            for hook in self.hooks:
                await hook(alert_json(alert), quote)
        return fired


def _triggered(alert: dict[str, Any], quote: Quote, now: datetime) -> Event:
    went = "went above" if alert["direction"] == "above" else "fell below"
    summary = (
        f"{alert['symbol']} {went} {format_minor(alert['price'])}: "
        f"it is {format_minor(quote.last)} now."
    )
    data = {
        "alert_id": alert["id"],
        "symbol": alert["symbol"],
        "direction": alert["direction"],
        "price": {"minor": alert["price"], "currency": "INR"},
        "last": {"minor": quote.last, "currency": "INR"},
        "summary": summary,
    }
    return Event(ALERT_TRIGGERED, alert["customer_id"], data, now, subject_id=alert["id"])
