"""The audit log: signed checkpoints, entries with inclusion proofs, consistency, audit trail.

The public key and the latest checkpoint need no token, so anyone (an
auditor, a witness) can follow the log; entries belong to their customer,
and operators may see any.
"""

from __future__ import annotations

from aiohttp import web

from api.http import query_int, require
from api.keys import CONTAINER
from domain.errors import InvalidInput, NotFound
from domain.identity.model import Scope
from domain.ledger.service import checkpoint_json, entry_json

routes = web.RouteTableDef()

_MAX_SEQ = 2**62


def _seq(raw: str, name: str) -> int:
    if not raw.isdigit() or len(raw) > 19:
        raise InvalidInput("invalid_seq", f"'{name}' must be a whole number, 0 or more.")
    return int(raw)


def _required_int(request: web.Request, name: str) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        raise InvalidInput("missing_query", f"'{name}' is required.")
    return _seq(raw, name)


@routes.get("/api/v1/ledger/public-key")
async def public_key(request: web.Request) -> web.Response:
    """The keys that sign checkpoints: the current one and every retired one."""
    return web.json_response(request.app[CONTAINER].ledger.public_keys())


@routes.get("/api/v1/ledger/checkpoint")
async def checkpoint(request: web.Request) -> web.Response:
    """The latest signed checkpoint, as a C2SP signed note (text/plain)."""
    ledger = request.app[CONTAINER].ledger
    latest = await ledger.latest_checkpoint()
    if latest is None:
        latest = await ledger.checkpoint()
    if latest is None:
        raise NotFound("ledger_empty", "The log has no entries yet, so nothing is signed.")
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response(checkpoint_json(latest))
    return web.Response(text=latest.note, content_type="text/plain", charset="utf-8")


@routes.get("/api/v1/ledger/entries/{seq}")
async def entry(request: web.Request) -> web.Response:
    """One entry, exactly as hashed, with its inclusion proof and the signed checkpoint."""
    principal = require(request, Scope.CUSTOMER)
    seq = _seq(request.match_info["seq"], "seq")
    owner = None if principal.scope.allows(Scope.OPERATOR) else principal.user_id
    proof = await request.app[CONTAINER].ledger.proof(seq, owner)
    return web.json_response(proof.to_json())


@routes.get("/api/v1/ledger/consistency")
async def consistency(request: web.Request) -> web.Response:
    """A proof that the log at size 'from' is a prefix of the log at size 'to'."""
    require(request, Scope.CUSTOMER)
    old, new = _required_int(request, "from"), _required_int(request, "to")
    return web.json_response(await request.app[CONTAINER].ledger.consistency(old, new))


@routes.get("/api/v1/ledger/audit")
async def audit(request: web.Request) -> web.Response:
    """Log entries newest first: your own, or (operators) anyone's."""
    principal = require(request, Scope.CUSTOMER)
    customer = request.query.get("customer_id") or None
    if principal.scope.allows(Scope.OPERATOR):
        owner = customer
    elif customer is not None and customer != principal.user_id:
        raise NotFound("customer_not_found", "No such customer.")
    else:
        owner = principal.user_id
    before = request.query.get("before")
    event_type = request.query.get("type") or None
    if event_type is not None and (len(event_type) > 40 or not event_type.isprintable()):
        raise InvalidInput("invalid_query", "'type' is not an event type.")
    items, next_before = await request.app[CONTAINER].ledger.audit(
        owner,
        before=None if before in (None, "") else _seq(before, "before"),
        limit=query_int(request, "limit", default=50, lo=1, hi=200),
        event_type=event_type,
    )
    return web.json_response({"items": [entry_json(e) for e in items], "next_before": next_before})


@routes.get("/api/v1/ledger/stats")
async def stats(request: web.Request) -> web.Response:
    """The log's size, its latest checkpoint and (operators) entries by type."""
    principal = require(request, Scope.CUSTOMER)
    ledger = request.app[CONTAINER].ledger
    return web.json_response(await ledger.stats(by_type=principal.scope.allows(Scope.OPERATOR)))
