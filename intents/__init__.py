"""Local natural-language understanding: text -> intent + entities.

nlu = load_or_train(Path("var"), progress=print)
result = nlu.parse("send 5k to mom", now=datetime.now(UTC))
if not result.is_confident:
    ...  # ask, offering result.ranking; never guess a money-moving action
"""

from __future__ import annotations

from intents.classifier import IntentClassifier
from intents.entities.payees import PayeeLike, PayeeResolution, resolve_payee
from intents.model_cache import load_or_train
from intents.pipeline import DEFAULT_THRESHOLD, NLU
from intents.result import Entity, IntentScore, ParseResult
from intents.training_data import ENTITY_TYPES, INTENTS, TrainingData, load_training_data

__all__ = [
    "DEFAULT_THRESHOLD",
    "ENTITY_TYPES",
    "INTENTS",
    "NLU",
    "Entity",
    "IntentClassifier",
    "IntentScore",
    "ParseResult",
    "PayeeLike",
    "PayeeResolution",
    "TrainingData",
    "load_or_train",
    "load_training_data",
    "resolve_payee",
]
