"""The OpenAPI document and a self-contained page that renders it."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from api.openapi import spec

routes = web.RouteTableDef()


@routes.get("/api/v1/openapi.json")
async def openapi(_: web.Request) -> web.Response:
    """Serve the OpenAPI 3.1 description."""
    return web.json_response(spec())


@routes.get("/api/docs")
async def docs_page(_: web.Request) -> web.Response:
    """Serve the API docs page (no external assets)."""
    page = resources.files("api").joinpath("static/docs.html").read_text(encoding="utf-8")
    return web.Response(text=page, content_type="text/html")
