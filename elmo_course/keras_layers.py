"""Keras layers for ELMo: the trainable scalar mix (paper equation 1) and an embedding layer.

These are ``tf_keras`` layers (Keras 2), the Keras that ``hub.KerasLayer`` works with, so that a
course model can hold ``ElmoEmbedding`` and TF-Hub layers side by side::

    import tf_keras as keras
    model = keras.Sequential([
        keras.Input(shape=(), dtype="string"),                  # raw sentences, split on whitespace
        ElmoEmbedding(elmo, output="default"),                  # (batch_size, 2 * P)
        keras.layers.Dense(1, activation="sigmoid"),
    ])

The biLM stays frozen (unless ``trainable_bilm=True``); what trains is the mix of its layers,
``gamma * sum_j s_j * h_j`` with ``s = softmax(w)``, which the paper learns per task.
"""
import warnings

import tensorflow as tf
import tf_keras as keras

from .elmo import Elmo
from .engine.bilm import BiLM
from .engine.layer_mix import masked_mean, mix_layers
from .engine.text_ops import check_text, check_tokens, padded_lengths, whitespace_tokens


@keras.saving.register_keras_serializable(package="elmo_course")
class ScalarMix(keras.layers.Layer):
    """``gamma * sum_j s_j * h_j`` with ``s = softmax(w)``: a learned weighted sum of a model's
    layers (paper eq. 1).

    Input: a tensor (batch_size, num_layers, ...), e.g. (batch_size, 3, timesteps, 2 * P), or a list
    of ``num_layers`` tensors of the same shape. Output: the same shape without the layer axis.

    Args:
        num_layers: how many layers are mixed (3 for ELMo: the token layer and two LSTM layers).
        trainable: learn ``scalar_weights`` (the raw w_j, initialised to 0: an equal mix) and
            ``gamma`` (initialised to 1); with ``trainable=False`` the layer is a fixed average.
        layer_norm: normalize each layer to zero mean and unit variance (over its real time steps
            and features) before mixing, as AllenNLP's ``ScalarMix(do_layer_norm=True)``.

    An optional ``mask`` (batch_size, timesteps) marks the real time steps; it is passed on to the
    next layer and used by ``layer_norm``.
    """

    def __init__(self, num_layers=3, trainable=True, layer_norm=False, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        if num_layers < 1:
            raise ValueError(f"ScalarMix needs num_layers >= 1, got {num_layers}")
        self.num_layers = int(num_layers)
        self.layer_norm = bool(layer_norm)
        self.supports_masking = True

    def build(self, input_shape):
        self.scalar_weights = self.add_weight(
            name="scalar_weights", shape=(self.num_layers,), initializer="zeros", trainable=True
        )
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="ones", trainable=True)
        super().build(input_shape)

    def _stacked(self, inputs):
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != self.num_layers:
                raise ValueError(
                    f"ScalarMix(num_layers={self.num_layers}) got a list of {len(inputs)} tensors"
                )
            return tf.stack(inputs, axis=1)
        inputs = tf.convert_to_tensor(inputs)
        rank = inputs.shape.rank
        if rank is not None and (rank < 2 or inputs.shape[1] not in (None, self.num_layers)):
            raise ValueError(
                f"ScalarMix(num_layers={self.num_layers}) expects input "
                f"(batch_size, {self.num_layers}, ...), got shape {inputs.shape}"
            )
        return inputs

    def call(self, inputs, mask=None):
        layers = self._stacked(inputs)
        mask = _first_mask(mask)
        if self.layer_norm:
            layers = _normalize_layers(layers, mask)
        return mix_layers(layers, self.scalar_weights, self.gamma)

    def compute_mask(self, inputs, mask=None):
        return _first_mask(mask)

    def get_config(self):
        return {**super().get_config(), "num_layers": self.num_layers, "layer_norm": self.layer_norm}


def _first_mask(mask):
    if isinstance(mask, (list, tuple)):  # a list input carries one mask per layer, all the same
        mask = next((m for m in mask if m is not None), None)
    return mask


