"""``Elmo``: the object learners call to turn tokenized sentences into ELMo vectors.

It wraps a ``BiLM`` with the conveniences of AllenNLP's old ``ElmoEmbedder`` (numpy in and out,
batching by length, an hdf5 cache of a whole file) and the TF-Hub output dict.

Every ``embed_*`` method returns, per sentence, a float32 array of shape (3, T, 2 * P): layer 0 is
the context-free token vector (P values, written twice so that all layers have the same size,
as AllenNLP does), layers 1 and 2 are the two biLSTM layers (forward half, then backward half).

``Elmo`` is also the base class of every other kind of model: ``tfhub_import.HubElmo`` replaces
only the forward pass (``_run_sentences`` and ``layers_from_tokens``) and inherits the rest.

By default the model is stateless: each batch starts from a zero LSTM state, so a sentence gets
the same vectors whatever else is in its batch and whatever ran before. ``stateful=True`` carries
the state from batch to batch per batch row, as bilm-tf and AllenNLP do (see lesson 05).
"""
from pathlib import Path

import numpy as np
import tensorflow as tf

from .embedding_cache import PART_LINES, embed_file
from .engine.bilm import BiLM
from .engine.char_ids import MAX_CHARS, as_sentences, batch_to_ids, check_sentences
from .engine.layer_mix import tfhub_outputs
from .engine.options import ElmoOptions
from .engine.text_ops import char_ids_from_tokens
from .engine.weight_files import read_weights
from .progress import progress_bar
from .tfhub_export import export_hub_module


START_STATES = ("zero", "warm")
# What a warm start has read before every sentence: plain, neutral, no sentiment, no rare word.
WARM_START_SENTENCE = "This is a sentence .".split()


