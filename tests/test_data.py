"""Dataset loaders and the course tokenizer (elmo_course.data)."""

import hashlib
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from elmo_course import data


# --- offline IMDB and sentence polarity --------------------------------------------------------

@pytest.mark.parametrize("split, size, positives", [("train", 19924, 9978),
                                                    ("test", 4980, 2494)])
def test_offline_imdb_split_sizes(split, size, positives):
    frame = data.load_imdb(split)
    assert list(frame.columns) == ["text", "label"]
    assert len(frame) == size
    assert frame["label"].sum() == positives
    assert set(frame["label"]) == {0, 1}
    assert frame["text"].is_unique


def test_offline_imdb_splits_are_disjoint_and_cover_the_deduplicated_reviews():
    train, test = data.load_imdb("train"), data.load_imdb("test")
    assert not set(train["text"]) & set(test["text"])
    assert len(train) + len(test) == 24904  # 25,000 aclImdb training reviews, 96 duplicates
    assert len(test) / (len(train) + len(test)) == pytest.approx(0.2, abs=1e-3)


def test_offline_imdb_keeps_raw_text():
    frame = data.load_imdb("train")
    assert frame["text"].str.contains("<br />", regex=False).any()


def test_split_does_not_depend_on_seed_but_sample_does():
    assert data.load_imdb("test", seed=0).equals(data.load_imdb("test", seed=7))
    first = data.load_imdb("train", n=200, seed=0)
    assert first.equals(data.load_imdb("train", n=200, seed=0))
    assert not first.equals(data.load_imdb("train", n=200, seed=1))


def test_sample_is_stratified_and_from_the_split():
    sample = data.load_imdb("train", n=1001, seed=3)
    assert len(sample) == 1001
    assert sample["label"].sum() in (500, 501)
    assert set(sample["text"]) <= set(data.load_imdb("train")["text"])
    assert sample.index.equals(pd.RangeIndex(1001))


@pytest.mark.parametrize("split, size", [("train", 6824), ("test", 1706)])
def test_sentence_polarity_sizes(split, size):
    frame = data.load_sentence_polarity(split)
    assert len(frame) == size
    assert frame["label"].sum() == size // 2
    assert frame["text"].is_unique


def test_sentence_polarity_is_not_imdb():
    sentences = data.load_sentence_polarity("train", n=50)
    assert not set(sentences["text"]) & set(data.load_imdb("train")["text"])


@pytest.mark.parametrize("call, message", [
    (lambda: data.load_imdb("validation"), "unknown split 'validation'"),
    (lambda: data.load_sentence_polarity("dev"), "unknown split 'dev'"),
    (lambda: data.load_imdb("test", n=5001), "n=5001 is larger than the 4980 rows"),
    (lambda: data.load_imdb("test", n=0), "positive integer"),
    (lambda: data.load_imdb("test", source="web"), "unknown source 'web'"),
    (lambda: data.load_imdb("test", data_dir="x"), "only read with source='aclimdb'"),
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
    train = data.load_imdb("train", source="aclimdb", data_dir=root)
    assert len(train) == 5
    assert sorted(train["label"]) == [0, 0, 0, 1, 1]
    for text, label in zip(train["text"], train["label"]):
        assert text.startswith("train " + ("pos" if label else "neg"))
    assert "<br /><br />" in train["text"][0]
    test = data.load_imdb("test", source="aclimdb", data_dir=str(tmp_path))  # parent also works
    assert all(text.startswith("test ") for text in test["text"])
    assert len(data.load_imdb("test", n=2, source="aclimdb", data_dir=root)) == 2


def test_aclimdb_wrong_layout_is_named(tmp_path):
    root = _fake_aclimdb(tmp_path)
    for path in (root / "test" / "pos").iterdir():
        path.unlink()
    with pytest.raises(FileNotFoundError, match="holds no"):
        data.load_imdb("test", source="aclimdb", data_dir=root)
    with pytest.raises(FileNotFoundError, match=r"train/neg is not a directory"):
        data.load_imdb("train", source="aclimdb", data_dir=tmp_path / "aclImdb" / "train")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_imdb("train", source="aclimdb", data_dir=tmp_path / "missing")


@pytest.fixture
def fake_archive(tmp_path, monkeypatch):
    """Point the aclImdb registry entry at a local tar.gz and the cache at tmp_path."""
    _fake_aclimdb(tmp_path / "source")
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "source" / "aclImdb", arcname="aclImdb")
    sha256 = hashlib.sha256(archive.read_bytes()).hexdigest()
    monkeypatch.setitem(data.DOWNLOADS, "aclImdb", data.Download(archive.as_uri(), sha256))
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path / "cache"))
    return archive


def test_registry_has_the_published_aclimdb_checksum():
    entry = data.DOWNLOADS["aclImdb"]
    assert entry.url.endswith("/aclImdb_v1.tar.gz")
    assert entry.sha256 == "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path))
    assert data.cache_dir() == tmp_path
    monkeypatch.delenv("ELMO_COURSE_CACHE")
    assert data.cache_dir() == Path.home() / ".cache" / "elmo_course"


