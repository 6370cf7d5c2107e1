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
from .embedder import START_STATES, Elmo


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

    ``start="warm"``: every sentence starts from the state the model reaches after reading
    ``embedder.WARM_START_SENTENCE`` instead of a zero state (deterministic as well; the model card
    measures what each start gives). Not available for TF-Hub models.

    The model's ``source`` attribute records what to pass to ``load_elmo`` to load it again
    (Keras layers store it in their config).
    """
    elmo = _load(name, options_file, weight_file, stateful)
    if start != "zero":
        if not hasattr(elmo, "start"):
            raise ValueError(f"start={start!r} needs an options.json + weights model, not a TF-Hub module")
        if start not in START_STATES:
            raise ValueError(f"start must be one of {START_STATES}, got {start!r}")
        elmo.start = start
    if getattr(elmo, "source", None) is None and options_file is None:
        elmo.source = str(name or os.environ.get(registry.ENV_VAR) or registry.SHIPPED_MODEL)
    return elmo


def _load(name, options_file, weight_file, stateful):
    if options_file is not None or weight_file is not None:
        if options_file is None or weight_file is None:
            raise ValueError("give both options_file= and weight_file=, or neither")
        return Elmo.from_files(options_file, weight_file, stateful=stateful)
    name = name or os.environ.get(registry.ENV_VAR) or registry.SHIPPED_MODEL
    name = str(name)
    if name.startswith(("http://", "https://")) or Path(name, "saved_model.pb").is_file():
        from .hub import load_hub_elmo

        return load_hub_elmo(name)
    if name in registry.OFFICIAL_MODELS:
        options_path, weight_path = registry.fetch_official(name)
        return Elmo.from_files(options_path, weight_path, name=name, stateful=stateful)
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
    return Elmo.from_files(options_path, _weight_file_in(directory), name=directory.name, stateful=stateful)
