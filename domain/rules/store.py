"""Rows of ``rules`` and ``rule_executions``, and the reads both halves of the engine share."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import schema
from domain.db import Reads
from domain.rules.model import Rule, RuleSpec, RuleStatus
from domain.rules.planning import Recent

_r = schema.rules
_x = schema.rule_executions

# Executions that count against cooldown and the daily maximum: the ones that did,
# or will, do something.
COUNTED = ("awaiting_approval", "pending", "done")


@lru_cache(maxsize=250_000)
def _spec(definition: str) -> RuleSpec:
    """A stored document parsed once: the text fixes the spec, so the cache is never stale."""
    return RuleSpec.load(json.loads(definition))


@lru_cache(maxsize=250_000)
def _rule(
    rule_id: str,
    customer_id: str,
    definition: str,
    status: str,
    failures: int,
    template: str | None,
) -> Rule:
    return Rule(rule_id, customer_id, _spec(definition), RuleStatus(status), failures, template)


def rule_of(row: Any) -> Rule:
    """A row as a Rule; rules are frozen, so one unchanged row maps to one shared object."""
    return _rule(row.id, row.customer_id, row.definition, row.status, row.failures, row.template)


@dataclass(frozen=True, slots=True)
class Execution:
    id: str
    rule_id: str
    customer_id: str
    trigger_ref: str
    status: str
    amount: int | None
    plan: list[dict[str, Any]]
    summary: str
    rule_name: str
    reason: str | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    finished_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "trigger": self.trigger_ref,
            "status": self.status,
            "amount": {"minor": self.amount, "currency": "INR"} if self.amount else None,
            "steps": self.plan,
            "summary": self.summary,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def execution_of(row: Any) -> Execution:
    doc = json.loads(row.plan)
    return Execution(
        id=row.id,
        rule_id=row.rule_id,
        customer_id=row.customer_id,
        trigger_ref=row.trigger_ref,
        status=row.status,
        amount=row.amount,
        plan=doc.get("steps", []),
        summary=doc.get("summary", ""),
        rule_name=doc.get("name", ""),
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        finished_at=row.finished_at,
    )


def plan_doc(steps: Iterable[dict[str, Any]], summary: str, name: str) -> str:
    doc = {"steps": list(steps), "summary": summary, "name": name}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


async def zones(conn: Reads, customer_ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(customer_ids))
    if not ids:
        return {}
    u = schema.users
    rows = await conn.execute(select(u.c.id, u.c.timezone).where(u.c.id.in_(ids)))
    return {r.id: r.timezone for r in rows}


async def balances(conn: Reads, customer_ids: Iterable[str]) -> dict[str, dict[str, int]]:
    """Each customer's accounts' available balances (balance less holds)."""
    ids = sorted(set(customer_ids))
    out: dict[str, dict[str, int]] = {c: {} for c in ids}
    if not ids:
        return out
    a = schema.accounts
    rows = await conn.execute(
        select(a.c.id, a.c.customer_id, a.c.balance, a.c.held).where(a.c.customer_id.in_(ids))
    )
    for r in rows:
        out[r.customer_id][r.id] = r.balance - r.held
    return out


async def recent(
    conn: Reads,
    rule_ids: Iterable[str],
    now: datetime,
    zone_of: dict[str, str],
    *,
    long_cooldown: set[str] | frozenset[str] = frozenset(),
) -> dict[str, Recent]:
    """Per rule: the last counted execution and how many since local midnight.

    ``zone_of`` maps rule id to its customer's time zone; ``long_cooldown`` names
    the rules whose cooldown is longer than the day read, for which the last
    execution ever is looked up as well.
    """
    ids = sorted(set(rule_ids))
    if not ids:
        return {}
    # The earliest local midnight of any of the zones involved bounds the read.
    starts = {
        rid: now.astimezone(ZoneInfo(zone_of[rid])).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        for rid in ids
    }
    since = min(starts.values()) - timedelta(days=1)
    rows = await conn.execute(
        select(_x.c.rule_id, _x.c.created_at).where(
            and_(_x.c.rule_id.in_(ids), _x.c.status.in_(COUNTED), _x.c.created_at >= since)
        )
    )
    out: dict[str, Recent] = {}
    last: dict[str, datetime] = {}
    today: dict[str, int] = {}
    for r in rows:
        if r.rule_id not in last or r.created_at > last[r.rule_id]:
            last[r.rule_id] = r.created_at
        if r.created_at >= starts[r.rule_id]:
            today[r.rule_id] = today.get(r.rule_id, 0) + 1
    # Cooldowns may be longer than a day: the last ever counted one, for those without.
    missing = [rid for rid in ids if rid not in last and rid in long_cooldown]
    if missing:
        q = (
            select(_x.c.rule_id, func.max(_x.c.created_at).label("at"))
            .where(_x.c.rule_id.in_(missing), _x.c.status.in_(COUNTED))
            .group_by(_x.c.rule_id)
        )
        rows_max: Any = await conn.execute(q)
        for r in rows_max:
            if r.at is not None:
                last[r.rule_id] = r.at
    for rid in ids:
        out[rid] = Recent(last_at=last.get(rid), today=today.get(rid, 0))
    return out


async def warm(conn: Reads, page: int = 5000) -> int:
    """Parse every active rule into the cache, so the first events find them parsed."""
    seen, after = 0, ""
    while True:
        q = (
            select(
                _r.c.id,
                _r.c.customer_id,
                _r.c.definition,
                _r.c.status,
                _r.c.failures,
                _r.c.template,
            )
            .where(_r.c.status == RuleStatus.ACTIVE.value, _r.c.id > after)
            .order_by(_r.c.id)
            .limit(page)
        )
        rows = list(await conn.execute(q))
        for row in rows:
            rule_of(row)
        seen += len(rows)
        if len(rows) < page:
            return seen
        after = rows[-1].id


async def active_by_kind(
    conn: AsyncConnection | Reads,
    kinds: Iterable[str],
    customer_ids: Iterable[str],
    keys: Iterable[str] | None = None,
) -> list[Rule]:
    """The trigger index: active rules of these kinds for these customers.

    ``keys`` narrows to rules keyed on one of them (an account the events touched,
    an external event's name) or on nothing (any of the customer's accounts).
    """
    ids = sorted(set(customer_ids))
    if not ids:
        return []
    # Only what a Rule needs: no time columns to convert, per row, on the hot path.
    q = select(
        _r.c.id, _r.c.customer_id, _r.c.definition, _r.c.status, _r.c.failures, _r.c.template
    ).where(
        _r.c.trigger_kind.in_(sorted(set(kinds))),
        _r.c.customer_id.in_(ids),
        _r.c.status == RuleStatus.ACTIVE.value,
    )
    if keys is not None:
        q = q.where(or_(_r.c.trigger_key.is_(None), _r.c.trigger_key.in_(sorted(set(keys)))))
    return [rule_of(row) for row in await conn.execute(q)]
