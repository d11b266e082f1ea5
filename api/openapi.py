"""The OpenAPI 3.1 description of /api/v1, kept beside the routes it describes.

A test checks that every route the app serves under /api/v1 is described
here and that nothing here is left without a route.
"""

from __future__ import annotations

from typing import Any

from api import openapi_forecasts, openapi_ml, openapi_rules, openapi_trading

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {JSON: {"schema": schema}}}


def _ok(schema: dict[str, Any] | None, status: str = "200", text: str = "OK") -> dict[str, Any]:
    resp: dict[str, Any] = {"description": text}
    if schema is not None:
        resp["content"] = {JSON: {"schema": schema}}
    return {status: resp}


_ERRORS = {
    code: {"description": text, "content": {JSON: {"schema": _ref("Error")}}}
    for code, text in {
        "401": "Not signed in, or the token is bad",
        "403": "The token's scope does not allow this",
        "404": "No such thing (or not yours)",
        "409": "Conflicts with current state, e.g. a reused Idempotency-Key",
        "413": "Body too large",
        "422": "Invalid input, or refused by a business rule",
        "429": "Rate limited; see Retry-After",
    }.items()
}

_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "Unique per payment; a resend with the same key and body replays the answer.",
    "schema": {"type": "string", "maxLength": 255},
}


def _op(
    summary: str,
    responses: dict[str, Any],
    *,
    body: dict[str, Any] | None = None,
    params: list[dict[str, Any]] | None = None,
    public: bool = False,
    tag: str,
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": {**responses, **_ERRORS}}
    if body is not None:
        op["requestBody"] = _body(body)
    if params:
        op["parameters"] = params
    if public:
        op["security"] = []
    return op


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"items": {"type": "array", "items": _ref(name)}}}


