"""Orders: the rules of placing and filling them, without I/O.

    open ──► partially_filled ──► filled
      │            │
      ├────────────┴──► cancelled   (by the customer; the rest of the hold is released)
      ├──► rejected                 (refused when it came to fill: funds or shares gone)
      └──► expired                  (day orders at the close of their session)

Market orders trade only while the market is open. Limit and stop-loss
orders placed outside hours are after-market orders (AMO): they rest until
the next session opens and expire at its close. Every price is on the
instrument's tick and inside the day's band (±20% of the previous close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import InvalidInput, Rejected
from domain.money import format_minor
from domain.trading.instruments import Instrument
from domain.trading.market import Quote

BAND_PCT = 20
MAX_QUANTITY = 1_000_000
# Slippage on market fills, in basis points of the last price, always against the customer.
SLIPPAGE_BPS = 5
# What a market buy reserves above the last price, so the fill and its charges fit the hold.
MARKET_BUFFER_BPS = 100


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP_LOSS = "stop_loss"


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"


LIVE = (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    symbol: str
    side: Side
    quantity: int
    order_type: OrderType
    limit_price: int | None = None
    trigger_price: int | None = None

    def fingerprint(self) -> str:
        return (
            f"{self.symbol}|{self.side}|{self.quantity}|{self.order_type}|"
            f"{self.limit_price}|{self.trigger_price}"
        )


@dataclass(slots=True)
class Order:
    id: str
    customer_id: str
    client_order_id: str
    account_id: str
    symbol: str
    side: Side
    order_type: OrderType
    quantity: int
    limit_price: int | None
    trigger_price: int | None
    status: OrderStatus
    filled_quantity: int
    filled_value: int
    charges: int
    hold_id: str | None
    amo: bool
    triggered: bool
    valid_until: datetime
    reason: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled_quantity

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def average_price(self) -> int | None:
        if not self.filled_quantity:
            return None
        return (self.filled_value + self.filled_quantity // 2) // self.filled_quantity

    def to_json(self) -> dict[str, Any]:
        def m(minor: int | None) -> dict[str, Any] | None:
            return None if minor is None else {"minor": minor, "currency": "INR"}

        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "order_type": self.order_type.value,
            "quantity": self.quantity,
            "limit_price": m(self.limit_price),
            "trigger_price": m(self.trigger_price),
            "status": self.status.value,
            "filled_quantity": self.filled_quantity,
            "average_price": m(self.average_price),
            "charges": m(self.charges),
            "amo": self.amo,
            "valid_until": self.valid_until.isoformat(),
            "reason": self.reason,
            "account_id": self.account_id,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


# -- validation ------------------------------------------------------------------------


def _on_tick(price: int, instrument: Instrument, what: str) -> None:
    if price <= 0:
        raise InvalidInput("invalid_price", f"The {what} must be more than zero.")
    tick = instrument.tick_size_minor
    if price % tick:
        raise InvalidInput(
            "invalid_tick",
            f"The {what} {format_minor(price)} is not a multiple of the tick size "
            f"{format_minor(tick)} for {instrument.symbol}.",
        )


def band(reference: int) -> tuple[int, int]:
    """The day's price band around the previous close, in paise (inclusive)."""
    return reference - reference * BAND_PCT // 100, reference + reference * BAND_PCT // 100


def validate(request: OrderRequest, instrument: Instrument, quote: Quote) -> None:
    """Refuse a malformed order or one outside the rules; ``quote`` gives the band and hours."""
    q = request.quantity
    if isinstance(q, bool) or not isinstance(q, int) or q <= 0:
        raise InvalidInput("invalid_quantity", "The quantity must be a whole number above zero.")
    if q > MAX_QUANTITY:
        raise InvalidInput("invalid_quantity", f"At most {MAX_QUANTITY:,} shares an order.")
    if q % instrument.lot_size:
        raise InvalidInput(
            "invalid_quantity", f"{instrument.symbol} trades in lots of {instrument.lot_size}."
        )
    kind = request.order_type
    if kind is OrderType.MARKET:
        if request.limit_price is not None or request.trigger_price is not None:
            raise InvalidInput("invalid_price", "A market order takes no limit or trigger price.")
        if not quote.market_open:
            raise Rejected(
                "market_closed",
                "The market is closed (NSE trades 09:15-15:30 IST on weekdays), so a market "
                "order can't be placed now. Place a limit order instead; it will wait for "
                "the next session.",
            )
        return
    if kind is OrderType.LIMIT:
        if request.limit_price is None:
            raise InvalidInput("missing_limit_price", "A limit order needs a limit price.")
        if request.trigger_price is not None:
            raise InvalidInput("invalid_price", "A limit order takes no trigger price.")
    if kind is OrderType.STOP_LOSS and request.trigger_price is None:
        raise InvalidInput("missing_trigger_price", "A stop-loss order needs a trigger price.")
    # The band applies to the session the order will trade in.
    reference = quote.prev_close if quote.market_open else quote.last
    low, high = band(reference)
    for what, price in (("limit price", request.limit_price), ("trigger", request.trigger_price)):
        if price is None:
            continue
        _on_tick(price, instrument, what)
        if not low <= price <= high:
            raise Rejected(
                "outside_price_band",
                f"The {what} {format_minor(price)} is outside today's band for "
                f"{instrument.symbol} ({format_minor(low)} to {format_minor(high)}).",
            )
    if kind is OrderType.STOP_LOSS and request.limit_price is not None:
        assert request.trigger_price is not None
        if request.side is Side.SELL and request.limit_price > request.trigger_price:
            raise InvalidInput(
                "invalid_price", "A stop-loss sell's limit must be at or below its trigger."
            )
        if request.side is Side.BUY and request.limit_price < request.trigger_price:
            raise InvalidInput(
                "invalid_price", "A stop-loss buy's limit must be at or above its trigger."
            )


def reserve_price(request: OrderRequest, quote: Quote, tick: int) -> int:
    """The per-share price a buy's hold is computed at: the worst it may fill at."""
    if request.limit_price is not None:
        return request.limit_price
    base = max(quote.last, request.trigger_price or 0)
    buffered = base + (base * MARKET_BUFFER_BPS + 9_999) // 10_000
    return -(-buffered // tick) * tick


# -- filling -------------------------------------------------------------------------


def triggered(order: Order, quote: Quote) -> bool:
    """Has a stop-loss order's trigger been reached by the last price?"""
    if order.order_type is not OrderType.STOP_LOSS or order.triggered:
        return True
    assert order.trigger_price is not None
    if order.side is Side.SELL:
        return quote.last <= order.trigger_price
    return quote.last >= order.trigger_price


def fill_price(order: Order, quote: Quote, tick: int) -> int | None:
    """The price this order fills at against ``quote`` now, or None if it does not."""
    if not quote.market_open or not triggered(order, quote):
        return None
    last = quote.last
    if order.limit_price is None:  # market, or a stop-loss market once triggered
        slip = (last * SLIPPAGE_BPS + 9_999) // 10_000
        if order.side is Side.BUY:
            return -(-(last + slip) // tick) * tick
        return max(tick, (last - slip) // tick * tick)
    if order.side is Side.BUY:
        return last if last <= order.limit_price else None
    return last if last >= order.limit_price else None


def fill_quantity(order: Order, max_fill: int) -> int:
    """How much fills now: the rest of the order, or at most ``max_fill`` shares a pass.

    ``max_fill`` of zero means unlimited; a cap makes large orders fill
    partially over several ticks, as thin books do.
    """
    if max_fill <= 0:
        return order.remaining
    return min(order.remaining, max_fill)
