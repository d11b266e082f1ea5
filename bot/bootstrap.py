"""The composition root: builds engines, stores and services from settings.

Nothing connects at import; ``build`` wires, ``start`` starts background work,
``close`` stops it and disposes the engines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from argon2 import PasswordHasher

from bot.assistant import Assistant
from bot.context import Services
from bot.events import EventSystem, build_events
from bot.markets import Markets, build_markets
from bot.rules import RulesSystem, build_rules
from bot.settings import Settings
from bot.store import ConversationStore
from domain.banking.book import Book
from domain.banking.engine import MoneyEngine
from domain.banking.model import Limits
from domain.banking.service import BankingService
from domain.channels.telegram import TelegramLinks
from domain.clock import Clock, SystemClock
from domain.db import Database, Writes, connect
from domain.identity.passwords import Passwords
from domain.identity.pins import PinService
from domain.identity.service import IdentityService
from domain.ledger import events as ledger_events
from domain.ledger import keys as ledger_keys
from domain.ledger import store as ledger_store
from domain.ledger.service import LedgerService
from domain.predictions.forecast_service import ForecastService
from domain.predictions.service import PredictionService
from domain.support.service import SupportService
from intents import NLU, load_or_train

if TYPE_CHECKING:
    from bot.llm.claude import ClaudeAdvisor
    from bot.telegram import TelegramChannel

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    clock: Clock
    db: Database
    engine: MoneyEngine
    banking: BankingService
    identity: IdentityService
    pins: PinService
    support: SupportService
    conversations: ConversationStore
    telegram_links: TelegramLinks
    events: EventSystem
    markets: Markets
    ledger: LedgerService
    predictions: PredictionService
    rules: RulesSystem
    nlu: NLU | None = None
    forecasts: ForecastService | None = None
    # Channels and helpers that settings switch on; set by ``start``.
    telegram: TelegramChannel | None = None
    advisor: ClaudeAdvisor | None = None
    _assistant: Assistant | None = None
    _services: Services | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def services(self) -> Services:
        """What the assistant's flows use, as wired at start."""
        if self._services is None:
            raise RuntimeError("the container is not started")
        return self._services

    @property
    def assistant(self) -> Assistant:
        if self._assistant is None:
            raise RuntimeError("the container is not started")
        return self._assistant

    async def start(self) -> None:
        if self.nlu is None:
            # Loading (or, the first time, training) takes seconds: off the loop.
            self.nlu = await asyncio.to_thread(
                load_or_train, self.settings.data_dir, progress=_log_progress
            )
        services = Services(
            banking=self.banking,
            pins=self.pins,
            support=self.support,
            clock=self.clock,
            pin_threshold=self.settings.pin_threshold,
            ledger=self.ledger,
            trading=self.markets.trading,
            wealth=self.markets.wealth,
            charts=self.markets.charts,
            notifications=self.events.notifications,
            forecasts=self.forecasts,
            rules=self.rules.service,
            rule_runner=self.rules.runner,
        )
        self._services = services
        if self.settings.anthropic_api_key is not None:
            from bot.llm.claude import ClaudeAdvisor

            self.advisor = ClaudeAdvisor.from_settings(self.settings)
        self._assistant = Assistant(self.nlu, services, self.conversations, advisor=self.advisor)
        self.engine.start()
        self.conversations.start()
        await self.events.start()
        await self.markets.start()
        await self.rules.start()
        self._tasks.append(asyncio.create_task(self.markets.run(), name="market"))
        self._tasks.append(asyncio.create_task(self._sweep_holds(), name="hold-sweeper"))
        self._tasks.append(
            asyncio.create_task(self.ledger.run_checkpoints(), name="ledger-checkpoints")
        )
        if self.settings.telegram_token is not None:
            await self._start_telegram(self._assistant)

    async def _start_telegram(self, assistant: Assistant) -> None:
        from bot.telegram import TelegramChannel

        channel = TelegramChannel(
            self.settings,
            self.telegram_links,
            assistant,
            charts_dir=self.settings.data_dir / "charts",
        )
        try:
            await channel.start()
        except Exception:
            # The bank still serves the web and the API; the log says why Telegram is off.
            log.exception("the Telegram bot could not start")
            await channel.stop()
            return
        self.telegram = channel
        self.events.pushers.register("telegram", channel)

    async def close(self) -> None:
        self.events.pushers.unregister("telegram")
        if self.telegram is not None:
            await self.telegram.stop()
            self.telegram = None
        if self.advisor is not None:
            await self.advisor.close()
            self.advisor = None
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.rules.close()
        await self.markets.close()
        await self.conversations.stop()
        await self.engine.stop()
        await self.events.close()
        await self.db.dispose()

    async def _sweep_holds(self) -> None:
        while True:
            await asyncio.sleep(self.settings.hold_sweep_s)
            try:
                released = await self.engine.expire_holds()
                if released:
                    log.info("released %d expired holds", released)
            except Exception:
                log.exception("hold sweep failed")


