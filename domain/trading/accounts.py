"""The cash side of trading: the bank's exchange and charges accounts, customers' trading cash."""

from __future__ import annotations

from sqlalchemy import insert, select

from domain import schema
from domain.banking.model import CHARGES_ACCOUNT_ID, EXCHANGE_ACCOUNT_ID, AccountType
from domain.clock import Clock
from domain.db import Database
from domain.errors import Rejected

# Once per customer on the order path, then cached: driver SQL (see Database.lookup_rows).
_TRADING_ACCOUNT = (
    "SELECT id FROM accounts WHERE customer_id = ? AND type = ? ORDER BY created_at, id LIMIT 1"
)


class TradingAccounts:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._accounts: dict[str, str] = {}

    async def ensure_bank_accounts(self) -> None:
        """Create the bank's exchange and charges accounts if a database lacks them."""
        a = schema.accounts
        async with self._db.writing() as conn:
            have = {
                r[0]
                for r in await conn.execute(
                    select(a.c.id).where(a.c.id.in_([EXCHANGE_ACCOUNT_ID, CHARGES_ACCOUNT_ID]))
                )
            }
            for account_id, name, number in (
                (EXCHANGE_ACCOUNT_ID, "NSE clearing (trades)", "000000000002"),
                (CHARGES_ACCOUNT_ID, "Trading charges collected", "000000000003"),
            ):
                if account_id not in have:
                    await conn.execute(
                        insert(a).values(
                            id=account_id,
                            customer_id=None,
                            type=AccountType.SETTLEMENT.value,
                            name=name,
                            number=number,
                            currency="INR",
                            balance=0,
                            held=0,
                            no_overdraft=False,
                            created_at=self._clock.now(),
                        )
                    )

    async def trading_account(self, customer_id: str) -> str:
        cached = self._accounts.get(customer_id)
        if cached is not None:
            return cached
        found = await self._db.lookup_rows(
            _TRADING_ACCOUNT, (customer_id, AccountType.TRADING.value)
        )
        account_id = found[0][0] if found else None
        if account_id is None:
            raise Rejected(
                "no_trading_account", "You don't have a trading account yet, so you can't trade."
            )
        self._accounts[customer_id] = account_id
        return str(account_id)

    async def cash(self, customer_id: str) -> int:
        """Trading cash available (balance less holds); zero without an account."""
        a = schema.accounts
        query = select(a.c.balance, a.c.held).where(
            a.c.customer_id == customer_id, a.c.type == AccountType.TRADING.value
        )
        async with self._db.reading() as conn:
            return sum(b - h for b, h in await conn.execute(query))
