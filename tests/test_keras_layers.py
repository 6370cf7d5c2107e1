"""The Keras layers: ScalarMix (paper equation 1) and ElmoEmbedding."""

import numpy as np
import pytest
import tensorflow as tf

keras = pytest.importorskip("tf_keras")

from elmo_course import load_elmo  # noqa: E402
from elmo_course.engine.bilm import BiLM  # noqa: E402
from elmo_course.elmo import Elmo  # noqa: E402
from elmo_course.keras_layers import ElmoEmbedding, ScalarMix  # noqa: E402

TOKENS = [["The", "cat", "sat", ""], ["a", "dog", "", ""], ["Café", "naïve", "x" * 60, "!"]]
LENGTHS = [3, 2, 4]
SENTENCES = ["The cat sat", "a  dog", "Café naïve " + "x" * 60 + " !"]
# a little corpus for training
CORPUS = ["a good film", "a bad film", "good", "bad bad", "really good", "not good at all",
          "the plot is thin", "great acting", "dull and long", "I liked it", "no", "fine fine fine"]


def native(elmo, tokens=TOKENS, lengths=LENGTHS):
    return elmo(np.array(tokens, dtype=object), np.array(lengths))


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


# ---- ScalarMix ---------------------------------------------------------------------------------
def test_scalar_mix_starts_as_the_mean_and_takes_lists():
    layers = tf.random.stateless_normal([2, 3, 4, 5], seed=[1, 2])
    mix = ScalarMix(3)
    np.testing.assert_allclose(mix(layers), tf.reduce_mean(layers, axis=1), atol=1e-6)
    np.testing.assert_allclose(mix(tf.unstack(layers, axis=1)), mix(layers), atol=1e-6)
    assert sorted(w.name.split("/")[-1] for w in mix.trainable_weights) == ["gamma:0", "scalar_weights:0"]
    assert ScalarMix(3, trainable=False)(layers).shape == (2, 4, 5)
    clone = ScalarMix.from_config(ScalarMix(4, layer_norm=True, trainable=False).get_config())
    assert (clone.num_layers, clone.layer_norm, clone.trainable) == (4, True, False)
    with pytest.raises(ValueError, match="num_layers=3"):
        mix(layers[:, :2])


def test_scalar_mix_layer_norm_ignores_padding():
    layers = tf.random.stateless_normal([2, 3, 4, 5], seed=[3, 4])
    mask = tf.constant([[True, True, False, False], [True, True, True, True]])
    noisy = tf.concat([layers[:, :, :2], 100.0 * layers[:, :, 2:]], axis=2)  # change the padding only
    mix = ScalarMix(3, layer_norm=True)
    a, b = mix(layers, mask=mask), mix(noisy, mask=mask)
    np.testing.assert_allclose(a[0, :2], b[0, :2], atol=1e-5)
    assert not a.numpy()[0, 2:].any()


