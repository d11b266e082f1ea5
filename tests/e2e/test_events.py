"""Events end to end: outbox, notifications into chat and the inbox, /ws/events, webhooks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from standardwebhooks import Webhook

from domain.events.model import Event
from domain.money import Money
from domain.webhooks import signing
from tests.conftest import free_port
from tests.e2e.conftest import World


async def transfer(world: World, key: str, rupees: int) -> dict[str, Any]:
    resp = await world.client.post(
        "/api/v1/transfers",
        json={
            "from_account_id": world.asha_savings,
            "to_account_id": world.asha_current,
            "amount": {"minor": rupees * 100, "currency": "INR"},
        },
        headers=world.pay("asha", key),
    )
    assert resp.status == 201, await resp.text()
    return dict(await resp.json())


async def settle(world: World) -> None:
    """Dispatch everything committed so far, as the dispatcher's next round would."""
    events = world.container.events
    await events.stop_background()
    await events.dispatcher.drain()
    await events.notifications.flush()


async def test_a_transfer_writes_its_event_in_the_same_transaction(world: World) -> None:
    before = await world.count("outbox_events")
    body = await transfer(world, "t-1", 1500)
    async with world.container.db.reading() as conn:
        from sqlalchemy import select

        from domain import schema

        o = schema.outbox_events
        rows = (await conn.execute(select(o.c.type, o.c.subject_id).where(o.c.seq > 0))).all()
    assert ("transfer.completed", body["id"]) in rows
    assert await world.count("outbox_events") == before + 1


async def test_transfers_in_a_window_arrive_as_one_summary_in_chat(world: World) -> None:
    pushed: list[tuple[str, list[str], bool]] = []

    class Chat:
        async def push(self, customer_id: str, replies: Any, *, silent: bool = False) -> int:
            pushed.append((customer_id, [r.text for r in replies], silent))
            return 1

    world.container.events.pushers.register("web", Chat())
    await settle(world)
    pushed.clear()
    for i, rupees in enumerate((15_000, 20_000, 10_000)):
        await transfer(world, f"g-{i}", rupees)
    await settle(world)
    assert pushed == []  # still inside the grouping window
    world.clock.advance(timedelta(seconds=6))
    await settle(world)
    assert len(pushed) == 1
    assert "3 transfers completed (₹45,000 total)" in pushed[0][1][0]
    resp = await world.client.get("/api/v1/notifications", headers=world.auth("asha"))
    titles = [n["title"] for n in (await resp.json())["items"]]
    assert "3 transfers completed (₹45,000 total)" in titles


async def test_quiet_hours_hold_back_all_but_critical_notifications(world: World) -> None:
    pushed: list[str] = []

    class Chat:
        async def push(self, customer_id: str, replies: Any, *, silent: bool = False) -> int:
            pushed.append(replies[0].text)
            return 1

    world.container.events.pushers.register("web", Chat())
    await settle(world)
    pushed.clear()
    # 10:30 IST now: quiet from 10:00 to 11:00 on the customer's own clock.
    resp = await world.client.put(
        "/api/v1/notifications/preferences",
        json={"quiet_hours": {"start": "10:00", "end": "11:00"}},
        headers=world.auth("asha"),
    )
    assert resp.status == 200
    await world.container.banking.external_posting(
        principal_id=world.asha,
        idempotency_key="salary",
        account_id=world.asha_savings,
        direction="credit",
        amount=Money(10_000_00),
        counterparty="Employer",
    )
    async with world.container.db.writing() as conn:
        from domain.events import outbox

        await outbox.append(
            conn,
            [
                Event(
                    "security.new_device_login",
                    world.asha,
                    {"device": "Firefox"},
                    world.clock.now(),
                )
            ],
        )
    await settle(world)
    assert len(pushed) == 1 and "New sign-in" in pushed[0]
    inbox = await (
        await world.client.get("/api/v1/notifications", headers=world.auth("asha"))
    ).json()
    assert {"Money received", "New sign-in"} <= {n["title"] for n in inbox["items"]}


async def test_categories_turned_off_make_no_notifications_and_read_marks_stick(
    world: World,
) -> None:
    await settle(world)
    await world.client.post("/api/v1/notifications/read-all", headers=world.auth("asha"))
    resp = await world.client.put(
        "/api/v1/notifications/preferences",
        json={"categories": {"transfer": "off"}},
        headers=world.auth("asha"),
    )
    assert (await resp.json())["categories"]["transfer"] == "off"
    await transfer(world, "off-1", 100)
    world.clock.advance(timedelta(seconds=6))
    await settle(world)
    body = await (
        await world.client.get("/api/v1/notifications", headers=world.auth("asha"))
    ).json()
    assert body["unread"] == 0
    bad = await world.client.put(
        "/api/v1/notifications/preferences",
        json={"categories": {"transfer": "loud"}},
        headers=world.auth("asha"),
    )
    assert bad.status == 422


