from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from domain.banking.engine import MoneyEngine
from domain.banking.service import BankingService
from domain.clock import ManualClock
from domain.db import connect
from domain.trading.instruments import load_instruments
from domain.trading.service import TradingService
from domain.trading.simfeed import SimulatedFeed
from tests.integration.banking.ledger import OPERATOR, add_user
from tests.integration.trading.market import LIMITS, Desk


@pytest.fixture
async def desk(database_url: str, clock: ManualClock) -> AsyncIterator[Desk]:
    db = connect(database_url)
    engine = MoneyEngine(db, clock, default_limits=LIMITS)
    engine.start()
    feed = SimulatedFeed(load_instruments(), clock, seed=7)
    trading = TradingService(db, clock, engine, feed)
    await trading.ensure_accounts()
    await add_user(db, clock, "operator", role="operator", user_id=OPERATOR)
    try:
        yield Desk(
            db,
            clock,
            engine,
            BankingService(db, clock, engine, default_limits=LIMITS),
            feed,
            trading,
        )
    finally:
        await trading.close()
        await engine.stop()
        await db.dispose()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with the market loop slowed: these tests drive matching themselves."""
    return settings.model_copy(update={"market_tick_s": 3600.0})
