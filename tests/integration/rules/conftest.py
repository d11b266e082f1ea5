"""A small bank for rules tests: money engine with the outbox hook, banking, trading,
the rules service and runner, and a dispatcher the tests drive by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import pytest
from sqlalchemy import func, select

from domain import schema
from domain.banking.book import Book
from domain.banking.engine import MoneyEngine
from domain.banking.model import AccountType
from domain.banking.service import BankingService
from domain.clock import ManualClock
from domain.db import Database, Writes, connect
from domain.events import outbox
from domain.events.derive import from_book
from domain.events.dispatcher import Dispatcher
from domain.money import Money
from domain.rules.runner import Approval, RulesRunner
from domain.rules.service import RulesService, Symbols
from domain.trading.instruments import load_instruments
from domain.trading.market import Quote
from domain.trading.service import TradingService
from domain.trading.simfeed import SimulatedFeed
from tests.integration.banking.ledger import OPERATOR, add_user, key
from tests.integration.trading.market import LIMITS


class PinnedFeed:
    """The simulated feed, with prices a test pins by symbol."""

    def __init__(self, feed: SimulatedFeed) -> None:
        self._feed = feed
        self.pinned: dict[str, int] = {}

    def symbols(self) -> tuple[str, ...]:
        return self._feed.symbols()

    def quote(self, symbol: str) -> Quote:
        quote = self._feed.quote(symbol)
        if symbol in self.pinned:
            return replace(quote, last=self.pinned[symbol])
        return quote


@dataclass
class Bank:
    db: Database
    clock: ManualClock
    engine: MoneyEngine
    banking: BankingService
    trading: TradingService
    feed: PinnedFeed
    rules: RulesService
    runner: RulesRunner
    dispatcher: Dispatcher
    approvals: list[Approval] = field(default_factory=list)

    async def customer(
        self, name: str = "asha", savings: int = 0, current: int = 0
    ) -> tuple[str, str, str]:
        who = await add_user(self.db, self.clock, name)
        s = await self.banking.open_account(who, AccountType.SAVINGS, "Savings")
        c = await self.banking.open_account(who, AccountType.CURRENT, "Current")
        for account, minor in ((s.id, savings), (c.id, current)):
            if minor:
                await self.credit(account, minor, "Opening deposit")
        await self.dispatcher.drain()
        return who, s.id, c.id

    async def credit(
        self, account_id: str, minor: int, counterparty: str, category: str | None = None
    ) -> None:
        await self.banking.external_posting(
            principal_id=OPERATOR,
            idempotency_key=key("credit"),
            account_id=account_id,
            direction="credit",
            amount=Money(minor),
            counterparty=counterparty,
            category=category,
        )

    async def balance(self, account_id: str) -> int:
        return (await self.banking.account(None, account_id)).balance

    async def executions(self, status: str | None = None) -> int:
        x = schema.rule_executions
        q = select(func.count()).select_from(x)
        if status is not None:
            q = q.where(x.c.status == status)
        async with self.db.reading() as conn:
            return int((await conn.execute(q)).scalar_one())


@pytest.fixture
async def bank(database_url: str, clock: ManualClock) -> AsyncIterator[Bank]:
    db = connect(database_url)
    engine = MoneyEngine(db, clock, default_limits=LIMITS)

    async def write_outbox(conn: Writes, book: Book) -> None:
        await outbox.append(conn, from_book(book, book.now))

    engine.batch_hooks.append(write_outbox)
    engine.start()
    feed = PinnedFeed(SimulatedFeed(load_instruments(), clock, seed=7))
    trading = TradingService(db, clock, engine, feed)
    await trading.ensure_accounts()
    await add_user(db, clock, "operator", role="operator", user_id=OPERATOR)
    banking = BankingService(db, clock, engine, default_limits=LIMITS)
    symbols = Symbols(frozenset(i.symbol for i in trading.instruments()))
    runner = RulesRunner(db, clock, banking, trading)
    dispatcher = Dispatcher(db, clock, consumers=[runner], staged_jobs=[runner.stage_due_now])
    b = Bank(
        db,
        clock,
        engine,
        banking,
        trading,
        feed,
        RulesService(db, clock, symbols=symbols),
        runner,
        dispatcher,
    )

    async def hook(a: Approval) -> None:
        b.approvals.append(a)

    runner.approval_hooks.append(hook)
    try:
        yield b
    finally:
        await trading.close()
        await engine.stop()
        await db.dispose()
