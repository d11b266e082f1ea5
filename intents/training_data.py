"""Load and validate the YAML training data (intents, synonyms, lookups)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

INTENTS: tuple[str, ...] = (
    "balance_inquiry", "transaction_history", "spending_summary", "transfer_funds",
    "list_payees", "add_payee", "market_data", "place_order", "portfolio_status",
    "position_status", "close_position", "order_status", "cancel_order", "net_worth",
    "financial_health", "investment_advice", "create_rule", "list_rules", "manage_rule",
    "verify_transaction", "notification_settings", "spending_forecast", "set_budget",
    "budget_status", "create_goal", "goal_status", "greeting", "goodbye", "thanks", "help",
    "affirm", "deny", "cancel", "human_handoff", "out_of_scope",
)  # fmt: skip
ENTITY_TYPES: tuple[str, ...] = (
    "amount", "price", "quantity", "count", "percentage", "symbol", "side", "order_type",
    "date_range", "date", "category", "merchant", "payee", "account",
)  # fmt: skip
_FILES = ("nlu.yml", "entities.yml")


class TrainingDataError(ValueError):
    """The YAML training data is malformed; the message names the file and place."""


@dataclass(frozen=True, slots=True)
class TrainingData:
    examples: tuple[tuple[str, str], ...]  # (text, intent)
    synonyms: Mapping[str, Mapping[str, tuple[str, ...]]]  # type -> canonical -> phrases
    fingerprint: str  # sha256 of the source files, part of the model cache key

    @property
    def texts(self) -> list[str]:
        return [t for t, _ in self.examples]

    @property
    def labels(self) -> list[str]:
        return [i for _, i in self.examples]

    def vocabulary(self) -> set[str]:
        return {w.strip(".,?!'\"").lower() for t, _ in self.examples for w in t.split()}


def _examples(block: Mapping[str, Any], where: str) -> list[str]:
    raw = block.get("examples")
    if not isinstance(raw, str):
        raise TrainingDataError(f"{where}: 'examples' must be a '|' block of '- ' lines")
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    bad = [line for line in lines if not line.startswith("- ")]
    if bad:
        raise TrainingDataError(f"{where}: example lines must start with '- ': {bad[0]!r}")
    return [line[2:].strip() for line in lines]


def parse_training_data(
    sources: Mapping[str, str], intents: Iterable[str] = INTENTS
) -> TrainingData:
    """Build TrainingData from file name -> YAML text; validates everything."""
    digest = hashlib.sha256()
    examples: list[tuple[str, str]] = []
    synonyms: dict[str, dict[str, tuple[str, ...]]] = {}
    known = set(intents)
    for name in sorted(sources):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
        doc = yaml.safe_load(sources[name]) or {}
        if not isinstance(doc, dict):
            raise TrainingDataError(f"{name}: top level must be a mapping")
        for i, block in enumerate(doc.get("nlu") or []):
            where = f"{name}: nlu[{i}]"
            intent = block.get("intent") if isinstance(block, dict) else None
            if intent not in known:
                raise TrainingDataError(f"{where}: unknown intent {intent!r}")
            examples += [(text, intent) for text in _examples(block, f"{where} ({intent})")]
        for kind, table in (doc.get("synonyms") or {}).items():
            if kind not in ENTITY_TYPES or not isinstance(table, dict):
                raise TrainingDataError(f"{name}: synonyms.{kind}: unknown type or not a mapping")
            synonyms[kind] = {str(k): tuple(str(p).lower() for p in v) for k, v in table.items()}
    missing = known - {i for _, i in examples}
    if examples and missing:
        raise TrainingDataError(f"no examples for intents: {', '.join(sorted(missing))}")
    return TrainingData(tuple(examples), synonyms, digest.hexdigest())


def load_training_data(directory: Path | None = None) -> TrainingData:
    """Read the shipped data (or ``directory``'s nlu.yml and entities.yml)."""
    sources: dict[str, str] = {}
    for name in _FILES:
        if directory is None:
            sources[name] = resources.files("intents.data").joinpath(name).read_text("utf-8")
        else:
            sources[name] = (directory / name).read_text("utf-8")
    return parse_training_data(sources)


def examples_from_pairs(pairs: Sequence[tuple[str, str]], base: TrainingData) -> TrainingData:
    """Training data with other examples (e.g. a benchmark) but the shipped lookups."""
    digest = hashlib.sha256(base.fingerprint.encode())
    for text, label in pairs:
        digest.update(f"{label}\0{text}\0".encode())
    return TrainingData(tuple(pairs), base.synonyms, digest.hexdigest())
