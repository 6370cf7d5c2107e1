"""Text to ELMo's input inside a TensorFlow graph: string tokens -> character ids, and the checks.

The graph twins of ``char_ids.py`` (which works on Python lists with numpy), for the callers that
take strings as tensors: the Keras layer and the exported TF-Hub module, which must run without
this library. ``tests/engine/test_text_ops.py`` checks the two against each other.

- ``whitespace_tokens``: sentences (B,) -> tokens (B, T) padded with "" and their lengths;
- ``padded_lengths``: the lengths of tokens already padded with "";
- ``check_text`` / ``check_tokens``: shape and range checks that run in the graph;
- ``char_ids_from_tokens``: the graph version of ``char_ids.batch_to_ids``;
- ``padded_tokens`` (numpy): tokenized sentences -> tokens (B, T) padded with "", and lengths.
"""
import numpy as np
import tensorflow as tf

from .char_ids import BOS_IDS, BOS_TOKEN, BOW_CHAR, EOS_IDS, EOS_TOKEN, EOW_CHAR, MAX_CHARS, PAD_CHAR

MAX_BYTES = MAX_CHARS - 2  # a token keeps its first 48 UTF-8 bytes, between BOW and EOW


def whitespace_tokens(text):
    """Whitespace-split sentences (B,) tf.string -> tokens (B, T) padded with "", sequence_len (B,).

    The same split as Python's ``str.split()`` (and ``embed_file``): runs of spaces, tabs and
    newlines separate tokens, leading and trailing ones are dropped. An empty sentence gets length 0.
    """
    ragged = tf.strings.split(text)
    return ragged.to_tensor(default_value=""), tf.cast(ragged.row_lengths(), tf.int32)


def padded_lengths(tokens):
    """Sentence lengths of tokens (B, T) padded with "": the position after the last non-empty token."""
    positions = tf.range(1, tf.shape(tokens)[1] + 1)[None, :]
    ends = tf.where(tokens != "", positions, 0)
    return tf.reduce_max(tf.pad(ends, [[0, 0], [1, 0]]), axis=1)  # the padded 0: no token at all


def check_text(text):
    """Assert (in the graph) that text is a batch of sentences (B,); returns it.

    A signature checks only the dtype of its inputs, so the shape is checked here at run time.
    """
    return tf.ensure_shape(text, [None], name="text_must_be_a_batch_of_sentences")


def check_tokens(tokens, sequence_len):
    """Assert (in the graph) that tokens are (B, T) and sequence_len (B,) with 0 <= sequence_len <= T.

    Returns (tokens, sequence_len); failed checks raise InvalidArgumentError naming the problem.
    """
    tokens = tf.ensure_shape(tokens, [None, None], name="tokens_must_be_batch_size_by_max_len")
    sequence_len = tf.ensure_shape(sequence_len, [None], name="sequence_len_must_be_batch_size")
    checks = [
        tf.debugging.assert_equal(
            tf.shape(sequence_len)[0], tf.shape(tokens)[0],
            message="sequence_len must have one entry per row of tokens (batch_size,)",
        ),
        tf.debugging.assert_non_negative(sequence_len, message="sequence_len must not be negative"),
        tf.debugging.assert_less_equal(
            sequence_len, tf.shape(tokens)[1],
            message="every sequence_len must be at most the width of tokens (max_len)",
        ),
    ]
    with tf.control_dependencies(checks):
        return tokens, tf.identity(sequence_len)


def char_ids_from_tokens(tokens, sequence_len):
    """String tokens (B, T) and lengths (B,) -> int32 character ids (B, T, 50), 0 beyond each length.

    The graph version of ``chars.batch_to_ids``: ``[BOW, byte_1..byte_n, EOW, PAD...] + 1`` with at
    most 48 bytes, and the ids of their own for the tokens ``<S>`` and ``</S>``.
    """
    cut = tf.strings.substr(tokens, 0, MAX_BYTES)  # unit="BYTE": cuts as AllenNLP cuts, mid-character
    n_bytes = tf.strings.length(cut)[..., None]  # (B, T, 1)
    raw = tf.cast(tf.io.decode_raw(cut, tf.uint8, fixed_length=MAX_BYTES), tf.int32)  # (B, T, 48)
    body = tf.pad(raw, [[0, 0], [0, 0], [1, 1]])  # byte k sits at position k + 1
    position = tf.range(MAX_CHARS)
    ids = tf.where(
        position == 0,
        BOW_CHAR,
        tf.where(position <= n_bytes, body, tf.where(position == n_bytes + 1, EOW_CHAR, PAD_CHAR)),
    )
    ids = ids + 1  # the shift that frees 0 for "no token"
    ids = tf.where((tokens == BOS_TOKEN)[..., None], tf.constant(BOS_IDS), ids)
    ids = tf.where((tokens == EOS_TOKEN)[..., None], tf.constant(EOS_IDS), ids)
    is_token = tf.sequence_mask(sequence_len, tf.shape(tokens)[1], dtype=tf.int32)[..., None]
    return ids * is_token


def padded_tokens(token_lists: list[list[str]], max_tokens: int | None = None):
    """Token lists -> the ``(tokens, sequence_len)`` pair that ``elmo(tokens, sequence_len)``, the
    TF-Hub ``tokens`` signature and ``ElmoEmbedding`` take.

    Args:
        token_lists: one list of string tokens per sentence (e.g. from ``tokenize``).
        max_tokens: keep at most this many tokens per sentence and make the array this wide;
            when None the array is as wide as the longest sentence.

    Returns:
        ``tokens``, a ``(len(token_lists), width)`` object array of strings padded with ``""``,
        and ``sequence_len``, an int32 array of the kept lengths.

    >>> tokens, sequence_len = padded_tokens([["a", "fine", "film"], ["dull"]])
    >>> tokens.tolist(), sequence_len.tolist()
    ([['a', 'fine', 'film'], ['dull', '', '']], [3, 1])
    """
    if max_tokens is not None and max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    kept = [list(tokens)[:max_tokens] for tokens in token_lists]
    for i, tokens in enumerate(kept):
        if not all(isinstance(token, str) for token in tokens):
            raise ValueError(f"sentence {i} holds a token that is not a string: {tokens!r}")
    sequence_len = np.array([len(tokens) for tokens in kept], dtype=np.int32)
    width = max_tokens if max_tokens is not None else int(sequence_len.max(initial=0))
    padded = np.full((len(kept), width), "", dtype=object)
    for i, tokens in enumerate(kept):
        padded[i, : len(tokens)] = tokens
    return padded, sequence_len
