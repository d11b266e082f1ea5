"""``swayam telegram link-code``: a one-time code for a customer, printed for the terminal."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from bot.bootstrap import build
from bot.cli import main
from bot.settings import Settings
from domain.identity.model import Scope


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> Settings:
    """A clean SWAYAM_* environment on a migrated database with one customer and an operator."""
    for name in list(os.environ):
        if name.startswith("SWAYAM_") and name != "SWAYAM_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SWAYAM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SWAYAM_DATABASE_URL", database_url)
    monkeypatch.setenv("SWAYAM_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("SWAYAM_PASSWORD_MEMORY_KIB", "64")
    settings = Settings()

    async def seed() -> None:
        container = build(settings)
        try:
            await container.identity.create_user("asha", "Asha Verma", "correct-horse-1")
            await container.identity.create_user(
                "ops", "Operations", "correct-horse-3", role=Scope.OPERATOR
            )
        finally:
            await container.close()

    asyncio.run(seed())
    return settings


def test_link_code_prints_a_start_command_and_a_deep_link(
    env: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWAYAM_TELEGRAM_BOT_USERNAME", "swayam_bank_bot")
    assert main(["telegram", "link-code", "--user", "asha"]) == 0
    out, err = capsys.readouterr()
    code = re.search(r"/start (\S+)", out)
    assert code is not None, out
    assert f"https://t.me/swayam_bank_bot?start={code.group(1)}" in out
    assert "expires in 10 minutes" in out and err == ""


def test_link_code_is_only_for_customers(env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["telegram", "link-code", "--user", "ops"]) == 1
    assert main(["telegram", "link-code", "--user", "nobody"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "no customer called 'ops'" in err and "no customer called 'nobody'" in err
