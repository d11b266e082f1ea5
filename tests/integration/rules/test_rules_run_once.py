"""Rules on real SQLite and PostgreSQL: stored, fired by events exactly once, with history."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from domain import schema
from domain.errors import InvalidInput, NotFound
from domain.money import Money
from tests.integration.rules.conftest import Bank


def _top_up(threshold: int = 10_000_00) -> dict[str, Any]:
    return {
        "name": "Emergency fund",
        "trigger": {
            "kind": "balance",
            "account_id": "savings",
            "crosses": "below",
            "threshold": threshold,
        },
        "actions": [
            {
                "kind": "transfer",
                "from_account_id": "current",
                "to_account_id": "savings",
                "top_up_to": threshold,
            }
        ],
    }


def _on_salary(percent: float = 20) -> dict[str, Any]:
    return {
        "name": "Save salary",
        "trigger": {"kind": "transaction", "direction": "credit", "counterparty": "Acme"},
        "actions": [
            {
                "kind": "transfer",
                "from_account_id": "savings",
                "to_account_id": "current",
                "percent": percent,
            }
        ],
    }


async def test_a_rule_is_stored_with_account_types_resolved_to_the_customers_accounts(
    bank: Bank,
) -> None:
    who, savings, current = await bank.customer()
    rule = await bank.rules.create(who, _top_up())
    assert rule.spec.trigger.account_id == savings
    assert rule.spec.actions[0].from_account_id == current
    assert [r.id for r in await bank.rules.rules(who)] == [rule.id]
    other, *_ = await bank.customer("ravi")
    with pytest.raises(NotFound):
        await bank.rules.rule(other, rule.id)


async def test_a_rule_naming_someone_elses_account_is_refused_and_nothing_is_stored(
    bank: Bank,
) -> None:
    who, *_ = await bank.customer()
    _, ravis_savings, _ = await bank.customer("ravi")
    doc = _top_up()
    doc["trigger"]["account_id"] = ravis_savings
    with pytest.raises(InvalidInput) as err:
        await bank.rules.create(who, doc)
    assert err.value.code == "account_not_found"
    assert await bank.rules.rules(who) == []


async def test_a_salary_credit_runs_the_rule_once_and_records_it(bank: Bank) -> None:
    who, savings, current = await bank.customer(savings=1_000_00)
    await bank.rules.create(who, _on_salary(20))
    await bank.credit(savings, 50_000_00, "Acme Corp Payroll")
    await bank.credit(savings, 7_000_00, "Refund from Flipkart")
    await bank.dispatcher.drain()
    assert await bank.balance(current) == 10_000_00
    [x] = await bank.rules.executions(who)
    assert (x.status, x.amount) == ("done", 10_000_00)
    # The rule's outcome is an event for notifications, and the audit log has it.
    await bank.dispatcher.drain()
    o = schema.outbox_events
    async with bank.db.reading() as conn:
        types = list((await conn.execute(select(o.c.type).order_by(o.c.seq))).scalars())
    assert types.count("rule.executed") == 1


async def test_a_credit_made_before_the_rule_does_not_run_it_when_dispatched_later(
    bank: Bank,
) -> None:
    who, savings, current = await bank.customer(savings=1_000_00)
    await bank.credit(savings, 50_000_00, "Acme Corp Payroll")  # not dispatched yet
    bank.clock.advance(timedelta(seconds=1))
    await bank.rules.create(who, _on_salary(20))
    await bank.dispatcher.drain()
    assert await bank.balance(current) == 0
    assert await bank.executions() == 0
    await bank.credit(savings, 50_000_00, "Acme Corp Payroll")  # this one counts
    await bank.dispatcher.drain()
    assert await bank.balance(current) == 10_000_00


async def test_a_redelivered_event_does_not_run_the_rule_again(bank: Bank) -> None:
    who, savings, current = await bank.customer(savings=1_000_00)
    await bank.rules.create(who, _on_salary(10))
    await bank.credit(savings, 10_000_00, "Acme")
    await bank.dispatcher.drain()
    # As if the round's commit had not been seen: every event is delivered again.
    o = schema.outbox_events
    async with bank.db.writing() as conn:
        await conn.execute(update(o).values(dispatched_at=None))
    await bank.dispatcher.drain()
    assert await bank.balance(current) == 1_000_00
    assert await bank.executions() == 1


async def test_concurrent_rounds_and_sweeps_run_each_execution_once(bank: Bank) -> None:
    who, savings, current = await bank.customer(savings=1_000_00)
    await bank.rules.create(who, _on_salary(10))
    for _ in range(5):
        await bank.credit(savings, 10_000_00, "Acme")
    await asyncio.gather(
        bank.dispatcher.drain(), bank.dispatcher.drain(), bank.runner.sweep(everything=True)
    )
    await bank.runner.sweep(everything=True)
    assert await bank.balance(current) == 5 * 1_000_00
    assert await bank.executions("done") == 5


async def test_a_crash_between_deciding_and_carrying_out_neither_loses_nor_repeats(
    bank: Bank,
) -> None:
    who, savings, current = await bank.customer(savings=1_000_00)
    await bank.rules.create(who, _on_salary(10))
    await bank.credit(savings, 10_000_00, "Acme")
    # The round commits its decision, then the process dies before carrying it out.
    [events] = [await _pending(bank)]
    stage = await bank.runner.stage(events)
    async with bank.db.writing() as conn:
        await stage.write(conn)
    assert await bank.executions("pending") == 1
    # Carried out once, and by a second carrier (the restart's sweep) not again.
    x = schema.rule_executions
    async with bank.db.reading() as conn:
        exec_id = (await conn.execute(select(x.c.id))).scalar_one()
    await bank.runner._do(  # the first carrier got as far as the transfer
        (await bank.rules.execution(who, exec_id)),
        _first_step(await bank.rules.execution(who, exec_id)),
        0,
        "Save salary",
    )
    await bank.runner.sweep(everything=True)
    assert await bank.balance(current) == 1_000_00
    assert [(x.status, x.reason) for x in await bank.rules.executions(who)] == [("done", None)]


async def _pending(bank: Bank) -> list[Any]:
    from domain.events import outbox

    async with bank.db.reading() as conn:
        return await outbox.pending(conn, 100)


def _first_step(x: Any) -> Any:
    from domain.rules.planning import Step

    return Step.from_json(x.plan[0])


async def test_failures_notify_stop_and_pause_the_rule_after_three(bank: Bank) -> None:
    who, savings, _ = await bank.customer(savings=0)
    doc = _on_salary(10)
    # Current is empty: every run fails.
    doc["actions"][0] |= {"from_account_id": "current", "to_account_id": "savings"}
    rule = await bank.rules.create(who, doc)
    for _ in range(3):
        await bank.credit(savings, 10_000_00, "Acme")
        await bank.dispatcher.drain()
    history = await bank.rules.executions(who)
    assert [x.status for x in history] == ["failed"] * 3
    assert (history[0].reason or "").startswith("Not enough money")
    assert (await bank.rules.rule(who, rule.id)).status.value == "paused"
    await bank.credit(savings, 10_000_00, "Acme")
    await bank.dispatcher.drain()
    assert await bank.executions() == 3  # paused: the fourth salary fired nothing
    o = schema.outbox_events
    async with bank.db.reading() as conn:
        failed = list(
            (await conn.execute(select(o.c.data).where(o.c.type == "rule.failed"))).scalars()
        )
    assert len(failed) == 3 and "paused" in failed[-1]


async def test_the_emergency_fund_tops_savings_back_up_when_it_drops_below(bank: Bank) -> None:
    who, savings, current = await bank.customer(savings=12_000_00, current=50_000_00)
    await bank.rules.from_template(who, "emergency_fund", {"minimum": 10_000_00})
    await bank.banking.transfer(
        principal_id=who,
        customer_id=who,
        idempotency_key="spend-1",
        from_account_id=savings,
        to_account_id=current,
        amount=Money(5_000_00),
    )
    await bank.dispatcher.drain()
    assert await bank.balance(savings) == 10_000_00
    assert await bank.balance(current) == 52_000_00


async def test_cooldown_and_daily_maximum_skip_with_a_reason(bank: Bank) -> None:
    who, savings, current = await bank.customer(savings=1_000_00)
    doc = _on_salary(10) | {"safety": {"max_per_day": 1}}
    await bank.rules.create(who, doc)
    await bank.credit(savings, 10_000_00, "Acme")
    await bank.credit(savings, 10_000_00, "Acme")
    await bank.dispatcher.drain()
    statuses = sorted(x.status for x in await bank.rules.executions(who))
    assert statuses == ["done", "skipped"]
    skipped = next(x for x in await bank.rules.executions(who) if x.status == "skipped")
    assert "today" in (skipped.reason or "")
    bank.clock.advance(timedelta(days=1))
    await bank.credit(savings, 10_000_00, "Acme")
    await bank.dispatcher.drain()
    assert await bank.balance(current) == 2_000_00


async def test_rules_changed_by_another_process_are_seen_by_the_next_batch(
    bank: Bank, database_url: str
) -> None:
    from domain.db import connect
    from domain.rules.service import RulesService

    who, savings, current = await bank.customer(savings=1_000_00)
    assert await bank.runner.warm() == 0
    other_db = connect(database_url)
    try:
        elsewhere = RulesService(other_db, bank.clock)
        rule = await elsewhere.create(who, _on_salary(10))
        await bank.credit(savings, 10_000_00, "Acme")
        await bank.dispatcher.drain()
        assert await bank.balance(current) == 1_000_00
        await elsewhere.pause(who, rule.id)
        await bank.credit(savings, 10_000_00, "Acme")
        await bank.dispatcher.drain()
        assert await bank.balance(current) == 1_000_00
        assert len(bank.runner.index) == 0
    finally:
        await other_db.dispose()
