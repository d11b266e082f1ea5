"""Sign-in, token refresh, sign-out and the caller's own profile."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api.auth import Limiters, client_ip
from api.http import json_body, reject_unknown, required_string
from api.keys import CONTAINER, RATE_LIMITER, principal_of
from domain.errors import InvalidInput
from domain.identity.devices import Device
from domain.identity.service import MAX_PASSWORD
from domain.identity.tokens import MAX_TOKEN_LENGTH

routes = web.RouteTableDef()


def _password(body: dict[str, Any], name: str) -> str:
    # Not ``string()``: that strips spaces, and a password's spaces are part of it.
    value = body.get(name)
    if value is None:
        raise InvalidInput("missing_field", f"'{name}' is required.")
    if not isinstance(value, str):
        raise InvalidInput("invalid_field", f"'{name}' must be a string.")
    if not value:
        raise InvalidInput("missing_field", f"'{name}' must not be empty.")
    if len(value) > MAX_PASSWORD:
        raise InvalidInput("invalid_field", f"'{name}' is longer than {MAX_PASSWORD} characters.")
    return value


@routes.post("/api/v1/auth/login")
async def login(request: web.Request) -> web.Response:
    """Exchange a username and password for an access and refresh token."""
    limiters = request.app[RATE_LIMITER]
    assert isinstance(limiters, Limiters)
    limiters.login.hit(client_ip(request), "login attempts")
    body = await json_body(request)
    reject_unknown(body, {"username", "password"})
    username = required_string(body, "username", max_len=64)
    password = _password(body, "password")
    device = Device(request.headers.get("User-Agent", ""), client_ip(request))
    pair = await request.app[CONTAINER].identity.login(username, password, device)
    return web.json_response(pair.to_json())


@routes.post("/api/v1/auth/refresh")
async def refresh(request: web.Request) -> web.Response:
    """Spend a refresh token for a new token pair."""
    body = await json_body(request)
    reject_unknown(body, {"refresh_token"})
    token = required_string(body, "refresh_token", max_len=MAX_TOKEN_LENGTH)
    pair = await request.app[CONTAINER].identity.refresh(token)
    return web.json_response(pair.to_json())


@routes.post("/api/v1/auth/logout")
async def logout(request: web.Request) -> web.Response:
    """Sign out this session."""
    await request.app[CONTAINER].identity.logout(principal_of(request))
    return web.Response(status=204)


@routes.post("/api/v1/auth/logout-all")
async def logout_all(request: web.Request) -> web.Response:
    """Sign out every session and API token of the caller."""
    await request.app[CONTAINER].identity.logout_all(principal_of(request).user_id)
    return web.Response(status=204)


@routes.get("/api/v1/me")
async def me(request: web.Request) -> web.Response:
    """Describe the caller."""
    principal = principal_of(request)
    return web.json_response(
        {
            "id": principal.user_id,
            "username": principal.username,
            "full_name": principal.full_name,
            "role": principal.role.value,
            "scope": principal.scope.value,
            "timezone": principal.timezone,
        }
    )
