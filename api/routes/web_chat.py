"""The web chat page at ``/`` and its two assets; no build step, no external assets."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from domain.errors import NotFound

routes = web.RouteTableDef()

# The page runs only its own script and talks only to this server; data never
# becomes markup, and the policy stops any that slips through from running.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
        " connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}
ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}


def _asset(name: str) -> str:
    return resources.files("api").joinpath("static", "chat", name).read_text(encoding="utf-8")


@routes.get("/")
async def page(_: web.Request) -> web.Response:
    """Serve the web chat page."""
    return web.Response(
        text=_asset("index.html"), content_type="text/html", headers=SECURITY_HEADERS
    )


@routes.get("/chat/{name}")
async def asset(request: web.Request) -> web.Response:
    """Serve the web chat's script or style sheet."""
    name = request.match_info["name"]
    if name not in ASSETS:
        raise NotFound("not_found", "No such file.")
    return web.Response(text=_asset(name), content_type=ASSETS[name], headers=SECURITY_HEADERS)
