"""What can be traded and at what price: instruments by symbol or alias, and their quotes."""

from __future__ import annotations

from domain.errors import NotFound
from domain.trading.instruments import Instrument, load_instruments
from domain.trading.market import MarketData, Quote


class Catalog:
    def __init__(self, feed: MarketData, instruments: tuple[Instrument, ...] | None = None) -> None:
        self.feed = feed
        self.by_symbol = {i.symbol: i for i in (instruments or load_instruments())}
        self._aliases = {name: i for i in self.by_symbol.values() for name in i.names}

    def instruments(self) -> list[Instrument]:
        return list(self.by_symbol.values())

    def instrument(self, name: str) -> Instrument:
        """By symbol or any alias ("infosys", "hdfc bank"); NotFound otherwise."""
        found = self.by_symbol.get(name.strip().upper()) or self._aliases.get(name.strip().lower())
        if found is None:
            raise NotFound("unknown_symbol", f"I don't know the symbol “{name.strip()}”.")
        return found

    def quote(self, symbol: str) -> Quote:
        instrument = self.instrument(symbol)
        try:
            return self.feed.quote(instrument.symbol)
        except KeyError:
            raise NotFound("no_quote", f"No price for {instrument.symbol} yet.") from None
