"""The sense-labelled sentences and the leave-one-out nearest-centroid probe."""

import numpy as np
import pandas as pd
import pytest

from elmo_course.course import senses
from elmo_course.course.text import tokenize


class FakeEmbedder:
    """Layer 0: one fixed vector per token type (context-free, as ELMo's char CNN);
    layer 1: the target's sense encoded plus noise; layer 2: noise only."""

    def __init__(self, frame, dim=16, seed=0):
        rng = np.random.default_rng(seed)
        self.dim = dim
        self.rng = rng
        sense_names = sorted(set(frame["sense"]))
        self.sense_direction = {name: rng.normal(size=dim) * 3 for name in sense_names}
        self.target = {tuple(tokens): (index, sense)
                       for tokens, index, sense in zip(frame["tokens"], frame["index"],
                                                       frame["sense"])}

    def _type_vector(self, token):
        seed = int.from_bytes(token.encode("utf-8")[:8].ljust(8, b"\0"), "little")
        return np.random.default_rng(seed).normal(size=self.dim)

    def embed_sentences(self, token_lists):
        for tokens in token_lists:  # a generator, like the real embedder
            out = self.rng.normal(size=(3, len(tokens), self.dim))
            out[0] = [self._type_vector(token) for token in tokens]
            index, sense = self.target[tuple(tokens)]
            out[1, index] += self.sense_direction[sense]
            yield out.astype(np.float32)


@pytest.fixture(scope="module")
def frame():
    return senses.load_sense_sentences()


# --- the resource file -----------------------------------------------------------------------

def test_resource_has_enough_words_and_sentences(frame):
    assert list(frame.columns) == ["word", "sense", "sentence", "tokens", "index"]
    words = frame["word"].unique()
    assert len(words) >= 8
    assert {"bank", "plant", "work", "play", "star", "light", "fair", "bat"} <= set(words)
    for word, rows in frame.groupby("word"):
        per_sense = rows["sense"].value_counts()
        assert len(per_sense) == 2, word
        assert per_sense.min() >= 12, word
        assert all(sense.startswith(word + "/") for sense in per_sense.index)


def test_target_word_is_exactly_one_token(frame):
    for word, sentence, tokens, index in frame[["word", "sentence", "tokens", "index"]].itertuples(
            index=False):
        assert tokens == tokenize(sentence)
        assert tokens[index] == word
        assert [token.lower() for token in tokens].count(word) == 1, sentence
        assert 6 <= len(tokens) <= 20, sentence


def test_sentences_are_distinct_and_positions_vary(frame):
    assert frame["sentence"].is_unique
    for word, rows in frame.groupby("word"):
        relative = rows["index"] / (rows["tokens"].map(len) - 1)  # 0 first token, 1 last
        assert relative.min() < 0.2 and relative.max() >= 0.8, word


def test_words_filter(frame):
    bank = senses.load_sense_sentences("bank")
    assert set(bank["word"]) == {"bank"}
    assert len(senses.load_sense_sentences(["bank", "bat"])) == (frame["word"].isin(["bank", "bat"])).sum()
    with pytest.raises(ValueError, match=r"no sense sentences for \['banana'\]"):
        senses.load_sense_sentences(["bank", "banana"])


# --- the probe ----------------------------------------------------------------------------

def test_sense_vectors_shapes(frame):
    subset = frame[frame["word"] == "plant"].reset_index(drop=True)
    vectors = senses.sense_vectors(FakeEmbedder(frame), subset)
    assert set(vectors) == {0, 1, 2}
    assert all(array.shape == (len(subset), 16) for array in vectors.values())
    assert np.allclose(vectors[0], vectors[0][0])  # context-free: one vector for "plant"


def test_sense_accuracy_chance_for_context_free_and_high_for_sense_layer(frame):
    accuracy = senses.sense_accuracy(FakeEmbedder(frame))
    assert list(accuracy.columns) == [0, 1, 2]
    assert accuracy.columns.name == "layer"
    assert list(accuracy.index) == list(frame["word"].unique()) + ["all"]
    assert (accuracy[0] == 0.5).all()
    assert accuracy.loc["all", 1] > 0.95
    assert 0.25 < accuracy.loc["all", 2] < 0.75


def test_all_row_is_the_micro_average(frame):
    subset = frame[frame["word"].isin(["bank", "spring"])]  # 26 and 24 sentences
    accuracy = senses.sense_accuracy(FakeEmbedder(frame), subset, layers=(2,))
    counts = subset["word"].value_counts()
    expected = (accuracy.loc["bank", 2] * counts["bank"]
                + accuracy.loc["spring", 2] * counts["spring"]) / counts.sum()
    assert accuracy.loc["all", 2] == pytest.approx(expected)


def test_nearest_centroid_scores_leave_one_out():
    vectors = np.array([[1.0, 0], [1, 0.1], [1, -0.1], [0, 1], [0.1, 1], [-0.1, 1]])
    labels = ["a", "a", "a", "b", "b", "b"]
    assert senses.nearest_centroid_scores(vectors, labels).tolist() == [1.0] * 6
    # An outlier sitting in the other sense's cluster is scored wrong, not propped up by itself.
    vectors[0] = [0, 1]
    assert senses.nearest_centroid_scores(vectors, labels).tolist() == [0.0] + [1.0] * 5


def test_ties_score_one_half():
    vectors = np.ones((4, 3)) + np.array([[0], [1e-9], [0], [0]])  # equal up to float noise
    assert senses.nearest_centroid_scores(vectors, ["a", "b", "a", "b"]).tolist() == [0.5] * 4
    assert senses.nearest_centroid_scores(np.zeros((4, 3)), ["a", "b", "a", "b"]).tolist() == [0.5] * 4


def test_probe_bad_input():
    with pytest.raises(ValueError, match="exactly two senses"):
        senses.nearest_centroid_scores(np.ones((3, 2)), ["a", "b", "c"])
    with pytest.raises(ValueError, match="at least 2 sentences"):
        senses.nearest_centroid_scores(np.ones((3, 2)), ["a", "a", "b"])


def test_embedder_with_wrong_shapes_is_named(frame):
    class Flat:
        def embed_sentences(self, token_lists):
            return [np.zeros((len(tokens), 4)) for tokens in token_lists]

    with pytest.raises(ValueError, match=r"expected \(num_layers, \d+, dim\)"):
        senses.sense_vectors(Flat(), frame.head(2))

    class Short:
        def embed_sentences(self, token_lists):
            return [np.zeros((3, len(tokens), 4)) for tokens in token_lists[:-1]]

    with pytest.raises(ValueError, match="returned 1 arrays for 2 sentences"):
        senses.sense_vectors(Short(), frame.head(2))
