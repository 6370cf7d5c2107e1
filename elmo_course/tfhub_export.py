"""ELMo as a TF-Hub module: export a SavedModel with the interface of ``google/elmo/3``.

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

The character ids are computed inside the graph from the strings (``engine/text_ops.py``: the
same bytes, markers and +1 shift as ``engine/char_ids.py``) and the outputs by
``engine/layer_mix.py``, so the SavedModel needs nothing from this library to run.

Loading one back as an ``Elmo``: ``tfhub_import.py``.
"""
from pathlib import Path

import tensorflow as tf

from .engine.bilm import BiLM
from .engine.layer_mix import tfhub_outputs
from .engine.text_ops import char_ids_from_tokens, check_text, check_tokens, whitespace_tokens


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
        layers, _ = self.bilm.elmo_layers(char_ids_from_tokens(tokens, sequence_len), sequence_len)
        return tfhub_outputs(layers, sequence_len, self.aggregation_weights, self.aggregation_scaling)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="text")])
    def default_signature(self, text):
        return self.tokens_signature(*whitespace_tokens(check_text(text)))

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


def export_hub_module(bilm, path):
    """Write ``bilm`` as a SavedModel with the interface of ``google/elmo/3`` (``Elmo.export_hub_module``
    calls this with its biLM).

    Returns the path. The directory can be loaded with ``hub.load``, ``hub.KerasLayer`` or
    ``elmo_course.load_elmo(path)``, in a process that does not import this library.
    """
    module = ElmoHubModule(bilm)
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
