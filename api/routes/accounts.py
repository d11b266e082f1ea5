"""Accounts, transaction history and payment limits."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web

from api.http import json_body, query_int, reject_unknown, require
from api.keys import CONTAINER
from bot.bootstrap import default_limits
from domain.banking.views import HistoryFilter
from domain.errors import InvalidInput
from domain.identity.model import Principal, Scope
from domain.money import MAX_MINOR, Money

routes = web.RouteTableDef()

CATEGORIES = frozenset(
    {
        "food",
        "groceries",
        "rent",
        "utilities",
        "shopping",
        "travel",
        "entertainment",
        "salary",
        "investments",
        "transfers",
        "others",
    }
)


def encode_cursor(posting_id: int) -> str:
    return base64.urlsafe_b64encode(f"p{posting_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        if not text.startswith("p"):
            raise ValueError
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid_cursor", "'cursor' is not one this API gave out.") from exc


def _bound(raw: str, name: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """A date (whole day in the customer's zone, inclusive) or an ISO timestamp."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime.combine(day, time(), tzinfo=zone)
            return start + timedelta(days=1) if end else start
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidInput(
            "invalid_query", f"'{name}' must be a date (YYYY-MM-DD) or an ISO timestamp."
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment


def history_filter(request: web.Request, timezone: str) -> HistoryFilter:
    q = request.query
    unknown = set(q) - {
        "from",
        "to",
        "category",
        "merchant",
        "min_amount",
        "max_amount",
        "limit",
        "cursor",
    }
    if unknown:
        raise InvalidInput("invalid_query", f"Unknown filter(s): {', '.join(sorted(unknown))}.")
    zone = ZoneInfo(timezone)
    start = _bound(q["from"], "from", zone, end=False) if q.get("from") else None
    end = _bound(q["to"], "to", zone, end=True) if q.get("to") else None
    if start and end and start >= end:
        raise InvalidInput("invalid_query", "'from' must be before 'to'.")
    category = q.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(
            "invalid_query",
            f"Unknown category '{category}'. Use one of: {', '.join(sorted(CATEGORIES))}.",
        )
    min_amount = query_int(request, "min_amount", default=-1, lo=0, hi=MAX_MINOR)
    max_amount = query_int(request, "max_amount", default=-1, lo=0, hi=MAX_MINOR)
    if min_amount >= 0 and max_amount >= 0 and min_amount > max_amount:
        raise InvalidInput("invalid_query", "'min_amount' is above 'max_amount'.")
    merchant = q.get("merchant") or None
    if merchant is not None and len(merchant) > 100:
        raise InvalidInput("invalid_query", "'merchant' is too long.")
    return HistoryFilter(
        start=start,
        end=end,
        category=category,
        merchant=merchant,
        min_amount=min_amount if min_amount >= 0 else None,
        max_amount=max_amount if max_amount >= 0 else None,
        limit=query_int(request, "limit", default=50, lo=1, hi=200),
        cursor=decode_cursor(q["cursor"]) if q.get("cursor") else None,
    )


def owner_scope(principal: Principal) -> str | None:
    """Customers see their own; operators see any (None)."""
    return principal.user_id if principal.is_customer else None


@routes.get("/api/v1/accounts")
async def list_accounts(request: web.Request) -> web.Response:
    """List the customer's accounts with balances."""
    principal = require(request, Scope.CUSTOMER)
    accounts = await request.app[CONTAINER].banking.accounts(principal.user_id)
    return web.json_response({"items": [a.to_json() for a in accounts]})


@routes.get("/api/v1/accounts/{account_id}")
async def get_account(request: web.Request) -> web.Response:
    """Show one account."""
    principal = require(request, Scope.CUSTOMER)
    account = await request.app[CONTAINER].banking.account(
        owner_scope(principal), request.match_info["account_id"]
    )
    return web.json_response(account.to_json())


@routes.get("/api/v1/accounts/{account_id}/transactions")
async def account_transactions(request: web.Request) -> web.Response:
    """Page through an account's history, newest first."""
    principal = require(request, Scope.CUSTOMER)
    flt = history_filter(request, principal.timezone)
    page = await request.app[CONTAINER].banking.history(
        owner_scope(principal), request.match_info["account_id"], flt
    )
    return web.json_response(
        {
            "items": [i.to_json() for i in page.items],
            "next_cursor": encode_cursor(page.next_cursor) if page.next_cursor else None,
        }
    )


@routes.get("/api/v1/limits")
async def get_limits(request: web.Request) -> web.Response:
    """Show the customer's payment limits."""
    principal = require(request, Scope.CUSTOMER)
    limits = await request.app[CONTAINER].banking.limits(principal.user_id)
    return web.json_response(limits.to_json())


@routes.put("/api/v1/limits")
async def put_limits(request: web.Request) -> web.Response:
    """Change the customer's own limits, up to the bank's maximums."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    container = request.app[CONTAINER]
    changes = limit_changes(body)
    limits = await container.banking.set_limits(
        principal.user_id, changes, cap=default_limits(container.settings)
    )
    return web.json_response(limits.to_json())


def limit_changes(body: dict[str, object]) -> dict[str, int]:
    reject_unknown(body, {"per_transfer", "daily", "weekly", "monthly"})
    if not body:
        raise InvalidInput("missing_field", "Give at least one limit to change.")
    return {name: Money.from_json(value, field=name).minor for name, value in body.items()}
