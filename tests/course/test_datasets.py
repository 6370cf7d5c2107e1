"""Dataset loaders (elmo_course.course.datasets)."""

import hashlib
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from elmo_course import registry
from elmo_course.course import datasets


# --- offline IMDB and sentence polarity --------------------------------------------------------

@pytest.mark.parametrize("split, size, positives", [("train", 19924, 9978),
                                                    ("test", 4980, 2494)])
def test_offline_imdb_split_sizes(split, size, positives):
    frame = datasets.load_imdb(split)
    assert list(frame.columns) == ["text", "label"]
    assert len(frame) == size
    assert frame["label"].sum() == positives
    assert set(frame["label"]) == {0, 1}
    assert frame["text"].is_unique


def test_offline_imdb_splits_are_disjoint_and_cover_the_deduplicated_reviews():
    train, test = datasets.load_imdb("train"), datasets.load_imdb("test")
    assert not set(train["text"]) & set(test["text"])
    assert len(train) + len(test) == 24904  # 25,000 aclImdb training reviews, 96 duplicates
    assert len(test) / (len(train) + len(test)) == pytest.approx(0.2, abs=1e-3)


def test_offline_imdb_keeps_raw_text():
    frame = datasets.load_imdb("train")
    assert frame["text"].str.contains("<br />", regex=False).any()


def test_split_does_not_depend_on_seed_but_sample_does():
    assert datasets.load_imdb("test", seed=0).equals(datasets.load_imdb("test", seed=7))
    first = datasets.load_imdb("train", n=200, seed=0)
    assert first.equals(datasets.load_imdb("train", n=200, seed=0))
    assert not first.equals(datasets.load_imdb("train", n=200, seed=1))


def test_sample_is_stratified_and_from_the_split():
    sample = datasets.load_imdb("train", n=1001, seed=3)
    assert len(sample) == 1001
    assert sample["label"].sum() in (500, 501)
    assert set(sample["text"]) <= set(datasets.load_imdb("train")["text"])
    assert sample.index.equals(pd.RangeIndex(1001))


@pytest.mark.parametrize("split, size", [("train", 6824), ("test", 1706)])
def test_sentence_polarity_sizes(split, size):
    frame = datasets.load_sentence_polarity(split)
    assert len(frame) == size
    assert frame["label"].sum() == size // 2
    assert frame["text"].is_unique


def test_sentence_polarity_is_not_imdb():
    sentences = datasets.load_sentence_polarity("train", n=50)
    assert not set(sentences["text"]) & set(datasets.load_imdb("train")["text"])


