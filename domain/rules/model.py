"""Rules as data: trigger, conditions, actions and safety. Standard library only.

A rule's JSON document (the REST body, the stored ``definition``) is parsed
here into frozen dataclasses; anything malformed is refused with a specific
``InvalidInput`` before anything is stored. Amounts are paise::

    {"name": "Salary auto-invest",
     "trigger": {"kind": "transaction", "direction": "credit", "counterparty": "Acme"},
     "conditions": [{"kind": "balance", "account_id": "acc_1", "op": "above", "amount": 500000}],
     "actions": [{"kind": "invest", "symbol": "NIFTYBEES", "percent": 20}],
     "safety": {"requires_approval": true, "cooldown_s": 0, "max_per_day": 3}}

Account references may name a type (``"savings"``) instead of an id; the
service resolves them to the customer's account before storing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from functools import lru_cache
from typing import Any

from domain.errors import InvalidInput
from domain.money import MAX_MINOR


class TriggerKind(StrEnum):
    TRANSACTION = "transaction"
    BALANCE = "balance"
    MARKET_CONDITION = "market_condition"
    PORTFOLIO_VALUE = "portfolio_value"
    TIME_BASED = "time_based"
    EXTERNAL_EVENT = "external_event"


class ActionKind(StrEnum):
    TRANSFER = "transfer"
    INVEST = "invest"
    CLOSE_POSITION = "close_position"
    NOTIFY = "notify"
    EXECUTE_RULE = "execute_rule"


class RuleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DELETED = "deleted"


# Triggers that carry an amount an action may take a percentage of.
AMOUNT_TRIGGERS = frozenset({TriggerKind.TRANSACTION, TriggerKind.BALANCE})
MONEY_ACTIONS = frozenset({ActionKind.TRANSFER, ActionKind.INVEST})
TRADE_ACTIONS = frozenset({ActionKind.INVEST, ActionKind.CLOSE_POSITION})
MAX_ACTIONS = 5
MAX_NAME = 100
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9&\-]{0,19}$")
_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_.\-]{0,49}$")


def _bad(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message)


def _doc(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad("invalid_rule", f"The rule's {what} must be an object.")
    return value


def _only(doc: dict[str, Any], allowed: set[str], what: str) -> None:
    extra = sorted(set(doc) - allowed)
    if extra:
        raise _bad("invalid_rule", f"Unknown field {extra[0]!r} in the rule's {what}.")


def _str(doc: dict[str, Any], key: str, what: str, *, required: bool = True) -> str | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise _bad("invalid_rule", f"The rule's {what} needs {key!r}.")
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _bad("invalid_rule", f"{key!r} in the rule's {what} must be a short text.")
    return value.strip()


def _paise(doc: dict[str, Any], key: str, what: str, *, required: bool = True) -> int | None:
    value = doc.get(key)
    if value is None:
        if required:
            raise _bad("invalid_rule", f"The rule's {what} needs {key!r} (in paise).")
        return None
    if type(value) is not int or value <= 0 or value > MAX_MINOR:
        raise _bad(
            "invalid_amount", f"{key!r} in the rule's {what} must be a positive whole paise."
        )
    return value


def _number(doc: dict[str, Any], key: str, what: str, lo: float, hi: float) -> float | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
        raise _bad("invalid_rule", f"{key!r} in the rule's {what} must be between {lo} and {hi}.")
    return float(value)


def _choice(doc: dict[str, Any], key: str, options: tuple[str, ...], what: str) -> str:
    value = doc.get(key)
    if value not in options:
        raise _bad(
            "invalid_rule", f"{key!r} in the rule's {what} must be one of {', '.join(options)}."
        )
    return str(value)


def _clock_time(value: object, what: str) -> time:
    if not isinstance(value, str) or not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise _bad("invalid_rule", f"The {what} time must look like 09:30.")
    hours, minutes = (int(p) for p in value.split(":"))
    if hours > 23 or minutes > 59:
        raise _bad("invalid_rule", f"The {what} time must be a real time of day.")
    return time(hours, minutes)


# -- triggers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """Daily, weekly on a day, monthly on a date, or a cron expression, at a local time."""

    every: str  # "day" | "week" | "month" | "cron"
    at: time = time(9, 0)
    weekday: int | None = None  # 0 = Monday
    day: int | None = None  # 1..28, or 31 for the last day
    cron: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.every == "cron":
            return {"cron": self.cron}
        out: dict[str, Any] = {"every": self.every, "at": self.at.strftime("%H:%M")}
        if self.weekday is not None:
            out["weekday"] = WEEKDAYS[self.weekday]
        if self.day is not None:
            out["day"] = self.day
        return out

    @classmethod
    def from_json(cls, value: object) -> Schedule:
        doc = _doc(value, "schedule")
        if "cron" in doc:
            _only(doc, {"cron"}, "schedule")
            from domain.rules.cron import parse_cron

            expr = _str(doc, "cron", "schedule") or ""
            parse_cron(expr)
            return cls(every="cron", cron=expr)
        _only(doc, {"every", "at", "weekday", "day"}, "schedule")
        every = _choice(doc, "every", ("day", "week", "month"), "schedule")
        at = _clock_time(doc.get("at", "09:00"), "schedule's")
        weekday = day = None
        if every == "week":
            name = str(doc.get("weekday", "")).lower()[:3]
            if name not in WEEKDAYS:
                raise _bad("invalid_rule", "A weekly schedule needs a weekday (mon .. sun).")
            weekday = WEEKDAYS.index(name)
        elif every == "month":
            raw = doc.get("day")
            if type(raw) is not int or not (1 <= raw <= 28 or raw == 31):
                raise _bad(
                    "invalid_rule",
                    "A monthly schedule needs a day from 1 to 28, or 31 for the last day.",
                )
            day = raw
        elif "weekday" in doc or "day" in doc:
            raise _bad("invalid_rule", "A daily schedule takes no weekday or day.")
        return cls(every=every, at=at, weekday=weekday, day=day)


@dataclass(frozen=True, slots=True)
class Trigger:
    kind: TriggerKind
    # transaction
    direction: str | None = None  # "credit" | "debit"
    account_id: str | None = None  # transaction / balance; None = any of the customer's
    counterparty: str | None = None
    category: str | None = None
    merchant: str | None = None
    min_amount: int | None = None
    max_amount: int | None = None
    # balance / portfolio_value: "below" | "above" a threshold
    crosses: str | None = None
    threshold: int | None = None
    # market_condition: a price level, or a move in percent from the purchase price
    # (``basis`` "purchase") or from a reference price
    symbol: str | None = None
    price_below: int | None = None
    price_above: int | None = None
    change_pct: float | None = None
    basis: str | None = None
    reference: int | None = None
    # time_based
    schedule: Schedule | None = None
    # external_event: the ``external.<name>`` type's name
    event: str | None = None

    @property
    def key(self) -> str | None:
        """What the trigger index files the rule under beside its kind and customer."""
        if self.kind in (TriggerKind.MARKET_CONDITION,):
            return self.symbol
        if self.kind is TriggerKind.EXTERNAL_EVENT:
            return self.event
        return self.account_id

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value}
        for name in (
            "direction",
            "account_id",
            "counterparty",
            "category",
            "merchant",
            "min_amount",
            "max_amount",
            "crosses",
            "threshold",
            "symbol",
            "price_below",
            "price_above",
            "change_pct",
            "basis",
            "reference",
            "event",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.schedule is not None:
            out["schedule"] = self.schedule.to_json()
        return out

    @classmethod
    def from_json(cls, value: object) -> Trigger:
        doc = _doc(value, "trigger")
        raw = doc.get("kind")
        if raw not in set(TriggerKind):
            kinds = ", ".join(k.value for k in TriggerKind)
            raise _bad("invalid_trigger", f"A rule's trigger kind must be one of {kinds}.")
        kind = TriggerKind(raw)
        what = f"{kind.value} trigger"
        match kind:
            case TriggerKind.TRANSACTION:
                _only(
                    doc,
                    {
                        "kind",
                        "direction",
                        "account_id",
                        "counterparty",
                        "category",
                        "merchant",
                        "min_amount",
                        "max_amount",
                    },
                    what,
                )
                lo = _paise(doc, "min_amount", what, required=False)
                hi = _paise(doc, "max_amount", what, required=False)
                if lo is not None and hi is not None and lo > hi:
                    raise _bad("invalid_rule", "The trigger's min_amount is above its max_amount.")
                return cls(
                    kind,
                    direction=_choice(doc, "direction", ("credit", "debit"), what),
                    account_id=_str(doc, "account_id", what, required=False),
                    counterparty=_str(doc, "counterparty", what, required=False),
                    category=_str(doc, "category", what, required=False),
                    merchant=_str(doc, "merchant", what, required=False),
                    min_amount=lo,
                    max_amount=hi,
                )
            case TriggerKind.BALANCE:
                _only(doc, {"kind", "account_id", "crosses", "threshold"}, what)
                return cls(
                    kind,
                    account_id=_str(doc, "account_id", what),
                    crosses=_choice(doc, "crosses", ("below", "above"), what),
                    threshold=_paise(doc, "threshold", what),
                )
            case TriggerKind.PORTFOLIO_VALUE:
                _only(doc, {"kind", "crosses", "threshold"}, what)
                return cls(
                    kind,
                    crosses=_choice(doc, "crosses", ("below", "above"), what),
                    threshold=_paise(doc, "threshold", what),
                )
            case TriggerKind.MARKET_CONDITION:
                return _market(doc, what)
            case TriggerKind.TIME_BASED:
                _only(doc, {"kind", "schedule"}, what)
                return cls(kind, schedule=Schedule.from_json(doc.get("schedule")))
            case TriggerKind.EXTERNAL_EVENT:
                _only(doc, {"kind", "event"}, what)
                name = _str(doc, "event", what) or ""
                name = name.removeprefix("external.")
                if not _EVENT_NAME.match(name):
                    raise _bad(
                        "invalid_rule",
                        "An external event's name is lower case, like payroll.posted.",
                    )
                return cls(kind, event=name)


def _market(doc: dict[str, Any], what: str) -> Trigger:
    _only(
        doc,
        {"kind", "symbol", "price_below", "price_above", "change_pct", "basis", "reference"},
        what,
    )
    symbol = (_str(doc, "symbol", what) or "").upper()
    if not _SYMBOL.match(symbol):
        raise _bad("invalid_rule", f"{symbol!r} is not a stock symbol.")
    below = _paise(doc, "price_below", what, required=False)
    above = _paise(doc, "price_above", what, required=False)
    change = _number(doc, "change_pct", what, -99.0, 1000.0)
    given = [x for x in (below, above, change) if x is not None]
    if len(given) != 1:
        raise _bad(
            "invalid_rule",
            "A market trigger needs exactly one of price_below, price_above or change_pct.",
        )
    basis = reference = None
    if change is not None:
        if change == 0:
            raise _bad("invalid_rule", "A market trigger's change_pct cannot be 0.")
        basis = str(doc.get("basis", "purchase"))
        if basis not in ("purchase", "reference"):
            raise _bad("invalid_rule", "A market trigger's basis is purchase or reference.")
        reference = _paise(doc, "reference", what, required=basis == "reference")
    elif "basis" in doc or "reference" in doc:
        raise _bad("invalid_rule", "basis and reference go with change_pct only.")
    return Trigger(
        TriggerKind.MARKET_CONDITION,
        symbol=symbol,
        price_below=below,
        price_above=above,
        change_pct=change,
        basis=basis,
        reference=reference,
    )


# -- conditions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Condition:
    """Checked when the trigger fires: an account's balance above or below an amount."""

    account_id: str
    op: str  # "above" | "below"
    amount: int
    kind: str = "balance"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "account_id": self.account_id,
            "op": self.op,
            "amount": self.amount,
        }

    @classmethod
    def from_json(cls, value: object) -> Condition:
        doc = _doc(value, "condition")
        _only(doc, {"kind", "account_id", "op", "amount"}, "condition")
        if doc.get("kind", "balance") != "balance":
            raise _bad("invalid_rule", "The only condition kind is balance.")
        return cls(
            account_id=_str(doc, "account_id", "condition") or "",
            op=_choice(doc, "op", ("above", "below"), "condition"),
            amount=_paise(doc, "amount", "condition") or 0,
        )


