"""The HTTP side of outgoing webhooks: one pooled aiohttp session, bounded time-outs.

Host names are resolved and checked before each send, so a name that later
points somewhere private is still refused.
"""

from __future__ import annotations

import asyncio
import functools
import socket
from urllib.parse import urlsplit

import aiohttp

from domain.errors import InvalidInput
from domain.webhooks import targets
from domain.webhooks.service import Attempt


@functools.lru_cache(maxsize=4096)
def _named_host(url: str) -> str | None:
    """The host name to resolve for a URL, or None when the host is an IP address."""
    host = urlsplit(url).hostname or ""
    return None if targets.literal_address(host) is not None else host


class AiohttpSender:
    def __init__(self, *, timeout_s: float, allow_loopback: bool, limit: int = 256) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._allow_loopback = allow_loopback
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # Keep-alive connections, as many as the service has requests in flight.
            connector = aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=60)
            # A receiver's cookies must not ride along on later deliveries.
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=connector, cookie_jar=aiohttp.DummyCookieJar()
            )
        return self._session

    async def _check_host(self, url: str) -> None:
        host = _named_host(url)
        if host is None:
            return  # an address, not a name: checked by the service
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        for info in infos:
            targets.check_address(str(info[4][0]), allow_loopback=self._allow_loopback)

    async def send(self, url: str, headers: dict[str, str], body: bytes) -> Attempt:
        try:
            await self._check_host(url)
        except InvalidInput as exc:
            return Attempt(None, exc.message)
        except OSError as exc:
            return Attempt(None, f"could not resolve the host: {exc}"[:500])
        try:
            async with self._client().post(
                url, data=body, headers=headers, allow_redirects=False
            ) as resp:
                await resp.read()
                retry_after = resp.headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.isdigit() else None
                return Attempt(resp.status, None if resp.status < 300 else resp.reason, wait)
        except TimeoutError:
            return Attempt(None, "timed out")
        except aiohttp.ClientError as exc:
            return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
