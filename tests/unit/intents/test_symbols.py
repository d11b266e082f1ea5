from __future__ import annotations

import pytest

from domain.trading.instruments import load_instruments
from intents import NLU
from tests.unit.intents.conftest import REFERENCE


def symbols(nlu: NLU, text: str) -> list[str]:
    return [str(e.value) for e in nlu.parse(text, REFERENCE).entities_of("symbol")]


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("price of Infosys", "INFY"),
        ("quote INFY", "INFY"),
        ("HDFC Bank share price", "HDFCBANK"),
        ("hdfc life price", "HDFCLIFE"),
        ("buy nifty bees", "NIFTYBEES"),
        ("how is L&T doing", "LT"),
        ("sell my m&m", "M&M"),
        ("infosis price", "INFY"),
        ("buy 10 tata steel", "TATASTEEL"),
    ],
)
def test_names_aliases_and_typos_resolve_to_nse_symbols(nlu: NLU, text: str, symbol: str) -> None:
    assert symbols(nlu, text) == [symbol]


def test_ordinary_words_are_not_fuzzy_matched_to_companies(nlu: NLU) -> None:
    assert symbols(nlu, "what is my balance") == []


def test_instrument_list_has_the_large_caps_and_etfs() -> None:
    by_symbol = {i.symbol: i for i in load_instruments()}
    assert len(by_symbol) >= 50
    for symbol in ("RELIANCE", "INFY", "HDFCBANK", "M&M", "NIFTYBEES", "GOLDBEES"):
        assert by_symbol[symbol].tick_size_minor == 5
        assert by_symbol[symbol].ref_price_minor > 0
