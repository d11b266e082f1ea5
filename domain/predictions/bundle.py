"""The trained models as one versioned object: what is saved, loaded and served.

A ``ModelBundle`` holds the calibrated churn classifier, the value
regressor, the product-propensity models behind the upsell actions, the
segment threshold, the feature medians that per-prediction factors compare
against, and the held-out customers its card's metrics were measured on, so
a loaded bundle can prove it is the model its card describes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from domain.predictions import evaluation
from domain.predictions.actions import Action, next_actions
from domain.predictions.features import DESCRIPTIONS, FEATURES, INDEX
from domain.predictions.segments import SEGMENTS, name_segments

Array = np.ndarray[Any, np.dtype[Any]]

# Features the propensity models may not see: the product they predict.
PRODUCT_FEATURES = {"trading": ("has_trading", "trades_90d"), "fd": ("has_fd",)}


def product_columns(product: str) -> list[int]:
    return [i for i, name in enumerate(FEATURES) if name not in PRODUCT_FEATURES[product]]


@dataclass(frozen=True, slots=True)
class Scores:
    churn: Array
    ltv: Array
    segment: Array


@dataclass
class ModelBundle:
    version: int
    trained_at: str
    source: str  # "synthetic" or "live"
    data_hash: str
    features: tuple[str, ...]
    churn: Any
    ltv: Any
    propensity: dict[str, Any]
    medians: Array
    high_value: float
    trading_uplift: float
    holdout: dict[str, Array]
    metrics: dict[str, Any] = field(default_factory=dict)
    importance: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)

    # -- scoring ---------------------------------------------------------------------

    def churn_probability(self, x: Array) -> Array:
        return np.asarray(self.churn.predict_proba(x)[:, 1], dtype=np.float64)

    def value(self, x: Array) -> Array:
        return np.asarray(np.maximum(self.ltv.predict(x), 0.0), dtype=np.float64)

    def score(self, x: Array) -> Scores:
        """Churn, value and segment for every row of a feature matrix, in one pass."""
        churn = self.churn_probability(x)
        value = self.value(x)
        return Scores(churn, value, name_segments(x, churn, value, self.high_value))

    def factors(self, row: Array, model: str, top: int = 3) -> list[dict[str, Any]]:
        """The features that move this one prediction most, against a typical customer.

        Each feature in turn is set to the training median; how far the
        prediction moves is that feature's effect (positive: it raises the
        prediction).
        """
        grid = np.repeat(row.reshape(1, -1), len(FEATURES) + 1, axis=0)
        for i in range(len(FEATURES)):
            grid[i + 1, i] = self.medians[i]
        out = self.churn_probability(grid) if model == "churn" else self.value(grid)
        effects = out[0] - out[1:]
        order = np.argsort(-np.abs(effects))[:top]
        return [
            {
                "feature": FEATURES[i],
                "description": DESCRIPTIONS[FEATURES[i]],
                "value": round(float(row[i]), 2),
                "typical": round(float(self.medians[i]), 2),
                "effect": round(float(effects[i]), 4 if model == "churn" else 2),
                "direction": "raises" if effects[i] > 0 else "lowers",
            }
            for i in order
            if effects[i] != 0
        ]

    def actions(self, row: Array, churn: float, value: float) -> list[Action]:
        propensity = {
            product: float(model.predict_proba(row[product_columns(product)].reshape(1, -1))[0, 1])
            for product, model in self.propensity.items()
        }
        why = ", ".join(
            f"{f['description']} ({f['value']:g} vs typical {f['typical']:g})"
            for f in self.factors(row, "churn", top=2)
            if f["direction"] == "raises"
        )
        return next_actions(
            row, churn, value, propensity, self.trading_uplift, why or "no single driver"
        )

    # -- the card --------------------------------------------------------------------

    def evaluate(self) -> dict[str, Any]:
        """Metrics on the held-out customers, measured now on this very object."""
        x, churned, value = self.holdout["x"], self.holdout["churned"], self.holdout["value"]
        return {
            "churn": evaluation.churn_metrics(
                churned,
                self.churn_probability(x),
                float(self.training["churn_rate"]),
                x[:, INDEX["days_since_last_activity"]],
            ),
            "ltv": evaluation.value_metrics(
                value, self.value(x), float(self.training["value_median"])
            ),
        }

    def card(self) -> dict[str, Any]:
        return {
            "name": "predictions",
            "version": self.version,
            "trained_at": self.trained_at,
            "source": self.source,
            "data_hash": self.data_hash,
            "features": [{"name": n, "description": DESCRIPTIONS[n]} for n in self.features],
            "training": self.training,
            "metrics": self.metrics,
            "gates": {
                "passed": not evaluation.gate_failures(self.metrics),
                "failures": evaluation.gate_failures(self.metrics),
            },
            "feature_importance": self.importance,
            "segments": SEGMENTS,
            "models": {
                "churn": type(self.churn).__name__ + " over " + _inner(self.churn),
                "ltv": type(self.ltv).__name__,
                "propensity": {p: type(m).__name__ for p, m in self.propensity.items()},
            },
        }


def _inner(calibrated: Any) -> str:
    estimator = getattr(calibrated, "estimator", None)
    method = getattr(calibrated, "method", "")
    return f"{type(estimator).__name__} ({method} calibration)"
