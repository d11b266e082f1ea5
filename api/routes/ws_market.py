"""Market ticks over a WebSocket. Quotes are public market data: no sign-in needed.

    client: {"type": "subscribe", "symbols": ["INFY", "TCS"]}
    server: {"type": "subscribed", "symbols": [...]}, then the current quotes,
            then {"type": "tick", "symbol": ..., "last": money, ...} as prices move
    client: {"type": "unsubscribe"}   stops all ticks

Close codes: 4400 a bad frame or an unknown symbol (the reason says which);
4408 a client too slow to keep up with the ticks.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable

from aiohttp import WSMsgType, web

from api.keys import CONTAINER
from domain.errors import DomainError
from domain.trading.ticker import tick_message

routes = web.RouteTableDef()
MAX_SYMBOLS = 50
# Ticks waiting for one client. A client this far behind is a slow consumer: it is
# disconnected (close code 4408) rather than holding memory or delaying the others.
QUEUE = 256


@routes.get("/ws/market")
async def ws_market(request: web.Request) -> web.WebSocketResponse:
    markets = request.app[CONTAINER].markets
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    queue: asyncio.Queue[str] = asyncio.Queue(QUEUE)
    closing: list[asyncio.Task[bool]] = []

    def deliver(text: str) -> None:
        # Called by the ticker for every subscriber in turn: never waits on a socket.
        if queue.full():
            if not ws.closed and not closing:
                close = ws.close(code=4408, message=b"too slow: ticks dropped")
                closing.append(asyncio.ensure_future(close))
            return
        queue.put_nowait(text)

    async def pump() -> None:
        # Each connection sends on its own, so one slow socket delays nobody else.
        while True:
            await ws.send_str(await queue.get())

    sender = asyncio.create_task(pump())
    unsubscribe: Callable[[], None] | None = None
    try:
        async for msg in ws:
            if msg.type is not WSMsgType.TEXT:
                continue
            try:
                frame = json.loads(msg.data)
                kind = frame.get("type") if isinstance(frame, dict) else None
            except ValueError:
                kind = None
            if kind == "unsubscribe":
                if unsubscribe is not None:
                    unsubscribe()
                    unsubscribe = None
                await ws.send_json({"type": "unsubscribed"})
                continue
            symbols = frame.get("symbols") if kind == "subscribe" else None
            if (
                not isinstance(symbols, list)
                or not symbols
                or len(symbols) > MAX_SYMBOLS
                or not all(isinstance(s, str) for s in symbols)
            ):
                await ws.close(code=4400, message=b"send {type: subscribe, symbols: [...]}")
                break
            try:
                chosen = sorted({markets.trading.instrument(s).symbol for s in symbols})
            except DomainError as err:
                await ws.close(code=4400, message=err.message.encode()[:120])
                break
            if unsubscribe is not None:
                unsubscribe()
            unsubscribe = markets.ticker.subscribe(chosen, deliver)
            await ws.send_json({"type": "subscribed", "symbols": chosen})
            for symbol in chosen:
                deliver(tick_message(markets.trading.quote(symbol)))
    finally:
        if unsubscribe is not None:
            unsubscribe()
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionResetError):
            await sender
    return ws