# -- actions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    # transfer: from an own account to another own account or a payee
    from_account_id: str | None = None
    to_account_id: str | None = None
    payee_id: str | None = None
    # how much: a fixed amount, a percentage of the triggering amount, enough to bring
    # the destination up to a balance, or what the source holds above a balance
    amount: int | None = None
    percent: float | None = None
    top_up_to: int | None = None
    sweep_above: int | None = None
    # invest / close_position
    symbol: str | None = None
    # notify
    message: str | None = None
    # execute_rule
    rule_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value}
        for name in (
            "from_account_id",
            "to_account_id",
            "payee_id",
            "amount",
            "percent",
            "top_up_to",
            "sweep_above",
            "symbol",
            "message",
            "rule_id",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @property
    def is_trade(self) -> bool:
        return self.kind in TRADE_ACTIONS

    @classmethod
    def from_json(cls, value: object) -> Action:
        doc = _doc(value, "action")
        raw = doc.get("kind")
        if raw not in set(ActionKind):
            kinds = ", ".join(k.value for k in ActionKind)
            raise _bad("invalid_action", f"A rule's action kind must be one of {kinds}.")
        kind = ActionKind(raw)
        what = f"{kind.value} action"
        match kind:
            case ActionKind.TRANSFER:
                _only(
                    doc,
                    {
                        "kind",
                        "from_account_id",
                        "to_account_id",
                        "payee_id",
                        "amount",
                        "percent",
                        "top_up_to",
                        "sweep_above",
                    },
                    what,
                )
                to = _str(doc, "to_account_id", what, required=False)
                payee = _str(doc, "payee_id", what, required=False)
                if (to is None) == (payee is None):
                    raise _bad(
                        "invalid_rule", "A transfer action goes to one own account or one payee."
                    )
                source = _str(doc, "from_account_id", what) or ""
                if to == source:
                    raise _bad(
                        "invalid_rule",
                        "A transfer action cannot move money to the account it takes it from.",
                    )
                return cls(
                    kind,
                    from_account_id=source,
                    to_account_id=to,
                    payee_id=payee,
                    **_how_much(doc, what, sweep=True),
                )
            case ActionKind.INVEST:
                # ``from_account_id``: an own account that funds the trading account first.
                _only(doc, {"kind", "symbol", "amount", "percent", "from_account_id"}, what)
                return cls(
                    kind,
                    symbol=_symbol(doc, what),
                    from_account_id=_str(doc, "from_account_id", what, required=False),
                    **_how_much(doc, what, sweep=False),
                )
            case ActionKind.CLOSE_POSITION:
                _only(doc, {"kind", "symbol", "percent"}, what)
                pct = _number(doc, "percent", what, 1, 100)
                return cls(kind, symbol=_symbol(doc, what), percent=100.0 if pct is None else pct)
            case ActionKind.NOTIFY:
                _only(doc, {"kind", "message"}, what)
                return cls(kind, message=_str(doc, "message", what))
            case ActionKind.EXECUTE_RULE:
                _only(doc, {"kind", "rule_id"}, what)
                return cls(kind, rule_id=_str(doc, "rule_id", what))


def _symbol(doc: dict[str, Any], what: str) -> str:
    symbol = (_str(doc, "symbol", what) or "").upper()
    if not _SYMBOL.match(symbol):
        raise _bad("invalid_rule", f"{symbol!r} is not a stock symbol.")
    return symbol


def _how_much(doc: dict[str, Any], what: str, *, sweep: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "amount": _paise(doc, "amount", what, required=False),
        "percent": _number(doc, "percent", what, 0.01, 100),
    }
    if sweep:
        out["top_up_to"] = _paise(doc, "top_up_to", what, required=False)
        out["sweep_above"] = _paise(doc, "sweep_above", what, required=False)
    if sum(v is not None for v in out.values()) != 1:
        names = ", ".join(out)
        raise _bad("invalid_rule", f"A {what} needs exactly one of {names}.")
    return out


# -- safety -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Safety:
    # None: the default (off for moves between own accounts, on for payees and trades).
    requires_approval: bool | None = None
    approval_ttl_s: int = 3600
    cooldown_s: int = 0
    max_per_day: int | None = None
    max_amount: int | None = None  # paise, per execution
    active_from: date | None = None
    active_until: date | None = None
    window_start: time | None = None  # local time of day
    window_end: time | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "requires_approval": self.requires_approval,
            "approval_ttl_s": self.approval_ttl_s,
            "cooldown_s": self.cooldown_s,
            "max_per_day": self.max_per_day,
            "max_amount": self.max_amount,
        }
        if self.active_from is not None:
            out["active_from"] = self.active_from.isoformat()
        if self.active_until is not None:
            out["active_until"] = self.active_until.isoformat()
        if self.window_start is not None and self.window_end is not None:
            out["window"] = {
                "start": self.window_start.strftime("%H:%M"),
                "end": self.window_end.strftime("%H:%M"),
            }
        return out

    @classmethod
    def from_json(cls, value: object) -> Safety:
        doc = _doc({} if value is None else value, "safety")
        _only(
            doc,
            {
                "requires_approval",
                "approval_ttl_s",
                "cooldown_s",
                "max_per_day",
                "max_amount",
                "active_from",
                "active_until",
                "window",
            },
            "safety",
        )
        approval = doc.get("requires_approval")
        if approval is not None and not isinstance(approval, bool):
            raise _bad("invalid_rule", "requires_approval is true, false or null (the default).")
        ttl = _whole(doc, "approval_ttl_s", 60, 7 * 86400, 3600)
        cooldown = _whole(doc, "cooldown_s", 0, 30 * 86400, 0)
        per_day = doc.get("max_per_day")
        if per_day is not None and (type(per_day) is not int or not 1 <= per_day <= 1000):
            raise _bad("invalid_rule", "max_per_day must be a whole number from 1 to 1000.")
        start = end = None
        if doc.get("window") is not None:
            window = _doc(doc["window"], "window")
            _only(window, {"start", "end"}, "window")
            start = _clock_time(window.get("start"), "window's start")
            end = _clock_time(window.get("end"), "window's end")
            if start == end:
                raise _bad("invalid_rule", "The active window's start and end are the same.")
        lo, hi = _day(doc, "active_from"), _day(doc, "active_until")
        if lo is not None and hi is not None and lo > hi:
            raise _bad("invalid_rule", "active_from is after active_until.")
        return cls(
            requires_approval=approval,
            approval_ttl_s=ttl,
            cooldown_s=cooldown,
            max_per_day=per_day,
            max_amount=_paise(doc, "max_amount", "safety", required=False),
            active_from=lo,
            active_until=hi,
            window_start=start,
            window_end=end,
        )


