"""Rules (auto-actions): CRUD, templates, dry runs, history and approvals."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from api.http import json_body, query_int, require
from api.keys import CONTAINER
from domain.errors import InvalidInput
from domain.events.model import Event
from domain.identity.model import Scope
from domain.rules.model import Rule

routes = web.RouteTableDef()

_STATUSES = {"awaiting_approval", "pending", "done", "failed", "skipped", "rejected", "expired"}


async def _view(request: web.Request, rule: Rule) -> dict[str, object]:
    service = request.app[CONTAINER].rules.service
    return {**rule.to_json(), "description": await service.describe(rule.customer_id, rule.spec)}


@routes.get("/api/v1/rules")
async def list_rules(request: web.Request) -> web.Response:
    """List the customer's rules (deleted ones are left out)."""
    principal = require(request, Scope.CUSTOMER)
    rules = await request.app[CONTAINER].rules.service.rules(principal.user_id)
    return web.json_response({"items": [await _view(request, r) for r in rules]})


@routes.post("/api/v1/rules")
async def create_rule(request: web.Request) -> web.Response:
    """Create a rule: trigger, conditions, actions, safety. It is active at once."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    rule = await request.app[CONTAINER].rules.service.create(principal.user_id, body)
    return web.json_response(await _view(request, rule), status=201)


@routes.get("/api/v1/rules/templates")
async def list_templates(request: web.Request) -> web.Response:
    """List the rule templates with their parameters and defaults."""
    require(request, Scope.CUSTOMER)
    templates = request.app[CONTAINER].rules.service.templates()
    return web.json_response({"items": [t.to_json() for t in templates]})


@routes.post("/api/v1/rules/templates/{template_id}")
async def from_template(request: web.Request) -> web.Response:
    """Create a rule from a template; the body overrides its parameters."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request) if request.can_read_body else {}
    rule = await request.app[CONTAINER].rules.service.from_template(
        principal.user_id, request.match_info["template_id"], body
    )
    return web.json_response(await _view(request, rule), status=201)


@routes.get("/api/v1/rules/executions")
async def list_executions(request: web.Request) -> web.Response:
    """Execution history, newest first: outcome and reason of each firing."""
    principal = require(request, Scope.CUSTOMER)
    status = request.query.get("status")
    if status is not None and status not in _STATUSES:
        raise InvalidInput(
            "invalid_query", f"'status' must be one of {', '.join(sorted(_STATUSES))}."
        )
    since = None
    if "since" in request.query:
        try:
            since = datetime.fromisoformat(request.query["since"])
        except ValueError:
            raise InvalidInput("invalid_query", "'since' must be an ISO 8601 time.") from None
        if since.tzinfo is None:
            raise InvalidInput("invalid_query", "'since' must carry a time zone.")
    items = await request.app[CONTAINER].rules.service.executions(
        principal.user_id,
        rule_id=request.query.get("rule_id"),
        since=since,
        status=status,
        limit=query_int(request, "limit", default=100, lo=1, hi=500),
    )
    return web.json_response({"items": [x.to_json() for x in items]})


@routes.get("/api/v1/rules/approvals")
async def list_approvals(request: web.Request) -> web.Response:
    """Rule runs waiting for the customer's approval."""
    principal = require(request, Scope.CUSTOMER)
    container = request.app[CONTAINER]
    await container.rules.runner.expire()
    items = await container.rules.service.executions(principal.user_id, status="awaiting_approval")
    return web.json_response({"items": [x.to_json() for x in items]})


@routes.post("/api/v1/rules/approvals/{execution_id}/approve")
async def approve(request: web.Request) -> web.Response:
    """Approve a waiting rule run; it is carried out at once."""
    principal = require(request, Scope.CUSTOMER)
    x = await request.app[CONTAINER].rules.runner.approve(
        principal.user_id, request.match_info["execution_id"]
    )
    return web.json_response(x.to_json())


@routes.post("/api/v1/rules/approvals/{execution_id}/reject")
async def reject(request: web.Request) -> web.Response:
    """Reject a waiting rule run; nothing moves."""
    principal = require(request, Scope.CUSTOMER)
    x = await request.app[CONTAINER].rules.runner.reject(
        principal.user_id, request.match_info["execution_id"]
    )
    return web.json_response(x.to_json())


@routes.get("/api/v1/rules/{rule_id}")
async def get_rule(request: web.Request) -> web.Response:
    """Show one rule, with its description in words."""
    principal = require(request, Scope.CUSTOMER)
    rule = await request.app[CONTAINER].rules.service.rule(
        principal.user_id, request.match_info["rule_id"]
    )
    return web.json_response(await _view(request, rule))


@routes.put("/api/v1/rules/{rule_id}")
async def put_rule(request: web.Request) -> web.Response:
    """Replace a rule's document; ``status`` alone (active / paused) pauses or resumes it."""
    principal = require(request, Scope.CUSTOMER)
    service = request.app[CONTAINER].rules.service
    body = await json_body(request)
    rule_id = request.match_info["rule_id"]
    status = body.pop("status", None)
    if status not in (None, "active", "paused"):
        raise InvalidInput("invalid_status", "'status' is active or paused.")
    if body:
        rule = await service.update(principal.user_id, rule_id, body)
    else:
        rule = await service.rule(principal.user_id, rule_id)
    if status == "paused":
        rule = await service.pause(principal.user_id, rule_id)
    elif status == "active" and rule.status.value != "active":
        rule = await service.resume(principal.user_id, rule_id)
    return web.json_response(await _view(request, rule))


@routes.delete("/api/v1/rules/{rule_id}")
async def delete_rule(request: web.Request) -> web.Response:
    """Delete a rule; its execution history stays."""
    principal = require(request, Scope.CUSTOMER)
    await request.app[CONTAINER].rules.service.delete(
        principal.user_id, request.match_info["rule_id"]
    )
    return web.Response(status=204)


@routes.post("/api/v1/rules/{rule_id}/test")
async def test_rule(request: web.Request) -> web.Response:
    """Dry run: what the rule would do now, or for a sample event; nothing moves."""
    principal = require(request, Scope.CUSTOMER)
    container = request.app[CONTAINER]
    rule = await container.rules.service.rule(principal.user_id, request.match_info["rule_id"])
    body = await json_body(request) if request.can_read_body else {}
    sample = None
    if body.get("event") is not None:
        doc = body["event"]
        if not isinstance(doc, dict) or not isinstance(doc.get("type"), str):
            raise InvalidInput("invalid_event", "'event' is an object with a 'type' and 'data'.")
        data = doc.get("data") or {}
        if not isinstance(data, dict):
            raise InvalidInput("invalid_event", "The sample event's 'data' must be an object.")
        sample = Event(doc["type"], principal.user_id, data, container.clock.now())
    result = await container.rules.runner.dry_run(rule, sample)
    return web.json_response(result)
