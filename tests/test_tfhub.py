"""The exported SavedModel behaves like TF-Hub's google/elmo/3, and load_elmo reads it back."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tensorflow as tf

from elmo_course import batch_to_ids, load_elmo
from elmo_course.tfhub_import import HubElmo

hub = pytest.importorskip("tensorflow_hub")
keras = pytest.importorskip("tf_keras")

OUTPUT_KEYS = ("word_emb", "lstm_outputs1", "lstm_outputs2", "elmo", "default")

# a padded batch that exercises the character ids: non-ASCII, a token over 48 bytes, the sentence
# markers as ordinary tokens, and more padding columns than any sentence needs
TOKENS = [
    ["The", "cat", "sat", "on", "the", "mat", "", ""],
    ["Café", "naïve", "x" * 60, "", "", "", "", ""],
    ["<S>", "</S>", "é" * 30, ".", "", "", "", ""],
]
LENGTHS = [6, 3, 4]
TEXTS = ["The cat sat on the mat", "  Café\tnaïve  " + "x" * 60, "The cat"]


@pytest.fixture(scope="module")
def exported(tiny_elmo, tmp_path_factory):
    return tiny_elmo.export_hub_module(tmp_path_factory.mktemp("hub") / "elmo")


@pytest.fixture(scope="module")
def module(exported):
    return hub.load(str(exported))


def native_outputs(elmo, tokens, lengths):
    return elmo(np.array(tokens, dtype=object), np.array(lengths))


SUBPROCESS = """
import json, sys
import numpy as np
import tensorflow as tf
import tensorflow_hub as hub

module = hub.load(sys.argv[1])
tokens, lengths, texts = json.loads(sys.argv[2])
result = {"names": [v.name for v in module.variables],
          "trainable": [v.name for v in module.trainable_variables]}
