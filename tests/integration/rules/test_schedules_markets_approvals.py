"""Time-based rules and catch-up, market and portfolio triggers, trades, approvals with expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.banking.model import AccountType
from domain.errors import Rejected
from tests.integration.rules.conftest import Bank

# The 1st of the month at 09:00 IST.
DEC_1 = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)


async def _monthly_fd(bank: Bank, who: str) -> tuple[str, Any]:
    fd = await bank.banking.open_account(who, AccountType.FIXED_DEPOSIT, "FD")
    rule = await bank.rules.create(
        who,
        {
            "name": "Monthly FD",
            "trigger": {
                "kind": "time_based",
                "schedule": {"every": "month", "day": 1, "at": "09:00"},
            },
            "actions": [
                {
                    "kind": "transfer",
                    "from_account_id": "savings",
                    "to_account_id": "fd",
                    "amount": 5_000_00,
                }
            ],
        },
    )
    return fd.id, rule


async def test_a_monthly_rule_runs_at_its_slot_and_once_only(bank: Bank) -> None:
    who, _, _ = await bank.customer(savings=1_00_000_00)
    fd, _ = await _monthly_fd(bank, who)
    await bank.dispatcher.run_once()
    assert await bank.balance(fd) == 0  # not due yet
    bank.clock.set(DEC_1 + timedelta(minutes=1))
    await bank.dispatcher.run_once()
    await bank.dispatcher.run_once()
    await bank.runner.run_due()
    assert await bank.balance(fd) == 5_000_00
    assert await bank.executions("done") == 1


async def test_after_downtime_only_the_latest_missed_slot_runs(bank: Bank) -> None:
    who, _, _ = await bank.customer(savings=1_00_000_00)
    fd, rule = await _monthly_fd(bank, who)
    bank.clock.set(datetime(2027, 3, 2, tzinfo=UTC))  # down through December to March
    await bank.dispatcher.run_once()
    await bank.dispatcher.run_once()
    assert await bank.balance(fd) == 5_000_00
    history = await bank.rules.executions(who, rule_id=rule.id)
    assert sorted(x.status for x in history) == ["done", "skipped", "skipped", "skipped"]
    done = next(x for x in history if x.status == "done")
    assert done.trigger_ref == "slot:2027-03-01T03:30:00+00:00"
    # The next slot is April's.
    bank.clock.set(datetime(2027, 3, 31, tzinfo=UTC))
    await bank.dispatcher.run_once()
    assert await bank.balance(fd) == 5_000_00


async def test_two_schedulers_racing_claim_each_slot_once(bank: Bank) -> None:
    import asyncio

    who, _, _ = await bank.customer(savings=1_00_000_00)
    fd, _ = await _monthly_fd(bank, who)
    bank.clock.set(DEC_1 + timedelta(minutes=1))
    other = type(bank.runner)(bank.db, bank.clock, bank.banking, bank.trading)
    results = await asyncio.gather(bank.runner.run_due(), other.run_due(), return_exceptions=True)
    assert await bank.balance(fd) == 5_000_00
    assert await bank.executions("done") == 1
    assert any(r == 1 for r in results)


async def _holding(bank: Bank, who: str, symbol: str, qty: int, avg: int) -> None:
    await bank.banking.open_account(who, AccountType.TRADING, "Trading")
    assert await bank.trading.transfer_in(who, symbol, qty, qty * avg)


async def test_a_stop_loss_sells_after_approval_when_the_price_falls_5_percent(bank: Bank) -> None:
    who, _, _ = await bank.customer(savings=1_000_00)
    price = bank.trading.quote("INFY").last
    await _holding(bank, who, "INFY", 10, price)
    await bank.rules.from_template(who, "stop_loss", {"symbol": "INFY", "percent": 5})
    bank.feed.pinned["INFY"] = price * 97 // 100
    assert await bank.runner.check_markets() == 0  # -3%: not yet
    bank.feed.pinned["INFY"] = price * 94 // 100
    assert await bank.runner.check_markets() == 1
    assert await bank.runner.check_markets() == 0  # still down: fired once, on the edge
    [approval] = bank.approvals
    x = await bank.runner.approve(who, approval.execution_id)
    assert x.status == "done", x.reason
    assert [h.quantity for h in await bank.trading.holdings(who)] in ([], [0])


async def test_an_approval_not_given_in_time_expires_and_nothing_runs(bank: Bank) -> None:
    who, _, _ = await bank.customer(savings=1_000_00)
    price = bank.trading.quote("TCS").last
    await _holding(bank, who, "TCS", 4, price)
    await bank.rules.create(
        who,
        {
            "name": "TCS floor",
            "trigger": {"kind": "market_condition", "symbol": "TCS", "price_below": price - 100},
            "actions": [{"kind": "close_position", "symbol": "TCS", "percent": 50}],
            "safety": {"approval_ttl_s": 600},
        },
    )
    bank.feed.pinned["TCS"] = price - 500
    await bank.runner.check_markets()
    [approval] = bank.approvals
    bank.clock.advance(timedelta(minutes=11))
    with pytest.raises(Rejected) as err:
        await bank.runner.approve(who, approval.execution_id)
    assert err.value.code == "approval_expired"
    assert [x.status for x in await bank.rules.executions(who)] == ["expired"]
    assert [h.quantity for h in await bank.trading.holdings(who)] == [4]


async def test_a_rejected_approval_moves_nothing(bank: Bank) -> None:
    who, savings, _ = await bank.customer(savings=1_000_00)
    payee = await bank.banking.add_payee(who, "Ravi Kumar", upi_id="ravi@okaxis")
    await bank.rules.create(
        who,
        {
            "name": "Pay Ravi on salary",
            "trigger": {"kind": "transaction", "direction": "credit", "counterparty": "Acme"},
            "actions": [
                {
                    "kind": "transfer",
                    "from_account_id": "savings",
                    "payee_id": payee.id,
                    "amount": 500_00,
                }
            ],
        },
    )
    await bank.credit(savings, 10_000_00, "Acme")
    await bank.dispatcher.drain()
    [approval] = bank.approvals
    x = await bank.runner.reject(who, approval.execution_id)
    assert x.status == "rejected"
    assert await bank.balance(savings) == 11_000_00


async def test_salary_auto_invest_buys_the_etf_with_a_fifth_of_the_salary(bank: Bank) -> None:
    who, savings, _ = await bank.customer(savings=1_000_00)
    trading = await bank.banking.open_account(who, AccountType.TRADING, "Trading")
    await bank.rules.from_template(who, "salary_auto_invest", {"counterparty": "Acme"})
    await bank.credit(savings, 50_000_00, "Acme Corp")
    await bank.dispatcher.drain()
    [approval] = bank.approvals
    x = await bank.runner.approve(who, approval.execution_id)
    assert x.status == "done", x.reason
    assert x.amount == 10_000_00
    [holding] = await bank.trading.holdings(who)
    assert holding.symbol == "NIFTYBEES" and holding.quantity > 0
    assert await bank.balance(savings) == 41_000_00
    assert await bank.balance(trading.id) < 10_000_00


async def test_a_portfolio_value_rule_notifies_when_the_value_crosses(bank: Bank) -> None:
    who, _, _ = await bank.customer(savings=1_000_00)
    price = bank.trading.quote("INFY").last
    await _holding(bank, who, "INFY", 10, price)
    await bank.rules.create(
        who,
        {
            "name": "Portfolio watch",
            "trigger": {
                "kind": "portfolio_value",
                "crosses": "above",
                "threshold": price * 10 + 1_000_00,
            },
            "actions": [{"kind": "notify", "message": "Your portfolio crossed your mark."}],
        },
    )
    assert await bank.runner.check_markets() == 0
    bank.feed.pinned["INFY"] = price + 20_000
    assert await bank.runner.check_markets() == 1
    assert [x.status for x in await bank.rules.executions(who)] == ["done"]


async def test_an_external_event_fires_its_rule(bank: Bank) -> None:
    from domain.events import outbox
    from domain.events.model import Event

    who, _, _ = await bank.customer(savings=1_000_00)
    await bank.rules.create(
        who,
        {
            "name": "On bonus",
            "trigger": {"kind": "external_event", "event": "payroll.bonus"},
            "actions": [{"kind": "notify", "message": "Bonus day!"}],
        },
    )
    async with bank.db.writing() as conn:
        await outbox.append(conn, [Event("external.payroll.bonus", who, {}, bank.clock.now())])
        await outbox.append(conn, [Event("external.other", who, {}, bank.clock.now())])
    await bank.dispatcher.drain()
    assert [x.status for x in await bank.rules.executions(who)] == ["done"]


async def test_a_dry_run_on_current_data_says_what_would_move_and_moves_nothing(bank: Bank) -> None:
    who, savings, current = await bank.customer(savings=4_000_00, current=50_000_00)
    rule = await bank.rules.from_template(who, "emergency_fund", {"minimum": 10_000_00})
    result = await bank.runner.dry_run(rule)
    assert result["would_fire"] and result["would_run"]
    assert [s["amount"] for s in result["steps"]] == [6_000_00]
    _, monthly = await _monthly_fd(bank, who)
    assert "Next run: 01 Dec 2026 09:00" in (await bank.runner.dry_run(monthly))["trigger"]
    assert await bank.balance(savings) == 4_000_00
    assert await bank.balance(current) == 50_000_00
    assert await bank.executions() == 0
