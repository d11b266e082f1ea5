from __future__ import annotations

from pathlib import Path

from intents import NLU
from intents.evaluation import evaluate, load_test_set

TEST_SET = Path(__file__).parents[2] / "data" / "nlu_test.yaml"


def test_held_out_set_meets_the_quality_gates(nlu: NLU) -> None:
    test_set = load_test_set(TEST_SET)
    intents = {ex.intent for ex in test_set.examples}
    assert all(sum(ex.intent == i for ex in test_set.examples) >= 8 for i in intents)
    report = evaluate(nlu, test_set)
    assert report.accuracy >= 0.95, report.render()
    assert report.entity_accuracy >= 0.95, report.render()
