"""ELMo character ids (elmo_course.chars): the exact ids AllenNLP and bilm-tf feed their models."""

import numpy as np
import pytest

from elmo_course import batch_to_ids
from elmo_course.engine.char_ids import BOS_IDS, EOS_IDS, MAX_CHARS, token_to_ids

# Written out by hand from the alphabet: BOW 258, EOW 259, PAD 260, each id shifted by +1.
BOW, EOW, PAD = 259, 260, 261

BATCHES = {
    "ascii": [["The", "cat", "sat", "on", "the", "mat", "."]],
    "chinese": [["我", "喜欢", "自然语言处理"]],
    "emoji": [["I", "❤️", "ELMo", "🙂🙂", "👩‍👩‍👧"]],
    "accents": [["naïve", "café", "Ünïcödé", "ß"]],
    "empty string": [["", "a", ""]],
    "sixty ascii": [["a" * 60, "b" * 49, "c" * 48, "d" * 47]],
    "sixty chinese": [["字" * 60, "é" * 60, "🙂" * 60]],  # cut in the middle of a character
    "sentence markers": [["<S>", "a", "</S>", "<UNK>"]],
    "mixed lengths": [["one"], ["two", "tokens"], ["a", "much", "longer", "sentence", "here", "!"]],
}


@pytest.mark.parametrize("batch", list(BATCHES.values()), ids=list(BATCHES))
def test_batch_to_ids_equals_allennlp(allennlp_elmo, batch):
    expected = allennlp_elmo.batch_to_ids(batch).numpy()
    got = batch_to_ids(batch)
    assert got.dtype == np.int32
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_mixed_lengths_equal_allennlp_and_pad_with_zero_rows(allennlp_elmo):
    batch = BATCHES["mixed lengths"]
    got = batch_to_ids(batch)
    np.testing.assert_array_equal(got, allennlp_elmo.batch_to_ids(batch).numpy())
    assert got.shape == (3, 6, MAX_CHARS)
    assert (got[0, 1:] == 0).all() and (got[1, 2:] == 0).all()
    assert (got[2] > 0).any(axis=-1).all()


def test_token_ids_by_hand():
    assert token_to_ids("a") == [BOW, ord("a") + 1, EOW] + [PAD] * 47
    assert token_to_ids("") == [BOW, EOW] + [PAD] * 48
    # "é" is two UTF-8 bytes (0xC3 0xA9): ids are bytes, not code points
    assert token_to_ids("é")[:4] == [BOW, 0xC3 + 1, 0xA9 + 1, EOW]


def test_sentence_markers_have_their_own_ids():
    assert BOS_IDS.tolist()[:4] == [BOW, 256 + 1, EOW, PAD]
    assert EOS_IDS.tolist()[:4] == [BOW, 257 + 1, EOW, PAD]
    assert token_to_ids("<S>") == BOS_IDS.tolist()
    assert token_to_ids("</S>") == EOS_IDS.tolist()


@pytest.mark.parametrize("token", ["x" * 60, "字" * 60, "🙂" * 13])
def test_long_tokens_keep_their_first_48_bytes(token):
    ids = token_to_ids(token)
    assert len(ids) == MAX_CHARS
    assert ids[0] == BOW and ids[-1] == EOW
    assert ids[1:49] == [b + 1 for b in token.encode("utf-8")[:48]]


def test_tokens_that_share_their_first_48_bytes_get_the_same_ids():
    assert token_to_ids("a" * 48 + "xyz") == token_to_ids("a" * 48 + "uvw")
    assert token_to_ids("a" * 47 + "xyz") != token_to_ids("a" * 47 + "uvw")


def test_any_iterable_of_sentences_is_accepted():
    sentences = [["a", "b"], ("c",)]
    expected = batch_to_ids(sentences)
    np.testing.assert_array_equal(batch_to_ids(iter(sentences)), expected)
    np.testing.assert_array_equal(batch_to_ids(tuple(sentences)), expected)


def test_empty_batch_gives_an_empty_array():
    assert batch_to_ids([]).shape == (0, 0, MAX_CHARS)


@pytest.mark.parametrize(
    "sentences, message",
    [
        ([[]], "sentence 0 is empty"),
        ([["a"], ["b", 3]], r"sentence 1, token 1 is 3 \(int\)"),
        ([["a", None]], r"token 1 is None"),
        ([None], "sentence 0 must be a list of string tokens, got NoneType"),
        (["The cat"], "split it into tokens first"),
        ("The cat", "expected a list of tokenized sentences.*got str"),
        (None, "expected a list of tokenized sentences.*got NoneType"),
    ],
)
def test_bad_sentences_are_named(sentences, message):
    with pytest.raises(ValueError, match=message):
        batch_to_ids(sentences)
