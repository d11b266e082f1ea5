"""SQLite write transactions run on the event loop's thread, and never block it.

On a SQLite file ``writing()`` executes statements through the synchronous
driver; only taking a lock another connection holds, and the commit, leave
the loop. These specs hold it to a transaction's promises: all or nothing,
its own writes visible to itself, and a second writer on the same file
waiting without stalling the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from domain.db import Database, InlineWrite, connect


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = connect(f"sqlite+aiosqlite:///{tmp_path}/inline.db")
    async with database.writing() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, note TEXT)"))
    yield database
    await database.dispose()


async def count(db: Database) -> int:
    async with db.reading() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM t"))).scalar_one())


async def test_a_file_writer_runs_inline_and_commits(db: Database) -> None:
    async with db.writing() as conn:
        assert isinstance(conn, InlineWrite)
        await conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
        # Its own uncommitted row is visible inside the transaction.
        assert (await conn.execute(text("SELECT note FROM t WHERE n = 1"))).scalar_one() == "a"
        changed = await conn.execute(text("UPDATE t SET note = 'b' WHERE n = 1"))
        assert changed.rowcount == 1
        await conn.exec_driver_sql("INSERT INTO t VALUES (?, ?)", (2, "c"))
    assert await count(db) == 2


async def test_an_error_rolls_the_whole_transaction_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.writing() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
            raise RuntimeError("refused halfway")
    assert await count(db) == 0
    async with db.writing() as conn:  # the connection is usable again
        await conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
    assert await count(db) == 1


async def test_a_constraint_failure_raises_and_keeps_nothing(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        async with db.writing() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1, 'a')"))
            await conn.execute(text("INSERT INTO t VALUES (1, 'again')"))
    assert await count(db) == 0


async def test_writers_of_one_process_take_turns(db: Database) -> None:
    order: list[str] = []

    async def writer(name: str, n: int) -> None:
        async with db.writing() as conn:
            order.append(f"{name} in")
            await conn.execute(text("INSERT INTO t VALUES (:n, :w)"), {"n": n, "w": name})
            await asyncio.sleep(0.01)  # a transaction that awaits something else
            order.append(f"{name} out")

    await asyncio.gather(writer("a", 1), writer("b", 2), writer("c", 3))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    assert await count(db) == 3


async def test_a_lock_held_elsewhere_is_waited_for_off_the_loop(
    db: Database, tmp_path: Path
) -> None:
    # Another process's writer, here a plain connection, holds the file's lock.
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (100, 'other')")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    async def write() -> float:
        async with db.writing() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1, 'ours')"))
        return time.perf_counter()

    beat = asyncio.create_task(ticker())
    ours = asyncio.create_task(write())
    await asyncio.sleep(0.2)
    assert not ours.done()  # still waiting for the lock...
    assert ticks >= 10  # ...while the loop kept running
    released = time.perf_counter()
    other.execute("COMMIT")
    other.close()
    done_at = await asyncio.wait_for(ours, 5)
    beat.cancel()
    assert done_at >= released
    assert await count(db) == 2
    # The waiting writer's busy timeout was put back: the next lock taken
    # elsewhere is again met without blocking the loop.
    async with db.writing() as conn:
        busy = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    assert busy == 0


async def test_two_databases_on_one_file_interleave_without_deadlock(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/inline.db"
    first, second = connect(url), connect(url)
    try:
        async with first.writing() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY, note TEXT)"))

        async def writes(db: Database, start: int) -> None:
            for n in range(start, start + 20):
                async with db.writing() as conn:
                    await conn.execute(text("INSERT INTO t VALUES (:n, 'x')"), {"n": n})
                    await asyncio.sleep(0)  # hand the loop to the other database

        await asyncio.wait_for(asyncio.gather(writes(first, 0), writes(second, 100)), 30)
        assert await count(first) == 40
    finally:
        await first.dispose()
        await second.dispose()
