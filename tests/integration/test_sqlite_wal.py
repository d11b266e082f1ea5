"""SQLite's WAL is checkpointed off the writer, and commits stay as durable as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from domain.db import connect


async def test_the_writer_leaves_checkpoints_to_the_checkpointer_and_syncs_every_commit(
    tmp_path: Path,
) -> None:
    db = connect(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    try:
        async with db.writing() as conn:
            autocheckpoint = (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar()
            synchronous = (await conn.execute(text("PRAGMA synchronous"))).scalar()
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
        assert (autocheckpoint, synchronous, mode) == (0, 2, "wal")  # 2: FULL
    finally:
        await db.dispose()


async def test_a_checkpoint_moves_committed_frames_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = connect(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.writing() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        for n in range(50):
            async with db.writing() as conn:
                await conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        assert db.checkpointer is not None
        own = sqlite3.connect(path, isolation_level=None)
        try:
            busy, frames, done = db.checkpointer.checkpoint(own)
        finally:
            own.close()
        assert busy == 0 and frames > 0 and done == frames
    finally:
        await db.dispose()
    # After the engines close, the file alone holds every row.
    plain = sqlite3.connect(path)
    try:
        assert plain.execute("SELECT count(*) FROM t").fetchone() == (50,)
    finally:
        plain.close()


async def test_the_checkpointer_stops_with_the_database(tmp_path: Path) -> None:
    db = connect(f"sqlite+aiosqlite:///{tmp_path}/wal.db")
    async with db.writing() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
    assert db.checkpointer is not None and db.checkpointer.running
    await db.dispose()
    assert not db.checkpointer.running
