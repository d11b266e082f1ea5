"""Holdings and P&L arithmetic, in integer paise.

Average cost excludes charges (they are shown on contract notes and in the
ledger). Selling part of a holding removes the matching share of its cost,
rounded down, so the last share sold removes exactly what is left and no
paisa is ever lost. Realised P&L is sale value minus the cost removed.

Day P&L counts only what happened since the previous close:

    day = quantity_now * last - opening_quantity * prev_close
          - value bought today + value sold today
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import Rejected
from domain.trading.market import Quote


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: str
    quantity: int
    cost: int
    realised: int = 0

    @property
    def average_cost(self) -> int:
        """Per share, rounded half up to the paisa."""
        if not self.quantity:
            return 0
        return (2 * self.cost + self.quantity) // (2 * self.quantity)


def apply_fill(h: Holding, side: str, quantity: int, value: int) -> Holding:
    """The holding after a fill of ``quantity`` shares for ``value`` paise."""
    if side == "buy":
        return Holding(h.symbol, h.quantity + quantity, h.cost + value, h.realised)
    if quantity > h.quantity:
        raise Rejected(
            "insufficient_holdings", f"You hold {h.quantity} {h.symbol}; cannot sell {quantity}."
        )
    removed = h.cost if quantity == h.quantity else h.cost * quantity // h.quantity
    return Holding(h.symbol, h.quantity - quantity, h.cost - removed, h.realised + value - removed)


@dataclass(frozen=True, slots=True)
class TodayTrades:
    bought_qty: int = 0
    bought_value: int = 0
    sold_qty: int = 0
    sold_value: int = 0


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    name: str
    quantity: int
    average_cost: int
    cost: int
    last: int
    prev_close: int
    market_value: int
    unrealised: int
    day_pnl: int
    realised: int

    @property
    def unrealised_pct(self) -> float:
        return round(self.unrealised * 100 / self.cost, 2) if self.cost else 0.0

    def to_json(self) -> dict[str, Any]:
        def m(minor: int) -> dict[str, Any]:
            return {"minor": minor, "currency": "INR"}

        return {
            "symbol": self.symbol,
            "name": self.name,
            "quantity": self.quantity,
            "average_cost": m(self.average_cost),
            "invested": m(self.cost),
            "last": m(self.last),
            "market_value": m(self.market_value),
            "unrealised_pnl": m(self.unrealised),
            "unrealised_pct": self.unrealised_pct,
            "day_pnl": m(self.day_pnl),
            "realised_pnl": m(self.realised),
        }


def position(h: Holding, name: str, quote: Quote, today: TodayTrades) -> Position:
    opening = h.quantity - today.bought_qty + today.sold_qty
    day = (
        h.quantity * quote.last - opening * quote.prev_close - today.bought_value + today.sold_value
    )
    value = h.quantity * quote.last
    return Position(
        symbol=h.symbol,
        name=name,
        quantity=h.quantity,
        average_cost=h.average_cost,
        cost=h.cost,
        last=quote.last,
        prev_close=quote.prev_close,
        market_value=value,
        unrealised=value - h.cost,
        day_pnl=day,
        realised=h.realised,
    )


@dataclass(frozen=True, slots=True)
class Portfolio:
    positions: tuple[Position, ...]
    cash: int  # available trading cash
    closed_realised: int = 0  # realised P&L on holdings since sold out

    @property
    def invested(self) -> int:
        return sum(p.cost for p in self.positions)

    @property
    def market_value(self) -> int:
        return sum(p.market_value for p in self.positions)

    @property
    def unrealised(self) -> int:
        return sum(p.unrealised for p in self.positions)

    @property
    def day_pnl(self) -> int:
        return sum(p.day_pnl for p in self.positions)

    @property
    def realised(self) -> int:
        return sum(p.realised for p in self.positions) + self.closed_realised

    def to_json(self) -> dict[str, Any]:
        def m(minor: int) -> dict[str, Any]:
            return {"minor": minor, "currency": "INR"}

        return {
            "positions": [p.to_json() for p in self.positions],
            "invested": m(self.invested),
            "market_value": m(self.market_value),
            "unrealised_pnl": m(self.unrealised),
            "day_pnl": m(self.day_pnl),
            "realised_pnl": m(self.realised),
            "cash_available": m(self.cash),
        }
