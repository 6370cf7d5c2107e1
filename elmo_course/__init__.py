"""elmo-course: the helper library of the ELMo course.

    import elmo_course as ec
    elmo = ec.load_elmo()                      # the shipped tiny ELMo, offline
    elmo.embed_sentence(["The", "cat"])        # (3, 2, 2 * P) float32
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's C++ start-up lines quiet

from .chars import batch_to_ids  # noqa: E402
from .loading import load_elmo  # noqa: E402

__all__ = ["ElmoEmbedding", "ScalarMix", "batch_to_ids", "load_elmo"]
__version__ = "0.1.0"

_LAZY = {"ElmoEmbedding": "layers", "ScalarMix": "layers"}  # these import tf_keras: only on first use


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
