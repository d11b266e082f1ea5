"""A transaction's announced topics reach this process's listeners after commit, only then."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from domain.db import announce, connect


async def test_listeners_hear_a_committed_topic_once_and_never_a_rolled_back_one(
    tmp_path: Path,
) -> None:
    db = connect(f"sqlite+aiosqlite:///{tmp_path / 'topics.db'}")
    heard: list[str] = []
    db.on_commit("outbox", lambda: heard.append("outbox"))
    try:
        async with db.writing() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
            announce(conn, "outbox")
            announce(conn, "outbox")
            assert heard == []  # not before the commit
        assert heard == ["outbox"]
        with pytest.raises(RuntimeError):
            async with db.writing() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
                announce(conn, "outbox")
                raise RuntimeError("rolled back")
        async with db.writing(background=True) as conn:  # nothing left over from the rollback
            await conn.execute(text("INSERT INTO t VALUES (2)"))
        assert heard == ["outbox"]
    finally:
        await db.dispose()
