"""Trading and wealth wiring: the feed, the services, charts, and the market loop.

The loop runs every ``market_tick_s``: it sends ticks to subscribers, fills
resting orders, expires those past the close, fires price alerts, and after
each close records every customer's net worth for the performance figures.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date

from bot.charts import Charts
from bot.settings import Settings
from domain.banking.engine import MoneyEngine
from domain.clock import Clock
from domain.db import Database
from domain.trading.instruments import load_instruments
from domain.trading.market import CLOSE, IST, MarketData
from domain.trading.replay import ReplayFeed
from domain.trading.service import TradingService
from domain.trading.simfeed import SimulatedFeed
from domain.trading.ticker import Ticker
from domain.wealth.service import WealthService

log = logging.getLogger(__name__)


@dataclass
class Markets:
    feed: MarketData
    trading: TradingService
    wealth: WealthService
    charts: Charts
    ticker: Ticker
    clock: Clock
    tick_s: float
    _snapshot_day: date | None = None

    async def start(self) -> None:
        await self.trading.ensure_accounts()

    async def close(self) -> None:
        await self.trading.close()

    async def step(self) -> None:
        """One turn of the market loop."""
        self.ticker.publish()
        await self.trading.match()
        await self.trading.check_alerts()
        local = self.clock.now().astimezone(IST)
        if local.time() >= CLOSE and self._snapshot_day != local.date():
            self._snapshot_day = local.date()
            await self.wealth.snapshot_all()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            try:
                await self.step()
            except Exception:
                log.exception("market loop step failed")


def build_markets(settings: Settings, db: Database, clock: Clock, engine: MoneyEngine) -> Markets:
    instruments = load_instruments()
    feed: MarketData
    if settings.market_replay_csv is not None:
        feed = ReplayFeed.from_csv(settings.market_replay_csv.read_text("utf-8"), clock)
    else:
        feed = SimulatedFeed(instruments, clock, seed=settings.market_seed)
    trading = TradingService(
        db, clock, engine, feed, max_fill=settings.trading_max_fill, instruments=instruments
    )
    return Markets(
        feed=feed,
        trading=trading,
        wealth=WealthService(db, clock, trading),
        charts=Charts(settings.data_dir / "charts"),
        ticker=Ticker(feed),
        clock=clock,
        tick_s=settings.market_tick_s,
    )
