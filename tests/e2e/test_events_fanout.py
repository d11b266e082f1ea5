"""Two ``swayam serve`` processes on one PostgreSQL database, fanning events out over Redis.

Process A starts first and so holds the dispatch lease: it is the only one
that reads the outbox. A customer connected to process B must still see, on
``/ws/events`` and as a ``/ws/chat`` push, the transfer they make through
process A: the event can only reach B through Redis. Each run uses a channel
prefix of its own, so parallel runs do not hear each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.bootstrap import build
from bot.settings import Settings
from domain.banking.model import AccountType
from domain.events.dispatcher import _LOCK_KEY
from domain.identity.model import Scope
from domain.money import Money
from intents import NLU, load_training_data
from intents.model_cache import _save, model_path
from tests.conftest import _reset_postgres, free_port
from tests.e2e.test_bank_jepsen import PASSWORD, login, read_log, wait_ready

REDIS = ("127.0.0.1", 6379)
WITHIN_S = 20.0

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


async def seed(url: str, data_dir: Path, nlu: NLU) -> dict[str, str]:
    settings = Settings.model_validate({"database_url": url, "data_dir": data_dir})
    container = build(settings, nlu=nlu)
    await container.start()
    try:
        identity, banking = container.identity, container.banking
        ops = await identity.create_user("ops", "Operations", PASSWORD, role=Scope.OPERATOR)
        asha = await identity.create_user("asha", "Asha Verma", PASSWORD)
        savings = await banking.open_account(asha, AccountType.SAVINGS, "Savings")
        current = await banking.open_account(asha, AccountType.CURRENT, "Current")
        await banking.external_posting(
            principal_id=ops,
            idempotency_key="open",
            account_id=savings.id,
            direction="credit",
            amount=Money(1_00_000_00),
            counterparty="Opening balance",
        )
        await container.events.dispatcher.drain()
        return {"savings": savings.id, "current": current.id}
    finally:
        await container.close()


async def lease_held(url: str) -> bool:
    container = build(Settings.model_validate({"database_url": url}))
    try:
        async with container.db.reading() as conn:
            n = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND objid = :k AND granted"
                    ),
                    {"k": _LOCK_KEY},
                )
            ).scalar_one()
        return bool(n)
    finally:
        await container.db.dispose()


@contextlib.asynccontextmanager
async def two_servers(url: str, tmp: Path, prefix: str) -> AsyncIterator[tuple[str, str]]:
    """A, then (once A holds the dispatch lease) B; both terminated whatever happens."""
    env = {
        **os.environ,
        "SWAYAM_DATABASE_URL": url,
        "SWAYAM_DATA_DIR": str(tmp / "data"),
        "SWAYAM_REDIS_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
        "SWAYAM_REDIS_CHANNEL_PREFIX": prefix,
        "SWAYAM_NOTIFICATION_WINDOW_S": "0",
        "SWAYAM_RATE_LIMIT_TOKEN_PER_MIN": "0",
        "SWAYAM_RATE_LIMIT_IP_PER_MIN": "0",
        "SWAYAM_RATE_LIMIT_LOGIN_PER_MIN": "0",
        "SWAYAM_LOG_LEVEL": "WARNING",
    }
    swayam = Path(sys.executable).with_name("swayam")
    procs: list[asyncio.subprocess.Process] = []
    bases: list[str] = []
    try:
        async with aiohttp.ClientSession() as http:
            for name in ("a", "b"):
                port = free_port()
                log = tmp / f"server-{name}.log"
                with log.open("wb") as out:
                    proc = await asyncio.create_subprocess_exec(
                        str(swayam),
                        "serve",
                        "--port",
                        str(port),
                        env=env,
                        stdout=out,
                        stderr=asyncio.subprocess.STDOUT,
                    )
                procs.append(proc)
                base = f"http://127.0.0.1:{port}"
                bases.append(base)
                await wait_ready(http, proc, base, log)
                if name == "a":
                    for _ in range(int(WITHIN_S / 0.05)):
                        if await lease_held(url):
                            break
                        await asyncio.sleep(0.05)
                    else:
                        pytest.fail(f"A never took the dispatch lease:\n{read_log(log)}")
        yield bases[0], bases[1]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def frame_where(ws: aiohttp.ClientWebSocketResponse, wanted: Any) -> dict[str, Any]:
    """The first frame for which ``wanted`` holds, skipping others (heartbeats, inbox)."""
    while True:
        frame: dict[str, Any] = await ws.receive_json(timeout=WITHIN_S)
        if wanted(frame):
            return frame


@pytest.mark.skipif(not _redis_answers(), reason="Redis is not answering on 127.0.0.1:6379")
async def test_a_customer_on_process_b_sees_a_transfer_committed_through_process_a(
    postgres_url: str, tmp_path: Path, nlu: NLU
) -> None:
    await _reset_postgres(postgres_url)
    accounts = await seed(postgres_url, tmp_path / "seed", nlu)
    # The servers load the session's trained model instead of training their own.
    _save(nlu.classifier, model_path(tmp_path / "data", load_training_data()))
    prefix = f"swayam-test-{uuid.uuid4().hex[:12]}"
    async with (
        two_servers(postgres_url, tmp_path, prefix) as (a, b),
        aiohttp.ClientSession() as http,
    ):
        token = await login(http, b, "asha")
        auth = {"Authorization": f"Bearer {token}"}
        events = await http.ws_connect(f"{b}/ws/events", headers=auth)
        assert (await events.receive_json(timeout=WITHIN_S))["type"] == "ready"
        await events.send_json({"type": "subscribe", "event_types": ["transfer.*"]})
        assert (await events.receive_json(timeout=WITHIN_S))["type"] == "subscribed"
        chat = await http.ws_connect(f"{b}/ws/chat")
        await chat.send_json({"type": "auth", "token": token})
        await frame_where(chat, lambda f: f["type"] == "ready")

        body = {
            "from_account_id": accounts["savings"],
            "to_account_id": accounts["current"],
            "amount": {"minor": 1234_00, "currency": "INR"},
        }
        async with http.post(
            f"{a}/api/v1/transfers", json=body, headers={**auth, "Idempotency-Key": "k1"}
        ) as resp:
            assert resp.status == 201, await resp.text()
            transfer_id = (await resp.json())["id"]

        got = await frame_where(events, lambda f: f["type"] == "event")
        assert got["event"]["type"] == "transfer.completed"
        assert got["event"]["subject_id"] == transfer_id
        pushed = await frame_where(
            chat,
            lambda f: (
                f["type"] == "push" and any("Transfer completed" in r["text"] for r in f["replies"])
            ),
        )
        assert any("₹1,234.00" in r["text"] for r in pushed["replies"])
        await events.close()
        await chat.close()
