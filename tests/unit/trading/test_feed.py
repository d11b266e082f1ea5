"""The simulated feed is deterministic by seed and keeps NSE hours; the replay feed reads CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.clock import ManualClock
from domain.trading.instruments import load_instruments
from domain.trading.market import is_open, order_session
from domain.trading.replay import ReplayFeed
from domain.trading.simfeed import SimulatedFeed

MONDAY_1030 = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)


def feed(seed: int = 7, when: datetime = MONDAY_1030) -> SimulatedFeed:
    return SimulatedFeed(load_instruments(), ManualClock(when), seed=seed)


def test_the_same_seed_gives_the_same_prices() -> None:
    assert feed(7).quote("INFY") == feed(7).quote("INFY")
    assert feed(7).quote("TCS").last != feed(8).quote("TCS").last


def test_a_quote_does_not_depend_on_what_was_asked_before() -> None:
    warm = feed(7)
    for minutes in range(0, 300, 37):
        warm.quote_at("INFY", MONDAY_1030 - timedelta(days=40, minutes=minutes))
    assert warm.quote("INFY") == feed(7).quote("INFY")


def test_prices_sit_on_the_tick_inside_the_days_range() -> None:
    for symbol in ("RELIANCE", "INFY", "NIFTYBEES", "ITC"):
        q = feed().quote(symbol)
        assert q.last % 5 == 0
        assert q.low <= q.last <= q.high
        assert q.market_open


def test_opening_prices_start_near_real_levels() -> None:
    f = feed(when=datetime(2026, 1, 2, 4, 0, tzinfo=UTC))
    for instrument in load_instruments()[:10]:
        last = f.quote(instrument.symbol).last
        assert 0.8 < last / instrument.ref_price_minor < 1.25


def test_outside_hours_the_quote_is_the_last_close() -> None:
    saturday = feed(when=datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    friday_close = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    q = saturday.quote("INFY")
    assert not q.market_open
    assert q.as_of == friday_close
    assert q.last == saturday.session_close("INFY", friday_close.date())


def test_the_previous_close_is_yesterdays_last_price() -> None:
    f = feed()
    tuesday = f.quote_at("INFY", MONDAY_1030 + timedelta(days=1))
    assert tuesday.prev_close == f.quote_at("INFY", MONDAY_1030 + timedelta(hours=6)).last


def test_market_hours_are_0915_to_1530_ist_on_weekdays() -> None:
    assert is_open(datetime(2026, 11, 16, 3, 45, tzinfo=UTC))  # 09:15
    assert not is_open(datetime(2026, 11, 16, 3, 44, tzinfo=UTC))
    assert not is_open(datetime(2026, 11, 16, 10, 0, tzinfo=UTC))  # 15:30
    assert not is_open(datetime(2026, 11, 21, 5, 0, tzinfo=UTC))  # Saturday
    assert order_session(datetime(2026, 11, 20, 12, 0, tzinfo=UTC)).isoformat() == "2026-11-23"


BARS = """symbol,time,open,high,low,close,volume
INFY,2026-11-13T15:29:00+05:30,1500.00,1502.00,1499.00,1501.50,900
INFY,2026-11-16T09:15:00+05:30,1505.00,1510.00,1504.00,1508.00,1000
INFY,2026-11-16T09:16:00+05:30,1508.00,1512.50,1503.00,1511.05,700
"""


def test_the_replay_feed_quotes_the_last_bar_with_the_days_range() -> None:
    clock = ManualClock(datetime(2026, 11, 16, 3, 46, 30, tzinfo=UTC))  # 09:16:30 IST
    q = ReplayFeed.from_csv(BARS, clock).quote("INFY")
    assert (q.last, q.prev_close, q.high, q.low, q.volume) == (
        1511_05,
        1501_50,
        1512_50,
        1503_00,
        1700,
    )
    assert q.change == 9_55