def _log_progress(message: str) -> None:
    log.info("nlu: %s", message)


def default_limits(settings: Settings) -> Limits:
    return Limits(
        currency="INR",
        per_transfer=settings.limit_per_transfer,
        daily=settings.limit_daily,
        weekly=settings.limit_weekly,
        monthly=settings.limit_monthly,
    )


def build(settings: Settings, *, clock: Clock | None = None, nlu: NLU | None = None) -> Container:
    """Wire everything; ``nlu`` may be given to share one trained model (tests)."""
    clock = clock or SystemClock()
    passwords = Passwords(
        PasswordHasher(
            time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib
        )
    )
    db = connect(settings.database_url, pool_size=settings.db_pool_size)
    limits = default_limits(settings)
    engine = MoneyEngine(
        db,
        clock,
        default_limits=limits,
        max_batch=settings.max_batch,
        group_commit=settings.group_commit,
    )
    # The outbox hook goes first, then trading's rows: the ledger's append must
    # take its lock last.
    events = build_events(settings, clock, db, engine)
    markets = build_markets(settings, db, clock, engine)
    ledger = build_ledger(settings, db, clock)

    async def record_batch(conn: Writes, book: Book) -> None:
        # Registered last: appending takes the log's lock, which must be the last one taken.
        await ledger_store.append(conn, ledger_events.from_book(book), book.now)

    engine.batch_hooks.append(record_batch)
    banking = BankingService(db, clock, engine, default_limits=limits)
    rules = build_rules(db, clock, banking, markets.trading, events, tick_s=settings.market_tick_s)
    return Container(
        settings=settings,
        clock=clock,
        db=db,
        engine=engine,
        banking=banking,
        identity=IdentityService(db, clock, settings_view(settings), passwords=passwords),
        pins=PinService(db, clock, passwords),
        support=SupportService(db, clock),
        conversations=ConversationStore(db, clock),
        telegram_links=TelegramLinks(db, clock),
        events=events,
        markets=markets,
        ledger=ledger,
        predictions=PredictionService(db, clock, settings.data_dir),
        rules=rules,
        nlu=nlu,
        forecasts=ForecastService(db, clock, large_debit=settings.large_debit),
    )


def build_ledger(settings: Settings, db: Database, clock: Clock) -> LedgerService:
    """The audit log with its keys (made in the data dir on first run, 0600)."""
    signing = settings.ledger_signing_key
    keys = ledger_keys.load(
        settings.data_dir / "ledger",
        name=settings.ledger_origin,
        signing_key=signing.get_secret_value() if signing is not None else None,
        extra_verifier_keys=settings.ledger_verifier_keys,
    )
    return LedgerService(
        db,
        clock,
        keys,
        origin=settings.ledger_origin,
        checkpoint_every=settings.ledger_checkpoint_every,
        checkpoint_seconds=settings.ledger_checkpoint_seconds,
    )


def settings_view(settings: Settings) -> IdentityService.Config:
    return IdentityService.Config(
        access_ttl_s=settings.access_token_ttl_s,
        refresh_ttl_s=settings.refresh_token_ttl_s,
        max_failed_logins=settings.max_failed_logins,
        lockout_s=settings.lockout_s,
        default_timezone=settings.timezone,
    )
