"""Swayam on Telegram: a thin python-telegram-bot front-end over the assistant."""

from bot.telegram.channel import TelegramChannel

__all__ = ["TelegramChannel"]
