"""Numbers written as digits or words, with Indian multipliers (lakh, crore)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    # A little Hinglish: users type these when they mix languages.
    "ek": 1, "do": 2, "teen": 3, "char": 4, "paanch": 5, "panch": 5, "das": 10,
    "bees": 20, "pachas": 50, "sau": 100,
}  # fmt: skip
# Hinglish units collide with English words ("do", "char"): they only count
# when a multiplier follows, e.g. "do hazaar", never on their own.
_WEAK_UNITS = {"ek", "do", "teen", "char", "paanch", "panch", "das", "bees", "pachas", "sau"}

MULTIPLIERS: dict[str, int] = {
    "k": 1_000, "thousand": 1_000, "thousands": 1_000, "hazaar": 1_000, "hazar": 1_000,
    "hajar": 1_000, "l": 100_000, "lakh": 100_000, "lakhs": 100_000, "lac": 100_000,
    "lacs": 100_000, "lakhs.": 100_000, "cr": 10_000_000, "crore": 10_000_000,
    "crores": 10_000_000, "crs": 10_000_000, "mn": 1_000_000, "million": 1_000_000,
}  # fmt: skip
_SCALE_WORDS = {"hundred": 100, **{k: v for k, v in MULTIPLIERS.items() if len(k) > 2}}

# A spoken number has at least one of these words (whole, between non-letters).
NUMBER_WORDS = frozenset({*_UNITS, *_SCALE_WORDS})
NUMBER_WORD_RE = re.compile(
    r"\b(?:(?:a|an)\s+)?(?:(?:"
    + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    + r")(?:\s+|-|\s+and\s+)?)+\b",
    re.IGNORECASE,
)


def parse_numeral(raw: str) -> Decimal | None:
    """'2,500.50' or '1,50,000' -> Decimal; Indian and Western grouping alike."""
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return None


def parse_number_words(phrase: str) -> Decimal | None:
    """'two lakh fifty thousand' -> 250000; None when it is not a number."""
    words = [w for w in re.split(r"[\s-]+", phrase.lower().strip()) if w and w != "and"]
    if words and words[0] in {"a", "an"}:
        words[0] = "one"
    if not words:
        return None
    if any(w in _WEAK_UNITS for w in words) and not any(w in _SCALE_WORDS for w in words):
        return None
    total, current = 0, 0
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in _SCALE_WORDS:
            total += max(current, 1) * _SCALE_WORDS[word]
            current = 0
        else:
            return None
    return Decimal(total + current)
