"""Forecasts in chat: "will I run out of money before payday?", "anything unusual?".

    "forecast my balance"      --> expected balance in 7/14/30 days, the regular
                                   payments found, Balance Watch, and a chart
    "anything unusual?"        --> the anomaly flags of the last 90 days, with reasons
    "why did I get this alert?" --> the latest alert and the reason behind it
    "balance watch 10000"      --> set (or show, or turn off) the Balance Watch minimum

Nothing here moves money, so nothing asks for a Yes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from bot.charts import forecast_chart
from bot.context import Turn
from bot.formatting import rupees
from bot.replies import Card, Reply
from bot.understanding import Understanding
from domain.money import Money
from domain.notifications.model import Category
from domain.predictions.forecast import Forecast
from domain.predictions.forecast_service import ForecastService

FORECAST = "spending_forecast"
UNUSUAL = "unusual_activity"
WHY = "alert_reason"
WATCH = "balance_watch"
INTENTS = {FORECAST, UNUSUAL, WHY, WATCH}
SHOWN = 5  # flags listed in one reply

_UNUSUAL = re.compile(
    r"\banything\s+(unusual|odd|strange|weird|out of the ordinary)\b|"
    r"\b(unusual|odd|strange|weird|anomal\w*)\s+(activity|transactions?|payments?|charges?|"
    r"debits?|spend\w*)\b",
    re.IGNORECASE,
)
_WHY = re.compile(
    r"\bwhy\b.*\b(get|got|receive|received|sent|send)\b.*\b(alert|notification|warning)\b|"
    r"\bwhy (was|were|am) i (alerted|notified|warned)\b|"
    r"\b(reason|explain)\b.*\b(alert|notification|warning)\b",
    re.IGNORECASE,
)
_FORECAST = re.compile(
    r"\brun out of (money|cash|funds)\b|\b(money|balance|cash) (last|hold out)\b|"
    r"\bforecast\w*\b|\bpredict\w* my balance\b|\bprojected balance\b",
    re.IGNORECASE,
)
_WATCH = re.compile(
    r"\bbalance watch\b|\b(set|change|my|keep)\b.*\bminimum balance\b", re.IGNORECASE
)
_WATCH_OFF = re.compile(r"\b(off|stop|disable|remove|clear|cancel)\b", re.IGNORECASE)


def recognise(u: Understanding) -> Understanding:
    """Asking what is unusual, why an alert came, or about the balance ahead is unmistakable."""
    if u.payload is not None:
        return u
    for pattern, intent in (
        (_WATCH, WATCH),
        (_WHY, WHY),
        (_UNUSUAL, UNUSUAL),
        (_FORECAST, FORECAST),
    ):
        if pattern.search(u.text):
            return replace(u, intent=intent, confidence=1.0, confident=True)
    return u


def _service(turn: Turn) -> ForecastService | None:
    return turn.services.forecasts


async def answer(turn: Turn, u: Understanding) -> list[Reply]:
    service = _service(turn)
    if service is None:
        return [Reply("Forecasts aren't available here.")]
    if u.intent == UNUSUAL:
        return await unusual(turn, service)
    if u.intent == WHY:
        return await why(turn)
    if u.intent == WATCH:
        return await watch(turn, service, u)
    return await forecast(turn, service)


def _day(d: date) -> str:
    return f"{d.day} {d:%b}"


def _outlook(f: Forecast) -> str:
    w = f.watch
    if w.warning:
        return f"{w.warning} The lowest expected balance is {rupees(w.lowest)}."
    if w.salary:
        return (
            f"Your money should last until payday on {_day(w.until)}: the lowest expected "
            f"balance before then is {rupees(w.lowest)}."
        )
    end = f.days[-1]
    return (
        f"I found no regular salary. Over the next {len(f.days)} days your balance is expected "
        f"to go from {rupees(f.balance)} to about {rupees(end.expected)}."
    )


async def forecast(turn: Turn, service: ForecastService) -> list[Reply]:
    """The balance ahead, the regular payments behind it, and a chart."""
    f = await service.forecast(turn.customer.id)
    rows = tuple(
        (f"In {d} days", f"{rupees(p.expected)} ({rupees(p.low)} to {rupees(p.high)})")
        for d, p in ((d, f.days[d - 1]) for d in (7, 14, 30))
    )
    rows += (("Typical spending", f"{rupees(f.daily_spend)} a day"),)
    cards = [Card("Expected balance (80% range)", rows)]
    if f.recurring:
        regular = tuple(
            (
                i.counterparty,
                f"{'+' if i.direction == 'credit' else '-'}{rupees(i.amount)} on {_day(i.next)}",
            )
            for i in f.recurring[:8]
        )
        cards.append(Card("Regular payments found", regular))
    image = None
    if turn.services.charts is not None:
        points = [(d.day, d.expected, d.low, d.high) for d in f.days]
        image = await forecast_chart(
            turn.services.charts, turn.customer.id, points, f.watch.minimum
        )
    return [
        Reply(
            _outlook(f),
            cards=tuple(cards),
            image_url=image,
            quick_replies=("Anything unusual on my account?", "Balance watch"),
        )
    ]


async def unusual(turn: Turn, service: ForecastService) -> list[Reply]:
    """The last 90 days' flags, newest first, each with its reason."""
    flags = await service.anomalies(turn.customer.id, 90)
    if not flags:
        return [Reply("Nothing unusual on your accounts in the last 90 days.")]
    zone = turn.zone
    lines = [
        f"• {_day(f.charge.at.astimezone(zone).date())} · {f.title}: {f.reason}"
        for f in flags[:SHOWN]
    ]
    more = f"\n…and {len(flags) - SHOWN} more." if len(flags) > SHOWN else ""
    noun = "thing" if len(flags) == 1 else "things"
    return [
        Reply(
            f"I found {len(flags)} {noun} worth a look in the last 90 days:\n"
            + "\n".join(lines)
            + more,
            quick_replies=("Why did I get this alert?", "Talk to a person"),
        )
    ]


