"""All entity extractors behind one call, on a blank spaCy English pipeline.

spaCy gives the tokenizer and a phrase matcher over lower-cased tokens for
lookup tables (symbols, categories, merchants, accounts, side, order type);
numbers, dates and payees are regular expressions whose offsets index the
original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import spacy
from spacy.attrs import ORTH
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer

from intents.entities.amounts import extract_numbers
from intents.entities.dates import extract_dates
from intents.entities.payees import extract_payees
from intents.entities.symbols import FuzzySymbols, symbol_phrases
from intents.result import Entity

# When two lookups claim the same words, the earlier type wins ("hdfc bank"
# is a symbol before it is a merchant).
_PRIORITY = ("symbol", "account", "order_type", "side", "merchant", "category")
_TRADING_TYPES = {"symbol", "side", "order_type"}
# "buy" is only an order side when something is being traded ("buy a car" is not).
_TRADING_WORDS = re.compile(r"\b(?:shares?|stocks?|orders?|units?|etfs?|positions?|qty)\b", re.I)
# Letter runs of lower-cased ASCII text. spaCy only splits a letter run inside
# its special cases ("cannot" -> "can" "not"), so a lookup phrase can match only
# when one of these runs is a phrase's first word (or the text holds such a
# special case).
_RUNS = re.compile(r"[a-z]+")


class EntityExtractor:
    """Stateless after construction; safe to share between threads."""

    def __init__(
        self, synonyms: Mapping[str, Mapping[str, Sequence[str]]], known_words: Iterable[str]
    ) -> None:
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab, attr="LOWER")
        tables: dict[str, Mapping[str, Sequence[str]]] = {
            "symbol": symbol_phrases(),
            **synonyms,
        }
        self._lookup_words: set[str] = set()
        first_words: set[str] = set()
        for kind, table in tables.items():
            for canonical, phrases in table.items():
                key = f"{kind}\x1f{canonical}"
                # Only listed phrases match: a canonical value such as "current"
                # or "market" is too common a word on its own.
                docs = [self._nlp.make_doc(p) for p in phrases]
                self._matcher.add(key, docs)
                first_words.update(d[0].lower_ for d in docs if len(d))
                if kind != "symbol":
                    self._lookup_words.update(w for p in phrases for w in p.lower().split())
        self._fuzzy = FuzzySymbols(tables["symbol"], known_words)
        self._triggers = {w for w in first_words if w.isalpha()}
        # spaCy's special cases split letter runs ("can't" -> "ca" "n't"), and a
        # few first words are not letters ("m&m"): for those, look for the text.
        tokenizer: Tokenizer = self._nlp.tokenizer
        self._specials: dict[str, set[str]] = {}  # its first letter run -> special case
        for special, pieces in tokenizer.rules.items():
            words = [str(p.get(ORTH, "")).lower() for p in pieces]
            runs = _RUNS.findall(special.lower())
            if runs and any(w in self._triggers or self._fuzzy.lookup(w) for w in words):
                self._specials.setdefault(runs[0], set()).add(special.lower())
        self._odd_firsts = tuple(sorted(first_words - self._triggers))

    @property
    def lookup_words(self) -> set[str]:
        return self._lookup_words

    def _may_look_up(self, text: str, words: set[str] | None) -> bool:
        """False only when neither the phrase matcher nor a fuzzy symbol can fire."""
        if words is None:
            return True
        if not words.isdisjoint(self._triggers):
            return True
        lowered = text.lower()
        if any(s in lowered for s in self._odd_firsts):
            return True
        for run in words.intersection(self._specials):
            if any(s in lowered for s in self._specials[run]):
                return True
        return any(self._fuzzy.lookup(w) for w in words if self._fuzzy.may_match(w))

    def _lookups(self, text: str, words: set[str] | None = None) -> list[Entity]:
        if not self._may_look_up(text, words):
            return []
        doc = self._nlp.make_doc(text)
        found: list[tuple[int, int, str, str]] = []
        for match_id, start, end in self._matcher(doc):
            kind, canonical = self._nlp.vocab.strings[match_id].split("\x1f", 1)
            found.append((doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), kind, canonical))
        for token in doc:
            if token.is_alpha and not any(s <= token.idx < e for s, e, _, _ in found):
                symbol = self._fuzzy.lookup(token.text)
                if symbol:
                    found.append((token.idx, token.idx + len(token), "symbol", symbol))
        found.sort(key=lambda f: (-(f[1] - f[0]), _PRIORITY.index(f[2]), f[0]))
        kept: list[tuple[int, int, str, str]] = []
        for item in found:
            if all(item[1] <= k[0] or k[1] <= item[0] for k in kept):
                kept.append(item)
        return [Entity(kind, value, text[s:e], s, e) for s, e, kind, value in kept]

    def extract(self, text: str, today: date) -> list[Entity]:
        """Every entity in ``text``, sorted by position, never overlapping."""
        # The set of letter runs lets each extractor skip rules whose words are
        # absent; None (non-ASCII text) means "run every rule".
        words = set(_RUNS.findall(text.lower())) if text.isascii() else None
        dates = extract_dates(text, today)
        lookups = [e for e in self._lookups(text, words) if _free(e, dates)]
        symbols = [(e.start, e.end) for e in lookups if e.type == "symbol"]
        traded = bool(symbols) or any(e.type == "order_type" for e in lookups)
        if lookups and not traded and not _TRADING_WORDS.search(text):
            lookups = [e for e in lookups if e.type != "side"]
        trading = any(e.type in _TRADING_TYPES for e in lookups)
        taken = [(e.start, e.end) for e in (*dates, *lookups)]
        numbers = extract_numbers(text, taken, symbols, trading, words)
        taken += [(e.start, e.end) for e in numbers]
        payees = extract_payees(text, taken, self._lookup_words, words)
        return sorted([*dates, *lookups, *numbers, *payees], key=lambda e: e.start)


def _free(entity: Entity, others: Sequence[Entity]) -> bool:
    return all(entity.end <= o.start or o.end <= entity.start for o in others)
