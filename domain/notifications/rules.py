"""Which notification each event makes. Pure."""

from __future__ import annotations

from typing import Any

from domain.events import model as ev
from domain.events.model import Event
from domain.money import format_minor
from domain.notifications.model import Category, Draft, Priority


def _amount(data: dict[str, Any]) -> tuple[int | None, str]:
    amount = data.get("amount")
    if isinstance(amount, dict):
        return int(amount.get("minor", 0)), str(amount.get("currency", "INR"))
    return None, "INR"


def draft_for(event: Event) -> Draft | None:
    if event.customer_id is None:
        return None
    d = event.data
    minor, currency = _amount(d)
    money = format_minor(minor, currency) if minor is not None else ""
    who = d.get("counterparty") or d.get("merchant")

    def make(
        category: Category, priority: Priority, title: str, body: str, amount: int | None = minor
    ) -> Draft:
        return Draft(
            customer_id=event.customer_id or "",
            category=category,
            priority=priority,
            title=title,
            body=body,
            amount=amount,
            currency=currency,
            event_id=event.id,
            data={
                "event_type": event.type,
                **({"subject_id": event.subject_id} if event.subject_id else {}),
            },
        )

    match event.type:
        case ev.TRANSFER_COMPLETED:
            to = f" to {who}" if who else ""
            return make(
                Category.TRANSFER, Priority.MEDIUM, "Transfer completed", f"{money} sent{to}."
            )
        case ev.CREDIT_RECEIVED:
            src = f" from {who}" if who else ""
            return make(
                Category.TRANSACTION, Priority.HIGH, "Money received", f"{money} received{src}."
            )
        case ev.DEBIT_POSTED:
            at = f" at {who}" if who else ""
            return make(Category.TRANSACTION, Priority.MEDIUM, "Debit", f"{money} spent{at}.")
        case ev.HOLD_PLACED:
            return make(Category.HOLD, Priority.LOW, "Funds held", f"{money} set aside.")
        case ev.HOLD_POSTED:
            return make(
                Category.HOLD, Priority.LOW, "Held funds paid", f"{money} paid from a hold."
            )
        case ev.HOLD_VOIDED | ev.HOLD_EXPIRED:
            verb = "released" if event.type == ev.HOLD_VOIDED else "released (the hold expired)"
            return make(Category.HOLD, Priority.LOW, "Hold released", f"{money} {verb}.")
        case ev.ORDER_FILLED:
            what = d.get("symbol", "an order")
            return make(
                Category.TRADE, Priority.MEDIUM, "Trade executed", f"{what}: {money} filled."
            )
        case ev.RULE_EXECUTED:
            return make(
                Category.RULE, Priority.MEDIUM, "Rule ran", str(d.get("summary", "A rule ran."))
            )
        case ev.RULE_FAILED:
            return make(
                Category.RULE,
                Priority.CRITICAL,
                "Rule failed",
                str(d.get("summary", "A rule failed.")),
            )
        case ev.ALERT_TRIGGERED:
            return make(
                Category.ALERT, Priority.HIGH, "Alert", str(d.get("summary", "An alert fired."))
            )
        case ev.LOGIN_NEW_DEVICE:
            device = d.get("device", "a new device")
            return make(
                Category.SECURITY,
                Priority.CRITICAL,
                "New sign-in",
                f"Someone signed in to your account from {device}. If this was not you, "
                "sign out everywhere and change your password.",
                None,
            )
        case ev.PAYEE_ADDED:
            return make(
                Category.ACCOUNT,
                Priority.HIGH,
                "Payee added",
                f"{d.get('name', 'A payee')} was added.",
                None,
            )
        case ev.LIMIT_CHANGED:
            return make(
                Category.ACCOUNT,
                Priority.HIGH,
                "Limits changed",
                "Your payment limits changed.",
                None,
            )
    return None


_NOUNS = {
    Category.TRANSFER: ("transfer", "transfers", "completed", "total"),
    Category.TRADE: ("trade", "trades", "executed", "volume"),
    Category.TRANSACTION: ("transaction", "transactions", "", "total"),
    Category.HOLD: ("hold update", "hold updates", "", "total"),
}


def summary(drafts: list[Draft]) -> Draft:
    """One notification for several of a category: "3 transfers completed (₹45,000 total)"."""
    if len(drafts) == 1:
        return drafts[0]
    first = drafts[0]
    n = len(drafts)
    one, many, verb, measure = _NOUNS.get(first.category, ("update", "updates", "", "total"))
    del one
    total = sum(d.amount or 0 for d in drafts)
    head = f"{n} {many}" + (f" {verb}" if verb else "")
    amounts = [d for d in drafts if d.amount is not None]
    text = f"{head} ({_whole_rupees(total, first.currency)} {measure})" if amounts else head
    priority = min((d.priority for d in drafts), key=list(type(first.priority)).index)
    return Draft(
        customer_id=first.customer_id,
        category=first.category,
        priority=priority,
        title=text,
        body="; ".join(d.body.rstrip(".") for d in drafts[:5]) + ("; …" if n > 5 else "."),
        amount=total if amounts else None,
        currency=first.currency,
        event_id=None,
        data={"grouped": n, "event_ids": [d.event_id for d in drafts if d.event_id]},
    )


def _whole_rupees(minor: int, currency: str) -> str:
    text = format_minor(minor, currency)
    return text[:-3] if text.endswith(".00") else text