async def test_a_restart_in_the_middle_of_dispatch_loses_and_duplicates_nothing(
    world: World,
) -> None:
    container = world.container
    await settle(world)
    seen: list[str] = []

    class Flaky:
        name = "flaky"

        def __init__(self, fail_after: int | None) -> None:
            self.fail_after = fail_after

        async def handle(self, events: Any) -> None:
            from domain.events.consumers import claim

            async with container.db.writing() as conn:
                fresh = await claim(conn, self.name, events, container.clock.now())
                seen.extend(e.id for e in fresh)
            if self.fail_after is not None:
                raise RuntimeError("crash after the consumer committed")

    for i in range(5):
        await transfer(world, f"r-{i}", 10 + i)
    dispatcher = container.events.dispatcher
    original = list(dispatcher.consumers)
    dispatcher.consumers = [*original, Flaky(0)]
    with pytest.raises(RuntimeError):
        await dispatcher.run_once()
    dispatcher.consumers = [*original, Flaky(None)]
    await dispatcher.drain()
    dispatcher.consumers = original
    assert len(seen) == 5 and len(set(seen)) == 5
    assert await world.count("outbox_events WHERE dispatched_at IS NULL") == 0


async def test_the_event_stream_resumes_from_the_last_event_id(world: World) -> None:
    await settle(world)
    ws = await world.client.ws_connect("/ws/events", headers=world.auth("asha"))
    assert (await ws.receive_json(timeout=5))["type"] == "ready"
    await ws.send_json({"type": "subscribe", "event_types": ["transfer.*"]})
    assert (await ws.receive_json(timeout=5))["type"] == "subscribed"
    first = await transfer(world, "s-1", 100)
    await settle(world)
    got = await ws.receive_json(timeout=5)
    assert got["type"] == "event" and got["event"]["subject_id"] == first["id"]
    last_id = got["event"]["id"]
    await ws.close()
    second = await transfer(world, "s-2", 200)
    await settle(world)
    ws = await world.client.ws_connect("/ws/events", headers=world.auth("asha"))
    await ws.receive_json(timeout=5)
    await ws.send_json({"type": "subscribe", "last_event_id": last_id})
    assert (await ws.receive_json(timeout=5))["type"] == "subscribed"
    replayed = await ws.receive_json(timeout=5)
    assert replayed["event"]["subject_id"] == second["id"]
    await ws.send_json({"type": "subscribe", "last_event_id": "evt_nope"})
    closed = await ws.receive(timeout=5)
    assert closed.data == 4400 or ws.close_code == 4400
    await ws.close()


async def test_the_event_stream_refuses_a_bad_token(world: World) -> None:
    ws = await world.client.ws_connect("/ws/events")
    await ws.send_json({"type": "auth", "token": "nope"})
    await ws.receive(timeout=5)
    assert ws.close_code == 4401


