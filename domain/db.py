"""Database engines for SQLite (embedded default) and PostgreSQL (at scale).

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit survives power
loss). Writes take the database lock up front with ``BEGIN IMMEDIATE`` so two
writers never deadlock on a lock upgrade; reads use a plain deferred
``BEGIN`` and run beside the writer. PostgreSQL uses one pool for both; row
locks (``SELECT ... FOR UPDATE`` in sorted order) serialise writers per
account.

On a SQLite file the writer never checkpoints the WAL itself
(``wal_autocheckpoint=0``): a ``WalCheckpointer`` thread does, on its own
connection (``wal_checkpoint(PASSIVE)``, which never blocks the writer), so
no commit waits while a thousand pages are copied into the database and
fsynced. Durability is unchanged: a commit is durable once its WAL frames
are synced (``synchronous=FULL``); checkpointing only moves them later.

``lookup()`` is for the small indexed reads a chat turn or an API request
makes. On a SQLite file it runs on the calling thread: a WAL read takes
microseconds and never waits for the writer, while handing each statement
to the driver's thread and back costs a hundred times that. Anything that may
scan much data uses ``reading()``, which never blocks the event loop.

``writing()`` on a SQLite file runs its statements the same way, on the
event loop's thread through the synchronous driver, once the in-process gate
has given it the file's one writer: a money batch is a dozen small indexed
statements, and handing each to the driver's thread and back made it wait a
dozen times behind whatever else the loop had ready. Only the two steps that
can take long leave the loop: taking SQLite's write lock when another
process holds it, and the commit's fsync.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar, overload

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    Result,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.util.typing import TupleAny, TypeVarTuple, Unpack

from domain.write_gate import WriteGate

T = TypeVar("T")
_Ts = TypeVarTuple("_Ts")

log = logging.getLogger(__name__)

_MARK = re.compile(r"\?")


class Reads(Protocol):
    """What a read needs of a connection: an async ``AsyncConnection`` or a lookup."""

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None, /
    ) -> Result[Any]: ...


class Writes(Protocol):
    """What a writer needs of its transaction: ``execute``, ``exec_driver_sql``, ``dialect``.

    ``writing()`` yields an ``AsyncConnection`` (PostgreSQL) or, on a SQLite
    file, an ``InlineWrite``; writers use nothing else of the connection.
    """

    @overload
    async def execute(
        self, statement: TypedReturnsRows[Unpack[_Ts]], parameters: Any = None, /
    ) -> CursorResult[Unpack[_Ts]]: ...

    @overload
    async def execute(
        self, statement: Executable, parameters: Any = None, /
    ) -> CursorResult[Unpack[TupleAny]]: ...

    async def exec_driver_sql(
        self, statement: str, parameters: Any = None, /
    ) -> CursorResult[Unpack[TupleAny]]: ...

    @property
    def dialect(self) -> Dialect: ...


class InlineWrite:
    """A SQLite write transaction on the synchronous driver, behind awaitable calls.

    Results are read from the driver as the caller asks for rows, still on
    this thread and inside the transaction.
    """

    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(
        self, statement: Executable, parameters: Any = None, /
    ) -> CursorResult[Unpack[TupleAny]]:
        return self._conn.execute(statement, parameters)

    async def exec_driver_sql(
        self, statement: str, parameters: Any = None, /
    ) -> CursorResult[Unpack[TupleAny]]:
        return self._conn.exec_driver_sql(statement, parameters)


class _InlineRead:
    """A synchronous SQLite connection behind the ``execute`` that readers await."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None, /
    ) -> Result[Any]:
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
    # SQLite files only: moves committed WAL frames into the database file.
    checkpointer: WalCheckpointer | None = None
    # SQLite only: its one writer goes to requests before background writers.
    gate: WriteGate | None = None
    # SQLite files only: the writer's connection through the synchronous driver.
    writer: Engine | None = None

    @property
    def dialect(self) -> str:
        return self.write.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def writing(self, *, background: bool = False) -> AsyncIterator[Writes]:
        """One write transaction: committed on success, rolled back on error.

        ``background`` is for bookkeeping nobody is waiting on (saving chat
        turns behind their replies, dispatch rounds, snapshots): on SQLite it
        lets waiting requests take the writer first.
        """
        if self.gate is None:
            async with self.write.begin() as conn:
                yield conn
            return
        await self.gate.acquire(background=background)
        try:
            if self.writer is None:
                async with self.write.begin() as conn:
                    yield conn
            else:
                async with self._inline_transaction(self.writer) as inline:
                    yield inline
        finally:
            self.gate.release()

    @asynccontextmanager
    async def _inline_transaction(self, writer: Engine) -> AsyncIterator[InlineWrite]:
        # The gate makes this process's writers take turns, so the one pooled
        # connection is free; another process may still hold the file's lock.
        conn = writer.connect()
        try:
            try:
                conn.begin()  # BEGIN IMMEDIATE, not waiting (busy_timeout 0)
            except OperationalError as exc:
                if not is_transient(exc):
                    raise
                conn.rollback()
                await asyncio.to_thread(_begin_waiting, conn)
            try:
                yield InlineWrite(conn)
            except BaseException:
                conn.rollback()
                raise
            await asyncio.to_thread(conn.commit)  # the fsync, off the loop
        finally:
            conn.close()

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

    async def lookup_rows(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """The rows of one small indexed read in driver SQL, ``?`` marking each parameter.

        For the hottest look-ups (once per customer on the order path): on a
        SQLite file the statement goes to the driver on this thread, past
        SQLAlchemy's execution layer, which cost more than the read. Values come
        back as the driver gives them, so keep to text and integer columns.
        """
        if self.inline is None:
            marks = iter(range(1, len(params) + 1))
            native = _MARK.sub(lambda _: f"${next(marks)}", sql) if not self.is_sqlite else sql
            async with self.read.connect() as conn:
                result = await conn.exec_driver_sql(native, params)
                return [tuple(r) for r in result]
        raw = self.inline.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                return list(cursor.execute(sql, params).fetchall())
            finally:
                cursor.close()
        finally:
            raw.close()  # back to the pool, rolled back

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            await asyncio.to_thread(self.checkpointer.stop)
        if self.inline is not None:
            self.inline.dispose()
        if self.writer is not None:
            self.writer.dispose()
        await self.write.dispose()
        if self.read is not self.write:
            await self.read.dispose()


class WalCheckpointer:
    """Checkpoints a SQLite file's WAL from its own thread and connection.

    Started by the writer's first connection, so building a ``Database``
    still connects to nothing. PASSIVE copies what no reader still needs
    and never waits for, or blocks, the writer; the next write after a
    complete checkpoint starts the WAL again from the beginning.
    """

    def __init__(self, path: str, *, interval_s: float = 0.25) -> None:
        self.path = path
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="sqlite-wal-checkpoint", daemon=True
                )
                self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def checkpoint(self, conn: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the WAL, frames checkpointed)."""
        busy, frames, done = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return int(busy), int(frames), int(done)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            while not self._stop.wait(self.interval_s):
                try:
                    self.checkpoint(conn)
                except sqlite3.Error:
                    log.warning("WAL checkpoint failed; trying again", exc_info=True)
            self.checkpoint(conn)  # what the last batches wrote, before the engines close
        except sqlite3.Error:
            log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            conn.close()


def _sqlite_engine(
    url: str, *, immediate: bool, pool_size: int, checkpointer: WalCheckpointer | None = None
) -> AsyncEngine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=0, connect_args={"timeout": 30}
    )
    _configure_sqlite(engine.sync_engine, immediate=immediate, checkpointer=checkpointer)
    return engine


def _begin_waiting(conn: Connection) -> None:
    """BEGIN IMMEDIATE that waits, as long as the other writers take, off the loop."""
    conn.exec_driver_sql(f"PRAGMA busy_timeout={_BUSY_MS}")
    try:
        conn.begin()
    finally:
        conn.connection.dbapi_connection.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]


def _writer_engine(url: str, checkpointer: WalCheckpointer | None) -> Engine | None:
    """The synchronous engine for a SQLite file's write transactions (None for memory)."""
    sync_url = make_url(url).set(drivername="sqlite")
    if sync_url.database in (None, "", ":memory:"):
        return None
    engine = create_engine(
        sync_url,
        pool_size=1,
        max_overflow=0,
        connect_args={"timeout": 0, "check_same_thread": False},
    )
    _configure_sqlite(engine, immediate=True, checkpointer=checkpointer, busy_ms=0)
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


_BUSY_MS = 30_000


def _configure_sqlite(
    engine: Engine,
    *,
    immediate: bool,
    checkpointer: WalCheckpointer | None = None,
    busy_ms: int = _BUSY_MS,
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the driver: we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        _ensure_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        if checkpointer is not None:
            # The checkpointer thread does it instead, so no commit pays for one.
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()
        if checkpointer is not None:
            checkpointer.start()

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
        path = make_url(url).database
        checkpointer = WalCheckpointer(path) if path and path != ":memory:" else None
        # One writer connection is all SQLite can use at a time anyway.
        write = _sqlite_engine(url, immediate=True, pool_size=1, checkpointer=checkpointer)
        read = _sqlite_engine(url, immediate=False, pool_size=pool_size)
        return Database(
            url,
            write,
            read,
            _inline_engine(url),
            checkpointer,
            WriteGate(),
            _writer_engine(url, checkpointer),
        )
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
