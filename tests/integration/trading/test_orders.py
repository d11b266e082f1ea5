"""Orders against the seeded feed on real databases: fills, holds, charges, edge cases."""

from __future__ import annotations

import contextlib
import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from domain.errors import Conflict, InvalidInput, Rejected
from domain.trading.charges import delivery_charges
from domain.trading.orders import OrderRequest, OrderStatus, OrderType, Side
from tests.integration.banking.ledger import check_ledger
from tests.integration.trading.market import Desk

LAKH = 1_00_000_00


def buy(symbol: str, qty: int, kind: OrderType = OrderType.MARKET, **prices: int) -> OrderRequest:
    return OrderRequest(symbol, Side.BUY, qty, kind, prices.get("limit"), prices.get("trigger"))


def sell(symbol: str, qty: int, kind: OrderType = OrderType.MARKET, **prices: int) -> OrderRequest:
    return OrderRequest(symbol, Side.SELL, qty, kind, prices.get("limit"), prices.get("trigger"))


async def test_a_market_buy_fills_at_once_and_spends_value_plus_charges(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    order = await desk.trading.place_order(asha, "o-1", buy("INFY", 10))
    assert order.status is OrderStatus.FILLED
    assert order.filled_quantity == 10
    [trade] = await desk.trading.trades(asha)
    assert trade.charges == delivery_charges("buy", trade.value)
    assert order.charges == trade.charges.total
    view = await desk.banking.account(None, account)
    assert view.held == 0
    assert view.balance == 5 * LAKH - trade.value - trade.charges.total
    [holding] = await desk.trading.holdings(asha)
    assert (holding.symbol, holding.quantity, holding.cost) == ("INFY", 10, trade.value)
    ledger = await check_ledger(desk.db)
    assert ledger.balances["acc_charges_inr"] == trade.charges.total
    assert ledger.balances["acc_exchange_inr"] == trade.value


async def test_each_fill_is_recorded_in_the_audit_log_with_the_trade(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    order = await desk.trading.place_order(asha, "o-audit", buy("INFY", 10))
    [trade] = await desk.trading.trades(asha)
    async with desk.db.reading() as conn:
        rows = await conn.execute(
            text("SELECT entry FROM ledger_entries WHERE event_type = 'order_fill'")
        )
        entries = [json.loads(r[0]) for r in rows]
    [entry] = entries
    assert entry["type"] == "order_fill" and entry["customer_id"] == asha
    assert (entry["order_id"], entry["symbol"], entry["side"]) == (order.id, "INFY", "buy")
    assert (entry["quantity"], entry["price"], entry["currency"]) == (10, trade.price, "INR")


async def test_a_market_fill_slips_against_the_customer(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    last = desk.trading.quote("INFY").last
    await desk.trading.place_order(asha, "b", buy("INFY", 10))
    await desk.trading.place_order(asha, "s", sell("INFY", 10))
    bought, sold = sorted(await desk.trading.trades(asha), key=lambda t: t.side.value)
    assert bought.price > last > sold.price


async def test_selling_more_than_held_is_refused_and_changes_nothing(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    await desk.trading.place_order(asha, "b", buy("TCS", 2))
    before = await desk.available(account)
    with pytest.raises(Rejected) as err:
        await desk.trading.place_order(asha, "s", sell("TCS", 3))
    assert err.value.code == "insufficient_holdings"
    assert await desk.available(account) == before
    assert len(await desk.trading.orders(asha)) == 1


async def test_shares_in_open_sell_orders_cannot_be_sold_twice(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    await desk.trading.place_order(asha, "b", buy("ITC", 10))
    high = desk.trading.quote("ITC").last * 11 // 10 // 5 * 5
    await desk.trading.place_order(asha, "s1", sell("ITC", 8, OrderType.LIMIT, limit=high))
    with pytest.raises(Rejected) as err:
        await desk.trading.place_order(asha, "s2", sell("ITC", 3))
    assert err.value.code == "insufficient_holdings"


async def test_a_buy_without_the_funds_is_refused_and_stores_no_order(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 1_000_00)
    with pytest.raises(Rejected) as err:
        await desk.trading.place_order(asha, "o", buy("TCS", 10))
    assert err.value.code == "insufficient_funds"
    assert await desk.trading.orders(asha) == []
    assert await desk.available(account) == 1_000_00


async def test_a_price_off_the_tick_is_refused(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    last = desk.trading.quote("INFY").last
    with pytest.raises(InvalidInput) as err:
        await desk.trading.place_order(asha, "o", buy("INFY", 1, OrderType.LIMIT, limit=last + 3))
    assert err.value.code == "invalid_tick"


async def test_a_price_outside_the_daily_band_is_refused(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 50 * LAKH)
    prev = desk.trading.quote("INFY").prev_close
    limit = (prev * 125 // 100) // 5 * 5
    with pytest.raises(Rejected) as err:
        await desk.trading.place_order(asha, "o", buy("INFY", 1, OrderType.LIMIT, limit=limit))
    assert err.value.code == "outside_price_band"


async def test_zero_quantity_is_refused(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", LAKH)
    with pytest.raises(InvalidInput) as err:
        await desk.trading.place_order(asha, "o", buy("INFY", 0))
    assert err.value.code == "invalid_quantity"


async def test_market_orders_are_refused_outside_hours_with_a_clear_message(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    desk.clock.set(datetime(2026, 11, 21, 6, 0, tzinfo=UTC))  # Saturday
    with pytest.raises(Rejected) as err:
        await desk.trading.place_order(asha, "o", buy("INFY", 1))
    assert err.value.code == "market_closed"
    assert "09:15-15:30" in err.value.message


async def test_a_limit_order_placed_after_hours_rests_until_the_next_session(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    desk.clock.set(datetime(2026, 11, 16, 12, 0, tzinfo=UTC))  # Monday 17:30 IST
    last = desk.trading.quote("INFY").last
    limit = (last * 115 // 100) // 5 * 5  # well above: fills at the next open
    order = await desk.trading.place_order(
        asha, "amo", buy("INFY", 5, OrderType.LIMIT, limit=limit)
    )
    assert (order.status, order.amo) == (OrderStatus.OPEN, True)
    assert order.valid_until == datetime(2026, 11, 17, 10, 0, tzinfo=UTC)  # Tuesday 15:30 IST
    assert await desk.trading.match() == 0
    desk.clock.set(datetime(2026, 11, 17, 3, 46, tzinfo=UTC))  # Tuesday 09:16 IST
    assert await desk.trading.match() == 1
    filled = await desk.trading.order(asha, order.id)
    assert filled.status is OrderStatus.FILLED
    assert (await desk.banking.account(None, account)).held == 0


async def test_day_orders_expire_at_the_close_and_release_their_hold(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 5 * LAKH)
    low = (desk.trading.quote("INFY").prev_close * 81 // 100) // 5 * 5 + 5
    order = await desk.trading.place_order(asha, "o", buy("INFY", 5, OrderType.LIMIT, limit=low))
    assert (await desk.banking.account(None, account)).held > 0
    desk.clock.set(datetime(2026, 11, 16, 10, 0, tzinfo=UTC))  # 15:30 IST
    await desk.trading.match()
    expired = await desk.trading.order(asha, order.id)
    assert expired.status is OrderStatus.EXPIRED
    assert await desk.available(account) == 5 * LAKH


async def test_large_orders_fill_partially_over_several_passes(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 50 * LAKH)
    desk.trading.max_fill = 4
    order = await desk.trading.place_order(asha, "o", buy("INFY", 10))
    assert (order.status, order.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, 4)
    assert (await desk.banking.account(None, account)).held > 0
    await desk.trading.match()
    desk.clock.advance(timedelta(seconds=1))
    await desk.trading.match()
    done = await desk.trading.order(asha, order.id)
    assert (done.status, done.filled_quantity) == (OrderStatus.FILLED, 10)
    trades = await desk.trading.trades(asha, order_id=order.id)
    assert sorted(t.quantity for t in trades) == [2, 4, 4]
    view = await desk.banking.account(None, account)
    assert view.held == 0
    assert view.balance == 50 * LAKH - sum(t.value + t.charges.total for t in trades)
    await check_ledger(desk.db)


async def test_cancelling_a_partly_filled_order_releases_the_rest_of_its_hold(desk: Desk) -> None:
    asha, account = await desk.customer("asha", 50 * LAKH)
    desk.trading.max_fill = 3
    order = await desk.trading.place_order(asha, "o", buy("INFY", 10))
    cancelled = await desk.trading.cancel_order(asha, order.id)
    assert (cancelled.status, cancelled.filled_quantity) == (OrderStatus.CANCELLED, 3)
    [trade] = await desk.trading.trades(asha)
    assert await desk.available(account) == 50 * LAKH - trade.value - trade.charges.total
    await check_ledger(desk.db)


async def test_cancelling_a_filled_order_is_refused(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    order = await desk.trading.place_order(asha, "o", buy("INFY", 1))
    with pytest.raises(Rejected) as err:
        await desk.trading.cancel_order(asha, order.id)
    assert err.value.code == "order_not_open"


async def test_a_stop_loss_sell_waits_for_its_trigger(desk: Desk) -> None:
    asha, _ = await desk.customer("asha", 5 * LAKH)
    await desk.trading.place_order(asha, "b", buy("INFY", 5))
    last = desk.trading.quote("INFY").last
    trigger = (last * 99 // 100) // 5 * 5
    order = await desk.trading.place_order(
        asha, "sl", sell("INFY", 5, OrderType.STOP_LOSS, trigger=trigger)
    )
    assert order.status is OrderStatus.OPEN
    # Walk the day until the price falls through the trigger (or the close).
    while desk.trading.quote("INFY").last > trigger and desk.trading.quote("INFY").market_open:
        desk.clock.advance(timedelta(minutes=1))
    await desk.trading.match()
    after = await desk.trading.order(asha, order.id)
    if desk.trading.quote("INFY").market_open:
        assert after.status is OrderStatus.FILLED
    else:
        assert after.status is OrderStatus.EXPIRED


async def test_placing_twice_with_one_client_id_places_one_order(desk: Desk) -> None:
    asha, _account = await desk.customer("asha", 5 * LAKH)
    first = await desk.trading.place_order(asha, "same", buy("INFY", 2))
    again = await desk.trading.place_order(asha, "same", buy("INFY", 2))
    assert again.id == first.id
    assert len(await desk.trading.trades(asha)) == 1
    with pytest.raises(Conflict):
        await desk.trading.place_order(asha, "same", buy("INFY", 3))


async def test_money_is_conserved_across_a_day_of_random_orders(desk: Desk) -> None:
    rng = random.Random(5)
    people = [await desk.customer(f"c{i}", 20 * LAKH) for i in range(3)]
    symbols = ["INFY", "TCS", "ITC", "SBIN", "NIFTYBEES"]
    desk.trading.max_fill = 7
    desk.clock.set(datetime(2026, 11, 16, 3, 46, tzinfo=UTC))  # 09:16 IST
    for n in range(60):
        user, _ = rng.choice(people)
        symbol = rng.choice(symbols)
        quote = desk.trading.quote(symbol)
        side = rng.choice([Side.BUY, Side.SELL])
        kind = rng.choice([OrderType.MARKET, OrderType.LIMIT])
        limit = None
        if kind is OrderType.LIMIT:
            limit = (quote.last * rng.randint(97, 103) // 100) // 5 * 5
        with contextlib.suppress(Rejected):
            await desk.trading.place_order(
                user, f"r{n}", OrderRequest(symbol, side, rng.randint(1, 12), kind, limit)
            )
        if rng.random() < 0.2:
            live = await desk.trading.orders(user, live_only=True)
            if live:
                await desk.trading.cancel_order(user, rng.choice(live).id)
        desk.clock.advance(timedelta(minutes=6))
        await desk.trading.match()
    desk.clock.set(datetime(2026, 11, 16, 10, 1, tzinfo=UTC))  # after the close
    await desk.trading.match()
    ledger = await check_ledger(desk.db)
    for user, account in people:
        trades = await desk.trading.trades(user, limit=10_000)
        spent = sum(t.value + t.charges.total for t in trades if t.side is Side.BUY)
        earned = sum(t.value - t.charges.total for t in trades if t.side is Side.SELL)
        assert ledger.balances[account] == 20 * LAKH - spent + earned
        assert ledger.held[account] == 0
        for h in await desk.trading.holdings(user):
            net = sum(
                t.quantity if t.side is Side.BUY else -t.quantity
                for t in trades
                if t.symbol == h.symbol
            )
            assert h.quantity == net
    charges = 0
    for user, _ in people:
        charges += sum(t.charges.total for t in await desk.trading.trades(user, limit=10_000))
    assert ledger.balances["acc_charges_inr"] == charges
