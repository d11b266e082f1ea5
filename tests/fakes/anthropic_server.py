"""A fake Anthropic Messages API on loopback, for driving the real ``anthropic`` SDK.

A test gives a ``script``: a function from the request body (model, system,
messages, tools) to what the "model" does next: a ``Message`` body built with
``says`` or ``calls``, an ``Error`` status, or ``STALL`` (never answer, until
the fake closes). Every request is recorded with its headers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

_ids = itertools.count(1)


@dataclass(frozen=True)
class Error:
    status: int
    message: str = "Internal server error"


STALL = object()

Script = Callable[[dict[str, Any]], Any]


def says(text: str) -> dict[str, Any]:
    return _message([{"type": "text", "text": text}], "end_turn")


def calls(name: str, args: dict[str, Any] | None = None, *, text: str = "") -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    blocks.append(
        {"type": "tool_use", "id": f"toolu_{next(_ids)}", "name": name, "input": args or {}}
    )
    return _message(blocks, "tool_use")


def _message(content: list[dict[str, Any]], stop: str) -> dict[str, Any]:
    return {
        "id": f"msg_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool_result blocks of the latest user turn (empty on the first request)."""
    last = body["messages"][-1]
    content = last["content"]
    if last["role"] != "user" or isinstance(content, str):
        return []
    return [block for block in content if block.get("type") == "tool_result"]


class FakeClaude:
    def __init__(self, script: Script | None = None) -> None:
        self.script: Script = script or (lambda body: says("Hello from the fake."))
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/messages", self._messages)
        self._runner = web.AppRunner(app, shutdown_timeout=1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()

    def everything_sent(self) -> str:
        """All the text the model was ever shown, for checking what leaked."""
        return json.dumps(self.requests, ensure_ascii=False)

    async def _messages(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.headers.append({k.lower(): v for k, v in request.headers.items()})
        outcome = self.script(body)
        if outcome is STALL:
            await self._closing.wait()
            return web.json_response(says("too late"))
        if isinstance(outcome, Error):
            return web.json_response(
                {"type": "error", "error": {"type": "api_error", "message": outcome.message}},
                status=outcome.status,
            )
        return web.json_response(outcome)
