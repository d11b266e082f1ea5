"""Helpers for banking integration tests: customers, funded accounts, ledger checks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from bot.bootstrap import Container
from domain import schema
from domain.banking.model import AccountType
from domain.banking.service import BankingService
from domain.clock import Clock
from domain.db import Database
from domain.ids import new_id
from domain.money import Money

OPERATOR = "usr_operator"
_keys = itertools.count()


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}-{new_id('idk')}"


async def add_user(
    db: Database,
    clock: Clock,
    username: str,
    *,
    role: str = "customer",
    timezone: str = "Asia/Kolkata",
    user_id: str | None = None,
) -> str:
    """Insert a user row directly: these tests are about money, not passwords."""
    user_id = user_id or new_id("usr")
    async with db.writing() as conn:
        await conn.execute(
            insert(schema.users).values(
                id=user_id,
                username=username,
                full_name=username.title(),
                role=role,
                password_hash="not-a-real-hash",
                timezone=timezone,
                failed_logins=0,
                created_at=clock.now(),
            )
        )
    return user_id


async def add_operator(container: Container) -> str:
    return await add_user(
        container.db, container.clock, "operator", role="operator", user_id=OPERATOR
    )


async def funded_account(
    banking: BankingService, customer_id: str, minor: int, name: str = "Savings"
) -> str:
    account = await banking.open_account(customer_id, AccountType.SAVINGS, name)
    if minor:
        await banking.external_posting(
            principal_id=OPERATOR,
            idempotency_key=key("fund"),
            account_id=account.id,
            direction="credit",
            amount=Money(minor),
            counterparty="Opening deposit",
        )
    return account.id


@dataclass(frozen=True, slots=True)
class Ledger:
    postings_sum: int
    balances_sum: int
    balances: dict[str, int]
    held: dict[str, int]
    no_overdraft: dict[str, bool]
    transfers: int


async def check_ledger(db: Database) -> Ledger:
    """Assert the double-entry invariants with SQL sums; returns what it read."""
    a, p, t, h = schema.accounts, schema.postings, schema.transfers, schema.holds
    async with db.reading() as conn:
        postings_sum = (
            await conn.execute(select(func.coalesce(func.sum(p.c.amount), 0)))
        ).scalar_one()
        rows = (await conn.execute(select(a.c.id, a.c.balance, a.c.held, a.c.no_overdraft))).all()
        per_account = dict(
            (
                await conn.execute(
                    select(p.c.account_id, func.sum(p.c.amount)).group_by(p.c.account_id)
                )
            ).all()
        )
        latest = await conn.execute(
            select(p.c.account_id, p.c.balance_after).where(
                p.c.id.in_(select(func.max(p.c.id)).group_by(p.c.account_id))
            )
        )
        last_after = dict(latest.all())
        pending = dict(
            (
                await conn.execute(
                    select(h.c.account_id, func.sum(h.c.amount - h.c.posted_amount))
                    .where(h.c.status == "pending")
                    .group_by(h.c.account_id)
                )
            ).all()
        )
        per_transfer = (
            await conn.execute(
                select(
                    t.c.id,
                    t.c.amount,
                    func.count(p.c.id),
                    func.sum(p.c.amount),
                    func.max(p.c.amount),
                )
                .join(p, p.c.transfer_id == t.c.id)
                .group_by(t.c.id, t.c.amount)
            )
        ).all()
        transfers = (await conn.execute(select(func.count()).select_from(t))).scalar_one()
    assert postings_sum == 0, "debits and credits differ"
    balances = {r.id: r.balance for r in rows}
    assert sum(balances.values()) == 0, "money was created or destroyed"
    for r in rows:
        assert r.balance == per_account.get(r.id, 0), f"{r.id}: balance is not its postings' sum"
        assert r.balance == last_after.get(r.id, 0), f"{r.id}: latest balance_after differs"
        assert r.held == pending.get(r.id, 0), f"{r.id}: held is not its pending holds' sum"
        if r.no_overdraft:
            assert r.balance - r.held >= 0, f"{r.id} went below zero"
    assert len(per_transfer) == transfers, "a transfer has no postings"
    for _id, amount, count, total, credit in per_transfer:
        assert (count, total, credit) == (2, 0, amount), f"{_id} is not one debit and one credit"
    return Ledger(
        postings_sum=postings_sum,
        balances_sum=sum(balances.values()),
        balances=balances,
        held={r.id: r.held for r in rows},
        no_overdraft={r.id: bool(r.no_overdraft) for r in rows},
        transfers=transfers,
    )
