"""Parity with the outputs bilm-tf recorded for its tiny test model (the shared reference fixture).

The fixture's README says how they were made: bilm-tf ran statefully on batches of 3 sentences,
batch i = (sentences[0][i], sentences[1][i], sentences[2][i]), i = 0..9 in order, and stored the
top layer of sentence i of list k as dataset "i" of lm_embeddings_k.hdf5, shape (2, T, 16):
the forward half, then the backward half.
"""

import json

import h5py
import numpy as np
import pytest

import elmo_course as ec

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def reference_batches(reference_dir):
    """[(batch of 3 token lists, [expected (T, 32) top layer per sentence])] in file order."""
    lists = json.loads((reference_dir / "sentences.json").read_text())
    expected = []
    for k in range(len(lists)):
        with h5py.File(reference_dir / f"lm_embeddings_{k}.hdf5", "r") as fin:
            # (2, T, P) halves -> (T, 2P), the layout of our outputs (forward half first)
            expected.append([np.concatenate(list(fin[str(i)][...]), axis=-1) for i in range(len(lists[k]))])
    return [
        ([lists[k][i].split() for k in range(len(lists))], [expected[k][i] for k in range(len(lists))])
        for i in range(len(lists[0]))
    ]


def top_layer_errors(elmo, reference_batches):
    """Largest |ours - recorded| per batch, running the batches in the fixture's order."""
    errors = []
    for sentences, expected in reference_batches:
        outputs = elmo.embed_batch(sentences)
        errors.append(
            max(np.abs(vectors[2] - target).max() for vectors, target in zip(outputs, expected))
        )
    return errors


def test_fixture_has_the_documented_shape(reference_batches):
    assert len(reference_batches) == 10
    for sentences, expected in reference_batches:
        assert len(sentences) == 3
        assert [target.shape for target in expected] == [(len(s), 32) for s in sentences]


def test_stateful_run_matches_bilm_tf_on_all_30_sentences(reference_dir, reference_batches):
    elmo = ec.load_elmo(reference_dir, stateful=True)
    assert elmo.output_dim == 32 and elmo.num_layers == 3
    errors = top_layer_errors(elmo, reference_batches)
    assert max(errors) < TOLERANCE, f"largest error per batch: {errors}"
    # the comparison means something: the recorded vectors are far from zero and differ
    assert min(np.abs(target).max() for _, expected in reference_batches for target in expected) > 0.1


def test_stateful_run_after_reset_starts_over(reference_dir, reference_batches):
    elmo = ec.load_elmo(reference_dir, stateful=True)
    top_layer_errors(elmo, reference_batches[:3])
    elmo.reset_states()
    assert max(top_layer_errors(elmo, reference_batches)) < TOLERANCE


def test_stateless_default_matches_only_the_first_batch(reference_dir, reference_batches):
    """Why ``stateful=True`` exists: bilm-tf carried the LSTM state from one batch to the next,
    so only its first batch (started from zeros) is what a sentence gives on its own."""
    elmo = ec.load_elmo(reference_dir)
    assert not elmo.stateful
    errors = top_layer_errors(elmo, reference_batches)
    assert errors[0] < TOLERANCE
    assert min(errors[1:]) > 0.1, f"largest error per batch: {errors}"


def test_token_layer_matches_bilm_tf_vocabulary_embeddings(reference_dir):
    """Layer 0 (char CNN + highway + projection) against bilm-tf's ``dump_token_embeddings`` of
    vocab_test.txt, one row per line, <S>, </S> and <UNK> included."""
    vocabulary = (reference_dir / "vocab_test.txt").read_text(encoding="utf-8").splitlines()
    with h5py.File(reference_dir / "elmo_token_embeddings.hdf5", "r") as fin:
        expected = fin["embedding"][...]
    assert len(vocabulary) == expected.shape[0]
    elmo = ec.load_elmo(reference_dir)
    token_vectors = elmo.bilm.token_embedding(ec.batch_to_ids([[word] for word in vocabulary])).numpy()
    np.testing.assert_allclose(token_vectors[:, 0], expected, atol=TOLERANCE, rtol=0)


def test_layer_zero_of_the_output_is_the_token_vector_twice(reference_dir, reference_batches):
    elmo = ec.load_elmo(reference_dir)
    sentence = reference_batches[3][0][0]
    layers = elmo.embed_sentence(sentence)
    assert layers.shape == (3, len(sentence), 32) and layers.dtype == np.float32
    np.testing.assert_array_equal(layers[0, :, :16], layers[0, :, 16:])
    alone = elmo.bilm.token_embedding(ec.batch_to_ids([[token] for token in sentence])).numpy()[:, 0]
    np.testing.assert_allclose(layers[0, :, :16], alone, atol=TOLERANCE, rtol=0)
