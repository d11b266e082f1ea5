"""Operator prediction endpoints over HTTP, served from a small synthetic model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import World
from tests.integration.predictions import small_model


@pytest.fixture(scope="module")
def trained_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("ml-models")
    small_model.train(data_dir)
    return data_dir


@pytest.fixture
def ml(world: World, trained_dir: Path) -> World:
    small_model.install(trained_dir, world.container.settings.data_dir)
    return world


async def get(world: World, path: str, who: str = "ops") -> tuple[int, dict[str, object]]:
    resp = await world.client.get(path, headers=world.auth(who))
    return resp.status, await resp.json()


async def test_an_operator_sees_churn_with_its_top_factors(ml: World) -> None:
    status, body = await get(ml, f"/api/v1/ml/churn/{ml.asha}")
    assert status == 200
    assert body["customer_id"] == ml.asha and body["model_version"] == 1
    assert isinstance(body["churn_probability"], float) and 0 <= body["churn_probability"] <= 1
    assert body["horizon_days"] == 60
    factors = body["top_factors"]
    assert isinstance(factors, list) and factors
    assert {"feature", "value", "typical", "effect", "direction"} <= set(factors[0])


async def test_value_actions_and_behaviour_for_one_customer(ml: World) -> None:
    status, ltv = await get(ml, f"/api/v1/ml/ltv/{ml.vikram}")
    assert status == 200 and isinstance(ltv["value_inr_per_year"], float)
    status, actions = await get(ml, f"/api/v1/ml/next-action/{ml.asha}")
    assert status == 200
    listed = actions["actions"]
    assert isinstance(listed, list)
    impacts = [a["expected_impact_inr"] for a in listed]
    assert impacts == sorted(impacts, reverse=True)
    assert all(a["reason"] for a in listed)
    status, behavior = await get(ml, f"/api/v1/ml/behavior/{ml.asha}")
    assert status == 200
    # Seeded today with no history: a new customer, with no transactions yet.
    assert behavior["segment"] == "new"
    features = behavior["features"]
    assert isinstance(features, dict) and features["balance"] == 3_03_000.0


async def test_batch_predictions_score_many_or_refuse_all(ml: World) -> None:
    resp = await ml.client.post(
        "/api/v1/ml/batch-predictions",
        json={"customer_ids": [ml.asha, ml.vikram]},
        headers=ml.auth("ops"),
    )
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [i["customer_id"] for i in items] == [ml.asha, ml.vikram]
    assert all({"churn_probability", "value_inr_per_year", "segment"} <= set(i) for i in items)

    for body, status, code in (
        ({"customer_ids": [ml.asha, "usr_nobody"]}, 404, "customer_not_found"),
        ({"customer_ids": []}, 422, "invalid_customer_ids"),
        ({"customer_ids": "everyone"}, 422, "invalid_customer_ids"),
        ({"customer_ids": ["not an id!"]}, 422, "invalid_customer_id"),
        ({"ids": [ml.asha]}, 422, None),
    ):
        resp = await ml.client.post(
            "/api/v1/ml/batch-predictions", json=body, headers=ml.auth("ops")
        )
        assert resp.status == status, body
        if code is not None:
            assert (await resp.json())["error"]["code"] == code
            if code == "customer_not_found":
                assert "usr_nobody" in (await resp.json())["error"]["message"]


async def test_bad_and_unknown_customer_ids_get_specific_errors(ml: World) -> None:
    status, body = await get(ml, "/api/v1/ml/churn/usr_nobody")
    assert status == 404 and body["error"]["code"] == "customer_not_found"  # type: ignore[index]
    status, body = await get(ml, "/api/v1/ml/ltv/no%20spaces")
    assert status == 422 and body["error"]["code"] == "invalid_customer_id"  # type: ignore[index]
    operator = await ml.container.identity.get_user_by_username("ops")
    assert operator is not None
    status, body = await get(ml, f"/api/v1/ml/behavior/{operator.id}")
    assert status == 404  # an operator is not a customer


async def test_customers_cannot_use_the_operator_endpoints(ml: World) -> None:
    for path in (f"/api/v1/ml/churn/{ml.asha}", "/api/v1/ml/models"):
        status, _ = await get(ml, path, who="asha")
        assert status == 403


async def test_the_models_endpoint_lists_the_served_card_with_metrics(ml: World) -> None:
    status, body = await get(ml, "/api/v1/ml/models")
    assert status == 200 and body["served_version"] == 1
    items = body["items"]
    assert isinstance(items, list)
    card = items[0]
    assert card["served"] and card["version"] == 1
    assert card["metrics"]["churn"]["roc_auc"] > 0.75
    status, importance = await get(ml, "/api/v1/ml/feature-importance")
    assert status == 200 and importance["model_version"] == 1
    assert importance["churn"] == card["feature_importance"]["churn"]
