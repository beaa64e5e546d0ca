"""How alike two answers are in meaning, for the suggestions of `postmortem groups`
(docs/grouping.md): static word embeddings (WordLlama), whose weights ship inside the optional
`wordllama` package (`pip install 'postmortem[semantic]'`). They are loaded from the installed
package and never fetched; nothing is sent anywhere. Without the package, suggestions are lexical.

Meaning only ranks suggestions: measured on labelled corpora, it puts a true partner among the
first three far more often than shared words and letters do, but it is not sure enough to join
answers by itself, so grouping stays lexical."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any


@cache
def _model() -> Any:
    """The embedding model shipped in the installed wordllama package; None when it is not installed."""
    try:
        import wordllama
    except ImportError:
        return None
    # The package holds its default model's weights and tokenizer in folders laid out as its cache:
    # named as the cache, they are read from there, and with downloads disabled nothing is fetched.
    return wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)


def available() -> bool:
    return _model() is not None


def similarities(texts: Sequence[str]) -> Callable[[int, Sequence[int]], list[float]] | None:
    """For text i and some of the texts (all: range(len(texts))), how alike in meaning text i is
    to each of them (cosine of their embeddings, 0 to 1); None without the model."""
    model = _model()
    if model is None or not texts:
        return None
    import numpy as np

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # each batch pads its texts to the longest: keep like with like
    vectors = np.empty((len(texts), model.embedding.shape[1]), dtype=np.float32)
    vectors[order] = model.embed([texts[i] for i in order], batch_size=16)  # a batch of long answers is 16 x 4,000 tokens at most
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)  # a text of no token: alike to none

    def alike(i: int, others: Sequence[int]) -> list[float]:
        return np.clip(vectors[list(others)] @ vectors[i], 0.0, 1.0).tolist()

    return alike
