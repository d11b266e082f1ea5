"""A market feed that replays historical bars from CSV, by the injected clock.

The CSV has a header ``symbol,time,open,high,low,close,volume``: ``time`` is
an ISO timestamp with a zone (the bar's start), prices are rupees as
exchanges publish them ("1523.45"), volume is shares. A quote at time t is
the last bar started at or before t; the day's high, low and volume are
those of that day's bars so far.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from domain.clock import Clock
from domain.trading.market import IST, Quote, is_open


@dataclass(frozen=True, slots=True)
class Bar:
    at: datetime
    open: int
    high: int
    low: int
    close: int
    volume: int


def _paise(text: str) -> int:
    return int((Decimal(text.strip()) * 100).to_integral_value())


def parse_bars(text: str) -> dict[str, list[Bar]]:
    """Bars by symbol, in time order; ValueError naming the bad line."""
    out: dict[str, list[Bar]] = defaultdict(list)
    for line_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            at = datetime.fromisoformat(row["time"].strip())
            if at.tzinfo is None:
                raise ValueError("time needs a zone")
            bar = Bar(
                at,
                _paise(row["open"]),
                _paise(row["high"]),
                _paise(row["low"]),
                _paise(row["close"]),
                int(row["volume"]),
            )
        except (KeyError, ValueError, InvalidOperation, AttributeError) as exc:
            raise ValueError(f"bars line {line_no}: {exc}") from exc
        out[row["symbol"].strip().upper()].append(bar)
    for bars in out.values():
        bars.sort(key=lambda b: b.at)
    return dict(out)


class ReplayFeed:
    """Quotes from recorded bars; before the first bar a symbol has no quote."""

    def __init__(self, bars: dict[str, list[Bar]], clock: Clock) -> None:
        self._bars = bars
        self._times = {s: [b.at for b in bs] for s, bs in bars.items()}
        self._clock = clock

    @classmethod
    def from_csv(cls, text: str, clock: Clock) -> ReplayFeed:
        return cls(parse_bars(text), clock)

    def symbols(self) -> tuple[str, ...]:
        return tuple(self._bars)

    def quote(self, symbol: str) -> Quote:
        now = self._clock.now()
        bars = self._bars[symbol]
        i = bisect.bisect_right(self._times[symbol], now) - 1
        if i < 0:
            raise KeyError(symbol)
        bar = bars[i]
        day = _day(bar.at)
        start = i
        while start > 0 and _day(bars[start - 1].at) == day:
            start -= 1
        today = bars[start : i + 1]
        prev_close = bars[start - 1].close if start > 0 else today[0].open
        return Quote(
            symbol=symbol,
            last=bar.close,
            prev_close=prev_close,
            open=today[0].open,
            high=max(b.high for b in today),
            low=min(b.low for b in today),
            volume=sum(b.volume for b in today),
            as_of=bar.at,
            market_open=is_open(now),
        )


def _day(at: datetime) -> date:
    return at.astimezone(IST).date()