class Elmo:
    """A loaded ELMo model. Build it with ``elmo_course.load_elmo``.

    ``bilm``: the ``BiLM`` that computes the vectors (None only for a subclass with a forward
    pass of its own). ``stateful``: carry the LSTM state from batch to batch. ``start``: the state
    every sentence starts from, ``"zero"`` or ``"warm"`` (see ``_start_state``).
    """

    def __init__(self, bilm, name="elmo", stateful=False, start="zero"):
        if start not in START_STATES:
            raise ValueError(f"start must be one of {START_STATES}, got {start!r}")
        self.bilm = bilm
        self.name = name
        self.source = None  # what load_elmo needs to load this model again, when known
        self.stateful = bool(stateful)
        self.start = start
        self._state = None
        self._warm_state = None
        if bilm is None:
            return
        dims = (bilm.projection_dim, bilm.hidden_dim)
        state_spec = [
            [tuple(tf.TensorSpec([None, d], tf.float32) for d in dims) for _ in range(bilm.n_layers)]
            for _ in range(2)
        ]
        self._forward = tf.function(
            bilm.elmo_layers,
            input_signature=[
                tf.TensorSpec([None, None, MAX_CHARS], tf.int32),
                tf.TensorSpec([None], tf.int32),
                state_spec,
            ],
        )

    @classmethod
    def from_files(cls, options_file, weight_file, name=None, stateful=False, start="zero"):
        options = ElmoOptions.read(options_file)
        bilm = BiLM(options, read_weights(weight_file, options), trainable=False)
        return cls(bilm, name=name or Path(weight_file).stem, stateful=stateful, start=start)

    def __repr__(self):
        return (
            f"Elmo({self.name!r}: {self.bilm.n_layers} x LSTM {self.bilm.hidden_dim} units, "
            f"{self.bilm.projection_dim}-d projections, output dim {self.output_dim}, "
            f"{'stateful' if self.stateful else 'stateless'})"
        )

    @property
    def output_dim(self):
        return self.bilm.output_dim

    @property
    def num_layers(self):
        return self.bilm.n_layers + 1

    def reset_states(self):
        """Forget the carried LSTM state (only matters when ``stateful=True``)."""
        self._state = None

    # ---- the forward pass ------------------------------------------------------------------
    def layers_from_tokens(self, tokens, sequence_len):
        """tf.string tokens (B, T) padded with "", int32 sequence_len (B,) -> float32 tensor
        (B, num_layers, T, 2P), zero beyond each length, from a zero state. What the Keras layer
        calls, inside its graph."""
        layers, _ = self.bilm.elmo_layers(char_ids_from_tokens(tokens, sequence_len), sequence_len)
        return layers

    def _start_state(self, batch_size):
        """The state every sentence starts from: zeros, or with ``start="warm"`` the state after
        reading ``WARM_START_SENTENCE`` from zeros (the same for every sentence: deterministic)."""
        if self.start == "zero":
            return self.bilm.zero_state(batch_size)
        if self._warm_state is None:
            ids = batch_to_ids([WARM_START_SENTENCE])
            _, self._warm_state = self._forward(tf.constant(ids, tf.int32), tf.constant([len(WARM_START_SENTENCE)]),
                                                self.bilm.zero_state(1))
        return tf.nest.map_structure(lambda x: tf.tile(x, [batch_size, 1]), self._warm_state)

    def _initial_state(self, batch_size):
        if not self.stateful or self._state is None:
            return self._start_state(batch_size)
        # a carried state belongs to batch rows: keep the rows that exist, start new rows at zero
        def fit(x):
            rows = x[:batch_size]
            missing = batch_size - rows.shape[0]
            return tf.concat([rows, tf.zeros([missing, x.shape[1]])], 0) if missing > 0 else rows

        return [[(fit(h), fit(c)) for h, c in direction] for direction in self._state]

    def _run_ids(self, char_ids, lengths):
        """(B, T, 50) ids and (B,) lengths -> np.float32 (B, 3, T, 2P), zero beyond each length."""
        layers, state = self._forward(
            tf.constant(char_ids, tf.int32), tf.constant(lengths, tf.int32), self._initial_state(len(lengths))
        )
        if self.stateful:
            self._state = _keep_extra_rows(state, self._state)
        return layers.numpy()

    def _run_sentences(self, sentences):
        """The forward pass over checked, non-empty tokenized sentences: np.float32 (B, 3, T, 2P).

        Zero beyond each length. With ``layers_from_tokens``, the method a differently backed Elmo
        (``tfhub_import.HubElmo``) replaces.
        """
        lengths = np.array([len(s) for s in sentences], dtype=np.int32)
        return self._run_ids(batch_to_ids(sentences), lengths)

    # ---- the embedding API ------------------------------------------------------------------
    def embed_batch(self, sentences):
        """One forward pass over exactly these sentences: a list of (3, T_i, 2P) arrays."""
        sentences = as_sentences(sentences)
        if not sentences:
            return []
        layers = self._run_sentences(sentences)
        return [layers[i, :, : len(s)] for i, s in enumerate(sentences)]

    def embed_sentence(self, sentence):
        """ELMo vectors of one tokenized sentence: np.float32 (3, T, 2P)."""
        return self.embed_batch([sentence])[0]

    def embed_sentences(self, sentences, batch_size=64, progress=None):
        """Yield (3, T_i, 2P) per sentence, in input order.

        Stateless models sort sentences by length inside chunks of 32 batches, so that a batch
        holds similar lengths and little padding. A stateful model runs the batches in input
        order, because there the batching decides which state each sentence inherits.
        ``progress``: show a tqdm bar (default: only for more than 20 batches).
        """
        sentences = as_sentences(sentences)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        total_batches = -(-len(sentences) // batch_size)
        show = total_batches > 20 if progress is None else progress
        bar = progress_bar(total=len(sentences), desc="ELMo", unit="sent", disable=not show)
        chunk = batch_size if self.stateful else 32 * batch_size
        for start in range(0, len(sentences), chunk):
            indices = list(range(start, min(start + chunk, len(sentences))))
            if not self.stateful:
                indices.sort(key=lambda i: len(sentences[i]))
            results = {}
            for b in range(0, len(indices), batch_size):
                batch = indices[b : b + batch_size]
                for i, vectors in zip(batch, self.embed_batch([sentences[i] for i in batch])):
                    results[i] = vectors
                bar.update(len(batch))
            for i in sorted(results):
                yield results[i]
        bar.close()

    def embed_file(self, input_file, output_file, batch_size=64, progress=None, mode="all",
                   forget_sentences=False, use_sentence_keys=False, overwrite=False, client=None,
                   work_dir=None, part_lines=PART_LINES):
        """Embed a text file (one whitespace-tokenized sentence per line) into hdf5, in the layout
        of AllenNLP's ``elmo`` command: dataset ``str(i)`` of shape (3, T_i, 2P) for line i with
        ``mode="all"`` ((T_i, 2P) with ``"top"`` or ``"average"``) and ``sentence_to_index``.

        Resumable: a stopped run goes on from where it stopped, and a finished output of the same
        input is kept as it is. An output made from something else is refused unless
        ``overwrite``. See ``elmo_course.embedding_cache`` for the layout and how it works.

        ``client``: a ``dask.distributed.Client``; the parts are embedded on its cluster, each
        worker loading this model once by the name it was loaded with, and the output is the same.
        ``work_dir``: the folder for the parts (one every worker can write). ``part_lines``: lines
        per part, the unit that a resumed run keeps and a cluster task embeds.
        """
        return embed_file(self, input_file, output_file, mode=mode, batch_size=batch_size,
                          forget_sentences=forget_sentences, use_sentence_keys=use_sentence_keys,
                          overwrite=overwrite, progress=progress, client=client, work_dir=work_dir,
                          part_lines=part_lines)

    # ---- the TF-Hub interface -----------------------------------------------------------------
    def __call__(self, tokens, sequence_len):
        """TF-Hub ``tokens`` signature: string tokens (B, T) padded with "", lengths (B,).

        Returns the dict of ``google/elmo/3``: ``word_emb`` (B, T, P), ``lstm_outputs1`` and
        ``lstm_outputs2`` (B, T, 2P), ``elmo`` (B, T, 2P; equal layer weights, scale 1, as the
        TF-Hub module starts) and ``default`` (B, 2P), the mean of ``elmo`` over real tokens.
        """
        sentences, width = tokens_to_sentences(tokens, sequence_len)
        layers = self._run_sentences(sentences)
        layers = np.pad(layers, [(0, 0), (0, 0), (0, width - layers.shape[2]), (0, 0)])
        outputs = tfhub_outputs(layers, [len(s) for s in sentences])
        return {key: value.numpy() for key, value in outputs.items()}

    def export_hub_module(self, path):
        """Write this model as a SavedModel with the signatures of ``google/elmo/3`` (see
        ``tfhub_export.py``)."""
        if self.bilm is None:
            raise ValueError(
                f"{self!r} is backed by a SavedModel, not by biLM weights: it is already exported "
                "(copy its directory instead)"
            )
        return export_hub_module(self.bilm, path)


def tokens_to_sentences(tokens, sequence_len):
    """Check TF-Hub style input, tokens (B, T) and sequence_len (B,); return (sentences, T).

    ``sentences`` are the rows cut to their lengths, as lists of str (bytes are decoded).
    """
    tokens = np.asarray(tokens, dtype=object)
    sequence_len = np.asarray(sequence_len)
    if tokens.ndim != 2:
        raise ValueError(f"tokens must be a 2-D batch (batch_size, max_len), got shape {tokens.shape}")
    if sequence_len.shape != (tokens.shape[0],) or not np.issubdtype(sequence_len.dtype, np.integer):
        raise ValueError(
            f"sequence_len must be integers of shape ({tokens.shape[0]},), got {sequence_len.dtype} "
            f"of shape {sequence_len.shape}"
        )
    if (sequence_len < 1).any() or (sequence_len > tokens.shape[1]).any():
        raise ValueError(
            f"every sequence_len must be between 1 and the tokens' width {tokens.shape[1]}, "
            f"got {sequence_len.tolist()}"
        )
    sentences = [
        [t.decode() if isinstance(t, bytes) else t for t in row[:n]] for row, n in zip(tokens, sequence_len)
    ]
    check_sentences(sentences)
    return sentences, tokens.shape[1]


def _keep_extra_rows(new_state, old_state):
    """A smaller batch updates only its rows of the carried state; the rows beyond it wait for a
    later, larger batch (as AllenNLP does)."""
    if old_state is None:
        return new_state

    def merge(new, old):
        return tf.concat([new, old[new.shape[0]:]], 0) if old.shape[0] > new.shape[0] else new

    return [[(merge(h, oh), merge(c, oc)) for (h, c), (oh, oc) in zip(d, od)]
            for d, od in zip(new_state, old_state)]
