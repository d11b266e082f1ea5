"""Sign-in, tokens and rate limits over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from api.app import create_app
from bot.bootstrap import build
from bot.settings import Settings
from domain.clock import ManualClock
from intents import NLU
from tests.e2e.conftest import AiohttpClient

PASSWORD = "correct horse battery"
Client = TestClient[Any, Any]
MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def make_client(
    aiohttp_client: AiohttpClient, settings: Settings, clock: ManualClock, nlu: NLU
) -> MakeClient:
    """An app with one customer, 'asha'; keyword arguments override settings."""

    async def make(**overrides: Any) -> Client:
        container = build(settings.model_copy(update=overrides), clock=clock, nlu=nlu)
        await container.identity.create_user("asha", "Asha Rao", PASSWORD)
        return await aiohttp_client(create_app(container))

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    return await make_client()


async def login(client: Client, password: str = PASSWORD) -> ClientResponse:
    return await client.post("/api/v1/auth/login", json={"username": "asha", "password": password})


async def tokens(client: Client) -> dict[str, Any]:
    resp = await login(client)
    assert resp.status == 200
    body: dict[str, Any] = await resp.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def error(resp: ClientResponse, status: int, code: str) -> dict[str, Any]:
    assert resp.status == status
    body: dict[str, Any] = await resp.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body


# -- sign-in and /me -------------------------------------------------------------


async def test_signs_in_and_describes_the_caller(client: Client) -> None:
    pair = await tokens(client)
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert (pair["token_type"], pair["expires_in"]) == ("Bearer", 900)
    resp = await client.get("/api/v1/me", headers=bearer(pair["access_token"]))
    assert resp.status == 200
    me = await resp.json()
    assert me["id"].startswith("usr_")
    assert {k: v for k, v in me.items() if k != "id"} == {
        "username": "asha",
        "full_name": "Asha Rao",
        "role": "customer",
        "scope": "customer",
        "timezone": "Asia/Kolkata",
    }


async def test_a_wrong_password_is_401_invalid_credentials(client: Client) -> None:
    resp = await login(client, "wrong password")
    await error(resp, 401, "invalid_credentials")
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_a_password_is_taken_exactly_as_typed(client: Client) -> None:
    await error(await login(client, f" {PASSWORD} "), 401, "invalid_credentials")


async def test_me_without_a_token_is_401_with_a_bearer_challenge(client: Client) -> None:
    resp = await client.get("/api/v1/me")
    await error(resp, 401, "unauthenticated")
    assert resp.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["nonsense", "swa_not-issued", "swk_not-issued"])
async def test_me_with_a_bad_token_is_401_invalid_token(client: Client, token: str) -> None:
    resp = await client.get("/api/v1/me", headers=bearer(token))
    await error(resp, 401, "invalid_token")
    assert resp.headers["WWW-Authenticate"] == "Bearer"


async def test_a_refresh_token_does_not_open_the_api(client: Client) -> None:
    pair = await tokens(client)
    resp = await client.get("/api/v1/me", headers=bearer(pair["refresh_token"]))
    await error(resp, 401, "invalid_token")


async def test_an_expired_access_token_is_401_token_expired(
    client: Client, clock: ManualClock
) -> None:
    pair = await tokens(client)
    clock.advance(timedelta(seconds=901))
    await error(
        await client.get("/api/v1/me", headers=bearer(pair["access_token"])), 401, "token_expired"
    )


# -- lockout and rate limits -----------------------------------------------------


async def test_the_fifth_bad_password_locks_the_account_with_423(client: Client) -> None:
    for _ in range(4):
        await error(await login(client, "wrong password"), 401, "invalid_credentials")
    resp = await login(client, "wrong password")
    await error(resp, 423, "account_locked")
    assert resp.headers["Retry-After"] == "900"
    resp = await login(client)
    await error(resp, 423, "account_locked")


async def test_too_many_login_attempts_from_one_ip_are_429(make_client: MakeClient) -> None:
    client = await make_client(rate_limit_login_per_min=2)
    await tokens(client)
    await error(await login(client, "wrong password"), 401, "invalid_credentials")
    resp = await login(client)
    await error(resp, 429, "rate_limited")
    assert 0 < int(resp.headers["Retry-After"]) <= 30  # one attempt per 30 s refills
    assert "login attempts" in (await resp.json())["error"]["message"]


async def test_too_many_requests_with_one_token_are_429(make_client: MakeClient) -> None:
    client = await make_client(rate_limit_token_per_min=2)
    headers = bearer((await tokens(client))["access_token"])
    for _ in range(2):
        assert (await client.get("/api/v1/me", headers=headers)).status == 200
    resp = await client.get("/api/v1/me", headers=headers)
    await error(resp, 429, "rate_limited")
    assert int(resp.headers["Retry-After"]) > 0
    # Another token has a bucket of its own.
    other = bearer((await tokens(client))["access_token"])
    assert (await client.get("/api/v1/me", headers=other)).status == 200


# -- refresh ---------------------------------------------------------------------


async def refresh(client: Client, token: str) -> ClientResponse:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates_the_pair(client: Client) -> None:
    first = await tokens(client)
    resp = await refresh(client, first["refresh_token"])
    assert resp.status == 200
    second = await resp.json()
    assert second["refresh_token"] != first["refresh_token"]
    me = await client.get("/api/v1/me", headers=bearer(second["access_token"]))
    assert me.status == 200


async def test_reusing_a_refresh_token_signs_the_session_out(client: Client) -> None:
    first = await tokens(client)
    second = await (await refresh(client, first["refresh_token"])).json()
    await error(await refresh(client, first["refresh_token"]), 401, "refresh_token_reused")
    for pair in (first, second):
        resp = await client.get("/api/v1/me", headers=bearer(pair["access_token"]))
        await error(resp, 401, "token_revoked")


# -- sign-out --------------------------------------------------------------------


async def test_logout_ends_this_session_only(client: Client) -> None:
    phone, laptop = await tokens(client), await tokens(client)
    resp = await client.post("/api/v1/auth/logout", headers=bearer(phone["access_token"]))
    assert resp.status == 204
    await error(
        await client.get("/api/v1/me", headers=bearer(phone["access_token"])), 401, "token_revoked"
    )
    await error(await refresh(client, phone["refresh_token"]), 401, "token_revoked")
    assert (await client.get("/api/v1/me", headers=bearer(laptop["access_token"]))).status == 200


async def test_logout_all_ends_every_session(client: Client) -> None:
    phone, laptop = await tokens(client), await tokens(client)
    resp = await client.post("/api/v1/auth/logout-all", headers=bearer(phone["access_token"]))
    assert resp.status == 204
    for pair in (phone, laptop):
        resp = await client.get("/api/v1/me", headers=bearer(pair["access_token"]))
        await error(resp, 401, "token_revoked")


async def test_logout_needs_a_token(client: Client) -> None:
    await error(await client.post("/api/v1/auth/logout"), 401, "unauthenticated")


# -- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"username": "asha"}, "missing_field"),
        ({"username": "asha", "password": ""}, "missing_field"),
        ({"username": 7, "password": PASSWORD}, "invalid_field"),
        ({"username": "asha", "password": ["x"]}, "invalid_field"),
        ({"username": "asha", "password": PASSWORD, "remember": True}, "unknown_field"),
    ],
)
async def test_bad_login_bodies_are_422(client: Client, body: Any, code: str) -> None:
    await error(await client.post("/api/v1/auth/login", json=body), 422, code)


async def test_malformed_json_is_422(client: Client) -> None:
    resp = await client.post(
        "/api/v1/auth/login",
        data=b'{"username": "asha",',
        headers={"Content-Type": "application/json"},
    )
    await error(resp, 422, "malformed_json")


async def test_a_json_array_is_not_a_body(client: Client) -> None:
    await error(await client.post("/api/v1/auth/refresh", json=["swr_x"]), 422, "malformed_json")


async def test_a_form_body_is_422(client: Client) -> None:
    resp = await client.post("/api/v1/auth/login", data={"username": "asha", "password": "x"})
    await error(resp, 422, "invalid_content_type")


async def test_a_wrongly_typed_refresh_token_is_422(client: Client) -> None:
    await error(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": 1}), 422, "invalid_field"
    )


async def test_an_oversized_body_is_413(client: Client) -> None:
    body = {"username": "asha", "password": "x" * (70 * 1024)}
    await error(await client.post("/api/v1/auth/login", json=body), 413, "body_too_large")