def _whole(doc: dict[str, Any], key: str, lo: int, hi: int, default: int) -> int:
    value = doc.get(key, default)
    if type(value) is not int or not lo <= value <= hi:
        raise _bad("invalid_rule", f"{key} must be a whole number from {lo} to {hi}.")
    return value


def _day(doc: dict[str, Any], key: str) -> date | None:
    value = doc.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _bad("invalid_rule", f"{key} must be a date like 2026-12-01.") from None


@lru_cache(maxsize=1024)
def _safety(doc: str) -> Safety:
    # Few distinct safety settings exist (most rules keep the defaults): parse each once.
    return Safety.from_json(json.loads(doc))


# -- the rule ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What a customer asks for: everything but identity and bookkeeping."""

    name: str
    trigger: Trigger
    actions: tuple[Action, ...]
    conditions: tuple[Condition, ...] = ()
    safety: Safety = field(default_factory=Safety)

    def needs_approval(self) -> bool:
        """The safety setting, or the default: on for payees and trades, off otherwise."""
        if self.safety.requires_approval is not None:
            return self.safety.requires_approval
        return any(a.is_trade or a.payee_id is not None for a in self.actions)

    def accounts(self) -> set[str]:
        """Every account id the rule names, for the service to check ownership."""
        named = {self.trigger.account_id} | {c.account_id for c in self.conditions}
        for a in self.actions:
            named |= {a.from_account_id, a.to_account_id}
        return {x for x in named if x is not None}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "trigger": self.trigger.to_json(),
            "conditions": [c.to_json() for c in self.conditions],
            "actions": [a.to_json() for a in self.actions],
            "safety": self.safety.to_json(),
        }

    @classmethod
    def from_json(cls, value: object) -> RuleSpec:
        doc = _doc(value, "body")
        _only(doc, {"name", "trigger", "conditions", "actions", "safety"}, "body")
        name = _str(doc, "name", "body") or ""
        if len(name) > MAX_NAME:
            raise _bad("invalid_rule", f"A rule's name is at most {MAX_NAME} characters.")
        trigger = Trigger.from_json(doc.get("trigger"))
        raw_actions = doc.get("actions")
        if not isinstance(raw_actions, list) or not 1 <= len(raw_actions) <= MAX_ACTIONS:
            raise _bad("invalid_rule", f"A rule needs from 1 to {MAX_ACTIONS} actions.")
        actions = tuple(Action.from_json(a) for a in raw_actions)
        raw_conditions = doc.get("conditions") or []
        if not isinstance(raw_conditions, list) or len(raw_conditions) > 5:
            raise _bad("invalid_rule", "A rule's conditions are a list of at most 5.")
        spec = cls(
            name=name,
            trigger=trigger,
            actions=actions,
            conditions=tuple(Condition.from_json(c) for c in raw_conditions),
            safety=Safety.from_json(doc.get("safety")),
        )
        spec.check()
        return spec

    @classmethod
    def load(cls, doc: dict[str, Any]) -> RuleSpec:
        """A stored document, already checked when it was stored: built without re-checking.

        The hot path reads many rules per event batch; ``from_json`` stays the
        way in for anything a customer sends.
        """
        t = dict(doc["trigger"])
        kind = TriggerKind(t.pop("kind"))
        schedule = Schedule.from_json(t.pop("schedule")) if "schedule" in t else None
        actions = []
        for a in doc["actions"]:
            fields = dict(a)
            actions.append(Action(ActionKind(fields.pop("kind")), **fields))
        return cls(
            name=doc["name"],
            trigger=Trigger(kind, schedule=schedule, **t),
            actions=tuple(actions),
            conditions=tuple(
                Condition(c["account_id"], c["op"], c["amount"]) for c in doc.get("conditions", ())
            ),
            safety=_safety(json.dumps(doc.get("safety"), sort_keys=True)),
        )

    def check(self) -> None:
        """Consistency between the parts, beyond each part's own shape."""
        for a in self.actions:
            takes_share = a.percent is not None and a.kind is not ActionKind.CLOSE_POSITION
            if takes_share and self.trigger.kind not in AMOUNT_TRIGGERS:
                raise _bad(
                    "invalid_rule",
                    "A percentage needs a trigger with an amount "
                    "(a transaction or a balance change).",
                )


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    customer_id: str
    spec: RuleSpec
    status: RuleStatus
    failures: int = 0
    template: str | None = None
    # When it was made: it acts on events from then on, never on older ones.
    created_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status.value,
            "template": self.template,
            "requires_approval": self.spec.needs_approval(),
            "consecutive_failures": self.failures,
            **self.spec.to_json(),
        }
