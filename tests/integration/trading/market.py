"""A trading desk on a real database: the money engine, banking, a seeded feed."""

from __future__ import annotations

from dataclasses import dataclass

from domain.banking.engine import MoneyEngine
from domain.banking.model import AccountType, Limits
from domain.banking.service import BankingService
from domain.clock import ManualClock
from domain.db import Database
from domain.money import Money
from domain.trading.service import TradingService
from domain.trading.simfeed import SimulatedFeed
from tests.integration.banking.ledger import OPERATOR, add_user, key

LIMITS = Limits("INR", 10**12, 10**12, 10**12, 10**12)


@dataclass
class Desk:
    db: Database
    clock: ManualClock
    engine: MoneyEngine
    banking: BankingService
    feed: SimulatedFeed
    trading: TradingService

    async def customer(self, name: str, cash: int) -> tuple[str, str]:
        """A customer with a trading account holding ``cash`` paise: (user id, account id)."""
        user = await add_user(self.db, self.clock, name)
        account = await self.banking.open_account(user, AccountType.TRADING, "Trading")
        if cash:
            await self.banking.external_posting(
                principal_id=OPERATOR,
                idempotency_key=key("fund"),
                account_id=account.id,
                direction="credit",
                amount=Money(cash),
                counterparty="Funds added",
            )
        return user, account.id

    async def available(self, account_id: str) -> int:
        view = await self.banking.account(None, account_id)
        return view.balance - view.held
