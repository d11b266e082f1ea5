"""Adding a payee: a name, then a UPI id or an account number with IFSC, then a yes.

start ──► name? ──► where? (UPI, or account + IFSC) ──► confirm ──► added
"""

from __future__ import annotations

import re

from bot.context import Turn
from bot.flows.common import clean_name, yes_no
from bot.replies import Card, Reply
from bot.state import CONFIRM, Task
from bot.understanding import Understanding
from domain.banking.payees import validate_payee
from domain.errors import DomainError

INTENT = "add_payee"
_UPI = re.compile(r"\b[a-z0-9][a-z0-9._-]{1,255}@[a-z][a-z0-9]{1,63}\b", re.IGNORECASE)
_IFSC = re.compile(r"\b[a-z]{4}0[a-z0-9]{6}\b", re.IGNORECASE)
_ACCOUNT = re.compile(r"(?<![\d])\d{9,18}(?![\d])")
_NICK = re.compile(
    r"\b(?:nickname|call (?:him|her|them|it))\s+[\"“]?([\w ]{1,50}?)[\"”]?\s*$", re.IGNORECASE
)
_NAME_PREFIX = re.compile(
    r"^\s*(?:add\s+)?(?:a\s+)?(?:new\s+)?(?:payee|beneficiary)?\s*(?:named|called)?\s*",
    re.IGNORECASE,
)


def absorb(task: Task, u: Understanding, *, answering: str | None = None) -> None:
    text = u.text
    slots = task.slots
    if m := _UPI.search(text):
        slots.update(upi_id=m.group(0).lower(), account_number=None, ifsc=None)
    if m := _ACCOUNT.search(text):
        slots.update(account_number=m.group(0), upi_id=None)
    if m := _IFSC.search(text):
        slots.update(ifsc=m.group(0).upper(), upi_id=None)
    if m := _NICK.search(text):
        slots["nickname"] = m.group(1).strip()
    name = u.words("payee")
    if name is None and answering == "name":
        leftover = _UPI.sub(" ", _IFSC.sub(" ", _ACCOUNT.sub(" ", text)))
        name = _NAME_PREFIX.sub("", leftover)
    if name:
        name = clean_name(name)
        if name:
            slots["name"] = name.title() if name.islower() else name


def step(task: Task) -> list[Reply]:
    slots = task.slots
    if not slots.get("name"):
        task.awaiting = "name"
        return [Reply("What is the payee's full name?")]
    if not slots.get("upi_id") and not (slots.get("account_number") and slots.get("ifsc")):
        task.awaiting = "where"
        if slots.get("account_number"):
            return [Reply(f"What is the IFSC code of {slots['name']}'s bank branch?")]
        return [Reply(f"What is {slots['name']}'s UPI id, or account number and IFSC?")]
    try:
        details = validate_payee(
            slots["name"],
            slots.get("nickname"),
            slots.get("account_number"),
            slots.get("ifsc"),
            slots.get("upi_id"),
        )
    except DomainError as err:
        bad = err.code
        if bad == "invalid_payee_name":
            slots.pop("name", None)
        else:
            for key in ("upi_id", "account_number", "ifsc"):
                slots.pop(key, None)
        task.awaiting = "name" if bad == "invalid_payee_name" else "where"
        return [Reply(err.message + " Please try again.")]
    task.awaiting = CONFIRM
    where = (
        f"UPI {details.upi_id}"
        if details.upi_id
        else f"A/c {details.account_number}, IFSC {details.ifsc}"
    )
    rows = [("Name", details.name), ("Pay to", where)]
    if details.nickname:
        rows.append(("Nickname", details.nickname))
    return [
        Reply(
            f"Add {details.name} ({where}) as a payee?",
            buttons=yes_no(task),
            cards=(Card("New payee", tuple(rows)),),
        )
    ]


async def execute(turn: Turn, task: Task) -> list[Reply]:
    s = task.slots
    try:
        payee = await turn.banking.add_payee(
            turn.customer.id,
            s["name"],
            nickname=s.get("nickname"),
            account_number=s.get("account_number"),
            ifsc=s.get("ifsc"),
            upi_id=s.get("upi_id"),
        )
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I couldn't add that payee. {err.message}")]
    turn.end_task("completed")
    short = payee.nickname or payee.name.split()[0]
    return [Reply(f"Added {payee.name}. You can now say “send 500 to {short}”.")]
