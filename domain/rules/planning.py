"""From a fired trigger to concrete steps, or the reason nothing will happen.

Pure: the service hands in what it read (balances, the rule's recent
executions, the time in the customer's zone). A plan fixes the accounts and
amounts when the rule fires, so an approval shows exactly what will move and
a repeat after a crash moves exactly the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.money import format_minor
from domain.rules.model import Action, ActionKind, Rule, RuleSpec

MAX_DEPTH = 5


@dataclass(frozen=True, slots=True)
class Facts:
    """What set the rule off, and what the service knows of the customer right now."""

    trigger_ref: str
    amount: int | None = None  # the triggering amount, for percentages
    balances: Mapping[str, int] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    kind: ActionKind
    amount: int | None = None
    from_account_id: str | None = None
    to_account_id: str | None = None
    payee_id: str | None = None
    symbol: str | None = None
    percent: float | None = None
    message: str | None = None
    rule_id: str | None = None  # the rule whose action this is (execute_rule expands)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value}
        for name in (
            "amount",
            "from_account_id",
            "to_account_id",
            "payee_id",
            "symbol",
            "percent",
            "message",
            "rule_id",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Step:
        return cls(**{**doc, "kind": ActionKind(doc["kind"])})


@dataclass(frozen=True, slots=True)
class Recent:
    """The rule's executions that count against its limits."""

    last_at: datetime | None = None
    today: int = 0


class Skip(Exception):
    """The rule fired but will do nothing; the message says why."""


def check_safety(spec: RuleSpec, local_now: datetime, recent: Recent, now: datetime) -> None:
    s = spec.safety
    day = local_now.date()
    if s.active_from is not None and day < s.active_from:
        raise Skip(f"The rule is active only from {s.active_from:%d %b %Y}.")
    if s.active_until is not None and day > s.active_until:
        raise Skip(f"The rule was active only until {s.active_until:%d %b %Y}.")
    if s.window_start is not None and s.window_end is not None:
        t = local_now.time().replace(tzinfo=None)
        inside = (
            s.window_start <= t < s.window_end
            if s.window_start < s.window_end
            else t >= s.window_start or t < s.window_end
        )
        if not inside:
            raise Skip(
                f"Outside the rule's active window ({s.window_start:%H:%M}–{s.window_end:%H:%M})."
            )
    cooling = recent.last_at is not None and now - recent.last_at < timedelta(seconds=s.cooldown_s)
    if s.cooldown_s and cooling:
        raise Skip("The rule is cooling down after its last run.")
    if s.max_per_day is not None and recent.today >= s.max_per_day:
        raise Skip(
            f"The rule already ran {recent.today} times today (its most is {s.max_per_day})."
        )


def check_conditions(spec: RuleSpec, balances: Mapping[str, int]) -> None:
    for c in spec.conditions:
        have = balances.get(c.account_id)
        if have is None:
            raise Skip("A condition's account is not there any more.")
        ok = have > c.amount if c.op == "above" else have < c.amount
        if not ok:
            raise Skip(
                f"Condition not met: balance {format_minor(have)} is not "
                f"{c.op} {format_minor(c.amount)}."
            )


def _amount(a: Action, facts: Facts) -> int:
    if a.amount is not None:
        return a.amount
    if a.percent is not None:
        if facts.amount is None:
            raise Skip("There is no triggering amount to take a percentage of.")
        return int(facts.amount * a.percent // 100)
    if a.top_up_to is not None:
        have = facts.balances.get(a.to_account_id or "", 0)
        return a.top_up_to - have
    if a.sweep_above is not None:
        have = facts.balances.get(a.from_account_id or "", 0)
        return have - a.sweep_above
    raise AssertionError("every money action says how much")


def _steps(
    rule: Rule, facts: Facts, lookup: Callable[[str], Rule | None], depth: int
) -> list[Step]:
    if depth > MAX_DEPTH:
        raise Skip("Rules run by rules go too deep.")
    out: list[Step] = []
    for a in rule.spec.actions:
        match a.kind:
            case ActionKind.TRANSFER | ActionKind.INVEST:
                amount = _amount(a, facts)
                if amount <= 0:
                    raise Skip("Nothing to move: the balance is already where the rule wants it.")
                out.append(
                    Step(
                        a.kind,
                        amount=amount,
                        from_account_id=a.from_account_id,
                        to_account_id=a.to_account_id,
                        payee_id=a.payee_id,
                        symbol=a.symbol,
                        rule_id=rule.id,
                    )
                )
            case ActionKind.CLOSE_POSITION:
                out.append(Step(a.kind, symbol=a.symbol, percent=a.percent, rule_id=rule.id))
            case ActionKind.NOTIFY:
                out.append(Step(a.kind, message=a.message, rule_id=rule.id))
            case ActionKind.EXECUTE_RULE:
                target = lookup(a.rule_id or "")
                if target is None:
                    raise Skip("The rule it runs is paused or gone.")
                out += _steps(target, facts, lookup, depth + 1)
    return out


def plan(rule: Rule, facts: Facts, lookup: Callable[[str], Rule | None]) -> list[Step]:
    """The steps the rule takes for these facts; raises ``Skip`` if it takes none."""
    check_conditions(rule.spec, facts.balances)
    steps = _steps(rule, facts, lookup, 0)
    cap = rule.spec.safety.max_amount
    total = sum(s.amount or 0 for s in steps)
    if cap is not None and total > cap:
        raise Skip(f"{format_minor(total)} is over the rule's cap of {format_minor(cap)}.")
    return steps


def money_of(steps: list[Step]) -> int | None:
    total = sum(s.amount or 0 for s in steps)
    return total or None
