"""Does a trigger fire for an event? Pure functions over the event's data.

A money event is read as the movements it made on the customer's accounts
(a credit or a debit each, with the balance after); a transaction trigger
matches a movement by direction, account and filters, a balance trigger
matches one that carried the account across its threshold. Market and
portfolio triggers are edge-triggered on a price or value: they fire when the
condition becomes true, and re-arm when it stops being true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.events import model as ev
from domain.events.model import Event
from domain.rules.model import Trigger, TriggerKind

MONEY_EVENTS = frozenset({ev.CREDIT_RECEIVED, ev.DEBIT_POSTED, ev.TRANSFER_COMPLETED})


@dataclass(frozen=True, slots=True)
class Movement:
    """One account's side of a money event."""

    account_id: str
    direction: str  # "credit" | "debit"
    amount: int
    balance_after: int | None
    counterparty: str | None
    category: str | None
    merchant: str | None

    @property
    def balance_before(self) -> int | None:
        if self.balance_after is None:
            return None
        return (
            self.balance_after - self.amount
            if self.direction == "credit"
            else self.balance_after + self.amount
        )


def movements(event: Event) -> list[Movement]:
    if event.type not in MONEY_EVENTS:
        return []
    d: dict[str, Any] = event.data
    amount = int((d.get("amount") or {}).get("minor", 0))
    after: dict[str, int] = d.get("balances_after") or {}
    who, cat, where = d.get("counterparty"), d.get("category"), d.get("merchant")
    out: list[Movement] = []
    source, dest = d.get("from_account_id"), d.get("to_account_id")
    if event.type in (ev.DEBIT_POSTED, ev.TRANSFER_COMPLETED) and source in after:
        out.append(Movement(source, "debit", amount, after.get(source), who, cat, where))
    if event.type in (ev.CREDIT_RECEIVED, ev.TRANSFER_COMPLETED) and dest in after:
        out.append(Movement(dest, "credit", amount, after.get(dest), who, cat, where))
    return out


def _like(wanted: str | None, got: str | None) -> bool:
    return wanted is None or (got is not None and wanted.casefold() in got.casefold())


def transaction_matches(t: Trigger, m: Movement) -> bool:
    return (
        t.direction == m.direction
        and (t.account_id is None or t.account_id == m.account_id)
        and _like(t.counterparty, m.counterparty)
        and _like(t.category, m.category)
        and _like(t.merchant, m.merchant)
        and (t.min_amount is None or m.amount >= t.min_amount)
        and (t.max_amount is None or m.amount <= t.max_amount)
    )


def crossed(
    crosses: str | None, threshold: int | None, before: int | None, after: int | None
) -> bool:
    if threshold is None or before is None or after is None:
        return False
    if crosses == "below":
        return before >= threshold > after
    return before <= threshold < after


def balance_matches(t: Trigger, m: Movement) -> bool:
    return t.account_id == m.account_id and crossed(
        t.crosses, t.threshold, m.balance_before, m.balance_after
    )


def fires_on(t: Trigger, event: Event, moved: list[Movement] | None = None) -> Movement | None:
    """The movement that fires ``t`` for a money event, if any (``moved``: its movements)."""
    for m in movements(event) if moved is None else moved:
        if t.kind is TriggerKind.TRANSACTION and transaction_matches(t, m):
            return m
        if t.kind is TriggerKind.BALANCE and balance_matches(t, m):
            return m
    return None


def external_matches(t: Trigger, event: Event) -> bool:
    return t.kind is TriggerKind.EXTERNAL_EVENT and event.type == f"external.{t.event}"


def market_true(t: Trigger, price: int, cost_price: int | None) -> bool | None:
    """Whether the market condition holds now; None when it cannot be judged (nothing held)."""
    if t.price_below is not None:
        return price < t.price_below
    if t.price_above is not None:
        return price > t.price_above
    base = t.reference if t.basis == "reference" else cost_price
    if not base:
        return None
    move = (price - base) * 100 / base
    change = t.change_pct or 0.0
    return move <= change if change < 0 else move >= change


def value_true(t: Trigger, value: int) -> bool:
    if t.crosses == "below":
        return value < (t.threshold or 0)
    return value > (t.threshold or 0)
