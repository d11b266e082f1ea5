"""Events from sign-ins, credits, debits and holds; the inbox on connect; insights; webhooks."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from standardwebhooks import Webhook

from domain import schema
from domain.money import Money
from domain.webhooks import signing
from tests.e2e.conftest import World
from tests.e2e.test_events import receiver, settle  # noqa: F401  (a fixture, used by name)


async def outbox_types(world: World, customer_id: str) -> list[str]:
    o = schema.outbox_events
    async with world.container.db.reading() as conn:
        rows = await conn.execute(
            select(o.c.type).where(o.c.customer_id == customer_id).order_by(o.c.seq)
        )
        return [r.type for r in rows]


async def inbox(world: World, who: str = "asha") -> list[dict[str, Any]]:
    resp = await world.client.get("/api/v1/notifications", headers=world.auth(who))
    items: list[dict[str, Any]] = (await resp.json())["items"]
    return items


async def sign_in(world: World, agent: str, password: str = "correct-horse-1") -> int:
    resp = await world.client.post(
        "/api/v1/auth/login",
        json={"username": "asha", "password": password},
        headers={"User-Agent": agent},
    )
    return resp.status


# -- sign-in from a new device --------------------------------------------------------


async def test_a_sign_in_from_a_new_device_raises_a_critical_alert_through_quiet_hours(
    world: World,
) -> None:
    pushed: list[str] = []

    class Chat:
        async def push(self, customer_id: str, replies: Any, *, silent: bool = False) -> int:
            pushed.extend(r.text for r in replies)
            return 1

    world.container.events.pushers.register("web", Chat())
    await settle(world)
    pushed.clear()
    # 10:30 IST: inside these quiet hours, where only critical notifications are pushed.
    await world.client.put(
        "/api/v1/notifications/preferences",
        json={"quiet_hours": {"start": "10:00", "end": "11:00"}},
        headers=world.auth("asha"),
    )
    assert await sign_in(world, "Phone/1.0") == 200  # the first device is simply remembered
    assert await sign_in(world, "Phone/1.0") == 200
    assert "security.new_device_login" not in await outbox_types(world, world.asha)
    assert await sign_in(world, "Laptop/2.0", password="wrong password") == 401
    assert "security.new_device_login" not in await outbox_types(world, world.asha)
    assert await sign_in(world, "Laptop/2.0") == 200
    assert (await outbox_types(world, world.asha)).count("security.new_device_login") == 1
    await settle(world)
    assert len(pushed) == 1 and "New sign-in" in pushed[0] and "Laptop/2.0" in pushed[0]
    (alert,) = [n for n in await inbox(world) if n["title"] == "New sign-in"]
    assert alert["priority"] == "critical" and alert["category"] == "security"
    assert await world.count("known_devices") == 2


# -- the web chat inbox on (re)connect ------------------------------------------------


async def test_the_web_chat_shows_what_was_sent_while_away_once_on_connect(world: World) -> None:
    await settle(world)
    await world.client.post("/api/v1/notifications/read-all", headers=world.auth("asha"))
    await world.container.banking.external_posting(
        principal_id=world.asha,
        idempotency_key="salary",
        account_id=world.asha_savings,
        direction="credit",
        amount=Money(75_000_00),
        counterparty="Acme Payroll",
    )
    await settle(world)
    ws = await world.client.ws_connect("/ws/chat")
    await ws.send_json({"type": "auth", "token": world.tokens["asha"]})
    assert (await ws.receive_json(timeout=5))["type"] == "ready"
    push = await ws.receive_json(timeout=5)
    assert push["type"] == "push"
    texts = [r["text"] for r in push["replies"]]
    assert texts[0] == "While you were away:"
    assert any("Money received" in t and "₹75,000.00" in t for t in texts)
    await ws.close()
    again = await world.client.ws_connect("/ws/chat")
    await again.send_json({"type": "auth", "token": world.tokens["asha"]})
    assert (await again.receive_json(timeout=5))["type"] == "ready"
    await again.send_json({"type": "ping"})
    assert await again.receive_json(timeout=5) == {"type": "pong"}  # nothing shown twice
    await again.close()


async def test_the_mark_read_button_under_a_push_marks_it_read_in_chat(world: World) -> None:
    await settle(world)
    await world.client.post("/api/v1/notifications/read-all", headers=world.auth("asha"))
    await world.container.banking.external_posting(
        principal_id=world.asha,
        idempotency_key="refund",
        account_id=world.asha_savings,
        direction="credit",
        amount=Money(1_250_00),
        counterparty="Flipkart Refunds",
    )
    await settle(world)
    ws = await world.client.ws_connect("/ws/chat")
    await ws.send_json({"type": "auth", "token": world.tokens["asha"]})
    assert (await ws.receive_json(timeout=5))["type"] == "ready"
    push = await ws.receive_json(timeout=5)
    await ws.close()
    (button,) = [b for r in push["replies"] for b in r["buttons"] if b["label"] == "Mark read"]
    (unread,) = [n for n in await inbox(world) if n["read_at"] is None]

    async def press(payload: str, who: str = "asha") -> str:
        resp = await world.client.post(
            "/api/v1/chat", json={"payload": payload}, headers=world.auth(who)
        )
        assert resp.status == 200
        return " ".join(r["text"] for r in (await resp.json())["replies"])

    assert await press(button["payload"], who="vikram") == (
        "I couldn't find that notification; it may have been cleared."
    )
    assert next(n for n in await inbox(world) if n["id"] == unread["id"])["read_at"] is None
    assert await press(button["payload"]) == "Marked as read."
    assert all(n["read_at"] is not None for n in await inbox(world))
    assert await press("/read:ntf_not-an-id") == (
        "That button is no longer valid. What would you like to do?"
    )


# -- credits, debits and holds ----------------------------------------------------------


async def test_credits_debits_and_holds_each_make_their_event_and_notification(
    world: World,
) -> None:
    await settle(world)
    banking = world.container.banking
    await banking.external_posting(
        principal_id=world.asha,
        idempotency_key="in",
        account_id=world.asha_savings,
        direction="credit",
        amount=Money(2_000_00),
        counterparty="Rent from tenant",
    )
    await banking.external_posting(
        principal_id=world.asha,
        idempotency_key="out",
        account_id=world.asha_savings,
        direction="debit",
        amount=Money(450_00),
        counterparty="Card",
        merchant="Swiggy",
    )
    hold = await banking.place_hold(
        principal_id=world.asha,
        customer_id=world.asha,
        idempotency_key="h1",
        account_id=world.asha_savings,
        amount=Money(1_000_00),
        expires_at=world.clock.now() + timedelta(days=1),
        to_account_id=world.asha_current,
    )
    await banking.post_hold(
        principal_id=world.asha,
        customer_id=world.asha,
        idempotency_key="h1-post",
        hold_id=hold.id,
        amount=Money(600_00),
    )
    second = await banking.place_hold(
        principal_id=world.asha,
        customer_id=world.asha,
        idempotency_key="h2",
        account_id=world.asha_savings,
        amount=Money(300_00),
        expires_at=world.clock.now() + timedelta(days=1),
        to_account_id=world.asha_current,
    )
    await banking.void_hold(
        principal_id=world.asha,
        customer_id=world.asha,
        idempotency_key="h2-void",
        hold_id=second.id,
    )
    types = await outbox_types(world, world.asha)
    for wanted in ("credit.received", "debit.posted", "hold.placed", "hold.posted", "hold.voided"):
        assert wanted in types, wanted
    await settle(world)
    world.clock.advance(timedelta(seconds=6))  # the grouping window closes
    await settle(world)
    titles = [n["title"] for n in await inbox(world)]
    assert "Money received" in titles  # high priority: at once
    assert "Debit" in titles
    assert any(t.startswith("4 hold updates") for t in titles)  # low ones grouped in the window


# -- proactive insights -----------------------------------------------------------------


async def test_a_planted_duplicate_charge_makes_a_possible_duplicate_notification(
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
        world.clock.advance(timedelta(hours=2))
    await settle(world)
    dupes = [n for n in await inbox(world) if n["title"] == "Possible duplicate charge"]
    assert len(dupes) == 1
    assert dupes[0]["body"] == "Netflix charged ₹649.00 twice within a day."
    assert dupes[0]["data"]["insight"] == "duplicate_charge"


# -- inbound named events and secret rotation --------------------------------------------


async def test_a_signed_inbound_named_event_enters_the_outbox_for_rules_once(
    world: World,
) -> None:
    secret = signing.new_secret()
    world.container.events.inbound._secrets = {"crm": [secret]}
    body = json.dumps(
        {
            "type": "event",
            "name": "salary.announced",
            "account_id": world.asha_savings,
            "data": {"amount": 90000},
        }
    ).encode()
    headers = signing.headers([secret], "msg_evt_1", int(world.clock.now().timestamp()), body)
    first = await world.client.post("/api/v1/webhooks/inbound/crm", data=body, headers=headers)
    again = await world.client.post("/api/v1/webhooks/inbound/crm", data=body, headers=headers)
    assert (first.status, again.status) == (201, 200)
    outcome = await first.json()
    assert outcome["event_type"] == "external.salary.announced"
    assert (await outbox_types(world, world.asha)).count("external.salary.announced") == 1
    bad = json.dumps({"type": "event", "name": "Not A Name", "account_id": world.asha_savings})
    signed = signing.headers(
        [secret], "msg_evt_2", int(world.clock.now().timestamp()), bad.encode()
    )
    refused = await world.client.post(
        "/api/v1/webhooks/inbound/crm", data=bad.encode(), headers=signed
    )
    assert refused.status == 422
    unknown = await world.client.post("/api/v1/webhooks/inbound/nobody", data=body, headers=headers)
    assert unknown.status == 404


async def test_a_rotated_secret_signs_beside_the_old_one_and_both_verify(
    world: World,
    receiver: dict[str, Any],  # noqa: F811
) -> None:
    events = world.container.events
    events.webhooks.allow_loopback = True
    receiver["down"] = False
    await settle(world)
    created = await (
        await world.client.post(
            "/api/v1/webhooks", json={"url": receiver["url"]}, headers=world.auth("asha")
        )
    ).json()
    rotated_resp = await world.client.post(
        f"/api/v1/webhooks/{created['id']}/rotate-secret", headers=world.auth("asha")
    )
    assert rotated_resp.status == 200
    rotated = await rotated_resp.json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    await world.client.post(f"/api/v1/webhooks/{created['id']}/test", headers=world.auth("asha"))
    await events.webhooks.deliver_due()
    (headers, body), *_ = receiver["got"]
    assert len(headers["webhook-signature"].split()) == 2
    assert Webhook(rotated["secret"]).verify(body, headers)["type"] == "webhook.test"
    assert Webhook(created["secret"]).verify(body, headers)["type"] == "webhook.test"
    other = await world.client.post(
        f"/api/v1/webhooks/{created['id']}/rotate-secret", headers=world.auth("vikram")
    )
    assert other.status == 404
