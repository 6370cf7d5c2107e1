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
