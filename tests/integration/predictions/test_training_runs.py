"""Training runs: on the live bank once it has the history, and from the command line."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from domain.db import connect
from domain.predictions import artifacts, pipeline, synthetic
from domain.predictions.history import HistoryWriter
from tests.conftest import T0

DAY = timedelta(days=1)


async def test_live_training_waits_for_enough_labelled_history(
    database_url: str, tmp_path: Path
) -> None:
    h = HistoryWriter(prefix="live")
    for n in range(3):
        cid = h.customer(f"c{n}", T0 - 300 * DAY)
        h.credit(h.account(cid, "savings", T0 - 300 * DAY), 1_000_00, T0 - 299 * DAY)
    db = connect(database_url, pool_size=2)
    try:
        async with db.writing() as conn:
            await h.write(conn)
        result = await pipeline.train_live(db, tmp_path, now=T0)
    finally:
        await db.dispose()
    assert result == "the live history is too short to train on: 3 labelled customers (needs 200)"
    assert artifacts.versions(artifacts.models_dir(tmp_path)) == []


async def test_live_training_fits_and_saves_when_the_bank_has_the_history(tmp_path: Path) -> None:
    h = HistoryWriter(prefix="live")
    synthetic.generate(h, 300, T0, seed=5)
    h.write_sqlite(tmp_path / "bank.db")
    db = connect(f"sqlite+aiosqlite:///{tmp_path / 'bank.db'}", pool_size=2)
    try:
        trained = await pipeline.train_live(db, tmp_path / "data", now=T0)
    finally:
        await db.dispose()
    assert isinstance(trained, pipeline.Trained)
    card = artifacts.read_card(trained.path)
    assert card["source"] == "live" and card["version"] == 1
    # Customers who joined less than 30 days before the cutoff are not labelled.
    assert trained.customers < 300
    assert artifacts.load(trained.path).bundle.source == "live"


def test_models_train_and_list_from_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith("SWAYAM_") and name != "SWAYAM_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("SWAYAM_DATA_DIR", str(tmp_path / "data"))
    assert main(["models", "train", "--customers", "300", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Model version 1 (synthetic, 300 customers)" in out
    assert "churn ROC-AUC" in out and "value R²" in out
    assert "the live history is too short to train on: 0 labelled customers" in out
    assert (tmp_path / "data" / "models" / "training.db").exists()
    assert main(["models", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("* v0001  synthetic")
    assert main(["models", "train", "--customers", "10"]) == 2
    assert "--customers must be at least 100" in capsys.readouterr().err
