"""Orders and trades as stored: one order, a customer's orders, their trades."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from domain import schema
from domain.db import Database
from domain.errors import NotFound
from domain.trading import orders as rules
from domain.trading.orders import Order
from domain.trading.records import Trade, order_from_row, trade_from_row

_o = schema.trading_orders
# The look-ups on the order path, built once: constructing them cost more than running them.
_CLIENT_IDS = "SELECT client_order_id FROM trading_orders WHERE customer_id = ?"
_BY_CLIENT_ID = select(_o).where(
    _o.c.customer_id == bindparam("customer_id"),
    _o.c.client_order_id == bindparam("client_order_id"),
)


class OrderHistory:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Client order ids already used, per customer (loaded once, then kept here);
        # the unique index still settles a race between processes.
        self._client_ids: dict[str, set[str]] = {}

    async def order(self, customer_id: str, order_id: str) -> Order:
        o = schema.trading_orders
        async with self._db.reading() as conn:
            row = (
                await conn.execute(
                    select(o).where(o.c.id == order_id, o.c.customer_id == customer_id)
                )
            ).first()
        if row is None:
            raise NotFound("order_not_found", "No such order.")
        return order_from_row(row)

    async def orders(
        self, customer_id: str, *, live_only: bool = False, limit: int = 100
    ) -> list[Order]:
        o = schema.trading_orders
        query = select(o).where(o.c.customer_id == customer_id)
        if live_only:
            query = query.where(o.c.status.in_([s.value for s in rules.LIVE]))
        query = query.order_by(o.c.created_at.desc(), o.c.id.desc()).limit(limit)
        async with self._db.reading() as conn:
            return [order_from_row(r) for r in await conn.execute(query)]

    async def live(self) -> list[Order]:
        """Every open or partly filled order, oldest id first."""
        o = schema.trading_orders
        query = select(o).where(o.c.status.in_([s.value for s in rules.LIVE])).order_by(o.c.id)
        async with self._db.reading() as conn:
            return [order_from_row(r) for r in await conn.execute(query)]

    async def trades(
        self, customer_id: str, *, order_id: str | None = None, limit: int = 200
    ) -> list[Trade]:
        t = schema.trading_trades
        query = select(t).where(t.c.customer_id == customer_id)
        if order_id is not None:
            query = query.where(t.c.order_id == order_id)
        query = query.order_by(t.c.executed_at.desc(), t.c.id.desc()).limit(limit)
        async with self._db.reading() as conn:
            return [trade_from_row(r) for r in await conn.execute(query)]

    async def used_client_ids(self, customer_id: str) -> set[str]:
        used = self._client_ids.get(customer_id)
        if used is None:
            # Indexed by (customer_id, client_order_id), and once per customer.
            used = {r[0] for r in await self._db.lookup_rows(_CLIENT_IDS, (customer_id,))}
            self._client_ids[customer_id] = used
        return used

    async def by_client_id(self, customer_id: str, client_order_id: str) -> Order | None:
        params = {"customer_id": customer_id, "client_order_id": client_order_id}
        async with self._db.lookup() as conn:
            row = (await conn.execute(_BY_CLIENT_ID, params)).first()
        return order_from_row(row) if row is not None else None
