"""Price alerts in chat: "tell me when INFY crosses 1600".

Recognised by wording before the classifier's answer is used, since the
classifier reads such requests as rules (a later part of Swayam). Creating an
alert moves no money, but it still ends in a confirmation so the customer
sees the direction the alert watches:

    price_alert ──► symbol? ──► price? ──► confirm ──► alert stored
                                              │
                                              └─► "no": nothing stored

When the price crosses, the market loop marks the alert triggered and writes
an ``alert.triggered`` event in the same transaction; the notification
pipeline turns it into a chat message.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import replace

from bot.context import Turn
from bot.flows.common import yes_no
from bot.formatting import rupees
from bot.replies import Reply
from bot.state import CONFIRM, Task
from bot.understanding import Understanding
from domain.errors import DomainError
from domain.trading.service import TradingService

INTENT = "price_alert"

_ASK = r"(?:tell|alert|notify|ping|message|remind|let)\s+me\b"
_MOVE = (
    r"(?:cross(?:es)?|goes?\s+(?:above|over|below|under)|go(?:es)?\s+past|"
    r"(?:falls?|drops?|dips?|goes?\s+down)\s+(?:below|under|to)|(?:rises?|climbs?)\s+(?:above|over|to)|"
    r"reach(?:es)?|hits?|touch(?:es)?|is\s+(?:above|below|at))"
)
_PRICE = r"(?:₹|rs\.?|inr)?\s*(?P<price>\d[\d,]*(?:\.\d{1,2})?)"
_ALERT = re.compile(
    rf"{_ASK}.*?\b(?:when|if|once|as\s+soon\s+as)\s+(?P<symbol>[a-z][a-z0-9&.\- ]*?)\s+"
    rf"{_MOVE}\s*{_PRICE}",
    re.IGNORECASE,
)


def recognise(u: Understanding) -> Understanding:
    """A request for a price alert is this intent, whatever the classifier thought."""
    if u.payload is not None:
        return u
    found = _ALERT.search(u.text or "")
    # Only a stock's price: "tell me when my balance falls below 1000" is a rule.
    if found is None or u.one("symbol") is None:
        return u
    entities = dict(u.entities)
    entities["alert_symbol"] = [u.one("symbol")]
    entities["alert_price"] = [_paise(found["price"])]
    return replace(u, intent=INTENT, confidence=1.0, confident=True, entities=entities)


def _paise(text: str) -> int:
    rupee, _, paise = text.replace(",", "").partition(".")
    return int(rupee) * 100 + int((paise + "00")[:2])


def _trading(turn: Turn) -> TradingService:
    assert turn.services.trading is not None, "trading is not wired"
    return turn.services.trading


def fills(task: Task, u: Understanding) -> bool:
    """Does this message answer what the task asked?"""
    if task.awaiting == "symbol":
        return bool(u.entities.get("symbol"))
    return bool(u.entities.get("alert_price") or u.entities.get("amount"))


async def absorb(turn: Turn, task: Task, u: Understanding) -> None:
    slots = task.slots
    symbol = u.one("alert_symbol") or u.one("symbol")
    if symbol:
        with contextlib.suppress(DomainError):
            slots["symbol"] = _trading(turn).instrument(str(symbol)).symbol
    price = u.one("alert_price")
    amount = u.one("amount") or u.one("price")
    if price is None and isinstance(amount, dict) and isinstance(amount.get("minor"), int):
        price = amount["minor"]
    if isinstance(price, int) and price > 0:
        slots["price"] = price


async def step(turn: Turn, task: Task) -> list[Reply]:
    """Ask for the stock or the price, then confirm the alert."""
    slots = task.slots
    if not slots.get("symbol"):
        task.awaiting = "symbol"
        return [Reply("Which stock should I watch?")]
    if not slots.get("price"):
        task.awaiting = "price"
        return [Reply(f"At what price of {slots['symbol']} should I tell you?")]
    last = _trading(turn).quote(slots["symbol"]).last
    direction = "goes above" if slots["price"] >= last else "falls below"
    task.awaiting = CONFIRM
    text = (
        f"Tell you when {slots['symbol']} {direction} {rupees(slots['price'])}? "
        f"It is {rupees(last)} now."
    )
    return [Reply(text, buttons=yes_no(task))]


async def execute(turn: Turn, task: Task) -> list[Reply]:
    slots = task.slots
    try:
        alert = await _trading(turn).add_alert(turn.customer.id, slots["symbol"], slots["price"])
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I couldn't set that alert. {err.message}")]
    turn.end_task("completed")
    direction = "goes above" if alert["direction"] == "above" else "falls below"
    return [
        Reply(
            f"Done. I'll message you here when {alert['symbol']} {direction} "
            f"{rupees(slots['price'])}.",
            quick_replies=(f"Price of {alert['symbol']}",),
        )
    ]
