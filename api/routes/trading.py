"""Trading: instruments, quotes, orders, the portfolio and price alerts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.auth import bearer_token
from api.http import idempotency_key, json_body, reject_unknown, require, required_string
from api.keys import CONTAINER
from domain.errors import InvalidInput, NotFound
from domain.identity.model import Principal, Scope
from domain.money import Money
from domain.trading.orders import OrderRequest, OrderType, Side
from domain.trading.service import TradingService

routes = web.RouteTableDef()


def _trading(request: web.Request) -> TradingService:
    return request.app[CONTAINER].markets.trading


def _customer(request: web.Request) -> Principal:
    principal = require(request, Scope.CUSTOMER)
    if not principal.is_customer:
        raise InvalidInput("customer_only", "Trading is for customers.")
    return principal


def _price(body: dict[str, Any], name: str) -> int | None:
    if body.get(name) is None:
        return None
    return Money.from_json(body[name], field=name).minor


def _choice(body: dict[str, Any], name: str, options: tuple[str, ...]) -> str:
    value = body.get(name)
    if value not in options:
        raise InvalidInput(f"invalid_{name}", f"'{name}' must be one of {', '.join(options)}.")
    return str(value)


@routes.get("/api/v1/instruments")
async def instruments(request: web.Request) -> web.Response:
    """The tradable instruments."""
    require(request, Scope.CUSTOMER)
    items = [
        {
            "symbol": i.symbol,
            "name": i.name,
            "aliases": list(i.aliases),
            "tick_size": {"minor": i.tick_size_minor, "currency": "INR"},
            "lot_size": i.lot_size,
        }
        for i in _trading(request).instruments()
    ]
    return web.json_response({"items": items})


@routes.get("/api/v1/quotes/{symbol}")
async def quote(request: web.Request) -> web.Response:
    """The latest quote for one symbol."""
    require(request, Scope.CUSTOMER)
    return web.json_response(_trading(request).quote(request.match_info["symbol"]).to_json())


@routes.post("/api/v1/orders")
async def place_order(request: web.Request) -> web.Response:
    """Place an order; the Idempotency-Key is its client order id."""
    principal = _customer(request)
    key = idempotency_key(request)
    body = await json_body(request)
    reject_unknown(
        body, {"symbol", "side", "quantity", "order_type", "limit_price", "trigger_price"}
    )
    quantity = body.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput("invalid_quantity", "'quantity' must be a whole number above zero.")
    order_request = OrderRequest(
        symbol=required_string(body, "symbol", max_len=40),
        side=Side(_choice(body, "side", ("buy", "sell"))),
        quantity=quantity,
        order_type=OrderType(_choice(body, "order_type", ("market", "limit", "stop_loss"))),
        limit_price=_price(body, "limit_price"),
        trigger_price=_price(body, "trigger_price"),
    )
    order = await _trading(request).place_order(principal.user_id, key, order_request)
    return web.json_response(order.to_json(), status=201)


@routes.get("/api/v1/orders")
async def list_orders(request: web.Request) -> web.Response:
    """My orders, newest first; ``?status=open`` for live ones only."""
    principal = _customer(request)
    status = request.query.get("status")
    if status not in (None, "open"):
        raise InvalidInput("invalid_query", "'status' can only be 'open'.")
    orders = await _trading(request).orders(principal.user_id, live_only=status == "open")
    return web.json_response({"items": [o.to_json() for o in orders]})


@routes.get("/api/v1/orders/{order_id}")
async def get_order(request: web.Request) -> web.Response:
    """One order with its fills and their itemised charges (the contract note)."""
    principal = _customer(request)
    trading = _trading(request)
    order = await trading.order(principal.user_id, request.match_info["order_id"])
    trades = await trading.trades(principal.user_id, order_id=order.id)
    return web.json_response({**order.to_json(), "fills": [t.to_json() for t in trades]})


@routes.delete("/api/v1/orders/{order_id}")
async def cancel_order(request: web.Request) -> web.Response:
    """Cancel an open order; what is left of its hold is released."""
    principal = _customer(request)
    order = await _trading(request).cancel_order(principal.user_id, request.match_info["order_id"])
    return web.json_response(order.to_json())


@routes.get("/api/v1/trades")
async def list_trades(request: web.Request) -> web.Response:
    """My fills, newest first."""
    principal = _customer(request)
    trades = await _trading(request).trades(principal.user_id)
    return web.json_response({"items": [t.to_json() for t in trades]})


@routes.get("/api/v1/portfolio")
async def portfolio(request: web.Request) -> web.Response:
    """Holdings at market value with realised, unrealised and day P&L."""
    principal = _customer(request)
    return web.json_response((await _trading(request).portfolio(principal.user_id)).to_json())


@routes.get("/api/v1/alerts")
async def list_alerts(request: web.Request) -> web.Response:
    """My price alerts."""
    principal = _customer(request)
    return web.json_response({"items": await _trading(request).alerts(principal.user_id)})


@routes.post("/api/v1/alerts")
async def add_alert(request: web.Request) -> web.Response:
    """Alert me when a symbol crosses a price."""
    principal = _customer(request)
    body = await json_body(request)
    reject_unknown(body, {"symbol", "price"})
    price = _price(body, "price")
    if price is None:
        raise InvalidInput("missing_field", "'price' is required.")
    alert = await _trading(request).add_alert(
        principal.user_id, required_string(body, "symbol", max_len=40), price
    )
    return web.json_response(alert, status=201)


@routes.get("/charts/{name}")
async def chart(request: web.Request) -> web.FileResponse:
    """A chart image, to the customer it was drawn for."""
    container = request.app[CONTAINER]
    principal = await container.identity.authenticate(bearer_token(request))
    charts = container.markets.charts
    name = request.match_info["name"]
    if charts.owner(name) != principal.user_id:
        raise NotFound("chart_not_found", "No such chart.")
    return web.FileResponse(charts.path(name), headers={"Cache-Control": "private, max-age=3600"})
