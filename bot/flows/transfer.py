"""Sending money: to a saved payee or between the customer's own accounts.

    start ──► destination? ──► amount? ──► confirm ──► (PIN if large) ──► sent
                  ▲                ▲          │
                  └── corrections ─┴──────────┘   "no, make it 2500", "to Priya instead"

Nothing moves until the customer says yes to a confirmation that names the
payee in full, the amount, the source account and the fee. The chat task's
id is the transfer's idempotency key, so a repeated "yes" never pays twice.
"""

from __future__ import annotations

from typing import Any

from bot.context import Turn
from bot.flows.common import (
    account_label,
    find_account,
    match_payee,
    payee_label,
    source_and_target,
    yes_no,
)
from bot.formatting import rupees
from bot.replies import Button, Card, Reply
from bot.state import CONFIRM, PIN, Task
from bot.understanding import Understanding
from domain.banking.model import AccountType, Payee
from domain.banking.views import AccountView
from domain.errors import DomainError
from domain.money import Money

INTENT = "transfer_funds"


async def _world(turn: Turn) -> tuple[list[AccountView], list[Payee]]:
    """Accounts and payees, read once a turn: absorbing and asking both need them."""
    if turn.accounts_and_payees is None:
        customer = turn.customer.id
        turn.accounts_and_payees = (
            await turn.banking.accounts(customer),
            await turn.banking.payees(customer),
        )
    return turn.accounts_and_payees


def _amount(u: Understanding) -> int | None:
    value = u.one("amount") or u.one("price")
    if isinstance(value, dict) and value.get("currency", "INR") == "INR":
        minor = value.get("minor")
        if isinstance(minor, int) and minor > 0:
            return minor
    return None


async def absorb(
    turn: Turn, task: Task, u: Understanding, *, answering: str | None = None
) -> list[Reply]:
    """Take whatever the message says about this transfer. Returns problems to tell."""
    accounts, payees = await _world(turn)
    slots = task.slots
    notes: list[Reply] = []
    pick = u.pick
    if pick is not None:
        slot, value = pick
        if slot == "payee" and any(p.id == value for p in payees):
            slots.update(payee_id=value, to_account_id=None)
        elif slot == "to" and any(a.id == value for a in accounts):
            slots.update(to_account_id=value, payee_id=None)
        elif slot == "from" and any(a.id == value for a in accounts):
            slots["from_account_id"] = value
        else:
            notes.append(Reply("That option is no longer available."))
        return notes

    amount = _amount(u)
    if amount is not None:
        slots["amount"] = amount
    src, dst = source_and_target(u.text)
    if src is not None:
        account = find_account(accounts, src)
        if account is None:
            notes.append(Reply(f"You don't have a {src.value.replace('_', ' ')} account."))
        else:
            slots["from_account_id"] = account.id
    if dst is not None:
        account = find_account(accounts, dst)
        if account is None:
            notes.append(Reply(f"You don't have a {dst.value.replace('_', ' ')} account."))
        else:
            slots.update(to_account_id=account.id, payee_id=None)
    words = u.words("payee")
    if words is None and answering == "destination" and amount is None and dst is None and u.text:
        words = u.text  # a bare name typed in answer to "who to?"
    if words and dst is None:
        payee, candidates = match_payee(words, payees)
        if payee is not None:
            slots.update(payee_id=payee.id, to_account_id=None)
        elif candidates:
            slots["payee_choices"] = [p.id for p in candidates]
            notes.append(
                Reply(
                    f"Which “{words.strip()}” do you mean?",
                    buttons=tuple(Button(p.name, f"/pick:payee:{p.id}") for p in candidates),
                )
            )
        else:
            names = ", ".join(p.nickname or p.name for p in payees) or "none yet"
            notes.append(
                Reply(
                    f"I couldn't find a payee called “{words.strip()}”. Your payees: {names}.",
                    quick_replies=("Add a payee",),
                )
            )
    return notes


async def step(turn: Turn, task: Task, notes: list[Reply] | None = None) -> list[Reply]:
    """Ask for the next missing thing, or for confirmation."""
    replies = list(notes or [])
    accounts, payees = await _world(turn)
    slots = task.slots
    if not slots.get("payee_id") and not slots.get("to_account_id"):
        task.awaiting = "destination"
        if any(r.buttons for r in replies):
            return replies
        buttons = tuple(Button(p.nickname or p.name, f"/pick:payee:{p.id}") for p in payees[:6])
        buttons += tuple(
            Button(f"My {a.name}", f"/pick:to:{a.id}")
            for a in accounts
            if a.type is not AccountType.FIXED_DEPOSIT
        )[:3]
        return [*replies, Reply("Who should I send it to?", buttons=buttons)]
    if not slots.get("amount"):
        task.awaiting = "amount"
        return [
            *replies,
            Reply(f"How much should I send to {_destination_name(slots, accounts, payees)}?"),
        ]
    source = _source(slots, accounts)
    if source is None:
        task.awaiting = "from"
        return [
            *replies,
            Reply(
                "Which account should it come from?",
                buttons=tuple(Button(a.name, f"/pick:from:{a.id}") for a in accounts),
            ),
        ]
    slots["from_account_id"] = source.id
    if slots.get("to_account_id") == source.id:
        slots.pop("from_account_id")
        task.awaiting = "from"
        return [
            *replies,
            Reply(
                "The money has to come from a different account. Which one?",
                buttons=tuple(
                    Button(a.name, f"/pick:from:{a.id}") for a in accounts if a.id != source.id
                ),
            ),
        ]
    if source.available < slots["amount"]:
        task.awaiting = "amount"
        return [
            *replies,
            Reply(
                f"{source.name} has only {rupees(source.available)} available. "
                "How much should I send instead?"
            ),
        ]
    if slots.get("payee_id"):
        # Say so now, not after a confirmation and a PIN the engine would refuse anyway.
        cap = (await turn.banking.limits(turn.customer.id)).per_transfer
        if slots["amount"] > cap:
            task.awaiting = "amount"
            return [
                *replies,
                Reply(
                    f"{rupees(slots['amount'])} is above your per-transfer limit of "
                    f"{rupees(cap)}. How much should I send instead?"
                ),
            ]
    task.awaiting = CONFIRM
    return [*replies, confirmation(task, accounts, payees)]


