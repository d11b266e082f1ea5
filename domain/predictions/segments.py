"""Behaviour segments: named rules over the features and the models' outputs.

The first rule that holds names the customer, in this order:

    new       joined less than 90 days ago (too soon to be called dormant)
    dormant   no outgoing transaction for 45 days or more
    at_risk   churn probability of one half or more
    power     predicted value in the top fifth and 20+ transactions a month
    growing   last month's transactions well above their 90-day average
    active    everyone else

The top-fifth threshold is fitted on the training population's predicted
values and kept in the model, so a segment means the same thing until the
model is retrained.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from domain.predictions.features import INDEX

SEGMENTS: dict[str, str] = {
    "new": "joined less than 90 days ago",
    "dormant": "no outgoing transaction for 45 days or more",
    "at_risk": "likely to stop banking with us (churn probability ≥ 50%)",
    "power": "high value and 20+ transactions in the last 30 days",
    "growing": "using the account more than over the last three months",
    "active": "regular, steady use",
}
NAMES = tuple(SEGMENTS)

Array = np.ndarray[Any, np.dtype[Any]]


def name_segments(x: Array, churn: Array, value: Array, high_value: float) -> Array:
    """One segment name per row of ``x``."""
    col = {name: x[:, i] for name, i in INDEX.items()}
    monthly_average = col["txns_90d"] / 3
    conditions = [
        col["tenure_days"] < 90,
        col["days_since_last_activity"] >= 45,
        churn >= 0.5,
        (value >= high_value) & (col["txns_30d"] >= 20),
        col["txns_30d"] >= 1.25 * monthly_average + 1,
    ]
    return np.select(conditions, list(NAMES[:-1]), default=NAMES[-1])
