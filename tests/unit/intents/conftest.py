from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from intents import NLU, load_or_train

IST = timezone(timedelta(hours=5, minutes=30))
# A Wednesday, so "this week" and "last week" differ in interesting ways.
REFERENCE = datetime(2024, 11, 13, 10, 0, tzinfo=IST)


@pytest.fixture(scope="session")
def nlu_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-data")


@pytest.fixture(scope="session")
def nlu(nlu_data_dir: Path) -> NLU:
    """Trained once per test session and cached like the product does."""
    return load_or_train(nlu_data_dir, progress=None)
