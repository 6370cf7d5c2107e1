"""The plotting helpers: they draw what they say, on the non-interactive Agg backend."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from elmo_course.course import viz  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def two_senses(n=10, dim=6, seed=0):
    """Layer 0 context-free (one vector repeated, with float32-sized rounding noise), layer 1 two
    separated clusters, layer 2 noise."""
    rng = np.random.default_rng(seed)
    labels = ["bank/river"] * n + ["bank/finance"] * n
    layer0 = np.tile(rng.normal(size=dim), (2 * n, 1)) + rng.normal(scale=1e-7, size=(2 * n, dim))
    layer1 = rng.normal(size=(2 * n, dim)) + np.repeat([[5.0] * dim, [-5.0] * dim], n, axis=0)
    layer2 = rng.normal(size=(2 * n, dim))
    return {0: layer0, 1: layer1, 2: layer2}, labels


def test_pca_2d_collapses_identical_vectors_and_explains_separated_ones():
    vectors, _ = two_senses()
    points, ratio = viz.pca_2d(vectors[0])
    assert points.shape == (20, 2) and not points.any() and not ratio.any()
    points, ratio = viz.pca_2d(vectors[1])
    assert ratio[0] > 0.8 and 0 < ratio.sum() <= 1 + 1e-9
    assert np.sign(points[:10, 0]).tolist() == [np.sign(points[0, 0])] * 10  # one cluster per side
    assert (np.sign(points[10:, 0]) == -np.sign(points[0, 0])).all()


def test_pca_2d_rejects_a_single_vector():
    with pytest.raises(ValueError, match="at least 2 vectors"):
        viz.pca_2d(np.ones((1, 4)))


def test_plot_pca_by_layer_draws_one_panel_per_layer():
    vectors, labels = two_senses()
    words = ["river"] + [None] * 19
    figure = viz.plot_pca_by_layer(vectors, labels, words=words, title="bank")
    axes = figure.get_axes()
    assert len(axes) == 3
    assert "all vectors identical" in axes[0].get_title()
    assert "explain" in axes[1].get_title()
    assert [len(ax.collections) for ax in axes] == [2, 2, 2]  # one scatter per sense
    assert [text.get_text() for text in axes[1].texts] == ["river"]
    assert [text.get_text() for text in axes[0].texts] == ["all 20 points"]  # no pile of labels
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["bank/river", "bank/finance"]
    assert figure._suptitle.get_text() == "bank"


def test_plot_pca_by_layer_checks_lengths():
    vectors, labels = two_senses()
    with pytest.raises(ValueError, match="labels"):
        viz.plot_pca_by_layer(vectors, labels[:-1])


def test_plot_layer_weights_shows_the_softmax():
    figure = viz.plot_layer_weights([0.0, np.log(2.0), np.log(5.0)], gamma=1.5)
    ax = figure.get_axes()[0]
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, [0.125, 0.25, 0.625])
    assert "gamma = 1.50" in ax.get_title()
    assert [label.get_text() for label in ax.get_xticklabels()] == ["layer 0", "layer 1", "layer 2"]


def test_plot_sense_accuracy_draws_a_bar_per_word_and_layer():
    table = pd.DataFrame({0: [0.5, 0.5, 0.5], 1: [0.9, 0.8, 0.85], 2: [1.0, 0.7, 0.85]},
                         index=pd.Index(["bank", "plant", "all"], name="word"))
    figure = viz.plot_sense_accuracy(table)
    ax = figure.get_axes()[0]
    assert sorted(round(patch.get_height(), 3) for patch in ax.patches) == sorted(table.to_numpy().ravel())
    assert [label.get_text() for label in ax.get_xticklabels()] == ["bank", "plant", "all"]


def test_mark_word():
    assert viz.mark_word(["the", "river", "bank"], 2) == "the river [bank]"
    assert viz.mark_word(["a", "bank"], 1, "**", "**") == "a **bank**"
    with pytest.raises(ValueError, match="outside"):
        viz.mark_word(["a"], 1)


def texts_of(figure, part):
    return " ".join(text.get_text() for text in figure.get_axes()[0].texts if text.get_gid() == part)


def test_draw_elmo_writes_the_sizes_of_the_options_it_is_given():
    from elmo_course.engine.options import ElmoOptions

    options = ElmoOptions.build(hidden=1234, projection=56, filters=((1, 7), (3, 11)), n_highway=3)
    figure = viz.draw_elmo(options, vocab_size=4321)
    assert "18 filters of widths 1-3" in texts_of(figure, "char_cnn")  # 7 + 11
    assert "3 highway layers (18-d)" in texts_of(figure, "highway")
    assert "P = 56" in texts_of(figure, "projection")
    lstm = texts_of(figure, "lstm")
    assert lstm.count("1,234 units, projected to P = 56") == 4  # 2 layers x 2 directions
    assert "forward LSTM 2" in lstm and "backward LSTM 1" in lstm
    assert "4,321-word vocabulary" in texts_of(figure, "softmax")
    assert "112-d per token" in texts_of(figure, "mix")  # 2P
    assert f"{options.count_parameters():,} biLM parameters" in figure.get_axes()[0].get_title()


def test_draw_elmo_defaults_to_the_shipped_model_and_knows_the_official_ones():
    from elmo_course.engine.options import ElmoOptions
    from elmo_course.registry import PACKAGE_MODELS, SHIPPED_MODEL

    shipped = ElmoOptions.read(PACKAGE_MODELS / SHIPPED_MODEL / "options.json")
    assert f"{shipped.hidden_dim:,} units" in texts_of(viz.draw_elmo(), "lstm")
    original = texts_of(viz.draw_elmo("original"), "lstm")
    assert "4,096 units, projected to P = 512" in original


def test_draw_elmo_highlight_fades_every_other_part():
    figure = viz.draw_elmo(highlight="mix")
    artists = [a for a in figure.get_axes()[0].get_children() if a.get_gid() in viz.ELMO_PARTS]
    assert {a.get_gid() for a in artists} == set(viz.ELMO_PARTS)
    for artist in artists:
        assert artist.get_alpha() == (1.0 if artist.get_gid() == "mix" else viz.FADED_ALPHA), artist.get_gid()
    training = viz.draw_elmo(highlight="training")
    faded = {a.get_gid() for a in training.get_axes()[0].get_children() if a.get_alpha() == viz.FADED_ALPHA}
    assert faded == {"mix"}
    plain = viz.draw_elmo()
    assert all(a.get_alpha() == 1.0 for a in plain.get_axes()[0].get_children() if a.get_gid() in viz.ELMO_PARTS)
    with pytest.raises(ValueError, match="unknown part 'decoder'"):
        viz.draw_elmo(highlight="decoder")


def test_draw_elmo_takes_every_model_name_a_lesson_may_use():
    from elmo_course.registry import PACKAGE_MODELS, SHIPPED_MODEL, TFHUB_ELMO

    words = len((PACKAGE_MODELS / SHIPPED_MODEL / "vocab.txt").read_text(encoding="utf-8").splitlines())
    assert f"{words:,}-word vocabulary" in texts_of(viz.draw_elmo(SHIPPED_MODEL), "softmax")
    assert "4,096 units" in texts_of(viz.draw_elmo(TFHUB_ELMO), "lstm")
