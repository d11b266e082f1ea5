"""Payee words in an utterance, and their resolution to saved payees.

The NLU only reports the words the user used ("mom", "rav"); matching them to
saved payees is a separate pure function because the payee list belongs to the
user's account, not to the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rapidfuzz import fuzz

from intents.result import Entity

Span = tuple[int, int]

_STOP = {
    "a", "an", "the", "my", "me", "i", "to", "for", "on", "from", "via", "using", "by",
    "now", "today", "tomorrow", "please", "pls", "plz", "and", "with", "through", "at",
    "in", "of", "it", "him", "her", "them", "someone", "somebody", "account", "acc",
    "rs", "inr", "rupees", "money", "paise", "paisa", "funds", "fund", "cash", "amount",
    "bank", "upi", "neft", "imps", "rtgs", "immediately", "asap", "right", "as", "is",
    "this", "that", "new", "payee", "beneficiary", "contact", "ko", "bhejo", "bhej",
    "do", "de", "dena", "transfer", "send", "pay", "kar", "karo", "mera", "meri", "mere",
    "wallet", "again", "back", "same", "each", "every", "month", "week", "monthly",
    "weekly", "daily", "bill", "bills", "order", "shares", "share", "yes", "no",
    # Verbs and nouns that follow "to"/"for"/"add" in requests and are never a payee.
    "add", "save", "create", "set", "buy", "sell", "check", "see", "know", "make", "get",
    "have", "spend", "invest", "start", "reach", "hit", "build", "keep", "plan", "put",
    "budget", "goal", "goals", "rule", "rules", "alert", "alerts", "reminder", "sip",
    "talk", "speak", "go", "be", "use", "stop", "cancel", "change", "what", "how",
    "when", "where", "which", "who", "whom", "all", "everyone", "savings", "current",
}  # fmt: skip
_NAME = r"[A-Za-z][A-Za-z.'-]*"
_AFTER_TO = re.compile(rf"\b(?:to|for)\s+(?:my\s+)?(?P<name>{_NAME}(?:\s+{_NAME}){{0,2}})", re.I)
_AFTER_PAY = re.compile(
    rf"\b(?:pay|paying|send|sending|transfer|bhejo|bhej)\s+(?:my\s+)?(?P<name>{_NAME}(?:\s+{_NAME}){{0,2}})",
    re.I,
)
_BEFORE_KO = re.compile(rf"(?:^|\s)(?P<name>{_NAME}(?:\s+{_NAME})?)\s+ko\b", re.I)
_ADD = re.compile(
    rf"\b(?:add|save|register|create)\s+(?:a\s+)?(?:new\s+)?(?:payee|beneficiary|contact)?\s*"
    rf"(?:named\s+|called\s+)?(?P<name>{_NAME}(?:\s+{_NAME}){{0,2}})",
    re.I,
)


def _trim(text: str, start: int, raw: str, blocked_words: set[str]) -> tuple[int, int] | None:
    """Keep the leading run of name-like words of ``raw`` (which starts at ``start``)."""
    end = start
    for m in re.finditer(r"\S+", raw):
        word = m.group().lower().strip(".'")
        if word in _STOP or word in blocked_words:
            break
        end = start + m.end()
    return (start, end) if end > start else None


# The word each pattern starts from; a message (as lower-case letter runs)
# without any of them cannot match the pattern.
_CUES: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (_ADD, frozenset({"add", "save", "register", "create"})),
    (_AFTER_TO, frozenset({"to", "for"})),
    (_AFTER_PAY, frozenset({"pay", "paying", "send", "sending", "transfer", "bhejo", "bhej"})),
    (_BEFORE_KO, frozenset({"ko"})),
)


def extract_payees(
    text: str, blocked: Sequence[Span], lookup_words: set[str], hints: set[str] | None = None
) -> list[Entity]:
    """Words naming a person or business money goes to ("mom", "Ravi Kumar").

    ``hints``, the lower-cased letter runs of an ASCII ``text``, lets patterns
    whose cue word is absent be skipped.
    """
    spans: list[Span] = []
    for pattern, cues in _CUES:
        if hints is not None and hints.isdisjoint(cues):
            continue
        for m in pattern.finditer(text):
            name_start = m.start("name")
            if pattern is _BEFORE_KO:
                words = m["name"].split()
                if words and words[0].lower() in _STOP:
                    name_start = m.start("name") + m["name"].index(words[-1])
            span = _trim(text, name_start, text[name_start : m.end("name")], lookup_words)
            if span is None:
                continue
            if any(span[0] < e and s < span[1] for s, e in [*blocked, *spans]):
                continue
            spans.append(span)
    return [Entity("payee", text[s:e], text[s:e], s, e) for s, e in sorted(spans)]


class PayeeLike(Protocol):
    """Anything with a display name and nicknames (a saved payee record)."""

    @property
    def name(self) -> str: ...

    @property
    def nicknames(self) -> Sequence[str]: ...


P = TypeVar("P", bound=PayeeLike)

MATCH_SCORE = 85.0
CANDIDATE_SCORE = 60.0
_MARGIN = 8.0


@dataclass(frozen=True, slots=True)
class PayeeResolution(Generic[P]):
    """Either one confident ``match`` or a short list of ``candidates`` to ask about."""

    match: P | None
    candidates: tuple[P, ...]


def _score(words: str, payee: PayeeLike) -> float:
    query = words.lower().strip()
    names = [payee.name.lower(), *(n.lower() for n in payee.nicknames)]
    tokens = [t for n in names for t in n.split()]
    if query in names:
        return 100.0
    if len(query) >= 3 and any(t.startswith(query) for t in tokens):
        return 92.0  # "rav" is how people shorten "Ravi"
    return max(max(fuzz.WRatio(query, n) for n in names), max(fuzz.ratio(query, t) for t in tokens))


def resolve_payee(words: str, payees: Sequence[P]) -> PayeeResolution[P]:
    """Match the user's words to saved payees by name and nickname.

    A match needs a high score and a clear lead over the runner-up; otherwise
    up to five candidates come back so the assistant can ask which one.
    """
    if not words.strip() or not payees:
        return PayeeResolution(None, ())
    scored = sorted(((_score(words, p), i) for i, p in enumerate(payees)), reverse=True)
    best_score, best_index = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score >= MATCH_SCORE and best_score - runner_up >= _MARGIN:
        return PayeeResolution(payees[best_index], ())
    candidates = tuple(payees[i] for s, i in scored[:5] if s >= CANDIDATE_SCORE)
    return PayeeResolution(None, candidates)
