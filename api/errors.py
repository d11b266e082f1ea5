"""One middleware that turns every failure into ``{"error": {code, message}}``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from domain.errors import DomainError, ErrorKind

log = logging.getLogger(__name__)

STATUS = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.CONFLICT: 409,
    ErrorKind.REJECTED: 422,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.LOCKED: 423,
    ErrorKind.RATE_LIMITED: 429,
}

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )


def domain_error_response(err: DomainError) -> web.Response:
    headers: dict[str, str] = {}
    if err.retry_after is not None:
        headers["Retry-After"] = str(err.retry_after)
    if err.kind is ErrorKind.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(STATUS[err.kind], err.code, err.message, headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DomainError as err:
        return domain_error_response(err)
    except web.HTTPRequestEntityTooLarge as exc:
        return error_response(413, "body_too_large", f"Request body too large: {exc.text}")
    except ConnectionResetError:
        # The client went away mid-request; nobody is left to answer.
        log.info("client disconnected during %s %s", request.method, request.path)
        return error_response(400, "client_disconnected", "The connection was closed.")
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = _HTTP_CODES.get(exc.status, "http_error")
        # Keep headers such as Allow and Retry-After; the body is ours, so is its type.
        headers = {k: v for k, v in exc.headers.items() if k.lower() != "content-type"}
        return error_response(exc.status, code, exc.reason, headers)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "Something went wrong on our side.")
