"""options.json as a typed object (elmo_course.engine.options)."""
import json

import numpy as np
import pytest

from elmo_course import registry
from elmo_course.engine.options import ElmoOptions


def test_read_write_round_trip_keeps_unknown_keys(tiny_options, tmp_path):
    tiny_options["n_negative_samples_batch"] = 8192  # a bilm-tf training setting the course ignores
    (tmp_path / "options.json").write_text(json.dumps(tiny_options))
    options = ElmoOptions.read(tmp_path / "options.json")
    assert (options.hidden_dim, options.projection_dim, options.n_filters) == (24, 8, 20)
    options.write(tmp_path / "again.json")
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["n_negative_samples_batch"] == 8192
    assert ElmoOptions.from_dict(again) == options


def test_bad_values_are_value_errors_that_name_the_problem(tiny_options):
    tiny_options["char_cnn"]["activation"] = "gelu"
    with pytest.raises(ValueError, match="activation must be one of"):
        ElmoOptions.from_dict(tiny_options)
    with pytest.raises(ValueError, match="'lstm.dim'"):
        ElmoOptions.from_dict({"char_cnn": tiny_options["char_cnn"], "lstm": {"projection_dim": 8, "n_layers": 2}})
    with pytest.raises(ValueError, match="hidden_dim must be a positive whole number"):
        ElmoOptions.build(hidden=0)


def test_sizes_of_the_official_small_model():
    small = registry.OFFICIAL_MODELS["small"][1]
    assert small.n_filters == 2048 and small.output_dim == 256
    shapes = small.expected_shapes()
    assert shapes["CNN_proj/W_proj"] == (2048, 128)
    assert shapes["RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/W_0"] == (256, 4096)
    assert small.count_parameters() == sum(int(np.prod(shape)) for shape in shapes.values())
