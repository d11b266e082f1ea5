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
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import hstack  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

Progress = Callable[[str], None]
FloatArray = NDArray[np.float64]
# scikit-learn's default token pattern, so training and prediction agree.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


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
        word, char = self._vectorizers
        self._word_vocab = {str(k): int(v) for k, v in word.vocabulary_.items()}
        self._word_idf = np.asarray(word.idf_, dtype=np.float64)
        self._char_vocab = {str(k): int(v) for k, v in char.vocabulary_.items()}
        self._char_idf = np.asarray(char.idf_, dtype=np.float64)
        self._char_offset = len(self._word_vocab)
        self._word_cache: dict[str, tuple[int, ...]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for derived in ("_word_vocab", "_word_idf", "_char_vocab", "_char_idf", "_word_cache"):
            state.pop(derived, None)  # rebuilt from the vectorizers on load
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build_blocks()

    def _char_grams(self, word: str) -> tuple[int, ...]:
        """Vocabulary ids of a word's char_wb n-grams, exactly as scikit-learn makes them."""
        cached = self._word_cache.get(word)
        if cached is not None:
            return cached
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
        if len(self._word_cache) < 100_000:  # words repeat; n-grams per word never change
            self._word_cache[word] = ids
        return ids

    def _block(
        self, counts: dict[int, int], idf: FloatArray, offset: int
    ) -> list[tuple[int, float]]:
        weights = [(i, (1.0 + math.log(n)) * float(idf[i])) for i, n in counts.items()]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        return [(i + offset, w / norm) for i, w in weights]

    def scores(self, text: str) -> FloatArray:
        """Raw SVM scores per class, same as ``LinearSVC.decision_function``."""
        lowered = text.lower()
        tokens = _TOKEN.findall(lowered)
        word_counts: dict[int, int] = {}
        vocab = self._word_vocab
        low, high = self.word_ngrams
        for n in range(low, high + 1):
            for k in range(len(tokens) - n + 1):
                i = vocab.get(tokens[k] if n == 1 else " ".join(tokens[k : k + n]))
                if i is not None:
                    word_counts[i] = word_counts.get(i, 0) + 1
        char_counts: dict[int, int] = {}
        for word in lowered.split():
            for i in self._char_grams(word):
                char_counts[i] = char_counts.get(i, 0) + 1
        pairs = self._block(word_counts, self._word_idf, 0)
        pairs += self._block(char_counts, self._char_idf, self._char_offset)
        if not pairs:
            return self._bias.copy()
        indices = [i for i, _ in pairs]
        values = np.fromiter((v for _, v in pairs), dtype=np.float64, count=len(pairs))
        result: FloatArray = values @ self._weights[indices] + self._bias
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
