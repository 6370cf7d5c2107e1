"""ELMo as a TF-Hub module: export a SavedModel with the interface of ``google/elmo/3``, load one back.

``export_hub_module(elmo, path)`` writes a SavedModel that a user cannot tell from the TF-Hub ELMo
by its interface (see lesson 01)::

    module = hub.load(path)
    module.signatures["default"](text=tf.constant(["the cat sat", "a dog"]))
    module.signatures["tokens"](tokens=tf.constant([["the", "cat", "sat"], ["a", "dog", ""]]),
                                sequence_len=tf.constant([3, 2]))
    hub.KerasLayer(path, trainable=True, output_key="elmo")   # trains the 4 aggregation scalars

Both signatures return float32 tensors: ``word_emb`` (B, T, P), the context-free token vectors;
``lstm_outputs1`` and ``lstm_outputs2`` (B, T, 2P), the two biLSTM layers (forward half first);
``elmo`` (B, T, 2P), the learned mix of the three layers (paper equation 1, with the word vector
written twice so that it has 2P values); ``default`` (B, 2P), the mean of ``elmo`` over each
sentence's real tokens. Everything beyond a sentence's length is zero.

The character ids are computed inside the graph from the strings (the same bytes, markers and
+1 shift as ``chars.py``), so the SavedModel needs nothing from this library to run.

``load_hub_elmo(handle)`` loads such a SavedModel, or the real ``https://tfhub.dev/google/elmo/3``,
and returns an ``Elmo`` whose forward pass is the module's ``tokens`` signature, so that every
``embed_*`` method works on it as on a native model.
"""
from pathlib import Path

import tensorflow as tf

from .bilm import BiLM
from .chars import BOS_IDS, BOS_TOKEN, BOW_CHAR, EOS_IDS, EOS_TOKEN, EOW_CHAR, MAX_CHARS, PAD_CHAR
from .embedder import Elmo, tokens_to_sentences

MAX_BYTES = MAX_CHARS - 2  # a token keeps its first 48 UTF-8 bytes, between BOW and EOW


# ---- strings -> character ids, in the graph ----------------------------------------------------
def split_sentences(text):
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


def masked_mean(values, sequence_len):
    """Mean of values (B, T, D) over each row's first sequence_len steps: (B, D); zeros for length 0."""
    mask = tf.sequence_mask(sequence_len, tf.shape(values)[1], dtype=values.dtype)[..., None]
    return tf.math.divide_no_nan(tf.reduce_sum(values * mask, axis=1), tf.reduce_sum(mask, axis=1))


# ---- the exported module -----------------------------------------------------------------------
class ElmoHubModule(tf.Module):
    """The object ``export_hub_module`` saves: a frozen biLM plus the trainable layer mix.

    Variables: ``bilm/<hdf5 name>`` (the biLM, not trainable) and ``aggregation/weights``
    (num_layers,) and ``aggregation/scaling`` (), the s_j and gamma of the paper's equation 1,
    initialised to an equal mix with scale 1, as the TF-Hub module starts.
    """

    # hub.KerasLayer reads `variables`, `trainable_variables` and `regularization_losses` as plain
    # attributes of the loaded object. tf.Module has read-only properties of the first two names,
    # which would not be saved anyway; these class attributes make room for saved lists.
    variables = None
    trainable_variables = None

    def __init__(self, bilm):
        super().__init__(name="elmo")
        # a frozen copy: the export neither changes nor depends on the caller's biLM variables
        self.bilm = BiLM(bilm.options, {name: v.numpy() for name, v in bilm.weights.items()}, trainable=False)
        self.num_lstm_layers = bilm.n_layers
        self.aggregation_weights = tf.Variable(
            tf.zeros([bilm.n_layers + 1]), trainable=True, name="aggregation/weights"
        )
        self.aggregation_scaling = tf.Variable(1.0, trainable=True, name="aggregation/scaling")
        self.trainable_variables = [self.aggregation_weights, self.aggregation_scaling]
        self.variables = self.trainable_variables + list(self.bilm.weights.values())
        self.regularization_losses = []

    def outputs(self, tokens, sequence_len):
        """The five outputs of the ``tokens`` signature (see the module docstring)."""
        tokens, sequence_len = check_tokens(tokens, sequence_len)
        out = self.bilm(char_ids_from_tokens(tokens, sequence_len), sequence_len)
        word_emb = out["token_embedding"]
        layers = [tf.concat([word_emb, word_emb], axis=-1)] + out["lstm_outputs"]
        mix = tf.nn.softmax(self.aggregation_weights)
        elmo = self.aggregation_scaling * tf.add_n([mix[j] * layer for j, layer in enumerate(layers)])
        result = {"word_emb": word_emb, "elmo": elmo, "default": masked_mean(elmo, sequence_len)}
        for k, layer in enumerate(out["lstm_outputs"], start=1):
            result[f"lstm_outputs{k}"] = layer
        return result

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def default_signature(self, text):
        return self.tokens_signature(*split_sentences(check_text(text)))

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, None], tf.string, name="tokens"),
            tf.TensorSpec([None], tf.int32, name="sequence_len"),
        ]
    )
    def tokens_signature(self, tokens, sequence_len):
        return self.outputs(tokens, sequence_len)

    @tf.function
    def __call__(self, inputs, training=False):
        """What ``hub.KerasLayer(path, trainable=True)`` calls: sentences (B,) or the tokens dict.

        ``training`` changes nothing (the module has no dropout); it is there because
        hub.KerasLayer passes it to reusable SavedModels.
        """
        del training
        # calls of the signature functions, so that the biLM graph is traced (and saved) only once
        if isinstance(inputs, dict):
            return self.tokens_signature(inputs["tokens"], inputs["sequence_len"])
        return self.default_signature(inputs)


