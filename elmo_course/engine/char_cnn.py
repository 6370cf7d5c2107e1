"""Layer 0 of ELMo: the character CNN, highway layers and projection (Kim et al. 2016).

Each token's 50 character ids are embedded (``char_embed``), convolved with filters of several
widths, max-pooled over the characters and passed through the activation. Highway layers mix the
filter outputs, ``g * relu(x W_t + b_t) + (1 - g) * x`` with the carry gate
``g = sigmoid(x W_c + b_c)``, and a linear projection brings them to ``projection_dim`` (P).
The result is a context-free vector per token: the same token always gets the same vector.

``token_vectors(weights, options, char_ids)`` computes it from the weight dict of a ``BiLM``
(hdf5 names, see ``weight_files``); ``LAYER0_PREFIXES`` names those weights, for code that trains
or freezes layer 0 alone.
"""
import tensorflow as tf

from .char_ids import MAX_CHARS

LAYER0_PREFIXES = ("char_embed", "CNN")  # char_embed, CNN/..., CNN_high_k/..., CNN_proj/...
ACTIVATION_FUNCTIONS = {"relu": tf.nn.relu, "tanh": tf.nn.tanh}


def is_layer0_weight(name):
    """True for the weights of the character CNN, highway and projection (hdf5 name)."""
    return name.startswith(LAYER0_PREFIXES)


def token_vectors(weights, options, char_ids):
    """(..., 50) int32 character ids -> (..., P) token vectors (zeros where the ids are all 0).

    ``weights``: the biLM's dict of hdf5 name -> tensor; ``options``: its ``ElmoOptions``.
    """
    leading_shape = tf.shape(char_ids)[:-1]
    flat_ids = tf.reshape(char_ids, [-1, MAX_CHARS])
    # This layer is context-free, and a batch repeats tokens (<S>, </S>, padding, "the", ","):
    # embed each distinct token once, then give every position its token's vector. On review
    # sentences in batches of 64 this embeds about a third of the positions.
    unique_ids, position_to_unique = tf.raw_ops.UniqueV2(x=flat_ids, axis=tf.constant([0], tf.int64))
    # id 0 (no token) has no row in the table: shift down and zero it afterwards
    chars = tf.gather(weights["char_embed"], tf.maximum(unique_ids - 1, 0))
    chars = chars * tf.cast(unique_ids > 0, chars.dtype)[:, :, None]
    activation = ACTIVATION_FUNCTIONS[options.activation]
    pooled = []
    for i, _ in enumerate(options.filters):
        kernel = weights[f"CNN/W_cnn_{i}"][0]  # (width, char_dim, n_filters)
        conv = tf.nn.conv1d(chars, kernel, stride=1, padding="VALID")
        # max(conv + b) = max(conv) + b: add the bias after pooling, on far fewer values
        pooled.append(activation(tf.reduce_max(conv, axis=1) + weights[f"CNN/b_cnn_{i}"]))
    tokens = tf.concat(pooled, axis=-1)
    for k in range(options.n_highway):
        w = lambda part: weights[f"CNN_high_{k}/{part}"]  # noqa: E731
        carry = tf.sigmoid(tokens @ w("W_carry") + w("b_carry"))
        transform = tf.nn.relu(tokens @ w("W_transform") + w("b_transform"))
        tokens = carry * transform + (1.0 - carry) * tokens
    if "CNN_proj/W_proj" in weights:
        tokens = tokens @ weights["CNN_proj/W_proj"] + weights["CNN_proj/b_proj"]
    is_token = tf.cast(tf.reduce_any(unique_ids > 0, axis=-1), tokens.dtype)[:, None]
    tokens = tf.gather(tokens * is_token, position_to_unique)
    return tf.reshape(tokens, tf.concat([leading_shape, [options.projection_dim]], axis=0))
