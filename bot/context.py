"""What a flow sees during one turn: the customer, the state and the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.charts import Charts
from bot.state import State, Task
from domain.banking.model import Payee
from domain.banking.service import BankingService
from domain.banking.views import AccountView
from domain.clock import Clock
from domain.identity.pins import PinService
from domain.ledger.service import LedgerService
from domain.notifications.service import NotificationService
from domain.predictions.forecast_service import ForecastService
from domain.rules.runner import RulesRunner
from domain.rules.service import RulesService
from domain.support.service import SupportService
from domain.trading.service import TradingService
from domain.wealth.service import WealthService


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    full_name: str
    timezone: str

    @property
    def first_name(self) -> str:
        return self.full_name.split()[0] if self.full_name else "there"


@dataclass(frozen=True, slots=True)
class Services:
    banking: BankingService
    pins: PinService
    support: SupportService
    clock: Clock
    pin_threshold: int  # paise; transfers at or above it need the PIN
    ledger: LedgerService | None = None
    trading: TradingService | None = None
    wealth: WealthService | None = None
    charts: Charts | None = None
    notifications: NotificationService | None = None
    forecasts: ForecastService | None = None
    rules: RulesService | None = None
    rule_runner: RulesRunner | None = None


@dataclass
class Turn:
    customer: Customer
    conversation_id: str
    state: State
    services: Services
    events: list[dict[str, Any]] = field(default_factory=list)
    # Set when the customer's message must not be stored as typed (a PIN).
    redact: bool = False
    # The customer's accounts and payees as a transfer flow first read them this
    # turn; its steps reuse them (nothing moves money before they are done).
    accounts_and_payees: tuple[list[AccountView], list[Payee]] | None = None

    @property
    def banking(self) -> BankingService:
        return self.services.banking

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.customer.timezone)

    def now(self) -> datetime:
        return self.services.clock.now()

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def day_bounds(self, start: date, end: date) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) in the customer's zone."""
        begin = datetime.combine(start, time(), tzinfo=self.zone)
        return begin, datetime.combine(end + timedelta(days=1), time(), tzinfo=self.zone)

    def end_task(self, outcome: str) -> None:
        task = self.state.task
        if task is not None:
            self.events.append({"kind": "task", "intent": task.intent, "outcome": outcome})
        self.state.task = None

    def begin(self, task: Task) -> None:
        if self.state.task is not None:
            self.end_task("abandoned")
        self.state.task = task
