"""The rules REST API over HTTP: CRUD, templates, dry run, history and approvals."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import World

RULES = "/api/v1/rules"


def _salary_rule(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Save from salary",
        "trigger": {"kind": "transaction", "direction": "credit", "counterparty": "Acme"},
        "actions": [
            {
                "kind": "transfer",
                "from_account_id": "savings",
                "to_account_id": "current",
                "percent": 10,
            }
        ],
        **extra,
    }


async def _salary(world: World, minor: int) -> None:
    from domain.money import Money

    await world.container.banking.external_posting(
        principal_id=world.asha,
        idempotency_key=f"salary-{minor}",
        account_id=world.asha_savings,
        direction="credit",
        amount=Money(minor),
        counterparty="Acme Corp",
    )
    await world.container.events.dispatcher.drain()


async def test_rules_are_created_listed_shown_changed_and_deleted(world: World) -> None:
    c = world.client
    made = await c.post(RULES, json=_salary_rule(), headers=world.auth("asha"))
    assert made.status == 201, await made.text()
    rule = await made.json()
    assert rule["status"] == "active"
    assert rule["description"].startswith("When money comes into any of your accounts")
    listed = await (await c.get(RULES, headers=world.auth("asha"))).json()
    assert [r["id"] for r in listed["items"]] == [rule["id"]]
    # Another customer sees no such rule.
    assert (await c.get(f"{RULES}/{rule['id']}", headers=world.auth("vikram"))).status == 404
    paused = await c.put(
        f"{RULES}/{rule['id']}", json={"status": "paused"}, headers=world.auth("asha")
    )
    assert (await paused.json())["status"] == "paused"
    changed = await c.put(
        f"{RULES}/{rule['id']}", json=_salary_rule(name="Save more"), headers=world.auth("asha")
    )
    assert (await changed.json())["name"] == "Save more"
    assert (await c.delete(f"{RULES}/{rule['id']}", headers=world.auth("asha"))).status == 204
    assert (await (await c.get(RULES, headers=world.auth("asha"))).json())["items"] == []


async def test_a_bad_rule_gets_a_specific_error_and_stores_nothing(world: World) -> None:
    bad = _salary_rule()
    bad["actions"][0]["percent"] = 150
    resp = await world.client.post(RULES, json=bad, headers=world.auth("asha"))
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "invalid_rule"
    loop = _salary_rule()
    loop["trigger"] = {"kind": "transaction", "direction": "credit", "account_id": "current"}
    resp = await world.client.post(RULES, json=loop, headers=world.auth("asha"))
    assert (await resp.json())["error"]["code"] == "rule_loop"
    assert await world.count("rules") == 0


async def test_templates_are_listed_and_make_rules(world: World) -> None:
    c = world.client
    listed = await (await c.get(f"{RULES}/templates", headers=world.auth("asha"))).json()
    assert {t["id"] for t in listed["items"]} == {
        "salary_auto_invest",
        "stop_loss",
        "profit_booking",
        "emergency_fund",
        "smart_savings",
    }
    made = await c.post(
        f"{RULES}/templates/emergency_fund", json={"minimum": 5_000_00}, headers=world.auth("asha")
    )
    assert made.status == 201
    rule = await made.json()
    assert rule["template"] == "emergency_fund"
    assert rule["trigger"]["account_id"] == world.asha_savings


async def test_a_dry_run_reports_what_would_happen_and_moves_nothing(world: World) -> None:
    c = world.client
    rule = await (await c.post(RULES, json=_salary_rule(), headers=world.auth("asha"))).json()
    before = await world.balance(world.asha_current)
    sample = {
        "event": {
            "type": "credit.received",
            "data": {
                "to_account_id": world.asha_savings,
                "amount": {"minor": 50_000_00, "currency": "INR"},
                "counterparty": "Acme Corp",
                "balances_after": {world.asha_savings: 3_00_000_00},
            },
        }
    }
    resp = await c.post(f"{RULES}/{rule['id']}/test", json=sample, headers=world.auth("asha"))
    result = await resp.json()
    assert result["would_fire"] and result["would_run"]
    assert result["steps"][0]["amount"] == 5_000_00
    assert await world.balance(world.asha_current) == before
    assert await world.count("rule_executions") == 0


async def test_history_lists_what_the_rules_did(world: World) -> None:
    c = world.client
    await c.post(RULES, json=_salary_rule(), headers=world.auth("asha"))
    await _salary(world, 40_000_00)
    history = await (await c.get(f"{RULES}/executions", headers=world.auth("asha"))).json()
    [x] = history["items"]
    assert (x["status"], x["amount"]["minor"]) == ("done", 4_000_00)
    assert (await (await c.get(f"{RULES}/executions", headers=world.auth("vikram"))).json())[
        "items"
    ] == []


async def test_a_rule_paying_a_payee_waits_for_approval(world: World) -> None:
    c = world.client
    doc = _salary_rule()
    doc["actions"] = [
        {
            "kind": "transfer",
            "from_account_id": "savings",
            "payee_id": world.asha_payee,
            "amount": 1_000_00,
        }
    ]
    await c.post(RULES, json=doc, headers=world.auth("asha"))
    await _salary(world, 40_000_00)
    waiting = await (await c.get(f"{RULES}/approvals", headers=world.auth("asha"))).json()
    [x] = waiting["items"]
    before = await world.balance(world.asha_savings)
    # Vikram cannot approve Asha's rule.
    assert (
        await c.post(f"{RULES}/approvals/{x['id']}/approve", headers=world.auth("vikram"))
    ).status == 404
    done = await (
        await c.post(f"{RULES}/approvals/{x['id']}/approve", headers=world.auth("asha"))
    ).json()
    assert done["status"] == "done"
    assert await world.balance(world.asha_savings) == before - 1_000_00
    again = await c.post(f"{RULES}/approvals/{x['id']}/approve", headers=world.auth("asha"))
    assert again.status == 409
