"""Telegram: link codes for signed-in customers, and the webhook Telegram posts updates to."""

from __future__ import annotations

import hmac
import json

from aiohttp import web

from api.errors import error_response
from api.http import require
from api.keys import CONTAINER
from domain.errors import InvalidInput
from domain.identity.model import Scope

routes = web.RouteTableDef()
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@routes.post("/api/v1/telegram/link-code")
async def link_code(request: web.Request) -> web.Response:
    """Issue a one-time code that links a Telegram chat to the signed-in customer."""
    principal = require(request, Scope.CUSTOMER)
    if not principal.is_customer:
        raise InvalidInput("customer_only", "Only customers link Telegram; use a customer token.")
    container = request.app[CONTAINER]
    issued = await container.telegram_links.new_code(principal.user_id)
    username = (
        container.telegram.username
        if container.telegram is not None
        else container.settings.telegram_bot_username
    )
    return web.json_response(
        {
            "code": issued.code,
            "expires_at": issued.expires_at.isoformat(),
            "start_command": f"/start {issued.code}",
            "deep_link": f"https://t.me/{username}?start={issued.code}" if username else None,
        },
        status=201,
    )


@routes.post("/telegram/webhook")
async def webhook(request: web.Request) -> web.Response:
    """Take one update from Telegram (webhook mode), checking its secret token."""
    container = request.app[CONTAINER]
    channel = container.telegram
    secret = container.settings.telegram_webhook_secret
    if channel is None or not channel.webhook or secret is None:
        return error_response(404, "not_found", "There is no Telegram webhook here.")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        return error_response(401, "bad_secret_token", "The Telegram secret token is wrong.")
    try:
        update = json.loads(await request.read())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return error_response(400, "malformed_json", "The update is not valid JSON.")
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return error_response(400, "invalid_update", "The update needs an update_id.")
    # Queued, not handled here: Telegram wants a quick 200 and retries otherwise.
    await channel.feed(update)
    return web.Response(status=200)
