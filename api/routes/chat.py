"""REST chat: talk to Swayam, see and delete conversations, rate replies."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from api.http import json_body, reject_unknown, require, string
from api.keys import CONTAINER
from bot.analytics import assistant_analytics
from bot.context import Customer
from domain.errors import InvalidInput
from domain.identity.model import Principal, Scope

routes = web.RouteTableDef()
MAX_CHAT_TEXT = 10_000


def customer_of(principal: Principal) -> Customer:
    if not principal.is_customer:
        raise InvalidInput("customer_only", "Chat is for customers; use a customer token.")
    return Customer(principal.user_id, principal.full_name, principal.timezone)


@routes.post("/api/v1/chat")
async def chat(request: web.Request) -> web.Response:
    """Send Swayam a message (text) or a button press (payload)."""
    customer = customer_of(require(request, Scope.CUSTOMER))
    body = await json_body(request)
    reject_unknown(body, {"text", "payload", "conversation_id"})
    text = body.get("text")
    payload = body.get("payload")
    if (text is None) == (payload is None):
        raise InvalidInput("invalid_message", "Send exactly one of 'text' or 'payload'.")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_CHAT_TEXT):
        raise InvalidInput(
            "invalid_message", f"'text' must be a string of at most {MAX_CHAT_TEXT} characters."
        )
    if payload is not None and (not isinstance(payload, str) or len(payload) > 200):
        raise InvalidInput("invalid_message", "'payload' must be a button's payload string.")
    result = await request.app[CONTAINER].assistant.handle(
        customer,
        text=text,
        payload=payload,
        channel="rest",
        conversation_id=string(body, "conversation_id", required=False, max_len=40),
    )
    return web.json_response(
        {
            "conversation_id": result.conversation_id,
            "message_id": result.message_id,
            "replies": [r.to_json() for r in result.replies],
        }
    )


@routes.get("/api/v1/chat/conversations")
async def conversations(request: web.Request) -> web.Response:
    """List the customer's conversations, latest first."""
    principal = require(request, Scope.CUSTOMER)
    items = await request.app[CONTAINER].conversations.list(principal.user_id)
    return web.json_response({"items": items})


@routes.get("/api/v1/chat/conversations/{conversation_id}")
async def conversation(request: web.Request) -> web.Response:
    """Show one conversation with every message."""
    principal = require(request, Scope.CUSTOMER)
    conv = await request.app[CONTAINER].conversations.messages(
        principal.user_id, request.match_info["conversation_id"]
    )
    return web.json_response(conv)


@routes.delete("/api/v1/chat/conversations/{conversation_id}")
async def delete_conversation(request: web.Request) -> web.Response:
    """Delete a conversation and its messages."""
    principal = require(request, Scope.CUSTOMER)
    await request.app[CONTAINER].conversations.delete(
        principal.user_id, request.match_info["conversation_id"]
    )
    return web.Response(status=204)


@routes.post("/api/v1/chat/feedback")
async def feedback(request: web.Request) -> web.Response:
    """Say whether a reply helped, with an optional comment."""
    principal = require(request, Scope.CUSTOMER)
    body = await json_body(request)
    reject_unknown(body, {"message_id", "helpful", "comment"})
    message_id = string(body, "message_id", max_len=40)
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise InvalidInput("invalid_field", "'helpful' must be true or false.")
    comment = string(body, "comment", required=False, max_len=1000)
    assert message_id is not None
    result = await request.app[CONTAINER].conversations.feedback(
        principal.user_id, message_id, helpful, comment
    )
    return web.json_response(result, status=201)


@routes.get("/api/v1/assistant/analytics")
async def analytics(request: web.Request) -> web.Response:
    """For operators: intents, fallbacks, confidence, task outcomes and feedback."""
    require(request, Scope.OPERATOR)
    since = None
    if raw := request.query.get("since"):
        try:
            since = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise InvalidInput("invalid_query", "'since' must be an ISO timestamp.") from exc
        if since.tzinfo is None:
            raise InvalidInput("invalid_query", "'since' needs a time zone.")
    container = request.app[CONTAINER]
    await container.conversations.flush()  # count the turns already answered
    report = await assistant_analytics(container.db, since)
    return web.json_response(report)


@routes.get("/api/v1/support/tickets")
async def tickets(request: web.Request) -> web.Response:
    """For operators: support tickets opened from chat."""
    require(request, Scope.OPERATOR)
    items = await request.app[CONTAINER].support.tickets(status=request.query.get("status"))
    return web.json_response({"items": items})


@routes.post("/api/v1/support/tickets/{ticket_id}/close")
async def close_ticket(request: web.Request) -> web.Response:
    """For operators: close a ticket."""
    require(request, Scope.OPERATOR)
    await request.app[CONTAINER].support.close(request.match_info["ticket_id"])
    return web.Response(status=204)


@routes.post("/api/v1/nlu/parse")
async def nlu_parse(request: web.Request) -> web.Response:
    """Show how Swayam reads a message: intent, ranking and entities."""
    require(request, Scope.CUSTOMER)
    body = await json_body(request)
    reject_unknown(body, {"text", "now"})
    text = body.get("text")
    if not isinstance(text, str) or len(text) > MAX_CHAT_TEXT:
        raise InvalidInput(
            "invalid_field", f"'text' must be a string of at most {MAX_CHAT_TEXT} characters."
        )
    now = None
    if body.get("now") is not None:
        raw = body["now"]
        try:
            now = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            now = None
        if now is None or now.tzinfo is None:
            raise InvalidInput("invalid_field", "'now' must be an ISO timestamp with a time zone.")
    container = request.app[CONTAINER]
    assert container.nlu is not None
    result = container.nlu.parse(text, now or container.clock.now())
    out = result.to_dict()
    out.pop("is_confident", None)
    return web.json_response(out)
