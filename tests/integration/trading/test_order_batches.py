"""An order's money and its rows commit together: one engine command, exactly once.

Faults are injected through the money engine's own port (a batch hook that
fails before the commit), the way a crash between writing and committing
would leave things: the transaction rolls back as a whole.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.banking.book import Book
from domain.db import Writes
from domain.trading.orders import OrderRequest, OrderStatus, OrderType, Side
from domain.trading.service import TradingService
from tests.integration.banking.ledger import check_ledger
from tests.integration.trading.market import Desk

LAKH = 1_00_000_00


class Crash(RuntimeError):
    pass


async def crash_before_commit(conn: Writes, book: Book) -> None:
    raise Crash("the process died before the commit")


def buy(qty: int, kind: OrderType = OrderType.MARKET, limit: int | None = None) -> OrderRequest:
    return OrderRequest("INFY", Side.BUY, qty, kind, limit)


async def test_an_order_that_fills_at_once_takes_one_engine_batch(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    before = desk.engine.batches
    order = await desk.trading.place_order(asha, "o-1", buy(3))
    assert desk.engine.batches - before == 1
    assert order.status is OrderStatus.FILLED and order.hold_id is not None
    [trade] = await desk.trading.trades(asha)
    ledger = await check_ledger(desk.db)
    assert ledger.balances["acc_exchange_inr"] == trade.value
    assert trade.transfer_id is not None
    [stored] = await desk.trading.orders(asha)
    assert stored.hold_id == order.hold_id


async def test_a_crash_before_commit_moves_no_money_and_stores_no_order_then_a_resend_places_it(
    desk: Desk,
) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    desk.engine.batch_hooks.append(crash_before_commit)
    with pytest.raises(Crash):
        await desk.trading.place_order(asha, "o-1", buy(3))
    desk.engine.batch_hooks.remove(crash_before_commit)
    assert await desk.trading.orders(asha) == []
    assert await desk.trading.holdings(asha) == []
    view = await desk.banking.account(None, account)
    assert (view.balance, view.held) == (5 * LAKH, 0)

    first = await desk.trading.place_order(asha, "o-1", buy(3))
    again = await desk.trading.place_order(asha, "o-1", buy(3))
    assert again.id == first.id and first.status is OrderStatus.FILLED
    assert len(await desk.trading.trades(asha)) == 1
    [holding] = await desk.trading.holdings(asha)
    assert holding.quantity == 3
    await check_ledger(desk.db)


async def test_a_resend_from_another_process_after_the_price_moved_replays_the_first_order(
    desk: Desk,
) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    first = await desk.trading.place_order(asha, "o-1", buy(3))
    spent = 5 * LAKH - (await desk.banking.account(None, account)).balance
    desk.clock.advance(timedelta(minutes=7))
    # Another process: its own caches, the same database and money engine keys.
    other = TradingService(desk.db, desk.clock, desk.engine, desk.feed)
    try:
        again = await other.place_order(asha, "o-1", buy(3))
    finally:
        await other.close()
    assert again.id == first.id
    assert again.filled_value == first.filled_value
    assert len(await desk.trading.trades(asha)) == 1
    assert 5 * LAKH - (await desk.banking.account(None, account)).balance == spent


async def test_a_resting_order_filling_later_commits_its_settlement_and_rows_together(
    desk: Desk,
) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    desk.clock.set(datetime(2026, 11, 16, 12, 0, tzinfo=UTC))  # Monday 17:30 IST
    limit = (desk.trading.quote("INFY").last * 115 // 100) // 5 * 5
    order = await desk.trading.place_order(asha, "amo", buy(5, OrderType.LIMIT, limit))
    held = (await desk.banking.account(None, account)).held
    desk.clock.set(datetime(2026, 11, 17, 3, 46, tzinfo=UTC))  # Tuesday 09:16 IST

    desk.engine.batch_hooks.append(crash_before_commit)
    with pytest.raises(Crash):
        await desk.trading.match()
    desk.engine.batch_hooks.remove(crash_before_commit)
    assert (await desk.trading.order(asha, order.id)).status is OrderStatus.OPEN
    assert await desk.trading.trades(asha) == []
    view = await desk.banking.account(None, account)
    assert (view.balance, view.held) == (5 * LAKH, held)

    assert await desk.trading.match() == 1
    filled = await desk.trading.order(asha, order.id)
    [trade] = await desk.trading.trades(asha)
    assert (filled.status, filled.filled_quantity, trade.quantity) == (OrderStatus.FILLED, 5, 5)
    assert (await desk.banking.account(None, account)).held == 0
    await check_ledger(desk.db)


async def test_cancelling_releases_the_hold_and_records_the_cancel_in_one_batch(
    desk: Desk,
) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    low = (desk.trading.quote("INFY").prev_close * 81 // 100) // 5 * 5 + 5
    order = await desk.trading.place_order(asha, "o", buy(5, OrderType.LIMIT, low))
    desk.engine.batch_hooks.append(crash_before_commit)
    with pytest.raises(Crash):
        await desk.trading.cancel_order(asha, order.id)
    desk.engine.batch_hooks.remove(crash_before_commit)
    assert (await desk.trading.order(asha, order.id)).status is OrderStatus.OPEN
    assert (await desk.banking.account(None, account)).held > 0

    before = desk.engine.batches
    cancelled = await desk.trading.cancel_order(asha, order.id)
    assert desk.engine.batches - before == 1
    assert (await desk.trading.order(asha, order.id)).status is OrderStatus.CANCELLED
    assert cancelled.status is OrderStatus.CANCELLED
    assert await desk.available(account) == 5 * LAKH
