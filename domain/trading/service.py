"""Trading use cases behind both the REST API and the assistant.

Cash never moves here: a buy reserves trading cash with a hold, and each fill
is one ``SettleTrade`` command for the money engine (value to the exchange,
charges to the bank, atomically). Orders, trades and holdings are written
after the engine's receipt, through the trading journal.

Idempotency: an order is keyed by the customer's client order id; a resend
with the same request returns the same order. Every engine command an order
issues has a key derived from the order (``order-hold:``, ``fill:<id>:<n>``,
``release:``), so a retried step replays rather than moving money twice.
Orders for one customer are handled one at a time in this process.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from domain import schema
from domain.banking.commands import PlaceOrderHold, SettleTrade, VoidHold
from domain.banking.engine import MoneyEngine
from domain.banking.model import CHARGES_ACCOUNT_ID, EXCHANGE_ACCOUNT_ID, AccountType
from domain.clock import Clock
from domain.db import Database
from domain.errors import Conflict, DomainError, InvalidInput, NotFound, Rejected
from domain.ids import new_id
from domain.money import Money
from domain.trading import orders as rules
from domain.trading.charges import ChargeRates, Charges, delivery_charges
from domain.trading.instruments import Instrument, load_instruments
from domain.trading.journal import Entry, FillRecord, Journal
from domain.trading.market import IST, MarketData, Quote, order_session, session_close
from domain.trading.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from domain.trading.portfolio import Holding, Portfolio, TodayTrades, position

# A buy's hold outlives its order by a day, so only the order ever releases it.
_HOLD_GRACE = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Trade:
    id: str
    order_id: str
    symbol: str
    side: Side
    quantity: int
    price: int
    value: int
    charges: Charges
    transfer_id: str | None
    executed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "order_id": self.order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "quantity": self.quantity,
            "price": {"minor": self.price, "currency": "INR"},
            "value": {"minor": self.value, "currency": "INR"},
            "charges": self.charges.to_json(),
            "transfer_id": self.transfer_id,
            "executed_at": self.executed_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Estimate:
    """What the chat confirmation shows before an order is placed."""

    instrument: Instrument
    request: OrderRequest
    price: int  # per share the estimate assumes
    value: int
    charges: Charges
    market_open: bool

    @property
    def total(self) -> int:
        """Cash the order takes (a buy) or brings in (a sell), charges included."""
        if self.request.side is Side.BUY:
            return self.value + self.charges.total
        return self.value - self.charges.total


def _hash(request: OrderRequest) -> str:
    return hashlib.sha256(request.fingerprint().encode()).hexdigest()


def _order(row: Any) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        client_order_id=row.client_order_id,
        account_id=row.account_id,
        symbol=row.symbol,
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        quantity=row.quantity,
        limit_price=row.limit_price,
        trigger_price=row.trigger_price,
        status=OrderStatus(row.status),
        filled_quantity=row.filled_quantity,
        filled_value=row.filled_value,
        charges=row.charges,
        hold_id=row.hold_id,
        amo=bool(row.amo),
        triggered=bool(row.triggered),
        valid_until=row.valid_until,
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _trade(row: Any) -> Trade:
    return Trade(
        id=row.id,
        order_id=row.order_id,
        symbol=row.symbol,
        side=Side(row.side),
        quantity=row.quantity,
        price=row.price,
        value=row.value,
        charges=Charges.from_json(json.loads(row.charge_lines)),
        transfer_id=row.transfer_id,
        executed_at=row.executed_at,
    )


def _order_values(o: Order) -> dict[str, Any]:
    return {
        "status": o.status.value,
        "filled_quantity": o.filled_quantity,
        "filled_value": o.filled_value,
        "charges": o.charges,
        "triggered": o.triggered,
        "reason": o.reason,
        "updated_at": o.updated_at,
    }


AlertHook = Callable[[dict[str, Any], Quote], Awaitable[None]]


class TradingService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        engine: MoneyEngine,
        feed: MarketData,
        *,
        rates: ChargeRates | None = None,
        max_fill: int = 0,
        instruments: tuple[Instrument, ...] | None = None,
        journal_batch: int = 512,
    ) -> None:
        self._db = db
        self._clock = clock
        self._engine = engine
        self.feed = feed
        self.rates = rates or ChargeRates()
        self.max_fill = max_fill
        self._instruments = {i.symbol: i for i in (instruments or load_instruments())}
        self._aliases = {name: i for i in self._instruments.values() for name in i.names}
        self._journal = Journal(db, max_batch=journal_batch)
        self._locks: dict[str, asyncio.Lock] = {}
        self._accounts: dict[str, str] = {}
        # Client order ids already used, per customer (loaded once, then kept here);
        # the unique index still settles a race between processes.
        self._client_ids: dict[str, set[str]] = {}
        # Called for each price alert that fires (chat notifications plug in here).
        self.alert_hooks: list[AlertHook] = []

    async def close(self) -> None:
        await self._journal.close()

    # -- set-up ------------------------------------------------------------------

    async def ensure_accounts(self) -> None:
        """Create the bank's exchange and charges accounts if a database lacks them."""
        a = schema.accounts
        async with self._db.writing() as conn:
            have = {
                r[0]
                for r in await conn.execute(
                    select(a.c.id).where(a.c.id.in_([EXCHANGE_ACCOUNT_ID, CHARGES_ACCOUNT_ID]))
                )
            }
            for account_id, name, number in (
                (EXCHANGE_ACCOUNT_ID, "NSE clearing (trades)", "000000000002"),
                (CHARGES_ACCOUNT_ID, "Trading charges collected", "000000000003"),
            ):
                if account_id not in have:
                    await conn.execute(
                        insert(a).values(
                            id=account_id,
                            customer_id=None,
                            type=AccountType.SETTLEMENT.value,
                            name=name,
                            number=number,
                            currency="INR",
                            balance=0,
                            held=0,
                            no_overdraft=False,
                            created_at=self._clock.now(),
                        )
                    )

    # -- instruments and quotes ----------------------------------------------------

    def instruments(self) -> list[Instrument]:
        return list(self._instruments.values())

    def instrument(self, name: str) -> Instrument:
        """By symbol or any alias ("infosys", "hdfc bank"); NotFound otherwise."""
        found = self._instruments.get(name.strip().upper()) or self._aliases.get(
            name.strip().lower()
        )
        if found is None:
            raise NotFound("unknown_symbol", f"I don't know the symbol “{name.strip()}”.")
        return found

    def quote(self, symbol: str) -> Quote:
        instrument = self.instrument(symbol)
        try:
            return self.feed.quote(instrument.symbol)
        except KeyError:
            raise NotFound("no_quote", f"No price for {instrument.symbol} yet.") from None

    # -- accounts ------------------------------------------------------------------

    async def trading_account(self, customer_id: str) -> str:
        cached = self._accounts.get(customer_id)
        if cached is not None:
            return cached
        a = schema.accounts
        query = (
            select(a.c.id)
            .where(a.c.customer_id == customer_id, a.c.type == AccountType.TRADING.value)
            .order_by(a.c.created_at, a.c.id)
            .limit(1)
        )
        async with self._db.reading() as conn:
            account_id = (await conn.execute(query)).scalar()
        if account_id is None:
            raise Rejected(
                "no_trading_account", "You don't have a trading account yet, so you can't trade."
            )
        self._accounts[customer_id] = account_id
        return str(account_id)

    async def cash(self, customer_id: str) -> int:
        """Trading cash available (balance less holds); zero without an account."""
        a = schema.accounts
        query = select(a.c.balance, a.c.held).where(
            a.c.customer_id == customer_id, a.c.type == AccountType.TRADING.value
        )
        async with self._db.reading() as conn:
            return sum(b - h for b, h in await conn.execute(query))

    def _lock(self, customer_id: str) -> asyncio.Lock:
        lock = self._locks.get(customer_id)
        if lock is None:
            lock = self._locks[customer_id] = asyncio.Lock()
        return lock

    # -- estimates -------------------------------------------------------------------

    def estimate(self, request: OrderRequest) -> Estimate:
        """Validate a request and price it as a confirmation would show it."""
        instrument = self.instrument(request.symbol)
        request = replace(request, symbol=instrument.symbol)
        quote = self.quote(instrument.symbol)
        rules.validate(request, instrument, quote)
        tick = instrument.tick_size_minor
        if request.side is Side.BUY:
            price = rules.reserve_price(request, quote, tick)
        else:
            price = request.limit_price or request.trigger_price or quote.last
        value = price * request.quantity
        return Estimate(
            instrument,
            request,
            price,
            value,
            delivery_charges(request.side.value, value, self.rates),
            quote.market_open,
        )

    # -- orders --------------------------------------------------------------------

    async def place_order(
        self, customer_id: str, client_order_id: str, request: OrderRequest
    ) -> Order:
        """Validate, reserve, and (when the market allows) fill at once."""
        if not client_order_id or len(client_order_id) > 255:
            raise InvalidInput(
                "invalid_client_order_id", "Give a client order id (Idempotency-Key)."
            )
        instrument = self.instrument(request.symbol)
        request = replace(request, symbol=instrument.symbol)
        async with self._lock(customer_id):
            used = await self._used_client_ids(customer_id)
            if client_order_id in used:
                existing = await self._by_client_id(customer_id, client_order_id)
                if existing is not None:
                    return self._replayed(existing, request)
            quote = self.quote(instrument.symbol)
            rules.validate(request, instrument, quote)
            account_id = await self.trading_account(customer_id)
            now = self._clock.now()
            if request.side is Side.SELL:
                await self._check_holdings(customer_id, instrument.symbol, request.quantity)
            order = Order(
                id=new_id("ord"),
                customer_id=customer_id,
                client_order_id=client_order_id,
                account_id=account_id,
                symbol=instrument.symbol,
                side=request.side,
                order_type=request.order_type,
                quantity=request.quantity,
                limit_price=request.limit_price,
                trigger_price=request.trigger_price,
                status=OrderStatus.OPEN,
                filled_quantity=0,
                filled_value=0,
                charges=0,
                hold_id=None,
                amo=not quote.market_open,
                triggered=request.order_type is not OrderType.STOP_LOSS,
                valid_until=session_close(order_session(now)),
                reason=None,
                created_at=now,
                updated_at=now,
            )
            if request.side is Side.BUY:
                price = rules.reserve_price(request, quote, instrument.tick_size_minor)
                value = price * request.quantity
                amount = value + delivery_charges("buy", value, self.rates).total
                receipt = await self._engine.submit(
                    PlaceOrderHold(
                        principal_id=customer_id,
                        idempotency_key=f"order-hold:{client_order_id}",
                        customer_id=customer_id,
                        account_id=account_id,
                        amount=Money(amount),
                        expires_at=order.valid_until + _HOLD_GRACE,
                        memo=f"Order: buy {request.quantity} {instrument.symbol}",
                    )
                )
                order.hold_id = receipt.id
            fill = None
            if quote.market_open:
                room = amount if request.side is Side.BUY else None
                fill = await self._fill(order, instrument, quote, room=room)
            new_row = {
                "id": order.id,
                "customer_id": customer_id,
                "client_order_id": client_order_id,
                "request_hash": _hash(request),
                "account_id": account_id,
                "symbol": order.symbol,
                "side": order.side.value,
                "order_type": order.order_type.value,
                "quantity": order.quantity,
                "limit_price": order.limit_price,
                "trigger_price": order.trigger_price,
                "hold_id": order.hold_id,
                "amo": order.amo,
                "valid_until": order.valid_until,
                "created_at": order.created_at,
                **_order_values(order),
            }

            try:
                await self._journal.write(Entry(new_order=new_row, **self._fill_entry(order, fill)))
                used.add(client_order_id)
            except IntegrityError:
                existing = await self._by_client_id(customer_id, client_order_id)
                if existing is None:
                    raise
                return self._replayed(existing, request)
            return order

    def _replayed(self, existing: Order, request: OrderRequest) -> Order:
        probe = OrderRequest(
            existing.symbol,
            existing.side,
            existing.quantity,
            existing.order_type,
            existing.limit_price,
            existing.trigger_price,
        )
        if probe != request:
            raise Conflict(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different order.",
            )
        return existing

    async def _used_client_ids(self, customer_id: str) -> set[str]:
        used = self._client_ids.get(customer_id)
        if used is None:
            o = schema.trading_orders
            query = select(o.c.client_order_id).where(o.c.customer_id == customer_id)
            async with self._db.reading() as conn:
                used = {r[0] for r in await conn.execute(query)}
            self._client_ids[customer_id] = used
        return used

    async def _by_client_id(self, customer_id: str, client_order_id: str) -> Order | None:
        o = schema.trading_orders
        query = select(o).where(
            o.c.customer_id == customer_id, o.c.client_order_id == client_order_id
        )
        async with self._db.reading() as conn:
            row = (await conn.execute(query)).first()
        return _order(row) if row is not None else None

    async def _check_holdings(self, customer_id: str, symbol: str, quantity: int) -> None:
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

    # -- filling -------------------------------------------------------------------

    async def _fill(
        self, order: Order, instrument: Instrument, quote: Quote, *, room: int | None = None
    ) -> Trade | None:
        """Settle what of ``order`` fills against ``quote`` now; updates ``order`` in place."""
        if not order.triggered and rules.triggered(order, quote):
            order.triggered = True
            order.updated_at = self._clock.now()
        tick = instrument.tick_size_minor
        price = rules.fill_price(order, quote, tick)
        if price is None:
            return None
        quantity = rules.fill_quantity(order, self.max_fill)
        side = order.side.value
        if order.side is Side.BUY:
            if room is None:
                room = await self._hold_room(order)
            while quantity > 0:
                cost = price * quantity
                if cost + delivery_charges(side, cost, self.rates).total <= room:
                    break
                quantity = min(quantity - 1, room * quantity // (cost + 1))
            if quantity <= 0:
                await self._finish(
                    order, OrderStatus.REJECTED, "The price moved beyond the funds held."
                )
                return None
        value = price * quantity
        charges = delivery_charges(side, value, self.rates)
        final = quantity == order.remaining
        receipt = await self._engine.submit(
            SettleTrade(
                principal_id=order.customer_id,
                # Keyed by the client's id, so two processes racing on one resend
                # replay one settlement instead of paying twice.
                idempotency_key=f"fill:{order.client_order_id}:{order.filled_quantity}",
                customer_id=order.customer_id,
                account_id=order.account_id,
                side=side,
                value=Money(value),
                charges=Money(charges.total),
                hold_id=order.hold_id if order.side is Side.BUY else None,
                final=final,
                memo=f"{side.title()} {quantity} {order.symbol} @ {price / 100:.2f}",
            )
        )
        now = self._clock.now()
        order.filled_quantity += quantity
        order.filled_value += value
        order.charges += charges.total
        order.status = OrderStatus.FILLED if final else OrderStatus.PARTIALLY_FILLED
        order.updated_at = now
        return Trade(
            id=new_id("trd"),
            order_id=order.id,
            symbol=order.symbol,
            side=order.side,
            quantity=quantity,
            price=price,
            value=value,
            charges=charges,
            transfer_id=receipt.id,
            executed_at=now,
        )

    async def _hold_room(self, order: Order) -> int:
        if order.hold_id is None:
            return 0
        hd = schema.holds
        async with self._db.reading() as conn:
            row = (
                await conn.execute(
                    select(hd.c.amount, hd.c.posted_amount).where(hd.c.id == order.hold_id)
                )
            ).first()
        return 0 if row is None else int(row.amount - row.posted_amount)

    @staticmethod
    def _fill_entry(order: Order, trade: Trade | None) -> dict[str, Any]:
        if trade is None:
            return {}
        return {
            "trade": {
                "id": trade.id,
                "order_id": order.id,
                "customer_id": order.customer_id,
                "symbol": trade.symbol,
                "side": trade.side.value,
                "quantity": trade.quantity,
                "price": trade.price,
                "value": trade.value,
                "charges": trade.charges.total,
                "charge_lines": json.dumps(trade.charges.to_json(), separators=(",", ":")),
                "transfer_id": trade.transfer_id,
                "executed_at": trade.executed_at,
            },
            "fill": FillRecord(
                order.customer_id,
                order.symbol,
                trade.side.value,
                trade.quantity,
                trade.value,
                trade.executed_at,
            ),
        }

    async def _save(self, order: Order, trade: Trade | None = None) -> None:
        update = {"b_id": order.id, **_order_values(order)}
        await self._journal.write(Entry(order_update=update, **self._fill_entry(order, trade)))

    async def _finish(self, order: Order, status: OrderStatus, reason: str | None) -> None:
        """End a live order: release what is left of its hold, then record the outcome."""
        if order.hold_id is not None:
            try:
                await self._engine.submit(
                    VoidHold(
                        principal_id=order.customer_id,
                        idempotency_key=f"release:{order.id}",
                        customer_id=order.customer_id,
                        hold_id=order.hold_id,
                    )
                )
            except DomainError as err:
                if err.code != "hold_not_pending":
                    raise
        order.status = status
        order.reason = reason
        order.updated_at = self._clock.now()
        await self._save(order)

    async def cancel_order(self, customer_id: str, order_id: str) -> Order:
        async with self._lock(customer_id):
            order = await self.order(customer_id, order_id)
            if not order.live:
                raise Rejected(
                    "order_not_open",
                    f"Order {order.id} is already {order.status.value.replace('_', ' ')}; "
                    "it can't be cancelled.",
                )
            await self._finish(order, OrderStatus.CANCELLED, "Cancelled by you.")
            return order

    async def match(self) -> int:
        """One pass over live orders: fill what the market allows, expire what has closed.

        Returns how many orders changed.
        """
        o = schema.trading_orders
        now = self._clock.now()
        async with self._db.reading() as conn:
            rows = await conn.execute(
                select(o).where(o.c.status.in_([s.value for s in rules.LIVE])).order_by(o.c.id)
            )
            live = [_order(r) for r in rows]
        changed = 0
        quotes: dict[str, Quote] = {}
        for stale in live:
            async with self._lock(stale.customer_id):
                fresh = await self.order(stale.customer_id, stale.id)
                if not fresh.live:
                    continue
                if fresh.valid_until <= now:
                    await self._finish(fresh, OrderStatus.EXPIRED, "Expired at the close.")
                    changed += 1
                    continue
                quote = quotes.get(fresh.symbol)
                if quote is None:
                    quote = quotes[fresh.symbol] = self.quote(fresh.symbol)
                if not quote.market_open:
                    continue
                was_triggered = fresh.triggered
                try:
                    trade = await self._fill(fresh, self._instruments[fresh.symbol], quote)
                except Rejected as err:
                    await self._finish(fresh, OrderStatus.REJECTED, err.message[:200])
                    changed += 1
                    continue
                if trade is not None or fresh.triggered != was_triggered:
                    await self._save(fresh, trade)
                    changed += 1
        return changed

    # -- reads ----------------------------------------------------------------------

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
        return _order(row)

    async def orders(
        self, customer_id: str, *, live_only: bool = False, limit: int = 100
    ) -> list[Order]:
        o = schema.trading_orders
        query = select(o).where(o.c.customer_id == customer_id)
        if live_only:
            query = query.where(o.c.status.in_([s.value for s in rules.LIVE]))
        query = query.order_by(o.c.created_at.desc(), o.c.id.desc()).limit(limit)
        async with self._db.reading() as conn:
            return [_order(r) for r in await conn.execute(query)]

    async def trades(
        self, customer_id: str, *, order_id: str | None = None, limit: int = 200
    ) -> list[Trade]:
        t = schema.trading_trades
        query = select(t).where(t.c.customer_id == customer_id)
        if order_id is not None:
            query = query.where(t.c.order_id == order_id)
        query = query.order_by(t.c.executed_at.desc(), t.c.id.desc()).limit(limit)
        async with self._db.reading() as conn:
            return [_trade(r) for r in await conn.execute(query)]

    async def transfer_in(self, customer_id: str, symbol: str, quantity: int, cost: int) -> bool:
        """Record shares moved in from another depository account; False if already held."""
        instrument = self.instrument(symbol)
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

    async def holdings(self, customer_id: str) -> list[Holding]:
        h = schema.holdings
        query = select(h).where(h.c.customer_id == customer_id).order_by(h.c.symbol)
        async with self._db.reading() as conn:
            return [
                Holding(r.symbol, r.quantity, r.cost, r.realised_pnl)
                for r in await conn.execute(query)
            ]

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
            instrument = self._instruments.get(h.symbol)
            quote = self.quote(h.symbol)
            name = instrument.name if instrument else h.symbol
            positions.append(position(h, name, quote, today.get(h.symbol, TodayTrades())))
        return Portfolio(tuple(positions), await self.cash(customer_id), closed)

    # -- price alerts ---------------------------------------------------------------

    async def add_alert(self, customer_id: str, symbol: str, price: int) -> dict[str, Any]:
        """Alert when the price crosses ``price`` from where it is now."""
        instrument = self.instrument(symbol)
        if price <= 0:
            raise InvalidInput("invalid_price", "The alert price must be more than zero.")
        last = self.quote(instrument.symbol).last
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
        return _alert_json(row)

    async def alerts(self, customer_id: str) -> list[dict[str, Any]]:
        p = schema.price_alerts
        query = (
            select(p)
            .where(p.c.customer_id == customer_id)
            .order_by(p.c.created_at.desc())
            .limit(200)
        )
        async with self._db.reading() as conn:
            return [_alert_json(r._asdict()) for r in await conn.execute(query)]

    async def check_alerts(self) -> int:
        """Fire every active alert whose price has been crossed; returns how many fired."""
        p = schema.price_alerts
        async with self._db.reading() as conn:
            rows = await conn.execute(select(p).where(p.c.status == "active"))
            active = [r._asdict() for r in rows]
        fired = 0
        now = self._clock.now()
        for alert in active:
            quote = self.quote(alert["symbol"])
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
            fired += 1
            alert.update(status="triggered", triggered_at=now)
            for hook in self.alert_hooks:
                await hook(_alert_json(alert), quote)
        return fired


def _alert_json(row: dict[str, Any]) -> dict[str, Any]:
    when = row.get("triggered_at")
    return {
        "id": row["id"],
        "symbol": row["symbol"],
        "direction": row["direction"],
        "price": {"minor": row["price"], "currency": "INR"},
        "status": row["status"],
        "created_at": row["created_at"].isoformat(),
        "triggered_at": when.isoformat() if when else None,
    }
