"""Rows of ``rules`` and ``rule_executions``, and the reads both halves of the engine share."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, insert, select, update

from domain import schema
from domain.db import Reads, Writes
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
    created_at: datetime | None,
) -> Rule:
    spec = _spec(definition)
    return Rule(rule_id, customer_id, spec, RuleStatus(status), failures, template, created_at)


def rule_of(row: Any) -> Rule:
    """A row as a Rule; rules are frozen, so one unchanged row maps to one shared object."""
    return _rule(
        row.id,
        row.customer_id,
        row.definition,
        row.status,
        row.failures,
        row.template,
        row.created_at,
    )


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


_v = schema.rules_version


async def bump(conn: Writes) -> int:
    """The next rules version, taken in the caller's transaction (which it orders)."""
    got = (
        await conn.execute(
            update(_v).where(_v.c.id == 1).values(version=_v.c.version + 1).returning(_v.c.version)
        )
    ).scalar_one_or_none()
    if got is None:  # a database whose row was cleared (tests truncate tables)
        await conn.execute(insert(_v).values(id=1, version=1))
        return 1
    return int(got)


async def version(conn: Reads) -> int:
    got = (await conn.execute(select(_v.c.version).where(_v.c.id == 1))).scalar_one_or_none()
    return int(got or 0)


_RULE_COLUMNS = (
    _r.c.id,
    _r.c.customer_id,
    _r.c.definition,
    _r.c.status,
    _r.c.failures,
    _r.c.template,
    _r.c.created_at,
    _r.c.trigger_kind,
    _r.c.rev,
)


class TriggerIndex:
    """The active event-triggered rules by (trigger kind, customer), held in memory.

    ``refresh`` reads the rules version and, when it moved, only the rules changed
    since (``rev`` above the version held); the first refresh loads them all. Rule
    writes take the version row's lock, so versions follow commit order and no
    change is skipped.
    """

    def __init__(self, kinds: Iterable[str]) -> None:
        self.kinds = frozenset(kinds)
        self.held = -1
        self._by: dict[tuple[str, str], dict[str, Rule]] = {}
        self._where: dict[str, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._where)

    def rules(self, kind: str, customer_id: str) -> Iterable[Rule]:
        return self._by.get((kind, customer_id), {}).values()

    async def refresh(self, conn: Reads, page: int = 5000) -> None:
        now = await version(conn)
        if now == self.held:
            return
        since, top = self.held, now
        after = ""
        while True:
            q = select(*_RULE_COLUMNS).where(_r.c.id > after).order_by(_r.c.id).limit(page)
            if since < 0:
                q = q.where(_r.c.status == RuleStatus.ACTIVE.value)
            else:
                q = q.where(_r.c.rev > since)
            rows = list(await conn.execute(q))
            for row in rows:
                self._apply(row)
                top = max(top, int(row.rev))
            if len(rows) < page:
                break
            after = rows[-1].id
        self.held = top

    def _apply(self, row: Any) -> None:
        old = self._where.pop(row.id, None)
        if old is not None:
            self._by.get(old, {}).pop(row.id, None)
        if row.status == RuleStatus.ACTIVE.value and row.trigger_kind in self.kinds:
            key = (row.trigger_kind, row.customer_id)
            self._by.setdefault(key, {})[row.id] = rule_of(row)
            self._where[row.id] = key
