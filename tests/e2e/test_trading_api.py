"""Trading and wealth over HTTP and the market WebSocket."""

from __future__ import annotations

from typing import Any

from domain.banking.model import AccountType
from domain.money import Money
from tests.e2e.conftest import World


async def _fund_trading(world: World, minor: int) -> str:
    banking = world.container.banking
    account = await banking.open_account(world.asha, AccountType.TRADING, "Trading")
    await banking.transfer(
        principal_id=world.asha,
        customer_id=world.asha,
        idempotency_key="fund-trading",
        from_account_id=world.asha_savings,
        to_account_id=account.id,
        amount=Money(minor),
    )
    return account.id


async def _order(world: World, key: str, **body: Any) -> Any:
    return await world.client.post("/api/v1/orders", json=body, headers=world.pay("asha", key))


async def test_a_market_buy_over_rest_fills_and_shows_in_the_portfolio(world: World) -> None:
    await _fund_trading(world, 1_00_000_00)
    resp = await _order(world, "o-1", symbol="INFY", side="buy", quantity=5, order_type="market")
    assert resp.status == 201, await resp.text()
    order = await resp.json()
    assert order["status"] == "filled"
    again = await _order(world, "o-1", symbol="INFY", side="buy", quantity=5, order_type="market")
    assert (await again.json())["id"] == order["id"]
    detail = await (
        await world.client.get(f"/api/v1/orders/{order['id']}", headers=world.auth("asha"))
    ).json()
    [fill] = detail["fills"]
    assert fill["charges"]["total"]["minor"] == order["charges"]["minor"]
    portfolio = await (
        await world.client.get("/api/v1/portfolio", headers=world.auth("asha"))
    ).json()
    assert [p["symbol"] for p in portfolio["positions"]] == ["INFY"]
    cancel = await world.client.delete(f"/api/v1/orders/{order['id']}", headers=world.auth("asha"))
    assert cancel.status == 422
    assert (await cancel.json())["error"]["code"] == "order_not_open"


async def test_quotes_instruments_and_bad_orders(world: World) -> None:
    quote = await (await world.client.get("/api/v1/quotes/infy", headers=world.auth("asha"))).json()
    assert set(quote) >= {
        "symbol",
        "last",
        "change",
        "change_pct",
        "high",
        "low",
        "volume",
        "as_of",
    }
    listing = await (
        await world.client.get("/api/v1/instruments", headers=world.auth("asha"))
    ).json()
    assert len(listing["items"]) >= 50
    unknown = await world.client.get("/api/v1/quotes/NOPE", headers=world.auth("asha"))
    assert unknown.status == 404
    await _fund_trading(world, 10_000_00)
    bad = await _order(world, "b", symbol="INFY", side="buy", quantity=0, order_type="market")
    assert (await bad.json())["error"]["code"] == "invalid_quantity"
    no_key = await world.client.post(
        "/api/v1/orders",
        json={"symbol": "INFY", "side": "buy", "quantity": 1, "order_type": "market"},
        headers=world.auth("asha"),
    )
    assert no_key.status == 422


async def test_net_worth_health_and_alerts(world: World) -> None:
    worth = await (
        await world.client.get("/api/v1/wealth/net-worth", headers=world.auth("asha"))
    ).json()
    assert worth["net_worth"]["minor"] == 2_45_000_00 + 58_000_00
    health = await (
        await world.client.get("/api/v1/wealth/health", headers=world.auth("asha"))
    ).json()
    assert 0 <= health["score"] <= 100
    assert health["grade"] in {"A+", "A", "B", "C", "D", "F"}
    assert len(health["factors"]) == 5
    added = await world.client.post(
        "/api/v1/alerts",
        json={"symbol": "INFY", "price": {"minor": 1600_00, "currency": "INR"}},
        headers=world.auth("asha"),
    )
    assert added.status == 201
    alerts = await (await world.client.get("/api/v1/alerts", headers=world.auth("asha"))).json()
    assert [a["symbol"] for a in alerts["items"]] == ["INFY"]


async def test_the_market_websocket_sends_a_tick_for_each_subscribed_symbol(world: World) -> None:
    async with world.client.ws_connect("/ws/market") as ws:
        await ws.send_json({"type": "subscribe", "symbols": ["INFY", "tcs"]})
        assert await ws.receive_json() == {"type": "subscribed", "symbols": ["INFY", "TCS"]}
        ticks = {(await ws.receive_json())["symbol"] for _ in range(2)}
        assert ticks == {"INFY", "TCS"}
