"""WebSocket tick subscribers, run as their own process for bench_trading.

    python bench/_ws_clients.py PORT SUBSCRIBERS TICKS

Opens SUBSCRIBERS connections to ``/ws/market`` on loopback, subscribes each
to INFY, prints ``ready`` once all are subscribed, then records for each tick
received the time from the tick's ``sent_at`` (set by the server as it
publishes) to receipt here. Prints one JSON line: the latencies in ms.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import aiohttp


async def main(port: int, subscribers: int, ticks: int) -> None:
    latencies: list[float] = []
    ready = 0
    all_ready = asyncio.Event()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal ready
            async with session.ws_connect(f"http://127.0.0.1:{port}/ws/market") as ws:
                await ws.send_json({"type": "subscribe", "symbols": ["INFY"]})
                await ws.receive_json()  # subscribed
                await ws.receive_json()  # the current quote
                ready += 1
                if ready == subscribers:
                    all_ready.set()
                for _ in range(ticks):
                    text = await ws.receive_str()
                    now = time.time()
                    latencies.append((now - json.loads(text)["sent_at"]) * 1000)

        tasks = [asyncio.create_task(client()) for _ in range(subscribers)]
        await asyncio.wait_for(all_ready.wait(), 120)
        print("ready", flush=True)
        await asyncio.wait_for(asyncio.gather(*tasks), 300)
    print(json.dumps(latencies), flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
