"""Running rules: deciding in the dispatcher's transaction, then carrying out.

Exactly once per (rule, trigger)::

    event / slot / price crossing
        │  stage(): read the rules the trigger index gives, plan each firing
        ▼
    rule_executions row, unique (rule_id, trigger_ref),      ◄── committed with the
    status pending | awaiting_approval | skipped                 outbox mark (one txn)
        │  after(): carry out through the money engine / trading,
        │           idempotency key "rule:<execution id>:<step>"
        ▼
    done | failed  (+ rule.executed / rule.failed event, audit entry, same txn)

A crash after the commit and before ``after`` leaves the row ``pending``; the
sweeper (at start and every ``sweep_s``) carries it out, and the keys make a
repeat of a step that did run harmless. A redelivered event is skipped by
``claim`` and, behind it, by the unique index. A failure is final (no retry
loop); ``PAUSE_AFTER`` failures in a row pause the rule, with a notification.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from domain import schema
from domain.banking.service import BankingService
from domain.clock import Clock
from domain.db import Database, Reads, Writes
from domain.errors import Conflict, DomainError, Rejected
from domain.events import model as ev
from domain.events import outbox
from domain.events.consumers import Stage, StageRaced, claim, handle_staged
from domain.events.model import Event
from domain.ids import new_id
from domain.ledger import events as ledger_events
from domain.ledger import store as ledger
from domain.money import Money, format_minor
from domain.rules import store
from domain.rules.cron import next_slot
from domain.rules.describe import action_words
from domain.rules.matching import (
    MONEY_EVENTS,
    external_matches,
    fires_on,
    market_true,
    movements,
    value_true,
)
from domain.rules.model import ActionKind, Rule, RuleStatus, TriggerKind
from domain.rules.planning import Facts, Recent, Skip, Step, check_safety, money_of, plan
from domain.trading.orders import OrderRequest, OrderType, Side
from domain.trading.service import TradingService

log = logging.getLogger(__name__)

_r = schema.rules
_x = schema.rule_executions
PAUSE_AFTER = 3
_EVENT_KINDS = (TriggerKind.TRANSACTION.value, TriggerKind.BALANCE.value)


@dataclass(frozen=True, slots=True)
class Approval:
    """An execution waiting for the customer's yes or no, for the chat push."""

    execution_id: str
    customer_id: str
    rule_name: str
    summary: str
    expires_at: datetime


ApprovalHook = Callable[[Approval], Awaitable[None]]


@dataclass(slots=True)
class _Planned:
    rule: Rule
    trigger_ref: str
    status: str
    steps: list[Step] = field(default_factory=list)
    reason: str | None = None
    summary: str = ""
    id: str = field(default_factory=lambda: new_id("rex"))
    expires_at: datetime | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule.id,
            "customer_id": self.rule.customer_id,
            "trigger_ref": self.trigger_ref,
            "status": self.status,
            "amount": money_of(self.steps),
            "plan": store.plan_doc(
                (s.to_json() for s in self.steps), self.summary, self.rule.spec.name
            ),
            "reason": self.reason,
            "created_at": now,
            "updated_at": now,
            "expires_at": self.expires_at,
        }