def export_hub_module(elmo, path):
    """Write ``elmo`` (a native ``Elmo``) as a SavedModel with the interface of ``google/elmo/3``.

    Returns the path. The directory can be loaded with ``hub.load``, ``hub.KerasLayer`` or
    ``elmo_course.load_elmo(path)``, in a process that does not import this library.
    """
    if getattr(elmo, "bilm", None) is None:
        raise ValueError(
            f"{elmo!r} is backed by a SavedModel, not by biLM weights: it is already exported "
            "(copy its directory instead)"
        )
    module = ElmoHubModule(elmo.bilm)
    text_spec = tf.TensorSpec([None], tf.string)
    tokens_spec = {
        "tokens": tf.TensorSpec([None, None], tf.string),
        "sequence_len": tf.TensorSpec([None], tf.int32),
    }
    # a restored tf.function knows only the input structures it was traced with
    for spec in (text_spec, tokens_spec):
        for training in (False, True):
            module.__call__.get_concrete_function(spec, training=training)
    signatures = {
        "default": module.default_signature.get_concrete_function(),
        "tokens": module.tokens_signature.get_concrete_function(),
    }
    path = Path(path)
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")  # saving logs "Assets written to: <absolute path>" at INFO level
    try:
        tf.saved_model.save(module, str(path), signatures=signatures)
    finally:
        logger.setLevel(level)
    return path


# ---- loading a module back as an Elmo -----------------------------------------------------------
class HubElmo(Elmo):
    """An ``Elmo`` whose forward pass is a TF-Hub module's ``tokens`` signature.

    It has the whole embedding API of ``Elmo`` (``embed_sentence``, ``embed_sentences``,
    ``embed_batch``, ``embed_file``, ``__call__``, ``output_dim``) and is always stateless (the
    TF-Hub module starts every call from a zero LSTM state).
    """

    def __init__(self, module, name):
        # Elmo.__init__ is not called: it builds a tf.function around a BiLM, which a module lacks.
        self.module = module
        self.name = name
        self.bilm = None
        self.stateful = False
        self._state = None
        self._tokens_signature = module.signatures["tokens"]
        outputs = self._tokens_signature.structured_outputs
        self._layer_keys = ["word_emb"] + sorted(k for k in outputs if k.startswith("lstm_outputs"))
        self._output_dim = outputs["elmo"].shape[-1]
        if self._output_dim is None:  # a module without static shapes: ask it once
            self._output_dim = int(self._run_sentences([["a"]]).shape[-1])

    def __repr__(self):
        return f"HubElmo({self.name!r}: TF-Hub module, output dim {self.output_dim}, stateless)"

    @property
    def output_dim(self):
        return self._output_dim

    @property
    def num_layers(self):
        return len(self._layer_keys)

    def layers_from_tokens(self, tokens, sequence_len):
        """tf.string tokens (B, T), int32 sequence_len (B,) -> float32 tensor (B, num_layers, T, 2P)."""
        outputs = self._tokens_signature(tokens=tokens, sequence_len=sequence_len)
        word_emb = outputs["word_emb"]
        layers = [tf.concat([word_emb, word_emb], axis=-1)] + [outputs[k] for k in self._layer_keys[1:]]
        return tf.stack(layers, axis=1)

    def _padded(self, sentences, width):
        """Tokenized sentences -> tf.string (B, width) padded with "", and int32 lengths (B,)."""
        tokens = [list(s) + [""] * (width - len(s)) for s in sentences]
        tokens = tf.constant(tokens, tf.string) if tokens else tf.zeros([0, width], tf.string)
        return tokens, tf.constant([len(s) for s in sentences], tf.int32, shape=[len(sentences)])

    def _run_sentences(self, sentences):
        tokens, lengths = self._padded(sentences, max(len(s) for s in sentences))
        return self.layers_from_tokens(tokens, lengths).numpy()

    def __call__(self, tokens, sequence_len):
        """TF-Hub ``tokens`` signature with numpy in and out, and the checks of ``Elmo.__call__``.

        ``elmo`` and ``default`` use the module's own aggregation weights.
        """
        sentences, width = tokens_to_sentences(tokens, sequence_len)
        tokens, lengths = self._padded(sentences, width)
        outputs = self._tokens_signature(tokens=tokens, sequence_len=lengths)
        return {k: outputs[k].numpy() for k in ("word_emb", *self._layer_keys[1:], "elmo", "default")}


def load_hub_elmo(handle):
    """Load a SavedModel directory or a TF-Hub handle with ELMo's ``tokens`` signature as an Elmo."""
    import tensorflow_hub as hub

    handle = str(handle)
    try:
        module = hub.load(handle)
    except (OSError, ValueError) as err:
        raise FileNotFoundError(f"could not load a TF-Hub module from {handle!r}: {err}") from None
    if "tokens" not in getattr(module, "signatures", {}):
        raise ValueError(f"{handle!r} has no 'tokens' signature: is it an ELMo module?")
    return HubElmo(module, name=handle)
