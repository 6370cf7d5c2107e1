"""Read and write ELMo weights in the format of bilm-tf and AllenNLP: options.json + an hdf5 file.

Every released ELMo (small, medium, original, original 5.5B) and the course's own tiny model use
this layout. The hdf5 file holds one dataset per weight matrix, named as bilm-tf's ``dump_weights``
names them::

    char_embed                                   (261, char_dim)   row i = character id i + 1
    CNN/W_cnn_{i}, CNN/b_cnn_{i}                 (1, width, char_dim, n_filters), (n_filters,)
    CNN_high_{k}/W_carry, b_carry, W_transform, b_transform   (F, F) and (F,), F = all filters
    CNN_proj/W_proj, b_proj                      (F, P), (P,)       P = lstm projection_dim
    RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/W_0   (P + P, 4 * H)  d = 0 forward, 1 backward
    RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/B     (4 * H,)        gates in TF order i, j, f, o
    RNN_{d}/RNN/MultiRNNCell/Cell{l}/LSTMCell/W_P_0 (H, P)          H = lstm dim

The functions here only move arrays between files and dicts, and check them against the options,
so that a wrong or broken file fails early with a message that says what is wrong.
"""
import json
from pathlib import Path

import h5py
import numpy as np

N_CHAR_ROWS = 261  # 262 symbols; the all-padding id 0 has no row (it embeds to zeros)


def lstm_prefix(direction, layer):
    """hdf5 group of one LSTM layer; direction 0 is forward, 1 is backward."""
    return f"RNN_{direction}/RNN/MultiRNNCell/Cell{layer}/LSTMCell"


def read_options(path):
    """Load options.json, with errors that name the file and the missing key."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ELMo options file not found: {path}")
    try:
        options = json.loads(path.read_text())
    except ValueError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from None
    for section, keys in {
        "char_cnn": ("embedding", "filters", "n_highway", "activation"),
        "lstm": ("dim", "projection_dim", "n_layers"),
    }.items():
        for key in keys:
            if key not in options.get(section, {}):
                raise ValueError(f"{path} has no '{section}.{key}' entry; is it an ELMo options.json?")
    return options


def write_options(options, path):
    Path(path).write_text(json.dumps(options, indent=2) + "\n")


def expected_shapes(options):
    """The shape of every weight that ``options`` asks for, keyed by hdf5 dataset name."""
    cnn, lstm = options["char_cnn"], options["lstm"]
    char_dim = cnn["embedding"]["dim"]
    n_filters = sum(count for _, count in cnn["filters"])
    hidden, proj = lstm["dim"], lstm["projection_dim"]
    shapes = {"char_embed": (N_CHAR_ROWS, char_dim)}
    for i, (width, count) in enumerate(cnn["filters"]):
        shapes[f"CNN/W_cnn_{i}"] = (1, width, char_dim, count)
        shapes[f"CNN/b_cnn_{i}"] = (count,)
    for k in range(cnn["n_highway"]):
        for gate in ("carry", "transform"):
            shapes[f"CNN_high_{k}/W_{gate}"] = (n_filters, n_filters)
            shapes[f"CNN_high_{k}/b_{gate}"] = (n_filters,)
    if n_filters != proj:  # bilm-tf projects the CNN output only when the sizes differ
        shapes["CNN_proj/W_proj"] = (n_filters, proj)
        shapes["CNN_proj/b_proj"] = (proj,)
    for direction in (0, 1):
        for layer in range(lstm["n_layers"]):
            prefix = lstm_prefix(direction, layer)
            shapes[f"{prefix}/W_0"] = (2 * proj, 4 * hidden)
            shapes[f"{prefix}/B"] = (4 * hidden,)
            shapes[f"{prefix}/W_P_0"] = (hidden, proj)
    return shapes


def read_weights(path, options):
    """Read every weight ``options`` needs from an hdf5 file into a dict of float32 arrays."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ELMo weight file not found: {path}")
    if not h5py.is_hdf5(path):
        raise ValueError(f"{path} is not an hdf5 file (truncated download or wrong file?)")
    weights = {}
    try:
        with h5py.File(path, "r") as fin:
            for name, shape in expected_shapes(options).items():
                if name not in fin:
                    raise ValueError(
                        f"{path} has no dataset '{name}', which the options ask for: "
                        "do options.json and the weight file belong to the same model?"
                    )
                if fin[name].shape != shape:
                    raise ValueError(
                        f"'{name}' in {path} has shape {fin[name].shape} but the options imply "
                        f"{shape}: do options.json and the weight file belong to the same model?"
                    )
                weights[name] = fin[name][...].astype(np.float32)
    except OSError as err:
        raise ValueError(f"cannot read {path} as ELMo weights ({err}); the file may be truncated") from None
    return weights


def write_weights(weights, path):
    """Write a dict of arrays to hdf5 in the bilm-tf layout (dataset names are the dict keys)."""
    with h5py.File(path, "w") as fout:
        for name, value in weights.items():
            fout.create_dataset(name, data=np.asarray(value, dtype=np.float32))


def count_parameters(options):
    """Number of biLM parameters ``options`` describes (the char table, CNN, highway, LSTMs)."""
    return int(sum(np.prod(shape) for shape in expected_shapes(options).values()))