@pytest.fixture
async def receiver() -> AsyncIterator[dict[str, Any]]:
    """A loopback webhook receiver that can be told to fail."""
    state: dict[str, Any] = {"down": True, "got": []}

    async def hook(request: web.Request) -> web.Response:
        if state["down"]:
            return web.Response(status=503)
        state["got"].append((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    state["url"] = f"http://127.0.0.1:{port}/hook"
    try:
        yield state
    finally:
        await runner.cleanup()


async def test_webhooks_survive_a_receiver_outage_with_valid_signatures(
    world: World, receiver: dict[str, Any]
) -> None:
    events = world.container.events
    events.webhooks.allow_loopback = True
    events.webhooks._scale = 0.0  # retry at once: the schedule is compressed to nothing
    await settle(world)
    created = await world.client.post(
        "/api/v1/webhooks",
        json={"url": receiver["url"], "event_types": ["transfer.completed"]},
        headers=world.auth("asha"),
    )
    assert created.status == 201
    endpoint = await created.json()
    assert endpoint["secret"].startswith("whsec_")
    listed = await (await world.client.get("/api/v1/webhooks", headers=world.auth("asha"))).json()
    assert "secret" not in listed["items"][0]
    ids = [(await transfer(world, f"w-{i}", 100 + i))["id"] for i in range(3)]
    await settle(world)
    for _ in range(3):
        await events.webhooks.deliver_due()
    assert receiver["got"] == []
    receiver["down"] = False
    await events.webhooks.deliver_due()
    verifier = Webhook(endpoint["secret"])
    bodies = [verifier.verify(body, headers) for headers, body in receiver["got"]]
    assert sorted(b["data"]["subject_id"] for b in bodies) == sorted(ids)
    log = await (
        await world.client.get(
            f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=world.auth("asha")
        )
    ).json()
    assert {d["status"] for d in log["items"]} == {"succeeded"}
    assert all(d["attempts"] == 4 for d in log["items"])


async def test_webhook_targets_on_private_or_loopback_addresses_are_refused(world: World) -> None:
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.0.0.5/x",
        "http://169.254.169.254/x",
        "ftp://a/b",
    ):
        resp = await world.client.post(
            "/api/v1/webhooks", json={"url": url}, headers=world.auth("asha")
        )
        assert resp.status == 422, url


async def test_a_signed_inbound_credit_posts_once(world: World) -> None:
    secret = signing.new_secret()
    world.container.events.inbound._secrets = {"bankfeed": [secret]}
    before = await world.balance(world.asha_savings)
    body = json.dumps(
        {
            "type": "credit",
            "account_id": world.asha_savings,
            "amount": {"minor": 5_000_00, "currency": "INR"},
            "counterparty": "NEFT from Acme",
        }
    ).encode()
    stamp = int(world.clock.now().timestamp())
    headers = signing.headers([secret], "msg_1", stamp, body)
    first = await world.client.post("/api/v1/webhooks/inbound/bankfeed", data=body, headers=headers)
    again = await world.client.post("/api/v1/webhooks/inbound/bankfeed", data=body, headers=headers)
    assert (first.status, again.status) == (201, 200)
    assert (await again.json())["replayed"] is True
    assert await world.balance(world.asha_savings) == before + 5_000_00
    forged = dict(headers, **{"webhook-signature": "v1,AAAA"})
    bad = await world.client.post("/api/v1/webhooks/inbound/bankfeed", data=body, headers=forged)
    assert bad.status == 401
    stale = signing.headers([secret], "msg_2", stamp - 3600, body)
    old = await world.client.post("/api/v1/webhooks/inbound/bankfeed", data=body, headers=stale)
    assert old.status == 401


async def test_dispatch_is_quiet_when_nothing_happens(world: World) -> None:
    await settle(world)
    assert await world.container.events.dispatcher.run_once() == 0
    await asyncio.sleep(0)


def count_writes(world: World) -> list[int]:
    """Count the write transactions this task opens from now on (one list cell).

    Only this task's: the server's background loops (checkpoints, schedulers)
    may take the writer at any moment too.
    """
    db = world.container.db
    real = type(db).writing.__get__(db)
    opened = [0]
    mine = asyncio.current_task()

    def counting(*, background: bool = False) -> Any:
        if asyncio.current_task() is mine:
            opened[0] += 1
        return real(background=background)

    db.writing = counting  # type: ignore[method-assign]
    return opened


async def test_a_dispatch_round_takes_the_writer_once_for_every_consumer(world: World) -> None:
    events = world.container.events
    events.webhooks.allow_loopback = True
    await settle(world)
    created = await world.client.post(
        "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"}, headers=world.auth("asha")
    )
    assert created.status == 201
    for i in range(3):
        await transfer(world, f"once-{i}", 60_000 + i)  # large: notified at once, not grouped
    notes, deliveries = await world.count("notifications"), await world.count("webhook_deliveries")
    writes = count_writes(world)
    assert await events.dispatcher.run_once() == 3
    assert writes[0] == 1  # notifications, webhook deliveries and the outbox mark together
    assert await world.count("notifications") > notes
    assert await world.count("webhook_deliveries") == deliveries + 3
    assert await world.count("outbox_events WHERE dispatched_at IS NULL") == 0


async def test_a_round_that_fails_in_one_consumer_keeps_nothing_and_runs_again_whole(
    world: World,
) -> None:
    from domain.events.consumers import Stage

    events = world.container.events
    await settle(world)
    before = await world.count("notifications")
    claimed = await world.count("event_consumers")

    class Breaks:
        name = "breaks"
        broken = True

        async def handle(self, batch: Any) -> None:
            raise AssertionError("staged consumers are not handled one by one")

        async def stage(self, batch: Any) -> Stage:
            async def write(conn: Any) -> None:
                if self.broken:
                    raise RuntimeError("the disk is full")

            return Stage(write)

    breaks = Breaks()
    dispatcher = events.dispatcher
    dispatcher.consumers = [*dispatcher.consumers, breaks]
    await transfer(world, "whole-1", 70_000)
    with pytest.raises(RuntimeError, match="disk is full"):
        await dispatcher.run_once()
    assert await world.count("notifications") == before  # the notifications' share rolled back
    assert await world.count("event_consumers") == claimed
    assert await world.count("outbox_events WHERE dispatched_at IS NULL") == 1
    breaks.broken = False
    assert await dispatcher.drain() == 1
    made = await world.count("notifications")
    assert made > before
    assert await dispatcher.drain() == 0
    assert await world.count("notifications") == made  # nothing twice


async def test_two_flushes_at_once_send_each_group_once(world: World) -> None:
    pushed: list[str] = []

    class Chat:
        async def push(self, customer_id: str, replies: Any, *, silent: bool = False) -> int:
            pushed.extend(r.text for r in replies)
            return 1

    events = world.container.events
    events.pushers.register("web", Chat())
    await settle(world)
    pushed.clear()
    for i in range(2):
        await transfer(world, f"flush-{i}", 1_000 + i)
    await events.dispatcher.drain()
    world.clock.advance(timedelta(seconds=6))
    await asyncio.gather(
        events.notifications.flush(), events.dispatcher.run_once(), events.notifications.flush()
    )
    assert len([t for t in pushed if "2 transfers completed" in t]) == 1
    assert await world.count("notifications WHERE status = 'pending'") == 0
