"""Authentication middleware: bearer tokens for /api/v1, rate limits per token and IP."""

from __future__ import annotations

from aiohttp import web

from api.errors import Handler
from api.keys import CONTAINER, PRINCIPAL, RATE_LIMITER
from api.ratelimit import RateLimiter
from domain.errors import Unauthenticated

# Reachable without a token.
PUBLIC = frozenset(
    {
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/openapi.json",
        # An auditor follows the log with no account at the bank.
        "/api/v1/ledger/public-key",
        "/api/v1/ledger/checkpoint",
    }
)
# Inbound webhooks are authenticated by their signature, not a token.
PUBLIC_PREFIXES = ("/api/v1/webhooks/inbound/",)


class Limiters:
    def __init__(self, token: RateLimiter, ip: RateLimiter, login: RateLimiter) -> None:
        self.token = token
        self.ip = ip
        self.login = login


def client_ip(request: web.Request) -> str:
    return request.remote or "unknown"


def bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "unauthenticated", "Sign in first: send 'Authorization: Bearer <access token>'."
        )
    return token.strip()


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    limiters = request.app[RATE_LIMITER]
    assert isinstance(limiters, Limiters)
    path = request.path
    if path.startswith("/api/"):
        limiters.ip.hit(client_ip(request))
    if path.startswith("/api/v1/") and path not in PUBLIC and not path.startswith(PUBLIC_PREFIXES):
        container = request.app[CONTAINER]
        principal = await container.identity.authenticate(bearer_token(request))
        limiters.token.hit(principal.token_id)
        request[PRINCIPAL] = principal
    return await handler(request)
