"""The notification inbox and preferences."""

from __future__ import annotations

from aiohttp import web

from api.http import json_body, require
from api.keys import CONTAINER
from domain.errors import InvalidInput
from domain.identity.model import Scope

routes = web.RouteTableDef()


@routes.get("/api/v1/notifications")
async def list_notifications(request: web.Request) -> web.Response:
    """List notifications, newest first, with the unread count."""
    principal = require(request, Scope.CUSTOMER)
    unread = request.query.get("unread", "false").lower()
    if unread not in ("true", "false"):
        raise InvalidInput("invalid_query", "'unread' must be true or false.")
    raw_limit = request.query.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        raise InvalidInput("invalid_query", "'limit' must be a whole number from 1 to 200.")
    notes, count = await request.app[CONTAINER].events.notifications.inbox(
        principal.user_id, unread_only=unread == "true", limit=int(raw_limit)
    )
    return web.json_response({"items": [n.to_json() for n in notes], "unread": count})


@routes.post("/api/v1/notifications/read-all")
async def read_all(request: web.Request) -> web.Response:
    """Mark every notification read."""
    principal = require(request, Scope.CUSTOMER)
    n = await request.app[CONTAINER].events.notifications.mark_all_read(principal.user_id)
    return web.json_response({"marked": n})


@routes.post("/api/v1/notifications/{notification_id}/read")
async def read_one(request: web.Request) -> web.Response:
    """Mark one notification read."""
    principal = require(request, Scope.CUSTOMER)
    note = await request.app[CONTAINER].events.notifications.mark_read(
        principal.user_id, request.match_info["notification_id"]
    )
    return web.json_response(note.to_json())


@routes.get("/api/v1/notifications/preferences")
async def get_preferences(request: web.Request) -> web.Response:
    """Show the notification preferences."""
    principal = require(request, Scope.CUSTOMER)
    prefs = await request.app[CONTAINER].events.notifications.preferences(principal.user_id)
    return web.json_response(prefs.to_json())


@routes.put("/api/v1/notifications/preferences")
async def put_preferences(request: web.Request) -> web.Response:
    """Change some preferences; fields left out keep their values."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    prefs = await request.app[CONTAINER].events.notifications.update_preferences(
        principal.user_id, body
    )
    return web.json_response(prefs.to_json())
