"""A fake Telegram Bot API server on loopback, for driving the real python-telegram-bot.

It implements the methods Swayam uses (getMe, getUpdates with long polling,
sendMessage, editMessageText, answerCallbackQuery, setMyCommands, sendPhoto,
setWebhook, deleteWebhook), records every call, and lets a test play the
customer: ``send_text`` and ``press`` queue updates for ``getUpdates`` (or
build them for a webhook), and ``wait_for`` waits until the bot has called a
method with matching parameters.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

BOT_ID = 7_000_000_001
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        """The text as the customer would read it (tags gone, entities decoded)."""
        raw = str(self.params.get("text", ""))
        if self.params.get("parse_mode") == "HTML":
            return html.unescape(_TAG.sub("", raw))
        return raw

    @property
    def callback_data(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-token", username: str = "swayam_test_bot") -> None:
        self.token = token
        self.username = username
        self.calls: list[Call] = []
        self.sent: dict[int, dict[str, Any]] = {}  # message_id -> message the bot sent
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def close(self) -> None:
        async with self._changed:
            self._closing = True
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- playing the customer -------------------------------------------------------------------

    def message_update(self, chat_id: int, text: str) -> dict[str, Any]:
        user = {"id": abs(chat_id), "is_bot": False, "first_name": "Customer"}
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "Group"}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 1_800_000_000,
            "chat": chat,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self, chat_id: int, data: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if message is None:  # a button on a message the bot never sent
            message = {
                "message_id": next(self._message_ids),
                "date": 1_800_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "text": "An old message",
            }
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": f"cbq-{next(self._update_ids)}",
                "from": {"id": abs(chat_id), "is_bot": False, "first_name": "Customer"},
                "chat_instance": f"ci-{chat_id}",
                "data": data,
                "message": message,
            },
        }

    async def send_text(self, chat_id: int, text: str) -> dict[str, Any]:
        return await self.queue(self.message_update(chat_id, text))

    async def press(
        self, chat_id: int, data: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return await self.queue(self.callback_update(chat_id, data, message))

    async def queue(self, update: dict[str, Any]) -> dict[str, Any]:
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    # -- checking what the bot did ---------------------------------------------------------------

    async def wait_for(
        self,
        method: str,
        where: Callable[[Call], bool] = lambda call: True,
        *,
        after: int = 0,
        deadline_s: float = 20,
    ) -> Call:
        """The first call to ``method`` at index ``after`` or later that matches ``where``."""

        def found() -> Call | None:
            return next(
                (c for c in self.calls[after:] if c.method == method and where(c)),
                None,
            )

        async with asyncio.timeout(deadline_s), self._changed:
            await self._changed.wait_for(lambda: found() is not None)
        call = found()
        assert call is not None
        return call

    def to_chat(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        return [c for c in self.calls if c.method == method and c.chat_id == chat_id]

    def message_of(self, call: Call) -> dict[str, Any]:
        """The message the bot got back for a send call (to press its buttons)."""
        return self.sent[int(call.params["_message_id"])]

    # -- the Bot API ---------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params, files = await _params(request)
        call = Call(method, params, files)
        if method != "getUpdates":
            await self._record(call)
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
                status=404,
            )
        result = await handler(call)
        return web.json_response({"ok": True, "result": result})

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api_getme(self, call: Call) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Swayam",
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_getupdates(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset") or 0)
        wait = float(call.params.get("timeout") or 0)

        def ready() -> bool:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return bool(self._updates) or self._closing

        async with self._changed:
            try:
                async with asyncio.timeout(wait):
                    await self._changed.wait_for(ready)
            except TimeoutError:
                pass
            return [] if self._closing else list(self._updates)

    async def _api_sendmessage(self, call: Call) -> dict[str, Any]:
        return self._message(call, text=call.text)

    async def _api_sendphoto(self, call: Call) -> dict[str, Any]:
        photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 640, "height": 480}]
        return self._message(call, photo=photo)

    async def _api_editmessagetext(self, call: Call) -> dict[str, Any]:
        message = dict(self.sent[int(call.params["message_id"])])
        message["text"] = call.text
        message.pop("reply_markup", None)
        if call.params.get("reply_markup"):
            message["reply_markup"] = call.params["reply_markup"]
        self.sent[message["message_id"]] = message
        return message

    async def _api_answercallbackquery(self, call: Call) -> bool:
        return True

    async def _api_setmycommands(self, call: Call) -> bool:
        return True

    async def _api_setwebhook(self, call: Call) -> bool:
        return True

    async def _api_deletewebhook(self, call: Call) -> bool:
        return True

    def _message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = call.chat_id
        assert chat_id is not None
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": 1_800_000_000,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Swayam"},
            **content,
        }
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self.sent[message["message_id"]] = message
        call.params["_message_id"] = message["message_id"]
        return message


async def _params(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Bot API parameters: a JSON body, or form fields whose non-strings are JSON."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        params.update(await request.json())
        return params, files
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = await part.read()
            else:
                params[part.name] = _decode(part.name, await part.text())
        return params, files
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, str):
            params[name] = _decode(name, value)
    return params, files


def _decode(name: str, value: str) -> Any:
    if name in ("text", "caption", "secret_token", "url", "callback_query_id", "parse_mode"):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
