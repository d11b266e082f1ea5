"""The intent classifier: an ensemble of linear models over shared TF-IDF n-grams.

Word 1-2-grams, within-word character 2-5-grams and word pairs a few words
apart (TF-IDF, sublinear tf, each block L2-normalised as scikit-learn does) and
a scaled dense block, the utterance's IDF-weighted mean GloVe vector
(``intents/word_vectors.py``), form one feature matrix. The pairs ("card" ...
"arrived" in "my card still hasn't arrived") tie together words that bigrams
only see when they touch. A linear SVM and a multinomial logistic regression
are fitted on it; each one's scores are divided by a temperature fitted on its
cross-validated scores, and the two are summed. A sum of linear models is one
linear model, so prediction costs a single product with one folded weight
matrix however many models voted. Confidence is a softmax of that sum with one
more fitted temperature, so it behaves like a probability without the cost of
calibrated classifiers.

scikit-learn fits everything; prediction then bypasses scikit-learn's
per-call validation and does the same arithmetic with dict look-ups, a C-level
``Counter`` and a few small NumPy operations, which is what keeps a parse well
under a millisecond.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from intents.word_vectors import SentenceVectors, Source, StackedVectors

Progress = Callable[[str], None]
FloatArray = NDArray[np.float64]
# scikit-learn's default token pattern, so training and prediction agree.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WORDS_CACHED = 100_000  # words repeat; a word's n-grams never change


class WordPairs:
    """scikit-learn analyzer: ordered pairs of words 2 to ``window`` tokens apart.

    Adjacent words are the word block's bigrams already. A window, not every
    pair of the utterance, keeps the cost linear in a long message's length.
    A class rather than a closure so a fitted vectorizer pickles.
    """

    def __init__(self, window: int) -> None:
        self.window = window

    def __call__(self, text: str) -> list[str]:
        words = _TOKEN.findall(text.lower())
        window, n = self.window, len(words)
        return [
            f"{words[i]}~{words[j]}" for i in range(n) for j in range(i + 2, min(n, i + window + 1))
        ]


def _noop(_: str) -> None:
    return None


class IntentClassifier:
    """Train with :meth:`fit`; then :meth:`rank` one text at a time."""

    def __init__(
        self,
        c: float = 1.0,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        cv_folds: int = 5,
        logistic_c: float | None = 30.0,
        vector_weight: float = 1.0,
        distilled_weight: float = 1.0,
        pair_window: int = 8,
        pair_weight: float = 0.5,
    ) -> None:
        self.c = c
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.cv_folds = cv_folds
        self.logistic_c = logistic_c  # None: the SVM alone
        self.vector_weight = vector_weight  # 0: no GloVe vectors
        self.distilled_weight = distilled_weight  # 0: no distilled vectors
        self.pair_window = pair_window  # under 2: no word pairs
        self.pair_weight = pair_weight
        self.classes: tuple[str, ...] = ()
        self.temperature = 1.0
        self.model_temperatures: tuple[float, ...] = ()
        self._vectorizers: list[TfidfVectorizer] = []
        # Dense blocks after the n-grams: utterance vectors and their weights.
        self._dense: list[tuple[SentenceVectors, float]] = []
        self._weights: NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self._bias: FloatArray = np.zeros(0)

    @property
    def _pairs(self) -> bool:
        return self.pair_window >= 2 and self.pair_weight > 0

    def _new_vectorizers(self) -> list[TfidfVectorizer]:
        vectorizers = [
            TfidfVectorizer(ngram_range=self.word_ngrams, sublinear_tf=True, dtype=np.float64),
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=self.char_ngrams,
                sublinear_tf=True,
                dtype=np.float64,
            ),
        ]
        if self._pairs:
            # A pair seen once in training is noise more often than signal.
            vectorizers.append(
                TfidfVectorizer(
                    analyzer=WordPairs(self.pair_window),
                    sublinear_tf=True,
                    min_df=2,
                    dtype=np.float64,
                )
            )
        return vectorizers

    def _new_models(self) -> list[Any]:
        models: list[Any] = [LinearSVC(C=self.c)]
        if self.logistic_c is not None:
            models.append(LogisticRegression(C=self.logistic_c, max_iter=300))
        return models

    @property
    def description(self) -> str:
        """The model in one line, for benchmark tables and logs."""
        w, c = self.word_ngrams, self.char_ngrams
        models = f"LinearSVC C={self.c}"
        if self.logistic_c is not None:
            models += f" + LogisticRegression C={self.logistic_c:g}"
        # After fit, whether the data gave the pair block any columns.
        has_pairs = len(self._vectorizers) > 2 if self._vectorizers else self._pairs
        pairs = f" + {self.pair_weight:g} x word pairs 2-{self.pair_window} apart" * has_pairs
        vectors = f" + {self.vector_weight:g} x GloVe 50d mean" if self.vector_weight else ""
        if self.distilled_weight:
            vectors += f" + {self.distilled_weight:g} x distilled MiniLM 64d mean"
        return (
            f"word {w[0]}-{w[1]} + char_wb {c[0]}-{c[1]}{pairs} TF-IDF{vectors}, {models}, "
            f"softmax T={self.temperature:.3f}"
        )

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], progress: Progress | None = None
    ) -> IntentClassifier:
        say = progress or _noop
        if len(set(labels)) < 3:
            raise ValueError("the intent classifier needs at least three intents")
        say(f"vectorising {len(texts)} examples")
        self._vectorizers = self._new_vectorizers()
        blocks = self._scaled(self._fit_vectorizers(texts))
        sources: list[tuple[Source, float]] = [
            ("glove", self.vector_weight),
            ("distilled", self.distilled_weight),
        ]
        if any(weight for _, weight in sources):
            say("looking up word vectors")
        self._dense = [
            (SentenceVectors.fit(texts, source=source), weight)
            for source, weight in sources
            if weight
        ]
        blocks += self._dense_blocks(texts)
        matrix = hstack(blocks).tocsr()
        y = np.asarray(labels)
        smallest = min(Counter(labels).values())
        folds = max(2, min(self.cv_folds, smallest))
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        # One BLAS thread: on a busy machine more threads make these small
        # problems many times slower, never faster.
        with threadpool_limits(1):
            self._fit_models(matrix, y, cv, say)
        self._build_blocks()
        return self

    def _fit_models(
        self, matrix: csr_matrix, y: NDArray[np.str_], cv: StratifiedKFold, say: Progress
    ) -> None:
        classes = np.unique(y)
        gold = np.searchsorted(classes, y)
        combined = np.zeros((len(y), len(classes)))
        weights = np.zeros((matrix.shape[1], len(classes)))
        bias = np.zeros(len(classes))
        temperatures: list[float] = []
        for model in self._new_models():
            name = type(model).__name__
            say(f"{name}: {cv.n_splits}-fold cross-validated scores for its temperature")
            held_out = cross_val_predict(model, matrix, y, cv=cv, method="decision_function")
            t = _fit_temperature(held_out, gold)
            say(f"{name}: training on all {len(y)} examples")
            model.fit(matrix, y)
            combined += held_out / t
            weights += model.coef_.T / t
            bias += model.intercept_ / t
            temperatures.append(t)
        self.classes = tuple(str(c) for c in classes)
        self.model_temperatures = tuple(temperatures)
        self.temperature = _fit_temperature(combined, gold)
        say(f"trained ({len(self.classes)} intents)")
        # Single precision halves the memory each prediction gathers rows from;
        # the scores it changes only past the sixth significant digit.
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._bias = bias

    def _fit_vectorizers(self, texts: Sequence[str]) -> list[csr_matrix]:
        blocks = []
        for k, vectorizer in enumerate(self._vectorizers):
            try:
                blocks.append(vectorizer.fit_transform(texts))
            except ValueError:
                if k < 2:
                    raise
                # Too little data for any pair to recur: no pair block.
                del self._vectorizers[k:]
                break
        return blocks

    def _scaled(self, blocks: list[csr_matrix]) -> list[csr_matrix]:
        """The n-gram blocks with the pair block (the third, if any) at its weight."""
        return [b * self.pair_weight if k == 2 else b for k, b in enumerate(blocks)]

    def _dense_blocks(self, texts: Sequence[str]) -> list[csr_matrix]:
        return [csr_matrix(weight * vectors.transform(texts)) for vectors, weight in self._dense]

    def _build_blocks(self) -> None:
        word, char, *pairs = self._vectorizers
        n_word = len(word.vocabulary_)
        self._word_vocab = {str(k): int(v) for k, v in word.vocabulary_.items()}
        # Character n-gram and pair ids are stored already shifted past the
        # blocks before them.
        self._char_vocab = {str(k): int(v) + n_word for k, v in char.vocabulary_.items()}
        n_grams = n_word + len(char.vocabulary_)
        idf = [word.idf_, char.idf_]
        # Pairs by their first word, then their second: prediction looks up
        # the words it has instead of building every pair's string.
        self._pair_next: dict[str, dict[str, int]] = {}
        if pairs:
            for pair, column in pairs[0].vocabulary_.items():
                first, second = str(pair).split("~")
                self._pair_next.setdefault(first, {})[second] = int(column) + n_grams
            idf.append(pairs[0].idf_)
            n_grams += len(pairs[0].vocabulary_)
        self._idf = np.concatenate(idf).astype(np.float64)
        # The dense blocks' columns follow the n-gram blocks.
        self._dense_ids = np.arange(n_grams, self._weights.shape[0], dtype=np.intp)
        self._stacked = StackedVectors(self._dense) if self._dense else None
        self._dense_weights = np.ascontiguousarray(self._weights[n_grams:], dtype=np.float32)
        self._word_cache: dict[str, tuple[int, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for derived in (
            "_word_vocab",
            "_char_vocab",
            "_pair_next",
            "_idf",
            "_dense_ids",
            "_stacked",
            "_dense_weights",
            "_word_cache",
        ):
            state.pop(derived, None)  # rebuilt from the vectorizers on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build_blocks()

    def _char_grams(self, word: str) -> tuple[int, ...]:
        """Feature ids of a word's char_wb n-grams, exactly as scikit-learn makes them."""
        padded = f" {word} "
        grams: list[str] = []
        low, high = self.char_ngrams
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        vocab = self._char_vocab
        ids = tuple(i for g in grams if (i := vocab.get(g)) is not None)
        if len(self._word_cache) < _WORDS_CACHED:
            self._word_cache[word] = ids
        return ids

    def _word_grams(self, tokens: list[str]) -> list[int]:
        vocab = self._word_vocab
        low, high = self.word_ngrams
        ids: list[int] = []
        for n in range(low, high + 1):
            grams = (
                tokens
                if n == 1
                else [" ".join(tokens[k : k + n]) for k in range(len(tokens) - n + 1)]
            )
            ids.extend(i for g in grams if (i := vocab.get(g)) is not None)
        return ids

    def features(self, text: str) -> tuple[NDArray[np.intp], FloatArray]:
        """Column ids and values of the feature row, same as :meth:`transform`'s."""
        lowered = text.lower()
        ids, values = self._ngram_features(lowered)
        if self._stacked is None:
            return ids, values
        dense = self._stacked.transform_one(lowered)
        return np.concatenate([ids, self._dense_ids]), np.concatenate([values, dense])

    def _ngram_features(self, lowered: str) -> tuple[NDArray[np.intp], FloatArray]:
        cache = self._word_cache
        tokens = _TOKEN.findall(lowered)
        counts = Counter(self._word_grams(tokens))
        n_word = len(counts)
        counts.update(
            chain.from_iterable(cache.get(w) or self._char_grams(w) for w in lowered.split())
        )
        n_grams = len(counts)
        if self._pair_next:
            counts.update(self._pair_ids(tokens))
        ids = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        values = (np.log(tf) + 1.0) * self._idf[ids]
        # Counter keeps insertion order and the blocks' ids never collide: the
        # word block comes first, then the characters', then the pairs'.
        for block in (values[:n_word], values[n_word:n_grams], values[n_grams:]):
            norm = math.sqrt(float(block @ block))
            if norm:
                block /= norm
        values[n_grams:] *= self.pair_weight
        return ids, values

    def _pair_ids(self, tokens: list[str]) -> list[int]:
        """Feature ids of the known pairs, as :class:`WordPairs` would find them."""
        pair_next, reach = self._pair_next, self.pair_window + 1
        ids: list[int] = []
        for i, first in enumerate(tokens):
            seconds = pair_next.get(first)
            if seconds is not None:
                ids.extend(
                    k for w in tokens[i + 2 : i + reach] if (k := seconds.get(w)) is not None
                )
        return ids

    def scores(self, text: str) -> FloatArray:
        """Summed, temperature-scaled model scores per class (before the final softmax)."""
        lowered = text.lower()
        ids, values = self._ngram_features(lowered)
        product = values.astype(np.float32) @ self._weights[ids]
        if self._stacked is not None:
            # The dense blocks are always present: one small product with
            # their rows instead of a gather.
            product += self._stacked.transform_one(lowered) @ self._dense_weights
        result: FloatArray = product + self._bias
        return result

    def probabilities(self, text: str) -> FloatArray:
        return _softmax(self.scores(text) / self.temperature)

    def rank(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` intents with confidences, best first."""
        z = self.scores(text) / self.temperature
        e = np.exp(z - z.max())
        probs = e / e.sum()
        order = np.argsort(-probs)[:top].tolist()
        return [(self.classes[i], float(probs[i])) for i in order]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.classes[int(np.argmax(self.scores(t)))] for t in texts]

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """The scikit-learn feature matrix, for checking :meth:`features` against it."""
        blocks = self._scaled([v.transform(texts) for v in self._vectorizers])
        return hstack(blocks + self._dense_blocks(texts)).tocsr()


def _softmax(z: FloatArray) -> FloatArray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    out: FloatArray = e / e.sum(axis=-1, keepdims=True)
    return out


def _fit_temperature(scores: FloatArray, gold: NDArray[np.intp]) -> float:
    """The temperature minimising held-out negative log-likelihood (grid search)."""
    best, best_nll = 1.0, math.inf
    rows = np.arange(len(gold))
    for t in np.geomspace(0.01, 10.0, 90):
        probs = _softmax(scores / t)
        nll = float(-np.log(probs[rows, gold] + 1e-12).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best
