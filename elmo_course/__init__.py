"""elmo-course: the helper library of the ELMo course.

    import elmo_course as ec
    elmo = ec.load_elmo()                      # the shipped tiny ELMo, offline
    elmo.embed_sentence(["The", "cat"])        # (3, 2, 2 * P) float32
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's C++ start-up lines quiet

from .chars import batch_to_ids  # noqa: E402
from .loading import load_elmo  # noqa: E402

__all__ = ["batch_to_ids", "load_elmo"]
__version__ = "0.1.0"
