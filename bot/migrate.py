"""Apply Alembic migrations to the configured database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate synchronously (the env runs its own event loop).

    ``heads``: every branch, so parallel revisions apply before their merge.
    """
    if url.startswith("sqlite"):
        from sqlalchemy.engine import make_url

        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "heads") -> None:
    """Migrate from inside a running loop, on a worker thread with its own loop."""
    await asyncio.to_thread(upgrade, url, revision)
