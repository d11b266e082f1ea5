"""A made-up history written straight into the bank's tables.

The synthetic training population (``synthetic``) and the feature tests both
describe customers as a list of dated events (a salary credit, a card spend,
a login, a ticket ...) and write them with ``HistoryWriter`` into the same
tables the money core, identity, support and notification services write, so
the one feature builder reads them.

This is for a separate training database (or a test's), never the live bank:
it writes rows in bulk, in time order, with every transfer's two postings and
running balances kept as the money core keeps them, because posting a
training population of thousands of customers through the engine one
transfer at a time would take minutes for data that is thrown away.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select

from domain import schema
from domain.db import Writes

SETTLEMENT = "acc_settlement_inr"
_CHUNK = 5000
# The synthetic rules' document: a notification on each salary credit (it moves no money).
_SALARY_ALERT = json.dumps(
    {
        "name": "Salary alert",
        "trigger": {"kind": "transaction", "direction": "credit", "category": "salary"},
        "actions": [{"kind": "notify", "message": "Your salary has arrived."}],
    }
)


@dataclass(slots=True)
class _Transfer:
    id: str
    customer_id: str
    kind: str
    debit: str
    credit: str
    amount: int
    when: datetime
    category: str | None = None
    merchant: str | None = None
    counterparty: str | None = None


@dataclass
class HistoryWriter:
    """Collects customers, accounts and dated events, then writes them in one go."""

    prefix: str = "syn"
    users: list[dict[str, Any]] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    transfers: list[_Transfer] = field(default_factory=list)
    other: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    settlement_after: int = 0
    _n: int = 0

    def _id(self, kind: str) -> str:
        self._n += 1
        return f"{kind}_{self.prefix}{self._n:09d}"

    # -- people and accounts ---------------------------------------------------------

    def customer(self, username: str, joined: datetime) -> str:
        cid = self._id("usr")
        self.users.append(
            {
                "id": cid,
                "username": username,
                "full_name": username.title(),
                "role": "customer",
                "password_hash": "!synthetic",  # no password signs in to a training customer
                "created_at": joined,
            }
        )
        return cid

    def account(self, customer_id: str, type_: str, opened: datetime) -> str:
        aid = self._id("acc")
        self.accounts[aid] = {
            "id": aid,
            "customer_id": customer_id,
            "type": type_,
            "name": type_.replace("_", " ").title(),
            "number": f"9{len(self.accounts):011d}",
            "currency": "INR",
            "balance": 0,
            "held": 0,
            "no_overdraft": True,
            "created_at": opened,
        }
        return aid

    def _owner(self, account_id: str) -> str:
        return str(self.accounts[account_id]["customer_id"])

    # -- money -------------------------------------------------------------------------

    def credit(
        self, account_id: str, amount: int, when: datetime, *, category: str | None = None
    ) -> None:
        """A bank-feed credit (salary, refund) from outside the bank."""
        self.transfers.append(
            _Transfer(
                self._id("trf"),
                self._owner(account_id),
                "external_credit",
                SETTLEMENT,
                account_id,
                amount,
                when,
                category=category,
                counterparty="Employer" if category == "salary" else "Credit",
            )
        )

    def spend(
        self, account_id: str, amount: int, when: datetime, *, category: str = "shopping"
    ) -> None:
        """A card spend or bill from the bank feed."""
        self.transfers.append(
            _Transfer(
                self._id("trf"),
                self._owner(account_id),
                "external_debit",
                account_id,
                SETTLEMENT,
                amount,
                when,
                category=category,
                merchant=category.title(),
            )
        )

    def pay(self, account_id: str, amount: int, when: datetime) -> None:
        """A payment to someone at another bank."""
        self.transfers.append(
            _Transfer(
                self._id("trf"),
                self._owner(account_id),
                "payee",
                account_id,
                SETTLEMENT,
                amount,
                when,
                category="transfers",
            )
        )

    def move(self, from_account: str, to_account: str, amount: int, when: datetime) -> None:
        """Between two of the customer's own accounts (into a deposit, to trading)."""
        self.transfers.append(
            _Transfer(
                self._id("trf"),
                self._owner(from_account),
                "internal",
                from_account,
                to_account,
                amount,
                when,
            )
        )

    def trade(self, trading_account: str, value: int, charges: int, when: datetime) -> None:
        """A filled buy: the order, the trade and its settlement debit."""
        cid = self._owner(trading_account)
        order = self._order(cid, trading_account, "filled", when, quantity=1, value=value)
        order["charges"] = charges
        self.other["trading_trades"].append(
            {
                "id": self._id("trd"),
                "order_id": order["id"],
                "customer_id": cid,
                "symbol": "SYNTH",
                "side": "buy",
                "quantity": 1,
                "price": value,
                "value": value,
                "charges": charges,
                "charge_lines": "[]",
                "executed_at": when,
            }
        )
        self.transfers.append(
            _Transfer(
                self._id("trf"), cid, "trade", trading_account, SETTLEMENT, value + charges, when
            )
        )

    def rejected_order(self, trading_account: str, when: datetime) -> None:
        self._order(self._owner(trading_account), trading_account, "rejected", when)

    def _order(
        self,
        customer_id: str,
        account_id: str,
        status: str,
        when: datetime,
        *,
        quantity: int = 1,
        value: int = 0,
    ) -> dict[str, Any]:
        order = {
            "id": self._id("ord"),
            "customer_id": customer_id,
            "client_order_id": self._id("cli"),
            "request_hash": "synthetic",
            "account_id": account_id,
            "symbol": "SYNTH",
            "side": "buy",
            "order_type": "market",
            "quantity": quantity,
            "status": status,
            "filled_quantity": quantity if status == "filled" else 0,
            "filled_value": value,
            "charges": 0,
            "valid_until": when + timedelta(hours=6),
            "reason": "insufficient funds" if status == "rejected" else None,
            "created_at": when,
            "updated_at": when,
        }
        self.other["trading_orders"].append(order)
        return order

    def expired_hold(self, account_id: str, amount: int, when: datetime) -> None:
        self.other["holds"].append(
            {
                "id": self._id("hld"),
                "customer_id": self._owner(account_id),
                "account_id": account_id,
                "credit_account_id": SETTLEMENT,
                "amount": amount,
                "currency": "INR",
                "status": "expired",
                "expires_at": when,
                "created_at": when - timedelta(days=1),
                "resolved_at": when,
            }
        )

    # -- rules -----------------------------------------------------------------------------

    def rule(
        self,
        customer_id: str,
        created: datetime,
        *,
        status: str = "active",
        changed: datetime | None = None,
    ) -> str:
        """A salary-alert rule; ``changed`` is when it was last paused or deleted."""
        rid = self._id("rul")
        self.other["rules"].append(
            {
                "id": rid,
                "customer_id": customer_id,
                "name": "Salary alert",
                "status": status,
                "trigger_kind": "transaction",
                "trigger_key": None,
                "definition": _SALARY_ALERT,
                "template": None,
                "failures": 0,
                "armed": False,
                "next_due": None,
                "rev": 0,
                "created_at": created,
                "updated_at": changed or created,
            }
        )
        return rid

    def rule_run(
        self, rule_id: str, customer_id: str, when: datetime, *, status: str = "done"
    ) -> None:
        """One execution of a rule, finished at ``when``."""
        self.other["rule_executions"].append(
            {
                "id": self._id("rex"),
                "rule_id": rule_id,
                "customer_id": customer_id,
                "trigger_ref": self._id("evt"),
                "status": status,
                "amount": None,
                "plan": "[]",
                "reason": None,
                "created_at": when,
                "updated_at": when,
                "expires_at": None,
                "finished_at": when,
            }
        )

    # -- activity ------------------------------------------------------------------------

    def ticket(self, customer_id: str, when: datetime) -> None:
        self.other["support_tickets"].append(
            {
                "id": self._id("tkt"),
                "customer_id": customer_id,
                "subject": "Customer asked for a person",
                "status": "closed",
                "created_at": when,
                "closed_at": when + timedelta(hours=4),
            }
        )

    def login(self, customer_id: str, when: datetime) -> None:
        token = self._id("tok")
        self.other["auth_tokens"].append(
            {
                "id": token,
                "user_id": customer_id,
                "kind": "refresh",
                "token_hash": token,
                "scope": "customer",
                "family_id": self._id("fam"),
                "created_at": when,
                "expires_at": when + timedelta(days=30),
            }
        )

    def device(self, customer_id: str, when: datetime) -> None:
        self.other["known_devices"].append(
            {"user_id": customer_id, "device_hash": self._id("dev"), "first_seen": when}
        )

    def notification(self, customer_id: str, when: datetime, *, read: bool) -> None:
        self.other["notifications"].append(
            {
                "id": self._id("ntf"),
                "customer_id": customer_id,
                "category": "transactions",
                "priority": "low",
                "status": "sent",
                "title": "Update",
                "body": "Your account was updated.",
                "data": "{}",
                "created_at": when,
                "sent_at": when,
                "read_at": when + timedelta(hours=2) if read else None,
            }
        )

    # -- writing -------------------------------------------------------------------------

    def tables(self, settlement_balance: int | None) -> list[tuple[str, list[dict[str, Any]]]]:
        """Every row to insert, table by table in dependency order, postings included.

        ``settlement_balance`` is the settlement account's balance before
        this history, or None when the database has no settlement account yet.
        """
        self.transfers.sort(key=lambda t: t.when)
        balances: dict[str, int] = defaultdict(int)
        balances[SETTLEMENT] = settlement_balance or 0
        transfers: list[dict[str, Any]] = []
        postings: list[dict[str, Any]] = []
        for t in self.transfers:
            balances[t.debit] -= t.amount
            balances[t.credit] += t.amount
            transfers.append(
                {
                    "id": t.id,
                    "customer_id": t.customer_id,
                    "kind": t.kind,
                    "debit_account_id": t.debit,
                    "credit_account_id": t.credit,
                    "amount": t.amount,
                    "currency": "INR",
                    "category": t.category,
                    "merchant": t.merchant,
                    "counterparty": t.counterparty,
                    "created_at": t.when,
                    "posted_at": t.when,
                }
            )
            postings.append(_posting(t, t.debit, -t.amount, balances[t.debit]))
            postings.append(_posting(t, t.credit, t.amount, balances[t.credit]))
        accounts = list(self.accounts.values())
        for account in accounts:
            account["balance"] = balances[account["id"]]
            if account["balance"] < 0:
                raise ValueError(f"synthetic history overdraws {account['id']}")
        if settlement_balance is None:
            first = self.transfers[0].when if self.transfers else datetime.now(UTC)
            accounts.insert(0, {**_settlement(first), "balance": balances[SETTLEMENT]})
        self.settlement_after = balances[SETTLEMENT]
        return [
            ("users", self.users),
            ("accounts", accounts),
            ("transfers", transfers),
            ("postings", postings),
            *self.other.items(),
        ]

    async def write(self, conn: Writes) -> None:
        """Insert everything through SQLAlchemy (any backend; tests and small histories)."""
        a = schema.accounts
        exists = (await conn.execute(select(a.c.balance).where(a.c.id == SETTLEMENT))).first()
        start = int(exists.balance) if exists is not None else None
        tables = self.tables(start)
        if start is not None and self.settlement_after != start:
            await conn.execute(
                a.update().where(a.c.id == SETTLEMENT).values(balance=self.settlement_after)
            )
        for name, rows in tables:
            for first in range(0, len(rows), _CHUNK):
                await conn.execute(
                    insert(schema.metadata.tables[name]), rows[first : first + _CHUNK]
                )

    def write_sqlite(self, path: Path) -> None:
        """Create a fresh SQLite training database at ``path`` holding this history.

        The tables come from ``domain.schema``; rows go through the driver's
        ``executemany`` with values stored as SQLAlchemy stores them (naive
        UTC text for times), tens of times faster than row-by-row binding.
        """
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{path}")
        try:
            schema.metadata.create_all(engine)
        finally:
            engine.dispose()
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            texts: dict[datetime, str] = {}
            with db:
                for name, rows in self.tables(None):
                    if not rows:
                        continue
                    columns = list(rows[0])
                    table = schema.metadata.tables[name]
                    times = frozenset(
                        c for c in columns if isinstance(table.c[c].type, schema.UTCDateTime)
                    )
                    sql = (
                        f"INSERT INTO {name} ({', '.join(columns)})"
                        f" VALUES ({', '.join('?' * len(columns))})"
                    )
                    db.executemany(sql, (_sqlite_row(r, columns, times, texts) for r in rows))
        finally:
            db.close()


def _sqlite_row(
    row: dict[str, Any], columns: list[str], times: frozenset[str], texts: dict[datetime, str]
) -> list[Any]:
    # Times as UTCDateTime stores them on SQLite: naive UTC text, each formatted once.
    out = []
    for c in columns:
        value = row[c]
        if c in times and value is not None:
            text = texts.get(value)
            if text is None:
                text = value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
                texts[value] = text
            value = text
        out.append(value)
    return out


def _posting(t: _Transfer, account_id: str, amount: int, after: int) -> dict[str, Any]:
    return {
        "transfer_id": t.id,
        "account_id": account_id,
        "amount": amount,
        "balance_after": after,
        "posted_at": t.when,
    }


def _settlement(first: datetime) -> dict[str, Any]:
    return {
        "id": SETTLEMENT,
        "customer_id": None,
        "type": "settlement",
        "name": "INR settlement",
        "number": "000000000001",
        "currency": "INR",
        "balance": 0,
        "held": 0,
        "no_overdraft": False,
        "created_at": first,
    }
