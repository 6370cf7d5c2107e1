"""load_elmo (elmo_course.loading): every kind of model it reads, and a clear error for every bad file."""

import json
import shutil

import pytest

import elmo_course as ec


# --- bad files --------------------------------------------------------------------------------

def test_missing_model_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no/such/dir"):
        ec.load_elmo("no/such/dir")


def test_missing_weight_file(tiny_model_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="weight file not found: .*missing.hdf5"):
        ec.load_elmo(options_file=tiny_model_dir / "options.json", weight_file=tmp_path / "missing.hdf5")
    shutil.copy(tiny_model_dir / "options.json", tmp_path)
    with pytest.raises(FileNotFoundError, match="no .hdf5 file"):
        ec.load_elmo(tmp_path)


def test_missing_options_file(tiny_model_dir, tmp_path):
    shutil.copy(tiny_model_dir / "weights.hdf5", tmp_path)
    with pytest.raises(FileNotFoundError, match="has no options.json"):
        ec.load_elmo(tmp_path)


def test_truncated_weight_file(tiny_model_dir, tmp_path):
    content = (tiny_model_dir / "weights.hdf5").read_bytes()
    (tmp_path / "weights.hdf5").write_bytes(content[: len(content) // 2])
    shutil.copy(tiny_model_dir / "options.json", tmp_path)
    with pytest.raises(ValueError, match="weights.hdf5.*truncated"):
        ec.load_elmo(tmp_path)


def test_weight_file_that_is_not_hdf5(tiny_model_dir, tmp_path):
    (tmp_path / "weights.hdf5").write_text("<html>404 Not Found</html>\n" * 20)
    shutil.copy(tiny_model_dir / "options.json", tmp_path)
    with pytest.raises(ValueError, match="weights.hdf5 is not an hdf5 file"):
        ec.load_elmo(tmp_path)


def test_options_file_that_is_not_json(tiny_model_dir, tmp_path):
    (tmp_path / "options.json").write_text("{'lstm': ")
    with pytest.raises(ValueError, match="options.json is not valid JSON"):
        ec.load_elmo(options_file=tmp_path / "options.json", weight_file=tiny_model_dir / "weights.hdf5")


@pytest.mark.parametrize(
    "change, dataset",
    [
        (lambda o: o["lstm"].update(dim=32), "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"),
        (lambda o: o["lstm"].update(n_layers=3), "RNN_0/RNN/MultiRNNCell/Cell2/LSTMCell/W_0"),
        (lambda o: o["char_cnn"].update(n_highway=2), "CNN_high_1/W_carry"),
        (lambda o: o["char_cnn"]["embedding"].update(dim=4), "char_embed"),
        (lambda o: o["char_cnn"]["filters"].append([7, 3]), "CNN/W_cnn_3"),
    ],
    ids=["lstm-dim", "n_layers", "n_highway", "char-dim", "filters"],
)
def test_options_that_do_not_match_the_weights_name_the_dataset(tiny_model_dir, tiny_options, tmp_path,
                                                                 change, dataset):
    change(tiny_options)
    (tmp_path / "options.json").write_text(json.dumps(tiny_options))
    with pytest.raises(ValueError, match=f"'{dataset}'.*same model"):
        ec.load_elmo(options_file=tmp_path / "options.json", weight_file=tiny_model_dir / "weights.hdf5")


def test_options_without_a_required_entry(tiny_model_dir, tiny_options, tmp_path):
    del tiny_options["lstm"]["projection_dim"]
    (tmp_path / "options.json").write_text(json.dumps(tiny_options))
    with pytest.raises(ValueError, match="'lstm.projection_dim'"):
        ec.load_elmo(options_file=tmp_path / "options.json", weight_file=tiny_model_dir / "weights.hdf5")
