"""Word senses in contextual vectors: the course's sense-labelled sentences and a sense probe.

``resources/senses.tsv`` holds sentences written for this course: ambiguous words (bank, plant,
work, ...), each with two senses (``bank/finance``, ``bank/river``) and at least 12 sentences
per sense. The target word appears exactly once per sentence, always lower-case and in the same
form, so that a context-free layer gives it the same vector in every sentence.

The probe asks, per biLM layer, whether the target word's vectors cluster by sense: for each
sentence, is the word's vector nearer (by cosine) to the centroid of its own sense than to the
centroid of the other sense, with both centroids built from the *other* sentences of that word
(leave-one-out nearest centroid)? A context-free layer scores exactly 0.5 (chance); a layer
that separates the senses scores near 1.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .text import tokenize

SENSES_FILE = Path(__file__).resolve().parent / "resources" / "senses.tsv"

# Similarities closer than this count as a tie: float rounding in batched matrix products can
# move a context-free vector by ~1e-7, which must not decide a prediction.
TIE_TOLERANCE = 1e-6


def load_sense_sentences(words: str | Iterable[str] | None = None) -> pd.DataFrame:
    """The sense-labelled sentences, one row per sentence.

    Args:
        words: a word or a list of words to keep (``"bank"``, ``["bank", "plant"]``); all
            words when None.

    Returns:
        DataFrame with columns ``word``, ``sense`` (e.g. ``"bank/river"``), ``sentence`` (str),
        ``tokens`` (list of str, from ``text.tokenize``) and ``index`` (position of the target
        word in ``tokens``), in file order.
    """
    table = pd.read_csv(SENSES_FILE, sep="\t", quoting=csv.QUOTE_NONE, keep_default_na=False,
                        dtype=str)
    if words is not None:
        wanted = [words] if isinstance(words, str) else list(words)
        unknown = sorted(set(wanted) - set(table["word"]))
        if unknown:
            raise ValueError(
                f"no sense sentences for {unknown}; available words: "
                f"{sorted(table['word'].unique())}"
            )
        table = table[table["word"].isin(wanted)]
    table = table.reset_index(drop=True)
    table["tokens"] = table["sentence"].map(tokenize)
    table["index"] = [_target_index(word, tokens)
                      for word, tokens in zip(table["word"], table["tokens"])]
    return table


def _target_index(word: str, tokens: list[str]) -> int:
    positions = [i for i, token in enumerate(tokens) if token == word]
    if len(positions) != 1:
        raise ValueError(
            f"{word!r} must appear exactly once as a token, found {len(positions)} times in "
            f"{tokens}"
        )
    return positions[0]


def sense_vectors(embedder, frame: pd.DataFrame | None = None,
                  layers: Sequence[int] = (0, 1, 2)) -> dict[int, np.ndarray]:
    """The target word's vector in every sentence of ``frame``, per layer.

    Args:
        embedder: any object with ``embed_sentences(list_of_token_lists)`` returning, in input
            order, arrays of shape ``(num_layers, num_tokens, dim)`` (ELMo: 3 layers, layer 0
            the context-free character CNN, 1 and 2 the biLSTM layers).
        frame: rows from ``load_sense_sentences``; all of them when None.
        layers: which layers to keep.

    Returns:
        dict layer -> float array ``(len(frame), dim)``, row i from sentence i of ``frame``.
    """
    frame = load_sense_sentences() if frame is None else frame
    token_lists = [list(tokens) for tokens in frame["tokens"]]
    rows: dict[int, list[np.ndarray]] = {layer: [] for layer in layers}
    count = 0
    for tokens, target, vectors in zip(token_lists, frame["index"],
                                       embedder.embed_sentences(token_lists)):
        vectors = np.asarray(vectors)
        if vectors.ndim != 3 or vectors.shape[1] != len(tokens):
            raise ValueError(
                f"embed_sentences returned shape {vectors.shape} for a sentence of "
                f"{len(tokens)} tokens; expected (num_layers, {len(tokens)}, dim)"
            )
        for layer in layers:
            if not -vectors.shape[0] <= layer < vectors.shape[0]:
                raise ValueError(
                    f"layer {layer} does not exist: the embedder returned "
                    f"{vectors.shape[0]} layers"
                )
            rows[layer].append(vectors[layer, target])
        count += 1
    if count != len(token_lists):
        raise ValueError(
            f"embed_sentences returned {count} arrays for {len(token_lists)} sentences"
        )
    return {layer: np.stack(rows[layer]) if rows[layer] else np.zeros((0, 0))
            for layer in layers}


def nearest_centroid_scores(vectors: np.ndarray, senses: Sequence[str],
                            tie_tolerance: float = TIE_TOLERANCE) -> np.ndarray:
    """Leave-one-out nearest-centroid score of each vector of one word with two senses.

    For sentence i, the centroid (mean vector) of its own sense is taken over the other
    sentences of that sense, the centroid of the other sense over all of its sentences. The
    score is 1 when i is nearer (cosine) to its own centroid, 0 when nearer to the other one,
    and 0.5 when the two similarities differ by at most ``tie_tolerance``, so that a layer that
    cannot tell the senses apart (identical vectors) scores exactly chance.

    Args:
        vectors: ``(n, dim)``, one row per sentence.
        senses: n sense labels, exactly two distinct ones, each at least twice.

    Returns:
        float array ``(n,)`` of scores in {0, 0.5, 1}.
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    senses = np.asarray(senses)
    names, members = np.unique(senses, return_inverse=True)
    if len(names) != 2 or vectors.shape[0] != len(senses):
        raise ValueError(
            f"expected one vector per sentence and exactly two senses; got "
            f"{vectors.shape[0]} vectors, {len(senses)} labels and senses {list(names)}"
        )
    counts = np.bincount(members, minlength=2)
    if counts.min() < 2:
        raise ValueError(f"each sense needs at least 2 sentences, got {dict(zip(names, counts))}")
    sums = np.stack([vectors[members == k].sum(axis=0) for k in (0, 1)])
    own = (sums[members] - vectors) / (counts[members] - 1)[:, None]
    other = sums[1 - members] / counts[1 - members][:, None]
    similarity_own = _cosine(vectors, own)
    similarity_other = _cosine(vectors, other)
    scores = (similarity_own > similarity_other).astype(np.float64)
    scores[np.abs(similarity_own - similarity_other) <= tie_tolerance] = 0.5
    return scores


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity; 0 where a row is all zeros."""
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = np.einsum("ij,ij->i", a, b)
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


def sense_accuracy(embedder, frame: pd.DataFrame | None = None,
                   layers: Sequence[int] = (0, 1, 2)) -> pd.DataFrame:
    """Leave-one-out nearest-centroid sense accuracy per word and layer.

    Args:
        embedder: as in ``sense_vectors``.
        frame: rows from ``load_sense_sentences``; all of them when None.
        layers: which layers to probe.

    Returns:
        DataFrame indexed by word (in order of first appearance) plus a final row ``"all"``
        (the mean over all sentences, i.e. the micro average), one column per layer (column
        index named ``"layer"``). 0.5 is chance; see ``nearest_centroid_scores`` for ties.
    """
    frame = load_sense_sentences() if frame is None else frame.reset_index(drop=True)
    vectors = sense_vectors(embedder, frame, layers)
    words = list(dict.fromkeys(frame["word"]))
    scores = {layer: np.empty(len(frame)) for layer in layers}
    for word in words:
        rows = np.flatnonzero(frame["word"].to_numpy() == word)
        for layer in layers:
            scores[layer][rows] = nearest_centroid_scores(vectors[layer][rows],
                                                          frame["sense"].to_numpy()[rows])
    table = pd.DataFrame(scores, index=frame["word"].to_numpy())
    result = table.groupby(level=0, sort=False).mean().reindex(words)
    result.loc["all"] = table.mean()
    result.index.name = "word"
    result.columns = pd.Index(list(layers), name="layer")
    return result
