"""Forecasts, Balance Watch and anomaly flags: the customer's own, and all for operators."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.http import json_body, query_int, reject_unknown, require
from api.keys import CONTAINER
from domain.errors import InvalidInput
from domain.identity.model import Scope
from domain.money import Money
from domain.predictions.forecast_service import MAX_HORIZON, MAX_SCAN_DAYS, ForecastService

routes = web.RouteTableDef()


def _service(request: web.Request) -> ForecastService:
    forecasts = request.app[CONTAINER].forecasts
    assert forecasts is not None, "forecasts are not wired"
    return forecasts


def _minimum(body: dict[str, Any]) -> Money:
    """A money object of zero or more: zero watches for the balance going below zero."""
    value = body.get("minimum")
    if value is None:
        raise InvalidInput("missing_field", "'minimum' is required.")
    if not isinstance(value, dict) or set(value) - {"minor", "currency"}:
        raise InvalidInput(
            "invalid_minimum",
            '\'minimum\' must be an object like {"minor": 500000, "currency": "INR"}.',
        )
    minor = value.get("minor")
    if type(minor) is not int or minor < 0:
        raise InvalidInput(
            "invalid_minimum", "'minimum.minor' must be a whole number of paise, 0 or more."
        )
    currency = value.get("currency", "INR")
    if not isinstance(currency, str):
        raise InvalidInput("invalid_currency", "'minimum.currency' must be a currency code.")
    return Money(minor, currency)


@routes.get("/api/v1/forecast")
async def get_forecast(request: web.Request) -> web.Response:
    """The expected balance per day with its 80% interval, the recurring items and the watch."""
    principal = require(request, Scope.CUSTOMER)
    days = query_int(request, "days", default=30, lo=1, hi=MAX_HORIZON)
    result = await _service(request).forecast(principal.user_id, days)
    return web.json_response(result.to_json())


@routes.get("/api/v1/forecast/watch")
async def get_watch(request: web.Request) -> web.Response:
    """The Balance Watch minimum and what the forecast says about it."""
    principal = require(request, Scope.CUSTOMER)
    result = await _service(request).forecast(principal.user_id)
    return web.json_response(result.watch.to_json())


@routes.put("/api/v1/forecast/watch")
async def put_watch(request: web.Request) -> web.Response:
    """Set the Balance Watch minimum (0 watches for going below zero)."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    reject_unknown(body, {"minimum"})
    service = _service(request)
    await service.set_minimum(principal.user_id, _minimum(body))
    result = await service.forecast(principal.user_id)
    return web.json_response(result.watch.to_json())


@routes.get("/api/v1/anomalies")
async def get_anomalies(request: web.Request) -> web.Response:
    """Unusual outflows over the last ``days`` days, newest first, each with its reason."""
    principal = require(request, Scope.CUSTOMER)
    days = query_int(request, "days", default=90, lo=1, hi=MAX_SCAN_DAYS)
    flags = await _service(request).anomalies(principal.user_id, days)
    return web.json_response({"days": days, "items": [f.to_json() for f in flags]})


@routes.get("/api/v1/operator/anomalies")
async def operator_anomalies(request: web.Request) -> web.Response:
    """Every customer's flags (or one customer's), newest first."""
    require(request, Scope.OPERATOR)
    days = query_int(request, "days", default=30, lo=1, hi=MAX_SCAN_DAYS)
    limit = query_int(request, "limit", default=100, lo=1, hi=1000)
    service = _service(request)
    customer = request.query.get("customer_id")
    if customer is not None:
        await service.require_customer(customer)
        found = [(customer, f) for f in await service.anomalies(customer, days)][:limit]
    else:
        found = await service.all_anomalies(days, limit)
    items = [{"customer_id": who, **f.to_json()} for who, f in found]
    return web.json_response({"days": days, "items": items})
