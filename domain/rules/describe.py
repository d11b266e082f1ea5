"""A rule in plain words, as chat restates it before activating it."""

from __future__ import annotations

from collections.abc import Mapping

from domain.money import format_minor
from domain.rules.model import (
    WEEKDAYS,
    Action,
    ActionKind,
    RuleSpec,
    Schedule,
    Trigger,
    TriggerKind,
)

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _pct(p: float) -> str:
    return f"{p:g}%"


def schedule_words(s: Schedule) -> str:
    at = s.at.strftime("%H:%M")
    if s.every == "cron":
        return f"on the schedule “{s.cron}”"
    if s.every == "day":
        return f"every day at {at}"
    if s.every == "week":
        return f"every {_DAYS[s.weekday or 0]} at {at}"
    day = "the last day" if s.day == 31 else f"the {_ordinal(s.day or 1)}"
    return f"on {day} of every month at {at}"


def trigger_words(t: Trigger, names: Mapping[str, str]) -> str:
    acct = (
        names.get(t.account_id or "", "any of your accounts")
        if t.account_id
        else "any of your accounts"
    )
    match t.kind:
        case TriggerKind.TRANSACTION:
            what = "money comes into" if t.direction == "credit" else "money goes out of"
            out = f"when {what} {acct}"
            filters = [
                f"from/to {t.counterparty}" if t.counterparty else "",
                f"in {t.category}" if t.category else "",
                f"at {t.merchant}" if t.merchant else "",
                f"of at least {format_minor(t.min_amount)}" if t.min_amount else "",
                f"of at most {format_minor(t.max_amount)}" if t.max_amount else "",
            ]
            extra = " ".join(f for f in filters if f)
            return f"{out} ({extra})" if extra else out
        case TriggerKind.BALANCE:
            return (
                f"when {acct} drops below {format_minor(t.threshold or 0)}"
                if t.crosses == "below"
                else f"when {acct} goes above {format_minor(t.threshold or 0)}"
            )
        case TriggerKind.MARKET_CONDITION:
            if t.price_below is not None:
                return f"when {t.symbol} trades below {format_minor(t.price_below)}"
            if t.price_above is not None:
                return f"when {t.symbol} trades above {format_minor(t.price_above)}"
            change = t.change_pct or 0.0
            move = f"falls {_pct(-change)}" if change < 0 else f"rises {_pct(change)}"
            base = (
                "your purchase price" if t.basis == "purchase" else format_minor(t.reference or 0)
            )
            return f"when {t.symbol} {move} from {base}"
        case TriggerKind.PORTFOLIO_VALUE:
            side = "below" if t.crosses == "below" else "above"
            return f"when your portfolio's value goes {side} {format_minor(t.threshold or 0)}"
        case TriggerKind.TIME_BASED:
            return schedule_words(t.schedule) if t.schedule else "on a schedule"
        case TriggerKind.EXTERNAL_EVENT:
            return f"when the “{t.event}” event arrives"


def action_words(a: Action, names: Mapping[str, str]) -> str:
    if a.amount is not None:
        how = format_minor(a.amount)
    elif a.percent is not None:
        how = f"{_pct(a.percent)} of it"
    elif a.top_up_to is not None:
        how = f"enough to bring it up to {format_minor(a.top_up_to)}"
    elif a.sweep_above is not None:
        how = f"everything above {format_minor(a.sweep_above)}"
    else:
        how = ""
    match a.kind:
        case ActionKind.TRANSFER:
            source = names.get(a.from_account_id or "", "your account")
            dest = names.get(a.to_account_id or a.payee_id or "", "the payee")
            return f"move {how} from {source} to {dest}"
        case ActionKind.INVEST:
            return f"invest {how} in {a.symbol}"
        case ActionKind.CLOSE_POSITION:
            part = "all" if (a.percent or 100) >= 100 else _pct(a.percent or 100)
            return f"sell {part} of your {a.symbol} shares"
        case ActionKind.NOTIFY:
            return f"tell you “{a.message}”"
        case ActionKind.EXECUTE_RULE:
            return f"run the rule “{names.get(a.rule_id or '', a.rule_id or '')}”"


def describe(spec: RuleSpec, names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    trigger = trigger_words(spec.trigger, names)
    actions = ", then ".join(action_words(a, names) for a in spec.actions)
    text = f"{trigger[0].upper()}{trigger[1:]}, {actions}."
    s = spec.safety
    notes = []
    if spec.needs_approval():
        notes.append("I'll ask you to approve each time")
    if s.cooldown_s:
        notes.append(f"at most once every {_duration(s.cooldown_s)}")
    if s.max_per_day:
        notes.append(f"at most {s.max_per_day} time{'s' if s.max_per_day > 1 else ''} a day")
    if s.max_amount:
        notes.append(f"never more than {format_minor(s.max_amount)} at a time")
    if s.window_start and s.window_end:
        notes.append(f"only between {s.window_start:%H:%M} and {s.window_end:%H:%M}")
    if notes:
        text += " " + "; ".join(notes).capitalize() + "."
    return text


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        n, unit = seconds // 86400, "day"
    elif seconds % 3600 == 0:
        n, unit = seconds // 3600, "hour"
    elif seconds % 60 == 0:
        n, unit = seconds // 60, "minute"
    else:
        n, unit = seconds, "second"
    return f"{unit}" if n == 1 else f"{n} {unit}s"


__all__ = ["WEEKDAYS", "describe"]
