"""``load_elmo``: one entry point for every kind of ELMo the course can use.

Which model: the explicit argument, else the ``ELMO_COURSE_MODEL`` environment variable, else the
tiny model shipped in the package. A name can be

- a directory holding ``options.json`` and one ``*.hdf5`` weight file (AllenNLP / bilm-tf format),
- ``options_file=`` and ``weight_file=`` given separately,
- the name of an official AllenNLP model (``small``, ``medium``, ``original``, ``original5.5B``),
  downloaded once into the cache (needs the network),
- a SavedModel directory written by ``export_hub_module``, or a TF-Hub handle such as
  ``https://tfhub.dev/google/elmo/3`` (needs the network).
"""
import os
from pathlib import Path

from . import registry
from .elmo import Elmo


def _weight_file_in(directory):
    """The biLM weight file of a model directory: the one ``*.hdf5`` that is not a token-embedding
    cache or a softmax (official files are named ``*_weights.hdf5``, the course's ``weights.hdf5``)."""
    candidates = sorted(
        p for p in directory.glob("*.hdf5") if "embedding" not in p.name and p.name != "softmax.hdf5"
    )
    if len(candidates) != 1:
        raise FileNotFoundError(
            f"{directory} should hold options.json and exactly one weight .hdf5 file; "
            f"found {[p.name for p in candidates] or 'no .hdf5 file'}"
        )
    return candidates[0]


def load_elmo(name=None, *, options_file=None, weight_file=None, stateful=False, start="zero"):
    """Load an ELMo (see the module docstring for what ``name`` can be).

    ``stateful=True``: carry the LSTM state from batch to batch (see lesson 05).
    ``start="warm"``: every sentence starts from the state the model reaches after reading
    ``elmo.WARM_START_SENTENCE`` instead of a zero state (deterministic as well; the model card
    measures what each start gives). TF-Hub models can do neither and refuse both.

    The model's ``source`` attribute records what to pass to ``load_elmo`` to load it again
    (Keras layers store it in their config).
    """
    if options_file is not None or weight_file is not None:
        if options_file is None or weight_file is None:
            raise ValueError("give both options_file= and weight_file=, or neither")
        return Elmo.from_files(options_file, weight_file, stateful=stateful, start=start)
    name = str(name or os.environ.get(registry.ENV_VAR) or registry.SHIPPED_MODEL)
    elmo = _load_named(name, stateful, start)
    elmo.source = name
    return elmo


def _load_named(name, stateful, start):
    if name.startswith(("http://", "https://")) or Path(name, "saved_model.pb").is_file():
        from .tfhub_import import load_hub_elmo

        return load_hub_elmo(name, stateful=stateful, start=start)
    if name in registry.OFFICIAL_MODELS:
        options_path, weight_path = registry.fetch_official(name)
        return Elmo.from_files(options_path, weight_path, name=name, stateful=stateful, start=start)
    directory = Path(name)
    if not directory.is_dir() and (registry.PACKAGE_MODELS / name).is_dir():
        directory = registry.PACKAGE_MODELS / name
    if not directory.is_dir():
        if name == registry.SHIPPED_MODEL:
            raise FileNotFoundError(
                f"the shipped model {name!r} is not in this installation ({directory}); "
                "pass a model directory or options_file=/weight_file= instead"
            )
        raise FileNotFoundError(
            f"no ELMo model at {name!r}: expected a directory with options.json + weights .hdf5, a "
            f"SavedModel, a TF-Hub URL, or one of {sorted(registry.OFFICIAL_MODELS)}"
        )
    options_path = directory / "options.json"
    if not options_path.is_file():
        raise FileNotFoundError(f"{directory} has no options.json")
    return Elmo.from_files(options_path, _weight_file_in(directory), name=directory.name, stateful=stateful,
                           start=start)
