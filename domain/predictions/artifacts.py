"""Versioned model artifacts on disk, and the registry that serves the newest valid one.

Each training run writes ``<data dir>/models/predictions/v0007/`` holding
``model.joblib`` (the ``ModelBundle``) and ``card.json`` (version, data
hash, features, training date, metrics, and the model file's SHA-256). The
directory is written under a temporary name and renamed, so a version is
never seen half-written.

A version is valid when its card parses, the model file has the card's
hash, unpickles to a ``ModelBundle`` with the card's version, data hash and
features, and measured again on its own held-out customers gives the card's
metrics. The registry serves the newest valid version; when a newer one
fails to load it keeps serving what it had and says why in ``errors``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib

from domain.predictions.bundle import ModelBundle

log = logging.getLogger(__name__)

MODEL_FILE = "model.joblib"
CARD_FILE = "card.json"
_VERSION = re.compile(r"^v(\d{4,})$")


class ArtifactError(Exception):
    """A model version on disk cannot be served; the message says why."""


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "predictions"


def versions(root: Path) -> list[int]:
    """Version numbers on disk, oldest first."""
    if not root.is_dir():
        return []
    found = (_VERSION.match(p.name) for p in root.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def version_dir(root: Path, version: int) -> Path:
    return root / f"v{version:04d}"


def next_version(root: Path) -> int:
    return (versions(root) or [0])[-1] + 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save(root: Path, bundle: ModelBundle) -> Path:
    """Write a bundle and its card as a new version directory; returns it."""
    root.mkdir(parents=True, exist_ok=True)
    target = version_dir(root, bundle.version)
    if target.exists():
        raise ArtifactError(f"model version {bundle.version} already exists")
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
    try:
        joblib.dump(bundle, staging / MODEL_FILE, compress=3)
        card = bundle.card()
        card["artifact"] = {"file": MODEL_FILE, "sha256": _sha256(staging / MODEL_FILE)}
        (staging / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
        os.replace(staging, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(staging)
    return target


def read_card(path: Path) -> dict[str, Any]:
    try:
        card = json.loads((path / CARD_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path.name}: unreadable card ({exc})") from exc
    if not isinstance(card, dict):
        raise ArtifactError(f"{path.name}: the card is not a JSON object")
    return card


@dataclass(frozen=True, slots=True)
class Loaded:
    bundle: ModelBundle
    card: dict[str, Any]
    path: Path

    @property
    def version(self) -> int:
        return self.bundle.version


def load(path: Path) -> Loaded:
    """Load one version, checking it against its card; ArtifactError if it does not hold."""
    card = read_card(path)
    try:
        expected = card["artifact"]["sha256"]
    except (KeyError, TypeError) as exc:
        raise ArtifactError(f"{path.name}: the card names no model hash") from exc
    model = path / MODEL_FILE
    try:
        actual = _sha256(model)
    except OSError as exc:
        raise ArtifactError(f"{path.name}: no model file ({exc})") from exc
    if actual != expected:
        raise ArtifactError(f"{path.name}: the model file does not match its card's hash")
    try:
        bundle = joblib.load(model)
    except Exception as exc:  # any unpickling failure means the same: do not serve it
        raise ArtifactError(f"{path.name}: the model does not load ({exc})") from exc
    if not isinstance(bundle, ModelBundle):
        raise ArtifactError(f"{path.name}: the file holds a {type(bundle).__name__}")
    for key, have in (
        ("version", bundle.version),
        ("data_hash", bundle.data_hash),
        ("features", [f["name"] for f in card.get("features", [])]),
    ):
        want = list(bundle.features) if key == "features" else card.get(key)
        if have != want:
            raise ArtifactError(f"{path.name}: the card's {key} is not the model's")
    measured = bundle.evaluate()
    for model_name, metric in (("churn", "roc_auc"), ("churn", "brier"), ("ltv", "r2")):
        stated = card.get("metrics", {}).get(model_name, {}).get(metric)
        if stated is None or abs(measured[model_name][metric] - stated) > 1e-6:
            raise ArtifactError(
                f"{path.name}: {model_name} {metric} measures {measured[model_name][metric]},"
                f" the card says {stated}"
            )
    return Loaded(bundle, card, path)


@dataclass
class Registry:
    """The model being served, swapped only for a newer version that loads."""

    root: Path
    current: Loaded | None = None
    errors: dict[int, str] = field(default_factory=dict)

    def reload(self) -> Loaded | None:
        """Serve the newest valid version; keep the current one if nothing newer loads."""
        serving = self.current.version if self.current is not None else 0
        for version in reversed(versions(self.root)):
            if version <= serving:
                break
            try:
                loaded = load(version_dir(self.root, version))
            except ArtifactError as exc:
                self.errors[version] = str(exc)
                log.warning("not serving model version %d: %s", version, exc)
                continue
            self.errors.pop(version, None)
            self.current = loaded
            log.info("serving model version %d", version)
            break
        return self.current

    def cards(self) -> list[dict[str, Any]]:
        """Every version's card, newest first, with whether it is served."""
        out = []
        serving = self.current.version if self.current is not None else None
        for version in reversed(versions(self.root)):
            path = version_dir(self.root, version)
            try:
                card = read_card(path)
            except ArtifactError as exc:
                card = {"version": version, "error": str(exc)}
            if version in self.errors:
                card = {**card, "error": self.errors[version]}
            out.append({**card, "version": version, "served": version == serving})
        return out
