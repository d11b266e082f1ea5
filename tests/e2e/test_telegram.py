"""The Telegram bot end to end: real python-telegram-bot, long polling a fake Bot API.

The fake (tests/fakes/telegram_server.py) plays Telegram on loopback; the
test plays the customer by queueing updates and reads what the bot sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text

from bot.replies import Button, Reply
from bot.settings import Settings
from bot.telegram.channel import HOW_TO_LINK
from domain.money import Money
from tests.e2e.conftest import World
from tests.fakes.telegram_server import Call, FakeTelegram

ASHA_CHAT = 111_000_001
VIKRAM_CHAT = 111_000_002
STRANGER_CHAT = 111_000_999
NOT_LINKED = "isn't linked to a Swayam account"
# In the balance answer only; pushed notifications may name single amounts at any time.
ASHA_TOTAL = "Total: ₹3,03,000.00"


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
            "telegram_mode": "polling",
        }
    )


async def say(telegram: FakeTelegram, chat_id: int, text: str, expect: str = "") -> Call:
    """Send a message as the customer; the bot's first reply to it containing ``expect``."""
    mark = len(telegram.calls)
    await telegram.send_text(chat_id, text)
    return await telegram.wait_for(
        "sendMessage", lambda c: c.chat_id == chat_id and expect in c.text, after=mark
    )


async def link(world: World, telegram: FakeTelegram, who: str, chat_id: int) -> None:
    resp = await world.client.post("/api/v1/telegram/link-code", headers=world.auth(who))
    assert resp.status == 201
    code = (await resp.json())["code"]
    await say(telegram, chat_id, f"/start {code}", expect="Linked to")


# -- linking ---------------------------------------------------------------------------------


async def test_the_bot_sets_its_command_menu_and_polls_when_started(
    world: World, telegram: FakeTelegram
) -> None:
    await world.client.get("/api/v1/me", headers=world.auth("asha"))
    commands = await telegram.wait_for("setMyCommands")
    names = [c["command"] for c in commands.params["commands"]]
    assert names == ["balance", "history", "portfolio", "rules", "help", "cancel"]
    assert world.container.telegram is not None
    assert world.container.telegram.username == telegram.username


async def test_a_signed_in_customer_gets_a_link_code_with_a_deep_link(
    world: World, telegram: FakeTelegram
) -> None:
    resp = await world.client.post("/api/v1/telegram/link-code", headers=world.auth("asha"))
    assert resp.status == 201
    body = await resp.json()
    assert body["start_command"] == f"/start {body['code']}"
    assert body["deep_link"] == f"https://t.me/{telegram.username}?start={body['code']}"
    async with world.container.db.reading() as conn:
        stored = (await conn.execute(text("SELECT code_hash FROM telegram_link_codes"))).scalar()
    assert stored is not None and body["code"] not in stored  # only the hash is kept


async def test_an_operator_cannot_get_a_link_code(world: World) -> None:
    resp = await world.client.post("/api/v1/telegram/link-code", headers=world.auth("ops"))
    assert resp.status == 422


