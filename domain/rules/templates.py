"""The five rule templates, as rule documents with a few parameters.

Accounts are named by type (``"savings"``, ``"current"``); the service
resolves them to the customer's own accounts. Parameters a template takes
have defaults, so ``POST /rules/templates/{id}`` with an empty body works
where the customer's accounts allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidInput, NotFound

Params = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    name: str
    description: str
    defaults: Params
    build: Callable[[Params], dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "params": self.defaults,
        }

    def render(self, params: Params | None) -> dict[str, Any]:
        given = dict(params or {})
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            raise InvalidInput(
                "invalid_template_params",
                f"The {self.name} template takes no {unknown[0]!r}; "
                f"it takes {', '.join(self.defaults)}.",
            )
        return self.build({**self.defaults, **given})


def _salary(p: Params) -> dict[str, Any]:
    trigger: dict[str, Any] = {"kind": "transaction", "direction": "credit", "category": "salary"}
    if p["counterparty"]:
        trigger = {"kind": "transaction", "direction": "credit", "counterparty": p["counterparty"]}
    return {
        "name": f"Salary auto-invest ({p['percent']}% into {p['symbol']})",
        "trigger": trigger,
        "actions": [
            {
                "kind": "invest",
                "symbol": p["symbol"],
                "percent": p["percent"],
                "from_account_id": p["from_account"],
            }
        ],
    }


def _stop_loss(p: Params) -> dict[str, Any]:
    return {
        "name": f"Stop loss on {p['symbol']} at -{p['percent']}%",
        "trigger": {"kind": "market_condition", "symbol": p["symbol"], "change_pct": -p["percent"]},
        "actions": [{"kind": "close_position", "symbol": p["symbol"], "percent": 100}],
    }


def _profit(p: Params) -> dict[str, Any]:
    return {
        "name": f"Book profit on {p['symbol']} at +{p['percent']}%",
        "trigger": {"kind": "market_condition", "symbol": p["symbol"], "change_pct": p["percent"]},
        "actions": [
            {"kind": "close_position", "symbol": p["symbol"], "percent": p["sell_percent"]}
        ],
    }


def _emergency(p: Params) -> dict[str, Any]:
    return {
        "name": "Emergency fund top-up",
        "trigger": {
            "kind": "balance",
            "account_id": "savings",
            "crosses": "below",
            "threshold": p["minimum"],
        },
        "actions": [
            {
                "kind": "transfer",
                "from_account_id": "current",
                "to_account_id": "savings",
                "top_up_to": p["minimum"],
            }
        ],
    }


def _smart_savings(p: Params) -> dict[str, Any]:
    return {
        "name": "Smart savings sweep",
        "trigger": {
            "kind": "balance",
            "account_id": "current",
            "crosses": "above",
            "threshold": p["threshold"],
        },
        "actions": [
            {
                "kind": "transfer",
                "from_account_id": "current",
                "to_account_id": p["into"],
                "sweep_above": p["threshold"],
            }
        ],
    }


TEMPLATES: dict[str, Template] = {
    t.id: t
    for t in (
        Template(
            "salary_auto_invest",
            "Salary Auto-Invest",
            "Invest a share of every salary credit in an index ETF.",
            {"percent": 20, "symbol": "NIFTYBEES", "counterparty": None, "from_account": "savings"},
            _salary,
        ),
        Template(
            "stop_loss",
            "Stop Loss",
            "Sell a holding when it falls a percentage below what you paid.",
            {"symbol": "INFY", "percent": 5},
            _stop_loss,
        ),
        Template(
            "profit_booking",
            "Profit Booking",
            "Sell a holding when it gains a percentage over what you paid.",
            {"symbol": "INFY", "percent": 15, "sell_percent": 100},
            _profit,
        ),
        Template(
            "emergency_fund",
            "Emergency Fund",
            "Keep savings above a minimum by topping up from current.",
            {"minimum": 10_000_00},
            _emergency,
        ),
        Template(
            "smart_savings",
            "Smart Savings",
            "Sweep what current holds above a threshold into savings or a fixed deposit.",
            {"threshold": 50_000_00, "into": "savings"},
            _smart_savings,
        ),
    )
}


def template(template_id: str) -> Template:
    found = TEMPLATES.get(template_id)
    if found is None:
        raise NotFound("template_not_found", f"No rule template {template_id!r}.")
    return found
