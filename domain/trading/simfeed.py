"""The embedded market feed: a seeded simulation, the same for the same seed.

Daily closes follow geometric Brownian motion from each instrument's reference
price on an anchor date (backwards before it, forwards after it), with a
per-instrument volatility. Within a session the price is a Brownian bridge
from the open (the previous close plus a small gap) to that day's close, one
point per second, so any moment of any day is computed, never stored, and a
quote depends only on the seed and the time asked about.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

from domain.clock import Clock
from domain.trading.instruments import Instrument
from domain.trading.market import (
    IST,
    SESSION_SECONDS,
    Quote,
    is_trading_day,
    last_session_day,
    next_trading_day,
    previous_trading_day,
    session_bounds,
)

ANCHOR = date(2026, 1, 1)
_DT = 1 / 252  # one trading day in years
# Lower volatility for index and gold ETFs than for single stocks.
_ETF_VOL = {"NIFTYBEES": 0.13, "BANKBEES": 0.17, "GOLDBEES": 0.11, "JUNIORBEES": 0.16}


def _stable(*parts: object) -> int:
    """A 64-bit integer from the parts, the same in every process (unlike ``hash``)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True, slots=True)
class _Day:
    prices: npt.NDArray[np.int64]  # paise, one per second of the session, plus the close
    highs: npt.NDArray[np.int64]
    lows: npt.NDArray[np.int64]
    volume: npt.NDArray[np.int64]  # cumulative


class SimulatedFeed:
    """Quotes for the shipped instruments from a seeded simulation."""

    def __init__(
        self,
        instruments: tuple[Instrument, ...],
        clock: Clock,
        *,
        seed: int = 7,
        anchor: date = ANCHOR,
        cache_days: int = 256,
    ) -> None:
        self._instruments = {i.symbol: i for i in instruments}
        self._clock = clock
        self._seed = seed
        self._anchor = anchor if is_trading_day(anchor) else next_trading_day(anchor)
        self._closes: dict[str, dict[date, float]] = {}
        self._days: OrderedDict[tuple[str, date], _Day] = OrderedDict()
        self._cache_days = cache_days

    def symbols(self) -> tuple[str, ...]:
        return tuple(self._instruments)

    def volatility(self, symbol: str) -> float:
        """Annual volatility: 18-40% for stocks, lower for ETFs."""
        if symbol in _ETF_VOL:
            return _ETF_VOL[symbol]
        return 0.18 + (_stable(self._seed, "vol", symbol) % 2200) / 10_000

    # -- daily closes -------------------------------------------------------------

    def _shock(self, symbol: str, day: date) -> float:
        rng = np.random.default_rng(_stable(self._seed, "day", symbol, day.toordinal()))
        return float(rng.standard_normal())

    def _step(self, symbol: str, day: date) -> float:
        """The log return from the session before ``day`` to ``day``."""
        sigma = self.volatility(symbol)
        drift = (0.10 - sigma * sigma / 2) * _DT
        return drift + sigma * math.sqrt(_DT) * self._shock(symbol, day)

    def close(self, symbol: str, day: date) -> float:
        """The closing price (paise, unrounded) of the session on or before ``day``."""
        if not is_trading_day(day):
            day = previous_trading_day(day)
        closes = self._closes.setdefault(
            symbol, {self._anchor: float(self._instruments[symbol].ref_price_minor)}
        )
        if day in closes:
            return closes[day]
        # Walk from the nearest known close towards the day asked for.
        if day > self._anchor:
            known = max(d for d in closes if d < day)
            price, d = closes[known], known
            while d < day:
                d = next_trading_day(d)
                price *= math.exp(self._step(symbol, d))
                closes[d] = price
        else:
            known = min(d for d in closes if d > day)
            price, d = closes[known], known
            while d > day:
                price /= math.exp(self._step(symbol, d))
                d = previous_trading_day(d)
                closes[d] = price
        return closes[day]

    # -- one session --------------------------------------------------------------

    def _session(self, symbol: str, day: date) -> _Day:
        key = (symbol, day)
        cached = self._days.get(key)
        if cached is not None:
            self._days.move_to_end(key)
            return cached
        tick = self._instruments[symbol].tick_size_minor
        prev, close = self.close(symbol, previous_trading_day(day)), self.close(symbol, day)
        rng = np.random.default_rng(_stable(self._seed, "intraday", symbol, day.toordinal()))
        sigma = self.volatility(symbol) * math.sqrt(_DT / SESSION_SECONDS)
        log_open = math.log(prev) + float(rng.normal(0.0, 0.003))
        steps = rng.normal(0.0, sigma, SESSION_SECONDS)
        walk = np.concatenate(([0.0], np.cumsum(steps)))
        frac = np.linspace(0.0, 1.0, SESSION_SECONDS + 1)
        bridge = walk - frac * walk[-1]
        logs = log_open + frac * (math.log(close) - log_open) + bridge
        prices = (np.rint(np.exp(logs) / tick) * tick).astype(np.int64)
        prices = np.maximum(prices, tick)
        base = 200_000 + _stable(self._seed, "volume", symbol) % 5_000_000
        per_second = rng.poisson(base / SESSION_SECONDS, SESSION_SECONDS + 1).astype(np.int64)
        session = _Day(
            prices=prices,
            highs=np.maximum.accumulate(prices),
            lows=np.minimum.accumulate(prices),
            volume=np.cumsum(per_second),
        )
        self._days[key] = session
        while len(self._days) > self._cache_days:
            self._days.popitem(last=False)
        return session

    def session_close(self, symbol: str, day: date) -> int:
        """The rounded closing price the session on ``day`` printed."""
        return int(self._session(symbol, day).prices[-1])

    # -- quotes ----------------------------------------------------------------------

    def quote(self, symbol: str) -> Quote:
        return self.quote_at(symbol, self._clock.now())

    def quote_at(self, symbol: str, now: datetime) -> Quote:
        if symbol not in self._instruments:
            raise KeyError(symbol)
        day = last_session_day(now)
        start, end = session_bounds(day)
        local = now.astimezone(IST)
        live = start <= local < end
        index = int((local - start).total_seconds()) if live else SESSION_SECONDS
        session = self._session(symbol, day)
        prev_close = self.session_close(symbol, previous_trading_day(day))
        return Quote(
            symbol=symbol,
            last=int(session.prices[index]),
            prev_close=prev_close,
            open=int(session.prices[0]),
            high=int(session.highs[index]),
            low=int(session.lows[index]),
            volume=int(session.volume[index]),
            as_of=now if live else end,
            market_open=live,
        )
