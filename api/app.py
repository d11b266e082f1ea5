"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from api.auth import Limiters, auth_middleware
from api.errors import error_middleware
from api.event_streams import Streams
from api.keys import CONTAINER, EVENT_STREAMS, METRICS, RATE_LIMITER, WS_HUB
from api.metrics import Metrics
from api.ratelimit import RateLimiter
from api.routes import (
    accounts,
    auth,
    chat,
    docs,
    forecasts,
    health,
    holds,
    ledger,
    ml,
    notifications,
    operator,
    payees,
    rules,
    telegram,
    trading,
    transfers,
    wealth,
    web_chat,
    webhooks,
    ws_chat,
    ws_events,
    ws_market,
)
from api.ws_hub import Hub
from bot.bootstrap import Container
from bot.push import WebChatPusher


def create_app(container: Container) -> web.Application:
    """Build the app around a wired container; the app starts and closes it."""
    settings = container.settings
    metrics = Metrics()
    metrics.watch_engine(container.engine)
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        middlewares=[error_middleware, metrics.middleware(), auth_middleware],  # type: ignore[list-item]
    )
    app[CONTAINER] = container
    app[METRICS] = metrics
    app[WS_HUB] = hub = Hub()
    app[EVENT_STREAMS] = streams = Streams()
    container.events.pushers.register("web", WebChatPusher(hub))
    container.events.stream_listeners.append(streams)
    app[RATE_LIMITER] = Limiters(
        token=RateLimiter(settings.rate_limit_token_per_min),
        ip=RateLimiter(settings.rate_limit_ip_per_min),
        login=RateLimiter(settings.rate_limit_login_per_min),
    )
    for module in (health, docs, auth, accounts, payees, transfers, holds, operator, chat):
        app.router.add_routes(module.routes)
    app.router.add_routes(telegram.routes)
    app.router.add_routes(ledger.routes)
    for module in (notifications, webhooks, ws_events):
        app.router.add_routes(module.routes)
    for module in (web_chat, ws_chat):
        app.router.add_routes(module.routes)
    for module in (trading, wealth, ws_market):
        app.router.add_routes(module.routes)
    app.router.add_routes(forecasts.routes)
    app.router.add_routes(ml.routes)
    app.router.add_routes(rules.routes)
    app.on_shutdown.append(ws_chat.close_all)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await container.start()
        yield
        await container.close()

    app.cleanup_ctx.append(lifecycle)
    return app
