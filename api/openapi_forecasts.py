"""The OpenAPI description of the forecast, Balance Watch and anomaly routes."""

from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _int_query(name: str, default: int, most: int, text: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": text,
        "schema": {"type": "integer", "minimum": 1, "maximum": most, "default": default},
    }


SCHEMAS: dict[str, Any] = {
    "ForecastDay": {
        "type": "object",
        "properties": {
            "date": {"type": "string", "format": "date"},
            "expected": _ref("SignedMoney"),
            "low": _ref("SignedMoney"),
            "high": _ref("SignedMoney"),
        },
    },
    "RecurringItem": {
        "type": "object",
        "properties": {
            "counterparty": {"type": "string"},
            "direction": {"enum": ["credit", "debit"]},
            "amount": _ref("Money"),
            "category": {"type": ["string", "null"]},
            "day_of_month": {"type": "integer"},
            "occurrences": {"type": "integer"},
            "last_date": {"type": "string", "format": "date"},
            "expected_date": {"type": "string", "format": "date"},
            "fixed_amount": {"type": "boolean"},
        },
    },
    "BalanceWatch": {
        "type": "object",
        "properties": {
            "minimum": _ref("Money"),
            "until": {"type": "string", "format": "date"},
            "until_salary": {"type": "boolean"},
            "risk": {
                "enum": ["ok", "possible", "likely"],
                "description": "likely: the expected balance goes below the minimum before "
                "`until`; possible: only the 80% interval does",
            },
            "first_day": {"type": ["string", "null"], "format": "date"},
            "lowest_expected": _ref("SignedMoney"),
            "warning": {"type": ["string", "null"]},
        },
    },
    "NewBalanceWatch": {
        "type": "object",
        "required": ["minimum"],
        "properties": {"minimum": _ref("Money")},
        "additionalProperties": False,
        "description": "A minimum of 0 watches for the balance going below zero",
    },
    "Forecast": {
        "type": "object",
        "properties": {
            "today": {"type": "string", "format": "date"},
            "balance": _ref("SignedMoney"),
            "interval": {"type": "number", "description": "The interval's coverage (0.8)"},
            "daily_variable_spending": _ref("Money"),
            "days": {"type": "array", "items": _ref("ForecastDay")},
            "recurring": {"type": "array", "items": _ref("RecurringItem")},
            "watch": _ref("BalanceWatch"),
        },
    },
    "AnomalyFlag": {
        "type": "object",
        "properties": {
            "customer_id": {"type": "string", "description": "Operator listing only"},
            "kind": {
                "enum": [
                    "large_debit",
                    "unusual_for_merchant",
                    "duplicate_charge",
                    "recurring_increase",
                    "new_merchant_large",
                ]
            },
            "title": {"type": "string"},
            "reason": {"type": "string"},
            "detail": {"type": "string"},
            "transfer_id": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "amount": _ref("Money"),
            "merchant": {"type": ["string", "null"]},
        },
    },
    "AnomalyList": {
        "type": "object",
        "properties": {
            "days": {"type": "integer"},
            "items": {"type": "array", "items": _ref("AnomalyFlag")},
        },
    },
}


def paths(op: Any, ok: Any) -> dict[str, Any]:
    """The paths, built with ``api.openapi``'s helpers so they share its error responses."""
    tag = "forecasts"
    days = _int_query("days", 30, 90, "Days ahead")
    return {
        "/api/v1/forecast": {
            "get": op(
                "My expected balance per day with an 80% interval, recurring items and watch",
                ok(_ref("Forecast")),
                params=[days],
                tag=tag,
            )
        },
        "/api/v1/forecast/watch": {
            "get": op("My Balance Watch", ok(_ref("BalanceWatch")), tag=tag),
            "put": op(
                "Set my Balance Watch minimum",
                ok(_ref("BalanceWatch")),
                body=_ref("NewBalanceWatch"),
                tag=tag,
            ),
        },
        "/api/v1/anomalies": {
            "get": op(
                "Unusual debits on my accounts, newest first, each with its reason",
                ok(_ref("AnomalyList")),
                params=[_int_query("days", 90, 365, "Days back")],
                tag=tag,
            )
        },
        "/api/v1/operator/anomalies": {
            "get": op(
                "Every customer's anomaly flags, newest first (operators)",
                ok(_ref("AnomalyList")),
                params=[
                    _int_query("days", 30, 365, "Days back"),
                    _int_query("limit", 100, 1000, "At most this many"),
                    {
                        "name": "customer_id",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string"},
                        "description": "Only this customer's flags",
                    },
                ],
                tag=tag,
            )
        },
    }
