"""Request helpers for handlers: JSON bodies, typed fields, scopes, idempotency keys."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from api.keys import principal_of
from domain.errors import Forbidden, InvalidInput
from domain.identity.model import Principal, Scope
from domain.money import Money

MAX_IDEMPOTENCY_KEY = 255


async def json_body(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or a clear 4xx."""
    if request.content_type != "application/json":
        raise InvalidInput("invalid_content_type", "Send the body as application/json.")
    raw = await request.read()
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("malformed_json", f"The body is not valid JSON: {exc}.") from exc
    if not isinstance(body, dict):
        raise InvalidInput("malformed_json", "The body must be a JSON object.")
    return body


def reject_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise InvalidInput("unknown_field", f"Unknown field(s): {', '.join(sorted(unknown))}.")


def string(
    body: dict[str, Any], name: str, *, required: bool = True, max_len: int = 200
) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidInput("missing_field", f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise InvalidInput("invalid_field", f"'{name}' must be a string.")
    value = value.strip()
    if required and not value:
        raise InvalidInput("missing_field", f"'{name}' must not be empty.")
    if len(value) > max_len:
        raise InvalidInput("invalid_field", f"'{name}' is longer than {max_len} characters.")
    if any(ord(ch) < 32 for ch in value):
        raise InvalidInput("invalid_field", f"'{name}' contains control characters.")
    return value or None


def required_string(body: dict[str, Any], name: str, *, max_len: int = 200) -> str:
    value = string(body, name, required=True, max_len=max_len)
    assert value is not None
    return value


def money(body: dict[str, Any], name: str = "amount") -> Money:
    if name not in body:
        raise InvalidInput("missing_field", f"'{name}' is required.")
    return Money.from_json(body[name], field=name)


def idempotency_key(request: web.Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        raise InvalidInput(
            "idempotency_key_required",
            "Send an Idempotency-Key header (unique per payment) so a retry never pays twice.",
        )
    if len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable():
        raise InvalidInput(
            "invalid_idempotency_key",
            f"Idempotency-Key must be printable, at most {MAX_IDEMPOTENCY_KEY} characters.",
        )
    return key


def require(request: web.Request, scope: Scope) -> Principal:
    """The caller, if their token's scope covers ``scope``."""
    principal = principal_of(request)
    if not principal.scope.allows(scope):
        raise Forbidden("insufficient_scope", f"This needs a token with the {scope.value} scope.")
    return principal


def query_int(request: web.Request, name: str, *, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidInput("invalid_query", f"'{name}' must be a whole number.") from exc
    if not lo <= value <= hi:
        raise InvalidInput("invalid_query", f"'{name}' must be between {lo} and {hi}.")
    return value
