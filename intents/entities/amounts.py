"""Money, quantities, counts and percentages.

Every number mention is found first, then typed from its neighbours: "10
shares" is a quantity, "at 1500" beside a symbol is a price, "last 5
transactions" is a count, and anything else that looks like money is an
amount. Money is integer paise, never a float.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from intents.entities.numbers import (
    MULTIPLIERS,
    NUMBER_WORD_RE,
    NUMBER_WORDS,
    parse_number_words,
    parse_numeral,
)
from intents.result import Entity

Span = tuple[int, int]

_NUM = r"\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_PRE = r"(?:₹|\b(?:rs|inr|rupees?)\b\.?)\s*"
_MULT = r"(?:\s*(?:lakhs?|lacs?|crores?|crs|thousands?|hazaa?r|hajar|million|mn)\b|(?:k|l|cr)\b)"
_POST = r"\s*(?:/-|\b(?:rupees?|rupaye|rupaiye|rupay|rs|inr|bucks)\b\.?)"
NUMBER_RE = re.compile(
    rf"(?<![\w.,/])(?P<pre>{_PRE})?(?P<num>{_NUM})(?![\d:]|/\d)(?P<mult>{_MULT})?(?P<post>{_POST})?",
    re.IGNORECASE,
)
PERCENT_RE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUM})\s*(?:%|\bper\s?cent\b|\bpercentage\b|\bpct\b)", re.IGNORECASE
)
_WORD_PRE = re.compile(rf"{_PRE}$", re.IGNORECASE)
_WORD_POST = re.compile(_POST, re.IGNORECASE)

_WORTH_AFTER = re.compile(r"\s*(?:rupees\s+)?worth\b", re.IGNORECASE)
_QTY_AFTER = re.compile(r"\s*(?:shares?|units?|qty|quantity|stocks?|lots?|nos?\.?)\b", re.I)
_QTY_BEFORE = re.compile(r"\b(?:qty|quantity)\s*(?:of|:|=)?\s*$", re.IGNORECASE)
_COUNT_AFTER = re.compile(
    r"\s*(?:(?:most\s+)?(?:recent|last|latest|previous|biggest|largest|big|large)\s+)?"
    r"(?:transactions?|txns?|payments?|orders?|trades?|entries|transfers?|debits?|credits?"
    r"|expenses?|purchases?|spends?)\b",
    re.IGNORECASE,
)
_PRICE_BEFORE = re.compile(
    r"(?:\bat|@|\bprice(?:\s+(?:of|is))?|\blimit(?:\s+price)?(?:\s+(?:of|at))?"
    r"|\btrigger(?:\s+price)?(?:\s+(?:of|at))?|\bstop[\s-]?loss(?:\s+(?:at|of))?|\bsl(?:\s+at)?"
    r"|\btarget(?:\s+of)?|\babove|\bbelow|\bcross(?:es)?|\bhits?|\breach(?:es)?|\bunder|\bover"
    r"|\bfalls?\s+to|\bdrops?\s+to|\bgoes\s+to)\s*:?\s*$",
    re.IGNORECASE,
)
_PER_SHARE_AFTER = re.compile(r"\s*(?:(?:per|/|a)\s*share|each)\b", re.IGNORECASE)
_SYMBOL_GAP = re.compile(r"\s*(?:of\s+(?:my\s+)?)?$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NumberMention:
    start: int
    end: int
    value: Decimal
    is_money: bool  # a currency marker or a multiplier says "this is money"
    from_words: bool


def _overlaps(start: int, end: int, spans: Sequence[Span]) -> bool:
    return any(start < e and s < end for s, e in spans)


_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = frozenset(w.lower() for w in NUMBER_WORDS)


def find_percentages(text: str, blocked: Sequence[Span]) -> list[Entity]:
    out: list[Entity] = []
    if not _DIGIT.search(text):
        return out
    for m in PERCENT_RE.finditer(text):
        value = parse_numeral(m["num"])
        if value is None or _overlaps(m.start(), m.end(), blocked):
            continue
        number: int | float = int(value) if value == value.to_integral() else float(value)
        out.append(Entity("percentage", number, m.group(), m.start(), m.end()))
    return out


def find_numbers(
    text: str, blocked: Sequence[Span], words: set[str] | None = None
) -> list[NumberMention]:
    """Every number written with digits or words, outside the blocked spans.

    ``words``, the lower-cased letter runs of an ASCII ``text``, lets a message
    without any number word skip the long number-word pattern.
    """
    found: list[NumberMention] = []
    if words is not None and words.isdisjoint(_NUMBER_WORDS) and not _DIGIT.search(text):
        return found
    for m in NUMBER_RE.finditer(text):
        base = parse_numeral(m["num"])
        if base is None or _overlaps(m.start(), m.end(), blocked):
            continue
        mult = (m["mult"] or "").strip().lower()
        value = base * MULTIPLIERS.get(mult, 1)
        is_money = bool(m["pre"] or m["post"] or mult)
        end = m.end() if m["post"] or mult else m.end("num")
        found.append(NumberMention(m.start(), end, value, is_money, from_words=False))
    for m in NUMBER_WORD_RE.finditer(text):
        phrase = m.group().rstrip(" -")
        start, end = m.start(), m.start() + len(phrase)
        spoken = parse_number_words(phrase)
        if spoken is None or _overlaps(start, end, blocked):
            continue
        if _overlaps(start, end, [(f.start, f.end) for f in found]):
            continue
        scaled = any(w in MULTIPLIERS for w in phrase.lower().split())
        pre = _WORD_PRE.search(text, 0, start)
        post = _WORD_POST.match(text, end)
        if pre:
            start = pre.start()
        if post:
            end = post.end()
        found.append(NumberMention(start, end, spoken, bool(scaled or pre or post), True))
    return sorted(found, key=lambda n: n.start)


def _to_minor(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def classify(
    mention: NumberMention, text: str, symbols: Sequence[Span], trading: bool
) -> str | None:
    """Name the entity type of one number from its context, or None to drop it."""
    after = text[mention.end : mention.end + 40]
    before = text[max(0, mention.start - 30) : mention.start]
    if _WORTH_AFTER.match(after):
        return "amount"
    if _QTY_AFTER.match(after) or (_QTY_BEFORE.search(before) and not mention.is_money):
        return "quantity"
    if not mention.is_money and _COUNT_AFTER.match(after):
        return "count"
    if not mention.is_money:
        for s_start, _ in symbols:
            gap = text[mention.end : s_start]
            if s_start >= mention.end and len(gap) < 12 and _SYMBOL_GAP.fullmatch(gap):
                return "quantity"
        for _, s_end in symbols:
            gap = text[s_end : mention.start]
            if trading and s_end <= mention.start and gap.strip() == "":
                return "quantity"
    if _PER_SHARE_AFTER.match(after) or (trading and _PRICE_BEFORE.search(before)):
        return "price"
    if mention.from_words and not mention.is_money:
        return None  # "which one", "do it": words alone are too weak for money
    return "amount"


def extract_numbers(
    text: str,
    blocked: Sequence[Span],
    symbols: Sequence[Span],
    trading: bool,
    words: set[str] | None = None,
) -> list[Entity]:
    """Percentages, amounts, prices, quantities and counts in ``text``."""
    entities = find_percentages(text, blocked)
    taken = [*blocked, *((e.start, e.end) for e in entities)]
    for mention in find_numbers(text, taken, words):
        kind = classify(mention, text, symbols, trading)
        if kind is None:
            continue
        raw = text[mention.start : mention.end]
        if kind in ("amount", "price"):
            value: int | dict[str, int | str] = {
                "minor": _to_minor(mention.value),
                "currency": "INR",
            }
        else:
            value = int(mention.value)
        entities.append(Entity(kind, value, raw, mention.start, mention.end))
    return sorted(entities, key=lambda e: e.start)
