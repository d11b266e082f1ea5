"""The OpenAPI description of the rules routes (merged by ``api.openapi``)."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_of(name: str) -> dict[str, Any]:
    return {"type": "object", "properties": {"items": {"type": "array", "items": _ref(name)}}}


_PAISE = {"type": "integer", "minimum": 1, "description": "paise"}

SCHEMAS: dict[str, Any] = {
    "RuleTrigger": {
        "type": "object",
        "required": ["kind"],
        "description": "transaction: direction, account_id?, counterparty?, category?, "
        "merchant?, min_amount?, max_amount?; balance: account_id, crosses (below|above), "
        "threshold; market_condition: symbol and one of price_below, price_above, change_pct "
        "(basis purchase|reference, reference?); portfolio_value: crosses, threshold; "
        "time_based: schedule {every: day|week|month, at: HH:MM, weekday?, day?} or {cron}; "
        "external_event: event. Accounts may be named by type (savings, current, fd).",
        "properties": {
            "kind": {
                "enum": [
                    "transaction",
                    "balance",
                    "market_condition",
                    "portfolio_value",
                    "time_based",
                    "external_event",
                ]
            },
            "direction": {"enum": ["credit", "debit"]},
            "account_id": {"type": "string"},
            "counterparty": {"type": "string"},
            "category": {"type": "string"},
            "merchant": {"type": "string"},
            "min_amount": _PAISE,
            "max_amount": _PAISE,
            "crosses": {"enum": ["below", "above"]},
            "threshold": _PAISE,
            "symbol": {"type": "string"},
            "price_below": _PAISE,
            "price_above": _PAISE,
            "change_pct": {"type": "number"},
            "basis": {"enum": ["purchase", "reference"]},
            "reference": _PAISE,
            "schedule": {"type": "object"},
            "event": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "RuleAction": {
        "type": "object",
        "required": ["kind"],
        "description": "transfer: from_account_id, to_account_id or payee_id, and one of "
        "amount, percent (of the triggering amount), top_up_to, sweep_above; invest: symbol, "
        "amount or percent, from_account_id? (funds the trading account first); "
        "close_position: symbol, percent (default 100); notify: message; execute_rule: rule_id.",
        "properties": {
            "kind": {"enum": ["transfer", "invest", "close_position", "notify", "execute_rule"]},
            "from_account_id": {"type": "string"},
            "to_account_id": {"type": "string"},
            "payee_id": {"type": "string"},
            "amount": _PAISE,
            "percent": {"type": "number", "minimum": 0.01, "maximum": 100},
            "top_up_to": _PAISE,
            "sweep_above": _PAISE,
            "symbol": {"type": "string"},
            "message": {"type": "string"},
            "rule_id": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "RuleSafety": {
        "type": "object",
        "properties": {
            "requires_approval": {
                "type": ["boolean", "null"],
                "description": "null: on for payees and trades, off between own accounts",
            },
            "approval_ttl_s": {"type": "integer", "minimum": 60},
            "cooldown_s": {"type": "integer", "minimum": 0},
            "max_per_day": {"type": ["integer", "null"], "minimum": 1},
            "max_amount": {"type": ["integer", "null"], "description": "paise per execution"},
            "active_from": {"type": "string", "format": "date"},
            "active_until": {"type": "string", "format": "date"},
            "window": {
                "type": "object",
                "properties": {"start": {"type": "string"}, "end": {"type": "string"}},
            },
        },
        "additionalProperties": False,
    },
    "NewRule": {
        "type": "object",
        "required": ["name", "trigger", "actions"],
        "properties": {
            "name": {"type": "string", "maxLength": 100},
            "trigger": _ref("RuleTrigger"),
            "conditions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"const": "balance"},
                        "account_id": {"type": "string"},
                        "op": {"enum": ["above", "below"]},
                        "amount": _PAISE,
                    },
                },
            },
            "actions": {"type": "array", "items": _ref("RuleAction"), "minItems": 1, "maxItems": 5},
            "safety": _ref("RuleSafety"),
        },
        "additionalProperties": False,
    },
    "Rule": {
        "allOf": [
            _ref("NewRule"),
            {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"enum": ["active", "paused"]},
                    "template": {"type": ["string", "null"]},
                    "requires_approval": {"type": "boolean"},
                    "consecutive_failures": {"type": "integer"},
                    "description": {"type": "string", "description": "the rule in plain words"},
                },
            },
        ]
    },
    "RuleTemplate": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "params": {"type": "object", "description": "parameters with their defaults"},
        },
    },
    "RuleExecution": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "rule_id": {"type": "string"},
            "trigger": {"type": "string", "description": "event id, schedule slot or price"},
            "status": {
                "enum": [
                    "awaiting_approval",
                    "pending",
                    "done",
                    "failed",
                    "skipped",
                    "rejected",
                    "expired",
                ]
            },
            "amount": {"oneOf": [_ref("Money"), {"type": "null"}]},
            "steps": {"type": "array", "items": {"type": "object"}},
            "summary": {"type": "string"},
            "reason": {"type": ["string", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
            "finished_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "RuleDryRun": {
        "type": "object",
        "properties": {
            "rule_id": {"type": "string"},
            "would_fire": {"type": "boolean"},
            "trigger": {"type": "string"},
            "would_run": {"type": "boolean"},
            "requires_approval": {"type": "boolean"},
            "steps": {"type": "array", "items": {"type": "object"}},
            "reason": {"type": ["string", "null"]},
        },
    },
}


def paths(op: Any, ok: Any, path_param: Any) -> dict[str, Any]:
    """The paths, built with ``api.openapi``'s helpers so they share its error responses."""
    rule = [path_param("rule_id")]
    execution = [path_param("execution_id")]
    tag = "rules"
    return {
        "/api/v1/rules": {
            "get": op("My rules", ok(_list_of("Rule")), tag=tag),
            "post": op(
                "Create a rule (active at once)",
                ok(_ref("Rule"), "201", "Created"),
                body=_ref("NewRule"),
                tag=tag,
            ),
        },
        "/api/v1/rules/{rule_id}": {
            "get": op("One rule, with its description", ok(_ref("Rule")), params=rule, tag=tag),
            "put": op(
                "Replace a rule's document, or pause / resume it with {status}",
                ok(_ref("Rule")),
                body={"type": "object"},
                params=rule,
                tag=tag,
            ),
            "delete": op(
                "Delete a rule (its history stays)", ok(None, "204"), params=rule, tag=tag
            ),
        },
        "/api/v1/rules/{rule_id}/test": {
            "post": op(
                "Dry run: what the rule would do now or for a sample {event}; moves nothing",
                ok(_ref("RuleDryRun")),
                body={"type": "object", "properties": {"event": {"type": "object"}}},
                params=rule,
                tag=tag,
            )
        },
        "/api/v1/rules/templates": {
            "get": op("Rule templates", ok(_list_of("RuleTemplate")), tag=tag)
        },
        "/api/v1/rules/templates/{template_id}": {
            "post": op(
                "Create a rule from a template; the body overrides its parameters",
                ok(_ref("Rule"), "201", "Created"),
                body={"type": "object"},
                params=[path_param("template_id")],
                tag=tag,
            )
        },
        "/api/v1/rules/executions": {
            "get": op(
                "Execution history, newest first (?rule_id, ?status, ?since, ?limit)",
                ok(_list_of("RuleExecution")),
                tag=tag,
            )
        },
        "/api/v1/rules/approvals": {
            "get": op("Rule runs waiting for my approval", ok(_list_of("RuleExecution")), tag=tag)
        },
        "/api/v1/rules/approvals/{execution_id}/approve": {
            "post": op(
                "Approve a waiting rule run (carried out at once)",
                ok(_ref("RuleExecution")),
                params=execution,
                tag=tag,
            )
        },
        "/api/v1/rules/approvals/{execution_id}/reject": {
            "post": op(
                "Reject a waiting rule run",
                ok(_ref("RuleExecution")),
                params=execution,
                tag=tag,
            )
        },
    }
