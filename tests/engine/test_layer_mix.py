"""Stacking, the equation 1 mix and the masked mean (elmo_course.engine.layer_mix)."""
import numpy as np
import tensorflow as tf

from elmo_course.engine.layer_mix import masked_mean, mix_layers, stack_layers, tfhub_outputs

rng = np.random.default_rng(0)
LAYERS = rng.normal(size=(2, 3, 4, 6)).astype(np.float32)


def test_equal_mix_is_the_mean_and_weights_are_softmaxed():
    np.testing.assert_allclose(mix_layers(LAYERS).numpy(), LAYERS.mean(axis=1), atol=1e-6)
    w = np.array([1.0, -2.0, 0.5], np.float32)
    s = np.exp(w) / np.exp(w).sum()
    expected = 2.5 * np.einsum("j,bjtd->btd", s, LAYERS)
    np.testing.assert_allclose(mix_layers(LAYERS, w, 2.5).numpy(), expected, atol=1e-5)


def test_masked_mean_ignores_padding_and_gives_zeros_for_empty_rows():
    values = LAYERS[:, 0]
    mean = masked_mean(values, [3, 0]).numpy()
    np.testing.assert_allclose(mean[0], values[0, :3].mean(axis=0), atol=1e-6)
    assert not mean[1].any()


def test_stack_writes_layer_0_twice_and_tfhub_outputs_take_it_apart():
    token = rng.normal(size=(2, 4, 3)).astype(np.float32)
    lstm = [rng.normal(size=(2, 4, 6)).astype(np.float32) for _ in range(2)]
    stacked = stack_layers(token, lstm)
    assert stacked.shape == (2, 3, 4, 6)
    outputs = tfhub_outputs(stacked, tf.constant([4, 2]))
    np.testing.assert_array_equal(outputs["word_emb"].numpy(), token)
    np.testing.assert_array_equal(outputs["lstm_outputs2"].numpy(), lstm[1])
    assert outputs["default"].shape == (2, 6)
