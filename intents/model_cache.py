"""Train once, then reuse: the model is cached on disk under the data dir.

The cache key hashes the training data and the code version, so editing the
YAML or upgrading Swayam retrains on the next start and stale files go away.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import joblib
import sklearn

from intents.classifier import IntentClassifier, Progress
from intents.entities.extractor import EntityExtractor
from intents.pipeline import NLU
from intents.training_data import TrainingData, load_training_data

# Bump when featurisation or the classifier changes in a way old pickles miss.
MODEL_VERSION = "6"


def stderr_progress(message: str) -> None:
    print(f"[swayam nlu] {message}", file=sys.stderr, flush=True)


def cache_key(data: TrainingData) -> str:
    raw = f"{MODEL_VERSION}\0{sklearn.__version__}\0{data.fingerprint}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def model_path(data_dir: Path, data: TrainingData) -> Path:
    return data_dir / "nlu" / f"intent-model-{cache_key(data)}.joblib"


def load_or_train(
    data_dir: Path,
    progress: Progress | None = stderr_progress,
    data: TrainingData | None = None,
    retrain: bool = False,
) -> NLU:
    """Load the cached model for the current training data, training it if needed."""
    say = progress or (lambda _: None)
    data = data or load_training_data()
    path = model_path(data_dir, data)
    if path.exists() and not retrain:
        try:
            classifier = joblib.load(path)
        except Exception as exc:  # a truncated or foreign file: retrain over it
            say(f"ignoring unreadable model cache {path.name}: {exc}")
        else:
            if isinstance(classifier, IntentClassifier):
                return NLU(classifier, EntityExtractor(data.synonyms, data.vocabulary()))
    say(f"training the intent model on {len(data.examples)} examples (first start only)")
    nlu = NLU.train(data, say)
    _save(nlu.classifier, path)
    say(f"model saved to {path}")
    return nlu


def _save(classifier: IntentClassifier, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(classifier, tmp)
        os.replace(tmp, path)  # atomic: a crash never leaves half a model
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    for stale in path.parent.glob("intent-model-*.joblib"):
        if stale != path:
            stale.unlink(missing_ok=True)
