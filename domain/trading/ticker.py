"""Fans quotes out to subscribers, each for the symbols it asked about.

A tick is encoded to JSON once per symbol and the same text handed to every
subscriber of that symbol, so a thousand listeners cost a thousand queue
puts, not a thousand encodings. Only changed quotes are sent. Each tick
carries ``sent_at`` (seconds since the epoch, from the injected wall clock)
so a client can tell how long it took to arrive.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable

from domain.trading.market import MarketData, Quote

Deliver = Callable[[str], None]


def tick_message(quote: Quote, sent_at: float | None = None) -> str:
    doc = {"type": "tick", **quote.to_json()}
    if sent_at is not None:
        doc["sent_at"] = sent_at
    return json.dumps(doc, separators=(",", ":"))


class Ticker:
    def __init__(self, feed: MarketData, *, wall: Callable[[], float] = time.time) -> None:
        self._feed = feed
        self._wall = wall
        self._subs: dict[str, dict[int, Deliver]] = {}
        self._last: dict[str, tuple[int, int]] = {}
        self._next = 0

    def subscribe(self, symbols: Iterable[str], deliver: Deliver) -> Callable[[], None]:
        """Send ``deliver`` each tick of ``symbols``; returns the unsubscribe function."""
        self._next += 1
        key = self._next
        chosen = set(symbols)
        for symbol in chosen:
            self._subs.setdefault(symbol, {})[key] = deliver

        def unsubscribe() -> None:
            for symbol in chosen:
                subs = self._subs.get(symbol)
                if subs is not None:
                    subs.pop(key, None)
                    if not subs:
                        del self._subs[symbol]

        return unsubscribe

    @property
    def subscribers(self) -> int:
        return len({k for subs in self._subs.values() for k in subs})

    def publish(self, *, force: bool = False) -> int:
        """Send every changed quote to its subscribers; returns messages handed out."""
        sent = 0
        for symbol, subs in list(self._subs.items()):
            quote = self._feed.quote(symbol)
            state = (quote.last, quote.volume)
            if not force and self._last.get(symbol) == state:
                continue
            self._last[symbol] = state
            text = tick_message(quote, self._wall())
            for deliver in list(subs.values()):
                deliver(text)
                sent += 1
        return sent
