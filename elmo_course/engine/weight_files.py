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
so that a wrong or broken file fails early with a message that says what is wrong. The
options.json beside the weights is read by ``options.ElmoOptions``.
"""
from pathlib import Path

import h5py
import numpy as np

from .options import ElmoOptions


def read_weights(path, options):
    """Read every weight ``options`` (``ElmoOptions``) needs from an hdf5 file into a dict of float32 arrays."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"ELMo weight file not found: {path}")
    if not h5py.is_hdf5(path):
        raise ValueError(f"{path} is not an hdf5 file (truncated download or wrong file?)")
    weights = {}
    try:
        with h5py.File(path, "r") as fin:
            for name, shape in ElmoOptions.from_dict(options).expected_shapes().items():
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

