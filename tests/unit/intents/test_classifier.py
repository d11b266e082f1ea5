from __future__ import annotations

import pickle

import numpy as np
import pytest

from intents import NLU, IntentClassifier
from intents.classifier import WordPairs


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
        "my card still hasn't arrived and i want to know where my card is, send it to me",
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


def test_word_pairs_join_words_two_to_window_apart_in_order() -> None:
    pairs = WordPairs(3)("My card hasn't arrived")
    # "hasn't" is the tokens "hasn" (the "t" is one letter): my card hasn arrived
    assert pairs == ["my~hasn", "my~arrived", "card~arrived"]


def test_word_pairs_grow_linearly_with_a_long_message() -> None:
    assert len(WordPairs(8)(" ".join(["word"] * 1000))) == 7 * 1000 - 35


def test_a_pickled_model_keeps_its_word_pairs(nlu: NLU) -> None:
    classifier = pickle.loads(pickle.dumps(nlu.classifier))
    text = "i want to send money to my mother"
    assert classifier.rank(text) == nlu.classifier.rank(text)
    assert "word pairs" in classifier.description


_TEXTS = ["check my balance", "check the balance", "send my money to mom", "send the money now"]
_TEXTS += ["hello there", "hi there friend"]
_LABELS = ["balance", "balance", "transfer", "transfer", "greeting", "greeting"]


def test_pairs_that_recur_in_training_become_columns_after_the_n_grams() -> None:
    with_pairs = IntentClassifier(vector_weight=0, distilled_weight=0, cv_folds=2).fit(
        _TEXTS, _LABELS
    )
    without = IntentClassifier(vector_weight=0, distilled_weight=0, pair_weight=0, cv_folds=2).fit(
        _TEXTS, _LABELS
    )
    recurring = {"check~balance", "send~money"}
    assert all(sum(p in WordPairs(8)(t) for t in _TEXTS) >= 2 for p in recurring)
    assert with_pairs.transform(_TEXTS).shape[1] == without.transform(_TEXTS).shape[1] + 2
    ids, values = with_pairs.features("check the balance please")
    row = with_pairs.transform(["check the balance please"]).toarray()[0]
    assert row[-1] == 0 and row[-2] == pytest.approx(0.5)  # the pair block at its weight
    assert np.allclose(row[ids], values)


def test_training_data_where_no_pair_recurs_trains_without_the_pair_block() -> None:
    texts = ["check my balance", "what is my balance", "send money to mom", "pay mom now"]
    texts += ["hello there", "hi there friend"]
    model = IntentClassifier(vector_weight=0, distilled_weight=0, cv_folds=2).fit(texts, _LABELS)
    assert "word pairs" not in model.description
    assert model.predict(["check balance"]) == ["balance"]
