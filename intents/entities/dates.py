"""Dates and date ranges relative to a reference day (the injected clock).

Ranges are inclusive: "this week" is Monday..today, "last 30 days" is
today-29..today. A month or day without a year means the most recent one not
in the future, except a deadline ("by December"), which means the next one.
A lone day ("on 5 Oct") resolves to its nearest occurrence.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from intents.result import Entity

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_SMALL = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "fifteen": 15,
    "thirty": 30, "ninety": 90,
}  # fmt: skip
_COUNT = r"(?:\d{1,3}|" + "|".join(_SMALL) + r")"

_I = re.IGNORECASE
_DMY = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s*[\s-]\s*({_MONTH})(?:,?\s*(\d{{4}}))?\b", _I
)
_MDY = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(\d{{4}})\b)?", _I)
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
# "1.5" is a number, not 1 May: a dot only separates a date that has a year.
_NUMERIC = re.compile(r"\b(\d{1,2})(?:/(\d{1,2})(?:/(\d{4}|\d{2}))?|\.(\d{1,2})\.(\d{4}))\b")
_MONTH_ALONE = re.compile(
    rf"\b(?:(?P<prep>in|for|during|of|since|from|by|before|till|until|through)\s+"
    rf"(?:the\s+)?(?:month\s+of\s+)?)?(?P<m>{_MONTH})(?:\s*,?\s*(?P<y>\d{{4}}))?\b",
    _I,
)
_RELATIVE_N = re.compile(
    rf"\b(?:last|past|previous|pichle|pichhle)\s+(?P<n>{_COUNT})\s+(?P<u>days?|weeks?|months?|years?|din)\b",
    _I,
)
_IN_N = re.compile(
    rf"\b(?:in|within)\s+(?:the\s+next\s+)?(?P<n>{_COUNT})\s+(?P<u>months?|years?)\b", _I
)
_RANGE_PREFIX = re.compile(r"\b(?:since|from|after)\s+(?:the\s+)?$", _I)
_RANGE_JOIN = re.compile(r"\s*(?:to|till|until|-|–|and|through)\s*", _I)
_BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", _I)
_DEADLINE = re.compile(r"\b(?:by|before|till|until)\s+(?:the\s+)?(?:end\s+of\s+)?$", _I)

Candidate = tuple[int, int, str, date, date]  # start, end, type, start day, end day


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_number(word: str) -> int:
    return _MONTHS[word.lower()[:3]]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year_for(month: int, day: int, today: date, mode: str) -> date | None:
    """Pick the year for a day without one: 'past', 'future' or 'nearest'."""
    options = [_safe_date(today.year + k, month, day) for k in (-1, 0, 1)]
    valid = [d for d in options if d is not None]
    if mode == "past":
        past = [d for d in valid if d <= today]
        return max(past) if past else None
    if mode == "future":
        future = [d for d in valid if d >= today]
        return min(future) if future else None
    return min(valid, key=lambda d: abs((d - today).days)) if valid else None


def _explicit_days(text: str, today: date) -> list[tuple[int, int, int, int, int | None]]:
    """(start, end, day, month, year or None) for every written calendar day."""
    found: list[tuple[int, int, int, int, int | None]] = []
    for m in _DMY.finditer(text):
        found.append((m.start(), m.end(), int(m[1]), _month_number(m[2]), _int(m[3])))
    for m in _MDY.finditer(text):
        found.append((m.start(), m.end(), int(m[2]), _month_number(m[1]), _int(m[3])))
    for m in _ISO.finditer(text):
        found.append((m.start(), m.end(), int(m[3]), int(m[2]), int(m[1])))
    for m in _NUMERIC.finditer(text):
        month, year = (m[2], _int(m[3])) if m[2] else (m[4], _int(m[5]))
        if year is not None and year < 100:
            year += 2000
        found.append((m.start(), m.end(), int(m[1]), int(month), year))
    return found


def _int(raw: str | None) -> int | None:
    return int(raw) if raw else None


_LAST, _THIS = r"(?:last|previous|prev|pichle|pichhle)\s+", r"(?:this|current|is)\s+"
# Relative phrases (English and a little Hinglish), compiled once; the days
# they mean depend on the reference day, see _fixed_range.
_FIXED = tuple(
    re.compile(rf"\b(?:{pattern})(?!\w)", _I)
    for pattern in (
        r"day\s+before\s+yesterday|parso",
        r"today'?s?|aaj",
        r"yesterday'?s?|yday",
        _THIS + r"(?:week|hafte)|week\s+to\s+date",
        _LAST + r"(?:week|hafte)",
        r"past\s+week",
        _THIS + r"(?:month|mahine|mahina)|month\s+to\s+date|mtd",
        _LAST + r"(?:month|mahine|mahina)",
        r"past\s+month",
        r"(?:next|agle)\s+(?:month|mahine)",
        r"next\s+week",
        _THIS + r"(?:year|saal)|year\s+to\s+date|ytd",
        _LAST + r"(?:year|saal)",
    )
)
_TOMORROW = re.compile(r"\b(?:day\s+after\s+tomorrow|tomorrow|tmrw|tomorow)\b", _I)


def _fixed_range(index: int, today: date) -> tuple[date, date]:
    """The inclusive range of the relative phrase ``_FIXED[index]``."""
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    prev_end = first - timedelta(days=1)
    next_first = _add_months(first, 1)
    ranges = (
        (today - timedelta(2), today - timedelta(2)),
        (today, today),
        (today - timedelta(1), today - timedelta(1)),
        (monday, today),
        (monday - timedelta(7), monday - timedelta(1)),
        (today - timedelta(6), today),
        (first, today),
        (prev_end.replace(day=1), prev_end),
        (_add_months(today, -1) + timedelta(1), today),
        (next_first, _month_end(next_first.year, next_first.month)),
        (monday + timedelta(7), monday + timedelta(13)),
        (date(today.year, 1, 1), today),
        (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    )
    return ranges[index]


def _relative_n(n: int, unit: str, today: date) -> date:
    unit = unit.lower()
    if unit.startswith(("day", "din")):
        return today - timedelta(days=n - 1)
    if unit.startswith("week"):
        return today - timedelta(days=7 * n - 1)
    if unit.startswith("month"):
        return _add_months(today, -n) + timedelta(days=1)
    return _add_months(today, -12 * n) + timedelta(days=1)


def _count(raw: str) -> int:
    return int(raw) if raw.isdigit() else _SMALL[raw.lower()]


def _candidates(text: str, today: date) -> list[Candidate]:
    out: list[Candidate] = []
    for index, pattern in enumerate(_FIXED):
        for m in pattern.finditer(text):
            out.append((m.start(), m.end(), "date_range", *_fixed_range(index, today)))
    for m in _TOMORROW.finditer(text):
        days = 2 if m.group().lower().startswith("day") else 1
        out.append((m.start(), m.end(), "date", today + timedelta(days), today + timedelta(days)))
    for m in _RELATIVE_N.finditer(text):
        n = _count(m["n"])
        if n > 0:
            out.append((m.start(), m.end(), "date_range", _relative_n(n, m["u"], today), today))
    for m in _IN_N.finditer(text):
        n = _count(m["n"])
        months = n * (12 if m["u"].lower().startswith("year") else 1)
        target = _add_months(today, months)
        out.append((m.start(), m.end(), "date", target, target))
    out.extend(_month_candidates(text, today))
    out.extend(_day_candidates(text, today))
    return out


def _month_candidates(text: str, today: date) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _MONTH_ALONE.finditer(text):
        prep = (m["prep"] or "").lower()
        word = m["m"].lower().rstrip(".")
        # "may" and "march" are also verbs, short forms are also words ("sep"):
        # they need a preposition or a year to count as a month.
        if not prep and not m["y"] and (word in {"may", "march", "mar"} or len(word) <= 4):
            continue
        month = _month_number(word)
        if m["y"]:
            year = int(m["y"])
        elif prep in {"by", "before", "till", "until"}:
            year = today.year if month >= today.month else today.year + 1
        else:
            year = today.year if month <= today.month else today.year - 1
        first, last = date(year, month, 1), _month_end(year, month)
        start = m.start("m") if prep in {"in", "for", "during", "of"} or not prep else m.start()
        if prep in {"by", "before", "till", "until"}:
            out.append((m.start(), m.end(), "date", last, last))
        elif prep in {"since", "from"}:
            out.append((m.start(), m.end(), "date_range", first, today))
        else:
            out.append((start, m.end(), "date_range", first, min(last, today)))
    return out


def _day_candidates(text: str, today: date) -> list[Candidate]:
    days: list[tuple[int, int, date]] = []
    for start, end, day, month, year in _explicit_days(text, today):
        if year is not None:
            resolved = _safe_date(year, month, day)
        else:
            before = text[:start]
            mode = "future" if _DEADLINE.search(before) else "nearest"
            if _RANGE_PREFIX.search(before) or _BETWEEN.search(before):
                mode = "past"
            resolved = _year_for(month, day, today, mode)
        if resolved is not None:
            days.append((start, end, resolved))
    days = _longest_first(days)
    out: list[Candidate] = []
    used: set[int] = set()
    for i, (start, end, first_day) in enumerate(days):
        if i in used:
            continue
        nxt = days[i + 1] if i + 1 < len(days) else None
        before = text[:start]
        prefix = _RANGE_PREFIX.search(before) or _BETWEEN.search(before)
        if nxt and _RANGE_JOIN.fullmatch(text[end : nxt[0]]) and (prefix or nxt[2] >= first_day):
            used.add(i + 1)
            begin = prefix.start() if prefix else start
            out.append((begin, nxt[1], "date_range", first_day, nxt[2]))
        elif prefix:
            out.append((prefix.start(), end, "date_range", first_day, today))
        else:
            out.append((start, end, "date", first_day, first_day))
    return out


def _longest_first(days: list[tuple[int, int, date]]) -> list[tuple[int, int, date]]:
    kept: list[tuple[int, int, date]] = []
    for item in sorted(days, key=lambda d: (d[0], -(d[1] - d[0]))):
        if not kept or item[0] >= kept[-1][1]:
            kept.append(item)
    return kept


# Most messages mention no date at all; one cheap search skips all the rest.
# A month name counts only as a whole word ("dec", not "declined").
_HINT = re.compile(
    rf"\d|\b{_MONTH}(?![a-z])|\b(?:today|yester|yday|tomor|tmrw|aaj|parso|week|month|year|hafte"
    r"|mahin|saal|mtd|ytd|day|din)",
    _I,
)


def extract_dates(text: str, today: date) -> list[Entity]:
    """Every date and date range in ``text``; overlaps keep the longest phrase."""
    if not _HINT.search(text):
        return []
    chosen: list[Candidate] = []
    for cand in sorted(_candidates(text, today), key=lambda c: (-(c[1] - c[0]), c[0])):
        if all(cand[1] <= c[0] or c[1] <= cand[0] for c in chosen):
            chosen.append(cand)
    out = []
    for start, end, kind, first, last in sorted(chosen):
        value: str | dict[str, str] = (
            first.isoformat()
            if kind == "date"
            else {"start": first.isoformat(), "end": last.isoformat()}
        )
        out.append(Entity(kind, value, text[start:end], start, end))
    return out
