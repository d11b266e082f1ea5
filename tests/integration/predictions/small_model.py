"""One small synthetic model per test session, trained the way ``swayam models train`` does."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from domain.predictions import artifacts, pipeline
from tests.conftest import T0

CUSTOMERS = 400


def train(data_dir: Path) -> pipeline.Trained:
    return asyncio.run(pipeline.train_synthetic(data_dir, customers=CUSTOMERS, seed=11, end=T0))


def install(trained_data_dir: Path, data_dir: Path) -> None:
    """Copy the trained versions into another data dir, as if trained there."""
    target = artifacts.models_dir(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(artifacts.models_dir(trained_data_dir), target, dirs_exist_ok=True)
