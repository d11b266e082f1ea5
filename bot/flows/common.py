"""Helpers shared by flows: accounts named in words, periods, payees."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.formatting import span
from bot.replies import Button
from bot.state import Task
from domain.banking.model import AccountType, Payee
from domain.banking.views import AccountView
from intents import resolve_payee

_ACCOUNT_WORDS = {
    "savings": AccountType.SAVINGS,
    "saving": AccountType.SAVINGS,
    "sb": AccountType.SAVINGS,
    "current": AccountType.CURRENT,
    "fd": AccountType.FIXED_DEPOSIT,
    "fixed deposit": AccountType.FIXED_DEPOSIT,
    "fixed_deposit": AccountType.FIXED_DEPOSIT,
    "deposit": AccountType.FIXED_DEPOSIT,
    "trading": AccountType.TRADING,
    "demat": AccountType.TRADING,
}
_WORDS = "|".join(sorted((re.escape(w) for w in _ACCOUNT_WORDS), key=len, reverse=True))
_FROM = re.compile(rf"\bfrom\s+(?:my\s+|the\s+)?({_WORDS})\b", re.IGNORECASE)
_TO = re.compile(rf"\b(?:to|into|in)\s+(?:my\s+|the\s+)?({_WORDS})\b", re.IGNORECASE)
# Words people add around a name that are not part of it.
_FILLER = re.compile(r"\b(instead|please|pls|now|again|actually|rather|only|then)\b", re.IGNORECASE)


def account_type(words: str | None) -> AccountType | None:
    if not words:
        return None
    return _ACCOUNT_WORDS.get(words.strip().lower().replace(" account", ""))


def source_and_target(text: str) -> tuple[AccountType | None, AccountType | None]:
    """'from savings to current' -> (SAVINGS, CURRENT)."""
    src = _FROM.search(text)
    dst = _TO.search(text)
    return (
        account_type(src.group(1)) if src else None,
        account_type(dst.group(1)) if dst else None,
    )


def find_account(accounts: Sequence[AccountView], kind: AccountType | None) -> AccountView | None:
    if kind is None:
        return None
    return next((a for a in accounts if a.type is kind), None)


def account_label(account: AccountView) -> str:
    return f"{account.name} ({'XXXX' + account.number[-4:]})"


@dataclass(frozen=True)
class _Named:
    payee: Payee

    @property
    def name(self) -> str:
        return self.payee.name

    @property
    def nicknames(self) -> Sequence[str]:
        return [self.payee.nickname] if self.payee.nickname else []


def clean_name(words: str) -> str:
    words = _FILLER.sub(" ", words)
    words = re.sub(r"^\s*(to|for|pay|send)\s+", "", words, flags=re.IGNORECASE)
    return " ".join(words.split()).strip(" .,!?")


def match_payee(words: str, payees: Sequence[Payee]) -> tuple[Payee | None, list[Payee]]:
    """The payee the words mean, or the candidates to choose from."""
    words = clean_name(words)
    if not words or not payees:
        return None, []
    result = resolve_payee(words, [_Named(p) for p in payees])
    if result.match is not None:
        return result.match.payee, []
    return None, [c.payee for c in result.candidates]


def payee_label(payee: Payee) -> str:
    where = (
        f"UPI {payee.upi_id}" if payee.upi_id else f"A/c XXXX{(payee.account_number or '')[-4:]}"
    )
    nick = f" ({payee.nickname})" if payee.nickname and payee.nickname != payee.name else ""
    return f"{payee.name}{nick}, {where}"


def period(value: Any, default: tuple[date, date]) -> tuple[date, date]:
    if isinstance(value, dict) and "start" in value and "end" in value:
        return date.fromisoformat(value["start"]), date.fromisoformat(value["end"])
    return default


def period_words(start: date, end: date, today: date) -> str:
    if start == end == today:
        return "today"
    if start == today.replace(day=1) and end == today:
        return f"this month ({span(start, end)})"
    return span(start, end)


def seal(task: Task) -> str:
    """Names one confirmation: the task and exactly what it would do.

    Yes/No buttons carry it, so a button left over from an earlier question
    (another task, or this one before a correction) cannot approve this one.
    """
    what = json.dumps(task.slots, sort_keys=True, separators=(",", ":"), default=str)
    return f"{task.id}_{hashlib.sha256(what.encode()).hexdigest()[:10]}"


def yes_no(task: Task) -> tuple[Button, Button]:
    key = seal(task)
    return Button("Yes", f"/affirm:{key}"), Button("No", f"/deny:{key}")