async def test_a_linked_customer_asks_the_balance_and_sees_it(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    reply = await say(telegram, ASHA_CHAT, "what's my balance?", expect=ASHA_TOTAL)
    assert "₹2,45,000.00" in reply.text
    assert reply.params["parse_mode"] == "HTML"
    menu = await say(telegram, ASHA_CHAT, "/balance", expect=ASHA_TOTAL)
    assert "₹2,45,000.00" in menu.text


async def test_an_unlinked_chat_is_told_how_to_link_and_sees_no_data(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    for message in ("what's my balance?", "/balance", "/history", "send 500 to Ravi", "/start"):
        reply = await say(telegram, STRANGER_CHAT, message)
        assert NOT_LINKED in reply.text
    mark = len(telegram.calls)
    await telegram.press(STRANGER_CHAT, "/intent:balance_inquiry")
    answer = await telegram.wait_for("answerCallbackQuery", after=mark)
    assert NOT_LINKED in answer.params["text"]
    sent = [c.text for c in telegram.calls if c.chat_id == STRANGER_CHAT]
    assert sent and all("₹" not in t and "Asha" not in t for t in sent)
    assert all(
        c.text == HOW_TO_LINK.replace("<code>", "").replace("</code>", "")
        for c in telegram.to_chat(STRANGER_CHAT)
    )


async def test_a_link_code_works_once(world: World, telegram: FakeTelegram) -> None:
    issued = await world.container.telegram_links.new_code(world.asha)
    await say(telegram, ASHA_CHAT, f"/start {issued.code}", expect="Linked to Asha Verma")
    again = await say(telegram, STRANGER_CHAT, f"/start {issued.code}")
    assert "isn't valid" in again.text
    assert NOT_LINKED in (await say(telegram, STRANGER_CHAT, "balance")).text


async def test_a_link_code_expires_after_ten_minutes(world: World, telegram: FakeTelegram) -> None:
    issued = await world.container.telegram_links.new_code(world.asha)
    world.clock.advance(timedelta(minutes=10, seconds=1))
    reply = await say(telegram, ASHA_CHAT, f"/start {issued.code}")
    assert "isn't valid" in reply.text
    assert NOT_LINKED in (await say(telegram, ASHA_CHAT, "balance")).text


async def test_a_made_up_code_links_nothing(world: World, telegram: FakeTelegram) -> None:
    for code in ("not-a-real-code-123", "x" * 80, "<script>"):
        reply = await say(telegram, ASHA_CHAT, f"/start {code}")
        assert "isn't valid" in reply.text
    assert await world.container.telegram_links.chats(world.asha) == []


async def test_unlink_ends_the_link(world: World, telegram: FakeTelegram) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    await say(telegram, ASHA_CHAT, "/unlink", expect="Unlinked.")
    assert NOT_LINKED in (await say(telegram, ASHA_CHAT, "what's my balance?")).text
    assert NOT_LINKED in (await say(telegram, ASHA_CHAT, "/unlink")).text


async def test_signing_out_everywhere_unlinks_the_customers_chats(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    await link(world, telegram, "vikram", VIKRAM_CHAT)
    resp = await world.client.post("/api/v1/auth/logout-all", headers=world.auth("asha"))
    assert resp.status == 204
    assert NOT_LINKED in (await say(telegram, ASHA_CHAT, "what's my balance?")).text
    await say(telegram, VIKRAM_CHAT, "what's my balance?", expect="Total: ₹80,000.00")


# -- conversations and buttons ---------------------------------------------------------------------


async def test_a_transfer_is_confirmed_with_an_inline_button(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    before = await world.balance(world.asha_savings)
    confirm = await say(telegram, ASHA_CHAT, "send 500 to Ravi", expect="Send ₹500.00")
    assert "Send ₹500.00 to Ravi Kumar" in confirm.text
    yes, no = confirm.callback_data
    assert yes.startswith("/affirm") and no.startswith("/deny")
    assert await world.balance(world.asha_savings) == before  # nothing moves before the yes

    mark = len(telegram.calls)
    await telegram.press(ASHA_CHAT, yes, telegram.message_of(confirm))
    await telegram.wait_for("answerCallbackQuery", after=mark)
    edited = await telegram.wait_for("editMessageText", after=mark)
    assert edited.text.endswith("› Yes") and "reply_markup" not in edited.params
    done = await telegram.wait_for("sendMessage", lambda c: "Done." in c.text, after=mark)
    assert "Done. Sent ₹500.00 to Ravi Kumar" in done.text and done.chat_id == ASHA_CHAT
    assert await world.balance(world.asha_savings) == before - 500_00


async def test_a_stale_button_is_answered_politely_and_moves_nothing(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    confirm = await say(telegram, ASHA_CHAT, "send 500 to Ravi", expect="Send ₹500.00")
    message = telegram.message_of(confirm)
    await say(telegram, ASHA_CHAT, "no", expect="Okay, I won't")
    before = await world.balance(world.asha_savings)

    mark = len(telegram.calls)
    await telegram.press(ASHA_CHAT, confirm.callback_data[0], message)
    await telegram.wait_for("answerCallbackQuery", after=mark)
    reply = await telegram.wait_for(
        "sendMessage",
        lambda c: "no longer valid" in c.text or "nothing waiting for a yes or no" in c.text,
        after=mark,
    )
    assert reply.chat_id == ASHA_CHAT
    assert await world.balance(world.asha_savings) == before


async def test_a_forged_button_is_refused_and_still_answered(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    for data in ("/transfer_all:acc_x", "<b>", ""):
        mark = len(telegram.calls)
        await telegram.press(ASHA_CHAT, data)
        answer = await telegram.wait_for("answerCallbackQuery", after=mark)
        assert "no longer valid" in answer.params["text"]
    # Another customer's payee on a well-formed button is not offered either.
    mark = len(telegram.calls)
    await say(telegram, ASHA_CHAT, "send 500")
    await telegram.press(ASHA_CHAT, "/pick:payee:pay_NOTASHAS")
    await telegram.wait_for("answerCallbackQuery", after=mark)
    reply = await telegram.wait_for(
        "sendMessage", lambda c: "no longer available" in c.text, after=mark
    )
    assert reply.chat_id == ASHA_CHAT


async def test_names_and_merchants_are_escaped_as_html(
    world: World, telegram: FakeTelegram
) -> None:
    await world.container.banking.external_posting(
        principal_id=world.asha,
        idempotency_key="evil-merchant",
        account_id=world.asha_savings,
        direction="debit",
        amount=Money(120_00),
        counterparty="<i>Tea & Co</i>",
    )
    await link(world, telegram, "asha", ASHA_CHAT)
    reply = await say(telegram, ASHA_CHAT, "show my last transactions", expect="transactions in")
    assert "&lt;i&gt;Tea &amp; Co&lt;/i&gt;" in reply.params["text"]
    assert "<i>Tea" not in reply.params["text"]


# -- pushes -----------------------------------------------------------------------------------


async def test_push_reaches_every_linked_chat_and_silent_ones_make_no_sound(
    world: World, telegram: FakeTelegram
) -> None:
    await link(world, telegram, "asha", ASHA_CHAT)
    channel = world.container.telegram
    assert channel is not None
    mark = len(telegram.calls)
    sent = await channel.push(
        world.asha,
        [Reply("Salary credited", buttons=(Button("Balance", "/intent:balance_inquiry"),))],
        silent=True,
    )
    assert sent == 1
    call = await telegram.wait_for("sendMessage", lambda c: c.text == "Salary credited", after=mark)
    assert call.chat_id == ASHA_CHAT and call.params["disable_notification"] is True
    assert call.callback_data == ["/intent:balance_inquiry"]
    assert await channel.push(world.vikram, [Reply("Nobody hears this")]) == 0


async def test_a_chart_is_sent_as_a_photo_and_nothing_outside_the_charts_folder(
    world: World, telegram: FakeTelegram, settings: Settings
) -> None:
    charts = Path(settings.data_dir) / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    (charts / "spending.png").write_bytes(png)
    await link(world, telegram, "asha", ASHA_CHAT)
    channel = world.container.telegram
    assert channel is not None
    mark = len(telegram.calls)
    await channel.push(world.asha, [Reply("Your spending", image_url="/charts/spending.png")])
    photo = await telegram.wait_for("sendPhoto", after=mark)
    assert photo.chat_id == ASHA_CHAT and photo.files["photo"] == png
    mark = len(telegram.calls)
    await channel.push(world.asha, [Reply("Sneaky", image_url="/charts/../swayam.db")])
    await telegram.wait_for("sendMessage", lambda c: c.text == "Sneaky", after=mark)
    assert not [c for c in telegram.calls[mark:] if c.method == "sendPhoto"]
