"""Refusing rules that chain into loops, at creation.

A rule can set off another when its action makes an event the other's
trigger matches: ``execute_rule`` always does, and a transfer makes a debit on
its source and (between own accounts) a credit on its destination. The
rules and these "can set off" edges form a graph; a new or changed rule is
refused when it closes a cycle, including one through itself (a rule on
credits to savings that moves money into savings). Amount filters are
ignored on purpose: a loop that only some amounts would close is still a loop.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.errors import InvalidInput
from domain.rules.matching import Movement, transaction_matches
from domain.rules.model import ActionKind, RuleSpec, TriggerKind


def _effects(spec: RuleSpec) -> list[Movement]:
    """What the rule's transfers do to the customer's accounts, in the shape triggers read."""
    out: list[Movement] = []
    for a in spec.actions:
        if a.kind is not ActionKind.TRANSFER or a.from_account_id is None:
            continue
        out.append(Movement(a.from_account_id, "debit", 0, None, None, None, None))
        if a.to_account_id is not None:
            out.append(Movement(a.to_account_id, "credit", 0, None, None, None, None))
    return out


def _sets_off(spec: RuleSpec, other: RuleSpec) -> bool:
    t = other.trigger
    for m in _effects(spec):
        if t.kind is TriggerKind.TRANSACTION:
            # Ignore the amount range; the counterparty/category/merchant of a rule's own
            # transfer are unknown, so any such filter rules it out.
            if t.counterparty or t.category or t.merchant:
                continue
            loose = Movement(m.account_id, m.direction, t.min_amount or 0, None, None, None, None)
            if transaction_matches(t, loose):
                return True
        # A debit can carry a balance below its threshold, a credit above.
        same = t.kind is TriggerKind.BALANCE and t.account_id == m.account_id
        if same and (m.direction == "debit") == (t.crosses == "below"):
            return True
    return False


def find_loop(rule_id: str, spec: RuleSpec, others: Mapping[str, RuleSpec]) -> list[str] | None:
    """A cycle through ``rule_id`` once it holds ``spec``, as the ids along it; or None."""
    rules = {**others, rule_id: spec}

    def edges(rid: str) -> list[str]:
        s = rules[rid]
        out = [
            a.rule_id for a in s.actions if a.kind is ActionKind.EXECUTE_RULE and a.rule_id in rules
        ]
        out += [oid for oid, o in rules.items() if _sets_off(s, o)]
        return [x for x in out if x is not None]

    # Depth-first from the rule, looking for a way back to it.
    stack: list[tuple[str, list[str]]] = [(rule_id, [rule_id])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges(node):
            if nxt == rule_id:
                return [*path, rule_id]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def refuse_loops(rule_id: str, spec: RuleSpec, others: Mapping[str, RuleSpec]) -> None:
    cycle = find_loop(rule_id, spec, others)
    if cycle is None:
        return
    if len(cycle) == 2:
        raise InvalidInput(
            "rule_loop",
            "This rule would set itself off again: its action makes the very kind of "
            "transaction its trigger watches for.",
        )
    names = " → ".join(others[r].name if r in others else spec.name for r in cycle)
    raise InvalidInput("rule_loop", f"These rules would set each other off in a loop: {names}.")
