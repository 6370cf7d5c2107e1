"""Teach the character CNN what GloVe learnt from 6B tokens, before the biLM is trained.

A biLM trained on ~10M tokens sees most words a handful of times, so its context-free layer 0
knows little about them; GloVe's vectors were fit to 6 billion tokens. This step trains the
character CNN, highway and projection (layer 0 of ELMo, nothing else) so that a linear map of
each word's layer-0 vector predicts that word's GloVe vector. The linear map is thrown away:
the model keeps the ELMo architecture and file format, and any word (a misspelling, a word GloVe
lacks) still gets a vector from its characters.

The words: the training corpus's token types (case kept, as the model sees them; the target is
the GloVe vector of the lower-cased word), drawn in proportion to a power of their corpus count,
and, for a share of the batches' mass, the 100,000 most frequent GloVe words, drawn uniformly.
Two weightings are used (``WEIGHTINGS``):

- ``corpus-sqrt`` (the first run): the square root of the count in the whole training text, half
  the mass on GloVe's top words, so that rare words are fit too;
- ``review-counts``: the plain count in the course-train reviews, nothing else. A review's
  mean-pooled vector weighs each word by how often it occurs, so this fits the words the way the
  sentiment probe uses them.

The linear head starts at the weighted least-squares fit of the current layer 0 (so a model that
was distilled before goes on from where it was, instead of first chasing a random head). The loss
is the squared error.
"""
import time

import numpy as np
import tensorflow as tf

from ..engine.char_cnn import is_layer0_weight
from ..engine.char_ids import token_to_ids
from ..progress import progress_bar


WEIGHTINGS = {"corpus-sqrt": {"power": 0.5, "glove_share": 0.5},
              "review-counts": {"power": 1.0, "glove_share": 0.0}}


def distillation_words(counts, glove, glove_top=100_000, power=0.5, glove_share=0.5):
    """(words, targets, weights): the words to fit, their GloVe vectors and sampling weights.

    ``counts`` maps a corpus token to its count; only tokens GloVe knows (lower-cased) are kept.
    The corpus tokens get ``1 - glove_share`` of the sampling mass, in proportion to
    ``count ** power``; GloVe's ``glove_top`` most frequent words not among them share the rest.
    """
    corpus = [(w, c) for w, c in counts.items() if w.lower() in glove.index and len(w) <= 48]
    corpus_words = [w for w, _ in corpus]
    corpus_weights = np.array([c for _, c in corpus], dtype=np.float64) ** power
    seen = set(corpus_words)
    extra = [w for w in glove.words[:glove_top] if w not in seen and len(w) <= 48] if glove_share else []
    words = corpus_words + extra
    weights = np.concatenate([(1 - glove_share) * corpus_weights / corpus_weights.sum(),
                              np.full(len(extra), glove_share / max(len(extra), 1))])
    targets = np.stack([glove.vectors[glove.index[w.lower()]] for w in words])
    return words, targets, weights / weights.sum()


def least_squares_head(vectors, targets, weights):
    """(W, b): the linear map from layer-0 ``vectors`` to ``targets`` with the least
    ``weights``-weighted squared error."""
    root = np.sqrt(weights)[:, None]
    inputs = np.hstack([vectors, np.ones((len(vectors), 1), vectors.dtype)])
    solution = np.linalg.lstsq(inputs * root, targets * root, rcond=None)[0].astype(np.float32)
    return solution[:-1], solution[-1]


def distill(bilm, words, targets, weights, steps=3000, batch_size=512, learning_rate=2e-3,
            seed=0, progress=True, log=None):
    """Fit ``bilm``'s layer 0 (through a throw-away linear head) to ``targets``; returns the
    final mean cosine similarity between the head's predictions and the targets on a sample."""
    rng = np.random.default_rng(seed)
    char_ids = np.array([token_to_ids(w) for w in words], dtype=np.int32)
    start_w, start_b = least_squares_head(bilm.token_embedding_numpy(char_ids), targets, weights)
    targets = tf.constant(targets, tf.float32)
    head_w, head_b = tf.Variable(start_w, name="distill/W"), tf.Variable(start_b, name="distill/b")
    cnn_variables = [v for name, v in bilm.weights.items() if is_layer0_weight(name)]
    variables = cnn_variables + [head_w, head_b]
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function(input_signature=[tf.TensorSpec([None, char_ids.shape[1]], tf.int32),
                                  tf.TensorSpec([None], tf.int32)])
    def step(ids, rows):
        with tf.GradientTape() as tape:
            predicted = bilm.token_embedding(ids) @ head_w + head_b
            loss = tf.reduce_mean(tf.reduce_sum(tf.square(predicted - tf.gather(targets, rows)), -1))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    started, recent = time.time(), []
    bar = progress_bar(range(steps), desc="distil layer 0", disable=not progress)
    for n in bar:
        rows = rng.choice(len(words), size=batch_size, p=weights).astype(np.int32)
        recent.append(float(step(char_ids[rows], rows)))
        if (n + 1) % 100 == 0:
            bar.set_postfix(loss=f"{np.mean(recent[-100:]):.3f}")
            if log:
                log({"distill_step": n + 1, "loss": float(np.mean(recent[-100:])),
                     "seconds": time.time() - started})
    sample = rng.choice(len(words), size=min(4096, len(words)), p=weights, replace=False)
    predicted = bilm.token_embedding(char_ids[sample]) @ head_w + head_b
    wanted = tf.gather(targets, sample)
    cosine = tf.reduce_sum(tf.math.l2_normalize(predicted, -1) * tf.math.l2_normalize(wanted, -1), -1)
    return float(tf.reduce_mean(cosine))