_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    },
    "Money": {
        "type": "object",
        "required": ["minor"],
        "properties": {
            "minor": {"type": "integer", "minimum": 1, "description": "Minor units (paise)"},
            "currency": {"type": "string", "default": "INR", "pattern": "^[A-Z]{3}$"},
        },
        "additionalProperties": False,
    },
    "SignedMoney": {
        "type": "object",
        "properties": {"minor": {"type": "integer"}, "currency": {"type": "string"}},
    },
    "Tokens": {
        "type": "object",
        "properties": {
            "access_token": {"type": "string"},
            "refresh_token": {"type": "string"},
            "token_type": {"type": "string", "const": "Bearer"},
            "expires_in": {"type": "integer"},
        },
    },
    "Me": {
        "type": "object",
        "properties": {
            k: {"type": "string"}
            for k in ("id", "username", "full_name", "role", "scope", "timezone")
        },
    },
    "Account": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "type": {"enum": ["savings", "current", "fixed_deposit", "trading"]},
            "name": {"type": "string"},
            "number": {"type": "string", "description": "Masked account number"},
            "currency": {"type": "string"},
            "balance": _ref("SignedMoney"),
            "available": _ref("SignedMoney"),
        },
    },
    "Transaction": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "transfer_id": {"type": "string"},
            "kind": {"enum": ["internal", "payee", "external_credit", "external_debit"]},
            "amount": {**_ref("SignedMoney"), "description": "Negative for debits"},
            "balance_after": _ref("SignedMoney"),
            "category": {"type": ["string", "null"]},
            "merchant": {"type": ["string", "null"]},
            "counterparty": {"type": ["string", "null"]},
            "memo": {"type": ["string", "null"]},
            "posted_at": {"type": "string", "format": "date-time"},
        },
    },
    "TransactionPage": {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": _ref("Transaction")},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
    "Payee": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "nickname": {"type": ["string", "null"]},
            "account_number": {"type": ["string", "null"]},
            "ifsc": {"type": ["string", "null"]},
            "upi_id": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
    "NewPayee": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 100},
            "nickname": {"type": "string", "maxLength": 50},
            "account_number": {"type": "string", "pattern": "^[0-9]{9,18}$"},
            "ifsc": {"type": "string", "pattern": "^[A-Z]{4}0[A-Z0-9]{6}$"},
            "upi_id": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "NewTransfer": {
        "type": "object",
        "required": ["from_account_id", "amount"],
        "properties": {
            "from_account_id": {"type": "string"},
            "to_account_id": {"type": "string"},
            "payee_id": {"type": "string"},
            "amount": _ref("Money"),
            "memo": {"type": "string", "maxLength": 200},
        },
        "additionalProperties": False,
    },
    "Transfer": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string"},
            "status": {"const": "completed"},
            "from_account_id": {"type": "string"},
            "to_account_id": {"type": "string"},
            "payee_id": {"type": ["string", "null"]},
            "hold_id": {"type": ["string", "null"]},
            "amount": _ref("Money"),
            "memo": {"type": ["string", "null"]},
            "category": {"type": ["string", "null"]},
            "merchant": {"type": ["string", "null"]},
            "counterparty": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "posted_at": {"type": "string", "format": "date-time"},
        },
    },
    "NewHold": {
        "type": "object",
        "required": ["account_id", "amount"],
        "properties": {
            "account_id": {"type": "string"},
            "to_account_id": {"type": "string"},
            "payee_id": {"type": "string"},
            "amount": _ref("Money"),
            "memo": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"},
            "expires_in_s": {"type": "integer", "minimum": 1, "default": 604800},
        },
        "additionalProperties": False,
    },
    "Hold": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "account_id": {"type": "string"},
            "to_account_id": {"type": "string"},
            "payee_id": {"type": ["string", "null"]},
            "amount": _ref("Money"),
            "posted_amount": _ref("SignedMoney"),
            "status": {"enum": ["pending", "posted", "voided", "expired"]},
            "memo": {"type": ["string", "null"]},
            "expires_at": {"type": "string", "format": "date-time"},
            "created_at": {"type": "string", "format": "date-time"},
            "resolved_at": {"type": ["string", "null"], "format": "date-time"},
            "transfer_id": {"type": ["string", "null"]},
        },
    },
    "ChatMessage": {
        "type": "object",
        "description": "Exactly one of text or payload.",
        "properties": {
            "text": {"type": "string", "maxLength": 10000},
            "payload": {"type": "string", "maxLength": 200},
            "conversation_id": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "Reply": {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "buttons": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"label": {"type": "string"}, "payload": {"type": "string"}},
                },
            },
            "quick_replies": {"type": "array", "items": {"type": "string"}},
            "image_url": {"type": "string"},
            "cards": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ChatTurn": {
        "type": "object",
        "properties": {
            "conversation_id": {"type": "string"},
            "message_id": {"type": "string", "description": "Rate this reply via /chat/feedback"},
            "replies": {"type": "array", "items": _ref("Reply")},
        },
    },
    "Limits": {
        "type": "object",
        "properties": {k: _ref("Money") for k in ("per_transfer", "daily", "weekly", "monthly")},
    },
    "NewPosting": {
        "type": "object",
        "required": ["account_id", "direction", "amount", "counterparty"],
        "properties": {
            "account_id": {"type": "string"},
            "direction": {"enum": ["credit", "debit"]},
            "amount": _ref("Money"),
            "counterparty": {"type": "string"},
            "category": {"type": "string"},
            "merchant": {"type": "string"},
            "memo": {"type": "string"},
            "posted_at": {"type": "string", "format": "date-time"},
        },
        "additionalProperties": False,
    },
}

_HISTORY_PARAMS = [
    _query(
        "from",
        {"type": "string"},
        "Start date (YYYY-MM-DD, inclusive, your time zone) or timestamp",
    ),
    _query("to", {"type": "string"}, "End date (YYYY-MM-DD, inclusive) or timestamp"),
    _query("category", {"type": "string"}, "food, groceries, rent, utilities, shopping, ..."),
    _query("merchant", {"type": "string"}, "Exact merchant name, any case"),
    _query("min_amount", {"type": "integer", "minimum": 0}, "Minimum absolute amount in paise"),
    _query("max_amount", {"type": "integer", "minimum": 0}, "Maximum absolute amount in paise"),
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}, "Page size"),
    _query("cursor", {"type": "string"}, "next_cursor from the previous page"),
]


