"""Market ticks over a WebSocket. Quotes are public market data: no sign-in needed.

    client: {"type": "subscribe", "symbols": ["INFY", "TCS"]}
    server: {"type": "subscribed", "symbols": [...]}, then the current quotes,
            then {"type": "tick", "symbol": ..., "last": money, ...} as prices move
    client: {"type": "unsubscribe"}   stops all ticks

Close codes: 4400 a bad frame or an unknown symbol (the reason says which).
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
QUEUE = 1000  # ticks waiting for a slow client before the oldest are dropped


@routes.get("/ws/market")
async def ws_market(request: web.Request) -> web.WebSocketResponse:
    markets = request.app[CONTAINER].markets
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    queue: asyncio.Queue[str] = asyncio.Queue(QUEUE)

    def deliver(text: str) -> None:
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(text)

    async def pump() -> None:
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
