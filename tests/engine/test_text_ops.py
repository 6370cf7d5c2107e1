"""Text to ELMo input in the graph (elmo_course.engine.text_ops), against the numpy character ids."""
import numpy as np
import pytest
import tensorflow as tf

from elmo_course import batch_to_ids
from elmo_course.course.text import tokenize
from elmo_course.elmo import tokens_to_sentences
from elmo_course.engine.text_ops import (char_ids_from_tokens, check_tokens, padded_lengths, padded_tokens,
                                        whitespace_tokens)


# a padded batch that exercises the character ids: non-ASCII, a token over 48 bytes, the sentence
# markers as ordinary tokens, and more padding columns than any sentence needs
TOKENS = [
    ["The", "cat", "sat", "on", "the", "mat", "", ""],
    ["Café", "naïve", "x" * 60, "", "", "", "", ""],
    ["<S>", "</S>", "é" * 30, ".", "", "", "", ""],
]
LENGTHS = [6, 3, 4]


def test_char_ids_in_the_graph_match_batch_to_ids():
    ids = char_ids_from_tokens(tf.constant(TOKENS), tf.constant(LENGTHS)).numpy()
    expected = batch_to_ids([row[:n] for row, n in zip(TOKENS, LENGTHS)])
    np.testing.assert_array_equal(ids[:, : expected.shape[1]], expected)
    assert not ids[:, expected.shape[1] :].any()  # padding columns are all 0


def test_whitespace_tokens_split_like_str_split():
    texts = ["The cat  sat", "  Café\tnaïve \n", ""]
    tokens, lengths = whitespace_tokens(tf.constant(texts))
    assert lengths.numpy().tolist() == [len(t.split()) for t in texts]
    rows = [[t.decode() for t in row[:n]] for row, n in zip(tokens.numpy(), lengths.numpy())]
    assert rows == [t.split() for t in texts]


def test_padded_lengths_and_padded_tokens_agree():
    lists = [["a", "fine", "film"], ["dull"], ["x", "y"]]
    tokens, sequence_len = padded_tokens(lists)
    assert padded_lengths(tf.constant(tokens.astype(str))).numpy().tolist() == sequence_len.tolist()


def test_check_tokens_refuses_lengths_beyond_the_width():
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most the width"):
        check_tokens(tf.constant([["a", "b"]]), tf.constant([3]))


# --- padded_tokens: the (tokens, sequence_len) input of elmo(...) and the Keras layer ------------

def test_padded_tokens_pads_truncates_and_round_trips():
    lists = [tokenize("A fine, funny film."), ["dull"], tokenize("Not bad at all, really.")]
    tokens, sequence_len = padded_tokens(lists)
    assert tokens.shape == (3, 7) and tokens.dtype == object
    assert sequence_len.dtype == np.int32 and sequence_len.tolist() == [6, 1, 7]
    assert tokens[1].tolist() == ["dull"] + [""] * 6
    assert tokens_to_sentences(tokens, sequence_len) == (lists, 7)

    short, short_len = padded_tokens(lists, max_tokens=2)
    assert short.tolist() == [["A", "fine"], ["dull", ""], ["Not", "bad"]]
    assert short_len.tolist() == [2, 1, 2]
    wide, _ = padded_tokens([["x"]], max_tokens=4)
    assert wide.tolist() == [["x", "", "", ""]]


def test_padded_tokens_edge_cases_and_errors():
    tokens, sequence_len = padded_tokens([])
    assert tokens.shape == (0, 0) and sequence_len.shape == (0,)
    with pytest.raises(ValueError, match="max_tokens must be at least 1"):
        padded_tokens([["a"]], max_tokens=0)
    with pytest.raises(ValueError, match="sentence 1 holds a token that is not a string"):
        padded_tokens([["a"], ["b", 3]])
