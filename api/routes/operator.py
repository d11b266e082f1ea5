"""Operator endpoints: bank-feed postings, and a look at customers."""

from __future__ import annotations

from datetime import datetime

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
from api.routes.accounts import CATEGORIES, limit_changes
from api.routes.transfers import receipt_response
from domain.errors import InvalidInput
from domain.identity.model import Scope

routes = web.RouteTableDef()


def _posted_at(body: dict[str, object]) -> datetime | None:
    raw = body.get("posted_at")
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInput(
            "invalid_posted_at", "'posted_at' must be an ISO timestamp with a time zone."
        )
    return when


@routes.post("/api/v1/operator/postings")
async def create_posting(request: web.Request) -> web.Response:
    """Book an external credit or debit on a customer account, as a bank feed would."""
    principal = require(request, Scope.OPERATOR)
    key = idempotency_key(request)
    body = await json_body(request)
    reject_unknown(
        body,
        {
            "account_id",
            "direction",
            "amount",
            "counterparty",
            "category",
            "merchant",
            "memo",
            "posted_at",
        },
    )
    direction = required_string(body, "direction", max_len=10)
    if direction not in {"credit", "debit"}:
        raise InvalidInput("invalid_direction", "'direction' must be 'credit' or 'debit'.")
    category = string(body, "category", required=False, max_len=32)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput("invalid_category", f"Unknown category '{category}'.")
    receipt = await request.app[CONTAINER].banking.external_posting(
        principal_id=principal.user_id,
        idempotency_key=key,
        account_id=required_string(body, "account_id", max_len=40),
        direction=direction,
        amount=money(body),
        counterparty=required_string(body, "counterparty", max_len=200),
        category=category,
        merchant=string(body, "merchant", required=False, max_len=100),
        memo=string(body, "memo", required=False, max_len=200),
        posted_at=_posted_at(body),
    )
    return receipt_response(receipt)


@routes.get("/api/v1/operator/customers/{customer_id}/accounts")
async def customer_accounts(request: web.Request) -> web.Response:
    """List any customer's accounts."""
    require(request, Scope.OPERATOR)
    accounts = await request.app[CONTAINER].banking.accounts(request.match_info["customer_id"])
    return web.json_response({"items": [a.to_json() for a in accounts]})


@routes.put("/api/v1/operator/customers/{customer_id}/limits")
async def customer_limits(request: web.Request) -> web.Response:
    """Set any customer's payment limits."""
    require(request, Scope.OPERATOR)
    body = await json_body(request)
    limits = await request.app[CONTAINER].banking.set_limits(
        request.match_info["customer_id"], limit_changes(body)
    )
    return web.json_response(limits.to_json())
