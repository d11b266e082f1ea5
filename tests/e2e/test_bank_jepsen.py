"""A Jepsen-style bank test over HTTP against real server processes.

Several clients move money at random between a few customers' accounts and
to payees, through two ``swayam serve`` processes on one PostgreSQL database
(or one process on SQLite). Some responses are "lost" (the request is sent
again with the same Idempotency-Key) and some connections are cut mid-flight
(the client times out and later asks again with the same key to learn what
happened). Afterwards the history must be one the bank could have produced:
money conserved to the paisa, no no-overdraft account below zero, and every
acknowledged transfer present exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.bootstrap import build
from bot.settings import Settings
from domain import schema
from domain.banking.model import AccountType
from domain.identity.model import Scope
from domain.money import Money
from tests.conftest import _reset_postgres, free_port
from tests.integration.banking.ledger import check_ledger

pytestmark = pytest.mark.slow

SWAYAM = Path(sys.executable).with_name("swayam")
PASSWORD = "correct-horse-battery"
CUSTOMERS = 3
ACCOUNTS_EACH = 3
OPENING = 50_000_00
READY_WITHIN_S = 90.0  # generous: other test suites may share the cores
LOST_RESPONSE = 0.15
CUT_CONNECTION = 0.15
TO_PAYEE = 0.2


@dataclass
class Bank:
    url: str
    accounts: dict[str, list[str]]  # customer username -> account ids
    payees: dict[str, str]  # customer username -> payee id


@dataclass
class History:
    """What the clients saw, to check against what the bank holds."""

    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # transfer id -> request
    resends: list[tuple[str, str]] = field(default_factory=list)  # (first id, resend id)
    rejected: int = 0
    cut: int = 0


async def seed(url: str, data_dir: Path) -> Bank:
    """Open the bank in the servers' data dir: they then share its trained NLU and keys."""
    container = build(Settings.model_validate({"database_url": url, "data_dir": data_dir}))
    await container.start()
    try:
        identity, banking = container.identity, container.banking
        ops = await identity.create_user("ops", "Operations", PASSWORD, role=Scope.OPERATOR)
        accounts: dict[str, list[str]] = {}
        payees: dict[str, str] = {}
        for c in range(CUSTOMERS):
            name = f"customer{c}"
            user = await identity.create_user(name, f"Customer {c}", PASSWORD)
            accounts[name] = []
            for i in range(ACCOUNTS_EACH):
                account = await banking.open_account(user, AccountType.SAVINGS, f"Pot {i}")
                await banking.external_posting(
                    principal_id=ops,
                    idempotency_key=f"open-{account.id}",
                    account_id=account.id,
                    direction="credit",
                    amount=Money(OPENING),
                    counterparty="Opening balance",
                )
                accounts[name].append(account.id)
            payees[name] = (await banking.add_payee(user, "Ravi Kumar", upi_id="ravi@oksbi")).id
        return Bank(url, accounts, payees)
    finally:
        await container.close()


@contextlib.asynccontextmanager
async def servers(bank: Bank, count: int, tmp: Path) -> AsyncIterator[list[str]]:
    """Start ``count`` server processes; terminate and reap them whatever happens."""
    env = {
        **os.environ,
        "SWAYAM_DATABASE_URL": bank.url,
        "SWAYAM_DATA_DIR": str(tmp / "data"),
        "SWAYAM_RATE_LIMIT_TOKEN_PER_MIN": "0",
        "SWAYAM_RATE_LIMIT_IP_PER_MIN": "0",
        "SWAYAM_RATE_LIMIT_LOGIN_PER_MIN": "0",
        "SWAYAM_LOG_LEVEL": "WARNING",
    }
    procs: list[asyncio.subprocess.Process] = []
    logs: list[Path] = []
    try:
        bases = []
        for n in range(count):
            port = free_port()
            log = tmp / f"server{n}.log"
            logs.append(log)
            with log.open("wb") as out:
                procs.append(
                    await asyncio.create_subprocess_exec(
                        str(SWAYAM),
                        "serve",
                        "--port",
                        str(port),
                        env=env,
                        stdout=out,
                        stderr=asyncio.subprocess.STDOUT,
                    )
                )
            bases.append(f"http://127.0.0.1:{port}")
        async with aiohttp.ClientSession() as http:
            for proc, base, log in zip(procs, bases, logs, strict=True):
                await wait_ready(http, proc, base, log)
        yield bases
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


def read_log(log: Path) -> str:
    return log.read_text(errors="replace")


async def wait_ready(
    http: aiohttp.ClientSession, proc: asyncio.subprocess.Process, base: str, log: Path
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_WITHIN_S
    while loop.time() < deadline:
        if proc.returncode is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{read_log(log)}")
        with contextlib.suppress(aiohttp.ClientError):
            async with http.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)
    pytest.fail(f"server at {base} not ready in {READY_WITHIN_S}s:\n{read_log(log)}")


async def login(http: aiohttp.ClientSession, base: str, username: str) -> str:
    body = {"username": username, "password": PASSWORD}
    async with http.post(f"{base}/api/v1/auth/login", json=body) as response:
        assert response.status == 200, await response.text()
        token = (await response.json())["access_token"]
        assert isinstance(token, str)
        return token


