"""Shared fixtures: settings, real databases (SQLite always, PostgreSQL when it answers).

``database_url`` is parametrised over the backends that are available; each
PostgreSQL test session creates its own database and drops it at the end.
Tests get a freshly migrated, empty database (tables truncated between tests).
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.bootstrap import Container, build
from bot.migrate import upgrade
from bot.settings import Settings
from domain.clock import ManualClock
from domain.schema import metadata
from intents import NLU, load_or_train

PG_ADMIN_URL = os.environ.get(
    "SWAYAM_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Monday 16 November 2026, 10:30 IST.
T0 = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)


def _postgres_answers() -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(PG_ADMIN_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


HAVE_POSTGRES = _postgres_answers()
BACKENDS = (
    ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
    if HAVE_POSTGRES
    else ["sqlite"]
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _pg_admin(sql: str) -> None:
    engine = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test session's own."""
    if not HAVE_POSTGRES:
        pytest.skip("PostgreSQL is not answering")
    from sqlalchemy.engine import make_url

    name = f"swayam_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "swayam.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


_TRUNCATE_ORDER = [t.name for t in reversed(metadata.sorted_tables)]


async def _reset_postgres(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            tables = ", ".join(_TRUNCATE_ORDER)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            await conn.execute(
                text(
                    "INSERT INTO accounts"
                    " (id, type, name, number, currency, no_overdraft, created_at)"
                    " VALUES ('acc_settlement_inr', 'settlement', 'INR settlement', '000000000001',"
                    " 'INR', false, now())"
                )
            )
    finally:
        await engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database on each available backend."""
    if request.param == "sqlite":
        path = tmp_path / "swayam.db"
        path.write_bytes(sqlite_template.read_bytes())
        return f"sqlite+aiosqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_reset_postgres(url))
    return url


@pytest.fixture(scope="session")
def nlu(tmp_path_factory: pytest.TempPathFactory) -> NLU:
    """The product's NLU, trained once per test session."""
    return load_or_train(tmp_path_factory.mktemp("nlu"), progress=None)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        rate_limit_token_per_min=0,
        rate_limit_ip_per_min=0,
        rate_limit_login_per_min=0,
        hold_sweep_s=3600,
        # Cheap hashing keeps fixtures fast; production uses the defaults.
        password_time_cost=1,
        password_memory_kib=64,
        # Channels and Claude stay off unless a test turns them on, whatever the shell has.
        telegram_token=None,
        anthropic_api_key=None,
    )


@pytest.fixture
async def container(settings: Settings, clock: ManualClock, nlu: NLU) -> AsyncIterator[Container]:
    """A started container on a fresh database, closed after the test."""
    c = build(settings, clock=clock, nlu=nlu)
    await c.start()
    try:
        yield c
    finally:
        await c.close()
