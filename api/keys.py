"""Typed application and request keys, in one place."""

from __future__ import annotations

from aiohttp import web

from api.event_streams import Streams
from api.ws_hub import Hub
from bot.bootstrap import Container
from domain.identity.model import Principal

CONTAINER = web.AppKey("container", Container)
METRICS = web.AppKey("metrics", object)
RATE_LIMITER = web.AppKey("rate_limiter", object)
WS_HUB = web.AppKey("ws_hub", Hub)
EVENT_STREAMS = web.AppKey("event_streams", Streams)

# Set by the auth middleware on authenticated requests.
PRINCIPAL = web.RequestKey("principal", Principal)


def principal_of(request: web.Request) -> Principal:
    principal: Principal | None = request.get(PRINCIPAL)
    if principal is None:
        raise RuntimeError("route needs authentication but none was resolved")
    return principal
