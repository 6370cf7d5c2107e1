"""elmo-course: the helper library of the ELMo course.

    import elmo_course as ec
    elmo = ec.load_elmo()                      # the shipped tiny ELMo, offline
    elmo.embed_sentence(["The", "cat"])        # (3, 2, 2 * P) float32
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's C++ start-up lines quiet

from .engine.char_ids import batch_to_ids  # noqa: E402

__all__ = ["ElmoEmbedding", "ScalarMix", "batch_to_ids", "load_elmo"]
__version__ = "0.1.0"

# Imported on first use: TensorFlow (load_elmo) and tf_keras (the layers) take seconds to import,
# and the command line checks its arguments before it needs them.
_LAZY = {"load_elmo": "loading", "ElmoEmbedding": "keras_layers", "ScalarMix": "keras_layers"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
