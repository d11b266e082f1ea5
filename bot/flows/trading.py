"""Trading in chat: prices, orders, positions, the portfolio.

Placing an order and closing a position are tasks that move money, so they
end in a confirmation showing price, quantity, estimated charges and total:

    place_order ──► symbol? ──► quantity? ──► confirm ──► placed (or refused, said why)
    close_position ──► symbol? ──────────────► confirm ──► sell order placed
                          ▲                       │
                          └──── corrections ──────┘   "make it 5", "at 1500"

Price alerts are a task here too (``alerts.INTENT``), with their own steps in
``bot/flows/alerts.py``.

The chat task's id is the client order id, so a repeated "yes" places one order.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from bot.context import Turn
from bot.flows import alerts
from bot.flows.common import yes_no
from bot.formatting import rupees
from bot.replies import Card, Reply
from bot.state import CONFIRM, Task
from bot.understanding import Understanding
from domain.errors import DomainError
from domain.trading.orders import Order, OrderRequest, OrderType, Side
from domain.trading.service import Estimate, TradingService

PLACE = "place_order"
CLOSE = "close_position"
TASKS = {PLACE, CLOSE, alerts.INTENT}
QUERIES = {"market_data", "portfolio_status", "position_status", "order_status", "cancel_order"}
_ALL = re.compile(r"\b(all|everything|entire|whole)\b", re.IGNORECASE)


def _trading(turn: Turn) -> TradingService:
    assert turn.services.trading is not None, "trading is not wired"
    return turn.services.trading


def _pct(value: float) -> str:
    return f"{value:+.2f}%"


# -- questions ----------------------------------------------------------------------


async def answer(turn: Turn, intent: str, u: Understanding) -> list[Reply]:
    try:
        if intent == "market_data":
            return _quote(turn, u)
        if intent == "portfolio_status":
            return await _portfolio(turn)
        if intent == "position_status":
            return await _position(turn, u)
        if intent == "order_status":
            return await _orders(turn)
        return await _cancel(turn, u)
    except DomainError as err:
        return [Reply(err.message)]


def _quote(turn: Turn, u: Understanding) -> list[Reply]:
    symbol = u.one("symbol")
    if not symbol:
        return [Reply("Which stock? For example “price of INFY”.")]
    trading = _trading(turn)
    q = trading.quote(symbol)
    name = trading.instrument(symbol).name
    when = "now" if q.market_open else "at the last close"
    card = Card(
        f"{q.symbol} · {name}",
        (
            ("Last", rupees(q.last)),
            ("Change", f"{rupees(q.change)} ({_pct(q.change_pct)})"),
            ("Day range", f"{rupees(q.low)} – {rupees(q.high)}"),
            ("Volume", f"{q.volume:,}"),
        ),
    )
    text = f"{q.symbol} is {rupees(q.last)} {when}, {_pct(q.change_pct)} on the day."
    return [Reply(text, cards=(card,), quick_replies=(f"Buy 1 {q.symbol}", "My portfolio"))]


async def _portfolio(turn: Turn) -> list[Reply]:
    p = await _trading(turn).portfolio(turn.customer.id)
    if not p.positions:
        return [Reply("You don't hold any shares yet. Try “buy 5 INFY”.")]
    rows = tuple(
        (
            f"{x.symbol} × {x.quantity}",
            f"{rupees(x.market_value)} ({_pct(x.unrealised_pct)})",
        )
        for x in p.positions
    )
    totals = (
        ("Invested", rupees(p.invested)),
        ("Current value", rupees(p.market_value)),
        ("Unrealised P&L", rupees(p.unrealised)),
        ("Today", rupees(p.day_pnl)),
        ("Cash to trade", rupees(p.cash)),
    )
    text = (
        f"Your portfolio is worth {rupees(p.market_value)}: {rupees(p.unrealised)} "
        f"unrealised, {rupees(p.day_pnl)} today."
    )
    return [Reply(text, cards=(Card("Holdings", rows), Card("Totals", totals)))]


async def _position(turn: Turn, u: Understanding) -> list[Reply]:
    symbol = u.one("symbol")
    if not symbol:
        return await _portfolio(turn)
    trading = _trading(turn)
    symbol = trading.instrument(symbol).symbol
    p = await trading.portfolio(turn.customer.id)
    x = next((x for x in p.positions if x.symbol == symbol), None)
    if x is None:
        return [Reply(f"You don't hold any {symbol}.")]
    card = Card(
        f"{x.symbol} · {x.name}",
        (
            ("Quantity", str(x.quantity)),
            ("Average cost", rupees(x.average_cost)),
            ("Last", rupees(x.last)),
            ("Value", rupees(x.market_value)),
            ("Unrealised P&L", f"{rupees(x.unrealised)} ({_pct(x.unrealised_pct)})"),
            ("Today", rupees(x.day_pnl)),
            ("Realised P&L", rupees(x.realised)),
        ),
    )
    text = (
        f"You hold {x.quantity} {symbol} worth {rupees(x.market_value)} ({_pct(x.unrealised_pct)})."
    )
    return [Reply(text, cards=(card,), quick_replies=(f"Close my {symbol} position",))]


def _order_line(o: Order) -> tuple[str, str]:
    price = f" @ {rupees(o.average_price)}" if o.average_price else ""
    return (
        f"{o.side.value.title()} {o.quantity} {o.symbol}",
        f"{o.status.value.replace('_', ' ')} ({o.filled_quantity} filled{price})",
    )


async def _orders(turn: Turn) -> list[Reply]:
    orders = await _trading(turn).orders(turn.customer.id, limit=5)
    if not orders:
        return [Reply("You haven't placed any orders yet.")]
    return [Reply("Your latest orders:", cards=(Card("Orders", tuple(map(_order_line, orders))),))]


async def _cancel(turn: Turn, u: Understanding) -> list[Reply]:
    trading = _trading(turn)
    live = await trading.orders(turn.customer.id, live_only=True)
    symbol = u.one("symbol")
    if symbol:
        live = [o for o in live if o.symbol == trading.instrument(symbol).symbol]
    if not live:
        return [Reply("You have no open orders to cancel.")]
    if len(live) > 1:
        lines = tuple(_order_line(o) for o in live[:5])
        return [
            Reply(
                "You have several open orders; say which stock, e.g. “cancel my INFY order”.",
                cards=(Card("Open orders", lines),),
            )
        ]
    order = await trading.cancel_order(turn.customer.id, live[0].id)
    return [Reply(f"Cancelled your order to {order.side.value} {order.quantity} {order.symbol}.")]


# -- tasks -------------------------------------------------------------------------


def fills(task: Task, u: Understanding) -> bool:
    """Does this message answer what the task asked?"""
    if task.intent == alerts.INTENT:
        return alerts.fills(task, u)
    wanted = {"symbol": ("symbol",), "quantity": ("quantity", "count", "amount")}
    return any(u.entities.get(k) for k in wanted.get(task.awaiting or "", ("quantity", "price")))


def corrects(u: Understanding) -> bool:
    return any(u.entities.get(k) for k in ("symbol", "quantity", "price", "side", "order_type"))


async def absorb(turn: Turn, task: Task, u: Understanding) -> None:
    if task.intent == alerts.INTENT:
        return await alerts.absorb(turn, task, u)
    slots = task.slots
    trading = _trading(turn)
    symbol = u.one("symbol")
    if symbol:
        with contextlib.suppress(DomainError):
            slots["symbol"] = trading.instrument(symbol).symbol
    side = u.one("side")
    if side in ("buy", "sell") and task.intent == PLACE:
        slots["side"] = side
    quantity = u.one("quantity")
    if quantity is None and task.awaiting == "quantity":
        quantity = u.one("count")
        amount = u.one("amount")
        if quantity is None and isinstance(amount, dict):
            minor = amount["minor"]
            quantity = minor // 100 if minor % 100 == 0 else None
    if isinstance(quantity, int) and quantity > 0:
        slots["quantity"] = quantity
    price = u.one("price")
    if isinstance(price, dict) and isinstance(price.get("minor"), int):
        slots["limit_price"] = price["minor"]
    kind = u.one("order_type")
    if kind in ("market", "limit", "stop_loss"):
        slots["order_type"] = kind
    if task.intent == PLACE and slots.get("side") == "sell" and _ALL.search(u.text or ""):
        slots["all"] = True


async def _holding(turn: Turn, symbol: str) -> int:
    for h in await _trading(turn).holdings(turn.customer.id):
        if h.symbol == symbol:
            return h.quantity
    return 0


def _request(slots: dict[str, Any], market_open: bool) -> OrderRequest:
    limit = slots.get("limit_price")
    kind = slots.get("order_type") or ("limit" if limit else "market")
    if kind == "market" and not market_open and limit:
        kind = "limit"
    return OrderRequest(
        symbol=slots["symbol"],
        side=Side(slots.get("side", "buy")),
        quantity=slots["quantity"],
        order_type=OrderType(kind),
        limit_price=limit if kind in ("limit", "stop_loss") else None,
        trigger_price=slots.get("trigger_price"),
    )


async def step(turn: Turn, task: Task) -> list[Reply]:
    """Ask for the next missing thing, or for confirmation."""
    if task.intent == alerts.INTENT:
        return await alerts.step(turn, task)
    slots = task.slots
    trading = _trading(turn)
    if task.intent == CLOSE:
        slots["side"] = "sell"
    if not slots.get("symbol"):
        task.awaiting = "symbol"
        verb = "sell" if slots.get("side") == "sell" else "buy"
        if task.intent == CLOSE:
            return [Reply("Which position should I close?")]
        return [Reply(f"Which stock would you like to {verb}?")]
    symbol = slots["symbol"]
    if slots.get("side") == "sell" and (task.intent == CLOSE or slots.get("all")):
        held = await _holding(turn, symbol)
        if held == 0:
            turn.end_task("failed")
            return [Reply(f"You don't hold any {symbol} to sell.")]
        slots["quantity"] = held
    if not slots.get("quantity"):
        task.awaiting = "quantity"
        return [Reply(f"How many {symbol} shares?")]
    quote = trading.quote(symbol)
    if not quote.market_open and not slots.get("limit_price"):
        # Outside hours only limit orders rest for the next session: offer one at the last price.
        slots["limit_price"] = quote.last
        slots["order_type"] = "limit"
    try:
        estimate = trading.estimate(_request(slots, quote.market_open))
    except DomainError as err:
        task.awaiting = "quantity" if err.code == "invalid_quantity" else CONFIRM
        if err.code == "invalid_quantity":
            return [Reply(f"{err.message} How many shares?")]
        turn.end_task("failed")
        return [Reply(f"I can't place that order. {err.message}")]
    task.awaiting = CONFIRM
    return [confirmation(task, estimate)]


def confirmation(task: Task, e: Estimate) -> Reply:
    r = e.request
    verb = r.side.value.title()
    how = "at market" if r.order_type is OrderType.MARKET else f"at {rupees(e.price)} (limit)"
    total_label = "Total to pay" if r.side is Side.BUY else "You receive"
    card = Card(
        f"Confirm {r.side.value} order",
        (
            ("Stock", f"{e.instrument.symbol} · {e.instrument.name}"),
            ("Quantity", str(r.quantity)),
            ("Price", f"{rupees(e.price)}{' (estimate)' if r.limit_price is None else ''}"),
            ("Value", rupees(e.value)),
            ("Estimated charges", rupees(e.charges.total)),
            (total_label, rupees(e.total)),
        ),
    )
    later = "" if e.market_open else " The market is closed; it will wait for the next session."
    text = (
        f"{verb} {r.quantity} {e.instrument.symbol} {how}? Estimated charges "
        f"{rupees(e.charges.total)}, total {rupees(e.total)}.{later}"
    )
    return Reply(text, buttons=yes_no(task), cards=(card,))


async def execute(turn: Turn, task: Task) -> list[Reply]:
    if task.intent == alerts.INTENT:
        return await alerts.execute(turn, task)
    trading = _trading(turn)
    slots = task.slots
    quote = trading.quote(slots["symbol"])
    try:
        order = await trading.place_order(
            turn.customer.id, f"chat:{task.id}", _request(slots, quote.market_open)
        )
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I couldn't place that order. {err.message}")]
    turn.end_task("completed")
    status = order.status.value.replace("_", " ")
    rows: tuple[tuple[str, str], ...] = (
        ("Order", order.id),
        ("Status", status),
        ("Filled", f"{order.filled_quantity} of {order.quantity}"),
    )
    if order.average_price:
        rows += (("Average price", rupees(order.average_price)), ("Charges", rupees(order.charges)))
    if order.filled_quantity == order.quantity:
        text = (
            f"Done. {'Bought' if order.side is Side.BUY else 'Sold'} {order.quantity} "
            f"{order.symbol} at {rupees(order.average_price or 0)}."
        )
    elif order.amo:
        text = f"Order placed for the next session ({order.symbol}); I'll fill it when it can."
    else:
        text = (
            f"Order placed: {order.filled_quantity} of {order.quantity} {order.symbol} "
            "filled so far."
        )
    return [Reply(text, cards=(Card("Order", rows),))]
