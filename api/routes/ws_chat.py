"""The web chat's WebSocket, ``/ws/chat``: JSON frames in, the reply model out.

Client frames::

    {"type": "auth", "token": "swa_..."}          first frame (or renew the token later)
    {"type": "message", "text": "...", "conversation_id": "cnv_..."?}
    {"type": "button", "payload": "/affirm", "conversation_id": "cnv_..."?}
    {"type": "ping"}

Server frames::

    {"type": "ready", "customer": {"first_name": ...}}    after a good auth frame
    {"type": "typing", "state": true | false}
    {"type": "reply", "conversation_id", "message_id", "replies": [...]}
    {"type": "push", "replies": [...]}                      from ``api.ws_hub``, and right
                                                            after ready: the notifications
                                                            sent while the customer was away
    {"type": "pong"}
    {"type": "error", "code", "message"}                   the connection stays open

The token may instead come in the handshake, as the subprotocol
``bearer.<token>`` offered beside ``swayam.v1`` (browsers cannot set headers);
never in the URL, which ends up in access logs. A browser always sends
``Origin``; it must be this server or one of ``SWAYAM_ALLOWED_ORIGINS``.
Clients that send no ``Origin`` are not browsers, so no page can ride on the
customer's session through them; they still need a token.

Close codes: 4401 no or bad token, 4403 forbidden origin or not a customer,
4408 no auth frame in time, 4429 rate limited again and again (or too many
connections), 1003 a frame that is not a JSON object of a known type, 1009 a
frame over ``MAX_FRAME`` bytes, 1001 the server is shutting down, 1013 a
client too slow to read its replies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from enum import IntEnum
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web

from api.auth import Limiters, client_ip
from api.keys import CONTAINER, RATE_LIMITER, WS_HUB
from api.routes.chat import MAX_CHAT_TEXT
from api.ws_hub import Frame, Outbox
from bot.bootstrap import Container
from bot.context import Customer
from bot.push import as_replies
from bot.replies import Reply
from domain.errors import DomainError, Unauthenticated
from domain.identity.model import Principal

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

PROTOCOL = "swayam.v1"
BEARER_PROTOCOL = "bearer."
MAX_FRAME = 16 * 1024
HEARTBEAT_S = 30.0
# Per connection: bursts of 30 frames, refilled at 30 per 10 s.
RATE_BURST = 30
RATE_WINDOW_S = 10.0
# Frames refused for the rate before the connection is closed.
MAX_RATE_STRIKES = 10
MAX_PAYLOAD = 200
MAX_CONVERSATION_ID = 40


class Close(IntEnum):
    GOING_AWAY = 1001
    UNSUPPORTED = 1003
    TRY_AGAIN_LATER = 1013
    UNAUTHENTICATED = 4401
    FORBIDDEN = 4403
    AUTH_TIMEOUT = 4408
    RATE_LIMITED = 4429


class _Closing(Exception):
    def __init__(self, code: Close, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class TokenBucket:
    """``burst`` frames at once, refilled evenly over ``window_s``."""

    def __init__(self, burst: int, window_s: float, clock: Callable[[], float]) -> None:
        self._burst = float(burst)
        self._rate = burst / window_s
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    def wait_s(self) -> int:
        return max(1, int((1.0 - self._tokens) / self._rate + 0.999))


def origin_allowed(request: web.Request, allowed: tuple[str, ...]) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin in allowed:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == request.host.lower()


def _offered_token(request: web.Request) -> str | None:
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    for item in offered.split(","):
        item = item.strip()
        if item.startswith(BEARER_PROTOCOL):
            return item[len(BEARER_PROTOCOL) :]
    return None


@routes.get("/ws/chat")
async def ws_chat(request: web.Request) -> web.WebSocketResponse:
    """Chat with Swayam over a WebSocket (the web chat page's channel)."""
    limiters = request.app[RATE_LIMITER]
    assert isinstance(limiters, Limiters)
    limiters.ip.hit(client_ip(request), "connections")
    ws = web.WebSocketResponse(protocols=(PROTOCOL,), heartbeat=HEARTBEAT_S, max_msg_size=MAX_FRAME)
    await ws.prepare(request)
    container = request.app[CONTAINER]
    if not origin_allowed(request, container.settings.allowed_origins):
        await ws.close(code=Close.FORBIDDEN, message=b"origin not allowed")
        return ws
    session = _Session(request, ws, container)
    code: Close | None = None
    reason = ""
    try:
        await session.run(_offered_token(request))
    except _Closing as closing:
        code, reason = closing.code, closing.reason
    finally:
        await session.close(code, reason)
    return ws


async def close_all(app: web.Application) -> None:
    """At shutdown: close every web chat with 1001 so no handler keeps the server waiting."""
    app[WS_HUB].close_all()


class _Session:
    """One authenticated web chat connection."""

    def __init__(self, request: web.Request, ws: web.WebSocketResponse, container: Container):
        self._ws = ws
        self._container = container
        self._hub = request.app[WS_HUB]
        self._token = ""
        self._principal: Principal | None = None
        self._customer: Customer | None = None
        self._outbox: Outbox | None = None
        self._writer: asyncio.Task[None] | None = None
        self._conversation_id: str | None = None
        self._bucket = TokenBucket(RATE_BURST, RATE_WINDOW_S, self._seconds)
        self._strikes = 0

    def _seconds(self) -> float:
        return self._container.clock.now().timestamp()

    # -- lifecycle ----------------------------------------------------------

    async def run(self, offered_token: str | None) -> None:
        token = offered_token or await self._auth_frame()
        principal = await self._authenticate(token)
        if not principal.is_customer:
            raise _Closing(Close.FORBIDDEN, "customers only")
        self._token, self._principal = token, principal
        self._customer = Customer(principal.user_id, principal.full_name, principal.timezone)
        self._outbox = Outbox(principal.user_id)
        if not self._hub.add(self._outbox):
            raise _Closing(Close.RATE_LIMITED, "too many connections")
        self._writer = asyncio.create_task(self._write(self._outbox), name="ws-chat-writer")
        self._send({"type": "ready", "customer": {"first_name": self._customer.first_name}})
        await self._send_inbox(principal.user_id)
        await self._read()

    async def close(self, code: Close | None, reason: str) -> None:
        if self._outbox is not None:
            self._hub.remove(self._outbox)
            self._outbox.close()
        if self._writer is not None:
            # Let queued frames (an error explaining the close) go out first.
            with contextlib.suppress(Exception):
                await self._writer
            self._writer = None
        if not self._ws.closed:
            if code is None:
                await self._ws.close()
            else:
                await self._ws.close(code=code, message=reason.encode()[:120])

    async def _write(self, outbox: Outbox) -> None:
        while (frame := await outbox.get()) is not None:
            if self._ws.closed:
                return
            await self._ws.send_json(frame)
        if self._ws.closed:
            return
        if outbox.overflowed:
            await self._ws.close(code=Close.TRY_AGAIN_LATER, message=b"too slow to read replies")
        elif outbox.going_away:
            await self._ws.close(code=Close.GOING_AWAY, message=b"server shutting down")

    async def _send_inbox(self, customer_id: str) -> None:
        """Show what was sent while the customer was away; it counts as delivered now."""
        notes = await self._container.events.notifications.undelivered(customer_id)
        if notes:
            replies = [Reply("While you were away:"), *as_replies(notes)]
            self._send({"type": "push", "replies": [r.to_json() for r in replies]})

    def _send(self, frame: Frame) -> None:
        assert self._outbox is not None
        self._outbox.put(frame)

    def _error(self, code: str, message: str) -> None:
        self._send({"type": "error", "code": code, "message": message})

    # -- authentication --------------------------------------------------------

    async def _auth_frame(self) -> str:
        timeout = self._container.settings.ws_auth_timeout_s
        try:
            msg = await self._ws.receive(timeout=timeout)
        except TimeoutError:
            raise _Closing(Close.AUTH_TIMEOUT, "send the auth frame first") from None
        if msg.type is not WSMsgType.TEXT:
            raise _Closing(Close.UNAUTHENTICATED, "send the auth frame first")
        frame = _parse(msg.data)
        token = frame.get("token") if frame is not None else None
        if frame is None or frame.get("type") != "auth" or not isinstance(token, str):
            raise _Closing(Close.UNAUTHENTICATED, "send the auth frame first")
        return token

    async def _authenticate(self, token: str) -> Principal:
        try:
            return await self._container.identity.authenticate(token)
        except Unauthenticated as err:
            raise _Closing(Close.UNAUTHENTICATED, err.code) from None

    async def _renew(self, frame: dict[str, Any]) -> None:
        """Swap in a refreshed access token of the same customer."""
        token = frame.get("token")
        if not isinstance(token, str):
            raise _Closing(Close.UNAUTHENTICATED, "invalid_token")
        principal = await self._authenticate(token)
        assert self._principal is not None
        if principal.user_id != self._principal.user_id or not principal.is_customer:
            raise _Closing(Close.FORBIDDEN, "a different customer")
        self._token, self._principal = token, principal

    # -- frames ------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            msg = await self._ws.receive()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return
            if msg.type is WSMsgType.ERROR:
                return  # aiohttp has closed it already (1009 for an oversized frame)
            if msg.type is not WSMsgType.TEXT:
                raise _Closing(Close.UNSUPPORTED, "send JSON text frames")
            if not self._bucket.take():
                self._strikes += 1
                if self._strikes >= MAX_RATE_STRIKES:
                    raise _Closing(Close.RATE_LIMITED, "too many messages")
                wait = self._bucket.wait_s()
                self._error("rate_limited", f"You're sending messages too fast; wait {wait} s.")
                continue
            frame = _parse(msg.data)
            if frame is None:
                raise _Closing(Close.UNSUPPORTED, "send JSON objects")
            kind = frame.get("type")
            if kind == "ping":
                self._send({"type": "pong"})
            elif kind == "auth":
                await self._renew(frame)
            elif kind in ("message", "button"):
                await self._turn(frame)
            else:
                raise _Closing(Close.UNSUPPORTED, "unknown frame type")

    async def _turn(self, frame: dict[str, Any]) -> None:
        text, payload = frame.get("text"), frame.get("payload")
        conversation_id = frame.get("conversation_id", self._conversation_id)
        if frame["type"] == "message" and (not isinstance(text, str) or len(text) > MAX_CHAT_TEXT):
            self._error("invalid_message", f"'text' must be at most {MAX_CHAT_TEXT} characters.")
            return
        if frame["type"] == "button" and (not isinstance(payload, str) or len(payload) > 200):
            self._error("invalid_message", "'payload' must be a button's payload.")
            return
        if conversation_id is not None and (
            not isinstance(conversation_id, str) or len(conversation_id) > MAX_CONVERSATION_ID
        ):
            self._error("invalid_message", "'conversation_id' must be a conversation's id.")
            return
        # Every turn checks the token again: a signed-out or expired session stops here.
        await self._authenticate(self._token)
        assert self._customer is not None
        self._send({"type": "typing", "state": True})
        try:
            result = await self._container.assistant.handle(
                self._customer,
                text=text if frame["type"] == "message" else None,
                payload=payload if frame["type"] == "button" else None,
                channel="web",
                conversation_id=conversation_id,
            )
        except DomainError as err:
            self._error(err.code, err.message)
        except Exception:
            log.exception("web chat turn failed")
            self._error("internal_error", "Something went wrong on our side. Please try again.")
        else:
            self._conversation_id = result.conversation_id
            self._send(
                {
                    "type": "reply",
                    "conversation_id": result.conversation_id,
                    "message_id": result.message_id,
                    "replies": [r.to_json() for r in result.replies],
                }
            )
        finally:
            self._send({"type": "typing", "state": False})


def _parse(data: str) -> dict[str, Any] | None:
    try:
        frame = json.loads(data)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None
