"""A TF-Hub ELMo as an ``Elmo``: ``load_hub_elmo(handle)`` loads a SavedModel written by
``export_hub_module`` or the real ``https://tfhub.dev/google/elmo/3`` (needs the network) and
returns a ``HubElmo``, whose forward pass is the module's ``tokens`` signature, so that every
``embed_*`` method works on it as on a native model.
"""
import tensorflow as tf

from .elmo import Elmo, tokens_to_sentences
from .engine.layer_mix import stack_layers
from .engine.text_ops import padded_tokens


class HubElmo(Elmo):
    """An ``Elmo`` whose forward pass is a TF-Hub module's ``tokens`` signature.

    It has the whole embedding API of ``Elmo`` (``embed_sentence``, ``embed_sentences``,
    ``embed_batch``, ``embed_file``, ``__call__``, ``output_dim``) and is always stateless: the
    TF-Hub module starts every call from a zero LSTM state, so ``stateful=True`` and a warm start
    are refused.
    """

    def __init__(self, module, name, stateful=False, start="zero"):
        if stateful or start != "zero":
            raise ValueError(
                f"{name!r} is a TF-Hub module, which starts every call from a zero LSTM state: it cannot "
                f"run with {'stateful=True' if stateful else f'start={start!r}'}. Load a model from "
                "options.json + weights (a directory or an official name) for that."
            )
        super().__init__(None, name=name)
        self.module = module
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
        return stack_layers(outputs["word_emb"], [outputs[k] for k in self._layer_keys[1:]])

    def _run_sentences(self, sentences):
        return self.layers_from_tokens(*_as_tensors(*padded_tokens(sentences))).numpy()

    def __call__(self, tokens, sequence_len):
        """TF-Hub ``tokens`` signature with numpy in and out, and the checks of ``Elmo.__call__``.

        ``elmo`` and ``default`` use the module's own aggregation weights.
        """
        sentences, width = tokens_to_sentences(tokens, sequence_len)
        tokens, lengths = _as_tensors(*padded_tokens(sentences, width))
        outputs = self._tokens_signature(tokens=tokens, sequence_len=lengths)
        return {k: outputs[k].numpy() for k in ("word_emb", *self._layer_keys[1:], "elmo", "default")}


def _as_tensors(tokens, sequence_len):
    """numpy (tokens, sequence_len) from ``padded_tokens`` -> tf.string and tf.int32 tensors."""
    return tf.constant(tokens.astype(str), tf.string), tf.constant(sequence_len, tf.int32)


def load_hub_elmo(handle, stateful=False, start="zero"):
    """Load a SavedModel directory or a TF-Hub handle with ELMo's ``tokens`` signature as an Elmo."""
    import tensorflow_hub as hub

    handle = str(handle)
    try:
        module = hub.load(handle)
    except OSError as err:  # a missing or unreadable directory, or no network for a URL
        raise FileNotFoundError(f"could not load a TF-Hub module from {handle!r}: {err}") from None
    except ValueError as err:  # it was found, but it is not a SavedModel this TensorFlow can read
        raise ValueError(f"{handle!r} is not a loadable TF-Hub module: {err}") from None
    if "tokens" not in getattr(module, "signatures", {}):
        raise ValueError(f"{handle!r} has no 'tokens' signature: is it an ELMo module?")
    return HubElmo(module, name=handle, stateful=stateful, start=start)
