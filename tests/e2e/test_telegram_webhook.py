"""The Telegram bot in webhook mode: updates arrive at our aiohttp server, not by polling."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from api.routes.telegram import SECRET_HEADER
from bot.settings import Settings
from tests.e2e.conftest import World
from tests.fakes.telegram_server import FakeTelegram

CHAT = 222_000_001
SECRET = "s3cret-token_for-webhooks"
PUBLIC_URL = "https://bank.example/telegram/webhook"


@pytest.fixture(autouse=True)  # first up, last down: the bot stops before its server
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(settings: Settings, telegram: FakeTelegram) -> Settings:
    return settings.model_copy(
        update={
            "telegram_token": SecretStr(telegram.token),
            "telegram_base_url": telegram.base_url,
            "telegram_mode": "webhook",
            "telegram_webhook_url": PUBLIC_URL,
            "telegram_webhook_secret": SecretStr(SECRET),
        }
    )


async def deliver(world: World, update: dict[str, object], secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    resp = await world.client.post("/telegram/webhook", json=update, headers=headers)
    return resp.status


async def test_the_bot_registers_its_webhook_with_the_secret_and_does_not_poll(
    world: World, telegram: FakeTelegram
) -> None:
    await world.client.get("/api/v1/me", headers=world.auth("asha"))
    hook = await telegram.wait_for("setWebhook")
    assert hook.params["url"] == PUBLIC_URL
    assert hook.params["secret_token"] == SECRET
    assert not [c for c in telegram.calls if c.method == "deleteWebhook"]


async def test_updates_with_the_secret_token_are_answered(
    world: World, telegram: FakeTelegram
) -> None:
    issued = await world.container.telegram_links.new_code(world.asha)
    assert await deliver(world, telegram.message_update(CHAT, f"/start {issued.code}")) == 200
    await telegram.wait_for("sendMessage", lambda c: "Linked to" in c.text)
    mark = len(telegram.calls)
    assert await deliver(world, telegram.message_update(CHAT, "what's my balance?")) == 200
    reply = await telegram.wait_for("sendMessage", lambda c: "Total:" in c.text, after=mark)
    assert "₹2,45,000.00" in reply.text and reply.chat_id == CHAT


async def test_a_wrong_or_missing_secret_token_is_rejected_and_nothing_happens(
    world: World, telegram: FakeTelegram
) -> None:
    issued = await world.container.telegram_links.new_code(world.asha)
    forged = telegram.message_update(CHAT, f"/start {issued.code}")
    assert await deliver(world, forged, secret="wrong") == 401
    assert await deliver(world, forged, secret=None) == 401
    assert await deliver(world, {"no": "update_id"}) == 400
    # The code was never spent by the forged updates: the real one still links.
    assert await deliver(world, telegram.message_update(CHAT, f"/start {issued.code}")) == 200
    await telegram.wait_for("sendMessage", lambda c: "Linked to" in c.text)
    assert not [c for c in telegram.calls if "isn't valid" in c.text]
