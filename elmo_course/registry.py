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
    """Download ``url`` to ``target`` once and return ``target``.

    The file arrives under a temporary name and is kept only if it matches ``sha256`` (when one is
    known), so a cut-off download never looks like a cached file. Without a known digest, the
    first download's digest is recorded in ``target.sha256`` and checked on every later call.
    """
    target = Path(target)
    record = target.with_name(target.name + ".sha256")
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        try:
            try:
                with urllib.request.urlopen(url) as response, open(partial, "wb") as fout:
                    shutil.copyfileobj(response, fout, 1 << 20)
            except OSError as err:
                raise OSError(
                    f"could not download {url} ({err}). Without network, use the shipped model and "
                    "the offline datasets, or pass a local path."
                ) from None
            actual = sha256_of(partial)
            if sha256 and actual != sha256:
                raise ValueError(f"{url} has sha256 {actual}, expected {sha256}; the file was discarded")
            os.replace(partial, target)
            if not sha256:
                record.write_text(actual + "\n")
        finally:
            partial.unlink(missing_ok=True)
    expected = sha256 or (record.read_text().strip() if record.is_file() else None)
    if expected and sha256_of(target) != expected:
        raise ValueError(f"{target} does not match its sha256 {expected}: delete it and download again")
    return target


def fetch_official(name):
    """Download (once) and return (options_file, weight_file) of an official ELMo."""
    options_url, weights_url = official_urls(name)
    folder = cache_dir() / "elmo" / name
    return (download(options_url, folder / "options.json"), download(weights_url, folder / "weights.hdf5"))
