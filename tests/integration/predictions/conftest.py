from __future__ import annotations

from pathlib import Path

import pytest

from domain.predictions import pipeline
from tests.integration.predictions import small_model


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pipeline.Trained]:
    """A data dir holding one small synthetic model version, and what training said."""
    data_dir = tmp_path_factory.mktemp("models")
    return data_dir, small_model.train(data_dir)
