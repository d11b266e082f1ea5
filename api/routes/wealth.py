"""Wealth: net worth with allocation and performance, and the financial health score."""

from __future__ import annotations

from aiohttp import web

from api.http import require
from api.keys import CONTAINER
from domain.identity.model import Scope

routes = web.RouteTableDef()


@routes.get("/api/v1/wealth/net-worth")
async def net_worth(request: web.Request) -> web.Response:
    """Net worth across accounts, deposits and holdings, with allocation and performance."""
    principal = require(request, Scope.CUSTOMER)
    wealth = request.app[CONTAINER].markets.wealth
    worth = await wealth.net_worth(principal.user_id)
    performance = await wealth.performance(principal.user_id, worth.total)
    return web.json_response({**worth.to_json(), "performance": [p.to_json() for p in performance]})


@routes.get("/api/v1/wealth/health")
async def health(request: web.Request) -> web.Response:
    """The financial health score (0-100) with its grade, factors and insights."""
    principal = require(request, Scope.CUSTOMER)
    report, insights, _ = await request.app[CONTAINER].markets.wealth.health(principal.user_id)
    return web.json_response({**report.to_json(), "insights": [i.to_json() for i in insights]})
