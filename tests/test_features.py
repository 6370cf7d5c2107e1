"""One vector per text (elmo_course.features): layer choice, mean pooling, cosine similarity."""
import numpy as np
import pytest

from elmo_course.features import cosine_similarity, layer_mix, pooled_vectors

LAYERS = np.arange(3 * 2 * 4, dtype=np.float32).reshape(3, 2, 4)


def test_layer_mix_picks_a_layer_averages_or_weights():
    np.testing.assert_array_equal(layer_mix(LAYERS, 1), LAYERS[1])
    np.testing.assert_allclose(layer_mix(LAYERS, "mean"), LAYERS.mean(axis=0))
    np.testing.assert_allclose(layer_mix(LAYERS, [0.0, 0.0, 1.0]), LAYERS[2])
    with pytest.raises(ValueError, match="layer 3 does not exist"):
        layer_mix(LAYERS, 3)
    with pytest.raises(ValueError, match="expected 3 layer weights"):
        layer_mix(LAYERS, [0.5, 0.5])
    with pytest.raises(ValueError, match="which must be"):
        layer_mix(LAYERS, "max")


def test_pooled_vectors_are_token_means_of_the_chosen_layer(tiny_elmo):
    sentences = [["The", "cat", "sat"], ["A", "dog"]]
    pooled = pooled_vectors(tiny_elmo, sentences, which=2, progress=False)
    assert pooled.shape == (2, tiny_elmo.output_dim) and pooled.dtype == np.float32
    for row, sentence in zip(pooled, sentences):
        np.testing.assert_allclose(row, tiny_elmo.embed_sentence(sentence)[2].mean(axis=0), atol=1e-6)


def test_cosine_similarity_of_zero_vectors_is_zero():
    similarity = cosine_similarity([[1.0, 0.0], [0.0, 0.0]], [[2.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(similarity, [[1.0, 0.0], [0.0, 0.0]])