out = module.signatures["tokens"](tokens=tf.constant(tokens), sequence_len=tf.constant(lengths))
result.update({"tokens/" + k: v.numpy() for k, v in out.items()})
out = module.signatures["default"](text=tf.constant(texts))
result.update({"default/" + k: v.numpy() for k, v in out.items()})
alone = module.signatures["default"](text=tf.constant(texts[-1:]))
result["alone/default"] = alone["default"].numpy()
assert "elmo_course" not in sys.modules
np.savez(sys.argv[3], **{k: np.asarray(v) for k, v in result.items()})
"""


def test_fresh_process_without_the_library_matches_native(tiny_elmo, exported, tmp_path):
    import json

    result_file = tmp_path / "outputs.npz"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("PYTHONPATH", None)
    subprocess.run(
        [sys.executable, "-c", textwrap.dedent(SUBPROCESS), str(exported),
         json.dumps([TOKENS, LENGTHS, TEXTS]), str(result_file)],
        check=True, cwd=tmp_path, env=env, capture_output=True, timeout=300,
    )
    result = np.load(result_file)
    assert sorted(result["trainable"]) == ["aggregation/scaling:0", "aggregation/weights:0"]
    assert "bilm/CNN/W_cnn_0:0" in result["names"] and "bilm/char_embed:0" in result["names"]

    expected = native_outputs(tiny_elmo, TOKENS, LENGTHS)
    for key in OUTPUT_KEYS:
        assert result[f"tokens/{key}"].dtype == np.float32
        np.testing.assert_allclose(result[f"tokens/{key}"], expected[key], atol=1e-5, err_msg=key)

    split = [text.split() for text in TEXTS]
    width = max(map(len, split))
    padded = [s + [""] * (width - len(s)) for s in split]
    expected = native_outputs(tiny_elmo, padded, [len(s) for s in split])
    for key in OUTPUT_KEYS:
        np.testing.assert_allclose(result[f"default/{key}"], expected[key], atol=1e-5, err_msg=key)
    # "The cat" padded to the width of the longest sentence has the default vector it has alone
    np.testing.assert_allclose(result["default/default"][-1], result["alone/default"][0], atol=1e-6)


def test_default_output_ignores_padding(module):
    tokens = module.signatures["tokens"]
    narrow = tokens(tokens=tf.constant([["a", "b"]]), sequence_len=tf.constant([2]))
    wide = tokens(tokens=tf.constant([["a", "b", "", "", ""]]), sequence_len=tf.constant([2]))
    np.testing.assert_allclose(narrow["default"], wide["default"], atol=1e-6)
    assert not wide["elmo"].numpy()[0, 2:].any()  # padding positions are zero
    empty = module.signatures["default"](text=tf.constant(["", "a b"]))["default"].numpy()
    assert not empty[0].any() and np.isfinite(empty).all()


@pytest.mark.parametrize(
    "inputs, message",
    [
        ({"tokens": tf.constant([[1, 2]]), "sequence_len": tf.constant([2])}, "string"),
        ({"tokens": tf.constant([["a", "b"]]), "sequence_len": tf.constant([2.0])}, "int32"),
        ({"tokens": tf.constant(["a", "b"]), "sequence_len": tf.constant([2])}, "tokens"),
        ({"tokens": tf.constant([["a", "b"]]), "sequence_len": tf.constant([3])}, "sequence_len"),
        ({"tokens": tf.constant([["a", "b"]]), "sequence_len": tf.constant([-1])}, "sequence_len"),
        ({"tokens": tf.constant([["a", "b"]]), "sequence_len": tf.constant([2, 2])}, "sequence_len"),
    ],
)
def test_tokens_signature_rejects_bad_input(module, inputs, message):
    with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError), match=message):
        module.signatures["tokens"](**inputs)


def test_default_signature_rejects_bad_input(module):
    with pytest.raises((ValueError, TypeError, tf.errors.InvalidArgumentError), match="string"):
        module.signatures["default"](text=tf.constant([1, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="text"):
        module.signatures["default"](text=tf.constant([["a b"]]))


def test_keras_layer_forms(tiny_elmo, exported):
    expected = native_outputs(tiny_elmo, [["a", "b", "c"], ["d", "e", ""]], [3, 2])

    text = keras.Input(shape=(), dtype=tf.string)
    default = hub.KerasLayer(str(exported), signature="default", output_key="default",
                             signature_outputs_as_dict=False)(text)
    model = keras.Model(text, default)
    got = model.predict(tf.constant(["a b c", "d e"]), verbose=0)
    np.testing.assert_allclose(got, expected["default"], atol=1e-5)

    inputs = {"tokens": keras.Input(shape=(None,), dtype=tf.string),
              "sequence_len": keras.Input(shape=(), dtype=tf.int32)}
    outputs = hub.KerasLayer(str(exported), signature="tokens", signature_outputs_as_dict=True)(inputs)
    model = keras.Model(inputs, outputs)
    got = model({"tokens": tf.constant([["a", "b", "c"], ["d", "e", ""]]),
                 "sequence_len": tf.constant([3, 2])})
    for key in OUTPUT_KEYS:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5, err_msg=key)

    elmo = hub.KerasLayer(str(exported), trainable=True, output_key="elmo")(text)
    model = keras.Model(text, elmo)
    np.testing.assert_allclose(model(tf.constant(["a b c", "d e"])), expected["elmo"], atol=1e-5)


def test_trainable_keras_layer_trains_only_the_aggregation(exported):
    layer = hub.KerasLayer(str(exported), trainable=True, output_key="elmo")
    model = keras.Sequential([
        keras.Input(shape=(), dtype=tf.string), layer,
        keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1),
    ])
    trainable = sorted(w.name for w in layer.trainable_weights)
    assert trainable == ["aggregation/scaling:0", "aggregation/weights:0"]
    before = {w.name: w.numpy().copy() for w in layer.weights}
    sentences = ["a good film", "a bad film", "good", "bad bad", "really good", "not good at all"]
    dataset = tf.data.Dataset.from_tensor_slices((sentences, [1.0, 0.0, 1.0, 0.0, 1.0, 0.0])).batch(3)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    model.fit(dataset, epochs=1, verbose=0)
    for weight in layer.weights:
        changed = not np.array_equal(before[weight.name], weight.numpy())
        assert changed == weight.name.startswith("aggregation/"), weight.name


def test_load_elmo_reads_the_export_back(tiny_elmo, exported, tmp_path):
    elmo = load_elmo(str(exported))
    assert isinstance(elmo, HubElmo) and elmo.output_dim == tiny_elmo.output_dim and elmo.num_layers == 3
    sentences = [["The", "cat", "sat"], ["Café"], ["a", "b"]]
    for got, want in zip(elmo.embed_sentences(sentences, batch_size=2), tiny_elmo.embed_sentences(sentences)):
        np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(elmo.embed_sentence(["x"]), tiny_elmo.embed_sentence(["x"]), atol=1e-5)

    got = elmo([["a", "b", ""], ["c", "", ""]], [2, 1])
    want = native_outputs(tiny_elmo, [["a", "b", ""], ["c", "", ""]], [2, 1])
    for key in OUTPUT_KEYS:
        np.testing.assert_allclose(got[key], want[key], atol=1e-5, err_msg=key)
    with pytest.raises(ValueError, match="sequence_len"):
        elmo([["a", "b"]], [3])

    (tmp_path / "in.txt").write_text("The cat sat\nCafé\n", encoding="utf-8")
    elmo.embed_file(tmp_path / "in.txt", tmp_path / "out.hdf5")
    assert (tmp_path / "out.hdf5").is_file()

    with pytest.raises(ValueError, match="already exported"):
        elmo.export_hub_module(tmp_path / "again")


@pytest.mark.parametrize("option", [{"stateful": True}, {"start": "warm"}])
def test_a_hub_module_refuses_what_it_cannot_honour(exported, option):
    with pytest.raises(ValueError, match="starts every call from a zero LSTM state"):
        load_elmo(str(exported), **option)


def test_a_directory_that_is_not_a_saved_model_is_a_clear_error(tmp_path):
    (tmp_path / "saved_model.pb").write_bytes(b"not a protocol buffer")
    with pytest.raises((ValueError, FileNotFoundError), match="TF-Hub module"):
        load_elmo(str(tmp_path))


def test_elmo_embedding_on_a_hub_module(tiny_elmo, exported):
    from elmo_course.keras_layers import ElmoEmbedding

    layer = ElmoEmbedding(load_elmo(str(exported)), output="elmo")
    got = layer(tf.constant([["a", "b", "c"], ["d", "e", ""]]))
    want = native_outputs(tiny_elmo, [["a", "b", "c"], ["d", "e", ""]], [3, 2])["elmo"]
    np.testing.assert_allclose(got, want, atol=1e-5)
