"""The Telegram bot: a python-telegram-bot ``Application`` run inside our event loop.

Each handler is one step that calls the assistant and sends what it says::

    unlinked chat ──/start CODE──► linked ──text, /balance …──► assistant ──► replies
         ▲                           │   ──button (callback_data = payload)──┘
         └────── /unlink, or signing out everywhere ◄┘

An unlinked chat only ever hears how to link. Updates arrive by long polling
(``getUpdates``) or, in webhook mode, through our aiohttp server, which checks
Telegram's secret token and hands them to ``feed``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeAlias

from telegram import BotCommand, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.assistant import Assistant
from bot.context import Customer
from bot.replies import Reply
from bot.settings import Settings
from bot.telegram.render import button_label, esc, render
from bot.understanding import valid_payload
from domain.channels.telegram import LinkedCustomer, TelegramLinks
from domain.errors import DomainError

log = logging.getLogger(__name__)

App: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
Context: TypeAlias = ContextTypes.DEFAULT_TYPE

# Commands in the menu, and the button payload each one stands for.
COMMANDS: dict[str, tuple[str, str]] = {
    "balance": ("/intent:balance_inquiry", "Your balances"),
    "history": ("/intent:transaction_history", "Recent transactions"),
    "portfolio": ("/intent:portfolio_status", "Your portfolio"),
    "rules": ("/intent:list_rules", "Your automatic rules"),
    "help": ("/intent:help", "What Swayam can do"),
    "cancel": ("/cancel", "Cancel what we are doing"),
}
UPDATES = ["message", "callback_query"]

HOW_TO_LINK = (
    "This chat isn't linked to a Swayam account, so I can't show anything here yet.\n\n"
    "To link it: sign in to Swayam on the web and ask for a Telegram link code "
    "(or run <code>swayam telegram link-code --user NAME</code>), then send "
    "<code>/start CODE</code> here. A code works once and expires after 10 minutes."
)
PRIVATE_ONLY = "For your privacy I only talk about your money in a private chat with me."


def file_base_url(base_url: str) -> str:
    """The Bot API's file URL beside its method URL (``…/bot`` -> ``…/file/bot``)."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if head else f"{base_url}/file"


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


