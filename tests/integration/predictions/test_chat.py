"""Forecasts and anomalies in chat, on the loaded demo bank: a chart, and the planted duplicate."""

from __future__ import annotations

from datetime import date

from bot import demo as demo_loader
from bot.bootstrap import Container
from bot.context import Customer
from bot.replies import Reply


async def _asha(container: Container) -> Customer:
    await demo_loader.load(container, today=date(2026, 11, 16))
    # Dispatch the demo's events now, as the dispatcher's next round would.
    await container.events.stop_background()
    await container.events.dispatcher.drain()
    user = await container.identity.get_user_by_username("asha")
    assert user is not None
    return Customer(user.id, "Asha Verma", "Asia/Kolkata")


async def _say(container: Container, who: Customer, text: str) -> list[Reply]:
    return (await container.assistant.handle(who, text=text)).replies


async def test_the_forecast_reply_carries_a_chart_only_its_customer_may_see(
    container: Container,
) -> None:
    asha = await _asha(container)
    [reply] = await _say(container, asha, "will I run out of money before payday?")
    assert reply.text.startswith("Your money should last until payday on 1 Dec")
    regular = dict(reply.cards[1].rows)
    assert regular["Acme Corp"] == "+₹85,000.00 on 1 Dec"
    assert regular["Mehta Properties"] == "-₹28,000.00 on 1 Dec"
    assert reply.image_url is not None and reply.image_url.startswith("/charts/")
    charts = container.markets.charts
    name = reply.image_url.removeprefix("/charts/")
    assert charts.owner(name) == asha.id
    assert charts.path(name).read_bytes().startswith(b"\x89PNG")


async def test_anything_unusual_finds_ashas_duplicate_swiggy_charge(container: Container) -> None:
    asha = await _asha(container)
    [reply] = await _say(container, asha, "anything unusual on my account?")
    assert "20 Oct · Possible duplicate charge: Swiggy charged ₹486.00 twice within a day." in (
        reply.text
    )
    inbox, _ = await container.events.notifications.inbox(asha.id, limit=500)
    insights = [n.title for n in inbox if n.category.value == "insight"]
    assert insights == ["Possible duplicate charge"]  # the demo's only alert
    [why] = await _say(container, asha, "why did I get this alert?")
    assert why.text.startswith("“Possible duplicate charge”")
    assert "The same amount at the same merchant 3 minutes after the first charge." in why.text
