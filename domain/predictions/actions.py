"""Next best action: a ranked list of what to offer a customer, each with why.

Each action's expected impact is rupees of yearly value, from the model
outputs and a few stated assumptions (kept here, and in docs/PREDICTIONS.md):

* retention offer: a quarter of at-risk customers who get one stay
  (``SAVE_RATE``), at ``OFFER_COST`` rupees: churn × value × 0.25 − 500;
* engagement nudge: a nudge saves 8% of the value at risk, offered when
  sign-ins, reading or spending have gone quiet;
* upsell to trading: the trading-propensity model's probability × the value
  gap between traders and others seen in training × (1 − churn);
* upsell to a fixed deposit: the FD-propensity probability × a 2% yearly
  margin on the 30% of the balance a deposit usually takes × (1 − churn);
* product recommendation (a savings rule on salary day): for regularly paid
  customers who spend less than they earn, 4% on a fifth of the surplus.

Only actions with a positive expected impact are listed, best first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.predictions.features import INDEX

SAVE_RATE = 0.25
OFFER_COST = 500.0
NUDGE_SAVE_RATE = 0.08
FD_SHARE, FD_MARGIN = 0.3, 0.02
RULE_SHARE, RULE_MARGIN = 0.2, 0.04


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    expected_impact: float  # rupees a year
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "expected_impact_inr": round(self.expected_impact, 2),
            "reason": self.reason,
        }


def next_actions(
    row: Any,
    churn: float,
    value: float,
    propensity: dict[str, float],
    trading_uplift: float,
    churn_reason: str,
) -> list[Action]:
    f = {name: float(row[i]) for name, i in INDEX.items()}
    stay = 1 - churn
    out: list[Action] = []
    if churn >= 0.3:
        out.append(
            Action(
                "retention_offer",
                churn * value * SAVE_RATE - OFFER_COST,
                f"churn risk {churn:.0%} on ₹{value:,.0f} a year; {churn_reason}",
            )
        )
    quiet = []
    if f["logins_30d"] < 4:
        quiet.append(f"{f['logins_30d']:.0f} sign-ins in 30 days")
    if f["notification_read_rate"] < 0.35:
        quiet.append(f"reads {f['notification_read_rate']:.0%} of notifications")
    if f["days_since_last_activity"] > 14:
        quiet.append(f"no transaction for {f['days_since_last_activity']:.0f} days")
    if quiet:
        out.append(Action("engagement_nudge", churn * value * NUDGE_SAVE_RATE, "; ".join(quiet)))
    if not f["has_trading"]:
        p = propensity.get("trading", 0.0)
        out.append(
            Action(
                "upsell_trading",
                p * trading_uplift * stay,
                f"{p:.0%} likely to take up trading, like customers with similar behaviour",
            )
        )
    if not f["has_fd"] and f["balance"] >= 25_000:
        p = propensity.get("fd", 0.0)
        out.append(
            Action(
                "upsell_fd",
                p * FD_SHARE * f["balance"] * FD_MARGIN * stay,
                f"₹{f['balance']:,.0f} in savings and {p:.0%} likely to open a deposit",
            )
        )
    surplus = f["inflow_90d"] - f["spend_90d"]
    if f["salary_regularity"] >= 2 / 3 and surplus > 0:
        out.append(
            Action(
                "product_recommendation",
                surplus * 4 * RULE_SHARE * RULE_MARGIN * stay,
                f"regular salary and ₹{surplus:,.0f} left over in 90 days: a savings rule"
                " on salary day",
            )
        )
    return sorted((a for a in out if a.expected_impact > 0), key=lambda a: -a.expected_impact)
