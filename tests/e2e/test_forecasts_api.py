"""Forecast, Balance Watch and anomalies over REST, end to end on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.money import Money
from tests.e2e.conftest import World
from tests.e2e.test_events import settle
from tests.e2e.test_notifications import inbox


async def post(world: World, key: str, direction: str, rupees: int, who: str, at: datetime) -> None:
    await world.container.banking.external_posting(
        principal_id=world.asha,
        idempotency_key=key,
        account_id=world.asha_savings,
        direction=direction,
        amount=Money(rupees * 100),
        counterparty=who,
        category={"Acme Corp": "salary", "Landlord": "rent"}.get(who),
        merchant=who if who not in ("Acme Corp", "Landlord") else None,
        posted_at=at,
    )


async def salaried(world: World) -> None:
    """Four months of salary on the 1st and rent on the 2nd, ending this month."""
    for month in (8, 9, 10, 11):
        await post(
            world,
            f"sal-{month}",
            "credit",
            85_000,
            "Acme Corp",
            datetime(2026, month, 1, 4, tzinfo=UTC),
        )
        await post(
            world,
            f"rent-{month}",
            "debit",
            28_000,
            "Landlord",
            datetime(2026, month, 2, 13, tzinfo=UTC),
        )


async def get(world: World, path: str, who: str = "asha") -> tuple[int, Any]:
    resp = await world.client.get(path, headers=world.auth(who))
    return resp.status, await resp.json()


async def put_watch(world: World, body: object) -> tuple[int, Any]:
    resp = await world.client.put("/api/v1/forecast/watch", json=body, headers=world.auth("asha"))
    return resp.status, await resp.json()


async def test_the_forecast_lists_each_day_with_its_interval_and_the_recurring_items(
    world: World,
) -> None:
    await salaried(world)
    status, body = await get(world, "/api/v1/forecast")
    assert status == 200
    assert len(body["days"]) == 30 and body["interval"] == 0.8
    assert body["days"][0]["date"] == "2026-11-17"
    first = body["days"][0]
    assert first["low"]["minor"] <= first["expected"]["minor"] <= first["high"]["minor"]
    items = {(r["counterparty"], r["direction"]): r for r in body["recurring"]}
    assert items[("Acme Corp", "credit")]["expected_date"] == "2026-12-01"
    assert items[("Acme Corp", "credit")]["amount"] == {"minor": 85_000_00, "currency": "INR"}
    assert items[("Landlord", "debit")]["expected_date"] == "2026-12-02"
    assert body["watch"]["risk"] == "ok" and body["watch"]["until"] == "2026-12-01"
    status, week = await get(world, "/api/v1/forecast?days=7")
    assert status == 200 and len(week["days"]) == 7


@pytest.mark.parametrize("days", ["0", "91", "soon"])
async def test_a_bad_horizon_is_refused(world: World, days: str) -> None:
    status, body = await get(world, f"/api/v1/forecast?days={days}")
    assert status == 422 and body["error"]["code"] == "invalid_query"


async def test_the_balance_watch_minimum_is_set_and_warns(world: World) -> None:
    await salaried(world)
    status, watch = await put_watch(world, {"minimum": {"minor": 6_00_000_00, "currency": "INR"}})
    assert status == 200
    assert watch["minimum"] == {"minor": 6_00_000_00, "currency": "INR"}
    assert watch["risk"] == "likely"
    assert watch["warning"].startswith("Your balance is likely to go below ₹6,00,000.00 before")
    status, again = await get(world, "/api/v1/forecast/watch")
    assert (status, again) == (200, watch)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "missing_field"),
        ({"minimum": 5000}, "invalid_minimum"),
        ({"minimum": {"minor": -1, "currency": "INR"}}, "invalid_minimum"),
        ({"minimum": {"minor": 10.5, "currency": "INR"}}, "invalid_minimum"),
        ({"minimum": {"minor": 100, "currency": "USD"}}, "unsupported_currency"),
        ({"minimum": {"minor": 100, "currency": "XYZ"}}, "invalid_currency"),
        ({"minimum": {"minor": 100}, "extra": 1}, "unknown_field"),
    ],
)
async def test_a_bad_minimum_is_refused_and_changes_nothing(
    world: World, body: object, code: str
) -> None:
    status, refused = await put_watch(world, body)
    assert status == 422 and refused["error"]["code"] == code
    assert await world.count("balance_watch") == 0


async def test_anomalies_list_a_duplicate_charge_with_its_reason_and_the_alert_keeps_it(
    world: World,
) -> None:
    await settle(world)
    for key in ("netflix-1", "netflix-2"):
        await world.container.banking.external_posting(
            principal_id=world.asha,
            idempotency_key=key,
            account_id=world.asha_savings,
            direction="debit",
            amount=Money(649_00),
            counterparty="Card",
            merchant="Netflix",
        )
        world.clock.advance(timedelta(minutes=4))
    await settle(world)
    status, body = await get(world, "/api/v1/anomalies")
    assert status == 200
    (flag,) = body["items"]
    assert flag["kind"] == "duplicate_charge" and flag["merchant"] == "Netflix"
    assert flag["reason"] == "Netflix charged ₹649.00 twice within a day."
    (alert,) = [n for n in await inbox(world) if n["title"] == "Possible duplicate charge"]
    assert alert["data"]["reason"] == flag["detail"]
    assert alert["data"]["transfer_id"] == flag["transfer_id"]
    status, nothing = await get(world, "/api/v1/anomalies", who="vikram")
    assert (status, nothing["items"]) == (200, [])
    status, bad = await get(world, "/api/v1/anomalies?days=400")
    assert status == 422 and bad["error"]["code"] == "invalid_query"


async def test_operators_list_every_customers_flags_and_customers_may_not(world: World) -> None:
    for key in ("a", "b"):
        await world.container.banking.external_posting(
            principal_id=world.asha,
            idempotency_key=key,
            account_id=world.asha_savings,
            direction="debit",
            amount=Money(486_00),
            counterparty="Card",
            merchant="Swiggy",
        )
    status, body = await get(world, "/api/v1/operator/anomalies", who="ops")
    assert status == 200
    assert [(i["customer_id"], i["kind"]) for i in body["items"]] == [
        (world.asha, "duplicate_charge")
    ]
    status, one = await get(
        world, f"/api/v1/operator/anomalies?customer_id={world.vikram}", who="ops"
    )
    assert (status, one["items"]) == (200, [])
    status, missing = await get(
        world, "/api/v1/operator/anomalies?customer_id=usr_nobody", who="ops"
    )
    assert status == 404 and missing["error"]["code"] == "customer_not_found"
    status, _ = await get(world, "/api/v1/operator/anomalies")
    assert status == 403
