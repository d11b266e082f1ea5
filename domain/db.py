"""Database engines for SQLite (embedded default) and PostgreSQL (at scale).

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power
loss). Writes take the database lock up front with ``BEGIN IMMEDIATE`` so two
writers never deadlock on a lock upgrade; reads use a plain deferred
``BEGIN`` and run beside the writer. PostgreSQL uses one pool for both; row
locks (``SELECT ... FOR UPDATE`` in sorted order) serialise writers per
account.

``lookup()`` is for the small indexed reads a chat turn or an API request
makes. On a SQLite file it runs on the calling thread: a WAL read takes
microseconds and never waits for the writer, while handing each statement
to the driver's thread and back costs a hundred times that. Anything that may
scan much data uses ``reading()``, which never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Engine, Executable, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

T = TypeVar("T")


class Reads(Protocol):
    """What a read needs of a connection: an async ``AsyncConnection`` or a lookup."""

    async def execute(self, statement: Executable, parameters: Any = None, /) -> Result[Any]: ...


class _InlineRead:
    """A synchronous SQLite connection behind the ``execute`` that readers await."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(self, statement: Executable, parameters: Any = None, /) -> Result[Any]:
        # Rows fetched now, as the async driver does: the connection goes back soon.
        return self._conn.execute(statement, parameters).freeze()()


@dataclass
class Database:
    """The write and read engines for one database URL."""

    url: str
    write: AsyncEngine
    read: AsyncEngine
    # SQLite files only: the same file through the synchronous driver, for lookups.
    inline: Engine | None = None

    @property
    def dialect(self) -> str:
        return self.write.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction: committed on success, rolled back on error."""
        async with self.write.begin() as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        async with self.read.connect() as conn:
            yield conn

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[Reads]:
        """A read of a few indexed rows: on a SQLite file, done on this thread."""
        if self.inline is None:
            async with self.read.connect() as conn:
                yield conn
            return
        with self.inline.connect() as conn:  # one snapshot; rolled back on return
            yield _InlineRead(conn)

    async def dispose(self) -> None:
        if self.inline is not None:
            self.inline.dispose()
        await self.write.dispose()
        if self.read is not self.write:
            await self.read.dispose()


def _sqlite_engine(url: str, *, immediate: bool, pool_size: int) -> AsyncEngine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, connect_args={"timeout": 30}
    )
    _configure_sqlite(engine.sync_engine, immediate=immediate)
    return engine


def _inline_engine(url: str) -> Engine | None:
    """The synchronous engine for lookups on a SQLite file (None for memory)."""
    sync_url = make_url(url).set(drivername="sqlite")
    if sync_url.database in (None, "", ":memory:"):
        return None
    # Never make the event loop wait for a pooled connection: open another.
    engine = create_engine(
        sync_url,
        pool_size=4,
        max_overflow=-1,
        connect_args={"timeout": 30, "check_same_thread": False},
    )
    _configure_sqlite(engine, immediate=False)
    return engine


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver: we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _ensure_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ensure_wal(cursor: Any) -> None:
    """Switch a database file to WAL once; it stays so.

    The switch needs an exclusive lock that SQLite's busy handler does not
    wait for, so two connections opening a fresh file at once can collide:
    try again briefly. Migrated files are already in WAL mode.
    """
    for attempt in range(50):
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError:
            if attempt == 49:
                raise
            time.sleep(0.02)


def connect(url: str, *, pool_size: int = 10) -> Database:
    """Build engines for a URL; nothing connects until first use."""
    if url.startswith("sqlite"):
        # One writer connection is all SQLite can use at a time anyway.
        write = _sqlite_engine(url, immediate=True, pool_size=1)
        read = _sqlite_engine(url, immediate=False, pool_size=pool_size)
        return Database(url, write, read, _inline_engine(url))
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )
    return Database(url, engine, engine)


# SQLSTATEs worth retrying as a whole transaction.
_PG_RETRYABLE = {"40001", "40P01", "55P03"}


def is_transient(exc: BaseException) -> bool:
    """True for deadlocks, serialisation failures and a busy SQLite file."""
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
        if code in _PG_RETRYABLE:
            return True
        if isinstance(exc, OperationalError) and "locked" in str(orig).lower():
            return True
    return False


async def retrying(
    attempt: Callable[[], Awaitable[T]], *, tries: int = 8, base_delay: float = 0.01
) -> T:
    """Run a whole transaction again when the database asks for a retry."""
    for n in range(tries):
        try:
            return await attempt()
        except DBAPIError as exc:
            if not is_transient(exc) or n == tries - 1:
                raise
            await asyncio.sleep(base_delay * (2**n))
    raise AssertionError("unreachable")
