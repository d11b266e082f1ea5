"""The money engine's bulk reads and writes, as prepared driver SQL.

A batch moves hundreds of rows; SQLAlchemy's per-row parameter processing
cost more than the database work, so the hot statements go to the driver
directly with pre-built tuples. Columns and types are those of
``domain.schema``; ``tests/integration/banking`` checks the rows read back
through SQLAlchemy as usual.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.banking.book import Book
from domain.banking.model import AccountState, AccountType, Hold
from domain.db import Writes

_ACCOUNT_TYPES = {t.value: t for t in AccountType}


class BatchSQL:
    def __init__(self, dialect: str) -> None:
        self.sqlite = dialect == "sqlite"
        # Most timestamps in a batch are the batch's own moment: format each once.
        self._texts: dict[datetime, str] = {}

    # -- helpers -----------------------------------------------------------------

    def _marks(self, count: int, start: int = 1) -> str:
        if self.sqlite:
            return ",".join("?" * count)
        return ",".join(f"${i}" for i in range(start, start + count))

    def _row(self, width: int) -> str:
        return f"({self._marks(width)})"

    def when(self, value: datetime | None) -> Any:
        """A timestamp as the driver wants it (SQLite: naive UTC text, as SQLAlchemy writes)."""
        if value is None or not self.sqlite:
            return value
        text = self._texts.get(value)
        if text is None:
            if len(self._texts) >= 4096:
                self._texts.clear()
            text = self._texts[value] = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return text

    # -- reads ---------------------------------------------------------------------

    async def load_keys(
        self, conn: Writes, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, str, str, dict[str, Any]]]:
        """Stored answers for (principal, key) pairs: (operation, hash, outcome, result)."""
        found: dict[tuple[str, str], tuple[str, str, str, dict[str, Any]]] = {}
        for start in range(0, len(pairs), 400):
            chunk = pairs[start : start + 400]
            if self.sqlite:
                values = ",".join("(?,?)" for _ in chunk)
            else:
                values = ",".join(f"(${2 * i + 1},${2 * i + 2})" for i in range(len(chunk)))
            sql = (
                "SELECT principal_id, key, operation, request_hash, outcome, result "
                f"FROM idempotency_keys WHERE (principal_id, key) IN (VALUES {values})"
            )
            params = tuple(x for pair in chunk for x in pair)
            rows: Any = await conn.exec_driver_sql(sql, params)
            for row in rows:
                found[(row[0], row[1])] = (row[2], row[3], row[4], json.loads(row[5]))
        return found

    async def lock_accounts(self, conn: Writes, ids: Iterable[str]) -> list[AccountState]:
        """The accounts, locked in id order on PostgreSQL (never deadlocking on each other)."""
        ordered = sorted(set(ids))
        if not ordered:
            return []
        sql = (
            "SELECT id, customer_id, type, currency, balance, held, no_overdraft FROM accounts "
            f"WHERE id IN ({self._marks(len(ordered))}) ORDER BY id"
        )
        if not self.sqlite:
            sql += " FOR UPDATE"
        rows: Any = await conn.exec_driver_sql(sql, tuple(ordered))
        return [
            AccountState(r[0], r[1], _ACCOUNT_TYPES[r[2]], r[3], r[4], r[5], bool(r[6]))
            for r in rows
        ]

    # -- writes --------------------------------------------------------------------

    async def write(self, conn: Writes, book: Book, keys: list[tuple[Any, ...]]) -> None:
        """Everything a batch recorded, in foreign-key order."""
        when = self.when
        if book.transfers:
            await conn.exec_driver_sql(
                "INSERT INTO transfers (id, customer_id, kind, debit_account_id, credit_account_id,"
                " amount, currency, memo, category, merchant, counterparty, payee_id, hold_id,"
                f" created_by, created_at, posted_at) VALUES {self._row(16)}",
                [
                    (
                        t.id,
                        t.customer_id,
                        t.kind.value,
                        t.debit_account_id,
                        t.credit_account_id,
                        t.amount.minor,
                        t.amount.currency,
                        t.memo,
                        t.category,
                        t.merchant,
                        t.counterparty,
                        t.payee_id,
                        t.hold_id,
                        t.created_by,
                        when(t.created_at),
                        when(t.posted_at),
                    )
                    for t in book.transfers
                ],
            )
            await conn.exec_driver_sql(
                "INSERT INTO postings (transfer_id, account_id, amount, balance_after, posted_at)"
                f" VALUES {self._row(5)}",
                [
                    (p.transfer_id, p.account_id, p.amount, p.balance_after, when(p.posted_at))
                    for p in book.postings
                ],
            )
        new_ids = {h.id for h in book.new_holds}
        if book.new_holds:
            await conn.exec_driver_sql(
                "INSERT INTO holds (id, customer_id, account_id, credit_account_id, payee_id,"
                " amount, posted_amount, currency, status, memo, expires_at, created_at,"
                f" resolved_at, transfer_id) VALUES {self._row(14)}",
                [self._hold(h) for h in book.new_holds],
            )
        changed = [h for h in book.changed_holds.values() if h.id not in new_ids]
        if changed:
            sets = ("status", "posted_amount", "resolved_at", "transfer_id")
            if self.sqlite:
                assign = ", ".join(f"{c} = ?" for c in sets)
                sql = f"UPDATE holds SET {assign} WHERE id = ?"
            else:
                assign = ", ".join(f"{c} = ${i}" for i, c in enumerate(sets, 1))
                sql = f"UPDATE holds SET {assign} WHERE id = $5"
            await conn.exec_driver_sql(
                sql,
                [
                    (h.status.value, h.posted_amount, when(h.resolved_at), h.transfer_id, h.id)
                    for h in changed
                ],
            )
        if book.touched:
            sql = (
                "UPDATE accounts SET balance = ?, held = ? WHERE id = ?"
                if self.sqlite
                else "UPDATE accounts SET balance = $1, held = $2 WHERE id = $3"
            )
            await conn.exec_driver_sql(
                sql,
                [
                    (a.balance, a.held, a.id)
                    for a in (book.accounts[i] for i in sorted(book.touched))
                ],
            )
        if keys:
            await conn.exec_driver_sql(
                "INSERT INTO idempotency_keys (principal_id, key, operation, request_hash,"
                f" outcome, result, created_at) VALUES {self._row(7)}",
                [(*k[:6], when(k[6])) for k in keys],
            )

    def _hold(self, h: Hold) -> tuple[Any, ...]:
        return (
            h.id,
            h.customer_id,
            h.account_id,
            h.credit_account_id,
            h.payee_id,
            h.amount.minor,
            h.posted_amount,
            h.amount.currency,
            h.status.value,
            h.memo,
            self.when(h.expires_at),
            self.when(h.created_at),
            self.when(h.resolved_at),
            h.transfer_id,
        )