def _source(slots: dict[str, Any], accounts: list[AccountView]) -> AccountView | None:
    chosen = next((a for a in accounts if a.id == slots.get("from_account_id")), None)
    if chosen is not None:
        return chosen
    # Default: savings, else the first account that is not the destination.
    usable = [
        a
        for a in accounts
        if a.id != slots.get("to_account_id") and a.type is not AccountType.FIXED_DEPOSIT
    ]
    return find_account(usable, AccountType.SAVINGS) or (usable[0] if len(usable) == 1 else None)


def _destination_name(
    slots: dict[str, Any], accounts: list[AccountView], payees: list[Payee]
) -> str:
    payee = next((p for p in payees if p.id == slots.get("payee_id")), None)
    if payee is not None:
        return payee.name
    account = next((a for a in accounts if a.id == slots.get("to_account_id")), None)
    return f"your {account.name} account" if account else "them"


def confirmation(task: Task, accounts: list[AccountView], payees: list[Payee]) -> Reply:
    slots = task.slots
    source = next(a for a in accounts if a.id == slots["from_account_id"])
    payee = next((p for p in payees if p.id == slots.get("payee_id")), None)
    to_account = next((a for a in accounts if a.id == slots.get("to_account_id")), None)
    to_label = payee_label(payee) if payee else account_label(to_account) if to_account else "?"
    amount = rupees(slots["amount"])
    to_name = payee.name if payee else f"your {to_account.name if to_account else '?'}"
    text = f"Send {amount} to {to_name} from {account_label(source)}? Fee: {rupees(0)}."
    card = Card(
        "Confirm transfer",
        (("To", to_label), ("Amount", amount), ("From", account_label(source)), ("Fee", rupees(0))),
    )
    return Reply(text, buttons=yes_no(task), cards=(card,))


async def prompt(turn: Turn, task: Task) -> list[Reply]:
    """Ask again whatever the task is waiting for."""
    if task.awaiting == PIN:
        return [Reply("Please type your PIN to approve this transfer, or say cancel.")]
    return await step(turn, task)


async def affirmed(turn: Turn, task: Task) -> list[Reply]:
    """The customer said yes: ask for the PIN if it is large, else send."""
    if task.slots["amount"] >= turn.services.pin_threshold and await turn.services.pins.has_pin(
        turn.customer.id
    ):
        task.awaiting = PIN
        return [
            Reply(
                f"Transfers of {rupees(turn.services.pin_threshold)} or more need your PIN. "
                "Please type it."
            )
        ]
    return await execute(turn, task)


async def pin_entered(turn: Turn, task: Task, text: str) -> list[Reply]:
    turn.redact = True
    try:
        await turn.services.pins.verify(turn.customer.id, text.strip())
    except DomainError as err:
        if err.code == "pin_wrong":
            return [Reply(err.message + " Type it again, or say cancel.")]
        turn.end_task("failed")
        return [Reply(err.message + " The transfer was not made.")]
    return await execute(turn, task)


async def execute(turn: Turn, task: Task) -> list[Reply]:
    slots = task.slots
    try:
        receipt = await turn.banking.transfer(
            principal_id=turn.customer.id,
            customer_id=turn.customer.id,
            idempotency_key=f"chat:{turn.conversation_id}:{task.id}",
            from_account_id=slots["from_account_id"],
            to_account_id=slots.get("to_account_id"),
            payee_id=slots.get("payee_id"),
            amount=Money(slots["amount"]),
        )
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I couldn't make that transfer. {err.message}")]
    turn.end_task("completed")
    source = await turn.banking.account(turn.customer.id, slots["from_account_id"])
    sent = receipt.result
    who = sent.get("counterparty") or "your account"
    return [
        Reply(
            f"Done. Sent {rupees(slots['amount'])} to {who}. "
            f"{source.name} balance: {rupees(source.balance)}.",
            cards=(
                Card(
                    "Transfer complete",
                    (("Reference", sent["id"]), ("Amount", rupees(slots["amount"])), ("To", who)),
                ),
            ),
        )
    ]
