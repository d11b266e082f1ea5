"""Market data: quotes, NSE trading hours, and the port every feed implements.

The equity session runs 09:15-15:30 IST on weekdays (exchange holidays are
not modelled). Outside it a quote is the last session's close. Prices are
integer paise, always on the 0.05 rupee tick.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
OPEN = time(9, 15)
CLOSE = time(15, 30)
SESSION_SECONDS = 6 * 3600 + 15 * 60  # 22,500


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    last: int  # paise
    prev_close: int
    open: int
    high: int
    low: int
    volume: int
    as_of: datetime
    market_open: bool

    @property
    def change(self) -> int:
        return self.last - self.prev_close

    @property
    def change_pct(self) -> float:
        if self.prev_close == 0:
            return 0.0
        return round(self.change * 100 / self.prev_close, 2)

    def to_json(self) -> dict[str, Any]:
        def m(minor: int) -> dict[str, Any]:
            return {"minor": minor, "currency": "INR"}

        return {
            "symbol": self.symbol,
            "last": m(self.last),
            "change": m(self.change),
            "change_pct": self.change_pct,
            "open": m(self.open),
            "high": m(self.high),
            "low": m(self.low),
            "prev_close": m(self.prev_close),
            "volume": self.volume,
            "as_of": self.as_of.isoformat(),
            "market_open": self.market_open,
        }


class MarketData(Protocol):
    """A source of quotes. Implementations: ``SimulatedFeed``, ``ReplayFeed``."""

    def symbols(self) -> tuple[str, ...]: ...

    def quote(self, symbol: str) -> Quote:
        """The quote now (by the feed's clock); KeyError for an unknown symbol."""
        ...


# -- trading hours ------------------------------------------------------------------


def is_trading_day(day: date) -> bool:
    return day.weekday() < 5


def session_bounds(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, OPEN, tzinfo=IST), datetime.combine(day, CLOSE, tzinfo=IST)


def is_open(now: datetime) -> bool:
    local = now.astimezone(IST)
    if not is_trading_day(local.date()):
        return False
    start, end = session_bounds(local.date())
    return start <= local < end


def previous_trading_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def next_trading_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def last_session_day(now: datetime) -> date:
    """The session whose prices are current: today once it has opened, else the one before."""
    local = now.astimezone(IST)
    day = local.date()
    if is_trading_day(day) and local.time() >= OPEN:
        return day
    return previous_trading_day(day)


def order_session(now: datetime) -> date:
    """The session an order placed now trades in: today if open, else the next one."""
    local = now.astimezone(IST)
    day = local.date()
    if is_trading_day(day) and local.time() < CLOSE:
        return day
    return next_trading_day(day)


def session_close(day: date) -> datetime:
    return session_bounds(day)[1]


def round_to_tick(minor: float, tick: int = 5) -> int:
    """Nearest tick, at least one tick."""
    return max(tick, round(minor / tick) * tick)