def _paths() -> dict[str, Any]:
    acct = [_path_param("account_id")]
    hold = [_path_param("hold_id")]
    return {
        "/api/v1/auth/login": {
            "post": _op(
                "Sign in with username and password",
                _ok(_ref("Tokens")) | {"423": {"description": "Locked after repeated failures"}},
                body={
                    "type": "object",
                    "required": ["username", "password"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                },
                public=True,
                tag="auth",
            )
        },
        "/api/v1/auth/refresh": {
            "post": _op(
                "Swap a refresh token for new tokens (rotation; reuse revokes the session)",
                _ok(_ref("Tokens")),
                body={
                    "type": "object",
                    "required": ["refresh_token"],
                    "properties": {"refresh_token": {"type": "string"}},
                },
                public=True,
                tag="auth",
            )
        },
        "/api/v1/auth/logout": {"post": _op("Sign out this session", _ok(None, "204"), tag="auth")},
        "/api/v1/auth/logout-all": {
            "post": _op("Sign out every session and channel", _ok(None, "204"), tag="auth")
        },
        "/api/v1/me": {"get": _op("Who am I", _ok(_ref("Me")), tag="auth")},
        "/api/v1/accounts": {
            "get": _op("List my accounts", _ok(_list_of("Account")), tag="accounts")
        },
        "/api/v1/accounts/{account_id}": {
            "get": _op("One account", _ok(_ref("Account")), params=acct, tag="accounts")
        },
        "/api/v1/accounts/{account_id}/transactions": {
            "get": _op(
                "Account history, newest first",
                _ok(_ref("TransactionPage")),
                params=acct + _HISTORY_PARAMS,
                tag="accounts",
            )
        },
        "/api/v1/limits": {
            "get": _op("My payment limits", _ok(_ref("Limits")), tag="accounts"),
            "put": _op(
                "Change my payment limits (up to the bank's maximums)",
                _ok(_ref("Limits")),
                body={
                    "type": "object",
                    "properties": {
                        k: _ref("Money") for k in ("per_transfer", "daily", "weekly", "monthly")
                    },
                },
                tag="accounts",
            ),
        },
        "/api/v1/payees": {
            "get": _op("List my payees", _ok(_list_of("Payee")), tag="payees"),
            "post": _op(
                "Add a payee", _ok(_ref("Payee"), "201"), body=_ref("NewPayee"), tag="payees"
            ),
        },
        "/api/v1/payees/{payee_id}": {
            "get": _op(
                "One payee", _ok(_ref("Payee")), params=[_path_param("payee_id")], tag="payees"
            ),
            "delete": _op(
                "Remove a payee", _ok(None, "204"), params=[_path_param("payee_id")], tag="payees"
            ),
        },
        "/api/v1/transfers": {
            "post": _op(
                "Transfer to an own account or a payee",
                _ok(_ref("Transfer"), "201") | _ok(_ref("Transfer"), "200", "Replayed answer"),
                body=_ref("NewTransfer"),
                params=[_IDEMPOTENCY],
                tag="transfers",
            )
        },
        "/api/v1/transfers/{transfer_id}": {
            "get": _op(
                "One transfer",
                _ok(_ref("Transfer")),
                params=[_path_param("transfer_id")],
                tag="transfers",
            )
        },
        "/api/v1/holds": {
            "get": _op(
                "List my holds",
                _ok(_list_of("Hold")),
                params=[
                    _query("status", {"enum": ["pending", "posted", "voided", "expired"]}, "Filter")
                ],
                tag="holds",
            ),
            "post": _op(
                "Reserve funds (two-phase transfer)",
                _ok(_ref("Hold"), "201"),
                body=_ref("NewHold"),
                params=[_IDEMPOTENCY],
                tag="holds",
            ),
        },
        "/api/v1/holds/{hold_id}": {
            "get": _op("One hold", _ok(_ref("Hold")), params=hold, tag="holds")
        },
        "/api/v1/holds/{hold_id}/post": {
            "post": _op(
                "Post a hold, all or part; the rest is released",
                _ok(_ref("Hold")),
                body={"type": "object", "properties": {"amount": _ref("Money")}},
                params=[*hold, _IDEMPOTENCY],
                tag="holds",
            )
        },
        "/api/v1/holds/{hold_id}/void": {
            "post": _op("Void a hold", _ok(_ref("Hold")), params=[*hold, _IDEMPOTENCY], tag="holds")
        },
        "/api/v1/operator/postings": {
            "post": _op(
                "Book a bank-feed credit or debit (operator)",
                _ok(_ref("Transfer"), "201"),
                body=_ref("NewPosting"),
                params=[_IDEMPOTENCY],
                tag="operator",
            )
        },
        "/api/v1/operator/customers/{customer_id}/accounts": {
            "get": _op(
                "A customer's accounts (operator)",
                _ok(_list_of("Account")),
                params=[_path_param("customer_id")],
                tag="operator",
            )
        },
        "/api/v1/operator/customers/{customer_id}/limits": {
            "put": _op(
                "Set a customer's limits (operator)",
                _ok(_ref("Limits")),
                body={
                    "type": "object",
                    "properties": {
                        k: _ref("Money") for k in ("per_transfer", "daily", "weekly", "monthly")
                    },
                },
                params=[_path_param("customer_id")],
                tag="operator",
            )
        },
        "/api/v1/chat": {
            "post": _op(
                "Send Swayam a message or a button press",
                _ok(_ref("ChatTurn")),
                body=_ref("ChatMessage"),
                tag="chat",
            )
        },
        "/api/v1/chat/conversations": {
            "get": _op("List my conversations", _ok({"type": "object"}), tag="chat")
        },
        "/api/v1/chat/conversations/{conversation_id}": {
            "get": _op(
                "One conversation with its messages",
                _ok({"type": "object"}),
                params=[_path_param("conversation_id")],
                tag="chat",
            ),
            "delete": _op(
                "Delete a conversation",
                _ok(None, "204"),
                params=[_path_param("conversation_id")],
                tag="chat",
            ),
        },
        "/api/v1/chat/feedback": {
            "post": _op(
                "Rate one of Swayam's replies",
                _ok({"type": "object"}, "201"),
                body={
                    "type": "object",
                    "required": ["message_id", "helpful"],
                    "properties": {
                        "message_id": {"type": "string"},
                        "helpful": {"type": "boolean"},
                        "comment": {"type": "string", "maxLength": 1000},
                    },
                },
                tag="chat",
            )
        },
        "/api/v1/nlu/parse": {
            "post": _op(
                "How Swayam reads a message: intent, ranking, entities",
                _ok({"type": "object"}),
                body={
                    "type": "object",
                    "required": ["text"],
                    "properties": {
                        "text": {"type": "string"},
                        "now": {"type": "string", "format": "date-time"},
                    },
                },
                tag="chat",
            )
        },
        "/api/v1/assistant/analytics": {
            "get": _op(
                "Assistant analytics (operator)",
                _ok({"type": "object"}),
                params=[_query("since", {"type": "string", "format": "date-time"}, "From when")],
                tag="operator",
            )
        },
        "/api/v1/support/tickets": {
            "get": _op(
                "Support tickets from chat (operator)",
                _ok({"type": "object"}),
                params=[_query("status", {"enum": ["open", "closed"]}, "Filter")],
                tag="operator",
            )
        },
        "/api/v1/support/tickets/{ticket_id}/close": {
            "post": _op(
                "Close a ticket (operator)",
                _ok(None, "204"),
                params=[_path_param("ticket_id")],
                tag="operator",
            )
        },
        "/api/v1/telegram/link-code": {
            "post": _op(
                "A one-time code to link a Telegram chat (send /start CODE to the bot)",
                _ok(
                    {
                        "type": "object",
                        "properties": {
                            "code": {"type": "string"},
                            "expires_at": {"type": "string", "format": "date-time"},
                            "start_command": {"type": "string"},
                            "deep_link": {"type": ["string", "null"], "format": "uri"},
                        },
                    },
                    "201",
                ),
                tag="telegram",
            )
        },
        **_event_paths(),
        "/api/v1/openapi.json": {
            "get": _op("This document", _ok({"type": "object"}), public=True, tag="meta")
        },
        **_ledger_paths(),
    }


def _ledger_paths() -> dict[str, Any]:
    """The audit log (docs/LEDGER.md): RFC 6962 proofs and C2SP signed checkpoints."""
    hexes = {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
    note = {"text/plain": {"schema": {"type": "string"}}}
    size = {"type": "integer", "minimum": 0}
    return {
        "/api/v1/ledger/public-key": {
            "get": _op(
                "The Ed25519 keys that sign checkpoints, current and retired",
                _ok({"type": "object"}),
                public=True,
                tag="ledger",
            )
        },
        "/api/v1/ledger/checkpoint": {
            "get": _op(
                "The latest signed checkpoint as a C2SP signed note"
                " (JSON with Accept: application/json)",
                {"200": {"description": "The signed note", "content": note}},
                public=True,
                tag="ledger",
            )
        },
        "/api/v1/ledger/entries/{seq}": {
            "get": _op(
                "One entry exactly as hashed, with its inclusion proof and checkpoint",
                _ok(
                    {
                        "type": "object",
                        "properties": {
                            "seq": size,
                            "entry": {"type": "string"},
                            "leaf_hash": {"type": "string"},
                            "proof": {
                                "type": "object",
                                "properties": {
                                    "leaf_index": size,
                                    "tree_size": size,
                                    "root_hash": {"type": "string"},
                                    "hashes": hexes,
                                },
                            },
                            "checkpoint": {"type": "string"},
                        },
                    }
                ),
                params=[_path_param("seq")],
                tag="ledger",
            )
        },
        "/api/v1/ledger/consistency": {
            "get": _op(
                "A consistency proof between two tree sizes",
                _ok({"type": "object", "properties": {"hashes": hexes}}),
                params=[
                    _query("from", size, "The older tree size (required)"),
                    _query("to", size, "The newer tree size (required)"),
                ],
                tag="ledger",
            )
        },
        "/api/v1/ledger/audit": {
            "get": _op(
                "Log entries newest first: your own, or any customer's for operators",
                _ok({"type": "object"}),
                params=[
                    _query("customer_id", {"type": "string"}, "Operators: one customer's"),
                    _query("type", {"type": "string"}, "One event type, e.g. transfer"),
                    _query("before", size, "next_before from the previous page"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page"),
                ],
                tag="ledger",
            )
        },
        "/api/v1/ledger/stats": {
            "get": _op(
                "The log's size, root and latest checkpoint", _ok({"type": "object"}), tag="ledger"
            )
        },
    }


def _event_paths() -> dict[str, Any]:
    obj: dict[str, Any] = {"type": "object"}
    items = {"type": "object", "properties": {"items": {"type": "array", "items": obj}}}
    wid = [_path_param("webhook_id")]
    return {
        "/api/v1/notifications": {
            "get": _op(
                "List notifications, newest first, with the unread count",
                _ok(items),
                params=[
                    _query("unread", {"type": "boolean"}, "Only unread ones."),
                    _query("limit", {"type": "integer", "maximum": 200}, "At most this many."),
                ],
                tag="notifications",
            )
        },
        "/api/v1/notifications/{notification_id}/read": {
            "post": _op(
                "Mark a notification read",
                _ok(obj),
                params=[_path_param("notification_id")],
                tag="notifications",
            )
        },
        "/api/v1/notifications/read-all": {
            "post": _op("Mark every notification read", _ok(obj), tag="notifications")
        },
        "/api/v1/notifications/preferences": {
            "get": _op("Notification preferences", _ok(obj), tag="notifications"),
            "put": _op(
                "Change preferences: categories on/silent/off, channels, quiet hours, "
                "muted_until, min_amount",
                _ok(obj),
                body=obj,
                tag="notifications",
            ),
        },
        "/api/v1/webhooks": {
            "get": _op("List webhook endpoints", _ok(items), tag="webhooks"),
            "post": _op(
                "Register an endpoint; its whsec_ secret is shown only in this answer",
                _ok(obj, "201"),
                body={
                    "type": "object",
                    "required": ["url"],
                    "properties": {
                        "url": {"type": "string"},
                        "event_types": {"type": "array", "items": {"type": "string"}},
                    },
                },
                tag="webhooks",
            ),
        },
        "/api/v1/webhooks/{webhook_id}": {
            "delete": _op("Delete an endpoint", _ok(None, "204"), params=wid, tag="webhooks")
        },
        "/api/v1/webhooks/{webhook_id}/test": {
            "post": _op("Send a webhook.test event", _ok(obj, "202"), params=wid, tag="webhooks")
        },
        "/api/v1/webhooks/{webhook_id}/rotate-secret": {
            "post": _op(
                "A new whsec_ secret, shown only in this answer; the old one also signs for 24 h",
                _ok(obj),
                params=wid,
                tag="webhooks",
            )
        },
        "/api/v1/webhooks/{webhook_id}/deliveries": {
            "get": _op("The delivery log", _ok(items), params=wid, tag="webhooks")
        },
        "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver": {
            "post": _op(
                "Send a delivery again",
                _ok(obj, "202"),
                params=[*wid, _path_param("delivery_id")],
                tag="webhooks",
            )
        },
        "/api/v1/webhooks/inbound/{source}": {
            "post": _op(
                "Receive a Standard Webhooks-signed message (credit or named event) from a source",
                {**_ok(obj, "201"), **_ok(obj, "200", "A replay: the first outcome")},
                body=obj,
                params=[_path_param("source")],
                public=True,
                tag="webhooks",
            )
        },
    }


def spec() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Swayam API",
            "version": "1",
            "description": "Chat-first banking: accounts, payees, transfers, holds. "
            "Money is {minor, currency} in integer minor units. Errors are "
            '{"error": {"code", "message"}}.',
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _SCHEMAS
            | openapi_trading.SCHEMAS
            | openapi_forecasts.SCHEMAS
            | openapi_ml.SCHEMAS
            | openapi_rules.SCHEMAS,
        },
        "paths": _paths()
        | openapi_trading.paths(_op, _ok, _path_param, _IDEMPOTENCY)
        | openapi_forecasts.paths(_op, _ok)
        | openapi_ml.paths(_op, _ok, _path_param)
        | openapi_rules.paths(_op, _ok, _path_param),
    }
