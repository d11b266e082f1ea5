"""Rules in chat: create from a sentence, list, manage, and what they did.

    create_rule ──► trigger? ──► action? ──► restate in words ──► confirm ──► rule on
       (what is missing is asked; the answer is read with the first sentence)
                                                    │
                                                    └─► "no": nothing stored

    manage_rule ──► which rule? ──► pause / resume at once,
                                    delete / new amount ──► confirm ──► done
    list_rules  ──► the rules, or ("what did my rules do this week") their runs

Nothing is stored before the customer says yes, and the rule is checked by
the rules service (accounts, loops) before the question is asked. Approve /
Reject buttons on a rule run arrive as ``/rule_approve:<id>`` payloads.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.context import Turn
from bot.flows import rule_words
from bot.flows.common import yes_no
from bot.formatting import rupees
from bot.replies import Reply
from bot.state import CONFIRM, Task
from bot.understanding import Understanding
from domain.errors import DomainError
from domain.ids import new_id
from domain.rules.model import ActionKind, Rule, RuleStatus
from domain.rules.runner import RulesRunner
from domain.rules.service import RulesService

CREATE = "create_rule"
LIST = "list_rules"
MANAGE = "manage_rule"
APPROVAL = "rule_approval"
INTENTS = {CREATE, LIST, MANAGE}
TASKS = {CREATE, MANAGE}

_HISTORY = re.compile(r"\b(did|done|ran|run|fired|happen\w*|history|executions?|activity)\b", re.I)
_PAUSE = re.compile(r"\b(pause|stop|disable|suspend|turn off|switch off|hold)\b", re.I)
_RESUME = re.compile(r"\b(resume|restart|unpause|enable|turn on|switch on|reactivate)\b", re.I)
_DELETE = re.compile(r"\b(delete|remove|cancel|get rid of|drop)\b", re.I)
_CHANGE = re.compile(r"\b(change|make|set|update|increase|decrease|raise|lower)\b", re.I)
_NUMBERED = re.compile(r"\brule\s*(?:no\.?|number|#)?\s*(\d{1,2})\b", re.I)
_ASK = {
    "trigger": "When should it run? For example “every month on the 1st”, “when my salary comes "
    "in” or “if savings drop below 10k”.",
    "action": "And what should it do then? For example “move 5000 to my FD” or “invest 20% in "
    "NIFTYBEES”.",
}
_STATUS = {"done": "✅", "failed": "❌", "skipped": "⏭️", "awaiting_approval": "⏳",
           "pending": "…", "rejected": "🚫", "expired": "⌛"}  # fmt: skip


_CONDITIONAL = re.compile(
    r"^\s*(when|whenever|if|every|each|on the|once|as soon as)\b|"
    r"\b(every time|whenever|each time|every month|every week)\b",
    re.IGNORECASE,
)
_ABOUT_RULE = re.compile(r"\brules?\b", re.IGNORECASE)


def recognise(u: Understanding) -> Understanding:
    """Wording that is unmistakably a rule, whatever the classifier thought.

    "when current goes above 50000 move 1000 to savings" reads to the classifier
    like a transfer; a whole trigger and action make it a rule instead (which is
    still only stored after a yes). "pause my salary rule" is managing one.
    """
    if u.payload is not None or u.intent in ("price_alert", CREATE, LIST, MANAGE):
        return u
    text = u.text or ""
    if _ABOUT_RULE.search(text) and (
        _PAUSE.search(text) or _RESUME.search(text) or _DELETE.search(text)
    ):
        return replace(u, intent=MANAGE, confidence=1.0, confident=True)
    symbol = u.one("symbol")
    if (
        _CONDITIONAL.search(text)
        and rule_words.parse(text, str(symbol) if symbol else None).missing is None
    ):
        return replace(u, intent=CREATE, confidence=1.0, confident=True)
    return u


def _rules(turn: Turn) -> RulesService:
    assert turn.services.rules is not None, "rules are not wired"
    return turn.services.rules


def _runner(turn: Turn) -> RulesRunner:
    assert turn.services.rule_runner is not None, "rules are not wired"
    return turn.services.rule_runner


def _symbol(turn: Turn, u: Understanding) -> str | None:
    symbol = u.one("symbol")
    return str(symbol) if symbol else None


# -- create ---------------------------------------------------------------------------


async def start(turn: Turn, u: Understanding) -> list[Reply]:
    if u.intent == LIST:
        return await list_or_history(turn, u)
    if u.intent == MANAGE:
        return await manage(turn, u)
    task = Task(id=new_id("tsk"), intent=CREATE, slots={"text": u.text, "symbol": _symbol(turn, u)})
    turn.begin(task)
    return await step(turn, task)


def fills(task: Task, u: Understanding) -> bool:
    """While a detail is asked, any short answer is read with the first sentence."""
    return task.intent == CREATE and task.awaiting in _ASK and 0 < len(u.text) <= 300


async def absorb(turn: Turn, task: Task, u: Understanding) -> list[Reply]:
    task.slots["text"] = f"{task.slots['text']}, {u.text}"
    task.slots["symbol"] = task.slots.get("symbol") or _symbol(turn, u)
    task.reprompts = 0
    return await step(turn, task)


async def step(turn: Turn, task: Task) -> list[Reply]:
    """Ask for what is missing, then restate the rule and ask to turn it on."""
    if task.intent == MANAGE:
        return await _confirm_manage(turn, task)
    parsed = rule_words.parse(task.slots["text"], task.slots.get("symbol"))
    if parsed.missing is not None:
        task.awaiting = parsed.missing
        return [Reply(_ASK[parsed.missing])]
    doc = parsed.doc()
    try:
        spec = await _rules(turn).prepare(turn.customer.id, doc)
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I can't set that rule up: {err.message}")]
    task.slots["doc"] = doc
    task.awaiting = CONFIRM
    words = await _rules(turn).describe(turn.customer.id, spec)
    return [
        Reply(
            f"Here's the rule as I understand it:\n{words}\nShall I turn it on?",
            buttons=yes_no(task),
        )
    ]


async def execute(turn: Turn, task: Task) -> list[Reply]:
    if task.intent == MANAGE:
        return await _do_manage(turn, task)
    try:
        rule = await _rules(turn).create(turn.customer.id, task.slots["doc"])
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I couldn't create that rule. {err.message}")]
    turn.end_task("completed")
    extra = " I'll ask you before each run." if rule.spec.needs_approval() else ""
    return [Reply(f"Done — “{rule.spec.name}” is on.{extra}", quick_replies=("Show my rules",))]


# -- list and history -------------------------------------------------------------------


async def list_or_history(turn: Turn, u: Understanding) -> list[Reply]:
    if _HISTORY.search(u.text) or u.one("date_range"):
        return await history(turn, u)
    rules = await _rules(turn).rules(turn.customer.id)
    if not rules:
        return [Reply("You have no rules yet. Try “on the 1st of every month move 5000 to my FD”.")]
    lines = []
    for i, rule in enumerate(rules, 1):
        words = await _rules(turn).describe(turn.customer.id, rule.spec)
        state = "" if rule.status is RuleStatus.ACTIVE else f" ({rule.status.value})"
        lines.append(f"{i}. {rule.spec.name}{state}: {words}")
    return [
        Reply(
            "Your rules:\n" + "\n".join(lines), quick_replies=("What did my rules do this week?",)
        )
    ]


def _since(turn: Turn, u: Understanding) -> datetime:
    span = u.one("date_range")
    if isinstance(span, dict) and span.get("start"):
        from datetime import date

        start = date.fromisoformat(str(span["start"]))
        return turn.day_bounds(start, start)[0]
    today = turn.today()
    monday = today - timedelta(days=today.weekday())
    return turn.day_bounds(monday, monday)[0]


async def history(turn: Turn, u: Understanding) -> list[Reply]:
    since = _since(turn, u)
    runs = await _rules(turn).executions(turn.customer.id, since=since, limit=50)
    if not runs:
        return [
            Reply(
                "Your rules haven't run since "
                + since.astimezone(turn.zone).strftime("%a %d %b")
                + "."
            )
        ]
    lines = []
    for x in runs[:15]:
        when = x.created_at.astimezone(turn.zone).strftime("%a %d %b %H:%M")
        note = f" — {x.reason}" if x.reason and x.status != "done" else ""
        what = x.summary.removeprefix("“").split("”", 1)[0] if x.status == "skipped" else x.summary
        lines.append(f"{_STATUS.get(x.status, '')} {when}: {what}{note}")
    done = sum(x.status == "done" for x in runs)
    moved = sum(x.amount or 0 for x in runs if x.status == "done")
    times = f"{done} time{'s' if done != 1 else ''}"
    head = f"Since {since.astimezone(turn.zone):%a %d %b}, your rules ran {times}"
    head += f" and moved {rupees(moved)}." if moved else "."
    return [Reply(head + "\n" + "\n".join(lines))]


# -- manage -------------------------------------------------------------------------------


def _pick(rules: list[Rule], u: Understanding, names: dict[str, str]) -> Rule | list[Rule] | None:
    numbered = _NUMBERED.search(u.text)
    if numbered and 1 <= int(numbered[1]) <= len(rules):
        return rules[int(numbered[1]) - 1]
    if len(rules) == 1:
        return rules[0]
    words = [w for w in re.findall(r"[a-z0-9]+", u.text.lower()) if len(w) > 2]
    hints = {
        str(v).lower() for k in ("account", "category", "symbol") for v in u.entities.get(k, [])
    }
    scored = []
    for rule in rules:
        doc = str(rule.spec.to_json()).lower() + " " + rule.spec.name.lower()
        doc += " " + " ".join(names.get(x, "").lower() for x in rule.spec.accounts())
        score = sum(h in doc for h in hints) * 3 + sum(w in rule.spec.name.lower() for w in words)
        if "fixed_deposit" in hints and "fixed_deposit" in doc:
            score += 2
        scored.append((score, rule))
    best = max(s for s, _ in scored)
    top = [r for s, r in scored if s == best]
    if best == 0:
        return None
    return top[0] if len(top) == 1 else top


async def manage(turn: Turn, u: Understanding) -> list[Reply]:
    rules = await _rules(turn).rules(turn.customer.id)
    if not rules:
        return [Reply("You have no rules to change yet.")]
    names = await _rules(turn).names(turn.customer.id)
    picked = _pick(rules, u, names)
    if not isinstance(picked, Rule):
        options = picked if isinstance(picked, list) else rules
        listing = "\n".join(f"{rules.index(r) + 1}. {r.spec.name}" for r in options)
        return [Reply(f"Which rule? Say “rule 2”, for example.\n{listing}")]
    if _RESUME.search(u.text):
        try:
            rule = await _rules(turn).resume(turn.customer.id, picked.id)
        except DomainError as err:
            return [Reply(f"I couldn't resume it. {err.message}")]
        return [Reply(f"“{rule.spec.name}” is on again.")]
    if _PAUSE.search(u.text) and not _DELETE.search(u.text):
        rule = await _rules(turn).pause(turn.customer.id, picked.id)
        return [
            Reply(f"Paused “{rule.spec.name}”. Say “resume {rule.spec.name}” to turn it back on.")
        ]
    task = Task(
        id=new_id("tsk"), intent=MANAGE, slots={"rule_id": picked.id, "name": picked.spec.name}
    )
    if _DELETE.search(u.text):
        task.slots["op"] = "delete"
    elif _CHANGE.search(u.text):
        money = rule_words.amounts(u.text)
        pct = rule_words._PCT.search(u.text)
        if pct:
            task.slots |= {"op": "percent", "value": float(pct[1])}
        elif money:
            task.slots |= {"op": "amount", "value": money[0]}
        else:
            return [Reply(f"What should the new amount for “{picked.spec.name}” be?")]
    else:
        return [
            Reply(
                "Do you want to pause, resume, delete or change the amount of "
                f"“{picked.spec.name}”?"
            )
        ]
    turn.begin(task)
    return await _confirm_manage(turn, task)


async def _confirm_manage(turn: Turn, task: Task) -> list[Reply]:
    s = task.slots
    task.awaiting = CONFIRM
    if s["op"] == "delete":
        text = f"Delete “{s['name']}”? Its history stays."
    elif s["op"] == "percent":
        text = f"Change “{s['name']}” to {s['value']:g}%?"
    else:
        text = f"Change “{s['name']}” to {rupees(s['value'])}?"
    return [Reply(text, buttons=yes_no(task))]


async def _do_manage(turn: Turn, task: Task) -> list[Reply]:
    s = task.slots
    service = _rules(turn)
    try:
        if s["op"] == "delete":
            await service.delete(turn.customer.id, s["rule_id"])
            turn.end_task("completed")
            return [Reply(f"Deleted “{s['name']}”.")]
        if s["op"] == "percent":
            rule = await service.set_percent(turn.customer.id, s["rule_id"], s["value"])
        else:
            rule = await service.set_amount(turn.customer.id, s["rule_id"], int(s["value"]))
    except DomainError as err:
        turn.end_task("failed")
        return [Reply(f"I couldn't change it. {err.message}")]
    turn.end_task("completed")
    words = await service.describe(turn.customer.id, rule.spec)
    return [Reply(f"Changed. Now: {words}")]


def corrects(task: Task, u: Understanding) -> bool:
    """ "No, make it 8000" while confirming a new amount."""
    return (
        task.intent == MANAGE
        and task.slots.get("op") == "amount"
        and bool(rule_words.amounts(u.text))
    )


async def correct(turn: Turn, task: Task, u: Understanding) -> list[Reply]:
    task.slots["value"] = rule_words.amounts(u.text)[0]
    return await _confirm_manage(turn, task)


# -- approvals ----------------------------------------------------------------------------


async def decide(turn: Turn, payload: str) -> list[Reply]:
    """An Approve or Reject button on a rule run."""
    op, _, execution_id = payload.removeprefix("/").partition(":")
    runner = _runner(turn)
    try:
        if op == "rule_approve":
            x = await runner.approve(turn.customer.id, execution_id)
        else:
            x = await runner.reject(turn.customer.id, execution_id)
    except DomainError as err:
        return [Reply(err.message)]
    if x.status == "done":
        return [Reply(f"Approved and done: {x.summary.removeprefix('“')}")]
    if x.status == "failed":
        return [Reply(f"Approved, but it didn't go through: {x.reason}")]
    return [Reply("Rejected. The rule didn't run this time; it stays on for next time.")]


def money_actions(rule: Rule) -> bool:
    return any(a.kind in (ActionKind.TRANSFER, ActionKind.INVEST) for a in rule.spec.actions)


__all__: list[Any] = ["APPROVAL", "INTENTS", "TASKS", "decide", "start"]
