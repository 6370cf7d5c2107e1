"""The embedding API (elmo_course.elmo.Elmo, load_elmo): statelessness, errors, batching, files.

Most tests use a tiny biLM with random weights (conftest.py), which builds in a second: the
properties checked here do not depend on what the weights learned.
"""


import numpy as np
import pytest

import elmo_course as ec
from elmo_course.elmo import Elmo

TOLERANCE = 1e-5

SENTENCE = ["The", "cat", "sat", "on", "the", "mat", "."]
LONGER = [
    "A much longer sentence that keeps going so that the first one is padded .".split(),
    "Another long sentence , with commas , and more words than the first one has".split(),
]


def largest_difference(a, b):
    assert a.shape == b.shape
    return float(np.abs(a - b).max())


def word_sentences(count, seed=0):
    """``count`` sentences of 1..25 made-up words, in random order of length."""
    rng = np.random.default_rng(seed)
    words = "the a cat dog sat ran on under mat river bank plant work , . ! is was very".split()
    return [list(rng.choice(words, size=rng.integers(1, 26))) for _ in range(count)]


# --- statelessness ------------------------------------------------------------------------------

def test_a_sentence_gets_the_same_vectors_whatever_else_runs(tiny_elmo):
    alone = tiny_elmo.embed_sentence(SENTENCE)
    assert alone.shape == (3, len(SENTENCE), tiny_elmo.output_dim)
    in_longer_batch_first = tiny_elmo.embed_batch([SENTENCE] + LONGER)[0]
    in_longer_batch_last = tiny_elmo.embed_batch(LONGER + [SENTENCE])[2]
    for _ in range(3):
        tiny_elmo.embed_batch(LONGER + LONGER)
    after_other_batches = tiny_elmo.embed_batch(LONGER[:1] + [SENTENCE])[1]
    for vectors in (in_longer_batch_first, in_longer_batch_last, after_other_batches):
        assert largest_difference(vectors, alone) < TOLERANCE


def test_stateful_mode_carries_the_state_from_batch_to_batch(tiny_model_dir):
    elmo = ec.load_elmo(tiny_model_dir, stateful=True)
    assert elmo.stateful and "stateful" in repr(elmo)
    alone = elmo.embed_sentence(SENTENCE)
    for _ in range(3):
        elmo.embed_batch(LONGER + LONGER)
    carried = elmo.embed_batch([SENTENCE] + LONGER)[0]
    assert largest_difference(carried[0], alone[0]) < TOLERANCE  # layer 0 has no state
    assert largest_difference(carried[1:], alone[1:]) > 0.1
    elmo.reset_states()
    assert largest_difference(elmo.embed_batch([SENTENCE] + LONGER)[0], alone) < TOLERANCE


def test_outputs_are_float32_and_zero_beyond_each_length(tiny_elmo):
    batch = [SENTENCE] + LONGER
    assert all(vectors.dtype == np.float32 for vectors in tiny_elmo.embed_batch(batch))
    width = max(len(s) for s in batch)
    outputs = tiny_elmo([s + [""] * (width - len(s)) for s in batch], [len(s) for s in batch])
    for key in ("word_emb", "lstm_outputs1", "lstm_outputs2", "elmo"):
        assert outputs[key].dtype == np.float32
        assert (outputs[key][0, len(SENTENCE):] == 0).all(), key
        assert (np.abs(outputs[key][0, : len(SENTENCE)]).max(axis=-1) > 0).all(), key


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "sentences, message",
    [
        ([SENTENCE, []], "sentence 1 is empty"),
        ([["The", 7]], r"sentence 0, token 1 is 7 \(int\), but tokens must be strings"),
        ([["The", b"cat"]], r"token 1 is b'cat' \(bytes\)"),
        ([SENTENCE, None], "sentence 1 must be a list of string tokens, got NoneType"),
        ([["The", None]], r"sentence 0, token 1 is None \(NoneType\)"),
        (["The cat sat"], "sentence 0 must be a list of string tokens, got str: split it into tokens"),
    ],
)
@pytest.mark.parametrize("method", ["embed_batch", "embed_sentences"])
def test_bad_sentences_get_a_clear_error(tiny_elmo, method, sentences, message):
    with pytest.raises(ValueError, match=message):
        list(getattr(tiny_elmo, method)(sentences))


def test_a_bare_string_as_sentence_is_refused(tiny_elmo):
    with pytest.raises(ValueError, match="sentence 0 must be a list of string tokens, got str"):
        tiny_elmo.embed_sentence("The cat sat .")


@pytest.mark.parametrize("sentences", ["The cat sat .", None], ids=["bare-string", "None"])
@pytest.mark.parametrize("method", ["embed_batch", "embed_sentences"])
def test_a_batch_that_is_not_a_list_of_sentences_is_named_as_such(tiny_elmo, method, sentences):
    with pytest.raises(ValueError, match="expected a list of tokenized sentences"):
        list(getattr(tiny_elmo, method)(sentences))


