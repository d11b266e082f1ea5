"""Questions about money that change nothing: balances, history, spending, payees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Turn
from bot.flows.common import (
    account_label,
    account_type,
    find_account,
    payee_label,
    period,
    period_words,
)
from bot.formatting import rupees
from bot.replies import Button, Card, Reply
from domain.banking.model import AccountType
from domain.banking.views import HistoryFilter

# Entities that narrow a question; a follow-up may change just these.
MODIFIERS = ("date_range", "category", "merchant", "account")
QUERY_INTENTS = ("balance_inquiry", "transaction_history", "spending_summary")
PAGE = 8


def slots_from(
    entities: dict[str, list[Any]], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    slots = dict(base or {})
    for kind in MODIFIERS:
        if entities.get(kind):
            slots[kind] = entities[kind][0]
            slots.pop("cursor", None)
    return slots


async def answer(turn: Turn, intent: str, slots: dict[str, Any]) -> list[Reply]:
    turn.state.last_query = {"intent": intent, "slots": slots}
    if intent == "balance_inquiry":
        return await balance(turn, slots)
    if intent == "transaction_history":
        return await history(turn, slots)
    return await spending(turn, slots)


async def balance(turn: Turn, slots: dict[str, Any]) -> list[Reply]:
    accounts = await turn.banking.accounts(turn.customer.id)
    if not accounts:
        return [Reply("You have no accounts with us yet.")]
    kind = account_type(slots.get("account"))
    chosen = find_account(accounts, kind)
    if kind is not None and chosen is None:
        names = ", ".join(a.name for a in accounts)
        return [Reply(f"You don't have a {kind.value.replace('_', ' ')} account. Yours: {names}.")]
    shown = [chosen] if chosen else accounts
    cards = tuple(
        Card(
            account_label(a),
            (("Balance", rupees(a.balance)),)
            + ((("Available", rupees(a.available)),) if a.held else ()),
        )
        for a in shown
    )
    if chosen:
        text = f"Your {chosen.name} balance is {rupees(chosen.balance)}."
        if chosen.held:
            text += f" {rupees(chosen.available)} is available; {rupees(chosen.held)} is on hold."
    else:
        lines = [f"• {a.name}: {rupees(a.balance)}" for a in accounts]
        total = sum(a.balance for a in accounts)
        text = "Here are your balances:\n" + "\n".join(lines) + f"\nTotal: {rupees(total)}"
    return [
        Reply(text, cards=cards, quick_replies=("Show my last transactions", "Spending this month"))
    ]


async def history(turn: Turn, slots: dict[str, Any]) -> list[Reply]:
    accounts = await turn.banking.accounts(turn.customer.id)
    kind = account_type(slots.get("account")) or AccountType.SAVINGS
    account = find_account(accounts, kind) or (accounts[0] if accounts else None)
    if account is None:
        return [Reply("You have no accounts with us yet.")]
    start = end = None
    if slots.get("date_range"):
        first, last = period(slots["date_range"], (turn.today(), turn.today()))
        start, end = turn.day_bounds(first, last)
    category = slots.get("category")
    merchant = slots.get("merchant")
    page = await turn.banking.history(
        turn.customer.id,
        account.id,
        HistoryFilter(
            start=start,
            end=end,
            category=category,
            merchant=merchant,
            limit=PAGE,
            cursor=slots.get("cursor"),
        ),
        known=accounts,
    )
    what = " ".join(x for x in (merchant, category) if x)
    when = ""
    if slots.get("date_range"):
        first, last = period(slots["date_range"], (turn.today(), turn.today()))
        when = " for " + period_words(first, last, turn.today())
    if not page.items:
        more = "more " if slots.get("cursor") else ""
        return [
            Reply(f"No {more}{what + ' ' if what else ''}transactions in {account.name}{when}.")
        ]
    lines = []
    for item in page.items:
        local = item.posted_at.astimezone(turn.zone)
        who = item.merchant or item.counterparty or item.kind.replace("_", " ")
        lines.append(f"{local.day} {local:%b} · {who} · {rupees(item.amount)}")
    lead = "More" if slots.get("cursor") else "Recent"
    narrowed = f"{what} " if what else ""
    head = f"{lead} {narrowed}transactions in {account_label(account)}{when}:"
    buttons: tuple[Button, ...] = ()
    if page.next_cursor is not None:
        slots["next_cursor"] = page.next_cursor
        buttons = (Button("Show more", "/more"),)
    else:
        slots.pop("next_cursor", None)
    balance = f"\nBalance now: {rupees(account.balance)}"
    return [Reply(head + "\n" + "\n".join(lines) + balance, buttons=buttons)]


async def spending(turn: Turn, slots: dict[str, Any]) -> list[Reply]:
    today = turn.today()
    first, last = period(slots.get("date_range"), (today.replace(day=1), today))
    start, end = turn.day_bounds(first, last)
    category = slots.get("category")
    merchant = slots.get("merchant")
    summary = await turn.banking.spending(
        turn.customer.id, start, end, category=category, merchant=merchant
    )
    when = period_words(first, last, today)
    on = f" on {merchant or category}" if (merchant or category) else ""
    if summary.count == 0:
        return [Reply(f"You spent nothing{on} {when}.")]
    plural = "s" if summary.count != 1 else ""
    text = f"You spent {rupees(summary.total)}{on} {when}, in {summary.count} transaction{plural}."
    if not category and not merchant:
        top = summary.by_category[:6]
        text += "\n" + "\n".join(f"• {line.label.title()}: {rupees(line.total)}" for line in top)
    shops = [m for m in summary.by_merchant[:3] if m.label != "Other"]
    if shops and not merchant:
        text += "\nTop: " + ", ".join(f"{m.label} {rupees(m.total)}" for m in shops)
    previous_end = first - timedelta(days=1)
    return [
        Reply(
            text,
            quick_replies=(f"And {previous_end:%B}?" if first.day == 1 else "And last month?",),
        )
    ]


async def list_payees(turn: Turn) -> list[Reply]:
    payees = await turn.banking.payees(turn.customer.id)
    if not payees:
        return [Reply("You have no saved payees yet. Say “add a payee” to add one.")]
    lines = "\n".join(f"• {payee_label(p)}" for p in payees)
    return [
        Reply(
            f"Your payees:\n{lines}",
            quick_replies=tuple(
                f"Send money to {p.nickname or p.name.split()[0]}" for p in payees[:3]
            ),
        )
    ]
