"""Alembic environment (async). The URL comes from ``bot.migrate``, never a file."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from domain.schema import metadata

config = context.config
# Any constant will do: it only has to be the same for every Swayam process.
_MIGRATION_LOCK = 7_252_617


def _run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=is_sqlite,
        compare_type=True,
    )
    if is_sqlite:
        # Databases are born in WAL mode (the mode persists in the file), so
        # servers never race to switch it.
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several servers may start at once; one migrates, the others wait.
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        context.run_migrations()


async def _run_async() -> None:
    url = config.attributes["url"]
    connect_args = {"timeout": 30} if url.startswith("sqlite") else {}
    engine = create_async_engine(url, connect_args=connect_args)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `swayam migrate`")
asyncio.run(_run_async())
