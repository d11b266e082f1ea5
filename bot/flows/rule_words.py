"""From a sentence to a rule document: "if my savings drop below 10k, top up from current".

Pure: the NLU's entities (amounts, percentages, accounts, symbols) and the
words around them give a trigger and an action; what is missing is named so
the flow can ask for it. The result is an ordinary rule document, checked by
the rules service like any REST body before the customer is asked to confirm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_WEEKDAYS = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun",
}  # fmt: skip
_ACCOUNT_WORDS = {
    "savings": "savings",
    "saving": "savings",
    "current": "current",
    "fd": "fixed_deposit",
    "fixed deposit": "fixed_deposit",
    "deposit": "fixed_deposit",
    "trading": "trading",
}
_ACCOUNT = r"(savings?|current|fd|fixed deposit|trading)"
_AMOUNT = re.compile(
    r"(?:₹|rs\.?\s*|inr\s*)?(\d[\d,]*(?:\.\d{1,2})?)\s*(k|thousand|lakhs?|lacs?|l|cr|crores?)?\b(?!\s*%)"
    r"(?!st\b|nd\b|rd\b|th\b)",
    re.IGNORECASE,
)
_PCT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*(?:%|percent|per cent)", re.IGNORECASE)
_SALARY = re.compile(r"\b(salary|pay ?day|paycheck|wages?)\b", re.IGNORECASE)
_BELOW = re.compile(r"\b(drops?|falls?|goes|dips?|gets?|is)\s+(below|under|less than)\b", re.I)
_ABOVE = re.compile(
    r"\b(goes|rises?|gets?|is|crosses|exceeds?)\s+(above|over|more than)\b|\bexceeds?\b", re.I
)
_FALLS_PCT = re.compile(
    r"\b(falls?|drops?|dips?|loses?|down)\b[^.]*?\d+(?:\.\d+)?\s*(?:%|percent)", re.I
)
_RISES_PCT = re.compile(
    r"\b(rises?|gains?|goes up|up|climbs?)\b[^.]*?\d+(?:\.\d+)?\s*(?:%|percent)", re.I
)
_MONTH_DAY = re.compile(
    r"\b(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b(?:\s+(?:day\s+)?of\s+(?:every|each)\s+month)?",
    re.IGNORECASE,
)
_EVERY_MONTH = re.compile(r"\b(every|each)\s+month\b|\bmonthly\b", re.IGNORECASE)
_EVERY_DAY = re.compile(r"\b(every|each)\s+day\b|\bdaily\b", re.IGNORECASE)
_EVERY_WEEKDAY = re.compile(
    r"\b(?:every|each|on)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?\b", re.I
)
_AT = re.compile(r"\bat\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b", re.IGNORECASE)
_INVEST = re.compile(r"\b(invest|buy|put)\b", re.IGNORECASE)
_SELL = re.compile(r"\b(sell|exit|book)\b", re.IGNORECASE)
_HALF = re.compile(r"\b(half)\b", re.IGNORECASE)
_TOP_UP = re.compile(r"\b(top(?:\s|-)?(?:it\s+)?up|refill|replenish)\b", re.IGNORECASE)
_MOVE = re.compile(r"\b(move|transfer|send|put|save|sweep|shift)\b", re.IGNORECASE)
_NOTIFY = re.compile(r"\b(notify|alert|tell|remind|warn|ping|message)\s+me\b", re.IGNORECASE)
_FROM = re.compile(rf"\bfrom\s+(?:my\s+)?{_ACCOUNT}\b", re.IGNORECASE)
_TO = re.compile(rf"\b(?:to|into|in)\s+(?:my\s+)?{_ACCOUNT}\b", re.IGNORECASE)
_ACCOUNT_ANY = re.compile(rf"\b(?:my\s+)?{_ACCOUNT}\b", re.IGNORECASE)


@dataclass
class Parsed:
    trigger: dict[str, Any] | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    name: str = ""

    @property
    def missing(self) -> str | None:
        if self.trigger is None:
            return "trigger"
        if not self.actions:
            return "action"
        return None

    def doc(self) -> dict[str, Any]:
        return {
            "name": self.name[:100] or "My rule",
            "trigger": self.trigger,
            "actions": self.actions,
        }


def _account(word: str) -> str:
    return _ACCOUNT_WORDS[word.lower()]


def _rupees(number: str, unit: str | None) -> int:
    value = float(number.replace(",", ""))
    scale = {
        "k": 1_000, "thousand": 1_000, "l": 1_00_000, "lakh": 1_00_000, "lakhs": 1_00_000,
        "lac": 1_00_000, "lacs": 1_00_000, "cr": 1_00_00_000, "crore": 1_00_00_000,
        "crores": 1_00_00_000,
    }.get((unit or "").lower(), 1)  # fmt: skip
    return round(value * scale * 100)


def amounts(text: str) -> list[int]:
    """Rupee amounts in paise, leaving out percentages, ordinals and clock times."""
    cleaned = _AT.sub(" ", _PCT.sub(" ", text))
    return [_rupees(m[1], m[2]) for m in _AMOUNT.finditer(cleaned) if _rupees(m[1], m[2]) > 0]


def _schedule(text: str) -> dict[str, Any] | None:
    at = "09:00"
    found = _AT.search(text)
    if found:
        hour, minute = int(found[1]), int(found[2] or 0)
        if found[3] and found[3].lower() == "pm" and hour < 12:
            hour += 12
        if found[3] and found[3].lower() == "am" and hour == 12:
            hour = 0
        if hour <= 23 and minute <= 59:
            at = f"{hour:02d}:{minute:02d}"
    day = _MONTH_DAY.search(text)
    if day and (_EVERY_MONTH.search(text) or "month" in text.lower()):
        n = int(day[1])
        return {"every": "month", "day": 31 if n >= 29 else max(1, n), "at": at}
    weekday = _EVERY_WEEKDAY.search(text)
    if weekday:
        return {"every": "week", "weekday": _WEEKDAYS[weekday[1].lower()], "at": at}
    if _EVERY_MONTH.search(text):
        return {"every": "month", "day": 1, "at": at}
    if _EVERY_DAY.search(text):
        return {"every": "day", "at": at}
    return None


def parse(text: str, symbol: str | None) -> Parsed:
    """A trigger and actions from the words; either may be left missing."""
    out = Parsed(name=text.strip().rstrip(".!")[:100])
    money = amounts(text)
    pct = _PCT.search(text)
    percent = float(pct[1]) if pct else None
    watched: str | None = None
    # -- the trigger -------------------------------------------------------------
    schedule = _schedule(text)
    if symbol and (_FALLS_PCT.search(text) or _RISES_PCT.search(text)) and percent:
        change = -percent if _FALLS_PCT.search(text) else percent
        out.trigger = {"kind": "market_condition", "symbol": symbol, "change_pct": change}
        percent = None  # the percentage was the move, not a share of an amount
    elif (
        symbol
        and money
        and (_BELOW.search(text) or _ABOVE.search(text))
        and not _INVEST.search(text)
    ):
        key = "price_below" if _BELOW.search(text) else "price_above"
        out.trigger = {"kind": "market_condition", "symbol": symbol, key: money.pop(0)}
    elif _SALARY.search(text):
        out.trigger = {"kind": "transaction", "direction": "credit", "category": "salary"}
    elif (_BELOW.search(text) or _ABOVE.search(text)) and money:
        acct = _ACCOUNT_ANY.search(text)
        watched = _account(acct[1]) if acct else "savings"
        crosses = "below" if _BELOW.search(text) else "above"
        out.trigger = {
            "kind": "balance",
            "account_id": watched,
            "crosses": crosses,
            "threshold": money.pop(0),
        }
    elif schedule is not None:
        out.trigger = {"kind": "time_based", "schedule": schedule}
    # -- the action --------------------------------------------------------------
    source = _FROM.search(text)
    dest = _TO.search(text)
    if _SELL.search(text) and symbol:
        out.actions.append(
            {
                "kind": "close_position",
                "symbol": symbol,
                "percent": 50 if _HALF.search(text) else 100,
            }
        )
    elif _INVEST.search(text) and symbol:
        how: dict[str, Any] = (
            {"percent": percent} if percent else {"amount": money[0]} if money else {}
        )
        if how:
            out.actions.append(
                {"kind": "invest", "symbol": symbol, "from_account_id": "savings", **how}
            )
    elif _TOP_UP.search(text) and out.trigger and out.trigger["kind"] == "balance":
        frm = _account(source[1]) if source else "current"
        out.actions.append(
            {
                "kind": "transfer",
                "from_account_id": frm,
                "to_account_id": watched,
                "top_up_to": out.trigger["threshold"],
            }
        )
    elif _MOVE.search(text) and dest:
        to = _account(dest[1])
        frm = _account(source[1]) if source else ("current" if to == "savings" else "savings")
        how = {"percent": percent} if percent else {"amount": money[0]} if money else {}
        if (
            out.trigger
            and out.trigger["kind"] == "balance"
            and out.trigger["crosses"] == "above"
            and not how
        ):
            how = {"sweep_above": out.trigger["threshold"]}
        if how:
            out.actions.append(
                {"kind": "transfer", "from_account_id": frm, "to_account_id": to, **how}
            )
    elif _NOTIFY.search(text):
        out.actions.append({"kind": "notify", "message": out.name or "Your rule fired."})
    return out
