"""The ELMo bidirectional language model (biLM) in plain TensorFlow.

One ``tf.Module`` holding ``tf.Variable``s, no Keras inside, so that the same object serves the
numpy ``Elmo``, the trainer, the Keras layers and the TF-Hub export. The computation follows bilm-tf,
whose weights it reads (see ``weight_files.py`` for the names and shapes):

1. Layer 0, context-free: the character CNN, highway layers and projection to
   ``projection_dim`` (P) turn each token's 50 character ids into a vector (``char_cnn.py``).
2. Two directions (forward reads left to right, backward right to left), each a stack of LSTMs with
   a projection (TF's ``LSTMCell(num_proj=P)``: H memory cells, P outputs, cell and projection
   clipping, forget-gate bias +1). Layer 2's output adds its input (the skip connection).

Shapes: ``char_ids`` is (batch_size, timesteps, 50) int32, 0 where there is no token;
``lengths`` is (batch_size,). ``<S>`` and ``</S>`` are added inside and removed from the outputs.

``BiLM.elmo_layers`` is the one forward pass every way in uses (the numpy ``Elmo``, the Keras
layer, the TF-Hub export): the three layers stacked as ELMo hands them out (``layer_mix.stack_layers``).
"""
import numpy as np
import tensorflow as tf

from . import char_cnn
from .char_ids import BOS_IDS, EOS_IDS
from .layer_mix import stack_layers
from .options import ElmoOptions, lstm_prefix

FORGET_BIAS = 1.0  # TF's LSTMCell adds it to the forget gate; it is not stored in the weights


