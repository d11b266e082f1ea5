"""The OpenAPI description of the operator prediction routes (merged by ``api.openapi``)."""

from __future__ import annotations

from typing import Any

_FACTOR = {
    "type": "object",
    "properties": {
        "feature": {"type": "string"},
        "description": {"type": "string"},
        "value": {"type": "number"},
        "typical": {"type": "number", "description": "the training median"},
        "effect": {"type": "number", "description": "how far this value moves the prediction"},
        "direction": {"type": "string", "enum": ["raises", "lowers"]},
    },
}
_HEAD = {
    "customer_id": {"type": "string"},
    "model_version": {"type": "integer"},
    "as_of": {"type": "string", "format": "date-time"},
}

SCHEMAS: dict[str, Any] = {
    "Factor": _FACTOR,
    "ChurnPrediction": {
        "type": "object",
        "properties": {
            **_HEAD,
            "churn_probability": {"type": "number"},
            "horizon_days": {"type": "integer"},
            "top_factors": {"type": "array", "items": {"$ref": "#/components/schemas/Factor"}},
        },
    },
    "ValuePrediction": {
        "type": "object",
        "properties": {
            **_HEAD,
            "value_inr_per_year": {"type": "number"},
            "top_factors": {"type": "array", "items": {"$ref": "#/components/schemas/Factor"}},
        },
    },
    "NextActions": {
        "type": "object",
        "properties": {
            **_HEAD,
            "churn_probability": {"type": "number"},
            "value_inr_per_year": {"type": "number"},
            "actions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "action": {
                            "type": "string",
                            "enum": [
                                "retention_offer",
                                "engagement_nudge",
                                "upsell_trading",
                                "upsell_fd",
                                "product_recommendation",
                            ],
                        },
                        "expected_impact_inr": {"type": "number"},
                        "reason": {"type": "string"},
                    },
                },
            },
        },
    },
    "Behavior": {
        "type": "object",
        "properties": {
            **_HEAD,
            "segment": {
                "type": "string",
                "enum": ["new", "dormant", "at_risk", "power", "growing", "active"],
            },
            "description": {"type": "string"},
            "churn_probability": {"type": "number"},
            "value_inr_per_year": {"type": "number"},
            "features": {"type": "object", "additionalProperties": {"type": "number"}},
        },
    },
}


def paths(op: Any, ok: Any, path_param: Any) -> dict[str, Any]:
    tag = "predictions"
    cid = [path_param("customer_id")]
    obj = {"type": "object"}

    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/schemas/{name}"}

    return {
        "/api/v1/ml/churn/{customer_id}": {
            "get": op(
                "Churn probability (next 60 days) and its top factors (operator)",
                ok(ref("ChurnPrediction")),
                params=cid,
                tag=tag,
            )
        },
        "/api/v1/ml/ltv/{customer_id}": {
            "get": op(
                "Predicted yearly value in rupees and its top factors (operator)",
                ok(ref("ValuePrediction")),
                params=cid,
                tag=tag,
            )
        },
        "/api/v1/ml/next-action/{customer_id}": {
            "get": op(
                "Ranked next best actions with expected impact and reason (operator)",
                ok(ref("NextActions")),
                params=cid,
                tag=tag,
            )
        },
        "/api/v1/ml/behavior/{customer_id}": {
            "get": op(
                "Behaviour segment and features (operator)",
                ok(ref("Behavior")),
                params=cid,
                tag=tag,
            )
        },
        "/api/v1/ml/feature-importance": {
            "get": op("Permutation importance, churn and value (operator)", ok(obj), tag=tag)
        },
        "/api/v1/ml/batch-predictions": {
            "post": op(
                "Churn, value and segment for up to 1,000 customers; any unknown id fails all"
                " (operator)",
                ok(obj),
                body={
                    "type": "object",
                    "required": ["customer_ids"],
                    "properties": {
                        "customer_ids": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                            "maxItems": 1000,
                        }
                    },
                },
                tag=tag,
            )
        },
        "/api/v1/ml/models": {
            "get": op(
                "Model cards (version, data hash, features, training date, metrics), newest"
                " first, and the served version (operator)",
                ok(obj),
                tag=tag,
            )
        },
    }
