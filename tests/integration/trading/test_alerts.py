"""Price alerts fire once, and the firing and its chat notification event commit together."""

from __future__ import annotations

from sqlalchemy import select

from domain import schema
from domain.events import outbox
from domain.events.model import ALERT_TRIGGERED
from domain.notifications.rules import draft_for
from tests.integration.trading.market import Desk


async def test_a_crossed_alert_is_marked_fired_with_an_alert_event_for_chat(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 0)
    last = desk.trading.quote("INFY").last
    alert = await desk.trading.add_alert(asha, "infosys", last)
    assert alert["direction"] == "above"

    assert await desk.trading.check_alerts() == 1
    [fired] = await desk.trading.alerts(asha)
    assert fired["status"] == "triggered"
    async with desk.db.reading() as conn:
        [event] = [e for e in await outbox.pending(conn, 100) if e.type == ALERT_TRIGGERED]
    assert (event.customer_id, event.subject_id) == (asha, alert["id"])
    assert event.data["summary"].startswith("INFY went above ₹")
    note = draft_for(event)
    assert note is not None and note.body == event.data["summary"]


async def test_a_fired_alert_does_not_fire_or_notify_again(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 0)
    await desk.trading.add_alert(asha, "INFY", desk.trading.quote("INFY").last)
    await desk.trading.check_alerts()
    assert await desk.trading.check_alerts() == 0
    o = schema.outbox_events
    async with desk.db.reading() as conn:
        rows = (await conn.execute(select(o.c.id).where(o.c.type == ALERT_TRIGGERED))).all()
    assert len(rows) == 1


async def test_an_alert_not_yet_crossed_stays_active_and_sends_nothing(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 0)
    far = desk.trading.quote("INFY").last * 2
    await desk.trading.add_alert(asha, "INFY", far)
    assert await desk.trading.check_alerts() == 0
    [alert] = await desk.trading.alerts(asha)
    assert alert["status"] == "active"
