"""NSE symbols from tickers, company names and aliases, tolerant of typos."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from domain.trading.instruments import Instrument, load_instruments

# Below this a typo'd single word is more likely an ordinary word than a
# company ("balance" is 80 against "reliance").
FUZZY_CUTOFF = 85.0
_MIN_FUZZY_LEN = 5
_MAX_SEEN = 50_000


def symbol_phrases(instruments: Iterable[Instrument] | None = None) -> dict[str, list[str]]:
    """Symbol -> every lower-case phrase naming it, for the phrase matcher."""
    return {i.symbol: list(i.names) for i in (instruments or load_instruments())}


class FuzzySymbols:
    """Resolve a single misspelt word ("infosis") to a symbol."""

    def __init__(self, phrases: Mapping[str, Sequence[str]], known_words: Iterable[str]) -> None:
        self._by_word: dict[str, str] = {}
        for symbol, names in phrases.items():
            for name in names:
                if " " not in name and len(name) >= _MIN_FUZZY_LEN and name.isalpha():
                    self._by_word.setdefault(name, symbol)
        self._choices = list(self._by_word)
        # Words the product already understands are never read as a typo'd company.
        self._known = {w.lower() for w in known_words}
        self._seen: dict[str, str | None] = {}

    def may_match(self, lowered: str) -> bool:
        """Whether :meth:`lookup` would try ``lowered`` at all (cheap)."""
        return len(lowered) >= _MIN_FUZZY_LEN and lowered.isalpha() and lowered not in self._known

    def lookup(self, word: str) -> str | None:
        lowered = word.lower()
        if not self.may_match(lowered):
            return None
        if lowered in self._seen:
            return self._seen[lowered]
        best = process.extractOne(
            lowered, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        symbol = self._by_word[best[0]] if best else None
        if len(self._seen) < _MAX_SEEN:  # typos repeat; the answer for a word never changes
            self._seen[lowered] = symbol
        return symbol
