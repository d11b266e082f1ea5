"""Two engines on one database, as two server processes would be, hammering shared accounts.

On SQLite this exercises ``BEGIN IMMEDIATE`` and the busy timeout between two
connection pools; on PostgreSQL, ``SELECT ... FOR UPDATE`` row locks.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.bootstrap import Container, default_limits
from domain import schema
from domain.banking.commands import MakeTransfer
from domain.banking.engine import MoneyEngine, Receipt
from domain.db import connect
from domain.errors import Rejected
from domain.money import Money
from tests.integration.banking.ledger import (
    add_operator,
    add_user,
    check_ledger,
    funded_account,
    key,
)

CUSTOMERS = 3
ACCOUNTS_EACH = 3
OPENING = 20_000
WORKERS_PER_ENGINE = 12
REQUESTS_PER_WORKER = 15


@pytest.fixture
async def engines(container: Container) -> AsyncIterator[list[MoneyEngine]]:
    """Two engines, each with its own connection pools, like two processes."""
    started: list[MoneyEngine] = []
    dbs = [connect(container.settings.database_url, pool_size=4) for _ in range(2)]
    try:
        for db in dbs:
            engine = MoneyEngine(
                db, container.clock, default_limits=default_limits(container.settings)
            )
            engine.start()
            started.append(engine)
        yield started
    finally:
        for engine in started:
            await engine.stop()
        for db in dbs:
            await db.dispose()


async def test_two_engines_conserve_money_and_never_overdraw(
    container: Container, engines: list[MoneyEngine]
) -> None:
    await add_operator(container)
    banking = container.banking
    owners: dict[str, str] = {}
    for c in range(CUSTOMERS):
        customer = await add_user(container.db, container.clock, f"cust{c}")
        for _ in range(ACCOUNTS_EACH):
            owners[await funded_account(banking, customer, OPENING)] = customer
    by_customer: dict[str, list[str]] = {}
    for acc, owner in owners.items():
        by_customer.setdefault(owner, []).append(acc)
    payee = {
        c: (await banking.add_payee(c, "Ravi Kumar", upi_id="ravi@oksbi")).id for c in by_customer
    }
    acknowledged: dict[str, Receipt] = {}
    resent: list[tuple[Receipt, Receipt]] = []
    rejected = 0

    async def worker(engine: MoneyEngine, other: MoneyEngine, seed: int) -> None:
        nonlocal rejected
        rng = random.Random(seed)
        for _ in range(REQUESTS_PER_WORKER):
            customer = rng.choice(list(by_customer))
            src, dst = rng.sample(by_customer[customer], 2)
            # Big enough that overdrafts are tried often.
            to_payee = rng.random() < 0.2
            command = MakeTransfer(
                principal_id=customer,
                idempotency_key=key(),
                customer_id=customer,
                from_account_id=src,
                to_account_id=None if to_payee else dst,
                payee_id=payee[customer] if to_payee else None,
                amount=Money(rng.randint(1, OPENING // 2)),
            )
            try:
                receipt = await engine.submit(command)
            except Rejected as err:
                assert err.code == "insufficient_funds"
                rejected += 1
                continue
            acknowledged[receipt.id] = receipt
            if rng.random() < 0.2:
                # The response was lost: the client resends, maybe to the other process.
                again = await rng.choice([engine, other]).submit(command)
                resent.append((receipt, again))

    a, b = engines
    await asyncio.gather(
        *(worker(a, b, i) for i in range(WORKERS_PER_ENGINE)),
        *(worker(b, a, 1000 + i) for i in range(WORKERS_PER_ENGINE)),
    )

    ledger = await check_ledger(container.db)
    total = sum(ledger.balances[acc] for acc in owners)
    paid_out = sum(
        r.result["amount"]["minor"] for r in acknowledged.values() if r.result["kind"] == "payee"
    )
    assert total == CUSTOMERS * ACCOUNTS_EACH * OPENING - paid_out
    assert all(ledger.balances[acc] >= 0 for acc in owners)
    assert acknowledged and rejected, "the run should both move money and refuse some"
    for first, again in resent:
        assert again.replayed and again.id == first.id
    async with container.db.reading() as conn:
        t = schema.transfers
        ids = [
            r[0] for r in await conn.execute(select(t.c.id).where(t.c.kind != "external_credit"))
        ]
    assert sorted(ids) == sorted(acknowledged)
    assert sum(e.commands for e in engines) == WORKERS_PER_ENGINE * 2 * REQUESTS_PER_WORKER + len(
        resent
    )


async def test_the_same_key_sent_to_both_engines_at_once_moves_money_once(
    container: Container, engines: list[MoneyEngine]
) -> None:
    await add_operator(container)
    asha = await add_user(container.db, container.clock, "asha")
    src = await funded_account(container.banking, asha, 100_000)
    dst = await funded_account(container.banking, asha, 0)
    commands = [
        MakeTransfer(
            principal_id=asha,
            idempotency_key=f"race-{i}",
            customer_id=asha,
            from_account_id=src,
            to_account_id=dst,
            amount=Money(1_000),
        )
        for i in range(20)
    ]
    a, b = engines
    firsts, seconds = await asyncio.gather(
        asyncio.gather(*(a.submit(c) for c in commands)),
        asyncio.gather(*(b.submit(c) for c in commands)),
    )
    for x, y in zip(firsts, seconds, strict=True):
        assert x.id == y.id
        assert x.replayed != y.replayed
    ledger = await check_ledger(container.db)
    assert ledger.balances[dst] == 20_000
