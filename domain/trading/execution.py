"""Order execution: placing, filling, cancelling and expiring orders.

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
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from domain import schema
from domain.banking.commands import PlaceOrderHold, SettleTrade, VoidHold
from domain.banking.engine import MoneyEngine
from domain.clock import Clock
from domain.db import Database
from domain.errors import Conflict, DomainError, InvalidInput, Rejected
from domain.ids import new_id
from domain.money import Money
from domain.trading import orders as rules
from domain.trading.accounts import TradingAccounts
from domain.trading.catalog import Catalog
from domain.trading.charges import ChargeRates, Charges, delivery_charges
from domain.trading.history import OrderHistory
from domain.trading.holdings import Holdings
from domain.trading.instruments import Instrument
from domain.trading.journal import Entry, Journal
from domain.trading.market import Quote, order_session, session_close
from domain.trading.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from domain.trading.records import Trade, fill_entry, new_order_row, order_values

# A buy's hold outlives its order by a day, so only the order ever releases it.
_HOLD_GRACE = timedelta(days=1)


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


class OrderDesk:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        engine: MoneyEngine,
        catalog: Catalog,
        accounts: TradingAccounts,
        history: OrderHistory,
        holdings: Holdings,
        *,
        rates: ChargeRates,
        max_fill: int,
        journal_batch: int,
    ) -> None:
        self._db = db
        self._clock = clock
        self._engine = engine
        self._catalog = catalog
        self._accounts = accounts
        self._history = history
        self._holdings = holdings
        self.rates = rates
        self.max_fill = max_fill
        self._journal = Journal(db, max_batch=journal_batch)
        self._locks: dict[str, asyncio.Lock] = {}

    async def close(self) -> None:
        await self._journal.close()

    def _lock(self, customer_id: str) -> asyncio.Lock:
        lock = self._locks.get(customer_id)
        if lock is None:
            lock = self._locks[customer_id] = asyncio.Lock()
        return lock

    # -- estimates -------------------------------------------------------------------

    def estimate(self, request: OrderRequest) -> Estimate:
        """Validate a request and price it as a confirmation would show it."""
        instrument = self._catalog.instrument(request.symbol)
        request = replace(request, symbol=instrument.symbol)
        quote = self._catalog.quote(instrument.symbol)
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

    # -- placing ---------------------------------------------------------------------

    async def place_order(
        self, customer_id: str, client_order_id: str, request: OrderRequest
    ) -> Order:
        """Validate, reserve, and (when the market allows) fill at once."""
        if not client_order_id or len(client_order_id) > 255:
            raise InvalidInput(
                "invalid_client_order_id", "Give a client order id (Idempotency-Key)."
            )
        instrument = self._catalog.instrument(request.symbol)
        request = replace(request, symbol=instrument.symbol)
        async with self._lock(customer_id):
            used = await self._history.used_client_ids(customer_id)
            if client_order_id in used:
                existing = await self._history.by_client_id(customer_id, client_order_id)
                if existing is not None:
                    return _replayed(existing, request)
            quote = self._catalog.quote(instrument.symbol)
            rules.validate(request, instrument, quote)
            account_id = await self._accounts.trading_account(customer_id)
            now = self._clock.now()
            if request.side is Side.SELL:
                await self._holdings.check_sellable(
                    customer_id, instrument.symbol, request.quantity
                )
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
            try:
                await self._journal.write(
                    Entry(new_order=new_order_row(order, request), **fill_entry(order, fill))
                )
                used.add(client_order_id)
            except IntegrityError:
                existing = await self._history.by_client_id(customer_id, client_order_id)
                if existing is None:
                    raise
                return _replayed(existing, request)
            return order

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

    async def _save(self, order: Order, trade: Trade | None = None) -> None:
        update = {"b_id": order.id, **order_values(order)}
        await self._journal.write(Entry(order_update=update, **fill_entry(order, trade)))

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

    # -- cancelling and matching -----------------------------------------------------

    async def cancel_order(self, customer_id: str, order_id: str) -> Order:
        async with self._lock(customer_id):
            order = await self._history.order(customer_id, order_id)
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
        now = self._clock.now()
        live = await self._history.live()
        changed = 0
        quotes: dict[str, Quote] = {}
        for stale in live:
            async with self._lock(stale.customer_id):
                fresh = await self._history.order(stale.customer_id, stale.id)
                if not fresh.live:
                    continue
                if fresh.valid_until <= now:
                    await self._finish(fresh, OrderStatus.EXPIRED, "Expired at the close.")
                    changed += 1
                    continue
                quote = quotes.get(fresh.symbol)
                if quote is None:
                    quote = quotes[fresh.symbol] = self._catalog.quote(fresh.symbol)
                if not quote.market_open:
                    continue
                was_triggered = fresh.triggered
                try:
                    trade = await self._fill(fresh, self._catalog.by_symbol[fresh.symbol], quote)
                except Rejected as err:
                    await self._finish(fresh, OrderStatus.REJECTED, err.message[:200])
                    changed += 1
                    continue
                if trade is not None or fresh.triggered != was_triggered:
                    await self._save(fresh, trade)
                    changed += 1
        return changed


def _replayed(existing: Order, request: OrderRequest) -> Order:
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
