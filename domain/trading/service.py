"""Trading use cases behind both the REST API and the assistant.

One object that the channels hold; the work is done by the parts it is built
from, each in its own module:

    catalog.Catalog          instruments by symbol or alias, and their quotes
    accounts.TradingAccounts the bank's exchange and charges accounts, trading cash
    execution.OrderDesk      placing, filling, cancelling and expiring orders
    history.OrderHistory     orders and trades as stored
    holdings.Holdings        holdings, the portfolio, what may be sold
    alerts.PriceAlerts       price alerts and firing them
"""

from __future__ import annotations

from typing import Any

from domain.banking.engine import MoneyEngine
from domain.clock import Clock
from domain.db import Database
from domain.trading.accounts import TradingAccounts
from domain.trading.alerts import AlertHook, PriceAlerts
from domain.trading.catalog import Catalog
from domain.trading.charges import ChargeRates
from domain.trading.execution import Estimate, OrderDesk
from domain.trading.history import OrderHistory
from domain.trading.holdings import Holdings
from domain.trading.instruments import Instrument
from domain.trading.journal import write_attached
from domain.trading.market import MarketData, Quote
from domain.trading.orders import Order, OrderRequest
from domain.trading.portfolio import Holding, Portfolio
from domain.trading.records import Trade

__all__ = ["AlertHook", "Estimate", "Trade", "TradingService"]


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
        self.feed = feed
        self._catalog = Catalog(feed, instruments)
        self._accounts = TradingAccounts(db, clock)
        self._history = OrderHistory(db)
        self._holdings = Holdings(db, clock, self._catalog, self._accounts.cash)
        self._desk = OrderDesk(
            db,
            clock,
            engine,
            self._catalog,
            self._accounts,
            self._history,
            self._holdings,
            rates=rates or ChargeRates(),
            max_fill=max_fill,
            journal_batch=journal_batch,
        )
        self._alerts = PriceAlerts(db, clock, self._catalog)
        # Orders, trades and holdings ride on the money commands that move their cash;
        # this hook writes them in the engine's transaction. The composition root
        # builds trading before the audit log, whose hook must run last.
        if write_attached not in engine.batch_hooks:
            engine.batch_hooks.append(write_attached)

    async def close(self) -> None:
        await self._desk.close()

    @property
    def rates(self) -> ChargeRates:
        return self._desk.rates

    @rates.setter
    def rates(self, rates: ChargeRates) -> None:
        self._desk.rates = rates

    @property
    def max_fill(self) -> int:
        """Most shares one order fills per pass (zero: no cap)."""
        return self._desk.max_fill

    @max_fill.setter
    def max_fill(self, shares: int) -> None:
        self._desk.max_fill = shares

    @property
    def alert_hooks(self) -> list[AlertHook]:
        """Called for each price alert that fires."""
        return self._alerts.hooks

    # -- set-up, instruments, quotes, cash ------------------------------------------

    async def ensure_accounts(self) -> None:
        """Create the bank's exchange and charges accounts if a database lacks them."""
        await self._accounts.ensure_bank_accounts()

    def instruments(self) -> list[Instrument]:
        return self._catalog.instruments()

    def instrument(self, name: str) -> Instrument:
        """By symbol or any alias ("infosys", "hdfc bank"); NotFound otherwise."""
        return self._catalog.instrument(name)

    def quote(self, symbol: str) -> Quote:
        return self._catalog.quote(symbol)

    async def trading_account(self, customer_id: str) -> str:
        return await self._accounts.trading_account(customer_id)

    async def cash(self, customer_id: str) -> int:
        """Trading cash available (balance less holds); zero without an account."""
        return await self._accounts.cash(customer_id)

    # -- orders ---------------------------------------------------------------------

    def estimate(self, request: OrderRequest) -> Estimate:
        """Validate a request and price it as a confirmation would show it."""
        return self._desk.estimate(request)

    async def place_order(
        self, customer_id: str, client_order_id: str, request: OrderRequest
    ) -> Order:
        """Validate, reserve, and (when the market allows) fill at once."""
        return await self._desk.place_order(customer_id, client_order_id, request)

    async def cancel_order(self, customer_id: str, order_id: str) -> Order:
        return await self._desk.cancel_order(customer_id, order_id)

    async def match(self) -> int:
        """One pass over live orders: fill what the market allows, expire what has closed."""
        return await self._desk.match()

    async def order(self, customer_id: str, order_id: str) -> Order:
        return await self._history.order(customer_id, order_id)

    async def orders(
        self, customer_id: str, *, live_only: bool = False, limit: int = 100
    ) -> list[Order]:
        return await self._history.orders(customer_id, live_only=live_only, limit=limit)

    async def trades(
        self, customer_id: str, *, order_id: str | None = None, limit: int = 200
    ) -> list[Trade]:
        return await self._history.trades(customer_id, order_id=order_id, limit=limit)

    # -- holdings ---------------------------------------------------------------------

    async def transfer_in(self, customer_id: str, symbol: str, quantity: int, cost: int) -> bool:
        """Record shares moved in from another depository account; False if already held."""
        return await self._holdings.transfer_in(customer_id, symbol, quantity, cost)

    async def holdings(self, customer_id: str) -> list[Holding]:
        return await self._holdings.holdings(customer_id)

    async def portfolio(self, customer_id: str) -> Portfolio:
        return await self._holdings.portfolio(customer_id)

    # -- price alerts -----------------------------------------------------------------

    async def add_alert(self, customer_id: str, symbol: str, price: int) -> dict[str, Any]:
        """Alert when the price crosses ``price`` from where it is now."""
        return await self._alerts.add(customer_id, symbol, price)

    async def alerts(self, customer_id: str) -> list[dict[str, Any]]:
        return await self._alerts.list(customer_id)

    async def check_alerts(self) -> int:
        """Fire every active alert whose price has been crossed; returns how many fired."""
        return await self._alerts.check()
