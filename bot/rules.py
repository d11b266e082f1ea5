"""Wiring for rules: the service, the runner as an event consumer, and its loops.

The runner is a staged consumer of the dispatcher and its scheduler a staged
job, so both run on the lease holder only and decide in the round's one
transaction. A loop here sweeps executions a crash left pending (at start,
then every ``SWEEP_S``) and checks market and portfolio triggers every market
tick, while this process holds the lease. Approvals are pushed into chat with
Approve / Reject buttons whose payloads the assistant accepts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from bot.events import EventSystem
from bot.replies import Button, Reply
from domain.banking.service import BankingService
from domain.clock import Clock
from domain.db import Database
from domain.rules.runner import Approval, RulesRunner
from domain.rules.service import RulesService, Symbols
from domain.trading.service import TradingService

log = logging.getLogger(__name__)

SWEEP_S = 30.0
APPROVE = "/rule_approve"
REJECT = "/rule_reject"


def approval_reply(a: Approval) -> Reply:
    until = a.expires_at.strftime("%H:%M UTC")
    return Reply(
        f"🔔 Your rule wants to run: {a.summary}\nApprove it by {until}, or it won't run.",
        buttons=(
            Button("Approve", f"{APPROVE}:{a.execution_id}"),
            Button("Reject", f"{REJECT}:{a.execution_id}"),
        ),
    )


@dataclass
class RulesSystem:
    service: RulesService
    runner: RulesRunner
    events: EventSystem
    tick_s: float
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._loop(), name="rules-loop"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _loop(self) -> None:
        swept_at: float | None = None
        loop = asyncio.get_running_loop()
        try:
            await self.runner.warm()
        except Exception:
            log.exception("reading the rules ahead failed")
        while True:
            try:
                if self.events.dispatcher.leader:
                    if swept_at is None or loop.time() - swept_at >= SWEEP_S:
                        await self.runner.sweep(everything=swept_at is None)
                        swept_at = loop.time()
                    await self.runner.check_markets()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the rules loop failed")
            await asyncio.sleep(self.tick_s)


def build_rules(
    db: Database,
    clock: Clock,
    banking: BankingService,
    trading: TradingService | None,
    events: EventSystem,
    *,
    tick_s: float,
) -> RulesSystem:
    symbols = Symbols(frozenset(i.symbol for i in trading.instruments()) if trading else None)
    service = RulesService(db, clock, symbols=symbols)
    runner = RulesRunner(db, clock, banking, trading)

    async def push(a: Approval) -> None:
        await events.pushers.push(
            a.customer_id, [approval_reply(a)], channels=events.pushers.channels
        )

    runner.approval_hooks.append(push)
    events.dispatcher.consumers.append(runner)
    events.dispatcher.staged_jobs.append(runner.stage_due_now)
    return RulesSystem(service=service, runner=runner, events=events, tick_s=tick_s)


__all__ = ["APPROVE", "REJECT", "RulesSystem", "build_rules"]