def test_download_extracts_once_into_the_cache(fake_archive, tmp_path):
    frame = data.load_imdb("test", source="aclimdb")
    assert len(frame) == 5
    assert (tmp_path / "cache" / "aclImdb_v1.tar.gz").is_file()
    assert (tmp_path / "cache" / "aclImdb_v1" / "aclImdb" / "test" / "pos").is_dir()
    fake_archive.unlink()  # a second call must not fetch again
    assert data.load_imdb("test", source="aclimdb").equals(frame)


def test_download_with_wrong_checksum_keeps_nothing(fake_archive, tmp_path, monkeypatch):
    monkeypatch.setitem(data.DOWNLOADS, "aclImdb",
                        data.Download(fake_archive.as_uri(), "0" * 64))
    with pytest.raises(ValueError, match="expected 0000"):
        data.download("aclImdb")
    assert list((tmp_path / "cache").iterdir()) == []


def test_unknown_download_is_named():
    with pytest.raises(ValueError, match="unknown download 'glove'"):
        data.download("glove")


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
    frame = data.load_kaggle_phrases(path)
    assert list(frame.columns) == ["text", "label"]
    assert frame["text"].tolist() == ['A "series" of escapades , null', "NA", "", "good for the goose"]
    assert frame["label"].tolist() == [1, 2, 2, 4]
    assert frame["label"].dtype == np.int64


def test_kaggle_phrases_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load_kaggle_phrases(tmp_path / "train.tsv")
    test_file = tmp_path / "test.tsv"
    test_file.write_text("PhraseId\tSentenceId\tPhrase\n1\t1\tA series\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['Sentiment'\]"):
        data.load_kaggle_phrases(test_file)


# --- tokenizer -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, tokens", [
    ("I don't like it's ending.", ["I", "do", "n't", "like", "it", "'s", "ending", "."]),
    ("Can't WON'T isn't", ["Ca", "n't", "WO", "N'T", "is", "n't"]),
    ("We'll see, I'm sure they've gone.",
     ["We", "'ll", "see", ",", "I", "'m", "sure", "they", "'ve", "gone", "."]),
    ("Great film.<br /><br />See it!", ["Great", "film", ".", "See", "it", "!"]),
    ("a well-known film--which cost $5.99 in 1999... (10/10)",
     ["a", "well-known", "film", "--", "which", "cost", "$", "5.99", "in", "1999", "...",
      "(", "10", "/", "10", ")"]),
    ("1,000 extras in the 1980s", ["1,000", "extras", "in", "the", "1980s"]),
    ('"Yes," she said.', ['"', "Yes", ",", '"', "she", "said", "."]),
    ("The café’s owner didn’t", ["The", "café", "’s", "owner", "did", "n’t"]),
    ("", []),
])
def test_tokenize(text, tokens):
    assert data.tokenize(text) == tokens


def test_tokenize_handles_pretokenized_rotten_tomatoes():
    text = "it's a charming , funny film that doesn't overstay its welcome ."
    assert data.tokenize(text) == ["it", "'s", "a", "charming", ",", "funny", "film", "that",
                                   "does", "n't", "overstay", "its", "welcome", "."]


def test_tokenize_refuses_non_text():
    with pytest.raises(ValueError, match="expected a str"):
        data.tokenize(None)


def test_split_sentences():
    review = 'Great cast. Weak plot!<br /><br />He said "Go." Then why? (It ends.) the end.'
    assert data.split_sentences(review) == [
        "Great cast.", "Weak plot!", 'He said "Go."', "Then why?", "(It ends.) the end."]
    assert data.split_sentences("") == []
    assert data.split_sentences("lower case . no split here .") == ["lower case . no split here ."]


# --- padded_tokens: the (tokens, sequence_len) input of elmo(...) and the Keras layer ------------

def test_padded_tokens_pads_truncates_and_round_trips():
    from elmo_course.embedder import tokens_to_sentences

    lists = [data.tokenize("A fine, funny film."), ["dull"], data.tokenize("Not bad at all, really.")]
    tokens, sequence_len = data.padded_tokens(lists)
    assert tokens.shape == (3, 7) and tokens.dtype == object
    assert sequence_len.dtype == np.int32 and sequence_len.tolist() == [6, 1, 7]
    assert tokens[1].tolist() == ["dull"] + [""] * 6
    assert tokens_to_sentences(tokens, sequence_len) == (lists, 7)

    short, short_len = data.padded_tokens(lists, max_tokens=2)
    assert short.tolist() == [["A", "fine"], ["dull", ""], ["Not", "bad"]]
    assert short_len.tolist() == [2, 1, 2]
    wide, _ = data.padded_tokens([["x"]], max_tokens=4)
    assert wide.tolist() == [["x", "", "", ""]]


def test_padded_tokens_edge_cases_and_errors():
    tokens, sequence_len = data.padded_tokens([])
    assert tokens.shape == (0, 0) and sequence_len.shape == (0,)
    with pytest.raises(ValueError, match="max_tokens must be at least 1"):
        data.padded_tokens([["a"]], max_tokens=0)
    with pytest.raises(TypeError, match="sentence 1 holds a token that is not a string"):
        data.padded_tokens([["a"], ["b", 3]])
