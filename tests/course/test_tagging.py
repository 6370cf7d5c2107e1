"""Token-level probes and taggers (elmo_course.course.tagging) on toy data, and the model card's
token-level figures re-measured on UD English-EWT / Universal NER (skipped without the data)."""
import json
from pathlib import Path

import numpy as np
import pytest

from elmo_course import registry
from elmo_course.course import tagging

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
METRICS = Path(__file__).resolve().parents[2] / "elmo_course" / "models" / "elmo-course-tiny" / "metrics.json"


def test_layer_tokens_flattens_sentences_in_order():
    layers = [np.arange(3 * 2 * 4, dtype=np.float32).reshape(3, 2, 4), np.ones((3, 1, 4), np.float32)]
    assert tagging.layer_tokens(layers).shape == (3, 3, 4)
    assert np.array_equal(tagging.layer_tokens(layers, 1)[:2], layers[0][1])
    assert np.allclose(tagging.layer_tokens(layers, "mean")[0], layers[0][:, 0].mean(axis=0))


def test_majority_tags_and_word_groups_lower_case_words():
    train_words, train_tags = ["The", "run", "run", "run", "the"], ["DET", "VERB", "NOUN", "VERB", "DET"]
    test_words = ["the", "Run", "walk"]
    assert tagging.majority_tags(train_words, train_tags, test_words) == ["DET", "VERB", tagging.DEFAULT_TAG]
    groups = tagging.word_groups(train_words, train_tags, test_words)
    assert groups["ambiguous"].tolist() == [False, True, False]
    assert groups["unseen"].tolist() == [False, False, True]
    assert tagging.accuracy_by_group(["DET", "NOUN", "NOUN"], ["DET", "VERB", "NOUN"], groups) == {
        "all": pytest.approx(2 / 3), "ambiguous": 0.0, "unseen": 1.0}


def test_capitalisation_features():
    assert tagging.capitalisation(["Paris", "NASA", "dog"]).tolist() == [[1, 0], [1, 1], [0, 0]]


def test_entity_f1_counts_whole_spans():
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    assert tagging.entity_f1(gold, gold) == 1.0
    assert tagging.entity_f1(gold, [["B-PER", "O", "O", "B-LOC"]]) == pytest.approx(0.5)  # one of two spans


def test_probe_learns_a_separable_problem_and_its_layer_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3, 4)).astype(np.float32)
    tags = np.where(x[:, 1, 0] > 0, "A", "B").tolist()  # only layer 1 knows the answer
    probe = tagging.fit_probe(x, tags, epochs=60, batch_size=64, learning_rate=0.03, mix_l2=0.0)
    assert np.mean(np.array(probe.predict(x)) == np.array(tags)) > 0.95
    weights = probe.layer_weights
    assert weights.sum() == pytest.approx(1, abs=1e-5) and weights.argmax() == 1
    flat = tagging.fit_probe(x[:, 1], tags, epochs=30, learning_rate=0.03)
    assert flat.layer_weights is None


def test_probe_is_seeded():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    tags = np.where(x[:, 0] + 0.5 * rng.normal(size=200) > 0, "A", "B").tolist()
    first, second = (tagging.fit_probe(x, tags, epochs=3, seed=7).model.get_weights() for _ in range(2))
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def _toy_sequences(n, rng):
    """Tag B-X on a word whose first feature is above 0.5 and I-X on a word after one that is;
    layers (3, T, 2) whose layer 2 holds the answer."""
    words, tags, layers = [], [], []
    for _ in range(n):
        length = int(rng.integers(2, 9))
        x = rng.normal(size=(length, 3)).astype(np.float32)
        sentence = ["B-X" if value > 0.5 else "O" for value in x[:, 0]]
        sentence = [tag if tag == "O" or t == 0 or sentence[t - 1] == "O" else "I-X" for t, tag in enumerate(sentence)]
        words.append(x)
        tags.append(sentence)
        layers.append(np.stack([rng.normal(size=(length, 2)), rng.normal(size=(length, 2)),
                                np.array([[s == "B-X", s == "I-X"] for s in sentence], np.float32)]).astype(np.float32))
    return words, tags, layers


