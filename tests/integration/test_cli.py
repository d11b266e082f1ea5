"""The ``swayam`` command, run in-process against real databases."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from bot import demo as demo_loader
from bot.bootstrap import Container
from bot.cli import main
from domain import schema
from domain.banking.views import HistoryFilter


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean SWAYAM_* environment with its own data dir."""
    for name in list(os.environ):
        if name.startswith("SWAYAM_") and name != "SWAYAM_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    data = tmp_path / "data"
    monkeypatch.setenv("SWAYAM_DATA_DIR", str(data))
    return data


@pytest.fixture
def db_env(env: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment pointed at a migrated database on each backend."""
    monkeypatch.setenv("SWAYAM_DATABASE_URL", database_url)
    return database_url


def count(url: str, table: str) -> int:
    async def run() -> int:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                query = select(func.count()).select_from(schema.metadata.tables[table])
                return int((await conn.execute(query)).scalar_one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_migrate_creates_the_schema_in_a_fresh_data_dir(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert (env / "swayam.db").exists()
    assert "latest revision" in capsys.readouterr().out
    # Only the bank's own accounts: INR settlement, the exchange and trading charges.
    assert count(f"sqlite+aiosqlite:///{env / 'swayam.db'}", "accounts") == 3


def test_demo_loads_once_and_a_second_run_changes_nothing(
    db_env: str, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert "Demo data loaded" in first
    assert "Asha Verma (login: asha)" in first and "Vikram Rao (login: vikram)" in first
    assert "₹2,45,000.00" in first and "₹5,00,000.00" in first and "₹80,000.00" in first
    password_file = env / "demo-password"
    password = password_file.read_text().strip()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert f"Password: {password}" in first
    transfers, payees = count(db_env, "transfers"), count(db_env, "payees")
    assert transfers > 150 and payees == 7

    assert main(["demo"]) == 0
    second = capsys.readouterr().out
    assert "nothing changed" in second
    assert f"Password: {password}" in second
    assert "₹2,45,000.00" in second
    assert (count(db_env, "transfers"), count(db_env, "payees")) == (transfers, payees)
    assert count(db_env, "users") == 3


def test_demo_uses_the_password_from_the_environment(
    db_env: str, env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SWAYAM_DEMO_PASSWORD", "correct-horse-battery")
    assert main(["demo"]) == 0
    assert "Password: correct-horse-battery" in capsys.readouterr().out
    assert not (env / "demo-password").exists()


def test_token_create_prints_only_the_token(
    db_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["token", "create", "--user", "ops", "--scope", "operator", "--name", "ci"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("swk_") and out.count("\n") == 1 and " " not in out.strip()
    assert err == ""


def test_token_create_for_an_unknown_user_fails_clearly(
    db_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "--user", "nobody"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "no user called 'nobody'" in err


def test_token_create_refuses_a_scope_above_the_users_role(
    db_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["token", "create", "--user", "asha", "--scope", "admin"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "admin scope" in err


def test_token_create_rejects_an_unknown_scope(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["token", "create", "--user", "asha", "--scope", "root"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'root'" in capsys.readouterr().err


def test_bad_settings_give_one_line_and_exit_2(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SWAYAM_PORT", "eighty")
    assert main(["migrate"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("swayam: invalid setting SWAYAM_PORT")


def test_settings_errors_never_show_secrets(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SWAYAM_DATABASE_URL", "mysql://swayam:hunter2secret@db/swayam")
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert "SWAYAM_DATABASE_URL" in err and "hunter2secret" not in err


def test_the_console_script_runs(env: Path) -> None:
    swayam = Path(sys.executable).with_name("swayam")
    if not swayam.exists():
        pytest.skip("the swayam console script is not installed")
    done = subprocess.run(
        [str(swayam), "migrate"], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "latest revision" in done.stdout


async def test_a_later_run_keeps_the_first_reference_date_and_changes_nothing(
    container: Container,
) -> None:
    first = await demo_loader.load(container, today=date(2026, 11, 16))
    assert first.changed and first.posted > 150
    again = await demo_loader.load(container, today=date(2026, 12, 20))
    assert not again.changed
    assert again.reference == date(2026, 11, 16)
    assert again.already_posted == first.posted


async def test_the_loaded_history_reads_newest_first_with_exact_balances(
    container: Container,
) -> None:
    await demo_loader.load(container, today=date(2026, 11, 16))
    asha = await container.identity.get_user_by_username("asha")
    assert asha is not None
    accounts = {a.name: a for a in await container.banking.accounts(asha.id)}
    assert accounts["Savings account"].balance == 2_45_000_00
    assert accounts["Trading cash"].balance == 75_000_00
    page = await container.banking.history(
        asha.id, accounts["Savings account"].id, HistoryFilter(limit=200)
    )
    times = [item.posted_at for item in page.items]
    assert times == sorted(times, reverse=True)
    assert page.items[-1].counterparty == "Opening balance"
    salary = await container.banking.history(
        asha.id, accounts["Savings account"].id, HistoryFilter(category="salary")
    )
    assert len(salary.items) == 7  # May to October, and 1 November
