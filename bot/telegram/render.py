"""The reply model as Telegram messages: HTML-escaped text, inline keyboards, photos.

Every piece of dynamic text (payee names, merchants, anything the customer
typed) goes through ``html.escape``; only the tags written here are markup.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.replies import Reply

MAX_TEXT = 3500  # Telegram's limit is 4096 after entities; leave room for markup
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
CHARTS_PREFIX = "/charts/"

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message: text (HTML) or a photo (a URL or a local file)."""

    text: str = ""
    markup: Markup | None = None
    photo_url: str | None = None
    photo_path: Path | None = None


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def render(reply: Reply, charts_dir: Path) -> list[Outgoing]:
    """A reply as the messages to send, text first and then any chart."""
    body = reply.text if len(reply.text) <= MAX_TEXT else reply.text[: MAX_TEXT - 1] + "…"
    parts = [esc(body)]
    for card in reply.cards:
        rows = "\n".join(f"{esc(k)}: <b>{esc(v)}</b>" for k, v in card.rows)
        parts.append(f"<b>{esc(card.title)}</b>\n{rows}" if rows else f"<b>{esc(card.title)}</b>")
    out = [Outgoing(text="\n\n".join(parts), markup=_markup(reply))]
    if reply.image_url:
        photo = _photo(reply.image_url, charts_dir)
        if photo is not None:
            out.append(photo)
    return out


def _markup(reply: Reply) -> Markup | None:
    buttons = [
        InlineKeyboardButton(b.label[:64], callback_data=b.payload)
        for b in reply.buttons
        if len(b.payload.encode()) <= MAX_CALLBACK_DATA
    ]
    if buttons:
        # Short choices (Yes / No) side by side; longer lists one per row.
        if len(buttons) <= 3 and all(len(b.text) <= 12 for b in buttons):
            return InlineKeyboardMarkup([buttons])
        return InlineKeyboardMarkup([[b] for b in buttons])
    if reply.quick_replies:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(q[:64])] for q in reply.quick_replies[:4]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    return None


def _photo(url: str, charts_dir: Path) -> Outgoing | None:
    """A chart: a public URL as is, or ``/charts/NAME`` read from the charts folder."""
    if url.startswith("https://"):
        return Outgoing(photo_url=url)
    if not url.startswith(CHARTS_PREFIX):
        return None
    name = url.removeprefix(CHARTS_PREFIX)
    root = charts_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None  # never read outside the charts folder
    return Outgoing(photo_path=path)


def button_label(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The label of the button that carried ``data``, to show what was chosen."""
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
