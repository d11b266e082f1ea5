"""Score an NLU against a labelled YAML test set (intents and entities)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from intents.pipeline import NLU, OUT_OF_SCOPE


@dataclass(frozen=True, slots=True)
class TestExample:
    text: str
    intent: str
    entities: tuple[tuple[str, str], ...] | None  # (type, JSON of value); None: unchecked


@dataclass(frozen=True, slots=True)
class TestSet:
    reference_time: datetime
    examples: tuple[TestExample, ...]


def _key(type_: str, value: Any) -> tuple[str, str]:
    if type_ == "payee" and isinstance(value, str):
        value = value.lower()
    return type_, json.dumps(value, sort_keys=True)


def load_test_set(path: Path) -> TestSet:
    doc = yaml.safe_load(path.read_text("utf-8"))
    examples = []
    for i, item in enumerate(doc["examples"]):
        if "text" not in item or "intent" not in item:
            raise ValueError(f"{path}: example {i} needs 'text' and 'intent'")
        raw = item.get("entities")
        entities = None if raw is None else tuple(sorted(_key(e["type"], e["value"]) for e in raw))
        examples.append(TestExample(str(item["text"]), str(item["intent"]), entities))
    return TestSet(datetime.fromisoformat(str(doc["reference_time"])), tuple(examples))


@dataclass
class EvalReport:
    total: int = 0
    correct: int = 0
    entity_total: int = 0
    entity_correct: int = 0
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def entity_accuracy(self) -> float:
        return self.entity_correct / self.entity_total if self.entity_total else 1.0

    @property
    def macro_f1(self) -> float:
        scores = [m["f1"] for m in self.per_intent.values()]
        return sum(scores) / len(scores) if scores else 0.0

    def render(self) -> str:
        lines = [
            f"intent accuracy {self.accuracy:.2%} ({self.correct}/{self.total}), "
            f"macro-F1 {self.macro_f1:.3f}",
            f"entity accuracy {self.entity_accuracy:.2%} "
            f"({self.entity_correct}/{self.entity_total} examples with expected entities)",
            "",
            f"{'intent':24} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}",
        ]
        for name, m in sorted(self.per_intent.items()):
            lines.append(
                f"{name:24} {m['precision']:6.2f} {m['recall']:6.2f} {m['f1']:6.2f} "
                f"{int(m['support']):4d}"
            )
        if self.confusions:
            lines += ["", "most confused (expected -> predicted):"]
            lines += [f"  {a} -> {b}: {n}" for (a, b), n in self.confusions.most_common(10)]
        if self.failures:
            lines += ["", "failures:", *(f"  {f}" for f in self.failures)]
        return "\n".join(lines)


def evaluate(
    nlu: NLU, test_set: TestSet | Sequence[TestExample], now: datetime | None = None
) -> EvalReport:
    """Intent accuracy counts a low-confidence answer as right for out_of_scope."""
    if isinstance(test_set, TestSet):
        now, examples = test_set.reference_time, test_set.examples
    else:
        examples = tuple(test_set)
    report = EvalReport()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for ex in examples:
        result = nlu.parse(ex.text, now)
        predicted = result.intent.name
        if ex.intent == OUT_OF_SCOPE and not result.is_confident:
            predicted = OUT_OF_SCOPE  # the engine will not act on it either way
        report.total += 1
        if predicted == ex.intent:
            report.correct += 1
            tp[ex.intent] += 1
        else:
            fp[predicted] += 1
            fn[ex.intent] += 1
            report.confusions[(ex.intent, predicted)] += 1
            report.failures.append(f"intent {ex.text!r}: want {ex.intent}, got {predicted}")
        if ex.entities is not None:
            report.entity_total += 1
            got = tuple(sorted(_key(e.type, e.value) for e in result.entities))
            if got == ex.entities:
                report.entity_correct += 1
            else:
                report.failures.append(f"entities {ex.text!r}: want {ex.entities}, got {got}")
    for name in sorted({*tp, *fp, *fn}):
        p = tp[name] / (tp[name] + fp[name]) if tp[name] + fp[name] else 0.0
        r = tp[name] / (tp[name] + fn[name]) if tp[name] + fn[name] else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        report.per_intent[name] = {
            "precision": p,
            "recall": r,
            "f1": f1,
            "support": float(tp[name] + fn[name]),
        }
    return report
