"""Fixed-size features from ELMo: one vector per sentence or document.

Lessons 03 and 08 and the model card all need "a vector per text". The ELMo way (and what
TF-Hub's ``default`` output does) is to average a token-level layer over the real tokens.
"""
import numpy as np


def layer_mix(layers, which="mean"):
    """Reduce (3, T, D) ELMo layers to (T, D): ``which`` is a layer number 0/1/2, ``"mean"`` (equal
    weights, what TF-Hub's ``elmo`` output starts as) or a sequence of 3 weights."""
    if isinstance(which, str):
        if which != "mean":
            raise ValueError(f"which must be 0, 1, 2, 'mean' or 3 weights, got {which!r}")
        return layers.mean(axis=0)
    if isinstance(which, (int, np.integer)):
        if not 0 <= which < layers.shape[0]:
            raise ValueError(f"layer {which} does not exist: this model has layers 0..{layers.shape[0] - 1}")
        return layers[which]
    weights = np.asarray(which, dtype=np.float32)
    if weights.shape != (layers.shape[0],):
        raise ValueError(f"expected {layers.shape[0]} layer weights, got {weights.shape}")
    return np.tensordot(weights, layers, axes=1)


def pooled_vectors(elmo, sentences, which="mean", batch_size=64, progress=None):
    """(n, D) float32: the mean over tokens of the chosen layer (see ``layer_mix``) per sentence."""
    sentences = list(sentences)
    vectors = np.zeros((len(sentences), elmo.output_dim), dtype=np.float32)
    for i, layers in enumerate(elmo.embed_sentences(sentences, batch_size=batch_size, progress=progress)):
        vectors[i] = layer_mix(layers, which).mean(axis=0)
    return vectors


def cosine_similarity(queries, corpus):
    """(q, D) x (n, D) -> (q, n) cosine similarities (zero vectors give 0)."""
    def unit(x):
        x = np.atleast_2d(np.asarray(x, dtype=np.float32))
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.where(norms == 0, 1.0, norms)

    return unit(queries) @ unit(corpus).T
