"""Transfers between own accounts and to saved payees."""

from __future__ import annotations

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
from domain.banking.engine import Receipt
from domain.errors import InvalidInput
from domain.identity.model import Scope

routes = web.RouteTableDef()


def receipt_response(receipt: Receipt, *, created: int = 201) -> web.Response:
    """The command's document; a replay answers 200 and says so in a header."""
    headers = {"Idempotent-Replayed": "true"} if receipt.replayed else {}
    return web.json_response(
        receipt.result, status=200 if receipt.replayed else created, headers=headers
    )


@routes.post("/api/v1/transfers")
async def create_transfer(request: web.Request) -> web.Response:
    """Move money to an own account or a saved payee."""
    principal = require(request, Scope.CUSTOMER)
    if not principal.is_customer:
        raise InvalidInput(
            "customer_only",
            "Transfers are made by customers; operators post via /operator/postings.",
        )
    key = idempotency_key(request)
    body = await json_body(request)
    reject_unknown(body, {"from_account_id", "to_account_id", "payee_id", "amount", "memo"})
    to_account = string(body, "to_account_id", required=False, max_len=40)
    payee = string(body, "payee_id", required=False, max_len=40)
    if (to_account is None) == (payee is None):
        raise InvalidInput(
            "invalid_destination", "Give exactly one of 'to_account_id' or 'payee_id'."
        )
    receipt = await request.app[CONTAINER].banking.transfer(
        principal_id=principal.user_id,
        customer_id=principal.user_id,
        idempotency_key=key,
        from_account_id=required_string(body, "from_account_id", max_len=40),
        to_account_id=to_account,
        payee_id=payee,
        amount=money(body),
        memo=string(body, "memo", required=False, max_len=200),
    )
    return receipt_response(receipt)


@routes.get("/api/v1/transfers/{transfer_id}")
async def get_transfer(request: web.Request) -> web.Response:
    """Show one transfer."""
    principal = require(request, Scope.CUSTOMER)
    transfer = await request.app[CONTAINER].banking.get_transfer(
        owner_scope(principal), request.match_info["transfer_id"]
    )
    return web.json_response(transfer.to_json())
