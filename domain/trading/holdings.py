"""Holdings and the portfolio: what a customer owns, what it is worth, what may be sold."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from sqlalchemy import insert, select

from domain import schema
from domain.clock import Clock
from domain.db import Database
from domain.errors import Rejected
from domain.trading import orders as rules
from domain.trading.catalog import Catalog
from domain.trading.market import IST
from domain.trading.portfolio import Holding, Portfolio, TodayTrades, position


class Holdings:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        catalog: Catalog,
        cash: Callable[[str], Awaitable[int]],
    ) -> None:
        self._db = db
        self._clock = clock
        self._catalog = catalog
        self._cash = cash

    async def holdings(self, customer_id: str) -> list[Holding]:
        h = schema.holdings
        query = select(h).where(h.c.customer_id == customer_id).order_by(h.c.symbol)
        async with self._db.reading() as conn:
            return [
                Holding(r.symbol, r.quantity, r.cost, r.realised_pnl)
                for r in await conn.execute(query)
            ]

    async def check_sellable(self, customer_id: str, symbol: str, quantity: int) -> None:
        """Refuse a sell of more than is held less what open sell orders already commit."""
        h, o = schema.holdings, schema.trading_orders
        async with self._db.reading() as conn:
            held = (
                await conn.execute(
                    select(h.c.quantity).where(h.c.customer_id == customer_id, h.c.symbol == symbol)
                )
            ).scalar() or 0
            pending = await conn.execute(
                select(o.c.quantity, o.c.filled_quantity).where(
                    o.c.customer_id == customer_id,
                    o.c.symbol == symbol,
                    o.c.side == "sell",
                    o.c.status.in_([s.value for s in rules.LIVE]),
                )
            )
            committed = sum(q - f for q, f in pending)
        free = held - committed
        if quantity > free:
            extra = f" ({committed} already in open sell orders)" if committed else ""
            raise Rejected(
                "insufficient_holdings",
                f"You can sell at most {max(free, 0)} {symbol}{extra}; "
                f"you asked to sell {quantity}.",
            )

    async def transfer_in(self, customer_id: str, symbol: str, quantity: int, cost: int) -> bool:
        """Record shares moved in from another depository account; False if already held."""
        instrument = self._catalog.instrument(symbol)
        h = schema.holdings
        async with self._db.writing() as conn:
            found = (
                await conn.execute(
                    select(h.c.quantity).where(
                        h.c.customer_id == customer_id, h.c.symbol == instrument.symbol
                    )
                )
            ).first()
            if found is not None:
                return False
            await conn.execute(
                insert(h).values(
                    customer_id=customer_id,
                    symbol=instrument.symbol,
                    quantity=quantity,
                    cost=cost,
                    realised_pnl=0,
                    updated_at=self._clock.now(),
                )
            )
        return True

    async def portfolio(self, customer_id: str) -> Portfolio:
        holdings = await self.holdings(customer_id)
        now = self._clock.now()
        local = now.astimezone(IST)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        t = schema.trading_trades
        today: dict[str, TodayTrades] = {}
        async with self._db.reading() as conn:
            rows = await conn.execute(
                select(t.c.symbol, t.c.side, t.c.quantity, t.c.value).where(
                    t.c.customer_id == customer_id, t.c.executed_at >= start
                )
            )
            for symbol, side, qty, value in rows:
                d = today.get(symbol, TodayTrades())
                if side == "buy":
                    d = replace(
                        d, bought_qty=d.bought_qty + qty, bought_value=d.bought_value + value
                    )
                else:
                    d = replace(d, sold_qty=d.sold_qty + qty, sold_value=d.sold_value + value)
                today[symbol] = d
        positions = []
        closed = 0
        for h in holdings:
            if h.quantity == 0:
                closed += h.realised
                continue
            instrument = self._catalog.by_symbol.get(h.symbol)
            quote = self._catalog.quote(h.symbol)
            name = instrument.name if instrument else h.symbol
            positions.append(position(h, name, quote, today.get(h.symbol, TodayTrades())))
        return Portfolio(tuple(positions), await self._cash(customer_id), closed)