async def send(
    http: aiohttp.ClientSession,
    base: str,
    token: str,
    key: str,
    body: dict[str, Any],
    give_up_s: float = 30.0,
) -> tuple[int, dict[str, Any], bool]:
    """POST a transfer; returns status, document and whether it was a replay."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    async with http.post(
        f"{base}/api/v1/transfers",
        json=body,
        headers=headers,
        timeout=aiohttp.ClientTimeout(total=give_up_s),
    ) as response:
        document = await response.json()
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        return response.status, document, replayed


def outcome(status: int, document: dict[str, Any]) -> str | None:
    """The transfer id, or None for a refusal the bank may give (too little money)."""
    if status in (200, 201):
        return str(document["id"])
    assert status == 422, document
    assert document["error"]["code"] == "insufficient_funds", document
    return None


async def client(
    bank: Bank,
    bases: list[str],
    username: str,
    token: str,
    seed: int,
    operations: int,
    history: History,
) -> None:
    rng = random.Random(seed)
    async with aiohttp.ClientSession() as http:
        unknown: list[tuple[str, dict[str, Any]]] = []
        mine = bank.accounts[username]
        for _ in range(operations):
            src, dst = rng.sample(mine, 2)
            body: dict[str, Any] = {
                "from_account_id": src,
                "amount": {"minor": rng.randint(1, OPENING // 2), "currency": "INR"},
            }
            if rng.random() < TO_PAYEE:
                body["payee_id"] = bank.payees[username]
            else:
                body["to_account_id"] = dst
            key = uuid.uuid4().hex
            base = rng.choice(bases)
            roll = rng.random()
            if roll < CUT_CONNECTION:
                try:
                    status, document, _ = await send(
                        http, base, token, key, body, give_up_s=rng.uniform(0.001, 0.03)
                    )
                except TimeoutError:
                    history.cut += 1
                    unknown.append((key, body))
                    continue
            else:
                status, document, replayed = await send(http, base, token, key, body)
                assert not replayed
            transfer_id = outcome(status, document)
            if transfer_id is None:
                history.rejected += 1
            else:
                history.acked[transfer_id] = body
            if roll > 1 - LOST_RESPONSE:
                other = rng.choice(bases)
                status2, document2, replayed2 = await send(http, other, token, key, body)
                if transfer_id is None:
                    assert (status2, document2) == (status, document), "a refusal must stay"
                else:
                    assert (status2, replayed2) == (200, True)
                    history.resends.append((transfer_id, str(document2["id"])))
        # Learn what became of every request whose connection was cut.
        for key, body in unknown:
            base = rng.choice(bases)
            status, document, _ = await send(http, base, token, key, body)
            transfer_id = outcome(status, document)
            if transfer_id is None:
                history.rejected += 1
            else:
                history.acked[transfer_id] = body


async def verify(bank: Bank, bases: list[str], tokens: dict[str, str], history: History) -> None:
    assert history.acked and history.rejected, "the run should both move money and refuse some"
    for first, again in history.resends:
        assert first == again
    owner = {acc: name for name, accs in bank.accounts.items() for acc in accs}
    # Every acknowledged transfer is readable through the API, as it was asked for.
    async with aiohttp.ClientSession() as http:
        for transfer_id, body in history.acked.items():
            customer = owner[body["from_account_id"]]
            headers = {"Authorization": f"Bearer {tokens[customer]}"}
            base = bases[hash(transfer_id) % len(bases)]
            async with http.get(f"{base}/api/v1/transfers/{transfer_id}", headers=headers) as r:
                assert r.status == 200, await r.text()
                shown = await r.json()
            assert shown["id"] == transfer_id
            assert shown["from_account_id"] == body["from_account_id"]
            assert shown["amount"] == body["amount"]
    # ... and exists exactly once in the database, which holds nothing else.
    container = build(Settings.model_validate({"database_url": bank.url}))
    try:
        t = schema.transfers
        async with container.db.reading() as conn:
            ids = [
                r[0]
                for r in await conn.execute(select(t.c.id).where(t.c.kind != "external_credit"))
            ]
            doubled = (
                await conn.execute(
                    select(func.count()).select_from(
                        select(t.c.id).group_by(t.c.id).having(func.count() > 1).subquery()
                    )
                )
            ).scalar_one()
        assert doubled == 0
        assert sorted(ids) == sorted(history.acked)
        ledger = await check_ledger(container.db)
    finally:
        await container.db.dispose()
    paid_out = sum(b["amount"]["minor"] for b in history.acked.values() if "payee_id" in b)
    customer_money = sum(ledger.balances[acc] for acc in owner)
    assert customer_money == CUSTOMERS * ACCOUNTS_EACH * OPENING - paid_out
    assert all(ledger.balances[acc] >= 0 for acc in owner)


async def run(bank: Bank, bases: list[str], clients: int, operations: int) -> History:
    """Sign each customer in once (argon2 is slow on purpose), then let the clients loose.

    An access token from one server works on the other: sessions live in the database.
    """
    history = History()
    names = list(bank.accounts)
    async with aiohttp.ClientSession() as http:
        tokens = {
            name: await login(http, bases[i % len(bases)], name) for i, name in enumerate(names)
        }
    await asyncio.gather(
        *(
            client(bank, bases, name, tokens[name], i, operations, history)
            for i in range(clients)
            for name in [names[i % len(names)]]
        )
    )
    await verify(bank, bases, tokens, history)
    return history


@pytest.mark.postgres
async def test_two_servers_on_postgres_keep_the_bank_consistent(
    postgres_url: str, tmp_path: Path
) -> None:
    await _reset_postgres(postgres_url)
    bank = await seed(postgres_url, tmp_path / "data")
    async with servers(bank, 2, tmp_path) as bases:
        history = await run(bank, bases, clients=9, operations=30)
    assert history.cut > 0 and history.resends


async def test_one_server_on_sqlite_with_many_clients_keeps_the_bank_consistent(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "swayam.db"
    shutil.copyfile(sqlite_template, path)
    bank = await seed(f"sqlite+aiosqlite:///{path}", tmp_path / "data")
    async with servers(bank, 1, tmp_path) as bases:
        history = await run(bank, bases, clients=15, operations=20)
    assert history.cut > 0 and history.resends