async def why(turn: Turn) -> list[Reply]:
    """The latest alert, and the reason behind it."""
    notifications = turn.services.notifications
    if notifications is None:
        return [Reply("Alerts aren't available here.")]
    notes, _ = await notifications.inbox(turn.customer.id, limit=100)
    if not notes:
        return [Reply("You haven't had any alerts from me yet.")]
    insight = next((n for n in notes if n.category is Category.INSIGHT), None)
    note = insight or notes[0]
    when = _day(note.created_at.astimezone(turn.zone).date())
    text = f"“{note.title}” ({when}): {note.body}"
    reason = note.data.get("reason")
    if isinstance(reason, str) and reason:
        text += f"\n{reason}"
    else:
        text += (
            f"\nIt's one of your {note.category.value} notifications: they come as things "
            "happen, and you can change which ones you get in your notification settings."
        )
    return [Reply(text, quick_replies=("Anything unusual on my account?",))]


async def watch(turn: Turn, service: ForecastService, u: Understanding) -> list[Reply]:
    """Set the Balance Watch minimum from the message, or show it."""
    amount = u.one("amount")
    if isinstance(amount, dict) and isinstance(amount.get("minor"), int):
        minimum = await service.set_minimum(turn.customer.id, Money(int(amount["minor"])))
        said = f"Balance Watch is on: I'll warn you if your balance may go below {rupees(minimum)}."
    elif _WATCH_OFF.search(u.text):
        await service.set_minimum(turn.customer.id, Money(0))
        said = (
            "Balance Watch minimum cleared: I'll warn you only if your balance may go below zero."
        )
    else:
        minimum = await service.minimum(turn.customer.id)
        said = (
            f"Your Balance Watch minimum is {rupees(minimum)}."
            if minimum
            else "Balance Watch warns you if your balance may go below zero before payday."
        )
        said += ' To change it, say e.g. "balance watch 10000".'
    f = await service.forecast(turn.customer.id)
    return [Reply(f"{said}\n{_outlook(f)}", quick_replies=("Forecast my balance",))]
