"""An app on a fresh database with two customers and an operator, over aiohttp's test client."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from api.app import create_app
from bot.bootstrap import Container, build
from bot.settings import Settings
from domain.banking.model import AccountType
from domain.clock import ManualClock
from domain.identity.model import Scope
from domain.money import Money
from intents import NLU

AiohttpClient = Callable[[web.Application], Awaitable[TestClient[Any, Any]]]


@dataclass
class World:
    client: TestClient[Any, Any]
    container: Container
    clock: ManualClock
    asha: str  # user ids
    vikram: str
    asha_savings: str
    asha_current: str
    vikram_savings: str
    asha_payee: str
    tokens: dict[str, str]

    def auth(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def pay(self, who: str, key: str) -> dict[str, str]:
        return self.auth(who, **{"Idempotency-Key": key})

    async def balance(self, account_id: str) -> int:
        view = await self.container.banking.account(None, account_id)
        return view.balance

    async def count(self, table: str) -> int:
        from sqlalchemy import text

        async with self.container.db.reading() as conn:
            return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def seed(container: Container) -> dict[str, Any]:
    identity, banking = container.identity, container.banking
    asha = await identity.create_user("asha", "Asha Verma", "correct-horse-1")
    vikram = await identity.create_user("vikram", "Vikram Rao", "correct-horse-2")
    ops = await identity.create_user("ops", "Operations", "correct-horse-3", role=Scope.OPERATOR)
    savings = await banking.open_account(asha, AccountType.SAVINGS, "Savings")
    current = await banking.open_account(asha, AccountType.CURRENT, "Current")
    v_savings = await banking.open_account(vikram, AccountType.SAVINGS, "Savings")
    for account, amount in (
        (savings.id, 2_45_000_00),
        (current.id, 58_000_00),
        (v_savings.id, 80_000_00),
    ):
        await banking.external_posting(
            principal_id=ops,
            idempotency_key=f"seed-{account}",
            account_id=account,
            direction="credit",
            amount=Money(amount),
            counterparty="Opening balance",
        )
    payee = await banking.add_payee(asha, "Ravi Kumar", nickname="Ravi", upi_id="ravi@okaxis")
    tokens = {
        name: await identity.create_api_token(name, scope)
        for name, scope in (
            ("asha", Scope.CUSTOMER),
            ("vikram", Scope.CUSTOMER),
            ("ops", Scope.OPERATOR),
        )
    }
    return {
        "asha": asha,
        "vikram": vikram,
        "asha_savings": savings.id,
        "asha_current": current.id,
        "vikram_savings": v_savings.id,
        "asha_payee": payee.id,
        "tokens": tokens,
    }


@pytest.fixture
async def world(
    aiohttp_client: AiohttpClient, settings: Settings, clock: ManualClock, nlu: NLU
) -> World:
    container = build(settings, clock=clock, nlu=nlu)
    client = await aiohttp_client(create_app(container))
    return World(client=client, container=container, clock=clock, **await seed(container))
