"""Held-out metrics, the naive baselines they are compared with, and the gates.

A model is only worth serving if it beats doing nothing clever by a stated
margin, measured on customers it never saw:

* churn against the base rate (every customer gets the training churn rate):
  ROC-AUC at least ``0.5 + 0.25``, PR-AUC at least the prevalence plus 0.2,
  and a Brier score at most 75% of the base rate's;
* value against the training median (the constant that minimises absolute
  error): MAE at most 60% of the baseline's and R² at least 0.5.

The recency rule (rank by days since the last transaction) is reported too,
as a stronger yardstick, but not gated on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)

Array = np.ndarray[Any, np.dtype[Any]]

AUC_MARGIN = 0.25
PR_AUC_MARGIN = 0.2
BRIER_RATIO = 0.75
MAE_RATIO = 0.6
MIN_R2 = 0.5


def reliability(y: Array, p: Array, bins: int = 10) -> list[dict[str, float | int]]:
    """Predicted against observed churn in equal-width bins of predicted probability."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table: list[dict[str, float | int]] = []
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        table.append(
            {
                "from": round(float(edges[b]), 2),
                "to": round(float(edges[b + 1]), 2),
                "customers": int(mask.sum()),
                "predicted": round(float(p[mask].mean()), 4),
                "observed": round(float(y[mask].mean()), 4),
            }
        )
    return table


def churn_metrics(y: Array, p: Array, prior: float, recency: Array) -> dict[str, Any]:
    base = np.full(len(y), prior)
    return {
        "roc_auc": round(float(roc_auc_score(y, p)), 4),
        "pr_auc": round(float(average_precision_score(y, p)), 4),
        "brier": round(float(brier_score_loss(y, p)), 4),
        "prevalence": round(float(np.mean(y)), 4),
        "reliability": reliability(y, p),
        "baseline": {
            "name": "base rate",
            "roc_auc": 0.5,
            "pr_auc": round(float(np.mean(y)), 4),
            "brier": round(float(brier_score_loss(y, base)), 4),
        },
        "recency_rule_roc_auc": round(float(roc_auc_score(y, recency)), 4),
        "holdout_customers": len(y),
    }


def value_metrics(y: Array, pred: Array, median: float) -> dict[str, Any]:
    base = np.full(len(y), median)
    return {
        "r2": round(float(r2_score(y, pred)), 4),
        "mae": round(float(mean_absolute_error(y, pred)), 2),
        "baseline": {
            "name": "training median",
            "r2": round(float(r2_score(y, base)), 4),
            "mae": round(float(mean_absolute_error(y, base)), 2),
        },
        "holdout_customers": len(y),
    }


def gate_failures(metrics: dict[str, Any]) -> list[str]:
    """What a model falls short of; empty when it beats the baselines by the margins."""
    churn, value = metrics["churn"], metrics["ltv"]
    problems = []
    if churn["roc_auc"] < 0.5 + AUC_MARGIN:
        problems.append(f"churn ROC-AUC {churn['roc_auc']} < {0.5 + AUC_MARGIN}")
    if churn["pr_auc"] < churn["prevalence"] + PR_AUC_MARGIN:
        problems.append(f"churn PR-AUC {churn['pr_auc']} < prevalence + {PR_AUC_MARGIN}")
    if churn["brier"] > BRIER_RATIO * churn["baseline"]["brier"]:
        problems.append(f"churn Brier {churn['brier']} > {BRIER_RATIO} × base rate's")
    if value["mae"] > MAE_RATIO * value["baseline"]["mae"]:
        problems.append(f"value MAE {value['mae']} > {MAE_RATIO} × median baseline's")
    if value["r2"] < MIN_R2:
        problems.append(f"value R² {value['r2']} < {MIN_R2}")
    return problems
