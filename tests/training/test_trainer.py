"""The trainer: streams and targets as bilm-tf builds them, learning, and a dump load_elmo reads."""
import numpy as np
import pytest

import elmo_course as ec
from elmo_course.engine.options import ElmoOptions
from elmo_course.training import trainer as train
from elmo_course.engine.char_ids import token_to_ids

SENTENCES = [["the", "cat", "sat"], ["a", "dog", "ran", "far"], ["the", "dog", "sat"]] * 30
MICRO = ElmoOptions.build(hidden=32, projection=16, filters=((1, 8), (2, 8), (3, 16)))


@pytest.fixture(scope="module")
def vocab():
    return train.Vocabulary.build(SENTENCES, min_count=1)


def test_vocabulary_puts_markers_first_and_maps_rare_words_to_unk(vocab):
    assert vocab.words[:3] == ["<S>", "</S>", "<UNK>"]
    assert vocab.id_of("never-seen") == vocab.id_of("<UNK>")
    assert vocab.words[3] in ("the", "sat", "dog")  # most frequent first


def test_streams_predict_the_next_token_forward_and_the_previous_one_backward(vocab):
    streams = train.Streams(SENTENCES, vocab, batch_size=2, seed=0)
    char_ids, targets = next(streams.windows(unroll_steps=5))
    assert char_ids.shape == (2, 2, 5, 50) and targets.shape == (2, 2, 5)
    forward_types = streams.forward[0, :6]
    words = [vocab.words[streams.type_word[t]] for t in forward_types]
    assert words[0] == "<S>"
    assert [vocab.words[i] for i in targets[0, 0]] == words[1:6]
    assert char_ids[0, 0, 1].tolist() == token_to_ids(words[1])
    backward_words = [vocab.words[streams.type_word[t]] for t in streams.backward[0, :6]]
    assert [vocab.words[i] for i in targets[1, 0]] == backward_words[1:6]
    assert backward_words == [vocab.words[streams.type_word[t]] for t in streams.forward[0, ::-1][:6]]


def test_training_lowers_the_loss_and_the_dump_loads(vocab, tmp_path):
    trainer = train.LanguageModelTrainer(MICRO, vocab, batch_size=4, unroll_steps=5, num_sampled=8, seed=0)
    streams = train.Streams(SENTENCES, vocab, batch_size=4, seed=0)
    before = trainer.perplexity(streams)
    for _ in range(3):
        trainer.train_epoch(streams)
    after = trainer.perplexity(streams)
    assert after[0] < 0.7 * before[0] and after[1] < 0.7 * before[1], (before, after)
    trainer.dump(tmp_path)
    elmo = ec.load_elmo(tmp_path)
    assert elmo.embed_sentence(["the", "cat"]).shape == (3, 2, 32)
    reloaded = train.LanguageModelTrainer.from_directory(tmp_path, batch_size=4)
    np.testing.assert_allclose(reloaded.perplexity(streams), after, rtol=0.01)  # softmax kept as float16


def test_windows_from_a_later_window_are_the_tail_of_the_full_pass(vocab):
    streams = train.Streams(SENTENCES, vocab, batch_size=2, seed=0)
    every = list(streams.windows(unroll_steps=5))
    tail = list(streams.windows(unroll_steps=5, first=3))
    assert len(every) == streams.num_windows(5) and len(tail) == len(every) - 3
    for (chars_a, targets_a), (chars_b, targets_b) in zip(every[3:], tail):
        np.testing.assert_array_equal(chars_a, chars_b)
        np.testing.assert_array_equal(targets_a, targets_b)


def test_a_dumped_model_is_a_starting_point(vocab, tmp_path):
    trainer = train.LanguageModelTrainer(MICRO, vocab, batch_size=4, unroll_steps=5, num_sampled=8, seed=0)
    trainer.dump(tmp_path)
    options, weights, loaded_vocab, softmax = train.dumped_model(tmp_path)
    assert options == MICRO and loaded_vocab.words == vocab.words
    for name, variable in trainer.bilm.weights.items():
        np.testing.assert_array_equal(weights[name], variable.numpy())
    np.testing.assert_allclose(softmax[0], trainer.softmax_w.numpy(), atol=1e-3)  # stored as float16
    (tmp_path / "softmax.hdf5").unlink()
    with pytest.raises(FileNotFoundError, match="lacks softmax.hdf5"):
        train.dumped_model(tmp_path)
    assert train.model_folder("elmo-course-tiny").name == "elmo-course-tiny"
