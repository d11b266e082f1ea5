"""The banking REST API, end to end through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import World

INR = "INR"


def rupees(amount: float) -> dict[str, Any]:
    return {"minor": round(amount * 100), "currency": INR}


async def transfer(world: World, key: str, body: dict[str, Any], who: str = "asha") -> Any:
    return await world.client.post("/api/v1/transfers", json=body, headers=world.pay(who, key))


# -- accounts -------------------------------------------------------------------


async def test_lists_the_customers_accounts_with_balance_and_available(world: World) -> None:
    resp = await world.client.get("/api/v1/accounts", headers=world.auth("asha"))
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [(a["type"], a["name"], a["balance"]) for a in items] == [
        ("savings", "Savings", rupees(245000)),
        ("current", "Current", rupees(58000)),
    ]
    assert all(a["available"] == a["balance"] for a in items)
    assert all(a["number"].startswith("XXXX") for a in items)


async def test_requests_without_a_token_are_refused(world: World) -> None:
    resp = await world.client.get("/api/v1/accounts")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthenticated"


# -- transfers --------------------------------------------------------------------


async def test_moves_money_between_own_accounts(world: World) -> None:
    resp = await transfer(
        world,
        "k1",
        {
            "from_account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": rupees(5000),
            "memo": "rent share",
        },
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["status"] == "completed" and body["kind"] == "internal"
    assert await world.balance(world.asha_savings) == 2_40_000_00
    assert await world.balance(world.asha_current) == 63_000_00
    fetched = await world.client.get(f"/api/v1/transfers/{body['id']}", headers=world.auth("asha"))
    assert (await fetched.json())["amount"] == rupees(5000)


async def test_a_resend_with_the_same_key_replays_the_first_answer(world: World) -> None:
    body = {
        "from_account_id": world.asha_savings,
        "to_account_id": world.asha_current,
        "amount": rupees(100),
    }
    first = await transfer(world, "same", body)
    second = await transfer(world, "same", body)
    assert first.status == 201 and second.status == 200
    assert second.headers["Idempotent-Replayed"] == "true"
    assert await first.json() == await second.json()
    assert await world.balance(world.asha_savings) == 2_44_900_00


async def test_the_same_key_with_a_different_payload_is_a_conflict(world: World) -> None:
    body = {
        "from_account_id": world.asha_savings,
        "to_account_id": world.asha_current,
        "amount": rupees(100),
    }
    await transfer(world, "k", body)
    resp = await transfer(world, "k", {**body, "amount": rupees(200)})
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "idempotency_key_reused"
    assert await world.balance(world.asha_savings) == 2_44_900_00


async def test_pays_a_saved_payee_through_settlement(world: World) -> None:
    resp = await transfer(
        world,
        "p1",
        {
            "from_account_id": world.asha_savings,
            "payee_id": world.asha_payee,
            "amount": rupees(2500),
        },
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["kind"] == "payee" and body["counterparty"] == "Ravi Kumar"
    assert await world.balance(world.asha_savings) == 2_42_500_00


async def test_a_payment_over_the_per_transfer_limit_is_refused_with_a_reason_and_stays_refused(
    world: World,
) -> None:
    body = {
        "from_account_id": world.asha_savings,
        "payee_id": world.asha_payee,
        "amount": rupees(150000),
    }
    resp = await transfer(world, "big", body)
    assert resp.status == 422
    error = (await resp.json())["error"]
    assert error["code"] == "limit_per_transfer"
    assert "₹1,00,000.00" in error["message"]
    # Raising the limit does not revive the failed key.
    raised = await world.client.put(
        f"/api/v1/operator/customers/{world.asha}/limits",
        json={"per_transfer": rupees(200000), "daily": rupees(300000)},
        headers=world.auth("ops"),
    )
    assert raised.status == 200
    again = await transfer(world, "big", body)
    assert again.status == 422 and (await again.json())["error"]["code"] == "limit_per_transfer"
    fresh = await transfer(world, "big-2", body)
    assert fresh.status == 201


async def test_daily_limit_counts_todays_payments_and_says_what_is_left(world: World) -> None:
    for i in range(2):
        ok = await transfer(
            world,
            f"d{i}",
            {
                "from_account_id": world.asha_savings,
                "payee_id": world.asha_payee,
                "amount": rupees(90000),
            },
        )
        assert ok.status == 201
    resp = await transfer(
        world,
        "d3",
        {
            "from_account_id": world.asha_savings,
            "payee_id": world.asha_payee,
            "amount": rupees(30000),
        },
    )
    error = (await resp.json())["error"]
    assert resp.status == 422 and error["code"] == "limit_daily"
    assert "₹20,000.00" in error["message"]
    world.clock.advance(timedelta(days=1))
    later = await transfer(
        world,
        "d4",
        {
            "from_account_id": world.asha_current,
            "payee_id": world.asha_payee,
            "amount": rupees(30000),
        },
    )
    assert later.status == 201


async def test_insufficient_funds_is_refused_and_writes_nothing(world: World) -> None:
    before = await world.count("transfers")
    resp = await transfer(
        world,
        "nsf",
        {
            "from_account_id": world.asha_current,
            "to_account_id": world.asha_savings,
            "amount": rupees(58000.01),
        },
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == "insufficient_funds"
    assert await world.count("transfers") == before
    assert await world.balance(world.asha_current) == 58_000_00


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"amount": {"minor": -100, "currency": INR}}, "invalid_amount"),
        ({"amount": {"minor": 0, "currency": INR}}, "invalid_amount"),
        ({"amount": {"minor": 10.5, "currency": INR}}, "invalid_amount"),
        ({"amount": {"minor": "100", "currency": INR}}, "invalid_amount"),
        ({"amount": {"minor": True, "currency": INR}}, "invalid_amount"),
        ({"amount": 500}, "invalid_amount"),
        ({"amount": {"minor": 100, "currency": "XYZ"}}, "invalid_currency"),
        ({"amount": {"minor": 100, "currency": "USD"}}, "currency_mismatch"),
        ({"from_account_id": 42}, "invalid_field"),
        ({"from_account_id": "acc_nope"}, "account_not_found"),
        ({"to_account_id": "acc_nope"}, "account_not_found"),
        ({"payee_id": "pay_x"}, "invalid_destination"),
        ({"colour": "blue"}, "unknown_field"),
    ],
)
async def test_bad_transfer_input_gets_a_clear_error_and_changes_nothing(
    world: World, body: dict[str, Any], code: str
) -> None:
    base = {
        "from_account_id": world.asha_savings,
        "to_account_id": world.asha_current,
        "amount": rupees(10),
    }
    before = await world.count("postings")
    resp = await transfer(world, f"bad-{code}", {**base, **body})
    assert 400 <= resp.status < 500
    assert (await resp.json())["error"]["code"] == code
    assert await world.count("postings") == before
    assert await world.balance(world.asha_savings) == 2_45_000_00


async def test_malformed_or_oversized_bodies_and_missing_keys_are_refused(world: World) -> None:
    headers = world.pay("asha", "m1")
    resp = await world.client.post(
        "/api/v1/transfers",
        data=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "malformed_json"
    resp = await world.client.post("/api/v1/transfers", json=[1, 2], headers=headers)
    assert (await resp.json())["error"]["code"] == "malformed_json"
    resp = await world.client.post(
        "/api/v1/transfers", json={"memo": "x" * 100_000}, headers=headers
    )
    assert resp.status == 413 and (await resp.json())["error"]["code"] == "body_too_large"
    resp = await world.client.post(
        "/api/v1/transfers",
        json={
            "from_account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": rupees(1),
        },
        headers=world.auth("asha"),
    )
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "idempotency_key_required"
    assert await world.count("transfers") == 3  # the seed credits only


# -- isolation ------------------------------------------------------------------------


async def test_a_customer_cannot_see_or_move_another_customers_holds(world: World) -> None:
    placed = await world.client.post(
        "/api/v1/holds",
        json={
            "account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": rupees(500),
        },
        headers=world.pay("asha", "iso-h"),
    )
    hold_id = (await placed.json())["id"]
    vik = world.auth("vikram")
    assert (await world.client.get(f"/api/v1/holds/{hold_id}", headers=vik)).status == 404
    for action in ("post", "void"):
        resp = await world.client.post(
            f"/api/v1/holds/{hold_id}/{action}", headers=world.pay("vikram", f"iso-{action}")
        )
        assert resp.status == 404, action
    listed = await world.client.get("/api/v1/holds", headers=vik)
    assert (await listed.json())["items"] == []
    mine = await world.client.get(f"/api/v1/holds/{hold_id}", headers=world.auth("asha"))
    assert (await mine.json())["status"] == "pending"


async def test_a_customer_cannot_see_or_use_another_customers_things(world: World) -> None:
    vik = world.auth("vikram")
    for path in (
        f"/api/v1/accounts/{world.asha_savings}",
        f"/api/v1/accounts/{world.asha_savings}/transactions",
        f"/api/v1/payees/{world.asha_payee}",
    ):
        resp = await world.client.get(path, headers=vik)
        assert resp.status == 404, path
    mine = await transfer(
        world,
        "a1",
        {
            "from_account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": rupees(1),
        },
    )
    transfer_id = (await mine.json())["id"]
    assert (await world.client.get(f"/api/v1/transfers/{transfer_id}", headers=vik)).status == 404
    steal = await transfer(
        world,
        "v1",
        {
            "from_account_id": world.asha_savings,
            "to_account_id": world.vikram_savings,
            "amount": rupees(1),
        },
        who="vikram",
    )
    assert steal.status == 404
    pay_with_hers = await transfer(
        world,
        "v2",
        {
            "from_account_id": world.vikram_savings,
            "payee_id": world.asha_payee,
            "amount": rupees(1),
        },
        who="vikram",
    )
    assert pay_with_hers.status == 404
    into_hers = await transfer(
        world,
        "v3",
        {
            "from_account_id": world.vikram_savings,
            "to_account_id": world.asha_savings,
            "amount": rupees(1),
        },
        who="vikram",
    )
    assert into_hers.status == 404
    delete = await world.client.delete(f"/api/v1/payees/{world.asha_payee}", headers=vik)
    assert delete.status == 404
    hold = await world.client.post(
        "/api/v1/holds",
        json={
            "account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": rupees(1),
        },
        headers=world.pay("vikram", "h1"),
    )
    assert hold.status == 404
    listed = await world.client.get("/api/v1/accounts", headers=vik)
    assert [a["id"] for a in (await listed.json())["items"]] == [world.vikram_savings]
    assert await world.balance(world.asha_savings) == 2_44_999_00


# -- history ----------------------------------------------------------------------------


async def test_history_shows_signed_amounts_running_balances_and_filters(world: World) -> None:
    from datetime import UTC, datetime

    banking = world.container.banking
    for i, (merchant, category, amount) in enumerate(
        [
            ("Swiggy", "food", 450),
            ("BigBasket", "groceries", 2300),
            ("Swiggy", "food", 620),
            ("Uber", "travel", 310),
        ]
    ):
        await banking.external_posting(
            principal_id=world.asha,
            idempotency_key=f"h{i}",
            account_id=world.asha_savings,
            direction="debit",
            amount=__import__("domain.money", fromlist=["Money"]).Money(amount * 100),
            counterparty=merchant,
            merchant=merchant,
            category=category,
            posted_at=datetime(2026, 11, 10 + i, 8, 0, tzinfo=UTC),
        )
    url = f"/api/v1/accounts/{world.asha_savings}/transactions"
    resp = await world.client.get(url, headers=world.auth("asha"))
    items = (await resp.json())["items"]
    assert [i["amount"]["minor"] for i in items] == [-31000, -62000, -230000, -45000, 2_45_000_00]
    assert items[0]["balance_after"] == rupees(245000 - 450 - 2300 - 620 - 310)
    assert items[0]["merchant"] == "Uber" and items[0]["category"] == "travel"

    food = await (
        await world.client.get(url, params={"category": "food"}, headers=world.auth("asha"))
    ).json()
    assert [i["merchant"] for i in food["items"]] == ["Swiggy", "Swiggy"]
    swiggy = await (
        await world.client.get(
            url, params={"merchant": "swiggy", "min_amount": 50000}, headers=world.auth("asha")
        )
    ).json()
    assert [i["amount"]["minor"] for i in swiggy["items"]] == [-62000]
    dated = await (
        await world.client.get(
            url, params={"from": "2026-11-11", "to": "2026-11-12"}, headers=world.auth("asha")
        )
    ).json()
    assert [i["merchant"] for i in dated["items"]] == ["Swiggy", "BigBasket"]

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = await (await world.client.get(url, params=params, headers=world.auth("asha"))).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in items]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "abc"},
        {"from": "yesterday"},
        {"category": "gambling"},
        {"cursor": "!!"},
        {"min_amount": "-1"},
        {"sort": "asc"},
    ],
)
async def test_bad_history_filters_are_refused(world: World, params: dict[str, str]) -> None:
    resp = await world.client.get(
        f"/api/v1/accounts/{world.asha_savings}/transactions",
        params=params,
        headers=world.auth("asha"),
    )
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] in {"invalid_query", "invalid_cursor"}


# -- payees -------------------------------------------------------------------------------


async def test_adds_lists_and_removes_payees(world: World) -> None:
    add = await world.client.post(
        "/api/v1/payees",
        json={
            "name": "Sunita Verma",
            "nickname": "Mom",
            "account_number": "123456789012",
            "ifsc": "hdfc0001234",
        },
        headers=world.auth("asha"),
    )
    assert add.status == 201
    payee = await add.json()
    assert payee["ifsc"] == "HDFC0001234"
    dup = await world.client.post(
        "/api/v1/payees",
        json={"name": "Someone", "nickname": "mom", "upi_id": "someone@ybl"},
        headers=world.auth("asha"),
    )
    assert dup.status == 409
    names = [
        p["name"]
        for p in (
            await (await world.client.get("/api/v1/payees", headers=world.auth("asha"))).json()
        )["items"]
    ]
    assert names == ["Ravi Kumar", "Sunita Verma"]
    assert (
        await world.client.delete(f"/api/v1/payees/{payee['id']}", headers=world.auth("asha"))
    ).status == 204
    gone = await transfer(
        world,
        "to-gone",
        {"from_account_id": world.asha_savings, "payee_id": payee["id"], "amount": rupees(1)},
    )
    assert gone.status == 404 and (await gone.json())["error"]["code"] == "payee_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "A"}, "invalid_payee_name"),
        (
            {"name": "Ann Lee", "account_number": "12", "ifsc": "HDFC0001234"},
            "invalid_account_number",
        ),
        ({"name": "Ann Lee", "account_number": "123456789", "ifsc": "HDFC1001234"}, "invalid_ifsc"),
        ({"name": "Ann Lee", "upi_id": "not-a-upi"}, "invalid_upi_id"),
        ({"name": "Ann Lee"}, "invalid_payee_destination"),
        (
            {"name": "Ann Lee", "upi_id": "a@ybl", "ifsc": "HDFC0001234"},
            "invalid_payee_destination",
        ),
        ({"name": 7, "upi_id": "a@ybl"}, "invalid_field"),
    ],
)
async def test_bad_payees_are_refused(world: World, body: dict[str, Any], code: str) -> None:
    resp = await world.client.post("/api/v1/payees", json=body, headers=world.auth("asha"))
    assert resp.status == 422
    assert (await resp.json())["error"]["code"] == code
    assert await world.count("payees") == 1


# -- holds ------------------------------------------------------------------------------------


async def test_a_hold_reserves_then_posts_part_and_releases_the_rest(world: World) -> None:
    resp = await world.client.post(
        "/api/v1/holds",
        json={
            "account_id": world.asha_current,
            "payee_id": world.asha_payee,
            "amount": rupees(10000),
        },
        headers=world.pay("asha", "h1"),
    )
    assert resp.status == 201
    hold = await resp.json()
    account = await (
        await world.client.get(f"/api/v1/accounts/{world.asha_current}", headers=world.auth("asha"))
    ).json()
    assert account["balance"] == rupees(58000) and account["available"] == rupees(48000)
    posted = await world.client.post(
        f"/api/v1/holds/{hold['id']}/post",
        json={"amount": rupees(7500)},
        headers=world.pay("asha", "h2"),
    )
    body = await posted.json()
    assert (
        posted.status == 200
        and body["status"] == "posted"
        and body["posted_amount"] == rupees(7500)
    )
    account = await (
        await world.client.get(f"/api/v1/accounts/{world.asha_current}", headers=world.auth("asha"))
    ).json()
    assert account["balance"] == rupees(50500) and account["available"] == rupees(50500)
    twice = await world.client.post(
        f"/api/v1/holds/{hold['id']}/void", headers=world.pay("asha", "h3")
    )
    assert twice.status == 422 and (await twice.json())["error"]["code"] == "hold_not_pending"


async def test_a_hold_expires_and_its_funds_come_back(world: World) -> None:
    resp = await world.client.post(
        "/api/v1/holds",
        json={
            "account_id": world.asha_current,
            "to_account_id": world.asha_savings,
            "amount": rupees(58000),
            "expires_in_s": 60,
        },
        headers=world.pay("asha", "e1"),
    )
    hold = await resp.json()
    blocked = await transfer(
        world,
        "e2",
        {
            "from_account_id": world.asha_current,
            "to_account_id": world.asha_savings,
            "amount": rupees(1),
        },
    )
    assert (await blocked.json())["error"]["code"] == "insufficient_funds"
    world.clock.advance(timedelta(seconds=61))
    shown = await (
        await world.client.get(f"/api/v1/holds/{hold['id']}", headers=world.auth("asha"))
    ).json()
    assert shown["status"] == "expired"
    late = await world.client.post(
        f"/api/v1/holds/{hold['id']}/post", headers=world.pay("asha", "e3")
    )
    assert late.status == 422 and (await late.json())["error"]["code"] == "hold_not_pending"
    ok = await transfer(
        world,
        "e4",
        {
            "from_account_id": world.asha_current,
            "to_account_id": world.asha_savings,
            "amount": rupees(58000),
        },
    )
    assert ok.status == 201


async def test_voiding_a_hold_releases_it(world: World) -> None:
    hold = await (
        await world.client.post(
            "/api/v1/holds",
            json={
                "account_id": world.asha_savings,
                "to_account_id": world.asha_current,
                "amount": rupees(1000),
            },
            headers=world.pay("asha", "v1"),
        )
    ).json()
    voided = await world.client.post(
        f"/api/v1/holds/{hold['id']}/void", headers=world.pay("asha", "v2")
    )
    assert (await voided.json())["status"] == "voided"
    pending = await (
        await world.client.get(
            "/api/v1/holds", params={"status": "pending"}, headers=world.auth("asha")
        )
    ).json()
    assert pending["items"] == []
    assert await world.balance(world.asha_savings) == 2_45_000_00


# -- operator ---------------------------------------------------------------------------------


async def test_operators_post_bank_feed_entries_and_customers_cannot(world: World) -> None:
    body = {
        "account_id": world.asha_savings,
        "direction": "credit",
        "amount": rupees(120000),
        "counterparty": "Acme Corp",
        "category": "salary",
    }
    denied = await world.client.post(
        "/api/v1/operator/postings", json=body, headers=world.pay("asha", "s1")
    )
    assert denied.status == 403
    ok = await world.client.post(
        "/api/v1/operator/postings", json=body, headers=world.pay("ops", "s1")
    )
    assert ok.status == 201 and (await ok.json())["kind"] == "external_credit"
    assert await world.balance(world.asha_savings) == 3_65_000_00
    unknown = await world.client.post(
        "/api/v1/operator/postings",
        json={**body, "account_id": "acc_x"},
        headers=world.pay("ops", "s2"),
    )
    assert unknown.status == 404
    future = await world.client.post(
        "/api/v1/operator/postings",
        json={**body, "posted_at": "2099-01-01T00:00:00+00:00"},
        headers=world.pay("ops", "s3"),
    )
    assert future.status == 422 and (await future.json())["error"]["code"] == "invalid_posted_at"


async def test_operators_cannot_make_customer_transfers(world: World) -> None:
    resp = await transfer(
        world,
        "o1",
        {
            "from_account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": rupees(1),
        },
        who="ops",
    )
    assert resp.status == 422 and (await resp.json())["error"]["code"] == "customer_only"


# -- limits -----------------------------------------------------------------------------------


async def test_customers_can_lower_but_not_raise_their_limits(world: World) -> None:
    lowered = await world.client.put(
        "/api/v1/limits", json={"per_transfer": rupees(5000)}, headers=world.auth("asha")
    )
    assert lowered.status == 200 and (await lowered.json())["per_transfer"] == rupees(5000)
    raised = await world.client.put(
        "/api/v1/limits", json={"monthly": rupees(50_00_000)}, headers=world.auth("asha")
    )
    assert raised.status == 422 and (await raised.json())["error"]["code"] == "limit_above_maximum"
    refused = await transfer(
        world,
        "l1",
        {
            "from_account_id": world.asha_savings,
            "payee_id": world.asha_payee,
            "amount": rupees(5001),
        },
    )
    assert (await refused.json())["error"]["code"] == "limit_per_transfer"
