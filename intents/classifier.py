"""The intent classifier: TF-IDF word and character n-grams + a linear SVM.

scikit-learn fits it; prediction then bypasses scikit-learn's per-call
validation and does the same arithmetic with dict look-ups and one small
NumPy product, which is what keeps a parse well under a millisecond.
Confidence is a softmax of the SVM scores with a temperature fitted on
cross-validated scores, so it behaves like a probability without the cost of
calibrated classifiers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

Progress = Callable[[str], None]
FloatArray = NDArray[np.float64]


def _noop(_: str) -> None:
    return None


class IntentClassifier:
    """Train with :meth:`fit`; then :meth:`rank` one text at a time."""

    def __init__(
        self,
        c: float = 0.5,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        cv_folds: int = 5,
    ) -> None:
        self.c = c
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.cv_folds = cv_folds
        self.classes: tuple[str, ...] = ()
        self.temperature = 1.0
        self._vectorizers: list[TfidfVectorizer] = []
        self._weights: FloatArray = np.zeros((0, 0))
        self._bias: FloatArray = np.zeros(0)
        self._blocks: list[tuple[Callable[[str], list[str]], dict[str, int], FloatArray, int]] = []

    def _new_vectorizers(self) -> list[TfidfVectorizer]:
        return [
            TfidfVectorizer(ngram_range=self.word_ngrams, sublinear_tf=True, dtype=np.float64),
            TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=self.char_ngrams,
                sublinear_tf=True,
                dtype=np.float64,
            ),
        ]

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], progress: Progress | None = None
    ) -> IntentClassifier:
        say = progress or _noop
        if len(set(labels)) < 3:
            raise ValueError("the intent classifier needs at least three intents")
        say(f"vectorising {len(texts)} examples")
        self._vectorizers = self._new_vectorizers()
        matrix = hstack([v.fit_transform(texts) for v in self._vectorizers]).tocsr()
        y = np.asarray(labels)
        smallest = min(Counter(labels).values())
        folds = max(2, min(self.cv_folds, smallest))
        say(f"fitting confidence temperature with {folds}-fold cross-validation")
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        held_out = cross_val_predict(
            LinearSVC(C=self.c), matrix, y, cv=cv, method="decision_function"
        )
        svm = LinearSVC(C=self.c).fit(matrix, y)
        self.classes = tuple(str(c) for c in svm.classes_)
        self.temperature = _fit_temperature(held_out, np.searchsorted(svm.classes_, y))
        say(f"training the final model ({len(self.classes)} intents)")
        self._weights = np.ascontiguousarray(svm.coef_.T, dtype=np.float64)
        self._bias = np.asarray(svm.intercept_, dtype=np.float64)
        self._build_blocks()
        return self

    def _build_blocks(self) -> None:
        offset = 0
        self._blocks = []
        for vec in self._vectorizers:
            vocab = {str(k): int(v) for k, v in vec.vocabulary_.items()}
            self._blocks.append((vec.build_analyzer(), vocab, vec.idf_, offset))
            offset += len(vocab)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_blocks"] = []  # analyzers are rebuilt on load, not pickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build_blocks()

    def scores(self, text: str) -> FloatArray:
        """Raw SVM scores per class, same as ``LinearSVC.decision_function``."""
        indices: list[int] = []
        values: list[float] = []
        for analyzer, vocab, idf, offset in self._blocks:
            counts = Counter(i for g in analyzer(text) if (i := vocab.get(g)) is not None)
            if not counts:
                continue
            block = [(1.0 + math.log(n)) * idf[i] for i, n in counts.items()]
            norm = math.sqrt(sum(v * v for v in block))
            indices.extend(i + offset for i in counts)
            values.extend(v / norm for v in block)
        if not indices:
            return self._bias.copy()
        result: FloatArray = np.asarray(values) @ self._weights[indices] + self._bias
        return result

    def probabilities(self, text: str) -> FloatArray:
        return _softmax(self.scores(text) / self.temperature)

    def rank(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The ``top`` intents with confidences, best first."""
        probs = self.probabilities(text)
        order = np.argsort(-probs)[:top]
        return [(self.classes[i], float(probs[i])) for i in order]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.classes[int(np.argmax(self.scores(t)))] for t in texts]


def _softmax(z: FloatArray) -> FloatArray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    out: FloatArray = e / e.sum(axis=-1, keepdims=True)
    return out


def _fit_temperature(scores: FloatArray, gold: NDArray[np.intp]) -> float:
    """The temperature minimising held-out negative log-likelihood (grid search)."""
    best, best_nll = 1.0, math.inf
    rows = np.arange(len(gold))
    for t in np.geomspace(0.01, 5.0, 80):
        probs = _softmax(scores / t)
        nll = float(-np.log(probs[rows, gold] + 1e-12).mean())
        if nll < best_nll:
            best, best_nll = float(t), nll
    return best
