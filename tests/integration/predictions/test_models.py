"""The trained models: metric gates, model cards, artifacts and fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from domain.predictions import artifacts, evaluation, pipeline
from domain.predictions.artifacts import ArtifactError, Registry
from domain.predictions.features import FEATURES
from domain.predictions.segments import SEGMENTS

Trained = tuple[Path, pipeline.Trained]


def copy_version(trained: Trained, to: Path) -> Path:
    root = artifacts.models_dir(to)
    shutil.copytree(trained[1].path, root / trained[1].path.name)
    return root


def test_held_out_metrics_beat_the_naive_baselines_by_the_stated_margins(
    trained: Trained,
) -> None:
    card = artifacts.read_card(trained[1].path)
    churn, value = card["metrics"]["churn"], card["metrics"]["ltv"]
    assert trained[1].gate_failures == [] and card["gates"]["passed"]
    assert churn["roc_auc"] >= churn["baseline"]["roc_auc"] + evaluation.AUC_MARGIN
    assert churn["pr_auc"] >= churn["prevalence"] + evaluation.PR_AUC_MARGIN
    assert churn["brier"] <= evaluation.BRIER_RATIO * churn["baseline"]["brier"]
    assert value["mae"] <= evaluation.MAE_RATIO * value["baseline"]["mae"]
    assert value["r2"] >= evaluation.MIN_R2
    assert churn["holdout_customers"] == value["holdout_customers"] == 100


def test_the_card_says_what_was_trained_on_what(trained: Trained) -> None:
    card = artifacts.read_card(trained[1].path)
    assert card["version"] == trained[1].version == 1
    assert card["source"] == "synthetic"
    assert len(card["data_hash"]) == 64
    assert [f["name"] for f in card["features"]] == list(FEATURES)
    assert card["trained_at"].startswith("2026-11-16")
    assert card["artifact"]["file"] == "model.joblib"
    reliability = card["metrics"]["churn"]["reliability"]
    assert sum(row["customers"] for row in reliability) == 100
    assert {f["feature"] for f in card["feature_importance"]["churn"]} == set(FEATURES)
    assert set(card["metrics"]["segments"]["holdout_counts"]) <= set(SEGMENTS)


def test_the_served_model_is_the_one_its_card_describes(trained: Trained) -> None:
    loaded = Registry(artifacts.models_dir(trained[0])).reload()
    assert loaded is not None
    bundle, card = loaded.bundle, loaded.card
    assert (bundle.version, bundle.data_hash, list(bundle.features)) == (
        card["version"],
        card["data_hash"],
        [f["name"] for f in card["features"]],
    )
    measured = bundle.evaluate()
    assert measured["churn"] == card["metrics"]["churn"]
    assert measured["ltv"] == card["metrics"]["ltv"]


def test_a_corrupted_newer_artifact_is_skipped_for_the_last_good_one(
    trained: Trained, tmp_path: Path
) -> None:
    root = copy_version(trained, tmp_path)
    broken = root / "v0002"
    shutil.copytree(root / "v0001", broken)
    model = broken / "model.joblib"
    model.write_bytes(model.read_bytes()[:1000])  # a truncated write
    card = json.loads((broken / "card.json").read_text())
    card["version"] = 2
    (broken / "card.json").write_text(json.dumps(card))

    registry = Registry(root)
    loaded = registry.reload()
    assert loaded is not None and loaded.version == 1
    assert "does not match its card's hash" in registry.errors[2]
    cards = {c["version"]: c for c in registry.cards()}
    assert cards[1]["served"] and not cards[2]["served"] and "error" in cards[2]


def test_a_server_keeps_its_model_when_a_new_version_fails_to_load(
    trained: Trained, tmp_path: Path
) -> None:
    root = copy_version(trained, tmp_path)
    registry = Registry(root)
    first = registry.reload()
    assert first is not None
    (root / "v0003").mkdir()
    (root / "v0003" / "card.json").write_text("{not json")
    assert registry.reload() is first
    assert "unreadable card" in registry.errors[3]


def test_a_model_that_does_not_measure_up_to_its_card_is_refused(
    trained: Trained, tmp_path: Path
) -> None:
    root = copy_version(trained, tmp_path)
    card_path = root / "v0001" / "card.json"
    card = json.loads(card_path.read_text())
    card["metrics"]["churn"]["roc_auc"] = 0.99
    card_path.write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="roc_auc"):
        artifacts.load(root / "v0001")
    assert Registry(root).reload() is None


def test_scores_factors_and_actions_for_one_customer(trained: Trained) -> None:
    loaded = Registry(artifacts.models_dir(trained[0])).reload()
    assert loaded is not None
    bundle = loaded.bundle
    x = bundle.holdout["x"]
    scores = bundle.score(x)
    assert ((scores.churn >= 0) & (scores.churn <= 1)).all() and (scores.ltv >= 0).all()
    assert set(scores.segment) <= set(SEGMENTS)
    risky = int(np.argmax(scores.churn))
    factors = bundle.factors(x[risky], "churn")
    assert 1 <= len(factors) <= 3 and factors[0]["feature"] in FEATURES
    assert abs(factors[0]["effect"]) >= abs(factors[-1]["effect"])
    actions = bundle.actions(x[risky], float(scores.churn[risky]), float(scores.ltv[risky]))
    impacts = [a.expected_impact for a in actions]
    assert impacts == sorted(impacts, reverse=True) and all(i > 0 for i in impacts)
    assert all(a.reason for a in actions)
