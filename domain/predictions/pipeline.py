"""Training runs end to end: synthetic population or live bank -> features -> models -> artifact.

``train_synthetic`` draws a population (``synthetic``) into its own SQLite
file, ``<data dir>/models/training.db`` (replaced on each run), reads it back
through the feature builder and the labels, fits and saves a new version.
``train_live`` does the same on the bank's own database when it holds enough
labelled history (``labels.labelled_enough``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from domain.db import Database, connect
from domain.predictions import artifacts, synthetic
from domain.predictions.features import INDEX, FeatureMatrix, build_features
from domain.predictions.history import HistoryWriter
from domain.predictions.labels import (
    HORIZON,
    MIN_TENURE,
    Labels,
    build_labels,
    labelled_enough,
)
from domain.predictions.training import fit

# The demo and first use train on a small population (seconds); the command on more.
QUICK_CUSTOMERS = 400
FULL_CUSTOMERS = 5000

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass(frozen=True, slots=True)
class Trained:
    version: int
    path: Path
    customers: int
    gate_failures: list[str]


def training_db(data_dir: Path) -> Path:
    return data_dir / "models" / "training.db"


def _stage(progress: Progress | None, stage: str, done: int = 0, total: int = 1) -> None:
    if progress is not None:
        progress(stage, done, total)


async def train_synthetic(
    data_dir: Path,
    *,
    customers: int = FULL_CUSTOMERS,
    seed: int = 7,
    end: datetime,
    progress: Progress | None = None,
) -> Trained:
    """Draw, store, read back and fit a synthetic population; save it as a new version."""
    path = training_db(data_dir)
    writer = HistoryWriter()

    def draw(done: int, total: int) -> None:
        _stage(progress, "drawing customers", done, total)

    population = await asyncio.to_thread(
        synthetic.generate, writer, customers, end, seed=seed, progress=draw
    )
    _stage(progress, "writing the training database", 0, 1)
    await asyncio.to_thread(writer.write_sqlite, path)
    _stage(progress, "writing the training database", 1, 1)
    db = connect(f"sqlite+aiosqlite:///{path.resolve()}", pool_size=2)
    try:
        _stage(progress, "building features and labels", 0, 1)
        async with db.reading() as conn:
            matrix = await build_features(conn, population.cutoff, population.customer_ids)
            labels = await build_labels(conn, population.cutoff, matrix.customer_ids)
        _stage(progress, "building features and labels", 1, 1)
    finally:
        await db.dispose()
    return await _fit_and_save(
        data_dir, matrix, labels, "synthetic", end, seed, population.segments, progress
    )


async def train_live(
    db: Database, data_dir: Path, *, now: datetime, seed: int = 7, progress: Progress | None = None
) -> Trained | str:
    """Fit on the bank's own history; the reason instead when it is too short."""
    cutoff = now - HORIZON
    async with db.reading() as conn:
        everyone = await build_features(conn, cutoff)
        keep = everyone.values[:, INDEX["tenure_days"]] >= MIN_TENURE.days
        matrix = FeatureMatrix(
            [cid for cid, k in zip(everyone.customer_ids, keep, strict=True) if k],
            everyone.values[keep],
            cutoff,
        )
        labels = await build_labels(conn, cutoff, matrix.customer_ids)
    reason = labelled_enough(labels)
    if reason is not None:
        return f"the live history is too short to train on: {reason}"
    return await _fit_and_save(data_dir, matrix, labels, "live", now, seed, None, progress)


async def _fit_and_save(
    data_dir: Path,
    matrix: FeatureMatrix,
    labels: Labels,
    source: str,
    trained_at: datetime,
    seed: int,
    story: dict[str, str] | None,
    progress: Progress | None,
) -> Trained:
    root = artifacts.models_dir(data_dir)
    version = artifacts.next_version(root)

    steps = iter(range(1, 6))

    def say(message: str) -> None:
        # fit() names its five steps; one bar across them.
        _stage(progress, "training the models", next(steps, 5), 5)

    bundle = await asyncio.to_thread(
        fit,
        matrix,
        labels,
        version=version,
        source=source,
        trained_at=trained_at,
        seed=seed,
        story=story,
        say=say,
    )
    path = await asyncio.to_thread(artifacts.save, root, bundle)
    _stage(progress, "saved", 1, 1)
    card = bundle.card()
    return Trained(version, path, len(matrix), list(card["gates"]["failures"]))
