"""From the biLM's layers to what ELMo hands out: the stack of layers, the mix, the sentence mean.

- ``stack_layers``: layer 0 (B, T, P) written twice, so that it has the size of the LSTM layers
  (as AllenNLP and TF-Hub do), on top of the L LSTM outputs (B, T, 2P): (B, 1 + L, T, 2P).
- ``mix_layers``: the paper's equation 1, ``gamma * sum_j s_j * h_j`` with ``s = softmax(w)``.
  ``w = 0`` and ``gamma = 1`` (how the TF-Hub module starts) is the plain average of the layers.
- ``masked_mean``: the mean over each sentence's real tokens (TF-Hub's ``default`` output).
- ``tfhub_outputs``: the five outputs of the ``google/elmo/3`` signatures from the stacked layers.

Tensors in, tensors out (numpy arrays are accepted): the numpy ``Elmo``, the Keras layers and the
TF-Hub export all call these.
"""
import tensorflow as tf


def stack_layers(token_embedding, lstm_outputs):
    """(B, T, P) and L tensors (B, T, 2P) -> (B, 1 + L, T, 2P)."""
    return tf.stack([tf.concat([token_embedding, token_embedding], axis=-1)] + list(lstm_outputs), axis=1)


def mix_layers(layers, scalar_weights=None, gamma=1.0):
    """Equation 1 over axis 1 of ``layers`` (B, num_layers, ...): (B, ...).

    ``scalar_weights``: the raw w_j (num_layers,), softmax-normalised here; None is an equal mix.
    """
    layers = tf.convert_to_tensor(layers, tf.float32)
    if scalar_weights is None:
        scalar_weights = tf.zeros([tf.shape(layers)[1]])
    shape = tf.concat([[1, -1], tf.ones([tf.rank(layers) - 2], tf.int32)], axis=0)
    weights = tf.reshape(tf.nn.softmax(scalar_weights), shape)
    return gamma * tf.reduce_sum(weights * layers, axis=1)


def masked_mean(values, sequence_len):
    """Mean of values (B, T, D) over each row's first sequence_len steps: (B, D); zeros for length 0."""
    values = tf.convert_to_tensor(values, tf.float32)
    mask = tf.sequence_mask(sequence_len, tf.shape(values)[1], dtype=values.dtype)[..., None]
    return tf.math.divide_no_nan(tf.reduce_sum(values * mask, axis=1), tf.reduce_sum(mask, axis=1))


def tfhub_outputs(layers, sequence_len, scalar_weights=None, gamma=1.0):
    """The dict of ``google/elmo/3`` from stacked layers (B, 1 + L, T, 2P), zero beyond each length:
    ``word_emb`` (B, T, P), ``lstm_outputs1`` ... (B, T, 2P), ``elmo`` (the mix, B, T, 2P) and
    ``default`` (B, 2P), the mean of ``elmo`` over the real tokens."""
    layers = tf.convert_to_tensor(layers, tf.float32)
    elmo = mix_layers(layers, scalar_weights, gamma)
    outputs = {"word_emb": layers[:, 0, :, : layers.shape[-1] // 2]}
    for k in range(1, layers.shape[1]):
        outputs[f"lstm_outputs{k}"] = layers[:, k]
    return {**outputs, "elmo": elmo, "default": masked_mean(elmo, sequence_len)}