def test_an_empty_list_of_sentences_gives_an_empty_result(tiny_elmo):
    assert tiny_elmo.embed_batch([]) == []
    assert list(tiny_elmo.embed_sentences([])) == []


def test_batch_size_must_be_positive(tiny_elmo):
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        list(tiny_elmo.embed_sentences([SENTENCE], batch_size=0))


@pytest.mark.parametrize("sequence_len", [[3, 1], [2, -1], [0, 1]])
def test_sequence_len_out_of_range_is_refused(tiny_elmo, sequence_len):
    tokens = [["The", "cat"], ["Hi", ""]]
    with pytest.raises(ValueError, match=r"sequence_len must be between 1 and the tokens' width 2"):
        tiny_elmo(tokens, sequence_len)


def test_sequence_len_must_be_one_integer_per_row(tiny_elmo):
    with pytest.raises(ValueError, match=r"sequence_len must be integers of shape \(2,\)"):
        tiny_elmo([["The", "cat"], ["Hi", ""]], [2])
    with pytest.raises(ValueError, match="sequence_len must be integers"):
        tiny_elmo([["The", "cat"], ["Hi", ""]], [2.0, 1.0])


def test_hub_style_call_agrees_with_embed_batch(tiny_elmo):
    tokens = [["The", "cat", "sat"], ["Hi", "", ""]]
    outputs = tiny_elmo(tokens, [3, 1])
    expected = tiny_elmo.embed_batch([["The", "cat", "sat"], ["Hi"]])
    projection = tiny_elmo.output_dim // 2
    assert set(outputs) == {"word_emb", "lstm_outputs1", "lstm_outputs2", "elmo", "default"}
    np.testing.assert_allclose(outputs["word_emb"][1, :1], expected[1][0, :, :projection], atol=TOLERANCE)
    np.testing.assert_allclose(outputs["lstm_outputs2"][0], expected[0][2], atol=TOLERANCE)
    np.testing.assert_allclose(outputs["default"][1], expected[1].mean(axis=0).mean(axis=0), atol=TOLERANCE)
    assert (outputs["lstm_outputs1"][1, 1:] == 0).all()


# --- batching -------------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_embed_sentences_keeps_input_order(tiny_elmo, batch_size):
    sentences = word_sentences(100)  # batch_size 3: chunks of 96 sentences, so two chunks
    one_by_one = [tiny_elmo.embed_sentence(s) for s in sentences]
    batched = list(tiny_elmo.embed_sentences(sentences, batch_size=batch_size, progress=False))
    assert len(batched) == len(sentences)
    for i, (mine, expected) in enumerate(zip(batched, one_by_one)):
        assert largest_difference(mine, expected) < TOLERANCE, f"sentence {i}"


def test_embed_sentences_batches_similar_lengths(tiny_elmo, monkeypatch):
    lengths_seen = []
    real_embed_batch = tiny_elmo.embed_batch

    def recording_embed_batch(batch):
        lengths_seen.append([len(s) for s in batch])
        return real_embed_batch(batch)

    monkeypatch.setattr(tiny_elmo, "embed_batch", recording_embed_batch)
    sentences = word_sentences(64, seed=1)
    list(tiny_elmo.embed_sentences(sentences, batch_size=8, progress=False))
    assert len(lengths_seen) == 8
    flat = [n for batch in lengths_seen for n in batch]
    assert flat == sorted(len(s) for s in sentences)  # one chunk, sorted by length


def test_embed_sentences_is_lazy(tiny_elmo, monkeypatch):
    calls = []
    real_embed_batch = tiny_elmo.embed_batch
    monkeypatch.setattr(tiny_elmo, "embed_batch", lambda batch: calls.append(1) or real_embed_batch(batch))
    iterator = tiny_elmo.embed_sentences(word_sentences(10), batch_size=2, progress=False)
    assert calls == []
    next(iterator)
    assert len(calls) >= 1



def test_a_warm_start_is_deterministic_and_changes_only_the_lstm_layers(tiny_model_dir):
    zero = ec.load_elmo(str(tiny_model_dir))
    warm = ec.load_elmo(str(tiny_model_dir), start="warm")
    alone = warm.embed_sentence(SENTENCE)
    in_a_batch = warm.embed_batch([LONGER[0], SENTENCE, LONGER[1]])[1]
    assert largest_difference(alone, in_a_batch) < TOLERANCE, "a warm start does not depend on the batch"
    difference = np.abs(alone - zero.embed_sentence(SENTENCE)).max(axis=(1, 2))
    assert difference[0] == 0.0 and difference[1:].min() > 1e-4
    with pytest.raises(ValueError, match="start must be one of"):
        ec.load_elmo(str(tiny_model_dir), start="hot")