def random_weights(options, seed=0):
    """Initial weights for training, drawn as bilm-tf draws them (same scales, same biases)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in ElmoOptions.from_dict(options).expected_shapes().items():
        if name == "char_embed":
            value = rng.uniform(-1.0, 1.0, shape)
        elif name.startswith("CNN/W_cnn"):
            _, width, char_dim, _ = shape
            value = rng.normal(0.0, np.sqrt(1.0 / (width * char_dim)), shape)
        elif name.endswith("b_carry"):
            value = np.full(shape, -2.0)  # start the highway gates mostly closed (carry the input)
        elif name.endswith(("W_carry", "W_transform", "W_proj")):
            value = rng.normal(0.0, np.sqrt(1.0 / shape[0]), shape)
        elif name.endswith(("W_0", "W_P_0")):
            limit = np.sqrt(6.0 / (shape[0] + shape[1]))  # glorot uniform, TF's default
            value = rng.uniform(-limit, limit, shape)
        else:  # biases
            value = np.zeros(shape)
        weights[name] = value.astype(np.float32)
    return weights


class BiLM(tf.Module):
    """The biLM: ``options`` an ``ElmoOptions`` (or options.json content), ``weights`` as from
    ``weight_files.read_weights``.

    Without ``weights`` the model starts from ``random_weights(options, seed)``.
    Variables are named ``bilm/<hdf5 dataset name>``, as in the TF-Hub ELMo module.
    """

    def __init__(self, options, weights=None, seed=0, trainable=True):
        super().__init__(name="bilm")
        options = ElmoOptions.from_dict(options)
        self.options = options
        if weights is None:
            weights = random_weights(options, seed)
        self.weights = {
            name: tf.Variable(weights[name], trainable=trainable, name=f"bilm/{name}")
            for name in options.expected_shapes()
        }

    @property
    def n_layers(self):
        """LSTM layers per direction (L)."""
        return self.options.n_layers

    @property
    def hidden_dim(self):
        """LSTM memory cells per layer (H)."""
        return self.options.hidden_dim

    @property
    def projection_dim(self):
        """Size of layer 0 and of each direction's LSTM outputs (P)."""
        return self.options.projection_dim

    @property
    def output_dim(self):
        """Size of an ELMo vector: forward and backward halves, 2 * projection_dim."""
        return self.options.output_dim

    # ---- layer 0: characters -> context-free token vectors ---------------------------------
    def token_embedding(self, char_ids):
        """(..., 50) int32 character ids -> (..., P) token vectors (zeros where ids are all 0)."""
        return char_cnn.token_vectors(self.weights, self.options, char_ids)

    def token_embedding_numpy(self, char_ids, batch_size=4096):
        """Layer 0 of many tokens at once: (N, 50) ids -> np.float32 (N, P), ``batch_size`` at a time."""
        parts = [self.token_embedding(char_ids[i : i + batch_size]).numpy()
                 for i in range(0, len(char_ids), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, self.projection_dim), np.float32)

    # ---- layers 1..L: the LSTMs -------------------------------------------------------------
    def _lstm(self, inputs, mask, direction, layer, state, training=False):
        """Run one LSTM layer over time. inputs (B, T, D), mask (B, T); state = (h, c) at t=0.

        Returns outputs (B, T, P), zero where mask is 0, and the state after each sequence's
        last real step (padding steps leave the state unchanged).

        Inside, everything is feature-major (one column per sentence: h is (P, B), the gates
        (4H, B)) so that every product has the large weight matrix on the left. The
        matrix-multiply kernels split a product by its output rows; with the batch in the rows,
        their speed depends on the batch size (on a 2-core machine 40 or 128 sentences ran at
        under half the rate of 64), with the weights' 4H rows they do not.

        ``training``: read each step's gate inputs from a TensorArray, whose gradient is cheap
        (the gradient of a slice of one big tensor is a tensor of the full size, at every step).
        """
        prefix = lstm_prefix(direction, layer)
        kernel, bias, projection = (self.weights[f"{prefix}/{n}"] for n in ("W_0", "B", "W_P_0"))
        input_dim = inputs.shape[-1]
        # transposed once per call, outside the time loop
        recurrent_kernel_t = tf.transpose(kernel[input_dim:])  # (4H, P)
        projection_t = tf.transpose(projection)  # (P, H)
        # TF's LSTMCell adds FORGET_BIAS to the forget gate (the third quarter) at every step
        forget_bias = np.zeros(4 * self.hidden_dim, np.float32)
        forget_bias[2 * self.hidden_dim : 3 * self.hidden_dim] = FORGET_BIAS
        batch_size, timesteps = tf.shape(inputs)[0], tf.shape(inputs)[1]
        # the input half of every gate, for all time steps, as one matrix product:
        # (4H, D) @ (D, T * B) with the columns in time-major order
        columns = tf.reshape(tf.transpose(inputs, [2, 1, 0]), [input_dim, -1])
        # (transpose_a costs less than transposing the kernel first; inside the loop it costs more)
        gate_inputs = tf.matmul(kernel[:input_dim], columns, transpose_a=True) + (bias + forget_bias)[:, None]
        gate_inputs = tf.reshape(gate_inputs, [4 * self.hidden_dim, timesteps, batch_size])
        if training:
            slices = tf.TensorArray(tf.float32, size=timesteps).unstack(tf.transpose(gate_inputs, [1, 0, 2]))
            gate_inputs_at = slices.read
        else:  # no transpose: slice step t out of the product in place
            gate_inputs_at = lambda t: gate_inputs[:, t]  # noqa: E731
        keeps = tf.transpose(mask > 0)[:, None, :]  # (T, 1, B)
        outputs = tf.TensorArray(inputs.dtype, size=timesteps)
        h0, c0 = (tf.transpose(x) for x in state)
        zeros = tf.zeros_like(h0)

        def step(t, h, c, outputs):
            gates = gate_inputs_at(t) + recurrent_kernel_t @ h
            i, j, f, o = tf.split(gates, 4, axis=0)  # TF's LSTMCell order
            new_c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(j)
            if self.options.cell_clip:
                new_c = tf.clip_by_value(new_c, -self.options.cell_clip, self.options.cell_clip)
            new_h = projection_t @ (tf.sigmoid(o) * tf.tanh(new_c))
            if self.options.proj_clip:
                new_h = tf.clip_by_value(new_h, -self.options.proj_clip, self.options.proj_clip)
            keep = keeps[t]  # (1, B): False on padding, which leaves the state as it was
            outputs = outputs.write(t, tf.where(keep, new_h, zeros))
            return t + 1, tf.where(keep, new_h, h), tf.where(keep, new_c, c), outputs

        # a while loop keeps only the outputs of every step (tf.scan would also stack h and c)
        _, h, c, outputs = tf.while_loop(lambda t, *_: t < timesteps, step, (tf.constant(0), h0, c0, outputs))
        return tf.transpose(outputs.stack(), [2, 0, 1]), (tf.transpose(h), tf.transpose(c))

    def zero_state(self, batch_size):
        """LSTM state for a fresh start: [direction][layer] = (h (B, P), c (B, H)) zeros."""
        return [
            [
                (tf.zeros([batch_size, self.projection_dim]), tf.zeros([batch_size, self.hidden_dim]))
                for _ in range(self.n_layers)
            ]
            for _ in range(2)
        ]

    def run_direction(self, inputs, mask, direction, state, dropout=0.0, training=False):
        """All LSTM layers of one direction over inputs already in that direction's reading order.

        inputs (B, T, P), mask (B, T); state = [(h, c) per layer]. Returns the per-layer outputs
        [(B, T, P)] and the state after the last real step. ``dropout`` (training only) drops each
        layer's inputs, as bilm-tf's DropoutWrapper does; the skip connection adds the dropped input.
        Set ``training`` when gradients will be taken (see ``_lstm``).
        """
        layer_outputs, final_state = [], []
        for layer in range(self.n_layers):
            if dropout:
                inputs = tf.nn.dropout(inputs, rate=dropout)
            outputs, last = self._lstm(inputs, mask, direction, layer, state[layer], training)
            if self.options.use_skip_connections and layer > 0:
                outputs = outputs + inputs
            layer_outputs.append(outputs)
            final_state.append(last)
            inputs = outputs
        return layer_outputs, final_state

    def lstm_stack(self, token_vectors, lengths, state):
        """Both directions, all layers. token_vectors (B, T, P) already hold <S>/</S>.

        Returns the per-layer outputs [(B, T, 2P)] (forward half first) and the final state.
        """
        mask = tf.sequence_mask(lengths, tf.shape(token_vectors)[1], dtype=token_vectors.dtype)
        forward, forward_state = self.run_direction(token_vectors, mask, 0, state[0])
        # the backward LM reads each sequence reversed; padding stays at the end
        reversed_vectors = tf.reverse_sequence(token_vectors, lengths, seq_axis=1, batch_axis=0)
        backward, backward_state = self.run_direction(reversed_vectors, mask, 1, state[1])
        layer_outputs = [
            tf.concat([f, tf.reverse_sequence(b, lengths, seq_axis=1, batch_axis=0)], axis=-1)
            for f, b in zip(forward, backward)
        ]
        return layer_outputs, [forward_state, backward_state]

    # ---- the whole model ----------------------------------------------------------------------
    def add_boundaries(self, char_ids, lengths):
        """(B, T, 50) ids -> (B, T + 2, 50) with <S> first and </S> after each sentence's last token."""
        batch_size = tf.shape(char_ids)[0]
        bos = tf.tile(tf.constant(BOS_IDS)[None, None, :], [batch_size, 1, 1])
        padded = tf.concat([bos, char_ids, tf.zeros_like(bos)], axis=1)
        positions = tf.range(tf.shape(padded)[1])[None, :]
        is_eos = tf.equal(positions, lengths[:, None] + 1)[:, :, None]
        return tf.where(is_eos, tf.constant(EOS_IDS)[None, None, :], padded)

    def __call__(self, char_ids, lengths, state=None):
        """Run the biLM on sentences without boundary tokens.

        Returns a dict: ``token_embedding`` (B, T, P) and ``lstm_outputs`` [(B, T, 2P)] per layer,
        zero beyond each length, and ``state``, the LSTM state to carry into a next batch.
        """
        char_ids = tf.convert_to_tensor(char_ids, tf.int32)
        lengths = tf.convert_to_tensor(lengths, tf.int32)
        if state is None:
            state = self.zero_state(tf.shape(char_ids)[0])
        with_boundaries = self.add_boundaries(char_ids, lengths)
        token_vectors = self.token_embedding(with_boundaries)
        layer_outputs, final_state = self.lstm_stack(token_vectors, lengths + 2, state)
        timesteps = tf.shape(char_ids)[1]
        mask = tf.sequence_mask(lengths, timesteps, dtype=token_vectors.dtype)[:, :, None]

        def strip(x):  # drop <S> and </S>, zero the padding
            return x[:, 1 : timesteps + 1] * mask

        return {
            "token_embedding": strip(token_vectors),
            "lstm_outputs": [strip(x) for x in layer_outputs],
            "state": final_state,
        }

    def elmo_layers(self, char_ids, lengths, state=None):
        """ELMo's layers of sentences without boundary tokens: (B, 1 + L, T, 2P), zero beyond each
        length (``stack_layers``), and the LSTM state after them (to carry into a next batch)."""
        out = self(char_ids, lengths, state)
        return stack_layers(out["token_embedding"], out["lstm_outputs"]), out["state"]