def _normalize_layers(layers, mask):
    """Per example and layer: zero mean, unit variance over the real time steps and all features."""
    axes = list(range(2, layers.shape.rank))
    if mask is None:
        weight = tf.ones_like(layers)
    else:  # mask (B, T) -> (B, 1, T, 1, ...)
        weight = tf.cast(mask, layers.dtype)[:, None]
        weight = tf.reshape(weight, tf.concat([tf.shape(weight), [1] * (layers.shape.rank - 3)], 0))
        weight = tf.broadcast_to(weight, tf.shape(layers))
    count = tf.maximum(tf.reduce_sum(weight, axis=axes, keepdims=True), 1.0)
    mean = tf.reduce_sum(layers * weight, axis=axes, keepdims=True) / count
    variance = tf.reduce_sum(tf.square(layers - mean) * weight, axis=axes, keepdims=True) / count
    return (layers - mean) * tf.math.rsqrt(variance + 1e-12) * weight


@keras.saving.register_keras_serializable(package="elmo_course")
class ElmoEmbedding(keras.layers.Layer):
    """ELMo as a Keras layer: strings in, contextual vectors out.

    Input, tf.string, one of
        - sentences (batch_size,): each split on whitespace (an empty sentence gives zeros);
        - tokens (batch_size, timesteps) padded with "" at the end of each row;
        - a dict ``{"tokens": (batch_size, timesteps), "sequence_len": (batch_size,) int32}``, as the
          TF-Hub ``tokens`` signature takes.
    Output, float32, by ``output``:
        - ``"elmo"``: (batch_size, timesteps, 2 * P), the ``ScalarMix`` of the three layers, zero at
          padding; the layer passes a mask (batch_size, timesteps) on to masking-aware layers;
        - ``"default"``: (batch_size, 2 * P), the mean of ``"elmo"`` over each sentence's tokens;
        - ``"layers"``: (batch_size, 3, timesteps, 2 * P), the three layers unmixed.

    Args:
        elmo: an ``Elmo`` from ``load_elmo`` (a native model or a TF-Hub one), or the name/path to
            pass to ``load_elmo`` (the default model when None).
        trainable_mix: learn the mix weights and scale (otherwise an equal-weight average).
        layer_norm: normalize each layer before mixing (``ScalarMix(layer_norm=True)``).
        dropout: dropout rate on the output, in training only (AllenNLP's ``Elmo`` uses 0.5).
        trainable_bilm: fine-tune the biLM too; the layer then trains its own copy of the weights
            (native models only).

    Saving: ``get_config`` records the model as a ``load_elmo`` name/path (and its options); the
    biLM weights are (non-trainable) weights of this layer, so a saved model or ``save_weights``
    file holds them, and loading restores exactly what was saved. (Loading weights writes them into
    the biLM variables of the ``Elmo`` the layer was built on, which other layers may share.)
    ``keras.models.load_model`` finds this class once ``elmo_course.keras_layers`` is imported (or
    ``elmo_course.ElmoEmbedding`` used).
    """

    OUTPUTS = ("elmo", "default", "layers")

    def __init__(self, elmo=None, output="elmo", trainable_mix=True, layer_norm=False, dropout=0.0,
                 trainable_bilm=False, **kwargs):
        super().__init__(**kwargs)
        if output not in self.OUTPUTS:
            raise ValueError(f"output must be one of {self.OUTPUTS}, got {output!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        if elmo is None or isinstance(elmo, str):
            from .loading import load_elmo

            self._handle = elmo
            elmo = load_elmo(elmo)
        elif isinstance(elmo, Elmo):
            self._handle = getattr(elmo, "source", None) or elmo.name
        else:
            raise ValueError(
                f"elmo must be an Elmo (from load_elmo) or a model name/path, got {type(elmo).__name__}"
            )
        self.output_kind = output
        self.trainable_mix = bool(trainable_mix)
        self.layer_norm = bool(layer_norm)
        self.dropout = float(dropout)
        self.trainable_bilm = bool(trainable_bilm)
        bilm = getattr(elmo, "bilm", None)
        if bilm is None and self.trainable_bilm:
            raise ValueError(f"trainable_bilm=True needs a native Elmo with biLM weights, got {elmo!r}")
        if self.trainable_bilm:  # a trainable copy: the shared Elmo is left as it is
            weights = {name: v.numpy() for name, v in bilm.weights.items()}
            elmo = Elmo(BiLM(bilm.options, weights, trainable=True), name=elmo.name)
        # The Elmo is a plain object, so Keras does not track the biLM (a tf.Module) on its own,
        # which would make its variables trainable or not by their own flag.
        self._elmo = elmo
        if self._bilm is not None:
            for name, variable in self._bilm.weights.items():
                # register the existing variable as a weight of this layer (what hub.KerasLayer does)
                self.add_weight(
                    name=f"bilm/{name}", shape=variable.shape, dtype=variable.dtype,
                    trainable=self.trainable_bilm, getter=lambda *_, variable=variable, **__: variable,
                )
        self.output_dim = elmo.output_dim
        self.scalar_mix = None
        if output != "layers":
            self.scalar_mix = ScalarMix(
                elmo.num_layers, layer_norm=layer_norm, trainable=trainable_mix, name="scalar_mix"
            )
        self.dropout_layer = keras.layers.Dropout(dropout) if dropout else None
        # one graph for the biLM, so that eager calls do not run it op by op
        self._forward = tf.function(
            self._layers,
            input_signature=[tf.TensorSpec([None, None], tf.string), tf.TensorSpec([None], tf.int32)],
        )

    @property
    def _bilm(self):
        return self._elmo.bilm

    # ---- inputs ------------------------------------------------------------------------------
    def _tokens_and_lengths(self, inputs):
        if isinstance(inputs, dict):
            if set(inputs) != {"tokens", "sequence_len"}:
                raise ValueError(
                    f"a dict input needs the keys 'tokens' and 'sequence_len', got {sorted(inputs)}"
                )
            tokens, sequence_len = inputs["tokens"], inputs["sequence_len"]
            _check_dtype(tokens, tf.string, "tokens")
            _check_dtype(sequence_len, tf.int32, "sequence_len")
            return check_tokens(tokens, sequence_len)
        _check_dtype(inputs, tf.string, "input")
        rank = inputs.shape.rank
        if rank == 1:
            return whitespace_tokens(check_text(inputs))
        if rank == 2:
            return inputs, padded_lengths(inputs)
        raise ValueError(
            "ElmoEmbedding expects sentences (batch_size,) or tokens (batch_size, timesteps), "
            f"got shape {inputs.shape}"
        )

    # ---- the forward pass --------------------------------------------------------------------
    def _layers(self, tokens, sequence_len):
        """(B, 3, T, 2P) float32, zero beyond each length: the model's own forward pass."""
        return self._elmo.layers_from_tokens(tokens, sequence_len)

    def call(self, inputs, training=None):
        tokens, sequence_len = self._tokens_and_lengths(inputs)
        layers = self._forward(tokens, sequence_len)
        if self.output_kind == "layers":
            result = layers
        else:
            mask = tf.sequence_mask(sequence_len, tf.shape(tokens)[1])
            result = self.scalar_mix(layers, mask=mask)
            if self.output_kind == "default":
                result = masked_mean(result, sequence_len)
        if self.dropout_layer is not None:
            result = self.dropout_layer(result, training=training)
        return result

    def compute_mask(self, inputs, mask=None):
        if self.output_kind != "elmo":
            return None
        tokens, sequence_len = self._tokens_and_lengths(inputs)
        return tf.sequence_mask(sequence_len, tf.shape(tokens)[1])

    # ---- serialization -----------------------------------------------------------------------
    def get_config(self):
        config = {
            **super().get_config(),
            "elmo": self._handle,
            "output": self.output_kind,
            "trainable_mix": self.trainable_mix,
            "layer_norm": self.layer_norm,
            "dropout": self.dropout,
            "trainable_bilm": self.trainable_bilm,
        }
        if self._bilm is not None:
            config["options"] = self._bilm.options.to_dict()
        return config

    @classmethod
    def from_config(cls, config):
        """Reload the model with ``load_elmo(config["elmo"])``.

        When that fails (a model built in memory, a path that moved) and the config holds the
        options, the biLM is rebuilt from them with random weights, which loading the saved
        weights then replaces.
        """
        from .loading import load_elmo

        config = dict(config)
        options = config.pop("options", None)
        handle = config.pop("elmo", None)
        try:
            elmo = load_elmo(handle)
        except (FileNotFoundError, ValueError, OSError) as err:
            if options is None:
                raise
            warnings.warn(
                f"ElmoEmbedding: could not reload ELMo {handle!r} ({err}); rebuilding its biLM from the "
                "saved options with random weights, which only loading the saved weights replaces",
                stacklevel=2,
            )
            elmo = Elmo(BiLM(options, trainable=False), name=handle)
        layer = cls(elmo, **config)
        layer._handle = handle
        return layer


def _check_dtype(tensor, dtype, what):
    got = getattr(tensor, "dtype", type(tensor))
    if got != dtype:
        raise ValueError(f"ElmoEmbedding: {what} must be a {dtype.name} tensor, got {got}")
