"""Fixtures shared by the test modules: paths, the reference fixture, tiny random models, AllenNLP."""

import copy
import json
from pathlib import Path

import pytest

from elmo_course.engine import bilm, weight_files
from elmo_course.elmo import Elmo

REPO_ROOT = Path(__file__).resolve().parent.parent

# A biLM small enough to build and run in a fraction of a second. The filter total (4 + 6 + 10 =
# 20) differs from projection_dim (8), so the model has a CNN projection, as every released ELMo
# has (AllenNLP always reads one).
TINY_OPTIONS = {
    "lstm": {"use_skip_connections": True, "projection_dim": 8, "cell_clip": 3, "proj_clip": 3,
             "dim": 24, "n_layers": 2},
    "char_cnn": {"activation": "relu", "filters": [[1, 4], [3, 6], [5, 10]], "n_highway": 1,
                 "embedding": {"dim": 6}, "n_characters": 262, "max_characters_per_token": 50},
}


@pytest.fixture(scope="session")
def repo_root():
    """The course's checkout (the folder holding pyproject.toml)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def reference_dir(repo_root):
    """bilm-tf's tiny model and its recorded outputs (see that folder's README.md); skip without it."""
    path = repo_root.parent / "shared" / "fixtures" / "elmo-reference"
    if not (path / "options.json").is_file():
        pytest.skip(f"the ELMo reference fixture is not available at {path}")
    return path


@pytest.fixture
def tiny_options():
    """A fresh copy of TINY_OPTIONS (tests may change it)."""
    return copy.deepcopy(TINY_OPTIONS)


def _write_model(directory, options, seed=0):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    options_file, weight_file = directory / "options.json", directory / "weights.hdf5"
    options_file.write_text(json.dumps(options))  # as given: tests write broken options too
    weight_files.write_weights(bilm.random_weights(options, seed), weight_file)
    return options_file, weight_file


@pytest.fixture(scope="session")
def write_random_model():
    """``write_random_model(directory, options, seed=0)`` writes options.json + weights.hdf5 of a
    biLM with ``bilm.random_weights(options, seed)`` into ``directory`` and returns both paths."""
    return _write_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A model directory (options.json + weights.hdf5) with random TINY_OPTIONS weights."""
    directory = tmp_path_factory.mktemp("tiny-model")
    _write_model(directory, TINY_OPTIONS, seed=0)
    return directory


@pytest.fixture(scope="session")
def tiny_elmo(tiny_model_dir):
    """A stateless Elmo on the tiny random model, shared by tests that only read from it."""
    return Elmo.from_files(tiny_model_dir / "options.json", tiny_model_dir / "weights.hdf5")


@pytest.fixture(scope="session")
def allennlp_elmo():
    """The ``allennlp.modules.elmo`` module, imported the course's way; skip when not installed."""
    from elmo_course.allennlp_compat import import_allennlp_elmo

    try:
        return import_allennlp_elmo()
    except ImportError as err:
        pytest.skip(str(err))