def test_scalar_mix_learns_which_layer_carries_the_signal():
    rng = np.random.default_rng(0)
    layers = rng.normal(size=(64, 3, 4, 6)).astype(np.float32)
    target = layers[:, 1]  # only layer 1 predicts the target
    inputs = keras.Input(shape=(3, 4, 6))
    mix = ScalarMix(3)
    model = keras.Model(inputs, mix(inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mse")
    model.fit(layers, target, batch_size=16, epochs=10, verbose=0)
    weights = softmax(mix.scalar_weights.numpy())
    assert weights[1] > 0.8 and weights[1] > weights[0] and weights[1] > weights[2]


# ---- ElmoEmbedding: outputs ----------------------------------------------------------------------
def test_outputs_match_the_native_model(tiny_elmo):
    expected = native(tiny_elmo)
    tokens = tf.constant(TOKENS)
    elmo = ElmoEmbedding(tiny_elmo, output="elmo")(tokens)
    np.testing.assert_allclose(elmo, expected["elmo"], atol=1e-5)
    np.testing.assert_array_equal(elmo._keras_mask, np.arange(4)[None, :] < np.array(LENGTHS)[:, None])
    default = ElmoEmbedding(tiny_elmo, output="default")
    np.testing.assert_allclose(default(tokens), expected["default"], atol=1e-5)
    layers = ElmoEmbedding(tiny_elmo, output="layers")(tokens)
    assert layers.shape == (3, 3, 4, tiny_elmo.output_dim)
    np.testing.assert_allclose(layers[:, 1], expected["lstm_outputs1"], atol=1e-5)
    # raw sentences, split on whitespace, and the TF-Hub style dict give the same vectors
    np.testing.assert_allclose(default(tf.constant(SENTENCES)), expected["default"], atol=1e-5)
    as_dict = default({"tokens": tokens, "sequence_len": tf.constant(LENGTHS)})
    np.testing.assert_allclose(as_dict, expected["default"], atol=1e-5)


def test_bad_input_gets_a_clear_error(tiny_elmo):
    layer = ElmoEmbedding(tiny_elmo)
    with pytest.raises(ValueError, match="string"):
        layer(tf.constant([[1, 2]]))
    with pytest.raises(ValueError, match="shape"):
        layer(tf.constant([[["a"]]]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="sequence_len"):
        layer({"tokens": tf.constant([["a", "b"]]), "sequence_len": tf.constant([3])})
    with pytest.raises(ValueError, match="int32"):
        layer({"tokens": tf.constant([["a", "b"]]), "sequence_len": tf.constant([2.0])})
    with pytest.raises(ValueError, match="output"):
        ElmoEmbedding(tiny_elmo, output="mean")
    with pytest.raises(ValueError, match="string"):
        keras.Sequential([keras.Input(shape=(None,), dtype=tf.int32), ElmoEmbedding(tiny_elmo)])


def test_masking_reaches_the_next_layer(tiny_elmo):
    tokens = keras.Input(shape=(None,), dtype=tf.string)
    vectors = ElmoEmbedding(tiny_elmo, output="elmo")(tokens)
    model = keras.Model(tokens, keras.layers.Dense(1)(keras.layers.LSTM(3)(vectors)))
    narrow = model(tf.constant([["a", "dog"]]))
    wide = model(tf.constant([["a", "dog", "", "", ""]]))
    np.testing.assert_allclose(narrow, wide, atol=1e-6)


# ---- ElmoEmbedding: training -------------------------------------------------------------------
def test_fit_learns_the_mix_and_leaves_the_bilm_frozen(tiny_options):
    elmo = Elmo(BiLM(tiny_options, seed=1), name="tiny")  # trainable variables: the layer must freeze them
    # the target is the sentence mean of layer 0 (the token layer): only that layer carries the signal
    split = [s.split() for s in CORPUS]
    target = np.stack([layers[0].mean(axis=0) for layers in elmo.embed_sentences(split)])
    dataset = tf.data.Dataset.from_tensor_slices((CORPUS, target)).shuffle(12, seed=0).batch(4)

    layer = ElmoEmbedding(elmo, output="default", trainable_mix=True)
    model = keras.Sequential([keras.Input(shape=(), dtype=tf.string), layer])
    assert len(layer.trainable_weights) == 2
    bilm_before = {name: v.numpy().copy() for name, v in elmo.bilm.weights.items()}
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    model.fit(dataset, epochs=6, verbose=0)

    weights = softmax(layer.scalar_mix.scalar_weights.numpy())
    assert weights[0] > 0.5 and weights[0] > weights[1] and weights[0] > weights[2]
    for name, value in bilm_before.items():
        np.testing.assert_array_equal(elmo.bilm.weights[name].numpy(), value, err_msg=name)


def test_trainable_bilm_trains_a_copy(tiny_elmo):
    layer = ElmoEmbedding(tiny_elmo, output="default", trainable_bilm=True)
    before = tiny_elmo.bilm.weights["char_embed"].numpy().copy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(layer(tf.constant(CORPUS[:4]), training=True)))
    assert len(layer.trainable_weights) == 2 + len(tiny_elmo.bilm.weights)  # the mix and the biLM
    gradients = tape.gradient(loss, layer.trainable_weights)
    assert all(g is not None for g in gradients)
    keras.optimizers.SGD(0.1).apply_gradients(zip(gradients, layer.trainable_weights))
    np.testing.assert_array_equal(tiny_elmo.bilm.weights["char_embed"].numpy(), before)
    assert not np.array_equal(layer._bilm.weights["char_embed"].numpy(), before)


# ---- ElmoEmbedding: saving -----------------------------------------------------------------------
def classifier(elmo):
    return keras.Sequential([
        keras.Input(shape=(), dtype=tf.string),
        ElmoEmbedding(elmo, output="default", dropout=0.1),
        keras.layers.Dense(2, activation="softmax"),
    ])


def set_mix(model, weights, gamma):
    mix = model.layers[0].scalar_mix
    mix.scalar_weights.assign(weights)
    mix.gamma.assign(gamma)


def test_saved_model_round_trip(tiny_model_dir, tmp_path):
    model = classifier(str(tiny_model_dir))
    set_mix(model, [0.5, -1.0, 2.0], 1.5)
    expected = model(tf.constant(SENTENCES))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded(tf.constant(SENTENCES)), expected, atol=1e-6)
    assert loaded.layers[0].get_config()["elmo"] == str(tiny_model_dir)


def test_saved_model_round_trip_of_a_model_built_in_memory(tmp_path, tiny_options):
    elmo = Elmo(BiLM(tiny_options, seed=3, trainable=False), name="in-memory")
    model = classifier(elmo)
    expected = model(tf.constant(SENTENCES))
    model.save(tmp_path / "model.keras")
    with pytest.warns(UserWarning, match="random weights"):
        loaded = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded(tf.constant(SENTENCES)), expected, atol=1e-6)


def test_save_weights_restores_the_mix(tiny_model_dir, tmp_path):
    elmo = load_elmo(str(tiny_model_dir))
    model = classifier(elmo)
    set_mix(model, [1.0, 0.0, -1.0], 0.5)
    expected = model(tf.constant(SENTENCES))
    model.save_weights(tmp_path / "weights.h5")
    fresh = classifier(elmo)
    fresh.load_weights(tmp_path / "weights.h5")
    np.testing.assert_allclose(fresh.layers[0].scalar_mix.scalar_weights.numpy(), [1.0, 0.0, -1.0])
    np.testing.assert_allclose(fresh(tf.constant(SENTENCES)), expected, atol=1e-6)
