"""The tradable instrument list shipped with Swayam (NSE large caps and ETFs)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Instrument:
    """One NSE instrument; prices are integer paise, never floats."""

    symbol: str
    name: str
    aliases: tuple[str, ...]
    isin: str | None
    tick_size_minor: int
    lot_size: int
    ref_price_minor: int

    @property
    def names(self) -> tuple[str, ...]:
        """Every lower-cased way a user may refer to this instrument."""
        seen = dict.fromkeys((self.symbol.lower(), self.name.lower(), *self.aliases))
        return tuple(seen)


def _tick_to_minor(tick: str) -> int:
    # The CSV says rupees ("0.05") as exchanges publish it; store paise.
    return int(Decimal(tick) * 100)


def parse_instruments(text: str) -> tuple[Instrument, ...]:
    """Parse the instrument CSV; raise ValueError naming the bad row."""
    rows = csv.DictReader(io.StringIO(text))
    out: list[Instrument] = []
    for line_no, row in enumerate(rows, start=2):
        try:
            out.append(
                Instrument(
                    symbol=row["symbol"].strip().upper(),
                    name=row["name"].strip(),
                    aliases=tuple(
                        a.strip().lower() for a in row["aliases"].split("|") if a.strip()
                    ),
                    isin=row["isin"].strip() or None,
                    tick_size_minor=_tick_to_minor(row["tick_size"]),
                    lot_size=int(row["lot_size"]),
                    ref_price_minor=int(row["ref_price_minor"]),
                )
            )
        except (KeyError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"instruments.csv line {line_no}: {exc}") from exc
    return tuple(out)


@cache
def load_instruments() -> tuple[Instrument, ...]:
    """Load the shipped instruments.csv (cached: it never changes at run time)."""
    text = resources.files(__package__).joinpath("instruments.csv").read_text("utf-8")
    return parse_instruments(text)


def instruments_by_symbol() -> dict[str, Instrument]:
    """Map of upper-case symbol to instrument."""
    return {i.symbol: i for i in load_instruments()}
