"""The shipped tiny ELMo: it loads offline, and the figures of its model card hold.

Each figure is re-measured here and compared with metrics.json (which the card is rendered
from), and the properties the course teaches are asserted on the fresh measurement.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import elmo_course as ec
from elmo_course.course import quality, senses
from elmo_course.registry import PACKAGE_MODELS, SHIPPED_MODEL

MODEL_DIR = PACKAGE_MODELS / SHIPPED_MODEL
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def metrics():
    return json.loads((MODEL_DIR / "metrics.json").read_text())


@pytest.fixture(scope="module")
def elmo():
    return ec.load_elmo()


def test_model_files_fit_the_repository_budget():
    sizes = {p.name: p.stat().st_size for p in MODEL_DIR.iterdir()}
    assert {"options.json", "weights.hdf5", "vocab.txt", "softmax.hdf5", "MODEL_CARD.md"} <= set(sizes)
    assert sum(sizes.values()) < 25 * 2**20


def test_model_card_is_rendered_from_the_metrics(metrics):
    sys.path.insert(0, str(ROOT / "scripts"))
    from measure_model import render_values

    card = (MODEL_DIR / "MODEL_CARD.md").read_text()
    runs = json.loads((MODEL_DIR / "training.json").read_text())["runs"]
    for name, value in render_values(metrics, runs, json.loads((MODEL_DIR / "options.json").read_text())).items():
        assert str(value) in card, f"model card does not show {name} = {value}"


def test_heldout_perplexity_is_low_and_stable(metrics):
    measured = {16: quality.heldout_perplexity(MODEL_DIR, **quality.PERPLEXITY_SAMPLE),
                64: quality.heldout_perplexity(MODEL_DIR, test_reviews=100, batch_size=64)}
    for batch, key in ((16, "perplexity"), (64, "perplexity_batch_64")):
        for direction in ("forward", "backward", "unigram"):
            assert measured[batch][direction] == pytest.approx(metrics[key][direction], rel=1e-3)
    for direction in ("forward", "backward"):
        # a language model that learned anything beats word frequencies alone; this one by far
        assert measured[16][direction] < 0.25 * measured[16]["unigram"]
        # and which windows the streams cut does not move the figure much
        assert measured[64][direction] == pytest.approx(measured[16][direction], rel=0.05)


def test_context_matters_for_word_senses(elmo, metrics):
    measured = quality.sense_figures(elmo)
    # nearest-centroid decisions on a borderline sentence can flip when float32 sums run in another
    # order (another CPU), so figures are compared within two standard errors of their sentence count
    frame = senses.load_sense_sentences()
    for model in ("trained", "random_init"):
        for layer in ("0", "1", "2"):
            stored = metrics["senses"][model][layer]
            assert measured[model][layer] == pytest.approx(stored, abs=quality.accuracy_tolerance(stored, len(frame)))
    per_word = metrics["senses"]["trained_per_word"]
    assert measured["trained_per_word"].keys() == per_word.keys()
    for word, per_layer in per_word.items():
        sentences = int((frame["word"] == word).sum())
        for layer, stored in per_layer.items():
            tolerance = quality.accuracy_tolerance(stored, sentences)
            assert measured["trained_per_word"][word][layer] == pytest.approx(stored, abs=tolerance), (word, layer)
    trained, random_init = measured["trained"], measured["random_init"]
    assert trained["0"] == 0.5, "layer 0 is context-free, so it cannot beat chance"
    assert quality.glove_sense_accuracy() == metrics["senses"]["glove"] == 0.5, "nor can GloVe"
    best_lstm = max(trained["1"], trained["2"])
    assert best_lstm > 0.5 + 0.15
    assert best_lstm > max(random_init["1"], random_init["2"]) + 0.1


def test_sentiment_curve(metrics):
    """The card's curve is re-measured by lesson 02 under nbval (its check cell compares every
    figure with metrics.json to two standard errors); here, the properties the course states about it."""
    curve = metrics["sentiment_curve"]
    assert set(curve) == {"bag_of_words", "glove_average", "layer0", "elmo", "elmo_layers", "elmo_plus_bag_of_words"}
    for row, per_size in curve.items():
        assert sorted(int(n) for n in per_size) == list(quality.CURVE_SIZES), row
        assert per_size["2000"] > 0.6, f"{row} should be well above chance with 2,000 reviews"
        assert per_size["2000"] > per_size["100"], f"{row} should gain from more labelled reviews"


def test_start_state_figures(elmo, metrics):
    measured = quality.start_state_figures(elmo)
    sentences = len(senses.load_sense_sentences())
    examples = {"sense_layer1": sentences, "sense_layer2": sentences, "sentiment_1000": quality.CURVE_SAMPLE["n_test"]}
    for start, figures in metrics["start_states"].items():
        for key, value in figures.items():
            # two standard errors of an accuracy on that many test examples: fitted and
            # nearest-centroid figures move by a few examples from one CPU to the next
            tolerance = quality.accuracy_tolerance(value, examples[key])
            assert measured[start][key] == pytest.approx(value, abs=tolerance), (start, key, tolerance)


def test_shipped_model_embeds_1000_reviews_offline_in_a_fresh_process(tmp_path):
    script = (
        "import elmo_course as ec, numpy as np\n"
        "from elmo_course.course.datasets import load_imdb\nfrom elmo_course.course.text import tokenize\n"
        "reviews = [tokenize(t) for t in load_imdb('test', n=1000)['text']]\n"
        "elmo = ec.load_elmo()\n"
        "out = list(elmo.embed_sentences(reviews, progress=False))\n"
        "assert len(out) == 1000 and all(o.shape == (3, len(r), 256) for o, r in zip(out, reviews))\n"
        "assert all(np.isfinite(o).all() for o in out)\n"
        "print('ok', sum(map(len, reviews)))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ELMO_COURSE_MODEL"}
    env.update(HOME=str(tmp_path), ELMO_COURSE_CACHE=str(tmp_path / "cache"),
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")  # no network
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            cwd=tmp_path, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok")
