"""Webhooks: endpoints that receive signed events, and inbound messages from other systems."""

from __future__ import annotations

from aiohttp import web

from api.http import json_body, reject_unknown, require
from api.keys import CONTAINER
from domain.identity.model import Scope

routes = web.RouteTableDef()


@routes.post("/api/v1/webhooks")
async def create_webhook(request: web.Request) -> web.Response:
    """Register an endpoint; the answer carries its signing secret, shown only this once."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    reject_unknown(body, {"url", "event_types"})
    endpoint = await request.app[CONTAINER].events.webhooks.create(
        principal.user_id, body.get("url"), body.get("event_types")
    )
    return web.json_response(endpoint, status=201)


@routes.get("/api/v1/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    """List endpoints (without secrets)."""
    principal = require(request, Scope.CUSTOMER)
    items = await request.app[CONTAINER].events.webhooks.endpoints(principal.user_id)
    return web.json_response({"items": items})


@routes.delete("/api/v1/webhooks/{webhook_id}")
async def delete_webhook(request: web.Request) -> web.Response:
    """Stop sending to an endpoint."""
    principal = require(request, Scope.CUSTOMER)
    await request.app[CONTAINER].events.webhooks.delete(
        principal.user_id, request.match_info["webhook_id"]
    )
    return web.Response(status=204)


@routes.post("/api/v1/webhooks/{webhook_id}/test")
async def test_webhook(request: web.Request) -> web.Response:
    """Queue a webhook.test delivery to the endpoint."""
    principal = require(request, Scope.CUSTOMER)
    delivery = await request.app[CONTAINER].events.webhooks.test(
        principal.user_id, request.match_info["webhook_id"]
    )
    return web.json_response(delivery, status=202)


@routes.post("/api/v1/webhooks/{webhook_id}/rotate-secret")
async def rotate_secret(request: web.Request) -> web.Response:
    """Issue a new signing secret, shown once; the old one also signs for 24 hours."""
    principal = require(request, Scope.CUSTOMER)
    endpoint = await request.app[CONTAINER].events.webhooks.rotate_secret(
        principal.user_id, request.match_info["webhook_id"]
    )
    return web.json_response(endpoint)


@routes.get("/api/v1/webhooks/{webhook_id}/deliveries")
async def list_deliveries(request: web.Request) -> web.Response:
    """The delivery log of an endpoint, newest first."""
    principal = require(request, Scope.CUSTOMER)
    items = await request.app[CONTAINER].events.webhooks.deliveries(
        principal.user_id, request.match_info["webhook_id"]
    )
    return web.json_response({"items": items})


@routes.post("/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver")
async def redeliver(request: web.Request) -> web.Response:
    """Send a delivery again, from its first attempt."""
    principal = require(request, Scope.CUSTOMER)
    delivery = await request.app[CONTAINER].events.webhooks.redeliver(
        principal.user_id, request.match_info["webhook_id"], request.match_info["delivery_id"]
    )
    return web.json_response(delivery, status=202)


@routes.post("/api/v1/webhooks/inbound/{source}")
async def inbound(request: web.Request) -> web.Response:
    """Receive a signed message from a bank feed or another system."""
    body = await request.read()
    headers = {k.lower(): v for k, v in request.headers.items()}
    outcome, replayed = await request.app[CONTAINER].events.inbound.receive(
        request.match_info["source"], headers, body
    )
    return web.json_response({**outcome, "replayed": replayed}, status=200 if replayed else 201)