class TelegramChannel:
    """Owns the PTB application: start, stop, webhook updates, and pushes to linked chats."""

    def __init__(
        self, settings: Settings, links: TelegramLinks, assistant: Assistant, *, charts_dir: Path
    ) -> None:
        if settings.telegram_token is None:
            raise ValueError("the Telegram channel needs SWAYAM_TELEGRAM_TOKEN")
        self._settings = settings
        self._links = links
        self._assistant = assistant
        self._charts = charts_dir
        self.webhook = settings.telegram_mode == "webhook"
        builder = (
            ApplicationBuilder()
            .token(settings.telegram_token.get_secret_value())
            .base_url(settings.telegram_base_url)
            .base_file_url(file_base_url(settings.telegram_base_url))
            .rate_limiter(AIORateLimiter(max_retries=2))
            .job_queue(None)
        )
        if self.webhook:
            builder = builder.updater(None)  # updates come through our aiohttp server
        self.app: App = builder.build()
        self._register()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def username(self) -> str:
        return self._settings.telegram_bot_username or self.app.bot.username

    async def start(self) -> None:
        """Connect (getMe), set the command menu, then poll or set the webhook."""
        await self.app.initialize()
        bot = self.app.bot
        await bot.set_my_commands([BotCommand(name, d) for name, (_, d) in COMMANDS.items()])
        if self.webhook:
            secret = self._settings.telegram_webhook_secret
            assert secret is not None  # settings insist on it in webhook mode
            await bot.set_webhook(
                self._settings.telegram_webhook_url,
                secret_token=secret.get_secret_value(),
                allowed_updates=UPDATES,
            )
        await self.app.start()
        if not self.webhook and self.app.updater is not None:
            await self.app.updater.start_polling(allowed_updates=UPDATES)
        log.info("telegram bot @%s running (%s)", self.username, self._settings.telegram_mode)

    async def stop(self) -> None:
        """Stop polling, then the application, then its HTTP clients."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def feed(self, data: dict[str, Any]) -> None:
        """Queue one update received on the webhook; the application handles it."""
        update = Update.de_json(data, self.app.bot)
        await self.app.update_queue.put(update)

    # -- pushing ----------------------------------------------------------------------------

    async def push(
        self, customer_id: str, replies: Sequence[Reply], *, silent: bool = False
    ) -> int:
        """Send replies to every chat linked to the customer; returns how many got them."""
        delivered = 0
        for chat_id in await self._links.chats(customer_id):
            try:
                await self._send(chat_id, replies, silent=silent)
            except Forbidden:
                log.info("telegram chat %s blocked the bot; unlinking it", chat_id)
                await self._links.unlink(chat_id)
            except TelegramError:
                log.exception("could not push to telegram chat %s", chat_id)
            else:
                delivered += 1
        return delivered

    async def _send(self, chat_id: int, replies: Sequence[Reply], *, silent: bool = False) -> None:
        bot = self.app.bot
        for reply in replies:
            for out in render(reply, self._charts):
                if out.photo_path is not None or out.photo_url is not None:
                    await bot.send_photo(
                        chat_id, photo=out.photo_path or out.photo_url, disable_notification=silent
                    )
                else:
                    await bot.send_message(
                        chat_id,
                        out.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=out.markup,
                        disable_notification=silent,
                    )

    # -- handlers ---------------------------------------------------------------------------

    def _register(self) -> None:
        private = filters.ChatType.PRIVATE
        add = self.app.add_handler
        add(CommandHandler("start", self.start_command, filters=private))
        add(CommandHandler("unlink", self.unlink_command, filters=private))
        add(CommandHandler(list(COMMANDS), self.menu_command, filters=private))
        add(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.text_message))
        add(CallbackQueryHandler(self.button_pressed))
        add(MessageHandler(private, self.other_message))
        add(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, self.group_message))
        self.app.add_error_handler(self.on_error)

    async def start_command(self, update: Update, context: Context) -> None:
        """Link the chat with the code after /start, or say hello."""
        chat = update.effective_chat
        assert chat is not None
        if context.args:
            try:
                linked = await self._links.redeem(chat.id, context.args[0])
            except DomainError as err:
                await self._say(chat.id, esc(err.message))
                return
            await self._say(
                chat.id,
                f"Linked to {esc(linked.full_name)}'s Swayam account. Ask me anything, "
                "like “what's my balance?”, or use the menu. Send /unlink to end this link.",
            )
            return
        customer = await self._links.customer(chat.id)
        if customer is None:
            await self._say(chat.id, HOW_TO_LINK)
            return
        await self._answer(chat.id, customer, payload="/intent:help")

    async def unlink_command(self, update: Update, context: Context) -> None:
        """Unlink the chat from the customer's account."""
        chat = update.effective_chat
        assert chat is not None
        if await self._links.unlink(chat.id):
            await self._say(chat.id, "Unlinked. This chat no longer has access to your account.")
        else:
            await self._say(chat.id, "This chat isn't linked to a Swayam account.")

    async def menu_command(self, update: Update, context: Context) -> None:
        """Answer a menu command as the button it stands for."""
        chat, message = update.effective_chat, update.effective_message
        assert chat is not None and message is not None and message.text is not None
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        customer = await self._links.customer(chat.id)
        if customer is None:
            await self._say(chat.id, HOW_TO_LINK)
            return
        await self._answer(chat.id, customer, payload=COMMANDS[name][0])

    async def text_message(self, update: Update, context: Context) -> None:
        """Pass typed text to the assistant."""
        chat, message = update.effective_chat, update.effective_message
        assert chat is not None and message is not None
        customer = await self._links.customer(chat.id)
        if customer is None:
            await self._say(chat.id, HOW_TO_LINK)
            return
        await self._answer(chat.id, customer, text=message.text or "")

    async def button_pressed(self, update: Update, context: Context) -> None:
        """Answer the button press, show what was chosen, and pass its payload on."""
        query = update.callback_query
        assert query is not None
        answered = False
        try:
            chat = update.effective_chat
            message = query.message
            if chat is None or chat.type != ChatType.PRIVATE or not isinstance(message, Message):
                await query.answer("This button doesn't work here.")
                answered = True
                return
            customer = await self._links.customer(chat.id)
            if customer is None:
                await query.answer(
                    "This chat isn't linked to a Swayam account. Send /start to see how.",
                    show_alert=True,
                )
                answered = True
                return
            data = query.data or ""
            if not valid_payload(data):
                await query.answer("That button is no longer valid. Please ask me again.")
                answered = True
                return
            await query.answer()
            answered = True
            label = button_label(message.reply_markup, data)
            if message.text is not None:
                # Drop the keyboard so the same button can't be pressed twice.
                chosen = f"\n\n› <i>{esc(label)}</i>" if label else ""
                with contextlib.suppress(TelegramError):
                    await query.edit_message_text(
                        message.text_html + chosen, parse_mode=ParseMode.HTML
                    )
            await self._answer(chat.id, customer, payload=data)
        finally:
            if not answered:
                with contextlib.suppress(TelegramError):
                    await query.answer()

    async def other_message(self, update: Update, context: Context) -> None:
        """Say what the bot understands when sent something else (a photo, /unknown)."""
        chat = update.effective_chat
        assert chat is not None
        if await self._links.customer(chat.id) is None:
            await self._say(chat.id, HOW_TO_LINK)
            return
        await self._say(chat.id, "I read text messages and the commands in the menu (try /help).")

    async def group_message(self, update: Update, context: Context) -> None:
        """Decline to talk about money in a group."""
        chat = update.effective_chat
        assert chat is not None
        await self._say(chat.id, PRIVATE_ONLY)

    async def on_error(self, update: object, context: Context) -> None:
        log.error("telegram update failed", exc_info=context.error)

    # -- helpers ----------------------------------------------------------------------------

    async def _answer(
        self,
        chat_id: int,
        linked: LinkedCustomer,
        *,
        text: str | None = None,
        payload: str | None = None,
    ) -> None:
        customer = Customer(linked.id, linked.full_name, linked.timezone)
        try:
            result = await self._assistant.handle(
                customer, text=text, payload=payload, channel="telegram"
            )
        except DomainError as err:
            await self._say(chat_id, esc(err.message))
            return
        await self._send(chat_id, result.replies)

    async def _say(self, chat_id: int, html_text: str) -> None:
        await self.app.bot.send_message(chat_id, html_text, parse_mode=ParseMode.HTML)
