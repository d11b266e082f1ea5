"""The OpenAPI description of the trading and wealth routes (merged by ``api.openapi``)."""

from __future__ import annotations

from typing import Any

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"items": {"type": "array", "items": _ref(name)}}}


SCHEMAS: dict[str, Any] = {
    "Instrument": {
        "type": "object",
        "properties": {
            "symbol": {"type": "string"},
            "name": {"type": "string"},
            "aliases": {"type": "array", "items": {"type": "string"}},
            "tick_size": _ref("Money"),
            "lot_size": {"type": "integer"},
        },
    },
    "Quote": {
        "type": "object",
        "properties": {
            "symbol": {"type": "string"},
            "last": _ref("Money"),
            "change": _ref("SignedMoney"),
            "change_pct": {"type": "number"},
            "open": _ref("Money"),
            "high": _ref("Money"),
            "low": _ref("Money"),
            "prev_close": _ref("Money"),
            "volume": {"type": "integer"},
            "as_of": {"type": "string", "format": "date-time"},
            "market_open": {"type": "boolean"},
        },
    },
    "NewOrder": {
        "type": "object",
        "required": ["symbol", "side", "quantity", "order_type"],
        "properties": {
            "symbol": {"type": "string"},
            "side": {"enum": ["buy", "sell"]},
            "quantity": {"type": "integer", "minimum": 1},
            "order_type": {"enum": ["market", "limit", "stop_loss"]},
            "limit_price": _ref("Money"),
            "trigger_price": _ref("Money"),
        },
        "additionalProperties": False,
    },
    "Order": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "client_order_id": {"type": "string"},
            "symbol": {"type": "string"},
            "side": {"enum": ["buy", "sell"]},
            "order_type": {"enum": ["market", "limit", "stop_loss"]},
            "quantity": {"type": "integer"},
            "status": {
                "enum": [
                    "open",
                    "partially_filled",
                    "filled",
                    "cancelled",
                    "rejected",
                    "expired",
                ]
            },
            "filled_quantity": {"type": "integer"},
            "average_price": _ref("Money"),
            "charges": _ref("Money"),
            "amo": {"type": "boolean", "description": "Placed outside hours for the next session"},
            "valid_until": {"type": "string", "format": "date-time"},
        },
    },
    "Charges": {
        "type": "object",
        "description": "Contract note lines: brokerage, STT, exchange charge, SEBI fee, "
        "stamp duty, GST, total.",
        "additionalProperties": _ref("Money"),
    },
    "Trade": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "order_id": {"type": "string"},
            "symbol": {"type": "string"},
            "side": {"enum": ["buy", "sell"]},
            "quantity": {"type": "integer"},
            "price": _ref("Money"),
            "value": _ref("Money"),
            "charges": _ref("Charges"),
            "executed_at": {"type": "string", "format": "date-time"},
        },
    },
    "Portfolio": {
        "type": "object",
        "properties": {
            "positions": {"type": "array", "items": {"type": "object"}},
            "invested": _ref("Money"),
            "market_value": _ref("Money"),
            "unrealised_pnl": _ref("SignedMoney"),
            "day_pnl": _ref("SignedMoney"),
            "realised_pnl": _ref("SignedMoney"),
            "cash_available": _ref("Money"),
        },
    },
    "Alert": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "symbol": {"type": "string"},
            "direction": {"enum": ["above", "below"]},
            "price": _ref("Money"),
            "status": {"enum": ["active", "triggered", "cancelled"]},
        },
    },
    "NetWorth": {
        "type": "object",
        "properties": {
            "net_worth": _ref("SignedMoney"),
            "allocation": {"type": "array", "items": {"type": "object"}},
            "performance": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Health": {
        "type": "object",
        "properties": {
            "score": {"type": "integer", "minimum": 0, "maximum": 100},
            "grade": {"enum": ["A+", "A", "B", "C", "D", "F"]},
            "factors": {"type": "array", "items": {"type": "object"}},
            "insights": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def paths(op: Any, ok: Any, path_param: Any, idempotency: dict[str, Any]) -> dict[str, Any]:
    """The paths, built with ``api.openapi``'s helpers so they share its error responses."""
    order = [path_param("order_id")]
    tag = "trading"
    return {
        "/api/v1/instruments": {
            "get": op("Tradable instruments", ok(_list_of("Instrument")), tag=tag)
        },
        "/api/v1/quotes/{symbol}": {
            "get": op("A quote", ok(_ref("Quote")), params=[path_param("symbol")], tag=tag)
        },
        "/api/v1/orders": {
            "get": op("My orders, newest first", ok(_list_of("Order")), tag=tag),
            "post": op(
                "Place an order (the Idempotency-Key is the client order id)",
                ok(_ref("Order"), "201", "Placed"),
                body=_ref("NewOrder"),
                params=[idempotency],
                tag=tag,
            ),
        },
        "/api/v1/orders/{order_id}": {
            "get": op(
                "One order with its fills (contract note)", ok(_ref("Order")), params=order, tag=tag
            ),
            "delete": op("Cancel an open order", ok(_ref("Order")), params=order, tag=tag),
        },
        "/api/v1/trades": {"get": op("My fills", ok(_list_of("Trade")), tag=tag)},
        "/api/v1/portfolio": {"get": op("Holdings with P&L", ok(_ref("Portfolio")), tag=tag)},
        "/api/v1/alerts": {
            "get": op("My price alerts", ok(_list_of("Alert")), tag=tag),
            "post": op(
                "Add a price alert",
                ok(_ref("Alert"), "201", "Added"),
                body={
                    "type": "object",
                    "required": ["symbol", "price"],
                    "properties": {"symbol": {"type": "string"}, "price": _ref("Money")},
                },
                tag=tag,
            ),
        },
        "/api/v1/wealth/net-worth": {
            "get": op("Net worth, allocation, performance", ok(_ref("NetWorth")), tag="wealth")
        },
        "/api/v1/wealth/health": {
            "get": op("Financial health score and insights", ok(_ref("Health")), tag="wealth")
        },
    }
