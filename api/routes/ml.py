"""Operator endpoints for the predictive models: churn, value, actions, segments, cards."""

from __future__ import annotations

from aiohttp import web

from api.http import json_body, reject_unknown, require
from api.keys import CONTAINER
from domain.errors import InvalidInput
from domain.identity.model import Scope

routes = web.RouteTableDef()


def _customer(request: web.Request) -> str:
    require(request, Scope.OPERATOR)
    return request.match_info["customer_id"]


@routes.get("/api/v1/ml/churn/{customer_id}")
async def churn(request: web.Request) -> web.Response:
    """Churn probability over the next 60 days, with the factors behind it."""
    customer_id = _customer(request)
    return web.json_response(await request.app[CONTAINER].predictions.churn(customer_id))


@routes.get("/api/v1/ml/ltv/{customer_id}")
async def ltv(request: web.Request) -> web.Response:
    """Predicted yearly value in rupees, with the factors behind it."""
    customer_id = _customer(request)
    return web.json_response(await request.app[CONTAINER].predictions.ltv(customer_id))


@routes.get("/api/v1/ml/next-action/{customer_id}")
async def next_action(request: web.Request) -> web.Response:
    """Ranked next best actions with expected impact and reason."""
    customer_id = _customer(request)
    return web.json_response(await request.app[CONTAINER].predictions.next_action(customer_id))


@routes.get("/api/v1/ml/behavior/{customer_id}")
async def behavior(request: web.Request) -> web.Response:
    """The behaviour segment and the features it was read from."""
    customer_id = _customer(request)
    return web.json_response(await request.app[CONTAINER].predictions.behavior(customer_id))


@routes.get("/api/v1/ml/feature-importance")
async def feature_importance(request: web.Request) -> web.Response:
    """Permutation importance of each feature, for churn and for value."""
    require(request, Scope.OPERATOR)
    return web.json_response(await request.app[CONTAINER].predictions.feature_importance())


@routes.post("/api/v1/ml/batch-predictions")
async def batch_predictions(request: web.Request) -> web.Response:
    """Churn, value and segment for up to 1,000 customers at once."""
    require(request, Scope.OPERATOR)
    body = await json_body(request)
    reject_unknown(body, {"customer_ids"})
    ids = body.get("customer_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise InvalidInput("invalid_customer_ids", "'customer_ids' must be a list of strings.")
    return web.json_response(await request.app[CONTAINER].predictions.batch(ids))


@routes.get("/api/v1/ml/models")
async def models(request: web.Request) -> web.Response:
    """Every model version's card, with metrics, and which one is served."""
    require(request, Scope.OPERATOR)
    return web.json_response(await request.app[CONTAINER].predictions.models())
