"""``/ws/events``: a customer's events as JSON, live, with resume.

The token comes in the ``Authorization`` header, as the subprotocol
``bearer.<token>`` (browsers), or in a first ``auth`` frame; never in the URL.

Client frames::

    {"type": "auth", "token": "swa_..."}
    {"type": "subscribe", "event_types": ["transfer.*", "credit.received"],
     "last_event_id": "evt_..."?}       replays what came after that event
    {"type": "ping"}

Server frames::

    {"type": "ready"}                     authenticated; subscribe next
    {"type": "subscribed", "event_types": [...] | null, "replayed": n}
    {"type": "event", "event": {id, type, customer_id, occurred_at, data}}
    {"type": "heartbeat"}                 every ``SWAYAM_WS_HEARTBEAT_S`` of silence
    {"type": "pong"}

Close codes: 4401 no or bad token, 4403 not a customer, 4408 no auth in
time, 4400 a bad frame (unknown type, bad event type, unknown last event id),
1013 too slow to read, 1001 the server is going away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import WSMsgType, web

from api.event_streams import Stream
from api.keys import CONTAINER, EVENT_STREAMS
from domain.errors import DomainError
from domain.events import model as ev
from domain.events import outbox
from domain.events.model import Event
from domain.identity.model import Principal, Scope

routes = web.RouteTableDef()

REPLAY_MAX = 1000


async def _authenticate(
    request: web.Request, ws: web.WebSocketResponse, token: str | None
) -> Principal | None:
    container = request.app[CONTAINER]
    if token is None:
        try:
            msg = await ws.receive(timeout=container.settings.ws_auth_timeout_s)
        except TimeoutError:
            await ws.close(code=4408, message=b"no auth frame in time")
            return None
        frame = _frame(msg)
        if frame is None or frame.get("type") != "auth" or not isinstance(frame.get("token"), str):
            await ws.close(code=4401, message=b"authenticate first")
            return None
        token = frame["token"]
    try:
        principal = await container.identity.authenticate(token)
    except DomainError:
        await ws.close(code=4401, message=b"bad token")
        return None
    if principal.scope is not Scope.CUSTOMER:
        await ws.close(code=4403, message=b"customers only")
        return None
    return principal


def _frame(msg: Any) -> dict[str, Any] | None:
    if msg.type != WSMsgType.TEXT:
        return None
    try:
        frame = json.loads(msg.data)
    except ValueError:
        return None
    return frame if isinstance(frame, dict) else None


def _handshake_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    for proto in request.headers.get("Sec-WebSocket-Protocol", "").split(","):
        proto = proto.strip()
        if proto.startswith("bearer."):
            return proto[len("bearer.") :]
    return None


@routes.get("/ws/events")
async def events_socket(request: web.Request) -> web.StreamResponse:
    container = request.app[CONTAINER]
    token = _handshake_token(request)
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    ws = web.WebSocketResponse(
        protocols=[p for p in offered if p == "swayam.events.v1"], max_msg_size=16 * 1024
    )
    await ws.prepare(request)
    principal = await _authenticate(request, ws, token)
    if principal is None:
        return ws
    streams = request.app[EVENT_STREAMS]
    stream = Stream(principal.user_id)
    streams.add(stream)
    await ws.send_json({"type": "ready"})
    writer = asyncio.create_task(_write(ws, stream, container.settings.ws_heartbeat_s))
    try:
        async for msg in ws:
            frame = _frame(msg)
            kind = frame.get("type") if frame else None
            if kind == "ping":
                stream.queue.put_nowait({"type": "pong"}) if not stream.queue.full() else None
            elif kind == "subscribe" and frame is not None:
                problem = await _subscribe(request, stream, frame)
                if problem:
                    await ws.close(code=4400, message=problem.encode()[:120])
                    break
            elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.ERROR):
                break
            else:
                await ws.close(code=4400, message=b"unknown frame")
                break
    finally:
        streams.remove(stream)
        stream.queue.put_nowait(None) if not stream.queue.full() else None
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
    return ws


async def _subscribe(request: web.Request, stream: Stream, frame: dict[str, Any]) -> str | None:
    types = frame.get("event_types")
    if types is not None:
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            return "event_types must be a list of names"
        bad = [t for t in types if not ev.valid_pattern(t)]
        if bad:
            return f"unknown event type {bad[0]}"
    last = frame.get("last_event_id")
    db = request.app[CONTAINER].db
    replay: list[Event] = []
    async with db.reading() as conn:
        if last is not None:
            if not isinstance(last, str):
                return "last_event_id must be a string"
            seq = await outbox.position_of(conn, last, stream.customer_id)
            if seq is None:
                return "unknown last_event_id"
            replay = await outbox.customer_events_after(conn, stream.customer_id, seq, REPLAY_MAX)
            stream.last_seq = seq
        else:
            stream.last_seq = await _head(conn, stream.customer_id)
    stream.types = frozenset(types) if types else None
    sent = 0
    stream.queue.put_nowait({"type": "subscribed", "event_types": types, "replayed": 0})
    stream.subscribed = True
    for event in replay:
        if ev.matches(event.type, stream.types):
            sent += 1
        stream.offer(event)
        if stream.overflowed:
            break
    return None


async def _head(conn: Any, customer_id: str) -> int:
    """The customer's latest outbox position: a fresh subscription starts after it."""
    from sqlalchemy import func, select

    from domain import schema

    o = schema.outbox_events
    return int(
        (
            await conn.execute(
                select(func.coalesce(func.max(o.c.seq), 0)).where(o.c.customer_id == customer_id)
            )
        ).scalar_one()
    )


async def _write(ws: web.WebSocketResponse, stream: Stream, heartbeat_s: float) -> None:
    while True:
        try:
            frame = await asyncio.wait_for(stream.queue.get(), heartbeat_s)
        except TimeoutError:
            frame = {"type": "heartbeat"}
        if frame is None:
            if stream.overflowed:
                await ws.close(code=1013, message=b"too slow to read events")
            return
        try:
            await ws.send_json(frame)
        except (ConnectionError, RuntimeError):
            return
