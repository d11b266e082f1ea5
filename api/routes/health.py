"""Liveness, readiness and metrics."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from api.keys import CONTAINER, METRICS
from api.metrics import CONTENT_TYPE, Metrics

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(_: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """The database answers and the money engine runs."""
    container = request.app[CONTAINER]
    checks: dict[str, str] = {}
    try:
        async with container.db.reading() as conn:
            await conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports, it does not raise
        checks["database"] = f"error: {type(exc).__name__}"
    checks["money_engine"] = "ok" if container.engine.running else "stopped"
    ready = all(v == "ok" for v in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    registry = request.app[METRICS]
    assert isinstance(registry, Metrics)
    return web.Response(body=registry.render(), headers={"Content-Type": CONTENT_TYPE})
