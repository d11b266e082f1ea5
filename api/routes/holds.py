"""Holds: two-phase transfers. Reserve now; post all or part, or void, later."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web

from api.http import (
    idempotency_key,
    json_body,
    money,
    reject_unknown,
    require,
    required_string,
    string,
)
from api.keys import CONTAINER
from api.routes.accounts import owner_scope
from api.routes.transfers import receipt_response
from domain.errors import InvalidInput
from domain.identity.model import Scope

routes = web.RouteTableDef()

MAX_HOLD = timedelta(days=30)
DEFAULT_HOLD = timedelta(days=7)


def _expiry(body: dict[str, object], now: datetime) -> datetime:
    if "expires_in_s" in body and "expires_at" in body:
        raise InvalidInput("invalid_expiry", "Give 'expires_at' or 'expires_in_s', not both.")
    if "expires_at" in body:
        raw = body["expires_at"]
        try:
            when = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise InvalidInput(
                "invalid_expiry", "'expires_at' must be an ISO timestamp with a time zone."
            )
    else:
        seconds = body.get("expires_in_s", int(DEFAULT_HOLD.total_seconds()))
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds <= 0:
            raise InvalidInput("invalid_expiry", "'expires_in_s' must be a positive whole number.")
        when = now + timedelta(seconds=min(seconds, int(MAX_HOLD.total_seconds()) + 1))
    if when - now > MAX_HOLD:
        raise InvalidInput("invalid_expiry", "A hold can last at most 30 days.")
    return when


@routes.post("/api/v1/holds")
async def place_hold(request: web.Request) -> web.Response:
    """Reserve funds on an account for a later transfer."""
    principal = require(request, Scope.CUSTOMER)
    if not principal.is_customer:
        raise InvalidInput("customer_only", "Holds are placed by customers.")
    key = idempotency_key(request)
    body = await json_body(request)
    reject_unknown(
        body,
        {"account_id", "to_account_id", "payee_id", "amount", "memo", "expires_at", "expires_in_s"},
    )
    container = request.app[CONTAINER]
    receipt = await container.banking.place_hold(
        principal_id=principal.user_id,
        customer_id=principal.user_id,
        idempotency_key=key,
        account_id=required_string(body, "account_id", max_len=40),
        to_account_id=string(body, "to_account_id", required=False, max_len=40),
        payee_id=string(body, "payee_id", required=False, max_len=40),
        amount=money(body),
        expires_at=_expiry(body, container.clock.now()),
        memo=string(body, "memo", required=False, max_len=200),
    )
    return receipt_response(receipt)


@routes.get("/api/v1/holds")
async def list_holds(request: web.Request) -> web.Response:
    """List the customer's holds, newest first."""
    principal = require(request, Scope.CUSTOMER)
    status = request.query.get("status")
    if status is not None and status not in {"pending", "posted", "voided", "expired"}:
        raise InvalidInput("invalid_query", "'status' is one of pending, posted, voided, expired.")
    holds = await request.app[CONTAINER].banking.holds(principal.user_id, status=status)
    return web.json_response({"items": [h.to_json() for h in holds]})


@routes.get("/api/v1/holds/{hold_id}")
async def get_hold(request: web.Request) -> web.Response:
    """Show one hold."""
    principal = require(request, Scope.CUSTOMER)
    hold = await request.app[CONTAINER].banking.get_hold(
        owner_scope(principal), request.match_info["hold_id"]
    )
    return web.json_response(hold.to_json())


@routes.post("/api/v1/holds/{hold_id}/post")
async def post_hold(request: web.Request) -> web.Response:
    """Complete a hold for all or part of it; the rest is released."""
    principal = require(request, Scope.CUSTOMER)
    key = idempotency_key(request)
    body = await json_body(request) if request.can_read_body else {}
    reject_unknown(body, {"amount"})
    receipt = await request.app[CONTAINER].banking.post_hold(
        principal_id=principal.user_id,
        customer_id=owner_scope(principal),
        idempotency_key=key,
        hold_id=request.match_info["hold_id"],
        amount=money(body) if "amount" in body else None,
    )
    return receipt_response(receipt, created=200)


@routes.post("/api/v1/holds/{hold_id}/void")
async def void_hold(request: web.Request) -> web.Response:
    """Cancel a hold and release its funds."""
    principal = require(request, Scope.CUSTOMER)
    key = idempotency_key(request)
    receipt = await request.app[CONTAINER].banking.void_hold(
        principal_id=principal.user_id,
        customer_id=owner_scope(principal),
        idempotency_key=key,
        hold_id=request.match_info["hold_id"],
    )
    return receipt_response(receipt, created=200)
