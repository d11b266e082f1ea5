"""Notification settings in chat: "mute notifications until 8am", "turn off trade alerts".

    message --> what is asked: show / unmute / mute (until, for) / quiet hours /
                a category on, silent or off / a size threshold
            --> change the preferences at once (no money moves, so no Yes needed)
            --> say exactly what changed, and how to undo it

Times are read on the customer's own clock. Critical notifications (a
sign-in from a new device, a failed rule) come through whatever is set, and
the replies say so whenever a change could make someone think otherwise.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.context import Turn
from bot.replies import Reply
from bot.understanding import Understanding
from domain.errors import NotFound
from domain.money import format_minor
from domain.notifications.model import Category, Preferences, Setting

INTENT = "notification_settings"
BIG = 10_000_00  # "big transactions" when no amount is named: ₹10,000
MORNING = time(8, 0)

_ABOUT = re.compile(
    r"\b(notif\w*|alerts?|un-?mute|mute|snooze|quiet hours|do not disturb|dnd)\b", re.IGNORECASE
)
_ONLY_TELL = re.compile(r"\b(only|just)\s+(tell|notify|alert|ping|message)\s+me\b", re.I)
_SHOW = re.compile(r"\b(what|show|which|list|see|my)\b.*\b(settings?|preferences?)\b", re.I)
_UNMUTE = re.compile(r"\b(un-?mute|unsnooze|stop muting|end (the )?mute)\b", re.IGNORECASE)
_MUTE = re.compile(r"\b(mute|snooze|silence all|pause|do not disturb|dnd)\b", re.IGNORECASE)
_UNTIL = re.compile(
    r"\b(?:until|till|til)\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", re.IGNORECASE
)
_FOR = re.compile(r"\bfor\s+(\d{1,3}|an?|one)\s*(hours?|hrs?|h|minutes?|mins?|m)\b", re.I)
_QUIET = re.compile(
    r"\bquiet hours?\b.*?\bfrom\s+(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?\s+(?:to|till|until|-)\s+"
    r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?",
    re.IGNORECASE,
)
_QUIET_OFF = re.compile(
    r"\b(no|off|remove|clear|cancel|disable|stop)\b.*\bquiet hours?\b|"
    r"\bquiet hours?\b.*\b(off|remove|clear|cancel|disable)\b",
    re.I,
)
_THRESHOLD = re.compile(
    r"\b(only|just)\b.*\b(big|large|huge|above|over|more than|at least)\b|"
    r"\b(big|large)\s+(transactions?|payments?|transfers?|ones)\b",
    re.IGNORECASE,
)
_ALL_AMOUNTS = re.compile(
    r"\b(all|every)\s+(transactions?|payments?|transfers?|amounts?)\b|\bany amount\b", re.I
)
_CATEGORY_WORDS: tuple[tuple[re.Pattern[str], Category], ...] = (
    (re.compile(r"\b(trades?|trading|orders?|stocks?)\b", re.I), Category.TRADE),
    (re.compile(r"\b(price alerts?|market alerts?)\b", re.I), Category.ALERT),
    (re.compile(r"\btransfers?\b", re.I), Category.TRANSFER),
    (
        re.compile(r"\b(transactions?|debits?|credits?|spends?|spending)\b", re.I),
        Category.TRANSACTION,
    ),
    (re.compile(r"\bholds?\b", re.I), Category.HOLD),
    (re.compile(r"\b(security|sign-?ins?|logins?|devices?)\b", re.I), Category.SECURITY),
    (re.compile(r"\b(payees?|limits?|account changes?)\b", re.I), Category.ACCOUNT),
    (re.compile(r"\brules?\b", re.I), Category.RULE),
    (re.compile(r"\b(insights?|tips?)\b", re.I), Category.INSIGHT),
)
_BACK_ON = re.compile(r"\b(back on|turn on|switch on|enable|resume|start|unsilence)\b", re.I)
_SILENT = re.compile(r"\b(silent\w*|silence|mute|quiet(ly)?|without (a )?sound|no sound)\b", re.I)
_OFF = re.compile(r"\b(off|stop|disable|no more|don'?t|do not|never)\b", re.I)
_ON = re.compile(r"\bon\b", re.I)

_NAMES = {
    Category.TRANSFER: "transfer",
    Category.TRANSACTION: "transaction",
    Category.HOLD: "hold",
    Category.TRADE: "trade",
    Category.SECURITY: "security",
    Category.ACCOUNT: "account (payees and limits)",
    Category.RULE: "rule",
    Category.ALERT: "price alert",
    Category.INSIGHT: "insight",
}
_CRITICAL_STILL = "Critical alerts, like a sign-in from a new device, still come through."
_QUICK = ("What are my notification settings?",)


def recognise(u: Understanding) -> Understanding:
    """Unmistakable notification wording ("unmute") is this intent, even if the NLU hesitates."""
    if u.payload is not None or (u.confident and u.intent != "out_of_scope"):
        return u
    if _ABOUT.search(u.text) or _ONLY_TELL.search(u.text):
        return replace(u, intent=INTENT, confidence=1.0, confident=True)
    return u


async def answer(turn: Turn, u: Understanding) -> list[Reply]:
    """Change what was asked and say what changed, or show the settings."""
    service = turn.services.notifications
    if service is None:
        return [Reply("Notification settings aren't available here.")]
    text = u.text
    prefs = await service.preferences(turn.customer.id)
    change = _change(turn, u, prefs)
    if change is None:
        return [Reply(describe(turn, prefs), quick_replies=("Mute notifications until 8am",))]
    new, said = change
    await service.save_preferences(turn.customer.id, new)
    if _SHOW.search(text) and not _MUTE.search(text):
        return [Reply(f"{said}\n\n{describe(turn, new)}")]
    return [Reply(said, quick_replies=_QUICK)]


def _change(turn: Turn, u: Understanding, prefs: Preferences) -> tuple[Preferences, str] | None:
    """The new preferences and what to say, or None when nothing is asked to change."""
    text = u.text
    if _UNMUTE.search(text):
        category = _category(text)
        if category is not None:
            return _set_category(prefs, category, "turn on")
        if prefs.muted_until is None or prefs.muted_until <= turn.now():
            return prefs, "Notifications weren't muted, so nothing changed."
        return prefs.with_changes(muted_until=None), "Unmuted: notifications come through again."
    quiet = _QUIET.search(text)
    if quiet:
        start = _clock_time(quiet.group(1), quiet.group(2), quiet.group(3))
        end = _clock_time(quiet.group(4), quiet.group(5), quiet.group(6))
        if start is None or end is None or start == end:
            return prefs, "I couldn't read those hours; say e.g. “quiet hours from 10pm to 7am”."
        return (
            prefs.with_changes(quiet_start=start, quiet_end=end),
            f"Quiet hours set: from {_hm(start)} to {_hm(end)} every day, your time. "
            f"Notifications in that time wait in your inbox. {_CRITICAL_STILL}",
        )
    if _QUIET_OFF.search(text):
        return prefs.with_changes(quiet_start=None, quiet_end=None), "Quiet hours are off."
    if _MUTE.search(text) and not _category(text):
        until = _mute_until(turn, text)
        return (
            prefs.with_changes(muted_until=until),
            f"Muted until {_when(turn, until)}. Notifications in the meantime wait in your "
            f"inbox. {_CRITICAL_STILL} Say “unmute” to undo.",
        )
    if _ALL_AMOUNTS.search(text) and prefs.min_amount is not None:
        return prefs.with_changes(min_amount=None), "You'll hear about transactions of any size."
    if _THRESHOLD.search(text):
        amount = u.one("amount")
        minor = int(amount["minor"]) if isinstance(amount, dict) else BIG
        return (
            prefs.with_changes(min_amount=minor),
            f"You'll only hear about transfers, transactions, holds and trades of "
            f"{format_minor(minor)} or more. Say “notify me about all transactions” to undo.",
        )
    category = _category(text)
    if category is not None:
        return _set_category(prefs, category, text)
    return None


def _set_category(prefs: Preferences, category: Category, text: str) -> tuple[Preferences, str]:
    name = _NAMES[category]
    if _BACK_ON.search(text):
        setting = Setting.ON
    elif _SILENT.search(text):
        setting = Setting.SILENT
    elif _OFF.search(text):
        setting = Setting.OFF
    elif _ON.search(text):
        setting = Setting.ON
    else:
        return prefs, f"{name.capitalize()} notifications are {prefs.setting(category).value}."
    merged = {**prefs.categories, category: setting}
    new = prefs.with_changes(categories=merged)
    said = {
        Setting.ON: f"{name.capitalize()} notifications are on.",
        Setting.SILENT: f"{name.capitalize()} notifications now arrive silently.",
        Setting.OFF: f"{name.capitalize()} notifications are off.",
    }[setting]
    if category is Category.SECURITY and setting is not Setting.ON:
        said += " Security alerts are critical, so they always reach you anyway."
    elif setting is Setting.OFF:
        said += f" Say “turn {name.split()[0]} alerts back on” to undo."
    return new, said


def _category(text: str) -> Category | None:
    for pattern, category in _CATEGORY_WORDS:
        if pattern.search(text):
            return category
    return None


def _clock_time(hour: str, minute: str | None, half: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.lower().startswith("p") else 0)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)


def _mute_until(turn: Turn, text: str) -> datetime:
    now = turn.now()
    span = _FOR.search(text)
    if span:
        n = 1 if span.group(1).lower() in ("a", "an", "one") else int(span.group(1))
        unit = span.group(2).lower()
        delta = timedelta(minutes=n) if unit.startswith("m") else timedelta(hours=n)
        return now + min(delta, timedelta(days=7))
    until = _UNTIL.search(text)
    at = _clock_time(until.group(1), until.group(2), until.group(3)) if until else None
    local = now.astimezone(turn.zone)
    target = datetime.combine(local.date(), at or MORNING, tzinfo=turn.zone)
    if target <= local:
        target += timedelta(days=1)
    return target


def _hm(t: time) -> str:
    return t.strftime("%I:%M %p").lstrip("0")


def _when(turn: Turn, at: datetime) -> str:
    local = at.astimezone(turn.zone)
    day = "today" if local.date() == turn.today() else local.strftime("%a %d %b").replace(" 0", " ")
    if local.date() == turn.today() + timedelta(days=1):
        day = "tomorrow"
    return f"{_hm(local.time())} {day}"


def describe(turn: Turn, prefs: Preferences) -> str:
    """The settings in a few lines."""
    lines = ["Your notification settings:"]
    if prefs.muted_until is not None and prefs.muted_until > turn.now():
        lines.append(f"• Muted until {_when(turn, prefs.muted_until)}")
    if prefs.quiet_start is not None and prefs.quiet_end is not None:
        lines.append(f"• Quiet hours {_hm(prefs.quiet_start)} to {_hm(prefs.quiet_end)}")
    if prefs.min_amount is not None:
        lines.append(f"• Only amounts of {format_minor(prefs.min_amount)} or more")
    changed = [(c, prefs.setting(c)) for c in Category if prefs.setting(c) is not Setting.ON]
    for category, setting in changed:
        lines.append(f"• {_NAMES[category].capitalize()}: {setting.value}")
    if len(lines) == 1:
        lines.append("• Everything on, no quiet hours, no mute")
    channels = " and ".join(
        sorted("Telegram" if c == "telegram" else "web chat" for c in prefs.channels)
    )
    lines.append(f"• Sent to {channels}")
    return "\n".join(lines)


async def mark_read(turn: Turn, notification_id: str) -> list[Reply]:
    """The "Mark read" button under a pushed notification."""
    service = turn.services.notifications
    if service is None:
        return [Reply("Notifications aren't switched on here.")]
    try:
        await service.mark_read(turn.customer.id, notification_id)
    except NotFound:
        return [Reply("I couldn't find that notification; it may have been cleared.")]
    return [Reply("Marked as read.")]
