from __future__ import annotations

import numpy as np
import pytest

from intents.word_vectors import (
    DIMENSIONS,
    SentenceVectors,
    distilled_table,
    glove_vocabulary,
    tokens,
)

TRAINING = ["i lost my card", "what is my balance", "send money to mom", "my card is lost"]


@pytest.fixture(scope="module")
def vectors() -> SentenceVectors:
    return SentenceVectors.fit(TRAINING, common_words=5_000)


def test_tokens_split_like_glove() -> None:
    assert tokens("i can't find it, it's gone!") == [
        "i",
        "ca",
        "n't",
        "find",
        "it",
        "it",
        "'s",
        "gone",
    ]


def test_keeps_training_words_and_common_words_only(vectors: SentenceVectors) -> None:
    glove = glove_vocabulary()
    assert "mom" in vectors.vocabulary
    assert all(glove[w] < 5_000 or w in " ".join(TRAINING).split() for w in vectors.vocabulary)
    assert len(vectors.vocabulary) < 5_100


def test_sentence_vectors_are_unit_length_or_zero(vectors: SentenceVectors) -> None:
    matrix = vectors.transform(["i lost my card", "qwxzv", ""])
    assert matrix.shape == (3, DIMENSIONS)
    assert np.linalg.norm(matrix[0]) == pytest.approx(1.0)
    assert not matrix[1].any() and not matrix[2].any()


def test_a_paraphrase_with_unseen_words_lands_near_its_meaning(vectors: SentenceVectors) -> None:
    # "misplaced" and "wallet" never occur in training, but GloVe knows them.
    lost, balance, query = vectors.transform(
        ["i lost my card", "what is my balance", "misplaced my wallet"]
    )
    assert query @ lost > query @ balance


@pytest.fixture(scope="module")
def distilled() -> SentenceVectors:
    return SentenceVectors.fit(TRAINING, common_words=5_000, source="distilled")


def test_the_shipped_distilled_table_has_the_frequent_words_in_glove_order() -> None:
    vocabulary, vectors = distilled_table()
    assert vectors.shape == (50_000, 64) and vectors.dtype == np.float32
    glove = glove_vocabulary()
    assert all(glove[w] == i for w, i in list(vocabulary.items())[:1000])
    assert np.isfinite(vectors).all()


def test_distilled_sentence_vectors_are_unit_length_or_zero(distilled: SentenceVectors) -> None:
    matrix = distilled.transform(["i lost my card", "qwxzv", ""])
    assert matrix.shape == (3, 64) and distilled.dimensions == 64
    assert np.linalg.norm(matrix[0]) == pytest.approx(1.0, abs=1e-6)
    assert not matrix[1].any() and not matrix[2].any()


def test_distilled_vectors_place_a_paraphrase_near_its_meaning(distilled: SentenceVectors) -> None:
    lost, balance, query = distilled.transform(
        ["i lost my card", "what is my balance", "misplaced my wallet"]
    )
    assert query @ lost > query @ balance
    refund, transfer, asked = distilled.transform(
        ["i want a refund", "send money to mom", "can i get reimbursed"]
    )
    assert asked @ refund > asked @ transfer