class RulesRunner:
    name = "rules"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        banking: BankingService,
        trading: TradingService | None = None,
        *,
        sweep_after_s: float = 30.0,
    ) -> None:
        self._db = db
        self._clock = clock
        self._banking = banking
        self._trading = trading
        self._stale = timedelta(seconds=sweep_after_s)
        self.approval_hooks: list[ApprovalHook] = []
        # The event-triggered rules, in memory, caught up with the rules version each batch.
        self.index = store.TriggerIndex((*_EVENT_KINDS, TriggerKind.EXTERNAL_EVENT.value))
        # Executions being carried out in this process: the sweeper leaves them be.
        self._busy: set[str] = set()
        self._due_checked: datetime | None = None

    # -- the event consumer ------------------------------------------------------------

    async def handle(self, events: Sequence[Event]) -> None:
        await handle_staged(self._db, self, events)

    async def stage(self, events: Sequence[Event]) -> Stage:
        now = self._clock.now()
        planned = await self.evaluate(events, now)
        written: list[_Planned] = []

        async def write(conn: Writes) -> None:
            written.clear()
            fresh = {e.id for e in await claim(conn, self.name, events, now)}
            written.extend(p for p in planned if p.trigger_ref in fresh)
            if written:
                await conn.execute(insert(_x), [p.row(now) for p in written])

        async def after() -> None:
            await self._follow_up(written, now)

        return Stage(write, after)

    async def evaluate(self, events: Sequence[Event], now: datetime) -> list[_Planned]:
        """Which rules the events fire and what each would do, from reads only."""
        relevant = [
            e
            for e in events
            if e.customer_id and (e.type in MONEY_EVENTS or e.type.startswith("external."))
        ]
        if not relevant:
            return []
        kinds: set[str] = set()
        if any(e.type in MONEY_EVENTS for e in relevant):
            kinds.update(_EVENT_KINDS)
        if any(e.type.startswith("external.") for e in relevant):
            kinds.add(TriggerKind.EXTERNAL_EVENT.value)
        async with self._db.reading() as conn:
            await self.index.refresh(conn)
            fired: list[tuple[Rule, Event, int | None]] = []
            for e in relevant:
                moved = movements(e)
                # A rule acts on what happens after it was made, not on an older
                # event the dispatcher reaches only now.
                candidates = [
                    rule
                    for kind in kinds
                    for rule in self.index.rules(kind, e.customer_id or "")
                    if rule.created_at is None or e.occurred_at >= rule.created_at
                ]
                for rule in candidates:
                    if rule.spec.trigger.kind is TriggerKind.EXTERNAL_EVENT:
                        if external_matches(rule.spec.trigger, e):
                            amount = e.data.get("amount")
                            fired.append((rule, e, amount if isinstance(amount, int) else None))
                    else:
                        m = fires_on(rule.spec.trigger, e, moved)
                        if m is not None:
                            fired.append((rule, e, m.amount))
            if not fired:
                return []
            return await self._plan_all(
                conn, [(r, e.id, amount, _event_words(e)) for r, e, amount in fired], now
            )

    async def _plan_all(
        self,
        conn: Reads,
        fired: list[tuple[Rule, str, int | None, str]],
        now: datetime,
    ) -> list[_Planned]:
        customers = {r.customer_id for r, *_ in fired}
        balances = await store.balances(conn, customers)
        rules = {r.id: r for r, *_ in fired}
        # History and time zones are read only for the rules whose safety settings use them.
        limited = {rid: r for rid, r in rules.items() if _limited(r)}
        zoned = {r.customer_id for r in rules.values() if _zoned(r) or _limited(r)}
        zones = await store.zones(conn, zoned)
        recent = await store.recent(
            conn,
            limited,
            now,
            {rid: zones[r.customer_id] for rid, r in limited.items()},
            long_cooldown={rid for rid, r in limited.items() if r.spec.safety.cooldown_s > 86400},
        )
        active = await self._lookup_targets(conn, fired)
        out: list[_Planned] = []
        for rule, ref, amount, words in fired:
            facts = Facts(ref, amount, balances.get(rule.customer_id, {}), words)
            zone = zones.get(rule.customer_id, "UTC")
            p = self._plan_one(rule, facts, recent, zone, now, active)
            out.append(p)
            if p.status in store.COUNTED:
                seen = recent.get(rule.id, Recent())
                recent[rule.id] = Recent(last_at=now, today=seen.today + 1)
        return out

    async def _lookup_targets(
        self, conn: Reads, fired: list[tuple[Rule, str, int | None, str]]
    ) -> dict[str, Rule]:
        """The active rules that ``execute_rule`` actions could name."""
        if not any(a.kind is ActionKind.EXECUTE_RULE for r, *_ in fired for a in r.spec.actions):
            return {}
        customers = sorted({r.customer_id for r, *_ in fired})
        q = select(_r).where(
            _r.c.customer_id.in_(customers), _r.c.status == RuleStatus.ACTIVE.value
        )
        return {row.id: store.rule_of(row) for row in await conn.execute(q)}

    def _plan_one(
        self,
        rule: Rule,
        facts: Facts,
        recent: dict[str, Recent],
        zone: str,
        now: datetime,
        active: dict[str, Rule],
    ) -> _Planned:
        local = now.astimezone(ZoneInfo(zone))
        summary = f"“{rule.spec.name}”"
        try:
            check_safety(rule.spec, local, recent.get(rule.id, Recent()), now)
            steps = plan(rule, facts, active.get)
        except Skip as why:
            return _Planned(rule, facts.trigger_ref, "skipped", reason=str(why), summary=summary)
        what = "; ".join(_step_words(s) for s in steps)
        summary = f"“{rule.spec.name}”: {what}" + (f" ({facts.summary})" if facts.summary else "")
        if rule.spec.needs_approval():
            ttl = timedelta(seconds=rule.spec.safety.approval_ttl_s)
            return _Planned(
                rule,
                facts.trigger_ref,
                "awaiting_approval",
                steps,
                summary=summary,
                expires_at=now + ttl,
            )
        return _Planned(rule, facts.trigger_ref, "pending", steps, summary=summary)

    async def _follow_up(self, planned: list[_Planned], now: datetime) -> None:
        """After the commit: ask for approvals, carry out what may run."""
        for p in planned:
            if p.status == "awaiting_approval" and p.expires_at is not None:
                approval = Approval(
                    p.id, p.rule.customer_id, p.rule.spec.name, p.summary, p.expires_at
                )
                for hook in self.approval_hooks:
                    try:
                        await hook(approval)
                    except Exception:
                        log.exception("asking for a rule approval failed")
        await self.carry_out([p.id for p in planned if p.status == "pending"])

    async def warm(self) -> int:
        """Load the trigger index ahead of the first events (at start); returns its size."""
        async with self._db.reading() as conn:
            await self.index.refresh(conn)
        return len(self.index)

    # -- carrying out ----------------------------------------------------------------

    async def carry_out(self, execution_ids: Sequence[str]) -> int:
        """Carry out pending executions; returns how many finished (either way)."""
        done = 0
        for exec_id in execution_ids:
            if exec_id in self._busy:
                continue
            self._busy.add(exec_id)
            try:
                done += await self._carry_out_one(exec_id)
            finally:
                self._busy.discard(exec_id)
        return done

    async def _carry_out_one(self, exec_id: str) -> int:
        async with self._db.reading() as conn:
            row = (await conn.execute(select(_x).where(_x.c.id == exec_id))).first()
        if row is None or row.status != "pending":
            return 0
        execution = store.execution_of(row)
        try:
            for i, doc in enumerate(execution.plan):
                # The memo comes from the stored plan: a repeat must ask for exactly the same.
                await self._do(execution, Step.from_json(doc), i, execution.rule_name)
        except DomainError as err:
            return await self._finish(execution, "failed", err.message)
        return await self._finish(execution, "done", None)

    async def _do(self, x: store.Execution, step: Step, i: int, name: str) -> None:
        key = f"rule:{x.id}:{i}"
        memo = f"Rule: {name}"[:200]
        match step.kind:
            case ActionKind.TRANSFER:
                await self._banking.transfer(
                    principal_id=x.customer_id,
                    customer_id=x.customer_id,
                    idempotency_key=key,
                    from_account_id=step.from_account_id or "",
                    to_account_id=step.to_account_id,
                    payee_id=step.payee_id,
                    amount=Money(step.amount or 0),
                    memo=memo,
                )
            case ActionKind.INVEST:
                trading = self._need_trading()
                if step.from_account_id is not None:
                    await self._banking.transfer(
                        principal_id=x.customer_id,
                        customer_id=x.customer_id,
                        idempotency_key=key + ":fund",
                        from_account_id=step.from_account_id,
                        to_account_id=await trading.trading_account(x.customer_id),
                        amount=Money(step.amount or 0),
                        memo=memo,
                    )
                price = trading.quote(step.symbol or "").last
                # Room for slippage and charges inside the amount.
                quantity = (step.amount or 0) * 100 // (price * 102)
                if quantity < 1:
                    raise Rejected(
                        "amount_below_one_share",
                        f"{format_minor(step.amount or 0)} does not buy one {step.symbol} share "
                        f"at {format_minor(price)}.",
                    )
                await self._order(
                    trading,
                    x.customer_id,
                    key,
                    OrderRequest(step.symbol or "", Side.BUY, quantity, OrderType.MARKET),
                )
            case ActionKind.CLOSE_POSITION:
                trading = self._need_trading()
                held = {h.symbol: h.quantity for h in await trading.holdings(x.customer_id)}.get(
                    step.symbol or "", 0
                )
                quantity = int(held * (step.percent or 100) // 100) or min(held, 1)
                if quantity < 1:
                    raise Rejected("nothing_to_sell", f"You hold no {step.symbol} shares to sell.")
                await self._order(
                    trading,
                    x.customer_id,
                    key,
                    OrderRequest(step.symbol or "", Side.SELL, quantity, OrderType.MARKET),
                )
            case ActionKind.NOTIFY | ActionKind.EXECUTE_RULE:
                return  # the rule.executed event carries the message to the customer

    async def _order(
        self, trading: TradingService, customer_id: str, key: str, request: OrderRequest
    ) -> None:
        try:
            await trading.place_order(customer_id, key, request)
        except Conflict as err:
            # A repeat after a crash, priced afresh: the order was placed the first time.
            if err.code != "idempotency_key_reused":
                raise

    def _need_trading(self) -> TradingService:
        if self._trading is None:
            raise Rejected("trading_unavailable", "Trading is not available here.")
        return self._trading

    async def _finish(self, x: store.Execution, status: str, reason: str | None) -> int:
        now = self._clock.now()
        async with self._db.writing() as conn:
            moved = await conn.execute(
                update(_x)
                .where(_x.c.id == x.id, _x.c.status == "pending")
                .values(status=status, reason=reason, updated_at=now, finished_at=now)
            )
            if moved.rowcount != 1:
                return 0  # another carrier finished it first
            rule = (await conn.execute(select(_r).where(_r.c.id == x.rule_id))).first()
            failures = 0 if status == "done" else (rule.failures if rule is not None else 0) + 1
            pause = (
                status == "failed"
                and failures >= PAUSE_AFTER
                and rule is not None
                and rule.status == "active"
            )
            values: dict[str, Any] = {"failures": failures}
            if pause:
                values["status"] = RuleStatus.PAUSED.value
                values["updated_at"] = now
                values["rev"] = await store.bump(conn)
            await conn.execute(update(_r).where(_r.c.id == x.rule_id).values(**values))
            events = [_outcome_event(x, status, reason, now, paused=pause)]
            await outbox.append(conn, events)
            # Last: the audit log's append takes its lock.
            await ledger.append(
                conn, [ledger_events.rule_executed(x.customer_id, x.rule_id, status, x.id)], now
            )
        return 1

    # -- approvals ---------------------------------------------------------------------

    async def approve(self, customer_id: str, execution_id: str) -> store.Execution:
        await self._decide(customer_id, execution_id, approve=True)
        await self.carry_out([execution_id])
        return await self._execution(customer_id, execution_id)

    async def reject(self, customer_id: str, execution_id: str) -> store.Execution:
        await self._decide(customer_id, execution_id, approve=False)
        return await self._execution(customer_id, execution_id)

    async def _decide(self, customer_id: str, execution_id: str, *, approve: bool) -> None:
        now = self._clock.now()
        x = await self._execution(customer_id, execution_id)
        if x.status != "awaiting_approval":
            raise Conflict(
                "not_awaiting_approval",
                f"That rule run is {x.status.replace('_', ' ')}, not waiting for approval.",
            )
        if x.expires_at is not None and x.expires_at <= now:
            await self.expire()
            raise Rejected("approval_expired", "That approval has expired; the rule did not run.")
        status = "pending" if approve else "rejected"
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if not approve:
            values |= {"reason": "You rejected it.", "finished_at": now}
        async with self._db.writing() as conn:
            moved = await conn.execute(
                update(_x)
                .where(_x.c.id == execution_id, _x.c.status == "awaiting_approval")
                .values(**values)
            )
        if moved.rowcount != 1:
            raise Conflict("not_awaiting_approval", "That rule run was decided already.")

    async def _execution(self, customer_id: str, execution_id: str) -> store.Execution:
        async with self._db.lookup() as conn:
            row = (await conn.execute(select(_x).where(_x.c.id == execution_id))).first()
        if row is None or row.customer_id != customer_id:
            from domain.errors import NotFound

            raise NotFound("execution_not_found", "No such rule execution.")
        return store.execution_of(row)

    async def expire(self) -> int:
        """Approvals past their time: expired, and the rule does not run."""
        now = self._clock.now()
        async with self._db.writing() as conn:
            done = await conn.execute(
                update(_x)
                .where(_x.c.status == "awaiting_approval", _x.c.expires_at <= now)
                .values(
                    status="expired",
                    reason="Not approved in time.",
                    updated_at=now,
                    finished_at=now,
                )
            )
        return int(done.rowcount or 0)

    # -- the sweeper -------------------------------------------------------------------

    async def sweep(self, *, everything: bool = False) -> int:
        """Expire stale approvals and carry out executions a crash left pending.

        ``everything`` (at start) takes every pending one; otherwise only those
        pending longer than ``sweep_after_s``, so a round's own ``after`` is not raced.
        """
        await self.expire()
        cutoff = self._clock.now() - (timedelta(0) if everything else self._stale)
        async with self._db.reading() as conn:
            ids = list(
                (
                    await conn.execute(
                        select(_x.c.id)
                        .where(_x.c.status == "pending", _x.c.updated_at <= cutoff)
                        .order_by(_x.c.created_at)
                        .limit(500)
                    )
                ).scalars()
            )
        return await self.carry_out(ids)

    # -- the scheduler -----------------------------------------------------------------

    async def stage_due_now(self) -> Stage | None:
        """The dispatcher's job: ``stage_due`` at most once a second of the clock.

        Rounds come every few milliseconds; slots are minutes apart.
        """
        now = self._clock.now()
        if self._due_checked is not None and now - self._due_checked < timedelta(seconds=1):
            return None
        self._due_checked = now
        return await self.stage_due()

    async def stage_due(self) -> Stage | None:
        """Time-based rules whose slot has come: claimed once each, in the round's transaction.

        Catch-up: after downtime a rule that missed several slots runs once, for
        the latest of them; the older ones are recorded as skipped. A slot is
        claimed by moving ``next_due`` on from exactly the value read, and by
        the unique (rule, slot) row, so no slot runs twice.
        """
        now = self._clock.now()
        async with self._db.reading() as conn:
            rows = list(
                await conn.execute(
                    select(_r)
                    .where(
                        _r.c.status == RuleStatus.ACTIVE.value,
                        _r.c.trigger_kind == TriggerKind.TIME_BASED.value,
                        _r.c.next_due <= now,
                    )
                    .order_by(_r.c.next_due)
                    .limit(500)
                )
            )
            if not rows:
                return None
            zones = await store.zones(conn, [r.customer_id for r in rows])
            moves: list[tuple[str, datetime, datetime | None]] = []
            fired: list[tuple[Rule, str, int | None, str]] = []
            skipped: list[_Planned] = []
            for row in rows:
                rule = store.rule_of(row)
                schedule = rule.spec.trigger.schedule
                zone = zones[rule.customer_id]
                slots = [row.next_due]
                while schedule is not None and len(slots) < 1000:
                    nxt = next_slot(schedule, slots[-1], zone)
                    if nxt is None or nxt > now:
                        break
                    slots.append(nxt)
                following = next_slot(schedule, max(now, slots[-1]), zone) if schedule else None
                moves.append((rule.id, row.next_due, following))
                for missed in slots[:-1]:
                    skipped.append(
                        _Planned(
                            rule,
                            _slot_ref(missed),
                            "skipped",
                            reason="Missed while Swayam was down; only the latest missed "
                            "run is made.",
                            summary=f"“{rule.spec.name}”",
                        )
                    )
                fired.append((rule, _slot_ref(slots[-1]), None, ""))
            planned = await self._plan_all(conn, fired, now) + skipped

        async def write(conn: Writes) -> None:
            for rule_id, was, following in moves:
                moved = await conn.execute(
                    update(_r)
                    .where(_r.c.id == rule_id, _r.c.next_due == was)
                    .values(next_due=following)
                )
                if moved.rowcount != 1:
                    raise StageRaced()
            await conn.execute(insert(_x), [p.row(now) for p in planned])

        async def after() -> None:
            await self._follow_up(planned, now)

        return Stage(write, after)

    async def run_due(self) -> int:
        """Run the scheduler once on its own transaction (tests, a lone process)."""
        staged = await self.stage_due()
        if staged is None:
            return 0
        async with self._db.writing() as conn:
            await staged.write(conn)
        await staged.after()
        return 1

    # -- market and portfolio triggers -------------------------------------------------

    async def check_markets(self) -> int:
        """Fire market and portfolio rules whose condition has just become true."""
        trading = self._trading
        if trading is None:
            return 0
        now = self._clock.now()
        kinds = (TriggerKind.MARKET_CONDITION.value, TriggerKind.PORTFOLIO_VALUE.value)
        async with self._db.reading() as conn:
            rows = list(
                await conn.execute(
                    select(_r).where(
                        _r.c.trigger_kind.in_(kinds), _r.c.status == RuleStatus.ACTIVE.value
                    )
                )
            )
            if not rows:
                return 0
            h = schema.holdings
            held = {
                (r.customer_id, r.symbol): (r.quantity, r.cost)
                for r in await conn.execute(
                    select(h.c.customer_id, h.c.symbol, h.c.quantity, h.c.cost).where(
                        h.c.customer_id.in_(sorted({r.customer_id for r in rows})), h.c.quantity > 0
                    )
                )
            }
        flips: list[tuple[str, bool]] = []
        fired: list[tuple[Rule, str, int | None, str]] = []
        values: dict[str, int] = {}
        for row in rows:
            rule = store.rule_of(row)
            t = rule.spec.trigger
            if t.kind is TriggerKind.MARKET_CONDITION:
                try:
                    quote = trading.quote(t.symbol or "")
                except DomainError:
                    continue
                qty, cost = held.get((rule.customer_id, t.symbol or ""), (0, 0))
                state = market_true(t, quote.last, cost // qty if qty else None)
                ref = f"price:{t.symbol}:{quote.as_of.isoformat()}"
                words = f"{t.symbol} at {format_minor(quote.last)}"
            else:
                if rule.customer_id not in values:
                    values[rule.customer_id] = (
                        await trading.portfolio(rule.customer_id)
                    ).market_value
                state = value_true(t, values[rule.customer_id])
                ref = f"value:{now.isoformat()}"
                words = f"portfolio at {format_minor(values[rule.customer_id])}"
            if state is None or state == row.armed:
                continue
            flips.append((rule.id, state))
            if state:
                fired.append((rule, ref, None, words))
        if not flips:
            return 0
        async with self._db.reading() as conn:
            planned = await self._plan_all(conn, fired, now) if fired else []
        async with self._db.writing() as conn:
            for rule_id, state in flips:
                moved = await conn.execute(
                    update(_r)
                    .where(_r.c.id == rule_id, _r.c.armed == (not state))
                    .values(armed=state)
                )
                if moved.rowcount != 1:
                    planned = [p for p in planned if p.rule.id != rule_id]
            if planned:
                await conn.execute(insert(_x), [p.row(now) for p in planned])
        await self._follow_up(planned, now)
        return len(planned)

    # -- dry run -----------------------------------------------------------------------

    async def dry_run(self, rule: Rule, sample: Event | None = None) -> dict[str, Any]:
        """What the rule would do now (or for ``sample``), moving nothing and storing nothing."""
        now = self._clock.now()
        t = rule.spec.trigger
        fires: bool
        why = ""
        amount: int | None = None
        ref = "dry-run"
        if sample is not None:
            if t.kind is TriggerKind.EXTERNAL_EVENT:
                fires = external_matches(t, sample)
                raw = sample.data.get("amount")
                amount = raw if isinstance(raw, int) else None
            else:
                m = fires_on(t, sample)
                fires, amount = m is not None, m.amount if m is not None else None
            why = (
                "The sample event matches the trigger."
                if fires
                else "The sample event does not match the trigger."
            )
        else:
            fires, amount, why = await self._would_fire_now(rule, now)
        async with self._db.reading() as conn:
            planned = (await self._plan_all(conn, [(rule, ref, amount, "")], now))[0]
        out: dict[str, Any] = {
            "rule_id": rule.id,
            "would_fire": fires,
            "trigger": why,
            "would_run": fires and planned.status != "skipped",
            "requires_approval": rule.spec.needs_approval(),
            "steps": [s.to_json() | {"words": _step_words(s)} for s in planned.steps],
            "reason": planned.reason,
        }
        return out

    async def _would_fire_now(self, rule: Rule, now: datetime) -> tuple[bool, int | None, str]:
        t = rule.spec.trigger
        if t.kind is TriggerKind.BALANCE:
            async with self._db.reading() as conn:
                have = (await store.balances(conn, [rule.customer_id]))[rule.customer_id].get(
                    t.account_id or "", 0
                )
            below = have < (t.threshold or 0)
            state = below if t.crosses == "below" else have > (t.threshold or 0)
            return (
                state,
                None,
                f"The balance is {format_minor(have)} "
                f"({'past' if state else 'not past'} the threshold).",
            )
        if t.kind is TriggerKind.TIME_BASED and t.schedule is not None:
            async with self._db.reading() as conn:
                zone = (await store.zones(conn, [rule.customer_id]))[rule.customer_id]
            nxt = next_slot(t.schedule, now, zone)
            when = nxt.astimezone(ZoneInfo(zone)).strftime("%d %b %Y %H:%M") if nxt else "never"
            return True, None, f"Next run: {when}."
        if t.kind is TriggerKind.MARKET_CONDITION and self._trading is not None:
            quote = self._trading.quote(t.symbol or "")
            held = {h.symbol: h for h in await self._trading.holdings(rule.customer_id)}.get(
                t.symbol or ""
            )
            holds = market_true(t, quote.last, held.average_cost if held else None)
            return bool(holds), None, f"{t.symbol} is at {format_minor(quote.last)}."
        if t.kind is TriggerKind.PORTFOLIO_VALUE and self._trading is not None:
            value = (await self._trading.portfolio(rule.customer_id)).market_value
            return value_true(t, value), None, f"Your portfolio is worth {format_minor(value)}."
        # Transactions and external events: the latest matching one, if any.
        async with self._db.reading() as conn:
            o = schema.outbox_events
            rows = await conn.execute(
                select(o)
                .where(o.c.customer_id == rule.customer_id)
                .order_by(o.c.seq.desc())
                .limit(200)
            )
            for r in rows:
                e = Event(
                    r.type, r.customer_id, json.loads(r.data), r.created_at, r.subject_id, r.id
                )
                if t.kind is TriggerKind.EXTERNAL_EVENT and external_matches(t, e):
                    return (
                        True,
                        None,
                        f"The latest matching event arrived {e.occurred_at:%d %b %H:%M}.",
                    )
                m = fires_on(t, e)
                if m is not None:
                    return (
                        True,
                        m.amount,
                        f"The latest matching transaction was {format_minor(m.amount)}.",
                    )
        return False, None, "No recent transaction matches the trigger."


def _limited(rule: Rule) -> bool:
    s = rule.spec.safety
    return bool(s.cooldown_s or s.max_per_day)


def _zoned(rule: Rule) -> bool:
    """Does judging the rule's safety need the customer's local time?"""
    s = rule.spec.safety
    return bool(s.max_per_day or s.active_from or s.active_until or s.window_start)


def _slot_ref(slot: datetime) -> str:
    return f"slot:{slot.isoformat()}"


def _step_words(s: Step) -> str:
    from domain.rules.model import Action

    action = Action(
        s.kind,
        from_account_id=s.from_account_id,
        to_account_id=s.to_account_id,
        payee_id=s.payee_id,
        amount=s.amount,
        symbol=s.symbol,
        percent=s.percent,
        message=s.message,
        rule_id=s.rule_id,
    )
    return action_words(action, {})


def _event_words(e: Event) -> str:
    amount = (
        (e.data.get("amount") or {}).get("minor")
        if isinstance(e.data.get("amount"), dict)
        else None
    )
    if e.type == ev.CREDIT_RECEIVED and amount:
        who = e.data.get("counterparty") or "a credit"
        return f"after {format_minor(amount)} from {who}"
    if amount:
        return f"after a {format_minor(amount)} transaction"
    return f"after {e.type}"


def _outcome_event(
    x: store.Execution, status: str, reason: str | None, now: datetime, *, paused: bool
) -> Event:
    if status == "done":
        return Event(
            ev.RULE_EXECUTED,
            x.customer_id,
            {"rule_id": x.rule_id, "execution_id": x.id, "summary": f"Rule {x.summary}."},
            now,
            x.id,
        )
    summary = f"Rule {x.summary} did not run: {reason}"
    if paused:
        summary += (
            f" It failed {PAUSE_AFTER} times in a row, so it is paused; resume it when it can run."
        )
    return Event(
        ev.RULE_FAILED,
        x.customer_id,
        {"rule_id": x.rule_id, "execution_id": x.id, "summary": summary, "paused": paused},
        now,
        x.id,
    )


__all__ = ["Approval", "RulesRunner"]
