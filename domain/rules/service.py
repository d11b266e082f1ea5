"""Rules use cases behind both the REST API and the assistant: the rules themselves.

Creating or changing a rule parses and checks it whole (shape, the
customer's own accounts and payees, known symbols, no loops) before anything
is stored; a foreign rule id is answered like an unknown one. Running rules
is ``runner.RulesRunner``'s part.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from domain import schema
from domain.banking.model import AccountType
from domain.clock import Clock
from domain.db import Database, Reads, Writes
from domain.errors import InvalidInput, NotFound
from domain.ids import new_id
from domain.rules import store
from domain.rules.cron import next_slot
from domain.rules.describe import describe
from domain.rules.loops import refuse_loops
from domain.rules.model import (
    Action,
    ActionKind,
    Condition,
    Rule,
    RuleSpec,
    RuleStatus,
    TriggerKind,
)
from domain.rules.templates import TEMPLATES, Template, template

_r = schema.rules
_x = schema.rule_executions
_NOT_FOUND = NotFound("rule_not_found", "No such rule.")
_TYPES = {t.value for t in AccountType if t is not AccountType.SETTLEMENT}
MAX_RULES = 100


class Symbols:
    """What the rules need of trading at creation: is a symbol known."""

    def __init__(self, known: frozenset[str] | None = None) -> None:
        self.known = known

    def check(self, symbol: str) -> None:
        if self.known is not None and symbol not in self.known:
            raise InvalidInput("unknown_symbol", f"{symbol} is not an instrument Swayam trades.")


class RulesService:
    def __init__(self, db: Database, clock: Clock, *, symbols: Symbols | None = None) -> None:
        self._db = db
        self._clock = clock
        self._symbols = symbols or Symbols()

    # -- reading --------------------------------------------------------------------

    async def rules(self, customer_id: str, *, include_deleted: bool = False) -> list[Rule]:
        q = select(_r).where(_r.c.customer_id == customer_id)
        if not include_deleted:
            q = q.where(_r.c.status != RuleStatus.DELETED.value)
        async with self._db.lookup() as conn:
            return [
                store.rule_of(r) for r in await conn.execute(q.order_by(_r.c.created_at, _r.c.id))
            ]

    async def rule(self, customer_id: str, rule_id: str) -> Rule:
        async with self._db.lookup() as conn:
            row = (await conn.execute(select(_r).where(_r.c.id == rule_id))).first()
        if row is None or row.customer_id != customer_id or row.status == RuleStatus.DELETED.value:
            raise _NOT_FOUND
        return store.rule_of(row)

    async def names(self, customer_id: str) -> dict[str, str]:
        """Account, payee and rule names by id, for describing rules in words."""
        a, p = schema.accounts, schema.payees
        async with self._db.lookup() as conn:
            out = {
                r.id: f"{r.name}"
                for r in await conn.execute(
                    select(a.c.id, a.c.name).where(a.c.customer_id == customer_id)
                )
            }
            out |= {
                r.id: r.nickname or r.name
                for r in await conn.execute(
                    select(p.c.id, p.c.name, p.c.nickname).where(p.c.customer_id == customer_id)
                )
            }
            out |= {
                r.id: r.name
                for r in await conn.execute(
                    select(_r.c.id, _r.c.name).where(_r.c.customer_id == customer_id)
                )
            }
        return out

    async def describe(self, customer_id: str, spec: RuleSpec) -> str:
        return describe(spec, await self.names(customer_id))

    # -- templates ----------------------------------------------------------------------

    def templates(self) -> list[Template]:
        return list(TEMPLATES.values())

    async def from_template(
        self, customer_id: str, template_id: str, params: dict[str, Any] | None = None
    ) -> Rule:
        found = template(template_id)
        return await self.create(customer_id, found.render(params), template=found.id)

    # -- changing -----------------------------------------------------------------------

    async def prepare(
        self, customer_id: str, doc: object, *, rule_id: str | None = None
    ) -> RuleSpec:
        """Parse and check a rule document as the customer's, without storing it."""
        spec = RuleSpec.from_json(doc)
        async with self._db.lookup() as conn:
            spec = await self._resolve(conn, customer_id, spec)
            others = {
                r.id: r.spec
                for r in await self._customer_rules(conn, customer_id)
                if r.id != rule_id
            }
        refuse_loops(rule_id or "new", spec, others)
        return spec

    async def create(self, customer_id: str, doc: object, *, template: str | None = None) -> Rule:
        rule_id = new_id("rul")
        spec = await self.prepare(customer_id, doc, rule_id=rule_id)
        now = self._clock.now()
        async with self._db.writing() as conn:
            rev = await store.bump(conn)  # first: it orders this change among rule changes
            count = len(await self._customer_rules(conn, customer_id))
            if count >= MAX_RULES:
                raise InvalidInput(
                    "too_many_rules", f"A customer may have at most {MAX_RULES} rules."
                )
            await conn.execute(
                insert(_r).values(
                    id=rule_id,
                    customer_id=customer_id,
                    name=spec.name,
                    status=RuleStatus.ACTIVE.value,
                    template=template,
                    rev=rev,
                    created_at=now,
                    updated_at=now,
                    **await self._indexed(conn, customer_id, spec, now),
                )
            )
        return Rule(
            rule_id, customer_id, spec, RuleStatus.ACTIVE, template=template, created_at=now
        )

    async def update(self, customer_id: str, rule_id: str, doc: object) -> Rule:
        """Replace a rule's document; its status and history stay."""
        current = await self.rule(customer_id, rule_id)
        spec = await self.prepare(customer_id, doc, rule_id=rule_id)
        now = self._clock.now()
        async with self._db.writing() as conn:
            rev = await store.bump(conn)
            await conn.execute(
                update(_r)
                .where(_r.c.id == rule_id)
                .values(
                    rev=rev,
                    name=spec.name,
                    updated_at=now,
                    armed=False,
                    **await self._indexed(conn, customer_id, spec, now),
                )
            )
        return replace(current, spec=spec)

    async def set_amount(self, customer_id: str, rule_id: str, amount: int) -> Rule:
        """Change the amount of a rule's money actions (chat's "make it 8000")."""
        current = await self.rule(customer_id, rule_id)
        money = [
            a for a in current.spec.actions if a.kind in (ActionKind.TRANSFER, ActionKind.INVEST)
        ]
        if not money:
            raise InvalidInput(
                "no_amount", "That rule moves no money, so it has no amount to change."
            )
        actions = [
            replace(a, amount=amount, percent=None, top_up_to=None, sweep_above=None)
            if a in money
            else a
            for a in current.spec.actions
        ]
        doc = {**current.spec.to_json(), "actions": [a.to_json() for a in actions]}
        return await self.update(customer_id, rule_id, doc)

    async def set_percent(self, customer_id: str, rule_id: str, percent: float) -> Rule:
        current = await self.rule(customer_id, rule_id)
        actions = [
            replace(a, percent=percent, amount=None) if a.percent is not None else a
            for a in current.spec.actions
        ]
        if actions == list(current.spec.actions):
            raise InvalidInput("no_percent", "That rule takes no percentage to change.")
        doc = {**current.spec.to_json(), "actions": [a.to_json() for a in actions]}
        return await self.update(customer_id, rule_id, doc)

    async def pause(self, customer_id: str, rule_id: str) -> Rule:
        return await self._set_status(customer_id, rule_id, RuleStatus.PAUSED)

    async def resume(self, customer_id: str, rule_id: str) -> Rule:
        current = await self.rule(customer_id, rule_id)
        # Rules it would now close a loop with may have been made while it was paused.
        async with self._db.lookup() as conn:
            others = {
                r.id: r.spec
                for r in await self._customer_rules(conn, customer_id)
                if r.id != rule_id
            }
        refuse_loops(rule_id, current.spec, others)
        return await self._set_status(customer_id, rule_id, RuleStatus.ACTIVE)

    async def delete(self, customer_id: str, rule_id: str) -> None:
        """Stop a rule for good; its history stays. Rules that run it are refused later."""
        await self._set_status(customer_id, rule_id, RuleStatus.DELETED)

    async def _set_status(self, customer_id: str, rule_id: str, status: RuleStatus) -> Rule:
        current = await self.rule(customer_id, rule_id)
        now = self._clock.now()
        values: dict[str, Any] = {"status": status.value, "updated_at": now}
        if status is RuleStatus.ACTIVE:
            values["failures"] = 0
            values["armed"] = False
            if current.spec.trigger.kind is TriggerKind.TIME_BASED:
                # Resuming starts from now: slots missed while paused are not caught up.
                async with self._db.lookup() as conn:
                    zone = (await store.zones(conn, [customer_id]))[customer_id]
                values["next_due"] = _next_due(current.spec, now, zone)
        async with self._db.writing() as conn:
            values["rev"] = await store.bump(conn)
            await conn.execute(update(_r).where(_r.c.id == rule_id).values(**values))
            if status is not RuleStatus.ACTIVE:
                # What waited for approval will not run now.
                await conn.execute(
                    update(_x)
                    .where(_x.c.rule_id == rule_id, _x.c.status == "awaiting_approval")
                    .values(
                        status="rejected",
                        reason=f"The rule was {status.value}.",
                        updated_at=now,
                        finished_at=now,
                    )
                )
        return replace(
            current, status=status, failures=0 if status is RuleStatus.ACTIVE else current.failures
        )

    # -- history --------------------------------------------------------------------------

    async def executions(
        self,
        customer_id: str,
        *,
        rule_id: str | None = None,
        since: datetime | None = None,
        status: str | None = None,
        limit: int = 100,
    ) -> list[store.Execution]:
        q = select(_x).where(_x.c.customer_id == customer_id)
        if rule_id is not None:
            q = q.where(_x.c.rule_id == rule_id)
        if since is not None:
            q = q.where(_x.c.created_at >= since)
        if status is not None:
            q = q.where(_x.c.status == status)
        q = q.order_by(_x.c.created_at.desc(), _x.c.id.desc()).limit(max(1, min(limit, 500)))
        async with self._db.lookup() as conn:
            return [store.execution_of(r) for r in await conn.execute(q)]

    async def execution(self, customer_id: str, execution_id: str) -> store.Execution:
        async with self._db.lookup() as conn:
            row = (await conn.execute(select(_x).where(_x.c.id == execution_id))).first()
        if row is None or row.customer_id != customer_id:
            raise NotFound("execution_not_found", "No such rule execution.")
        return store.execution_of(row)

    # -- helpers ----------------------------------------------------------------------------

    async def _customer_rules(self, conn: Reads | Writes, customer_id: str) -> list[Rule]:
        q = select(_r).where(
            _r.c.customer_id == customer_id, _r.c.status != RuleStatus.DELETED.value
        )
        return [store.rule_of(r) for r in await conn.execute(q)]

    async def _indexed(
        self, conn: Writes, customer_id: str, spec: RuleSpec, now: datetime
    ) -> dict[str, Any]:
        zone = (await store.zones(conn, [customer_id])).get(customer_id, "Asia/Kolkata")
        return {
            "trigger_kind": spec.trigger.kind.value,
            "trigger_key": spec.trigger.key,
            "definition": json.dumps(spec.to_json(), separators=(",", ":"), ensure_ascii=False),
            "next_due": _next_due(spec, now, zone),
        }

    async def _resolve(self, conn: Reads, customer_id: str, spec: RuleSpec) -> RuleSpec:
        """Account types to the customer's accounts; every id checked as the customer's."""
        a, p = schema.accounts, schema.payees
        accounts = list(
            await conn.execute(
                select(a.c.id, a.c.type)
                .where(a.c.customer_id == customer_id)
                .order_by(a.c.created_at, a.c.id)
            )
        )
        by_type: dict[str, str] = {}
        for row in accounts:
            by_type.setdefault(row.type, row.id)
        owned = {row.id for row in accounts}

        def account(ref: str | None) -> str | None:
            if ref is None:
                return None
            if ref in owned:
                return ref
            key = ref.lower().replace(" ", "_")
            key = {"fd": "fixed_deposit", "deposit": "fixed_deposit"}.get(key, key)
            if key in _TYPES:
                if key not in by_type:
                    raise InvalidInput(
                        "account_not_found", f"You have no {key.replace('_', ' ')} account."
                    )
                return by_type[key]
            raise InvalidInput("account_not_found", "A rule names an account that is not yours.")

        payees = {
            r.id
            for r in await conn.execute(
                select(p.c.id).where(p.c.customer_id == customer_id, p.c.deleted_at.is_(None))
            )
        }
        rules = {r.id for r in await self._customer_rules(conn, customer_id)}

        trigger = replace(spec.trigger, account_id=account(spec.trigger.account_id))
        if trigger.symbol is not None:
            self._symbols.check(trigger.symbol)
        conditions = tuple(
            replace(c, account_id=account(c.account_id) or "") for c in spec.conditions
        )
        actions: list[Action] = []
        for act in spec.actions:
            act = replace(
                act,
                from_account_id=account(act.from_account_id),
                to_account_id=account(act.to_account_id),
            )
            if act.payee_id is not None and act.payee_id not in payees:
                raise InvalidInput("payee_not_found", "A rule names a payee you have not saved.")
            if act.symbol is not None:
                self._symbols.check(act.symbol)
            if act.kind is ActionKind.EXECUTE_RULE and act.rule_id not in rules:
                raise InvalidInput("rule_not_found", "A rule runs a rule that is not yours.")
            if act.kind is ActionKind.TRANSFER and act.from_account_id == act.to_account_id:
                raise InvalidInput(
                    "invalid_rule",
                    "A transfer action cannot move money to the account it takes it from.",
                )
            actions.append(act)
        return replace(spec, trigger=trigger, conditions=conditions, actions=tuple(actions))


def _next_due(spec: RuleSpec, now: datetime, zone: str) -> datetime | None:
    if spec.trigger.kind is not TriggerKind.TIME_BASED or spec.trigger.schedule is None:
        return None
    return next_slot(spec.trigger.schedule, now, zone)


__all__ = ["Condition", "RulesService", "Symbols"]
