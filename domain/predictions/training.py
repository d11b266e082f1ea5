"""Fit the models on a labelled feature matrix and measure them on held-out customers.

* churn: gradient-boosted trees (``HistGradientBoostingClassifier``) inside
  ``CalibratedClassifierCV`` so the probabilities mean what they say
  (sigmoid calibration on small training sets, isotonic on large ones,
  fitted on 3-fold out-of-fold predictions);
* value: ``HistGradientBoostingRegressor`` on the yearly value in rupees;
* product propensity (for the upsell actions): logistic regression on the
  other features, one per product;
* importance: permutation importance on the held-out customers (ROC-AUC for
  churn, R² for value).

A quarter of the customers, stratified by churn, are held out; every metric
in the card is measured on them and nothing is fitted on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from domain.predictions.bundle import ModelBundle, product_columns
from domain.predictions.features import FEATURES, INDEX, FeatureMatrix
from domain.predictions.labels import Labels
from domain.predictions.segments import name_segments

Array = np.ndarray[Any, np.dtype[Any]]
Say = Callable[[str], None]
# Boosting rounds per model: scoring walks every tree, so fewer, stronger steps.
TREES = 100


def data_hash(matrix: FeatureMatrix, labels: Labels) -> str:
    digest = hashlib.sha256()
    digest.update(",".join(FEATURES).encode())
    for part in (matrix.values, labels.churned, labels.value):
        digest.update(np.ascontiguousarray(part).tobytes())
    return digest.hexdigest()


def _signed_log(x: Array) -> Array:
    return np.asarray(np.sign(x) * np.log1p(np.abs(x)))


def fit(
    matrix: FeatureMatrix,
    labels: Labels,
    *,
    version: int,
    source: str,
    trained_at: datetime,
    seed: int = 7,
    story: dict[str, str] | None = None,
    say: Say | None = None,
) -> ModelBundle:
    """Train every model; ``story`` (synthetic only) is each customer's drawn segment."""
    # One thread: on these sizes OpenMP's start-up and spinning cost more than they save,
    # and the machine is shared with the server.
    with threadpool_limits(limits=1):
        return _fit(matrix, labels, version, source, trained_at, seed, story, say)


def _fit(
    matrix: FeatureMatrix,
    labels: Labels,
    version: int,
    source: str,
    trained_at: datetime,
    seed: int,
    story: dict[str, str] | None,
    say: Say | None,
) -> ModelBundle:
    tell = say or (lambda _: None)
    x, churned, value = matrix.values, labels.churned, labels.value
    index = np.arange(len(x))
    train, test = train_test_split(index, test_size=0.25, random_state=seed, stratify=churned)
    tell(f"fitting the churn model on {len(train):,} customers")
    trees = HistGradientBoostingClassifier(
        max_iter=TREES, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=20, random_state=seed
    )
    # The calibrator learns from out-of-fold predictions; one model trained on all the
    # training customers then serves (ensemble=False), a third of the scoring cost of three.
    churn = CalibratedClassifierCV(
        trees, method="isotonic" if len(train) >= 2000 else "sigmoid", cv=3, ensemble=False
    ).fit(x[train], churned[train])
    tell("fitting the value model")
    ltv = HistGradientBoostingRegressor(
        max_iter=TREES, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=20, random_state=seed
    ).fit(x[train], value[train])
    tell("fitting the product-propensity models")
    propensity = {}
    for product, column in (("trading", "has_trading"), ("fd", "has_fd")):
        target = x[train, INDEX[column]] > 0
        if target.all() or not target.any():
            continue  # nobody (or everybody) holds it: nothing to learn
        propensity[product] = make_pipeline(
            FunctionTransformer(_signed_log),
            StandardScaler(),
            LogisticRegression(max_iter=1000),
        ).fit(x[train][:, product_columns(product)], target)
    traders = x[train, INDEX["has_trading"]] > 0
    uplift = 0.0
    if traders.any() and (~traders).any():
        uplift = max(0.0, float(value[train][traders].mean() - value[train][~traders].mean()))
    bundle = ModelBundle(
        version=version,
        trained_at=trained_at.isoformat(),
        source=source,
        data_hash=data_hash(matrix, labels),
        features=FEATURES,
        churn=churn,
        ltv=ltv,
        propensity=propensity,
        medians=np.median(x[train], axis=0),
        high_value=float(np.quantile(np.maximum(ltv.predict(x[train]), 0), 0.8)),
        trading_uplift=uplift,
        holdout={"x": x[test], "churned": churned[test], "value": value[test]},
        training={
            "customers": len(x),
            "train_customers": len(train),
            "holdout_customers": len(test),
            "as_of": matrix.as_of.isoformat(),
            "seed": seed,
            "churn_rate": round(float(churned[train].mean()), 4),
            "value_median": round(float(np.median(value[train])), 2),
            "value_mean": round(float(value[train].mean()), 2),
            "trading_uplift_inr": round(uplift, 2),
        },
    )
    tell("measuring on the held-out customers")
    bundle.metrics = bundle.evaluate()
    if story is not None:
        bundle.metrics["segments"] = _story_agreement(bundle, matrix, test, story)
    tell("permutation importance")
    bundle.importance = {
        "churn": _importance(bundle.churn_probability, x[test], churned[test], roc_auc_score, seed),
        "ltv": _importance(bundle.value, x[test], value[test], r2_score, seed),
    }
    return bundle


def _importance(
    predict: Callable[[Array], Array],
    x: Array,
    y: Array,
    score: Callable[[Array, Array], float],
    seed: int,
    repeats: int = 5,
) -> list[dict[str, Any]]:
    """Permutation importance: how much the held-out score drops when a column is shuffled.

    The algorithm of ``sklearn.inspection.permutation_importance``, with every
    shuffled copy scored in one prediction call instead of one call each.
    """
    rng = np.random.default_rng(seed)
    n, width = x.shape
    copies = np.repeat(x[np.newaxis], width * repeats, axis=0)
    for k in range(width * repeats):
        copies[k, :, k // repeats] = x[rng.permutation(n), k // repeats]
    predicted = predict(copies.reshape(-1, width)).reshape(width * repeats, n)
    base = score(y, predict(x))
    drops = np.array([base - score(y, p) for p in predicted]).reshape(width, repeats)
    order = np.argsort(-drops.mean(axis=1))
    return [
        {
            "feature": FEATURES[i],
            "importance": round(float(drops[i].mean()), 4),
            "std": round(float(drops[i].std()), 4),
        }
        for i in order
    ]


def _story_agreement(
    bundle: ModelBundle, matrix: FeatureMatrix, test: Array, story: dict[str, str]
) -> dict[str, Any]:
    """How often the named segment matches the segment the customer was drawn from."""
    x = matrix.values[test]
    scores = bundle.score(x)
    named = name_segments(x, scores.churn, scores.ltv, bundle.high_value)
    drawn = np.array([story[matrix.customer_ids[i]] for i in test])
    comparable = named != "at_risk"  # the story has no at-risk segment: it is an outcome
    agree = float((named[comparable] == drawn[comparable]).mean()) if comparable.any() else 0.0
    return {
        "agreement_with_story": round(agree, 4),
        "compared_customers": int(comparable.sum()),
        "holdout_counts": {str(k): int((named == k).sum()) for k in np.unique(named)},
    }
