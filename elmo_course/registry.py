"""Where ELMo models live: the shipped tiny model, the official AllenNLP models, TF-Hub.

The official weights are large (the original model's hdf5 is 374 MB) and come from the network, so
they are fetched only when a learner asks for one by name, into one cache directory
(``$ELMO_COURSE_CACHE``, default ``~/.cache/elmo_course``). AllenNLP publishes no checksums for
them, so the first download records the file's sha256 beside it and every later use checks the
file against that record (a truncated or replaced file fails loudly instead of giving garbage).
"""
import hashlib
import os
import shutil
import urllib.request
from pathlib import Path

PACKAGE_MODELS = Path(__file__).parent / "models"
SHIPPED_MODEL = "elmo-course-tiny"
ENV_VAR = "ELMO_COURSE_MODEL"
TFHUB_ELMO = "https://tfhub.dev/google/elmo/3"

_S3 = "https://allennlp.s3.amazonaws.com/models/elmo"


def _official(hidden, proj, n_highway):
    return {
        "lstm": {"use_skip_connections": True, "projection_dim": proj, "cell_clip": 3,
                 "proj_clip": 3, "dim": hidden, "n_layers": 2},
        "char_cnn": {"activation": "relu",
                     "filters": [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]],
                     "n_highway": n_highway, "embedding": {"dim": 16}, "n_characters": 262,
                     "max_characters_per_token": 50},
    }


# name -> (AllenNLP file stem, options). The options are those of the published options.json files.
OFFICIAL_MODELS = {
    "small": ("2x1024_128_2048cnn_1xhighway", _official(1024, 128, 1)),
    "medium": ("2x2048_256_2048cnn_1xhighway", _official(2048, 256, 1)),
    "original": ("2x4096_512_2048cnn_2xhighway", _official(4096, 512, 2)),
    "original5.5B": ("2x4096_512_2048cnn_2xhighway_5.5B", _official(4096, 512, 2)),
}


def cache_dir():
    return Path(os.environ.get("ELMO_COURSE_CACHE", Path.home() / ".cache" / "elmo_course"))


def official_urls(name):
    """(options_url, weights_url) of an official AllenNLP ELMo."""
    if name not in OFFICIAL_MODELS:
        raise ValueError(f"unknown official ELMo {name!r}; choose one of {sorted(OFFICIAL_MODELS)}")
    stem = OFFICIAL_MODELS[name][0]
    return (f"{_S3}/{stem}/elmo_{stem}_options.json", f"{_S3}/{stem}/elmo_{stem}_weights.hdf5")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fin:
        for block in iter(lambda: fin.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url, target, sha256=None):
    """Download ``url`` to ``target`` once; check it against ``sha256`` or the recorded digest."""
    target = Path(target)
    record = target.with_name(target.name + ".sha256")
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            with urllib.request.urlopen(url) as response, open(partial, "wb") as fout:
                shutil.copyfileobj(response, fout)
        except OSError as err:
            raise OSError(
                f"could not download {url} ({err}). Without network, use the shipped model "
                f"(load_elmo() with no argument) or pass a local directory."
            ) from None
        os.replace(partial, target)
        if sha256 is None:
            record.write_text(sha256_of(target) + "\n")
    expected = sha256 or (record.read_text().strip() if record.is_file() else None)
    if expected and sha256_of(target) != expected:
        raise ValueError(f"{target} does not match its sha256 {expected}: delete it and download again")
    return target


def fetch_official(name):
    """Download (once) and return (options_file, weight_file) of an official ELMo."""
    options_url, weights_url = official_urls(name)
    folder = cache_dir() / "elmo" / name
    return (download(options_url, folder / "options.json"), download(weights_url, folder / "weights.hdf5"))
