"""Health, readiness, metrics and the OpenAPI description."""

from __future__ import annotations

import re

from tests.e2e.conftest import World


async def test_health_and_readiness(world: World) -> None:
    assert (await world.client.get("/healthz")).status == 200
    ready = await world.client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": "ok", "money_engine": "ok"}


async def test_metrics_count_requests_by_route(world: World) -> None:
    await world.client.get("/api/v1/accounts", headers=world.auth("asha"))
    text = await (await world.client.get("/metrics")).text()
    assert (
        'swayam_http_requests_total{method="GET",route="/api/v1/accounts",status="200"} 1.0' in text
    )


async def test_metrics_count_money_commands_by_outcome(world: World) -> None:
    body = {
        "from_account_id": world.asha_current,
        "to_account_id": world.asha_savings,
        "amount": {"minor": 100, "currency": "INR"},
    }
    for key in ("m1", "m1"):
        await world.client.post("/api/v1/transfers", json=body, headers=world.pay("asha", key))
    big = {**body, "amount": {"minor": 10**12, "currency": "INR"}}
    await world.client.post("/api/v1/transfers", json=big, headers=world.pay("asha", "m2"))
    text = await (await world.client.get("/metrics")).text()
    assert 'swayam_money_commands_total{operation="transfer",outcome="ok"} 1.0' in text
    assert 'swayam_money_commands_total{operation="transfer",outcome="replayed"} 1.0' in text
    assert (
        'swayam_money_commands_total{operation="transfer",outcome="insufficient_funds"} 1.0' in text
    )
    assert "swayam_money_batches_total" in text


async def test_every_api_route_is_described_in_openapi_and_nothing_else(world: World) -> None:
    doc = await (await world.client.get("/api/v1/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    described = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    served = set()
    for route in world.client.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if path and path.startswith("/api/v1") and route.method != "HEAD":
            served.add((re.sub(r"\{(\w+)(:[^}]*)?\}", r"{\1}", path), route.method))
    assert served == described


async def test_the_docs_page_renders_without_external_assets(world: World) -> None:
    resp = await world.client.get("/api/docs")
    assert resp.status == 200 and resp.content_type == "text/html"
    page = await resp.text()
    assert "openapi.json" in page
    assert "http://" not in page and "https://" not in page


async def test_unknown_paths_and_wrong_methods_get_json_errors(world: World) -> None:
    missing = await world.client.get("/api/v1/nothing-here", headers=world.auth("asha"))
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "not_found"
    wrong = await world.client.delete("/api/v1/accounts", headers=world.auth("asha"))
    assert wrong.status == 405
    assert (await wrong.json())["error"]["code"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
