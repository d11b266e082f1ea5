from __future__ import annotations

import numpy as np
import pytest

from intents import NLU, IntentClassifier


@pytest.mark.parametrize(
    "text",
    [
        "send 5k to mom",
        "what's my balance?? balance",
        "",
        "   ",
        "naïve café ₹5 transfer",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "ok",
    ],
)
def test_fast_features_equal_the_scikit_learn_transform(nlu: NLU, text: str) -> None:
    classifier = nlu.classifier
    ids, values = classifier.features(text.lower())
    row = np.zeros(classifier.transform([text.lower()]).shape[1])
    row[ids] = values
    assert np.allclose(row, classifier.transform([text.lower()]).toarray()[0], atol=1e-12)


def test_confidences_are_a_ranked_probability(nlu: NLU) -> None:
    ranking = nlu.classifier.rank("how much money is in my savings account", top=35)
    confidences = [c for _, c in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)


def test_refuses_fewer_than_three_intents() -> None:
    with pytest.raises(ValueError, match="at least three intents"):
        IntentClassifier().fit(["hi", "bye"], ["greeting", "goodbye"])