def test_bilstm_tagger_learns_spans_and_keeps_sentence_lengths():
    rng = np.random.default_rng(0)
    words, tags, layers = _toy_sequences(300, rng)
    tagger = tagging.fit_tagger(words, tags, units=16, dropout=0.1, max_epochs=25, patience=5, learning_rate=0.01, seed=0)
    predicted = tagger.predict(words)
    assert [len(p) for p in predicted] == [len(t) for t in tags]
    assert tagging.entity_f1(tags, predicted) > 0.75
    with_layers = tagging.fit_tagger(words, tags, layers, units=8, max_epochs=3, seed=0)
    assert with_layers.layer_weights.shape == (3,)
    assert [len(p) for p in with_layers.predict(words, layers)] == [len(t) for t in tags]
    for mix in ("average", "last"):
        fixed = tagging.fit_tagger(words[:50], tags[:50], layers[:50], mix=mix, units=4, max_epochs=1, seed=0)
        assert fixed.layer_weights is None and len(fixed.predict(words[:5], layers[:5])) == 5


# --- the model card's token-level figures, re-measured -----------------------------------------


@pytest.fixture(scope="module")
def shipped_elmo():
    if not (SHARED_DATA / "ud-english-ewt-r2.16").is_dir():
        pytest.skip(f"the token-level data is not at {SHARED_DATA}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(registry.DATA_ENV_VAR, str(SHARED_DATA))
        import elmo_course as ec

        yield ec.load_elmo()


@pytest.fixture(scope="module")
def card():
    return json.loads(METRICS.read_text())


def test_card_pos_figures_and_the_issue_margins(shipped_elmo, card, monkeypatch):
    from elmo_course.course import quality

    monkeypatch.setenv(registry.DATA_ENV_VAR, str(SHARED_DATA))
    live = quality.pos_figures(shipped_elmo)
    n = live["counts"]
    assert n == card["pos"]["counts"]
    for row in ("majority", "glove", "layer0", "layer1", "layer2", "mean", "learned"):
        for group in ("all", "ambiguous", "unseen"):
            stored, now = card["pos"][row][group], live[row][group]
            tolerance = 2 * tagging.standard_error(stored, n[group]) + (0 if row == "majority" else 0.005)
            assert abs(now - stored) <= tolerance, f"{row}/{group}: {now:.3f} vs card {stored:.3f} (tolerance {tolerance:.3f}: 2 SE + 0.005)"
    for layer in ("0", "1", "2"):
        stored, now = card["pos"]["random_init"][layer], live["random_init"][layer]
        assert abs(now - stored) <= 2 * tagging.standard_error(stored, n["all"]) + 0.005, (layer, now, stored)
    best = max(("1", "2"), key=lambda k: live[f"layer{k}"]["all"])
    acc = {k: live[k]["all"] for k in ("glove", "layer0", f"layer{best}")}
    two_se = 2 * np.sqrt(2 * 0.25 / n["all"])  # 2 SE of a difference of two accuracies, at its largest
    assert acc[f"layer{best}"] - acc["glove"] - two_se >= 0.08
    assert acc[f"layer{best}"] - acc["layer0"] - two_se >= 0.03
    assert acc[f"layer{best}"] - live["random_init"][best] - two_se >= 0.10


def test_card_ner_figures(shipped_elmo, card, monkeypatch):
    """One tagger per feature set (the card has 3 seeds): each within 2 standard errors of the
    card's mean, the larger of the seeds' spread and the binomial SE of an F1 on these entities."""
    from elmo_course.course import quality

    monkeypatch.setenv(registry.DATA_ENV_VAR, str(SHARED_DATA))
    live = quality.ner_figures(shipped_elmo, seeds=1)
    assert live["entities"] == card["ner"]["entities"]
    for row in ("glove", "glove_elmo"):
        stored = np.array(card["ner"][row])
        spread = max(stored.std(ddof=1), tagging.standard_error(stored.mean(), live["entities"]))
        assert abs(live[row][0] - stored.mean()) <= 2 * spread, f"{row}: {live[row][0]:.3f} vs card {stored.mean():.3f} ± {2 * spread:.3f}"


def test_entity_f1_scores_spans_as_seqeval_does():
    """entity_f1 against the reference scorer, on random tag sequences, ill-formed ones included
    ("O I-PER", "B-LOC I-PER"): conlleval's reading of IOB2."""
    from seqeval.metrics import f1_score

    rng = np.random.default_rng(0)
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
    for _ in range(300):
        gold = [[tags[k] for k in rng.integers(0, len(tags), rng.integers(1, 12))] for _ in range(rng.integers(1, 6))]
        predicted = [[tags[k] for k in rng.integers(0, len(tags), len(g))] for g in gold]
        assert tagging.entity_f1(gold, predicted) == pytest.approx(f1_score(gold, predicted), abs=1e-12)
    assert tagging.entity_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == [("PER", 0, 2), ("LOC", 3, 4), ("LOC", 4, 5)]
