"""Parity with AllenNLP's ``_ElmoBiLm`` on the same weights, all three layers.

Both models read the same options.json + hdf5 (random weights drawn by ``bilm.random_weights``):
the official small architecture and tiny ones with other filters, highway counts and activation.
AllenNLP's ``activations`` hold <S> and </S>, which ``remove_sentence_boundaries`` strips.
AllenNLP is always stateful: ``_elmo_lstm.reset_states()`` before a batch makes it start from
zeros, like our stateless default.
"""

import numpy as np
import pytest

from elmo_course import registry
from elmo_course.elmo import Elmo

torch = pytest.importorskip("torch")

TOLERANCE = 1e-4


def tiny(filters, n_highway, activation, char_dim=6, hidden=24, projection=8):
    """A small biLM; the filter total must differ from ``projection`` (AllenNLP always projects)."""
    return {
        "lstm": {"use_skip_connections": True, "projection_dim": projection, "cell_clip": 3,
                 "proj_clip": 3, "dim": hidden, "n_layers": 2},
        "char_cnn": {"activation": activation, "filters": filters, "n_highway": n_highway,
                     "embedding": {"dim": char_dim}, "n_characters": 262, "max_characters_per_token": 50},
    }


CONFIGURATIONS = {
    "official-small": registry.OFFICIAL_MODELS["small"][1].to_dict(),
    "tiny-3-filters-1-highway-relu": tiny([[1, 4], [3, 6], [5, 10]], 1, "relu"),
    "tiny-5-filters-2-highway-tanh": tiny([[1, 2], [2, 4], [3, 6], [4, 8], [6, 12]], 2, "tanh",
                                          char_dim=5, hidden=20, projection=10),
}

SENTENCES = [
    "The quick brown fox jumps over the lazy dog .",
    "ELMo reads characters , so " + "x" * 60 + " is just a long word",
    "我 喜欢 自然语言处理 🙂 !",
    "A short one",
    "Hi",
    "Another sentence that is a good deal longer than most of the others in this list , really",
    "The bank of the river",
    "She deposited cash at the bank",
    "Naïve café owners work at the plant",
    "Plants need water",
    "<S> and </S> are ordinary tokens here",
    "Ok",
]


@pytest.fixture(scope="module", params=list(CONFIGURATIONS), ids=list(CONFIGURATIONS))
def model_files(request, tmp_path_factory, write_random_model):
    directory = tmp_path_factory.mktemp(request.param)
    return write_random_model(directory, CONFIGURATIONS[request.param], seed=3)


@pytest.fixture(scope="module")
def allennlp_bilm(allennlp_elmo, model_files):
    options_file, weight_file = model_files
    model = allennlp_elmo._ElmoBiLm(str(options_file), str(weight_file))
    return model.eval()


def allennlp_layers(allennlp_elmo, model, sentences):
    """AllenNLP's three layers without <S>/</S>: one (3, T_i, 2P) array per sentence."""
    with torch.no_grad():
        output = model(allennlp_elmo.batch_to_ids(sentences))
    layers = [
        allennlp_elmo.remove_sentence_boundaries(activation, output["mask"])[0].numpy()
        for activation in output["activations"]
    ]
    return [np.stack([layer[i, : len(s)] for layer in layers]) for i, s in enumerate(sentences)]


def batches_of(sentences, size):
    return [sentences[start : start + size] for start in range(0, len(sentences), size)]


def assert_close(ours, theirs, where):
    for i, (mine, reference) in enumerate(zip(ours, theirs)):
        assert mine.shape == reference.shape, where
        error = np.abs(mine - reference).max(axis=(1, 2))
        assert (error < TOLERANCE).all(), f"{where}, sentence {i}: largest error per layer {error}"


@pytest.fixture(scope="module")
def stateless_elmo(model_files):
    return Elmo.from_files(*model_files)


def test_stateless_outputs_match_allennlp_after_a_reset(allennlp_elmo, allennlp_bilm, stateless_elmo):
    sentences = [s.split() for s in SENTENCES]
    for number, batch in enumerate(batches_of(sentences, 5)):
        allennlp_bilm._elmo_lstm.reset_states()
        theirs = allennlp_layers(allennlp_elmo, allennlp_bilm, batch)
        assert_close(stateless_elmo.embed_batch(batch), theirs, f"batch {number}")
    # random weights, but not a degenerate comparison: every layer varies and is mostly unsaturated
    values = np.concatenate([layers.reshape(3, -1) for layers in theirs], axis=1)
    assert (values.std(axis=1) > 0.01).all()
    assert (np.abs(values) < 2.9).mean() > 0.9


def run_stateful(allennlp_elmo, allennlp_bilm, elmo, batches):
    """Both models from a zero state through ``batches`` in order; our outputs of the last batch."""
    allennlp_bilm._elmo_lstm.reset_states()
    elmo.reset_states()
    for number, batch in enumerate(batches):
        ours = elmo.embed_batch(batch)
        assert_close(ours, allennlp_layers(allennlp_elmo, allennlp_bilm, batch), f"stateful batch {number}")
    return ours


def test_stateful_outputs_match_allennlp_across_batches(allennlp_elmo, allennlp_bilm, model_files,
                                                        stateless_elmo):
    """Carried state, on batches of one size whose sentences are already sorted longest first,
    so that AllenNLP's internal sorting by length keeps every sentence in its row; then on
    unsorted batches (AllenNLP sorts the state with the rows and restores the order after)."""
    elmo = Elmo.from_files(*model_files, stateful=True)
    sentences = sorted((s.split() for s in SENTENCES), key=len, reverse=True)
    interleaved = sentences[1::2] + sentences[::2]
    sorted_batches = [sorted(batch, key=len, reverse=True) for batch in batches_of(interleaved, 3)]
    carried = run_stateful(allennlp_elmo, allennlp_bilm, elmo, sorted_batches)
    # the state did carry: the last batch differs from a fresh start
    fresh = stateless_elmo.embed_batch(sorted_batches[-1])
    assert max(np.abs(a[1:] - b[1:]).max() for a, b in zip(carried, fresh)) > 1e-3

    unsorted_batches = batches_of([s.split() for s in SENTENCES], 4)
    assert any(batch != sorted(batch, key=len, reverse=True) for batch in unsorted_batches)
    run_stateful(allennlp_elmo, allennlp_bilm, elmo, unsorted_batches)


def test_stateful_outputs_match_allennlp_when_the_batch_size_changes(allennlp_elmo, write_random_model,
                                                                    tmp_path):
    """A smaller batch updates only its rows of the carried state; the rows beyond it keep theirs
    for a later, larger batch (AllenNLP's ``_EncoderBase._update_states``)."""
    model_files = write_random_model(tmp_path, CONFIGURATIONS["tiny-3-filters-1-highway-relu"], seed=3)
    allennlp_bilm = allennlp_elmo._ElmoBiLm(*map(str, model_files)).eval()
    elmo = Elmo.from_files(*model_files, stateful=True)
    sentences = [s.split() for s in SENTENCES]
    batches = [sentences[0:5], sentences[5:7], sentences[7:12], sentences[:1], sentences[1:4]]
    run_stateful(allennlp_elmo, allennlp_bilm, elmo, batches)
