"""Banking use cases behind both the REST API and the assistant.

Reads go straight to the database; every money movement is a command for the
``MoneyEngine``. Customers see only their own things: a foreign id is
answered exactly like an unknown one.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain import schema
from domain.banking import rows
from domain.banking.commands import (
    ExternalPosting,
    MakeTransfer,
    PlaceHold,
    PostHold,
    VoidHold,
)
from domain.banking.engine import MoneyEngine, Receipt
from domain.banking.model import (
    CUSTOMER_ACCOUNT_TYPES,
    AccountType,
    Hold,
    Limits,
    Payee,
    Transfer,
)
from domain.banking.payees import validate_payee
from domain.banking.spending import SpendingSummary, spending_summary
from domain.banking.views import AccountView, HistoryFilter, HistoryItem, HistoryPage
from domain.clock import Clock
from domain.db import Database, Reads, Writes
from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import model as ev
from domain.events import outbox
from domain.events.model import Event
from domain.ids import new_id
from domain.ledger import events as ledger_events
from domain.ledger import store as ledger
from domain.money import Money

_ACCOUNT_NOT_FOUND = NotFound("account_not_found", "No such account.")


def _account_view(row: Any) -> AccountView:
    return AccountView(
        id=row.id,
        customer_id=row.customer_id,
        type=AccountType(row.type),
        name=row.name,
        number=row.number,
        currency=row.currency,
        balance=row.balance,
        held=row.held,
    )


class BankingService:
    def __init__(
        self, db: Database, clock: Clock, engine: MoneyEngine, *, default_limits: Limits
    ) -> None:
        self._db = db
        self._clock = clock
        self._engine = engine
        self._default_limits = default_limits

    # -- accounts -----------------------------------------------------------------

    async def open_account(
        self,
        customer_id: str,
        type: AccountType,
        name: str,
        *,
        currency: str = "INR",
        no_overdraft: bool = True,
    ) -> AccountView:
        if type not in CUSTOMER_ACCOUNT_TYPES:
            raise InvalidInput("invalid_account_type", f"Cannot open a {type.value} account.")
        for _ in range(5):
            account_id = new_id("acc")
            number = "50" + "".join(secrets.choice("0123456789") for _ in range(10))
            try:
                async with self._db.writing() as conn:
                    await conn.execute(
                        insert(schema.accounts).values(
                            id=account_id,
                            customer_id=customer_id,
                            type=type.value,
                            name=name,
                            number=number,
                            currency=currency,
                            balance=0,
                            held=0,
                            no_overdraft=no_overdraft,
                            created_at=self._clock.now(),
                        )
                    )
                return await self.account(customer_id, account_id)
            except IntegrityError:
                continue  # account number clash: draw another
        raise RuntimeError("could not allocate an account number")

    async def accounts(self, customer_id: str) -> list[AccountView]:
        a = schema.accounts
        query = select(a).where(a.c.customer_id == customer_id).order_by(a.c.created_at, a.c.id)
        async with self._db.lookup() as conn:
            return [_account_view(r) for r in await conn.execute(query)]

    async def account(self, customer_id: str | None, account_id: str) -> AccountView:
        """One account; ``customer_id`` None means an operator looking at any."""
        a = schema.accounts
        async with self._db.lookup() as conn:
            row = (await conn.execute(select(a).where(a.c.id == account_id))).first()
        if row is None or row.customer_id is None:
            raise _ACCOUNT_NOT_FOUND
        if customer_id is not None and row.customer_id != customer_id:
            raise _ACCOUNT_NOT_FOUND
        return _account_view(row)

    async def history(
        self,
        customer_id: str | None,
        account_id: str,
        flt: HistoryFilter,
        *,
        known: Sequence[AccountView] = (),
    ) -> HistoryPage:
        """A page of an account's postings, newest first.

        ``known``: the customer's accounts as the caller just read them (all of
        them, from ``accounts``), which spares reading them again.
        """
        account = next(
            (a for a in known if a.id == account_id and a.customer_id == customer_id), None
        )
        if account is None:
            account = await self.account(customer_id, account_id)
        p, t = schema.postings, schema.transfers
        query: Select[Any] = (
            select(
                p.c.id,
                p.c.amount,
                p.c.balance_after,
                p.c.posted_at,
                t.c.id.label("transfer_id"),
                t.c.kind,
                t.c.category,
                t.c.merchant,
                t.c.counterparty,
                t.c.memo,
                t.c.debit_account_id,
                t.c.credit_account_id,
            )
            .join(t, t.c.id == p.c.transfer_id)
            .where(p.c.account_id == account.id)
        )
        conditions = []
        if flt.cursor is not None:
            conditions.append(p.c.id < flt.cursor)
        if flt.start is not None:
            conditions.append(p.c.posted_at >= flt.start)
        if flt.end is not None:
            conditions.append(p.c.posted_at < flt.end)
        if flt.category is not None:
            conditions.append(t.c.category == flt.category)
        if flt.merchant is not None:
            conditions.append(func.lower(t.c.merchant) == flt.merchant.lower())
        if flt.min_amount is not None:
            conditions.append(func.abs(p.c.amount) >= flt.min_amount)
        if flt.max_amount is not None:
            conditions.append(func.abs(p.c.amount) <= flt.max_amount)
        if conditions:
            query = query.where(and_(*conditions))
        query = query.order_by(p.c.id.desc()).limit(flt.limit + 1)
        async with self._db.lookup() as conn:
            fetched = list(await conn.execute(query))
            if known and account in known:
                names = {a.id: a.name for a in known}
            else:
                names = await self._account_names(conn, account.customer_id)
        more = len(fetched) > flt.limit
        fetched = fetched[: flt.limit]
        items = []
        for r in fetched:
            other = r.credit_account_id if r.amount < 0 else r.debit_account_id
            counterparty = r.counterparty or names.get(other)
            items.append(
                HistoryItem(
                    posting_id=r.id,
                    transfer_id=r.transfer_id,
                    kind=r.kind,
                    amount=r.amount,
                    balance_after=r.balance_after,
                    currency=account.currency,
                    category=r.category,
                    merchant=r.merchant,
                    counterparty=counterparty,
                    memo=r.memo,
                    posted_at=r.posted_at,
                )
            )
        return HistoryPage(items, fetched[-1].id if more and fetched else None)

    async def _account_names(self, conn: Reads, customer_id: str | None) -> dict[str, str]:
        a = schema.accounts
        result = await conn.execute(select(a.c.id, a.c.name).where(a.c.customer_id == customer_id))
        return {r.id: r.name for r in result}

    async def spending(
        self,
        customer_id: str,
        start: datetime,
        end: datetime,
        *,
        category: str | None = None,
        merchant: str | None = None,
    ) -> SpendingSummary:
        """What left the customer's accounts in [start, end), by category and merchant."""
        return await spending_summary(
            self._db, customer_id, start, end, category=category, merchant=merchant
        )

    # -- payees -------------------------------------------------------------------

    async def payees(self, customer_id: str) -> list[Payee]:
        p = schema.payees
        query = (
            select(p)
            .where(p.c.customer_id == customer_id, p.c.deleted_at.is_(None))
            .order_by(p.c.name, p.c.id)
        )
        async with self._db.lookup() as conn:
            return [rows.payee(r) for r in await conn.execute(query)]

    async def payee(self, customer_id: str, payee_id: str) -> Payee:
        p = schema.payees
        query = select(p).where(
            p.c.id == payee_id, p.c.customer_id == customer_id, p.c.deleted_at.is_(None)
        )
        async with self._db.lookup() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise NotFound("payee_not_found", "No such payee.")
        return rows.payee(row)

    async def add_payee(
        self,
        customer_id: str,
        name: str,
        *,
        nickname: str | None = None,
        account_number: str | None = None,
        ifsc: str | None = None,
        upi_id: str | None = None,
    ) -> Payee:
        details = validate_payee(name, nickname, account_number, ifsc, upi_id)
        payee = Payee(
            id=new_id("pay"),
            customer_id=customer_id,
            name=details.name,
            nickname=details.nickname,
            account_number=details.account_number,
            ifsc=details.ifsc,
            upi_id=details.upi_id,
            created_at=self._clock.now(),
        )
        async with self._db.writing() as conn:
            for existing in await self._live_payees(conn, customer_id):
                same_place = (existing.upi_id, existing.account_number, existing.ifsc) == (
                    payee.upi_id,
                    payee.account_number,
                    payee.ifsc,
                )
                if same_place:
                    raise Conflict(
                        "payee_exists", f"{existing.name} already has these account details."
                    )
                for label in (payee.nickname, payee.name):
                    if label and label.lower() in {
                        (existing.nickname or "").lower(),
                        existing.name.lower(),
                    }:
                        raise Conflict(
                            "payee_name_taken",
                            f"You already have a payee called '{label}'. Choose another nickname.",
                        )
            await conn.execute(
                insert(schema.payees).values(
                    id=payee.id,
                    customer_id=customer_id,
                    name=payee.name,
                    nickname=payee.nickname,
                    account_number=payee.account_number,
                    ifsc=payee.ifsc,
                    upi_id=payee.upi_id,
                    created_at=payee.created_at,
                )
            )
            added = {"payee_id": payee.id, "name": payee.name, "nickname": payee.nickname}
            await outbox.append(
                conn, [Event(ev.PAYEE_ADDED, customer_id, added, payee.created_at, payee.id)]
            )
            await ledger.append(
                conn, [ledger_events.payee_added(customer_id, payee.id)], payee.created_at
            )
        return payee

    async def _live_payees(self, conn: Writes, customer_id: str) -> list[Payee]:
        p = schema.payees
        result = await conn.execute(
            select(p).where(p.c.customer_id == customer_id, p.c.deleted_at.is_(None))
        )
        return [rows.payee(r) for r in result]

    async def delete_payee(self, customer_id: str, payee_id: str) -> None:
        """Remove a payee from the list; past transfers keep referring to it."""
        p = schema.payees
        now = self._clock.now()
        async with self._db.writing() as conn:
            result = await conn.execute(
                update(p)
                .where(p.c.id == payee_id, p.c.customer_id == customer_id, p.c.deleted_at.is_(None))
                .values(deleted_at=now)
            )
            if result.rowcount == 0:
                raise NotFound("payee_not_found", "No such payee.")
            await ledger.append(conn, [ledger_events.payee_deleted(customer_id, payee_id)], now)

    # -- limits -------------------------------------------------------------------

    async def limits(self, customer_id: str) -> Limits:
        async with self._db.lookup() as conn:
            row = (
                await conn.execute(
                    select(schema.limits).where(schema.limits.c.customer_id == customer_id)
                )
            ).first()
        return rows.limits(row) if row is not None else self._default_limits

    async def set_limits(
        self, customer_id: str, changes: dict[str, int], *, cap: Limits | None = None
    ) -> Limits:
        """Change some limits. With ``cap`` (a customer acting) none may exceed the bank's."""
        async with self._db.reading() as conn:
            u = schema.users
            found = await conn.execute(
                select(u.c.id).where(u.c.id == customer_id, u.c.role == "customer")
            )
            if found.first() is None:
                raise NotFound("customer_not_found", "No such customer.")
        current = await self.limits(customer_id)
        values = {
            "per_transfer": current.per_transfer,
            "daily": current.daily,
            "weekly": current.weekly,
            "monthly": current.monthly,
        }
        for name, value in changes.items():
            if name not in values:
                raise InvalidInput("unknown_field", f"Unknown limit '{name}'.")
            if cap is not None and value > getattr(cap, name):
                raise InvalidInput(
                    "limit_above_maximum",
                    f"The {name.replace('_', '-')} limit can be at most "
                    f"{Money(getattr(cap, name), cap.currency).format()}.",
                )
            values[name] = value
        if not values["per_transfer"] <= values["daily"] <= values["weekly"] <= values["monthly"]:
            raise InvalidInput(
                "inconsistent_limits", "Limits must grow: per-transfer ≤ daily ≤ weekly ≤ monthly."
            )
        now = self._clock.now()
        lim = schema.limits
        async with self._db.writing() as conn:
            exists = (
                await conn.execute(
                    select(lim.c.customer_id).where(lim.c.customer_id == customer_id)
                )
            ).first()
            if exists:
                await conn.execute(
                    update(lim)
                    .where(lim.c.customer_id == customer_id)
                    .values(**values, updated_at=now)
                )
            else:
                await conn.execute(
                    insert(lim).values(
                        customer_id=customer_id, currency=current.currency, updated_at=now, **values
                    )
                )
            changed = {"limits": values, "currency": current.currency}
            await outbox.append(conn, [Event(ev.LIMIT_CHANGED, customer_id, changed, now)])
            await ledger.append(
                conn, [ledger_events.limits_changed(customer_id, current.currency, values)], now
            )
        return Limits(currency=current.currency, **values)

    # -- money movements ------------------------------------------------------------

    async def transfer(
        self,
        *,
        principal_id: str,
        customer_id: str,
        idempotency_key: str,
        from_account_id: str,
        amount: Money,
        to_account_id: str | None = None,
        payee_id: str | None = None,
        memo: str | None = None,
    ) -> Receipt:
        return await self._engine.submit(
            MakeTransfer(
                principal_id=principal_id,
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                from_account_id=from_account_id,
                to_account_id=to_account_id,
                payee_id=payee_id,
                amount=amount,
                memo=memo,
            )
        )

    async def external_posting(
        self,
        *,
        principal_id: str,
        idempotency_key: str,
        account_id: str,
        direction: str,
        amount: Money,
        counterparty: str,
        category: str | None = None,
        merchant: str | None = None,
        memo: str | None = None,
        posted_at: datetime | None = None,
    ) -> Receipt:
        return await self._engine.submit(
            ExternalPosting(
                principal_id=principal_id,
                idempotency_key=idempotency_key,
                account_id=account_id,
                direction=direction,
                amount=amount,
                counterparty=counterparty,
                category=category,
                merchant=merchant,
                memo=memo,
                posted_at=posted_at,
            )
        )

    async def place_hold(
        self,
        *,
        principal_id: str,
        customer_id: str,
        idempotency_key: str,
        account_id: str,
        amount: Money,
        expires_at: datetime,
        to_account_id: str | None = None,
        payee_id: str | None = None,
        memo: str | None = None,
    ) -> Receipt:
        return await self._engine.submit(
            PlaceHold(
                principal_id=principal_id,
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                account_id=account_id,
                to_account_id=to_account_id,
                payee_id=payee_id,
                amount=amount,
                expires_at=expires_at,
                memo=memo,
            )
        )

    async def post_hold(
        self,
        *,
        principal_id: str,
        customer_id: str | None,
        idempotency_key: str,
        hold_id: str,
        amount: Money | None = None,
    ) -> Receipt:
        return await self._engine.submit(
            PostHold(
                principal_id=principal_id,
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                hold_id=hold_id,
                amount=amount,
            )
        )

    async def void_hold(
        self, *, principal_id: str, customer_id: str | None, idempotency_key: str, hold_id: str
    ) -> Receipt:
        return await self._engine.submit(
            VoidHold(
                principal_id=principal_id,
                idempotency_key=idempotency_key,
                customer_id=customer_id,
                hold_id=hold_id,
            )
        )

    # -- lookups of what the engine wrote ----------------------------------------------

    async def get_transfer(self, customer_id: str | None, transfer_id: str) -> Transfer:
        t = schema.transfers
        async with self._db.reading() as conn:
            row = (await conn.execute(select(t).where(t.c.id == transfer_id))).first()
        if row is None or (customer_id is not None and row.customer_id != customer_id):
            raise NotFound("transfer_not_found", "No such transfer.")
        return rows.transfer(row)

    async def get_hold(self, customer_id: str | None, hold_id: str) -> Hold:
        h = schema.holds
        async with self._db.reading() as conn:
            row = (await conn.execute(select(h).where(h.c.id == hold_id))).first()
        if row is None or (customer_id is not None and row.customer_id != customer_id):
            raise NotFound("hold_not_found", "No such hold.")
        hold = rows.hold(row)
        if hold.status.value == "pending" and hold.expires_at <= self._clock.now():
            # Not yet swept, but already over: show it as it will be.
            hold.status = type(hold.status)("expired")
        return hold

    async def holds(self, customer_id: str, *, status: str | None = None) -> list[Hold]:
        h = schema.holds
        query = select(h).where(h.c.customer_id == customer_id)
        if status is not None:
            query = query.where(h.c.status == status)
        async with self._db.reading() as conn:
            result = await conn.execute(query.order_by(h.c.created_at.desc()).limit(200))
            return [rows.hold(r) for r in result]
