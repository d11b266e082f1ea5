"""Order execution: placing, filling, cancelling and expiring orders.

Cash never moves here; every step is one money-engine command that carries
the trading rows it implies as its attachment, written by the engine's batch
hook in the same transaction (``journal.write_attached``):

- placing: one ``ExecuteOrder`` holds a buy's cash, settles what fills at
  once (value to the exchange, charges to the bank) and writes the order,
  its trade and the holding. Validation happens before, outside the engine,
  so group commit carries many orders per fsync;
- a resting order filling later: one ``SettleTrade`` with the order update,
  the trade and the holding;
- cancelling or expiring: one ``VoidHold`` with the order's new status.

A crash therefore never leaves money and orders out of step. Idempotency:
an order is keyed by the customer's client order id (``order:<id>``); a
resend with the same request replays the first answer, from this process or
another. Later steps have keys derived from the order (``fill:<id>:<n>``,
``release:``). Orders for one customer are handled one at a time here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import select

from domain import schema
from domain.banking.commands import ExecuteOrder, SettleTrade, VoidHold
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
        """Validate, then reserve and fill (when the market allows) in one engine command."""
        if not client_order_id or len(client_order_id) > 255:
            raise InvalidInput(
                "invalid_client_order_id", "Give a client order id (Idempotency-Key)."
            )
        instrument = self._catalog.instrument(request.symbol)
        if request.symbol != instrument.symbol:
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
            hold = None
            if request.side is Side.BUY:
                price = rules.reserve_price(request, quote, instrument.tick_size_minor)
                value = price * request.quantity
                hold = value + delivery_charges("buy", value, self.rates).total
            fill = (
                self._plan(order, instrument, quote, hold, in_place=True)
                if quote.market_open
                else None
            )
            placed = fill.order if fill is not None else order
            trade = fill.trade if fill is not None else None
            receipt = await self._engine.submit(
                ExecuteOrder(
                    principal_id=customer_id,
                    # Keyed by the client's id: a resend, from this process or another,
                    # replays the first answer instead of placing a second order.
                    idempotency_key=f"order:{client_order_id}",
                    customer_id=customer_id,
                    account_id=account_id,
                    order_id=order.id,
                    request=request.fingerprint(),
                    side=request.side.value,
                    hold=Money(hold) if hold is not None else None,
                    expires_at=order.valid_until + _HOLD_GRACE if hold is not None else None,
                    hold_memo=f"Order: buy {request.quantity} {instrument.symbol}",
                    value=Money(trade.value) if trade else None,
                    charges=Money(trade.charges.total) if trade else None,
                    final=placed.status is OrderStatus.FILLED,
                    memo=_fill_memo(trade) if trade else None,
                    attachment=Entry(
                        new_order=new_order_row(placed, request), **fill_entry(placed, trade)
                    ),
                )
            )
            used.add(client_order_id)
            if receipt.replayed:
                return await self._history.order(customer_id, receipt.id)
            hold_doc = receipt.result.get("hold")
            placed.hold_id = hold_doc["id"] if isinstance(hold_doc, dict) else None
            return placed

    # -- filling -------------------------------------------------------------------

    def _plan(
        self,
        order: Order,
        instrument: Instrument,
        quote: Quote,
        room: int | None,
        *,
        in_place: bool = False,
    ) -> _Fill | None:
        """What of ``order`` fills against ``quote`` now, within ``room`` of held cash.

        Returns the order as it would stand after the fill (``order`` itself is not
        changed unless ``in_place``: an order being placed, not yet stored), or None
        if nothing fills; ``short`` means a buy whose hold no longer covers a share.
        """
        after = order if in_place else replace(order)
        if not after.triggered and rules.triggered(after, quote):
            after.triggered = True
            after.updated_at = self._clock.now()
        price = rules.fill_price(after, quote, instrument.tick_size_minor)
        if price is None:
            return _Fill(after, None) if after.triggered != order.triggered else None
        quantity = rules.fill_quantity(after, self.max_fill)
        side = after.side.value
        charges: Charges | None = None
        if after.side is Side.BUY:
            room = room or 0
            while quantity > 0:
                cost = price * quantity
                charges = delivery_charges(side, cost, self.rates)
                if cost + charges.total <= room:
                    break
                charges = None
                quantity = min(quantity - 1, room * quantity // (cost + 1))
            if quantity <= 0:
                return _Fill(after, None, short=True)
        value = price * quantity
        if charges is None:  # a buy's were worked out for this quantity above
            charges = delivery_charges(side, value, self.rates)
        now = self._clock.now()
        final = quantity == after.remaining
        after.filled_quantity += quantity
        after.filled_value += value
        after.charges += charges.total
        after.status = OrderStatus.FILLED if final else OrderStatus.PARTIALLY_FILLED
        after.updated_at = now
        trade = Trade(
            id=new_id("trd"),
            order_id=after.id,
            symbol=after.symbol,
            side=after.side,
            quantity=quantity,
            price=price,
            value=value,
            charges=charges,
            transfer_id=None,  # the settlement's, filled in as the rows are written
            executed_at=now,
        )
        return _Fill(after, trade)

    async def _fill(self, order: Order, instrument: Instrument, quote: Quote) -> Order | None:
        """Settle what of a resting ``order`` fills now, its rows in the same transaction.

        Returns the order as it now stands, or None if nothing changed.
        """
        room = await self._hold_room(order) if order.side is Side.BUY else None
        fill = self._plan(order, instrument, quote, room)
        if fill is None:
            return None
        if fill.short:
            await self._finish(
                fill.order, OrderStatus.REJECTED, "The price moved beyond the funds held."
            )
            return fill.order
        trade = fill.trade
        if trade is None:  # a stop-loss triggered, with nothing to fill yet
            await self._save(fill.order)
            return fill.order
        after = fill.order
        await self._engine.submit(
            SettleTrade(
                principal_id=order.customer_id,
                # Keyed by the client's id, so two processes racing on one order
                # replay one settlement instead of paying twice.
                idempotency_key=f"fill:{order.client_order_id}:{order.filled_quantity}",
                customer_id=order.customer_id,
                account_id=order.account_id,
                side=order.side.value,
                value=Money(trade.value),
                charges=Money(trade.charges.total),
                hold_id=order.hold_id if order.side is Side.BUY else None,
                final=after.status is OrderStatus.FILLED,
                memo=_fill_memo(trade),
                attachment=Entry(
                    order_update={"b_id": after.id, **order_values(after)},
                    **fill_entry(after, trade),
                ),
            )
        )
        return after

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

    async def _save(self, order: Order) -> None:
        await self._journal.write(Entry(order_update={"b_id": order.id, **order_values(order)}))

    async def _finish(self, order: Order, status: OrderStatus, reason: str | None) -> None:
        """End a live order: release what is left of its hold and record the outcome together."""
        order.status = status
        order.reason = reason
        order.updated_at = self._clock.now()
        if order.hold_id is not None:
            entry = Entry(order_update={"b_id": order.id, **order_values(order)})
            try:
                receipt = await self._engine.submit(
                    VoidHold(
                        principal_id=order.customer_id,
                        idempotency_key=f"release:{order.id}",
                        customer_id=order.customer_id,
                        hold_id=order.hold_id,
                        attachment=entry,
                    )
                )
            except DomainError as err:
                if err.code != "hold_not_pending":
                    raise
            else:
                if not receipt.replayed:
                    return
        # No hold to release (a sell), or it was released already: the row alone.
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
                try:
                    after = await self._fill(fresh, self._catalog.by_symbol[fresh.symbol], quote)
                except Rejected as err:
                    await self._finish(fresh, OrderStatus.REJECTED, err.message[:200])
                    changed += 1
                    continue
                changed += after is not None
        return changed


@dataclass(frozen=True, slots=True)
class _Fill:
    order: Order  # as it stands after the fill
    trade: Trade | None
    short: bool = False  # a buy whose hold no longer covers one share


def _fill_memo(trade: Trade) -> str:
    return f"{trade.side.value.title()} {trade.quantity} {trade.symbol} @ {trade.price / 100:.2f}"


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
