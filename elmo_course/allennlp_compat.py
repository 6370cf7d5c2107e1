"""Import AllenNLP's ELMo modules on today's Python, or say clearly why they are missing.

AllenNLP 2.10.1 is frozen upstream and pins torch<1.13, which has no wheels for Python 3.11.
The course installs it without its pins (``requirements/no-deps-allennlp.txt`` and
``requirements/allennlp-runtime.txt``, run by ``make setup``); this module is the one place that
imports it. Two quirks are handled here:

- ``allennlp.data`` imports torchvision at the top for its image loader. ELMo never touches images,
  so when torchvision is absent a placeholder module stands in for it.
- ``allennlp`` imports ``transformers``, which imports TensorFlow too unless ``USE_TF=0``.
"""
import importlib.util
import os
import sys
import types

INSTALL_HINT = (
    "AllenNLP is not installed in this environment. Run `make setup` in the course folder "
    "(it installs AllenNLP 2.10.1 on the CPU build of torch), or see requirements/no-deps-allennlp.txt."
)


def _torchvision_placeholder():
    module = types.ModuleType("torchvision")
    module.__doc__ = "Placeholder installed by elmo_course: AllenNLP's image code is unavailable."

    def unavailable(*args, **kwargs):
        raise ImportError("torchvision is not installed; AllenNLP's image models need it")

    module.set_image_backend = unavailable
    module.io = types.SimpleNamespace(read_image=unavailable)
    return module


def import_allennlp_elmo():
    """Return the ``allennlp.modules.elmo`` module (``Elmo``, ``batch_to_ids``, ``_ElmoBiLm``)."""
    os.environ.setdefault("USE_TF", "0")
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("allennlp") is None:
        raise ImportError(INSTALL_HINT)
    if "torchvision" not in sys.modules and importlib.util.find_spec("torchvision") is None:
        sys.modules["torchvision"] = _torchvision_placeholder()
    import allennlp.modules.elmo as allennlp_elmo

    return allennlp_elmo