@pytest.mark.parametrize("call, message", [
    (lambda: datasets.load_imdb("validation"), "unknown split 'validation'"),
    (lambda: datasets.load_sentence_polarity("dev"), "unknown split 'dev'"),
    (lambda: datasets.load_imdb("test", n=5001), "n=5001 is larger than the 4980 rows"),
    (lambda: datasets.load_imdb("test", n=0), "positive integer"),
    (lambda: datasets.load_imdb("test", source="web"), "unknown source 'web'"),
    (lambda: datasets.load_imdb("test", data_dir="x"), "only read with source='aclimdb'"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- aclImdb directory and download --------------------------------------------------------

def _fake_aclimdb(root: Path) -> Path:
    """A tiny aclImdb tree: per split 3 negative and 2 positive reviews."""
    for split in ("train", "test"):
        for folder, ratings in (("neg", (1, 2, 4)), ("pos", (7, 10))):
            directory = root / "aclImdb" / split / folder
            directory.mkdir(parents=True)
            for review_id, rating in enumerate(ratings):
                text = f"{split} {folder} review {review_id}.<br /><br />Rated {rating}."
                (directory / f"{review_id}_{rating}.txt").write_text(text, encoding="utf-8")
    (root / "aclImdb" / "train" / "unsup").mkdir()
    return root / "aclImdb"


def test_aclimdb_directory_is_read_with_official_split(tmp_path):
    root = _fake_aclimdb(tmp_path)
    train = datasets.load_imdb("train", source="aclimdb", data_dir=root)
    assert len(train) == 5
    assert sorted(train["label"]) == [0, 0, 0, 1, 1]
    for text, label in zip(train["text"], train["label"]):
        assert text.startswith("train " + ("pos" if label else "neg"))
    assert "<br /><br />" in train["text"][0]
    test = datasets.load_imdb("test", source="aclimdb", data_dir=str(tmp_path))  # parent also works
    assert all(text.startswith("test ") for text in test["text"])
    assert len(datasets.load_imdb("test", n=2, source="aclimdb", data_dir=root)) == 2


def test_aclimdb_wrong_layout_is_named(tmp_path):
    root = _fake_aclimdb(tmp_path)
    for path in (root / "test" / "pos").iterdir():
        path.unlink()
    with pytest.raises(FileNotFoundError, match="holds no"):
        datasets.load_imdb("test", source="aclimdb", data_dir=root)
    with pytest.raises(FileNotFoundError, match=r"train/neg is not a directory"):
        datasets.load_imdb("train", source="aclimdb", data_dir=tmp_path / "aclImdb" / "train")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load_imdb("train", source="aclimdb", data_dir=tmp_path / "missing")


@pytest.fixture
def fake_archive(tmp_path, monkeypatch):
    """Point the aclImdb registry entry at a local tar.gz and the cache at tmp_path."""
    _fake_aclimdb(tmp_path / "source")
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "source" / "aclImdb", arcname="aclImdb")
    sha256 = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setitem(registry.DOWNLOADS, "aclImdb", registry.Download(archive.as_uri(), "aclImdb_v1.tar.gz", sha256))
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path / "cache"))
    return archive


def test_download_extracts_once_into_the_cache(fake_archive, tmp_path):
    frame = datasets.load_imdb("test", source="aclimdb")
    assert len(frame) == 5
    assert (tmp_path / "cache" / "aclImdb_v1.tar.gz").is_file()
    assert (tmp_path / "cache" / "aclImdb_v1" / "aclImdb" / "test" / "pos").is_dir()
    fake_archive.unlink()  # a second call must not fetch again
    assert datasets.load_imdb("test", source="aclimdb").equals(frame)


def test_download_with_wrong_checksum_keeps_nothing(fake_archive, tmp_path, monkeypatch):
    monkeypatch.setitem(registry.DOWNLOADS, "aclImdb",
                        registry.Download(fake_archive.as_uri(), "aclImdb_v1.tar.gz", "0" * 64))
    with pytest.raises(ValueError, match="expected 0000"):
        registry.download("aclImdb")
    assert list((tmp_path / "cache").iterdir()) == []


# --- Kaggle phrases ------------------------------------------------------------------------

def test_kaggle_phrases(tmp_path):
    path = tmp_path / "train.tsv"
    path.write_text(
        "PhraseId\tSentenceId\tPhrase\tSentiment\n"
        "1\t1\tA \"series\" of escapades , null\t1\n"
        "2\t1\tNA\t2\n"
        "3\t1\t\t2\n"
        "4\t2\tgood for the goose\t4\n",
        encoding="utf-8",
    )
    frame = datasets.load_kaggle_phrases(path)
    assert list(frame.columns) == ["text", "label"]
    assert frame["text"].tolist() == ['A "series" of escapades , null', "NA", "", "good for the goose"]
    assert frame["label"].tolist() == [1, 2, 2, 4]
    assert frame["label"].dtype == np.int64


def test_kaggle_phrases_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load_kaggle_phrases(tmp_path / "train.tsv")
    test_file = tmp_path / "test.tsv"
    test_file.write_text("PhraseId\tSentenceId\tPhrase\n1\t1\tA series\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['Sentiment'\]"):
        datasets.load_kaggle_phrases(test_file)
