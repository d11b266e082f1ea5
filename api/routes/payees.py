"""Saved payees."""

from __future__ import annotations

from aiohttp import web

from api.http import json_body, reject_unknown, require, required_string, string
from api.keys import CONTAINER
from domain.identity.model import Scope

routes = web.RouteTableDef()


@routes.get("/api/v1/payees")
async def list_payees(request: web.Request) -> web.Response:
    """List the customer's payees."""
    principal = require(request, Scope.CUSTOMER)
    payees = await request.app[CONTAINER].banking.payees(principal.user_id)
    return web.json_response({"items": [p.to_json() for p in payees]})


@routes.post("/api/v1/payees")
async def add_payee(request: web.Request) -> web.Response:
    """Save a payee: a bank account with IFSC, or a UPI id."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    reject_unknown(body, {"name", "nickname", "account_number", "ifsc", "upi_id"})
    payee = await request.app[CONTAINER].banking.add_payee(
        principal.user_id,
        required_string(body, "name", max_len=100),
        nickname=string(body, "nickname", required=False, max_len=50),
        account_number=string(body, "account_number", required=False, max_len=30),
        ifsc=string(body, "ifsc", required=False, max_len=11),
        upi_id=string(body, "upi_id", required=False, max_len=255),
    )
    return web.json_response(payee.to_json(), status=201)


@routes.get("/api/v1/payees/{payee_id}")
async def get_payee(request: web.Request) -> web.Response:
    """Show one payee."""
    principal = require(request, Scope.CUSTOMER)
    payee = await request.app[CONTAINER].banking.payee(
        principal.user_id, request.match_info["payee_id"]
    )
    return web.json_response(payee.to_json())


@routes.delete("/api/v1/payees/{payee_id}")
async def delete_payee(request: web.Request) -> web.Response:
    """Remove a payee; past transfers to them stay in history."""
    principal = require(request, Scope.CUSTOMER)
    await request.app[CONTAINER].banking.delete_payee(
        principal.user_id, request.match_info["payee_id"]
    )
    return web.Response(status=204)
