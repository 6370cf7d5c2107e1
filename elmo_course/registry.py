"""Where models and data come from: the shipped tiny model, the official AllenNLP models, TF-Hub,
and ``DOWNLOADS``, the one table of files the course fetches from the internet.

Every download lands in one cache directory, ``cache_dir()`` (``$ELMO_COURSE_CACHE``, default
``~/.cache/elmo_course``), under a temporary name until it is complete. The official weights are
large (the original model's hdf5 is 374 MB), so they are fetched only when a learner asks for one
by name. AllenNLP publishes no checksums for them: the first download records the file's sha256
beside it and every later use checks the file against that record (a truncated or replaced file
fails loudly instead of giving garbage). Not to be confused with ``embedding_cache.py``, the hdf5
files of ELMo vectors that ``embed_file`` writes.

Offline, ``$ELMO_COURSE_DATA`` names a folder laid out like the cache (each file at its
``Download.path``, e.g. ``ud-english-ewt-r2.16/en_ewt-ud-dev.conllu``): a file found there is
used in place, after the same sha256 check. ``make`` points it at ``../shared/data`` when that
folder exists.
"""
import hashlib
import os
import shutil
import urllib.request
from pathlib import Path
from typing import NamedTuple

from .engine.options import ElmoOptions

PACKAGE_MODELS = Path(__file__).parent / "models"
SHIPPED_MODEL = "elmo-course-tiny"
ENV_VAR = "ELMO_COURSE_MODEL"
DATA_ENV_VAR = "ELMO_COURSE_DATA"  # a local folder with copies of DOWNLOADS files (offline)
TFHUB_ELMO = "https://tfhub.dev/google/elmo/3"

_S3 = "https://allennlp.s3.amazonaws.com/models/elmo"


def _official(hidden, projection, n_highway):
    filters = ((1, 32), (2, 32), (3, 64), (4, 128), (5, 256), (6, 512), (7, 1024))
    return ElmoOptions.build(hidden, projection, filters, n_highway)


# name -> (AllenNLP file stem, options). The options are those of the published options.json files.
OFFICIAL_MODELS = {
    "small": ("2x1024_128_2048cnn_1xhighway", _official(1024, 128, 1)),
    "medium": ("2x2048_256_2048cnn_1xhighway", _official(2048, 256, 1)),
    "original": ("2x4096_512_2048cnn_2xhighway", _official(4096, 512, 2)),
    "original5.5B": ("2x4096_512_2048cnn_2xhighway_5.5B", _official(4096, 512, 2)),
}


def cache_dir():
    return Path(os.environ.get("ELMO_COURSE_CACHE", Path.home() / ".cache" / "elmo_course"))


class Download(NamedTuple):
    """A file the course may fetch: where it lives, where it goes in the cache, and its sha256
    (None: not published; the first download records it)."""

    url: str
    path: str
    sha256: str | None = None


DOWNLOADS: dict[str, Download] = {
    # Maas et al. (2011), "Learning Word Vectors for Sentiment Analysis"; 84,125,825 bytes.
    "aclImdb": Download(
        url="http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        path="aclImdb_v1.tar.gz",
        sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
    ),
}
# Token-level data (CC BY-SA 4.0): UD English-EWT r2.16 (Silveira et al. 2014) with gold universal
# POS tags, and Universal NER v1 English-EWT (Mayhew et al. 2024), the same sentences with
# PER/LOC/ORG spans. Only dev and test: the lessons train on dev and report on test.
_UD_EWT = "https://raw.githubusercontent.com/UniversalDependencies/UD_English-EWT/r2.16"
_UNER_EWT = "https://raw.githubusercontent.com/UniversalNER/UNER_English-EWT/8ed072de2fd24022cc62458997fe96a8fe191ea4"
for _split, _ud_sha, _ner_sha in (
    ("dev", "531a54ff90d6ab12201c5a50c3e78e6ddac4de69abc4bce5d275d3cd29efe2b6",
     "0cafd881cf31d39897b6d588420fab8fbbe4423d271725c59921ac9dd49c0713"),
    ("test", "e266e515a0a7547657ed3d90d9ba46487d6bd251f27ad4269d4e8a427c8555cd",
     "821ad826d5f503ac03b4edc3fbc2174f21fbb005ec25863caf2051c434616d6e"),
):
    DOWNLOADS[f"ud-ewt-{_split}"] = Download(f"{_UD_EWT}/en_ewt-ud-{_split}.conllu",
                                             f"ud-english-ewt-r2.16/en_ewt-ud-{_split}.conllu", _ud_sha)
    DOWNLOADS[f"uner-ewt-{_split}"] = Download(f"{_UNER_EWT}/en_ewt-ud-{_split}.iob2",
                                               f"uner-english-ewt/en_ewt-ud-{_split}.iob2", _ner_sha)
for _name, (_stem, _) in OFFICIAL_MODELS.items():  # AllenNLP publishes no checksums for these
    DOWNLOADS[f"elmo-{_name}-options"] = Download(f"{_S3}/{_stem}/elmo_{_stem}_options.json",
                                                  f"elmo/{_name}/options.json")
    DOWNLOADS[f"elmo-{_name}-weights"] = Download(f"{_S3}/{_stem}/elmo_{_stem}_weights.hdf5",
                                                  f"elmo/{_name}/weights.hdf5")


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fin:
        for block in iter(lambda: fin.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(url, target, sha256=None):
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


def _entry(name):
    if name not in DOWNLOADS:
        raise ValueError(f"unknown download {name!r}; expected one of {sorted(DOWNLOADS)}")
    return DOWNLOADS[name]


def local_copy(name):
    """Where ``DOWNLOADS[name]`` already is on this machine without downloading: in the folder
    ``$ELMO_COURSE_DATA`` names, else in the cache; None when in neither (not checked here)."""
    entry = _entry(name)
    folder = os.environ.get(DATA_ENV_VAR)
    for path in ([Path(folder) / entry.path] if folder else []) + [cache_dir() / entry.path]:
        if path.is_file():
            return path
    return None


def download(name):
    """The local path of ``DOWNLOADS[name]``: the copy in ``$ELMO_COURSE_DATA`` when there is one,
    else the cached file, downloaded on first use; checked against its sha256 either way."""
    entry = _entry(name)
    copy = local_copy(name)
    if copy is not None and copy != cache_dir() / entry.path:
        if entry.sha256 and sha256_of(copy) != entry.sha256:
            raise ValueError(f"{copy} does not match its sha256 {entry.sha256}: replace it with a fresh "
                             f"copy of {entry.url}")
        return copy
    try:
        return fetch(entry.url, cache_dir() / entry.path, entry.sha256)
    except OSError as err:
        folder = os.environ.get(DATA_ENV_VAR)
        raise FileNotFoundError(
            f"{name} is not on this machine and could not be downloaded (see above). "
            f"Download {entry.url} and put it at {cache_dir() / entry.path}, or into a folder of your "
            f"choice as <folder>/{entry.path} and set {DATA_ENV_VAR}=<folder>"
            + (f" (now {DATA_ENV_VAR}={folder}, which lacks it)" if folder else "") + "."
        ) from err


def fetch_official(name):
    """Download (once) and return (options_file, weight_file) of an official ELMo."""
    if name not in OFFICIAL_MODELS:
        raise ValueError(f"unknown official ELMo {name!r}; choose one of {sorted(OFFICIAL_MODELS)}")
    return download(f"elmo-{name}-options"), download(f"elmo-{name}-weights")
