"""The quality figures of a model, as its model card reports them and the tests re-measure them.

- held-out perplexity, forward and backward, next to a unigram model on the same text;
- sense accuracy per layer (``senses.sense_accuracy``), next to a randomly initialised biLM of
  the same size, which shows how much comes from training rather than from mixing neighbours;
- review sentiment against the number of training reviews (``sentiment_curve``): bag of words,
  the GloVe average, ELMo's layer 0, ELMo and ELMo + bag of words. Dense features are
  standardised (as in lessons 03 and 04), and every classifier picks its regularisation strength
  by 5-fold cross-validation on the training reviews only;
- what the LSTM's starting state costs (``start_state_figures``);
- token level, on UD English-EWT (train on dev, score on test): part-of-speech accuracy of a
  linear probe per layer, overall and on ambiguous / unseen words, next to GloVe, the majority
  tag and the random-weight twin (``pos_figures``, the paper's Table 6), and entity F1 of a
  BiLSTM tagger on Universal NER with GloVe and with GloVe + ELMo (``ner_figures``, Table 1).

Each function is deterministic: the same model gives the same numbers.
"""
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ..elmo import Elmo
from ..engine.bilm import BiLM
from ..features import layer_mix, pooled_vectors
from ..progress import progress_bar
from . import datasets, senses
from .text import tokenize

PERPLEXITY_SAMPLE = {"test_reviews": 100, "batch_size": 16}


def accuracy_tolerance(accuracy, n, standard_errors=2.0):
    """How far a re-measured accuracy on ``n`` test examples may honestly drift from a stored one:
    ``standard_errors`` standard errors of a proportion, sqrt(p (1 - p) / n), with p kept away from
    0 and 1. Fitted classifiers flip a few borderline examples when float32 sums run in another
    order (another CPU, SIMD width or thread count), so figures are compared with this margin,
    never digit for digit. About 0.03 for an accuracy near 0.7 on 1,000 examples."""
    p = min(max(float(accuracy), 0.05), 0.95)
    return standard_errors * float(np.sqrt(p * (1 - p) / n))
SENTIMENT_CS = np.logspace(-3, 2, 11)  # inverse regularisation strengths tried by cross-validation


def heldout_perplexity(model_dir, test_reviews=100, batch_size=16):
    """Forward/backward perplexity of a dumped language model on the first course-test reviews."""
    from ..training.trainer import LanguageModelTrainer, Streams, corpus_sentences, unigram_perplexity

    trainer = LanguageModelTrainer.from_directory(model_dir, batch_size=batch_size)
    sentences = corpus_sentences("test", test_reviews)
    streams = Streams(sentences, trainer.vocab, batch_size, seed=0)
    forward, backward = trainer.perplexity(streams)
    train_sentences = corpus_sentences("train")
    return {"forward": forward, "backward": backward,
            "unigram": unigram_perplexity(train_sentences, streams, trainer.vocab),
            "tokens": int(streams.forward.size)}


def sense_figures(elmo, seed=0):
    """Sense accuracy per layer of ``elmo`` and of a random biLM with the same options, and per
    word and LSTM layer of ``elmo``."""
    random_elmo = Elmo(BiLM(elmo.bilm.options, seed=seed), name="random")
    trained = senses.sense_accuracy(elmo)
    untrained = senses.sense_accuracy(random_elmo).loc["all"]
    return {"trained": {str(k): float(v) for k, v in trained.loc["all"].items()},
            "random_init": {str(k): float(v) for k, v in untrained.items()},
            "trained_per_word": {word: {str(k): float(row[k]) for k in (1, 2)}
                                 for word, row in trained.drop(index="all").iterrows()}}


CURVE_SIZES = (100, 200, 500, 1000, 2000)
CURVE_SAMPLE = {"n_test": 1000, "max_tokens": 100}


def review_sample(n_train=max(CURVE_SIZES), n_test=1000, max_tokens=100):
    """Tokens (first ``max_tokens`` of each review) and labels of a stratified course-train
    sample and a course-test sample: ({"train": [...], "test": [...]}, {"train": y, "test": y})."""
    frames = {"train": datasets.load_imdb("train", n=n_train), "test": datasets.load_imdb("test", n=n_test)}
    tokens = {name: [tokenize(t)[:max_tokens] for t in frame["text"]] for name, frame in frames.items()}
    return tokens, {name: frame["label"].to_numpy() for name, frame in frames.items()}


def probe_accuracy(train_x, train_y, test_x, test_y, scale=True):
    """Test accuracy of logistic regression, C picked by 5-fold cross-validation on the training
    rows; ``scale``: standardise dense features first."""
    # l1_ratios, scoring and use_legacy_attributes spelled out: scikit-learn 1.9 warns about its
    # coming defaults otherwise (the values are today's: an L2 penalty, C chosen by accuracy)
    # n_jobs=-1: the five folds on all cores (the same result as one core, a third of the time on two)
    model = LogisticRegressionCV(Cs=SENTIMENT_CS, cv=5, max_iter=3000, l1_ratios=(0.0,), scoring="accuracy",
                                 use_legacy_attributes=False, n_jobs=-1)
    if scale:
        model = make_pipeline(StandardScaler(), model)
    return float(model.fit(train_x, train_y).score(test_x, test_y))


def sentiment_curve(elmo, sizes=CURVE_SIZES, n_test=1000, max_tokens=100, glove=None, progress=False):
    """Sample efficiency (the paper's section 5.4): test accuracy against the number of training
    reviews, course-train -> course-test, first ``max_tokens`` tokens of each review.

    Rows: bag of words (binary 1-2 grams), GloVe average, ELMo layer 0, ELMo (mean of the three
    layers), ELMo's three layers side by side (each mean-pooled; the classifier weights them
    itself, a learned weighting of the layers), and ELMo + bag of words (the standardised ELMo
    mean features next to the binary counts).
    Each training set of size n is the first n reviews of one stratified sample of max(sizes).
    ``progress``: show progress bars, for the biLM over the reviews and for the classifiers
    (several minutes with the shipped model on two CPU cores: the cross-validated fits dominate).
    Returns {row: {n: accuracy}}.
    """
    from scipy import sparse

    from .glove import load_glove

    glove = glove or load_glove()
    tokens, labels = review_sample(max(sizes), n_test, max_tokens)
    layers = {name: list(elmo.embed_sentences(tokens[name], progress=progress)) for name in tokens}
    dense = {
        "glove_average": {name: np.stack([glove.average(t) for t in tokens[name]]) for name in tokens},
        "layer0": {name: np.stack([x[0].mean(axis=0) for x in layers[name]]) for name in tokens},
        "elmo": {name: np.stack([layer_mix(x, "mean").mean(axis=0) for x in layers[name]]) for name in tokens},
        "elmo_layers": {name: np.stack([x.mean(axis=1).reshape(-1) for x in layers[name]]) for name in tokens},
    }
    curve = {row: {} for row in ("bag_of_words", "glove_average", "layer0", "elmo", "elmo_layers",
                                 "elmo_plus_bag_of_words")}
    fits = progress_bar(total=len(sizes) * len(curve), desc="classifiers", unit="fit", disable=not progress)
    for n in sizes:
        y = labels["train"][:n]
        bag = CountVectorizer(ngram_range=(1, 2), binary=True, lowercase=False, tokenizer=lambda s: s,
                     preprocessor=lambda s: s, token_pattern=None)
        bag_train, bag_test = bag.fit_transform(tokens["train"][:n]), bag.transform(tokens["test"])
        curve["bag_of_words"][n] = probe_accuracy(bag_train, y, bag_test, labels["test"], scale=False)
        for row, features in dense.items():
            curve[row][n] = probe_accuracy(features["train"][:n], y, features["test"], labels["test"])
        scaler = StandardScaler().fit(dense["elmo"]["train"][:n])
        both = [sparse.hstack([bag_x, sparse.csr_matrix(scaler.transform(x))]).tocsr()
                for bag_x, x in ((bag_train, dense["elmo"]["train"][:n]), (bag_test, dense["elmo"]["test"]))]
        curve["elmo_plus_bag_of_words"][n] = probe_accuracy(both[0], y, both[1], labels["test"], scale=False)
        fits.update(len(curve))
    fits.close()
    return curve


class GloveSenses:
    """GloVe behind the sense probe's embedder interface: one layer, one vector per token."""

    def __init__(self, glove):
        self.glove = glove

    def embed_sentences(self, sentences, **_):
        for tokens in sentences:
            yield self.glove.embed_tokens(tokens)[None]


def glove_sense_accuracy(glove=None):
    """The sense probe on GloVe vectors: context-independent, so exactly chance (0.5)."""
    from .glove import load_glove

    return float(senses.sense_accuracy(GloveSenses(glove or load_glove()), layers=(0,)).loc["all", 0])


def start_state_figures(elmo, n_train=1000, n_test=1000, max_tokens=100, seed=0):
    """What the LSTM's starting state costs: sense accuracy per LSTM layer and the 1,000-review
    sentiment accuracy (ELMo, mean of the layers) when every sentence starts

    - ``zero``: from a zero state (the stateless default),
    - ``warm``: from the state the model reaches after ``elmo.WARM_START_SENTENCE``,
    - ``carried``: from whatever the text before it left (a stateful run, batches of 64, as
      bilm-tf and AllenNLP run; the sense sentences in a shuffled order, so that the state
      never comes from a sentence of the same sense by construction of the file).
    """
    variants = {"zero": Elmo(elmo.bilm, name="zero"), "warm": Elmo(elmo.bilm, name="warm", start="warm"),
                "carried": Elmo(elmo.bilm, name="carried", stateful=True)}
    frame = senses.load_sense_sentences()
    shuffled = frame.iloc[np.random.default_rng(seed).permutation(len(frame))].reset_index(drop=True)
    tokens, labels = review_sample(n_train, n_test, max_tokens)
    figures = {}
    for name, variant in variants.items():
        accuracy = senses.sense_accuracy(variant, shuffled if name == "carried" else frame, layers=(1, 2))
        variant.reset_states()
        train_x = pooled_vectors(variant, tokens["train"], progress=False)
        test_x = pooled_vectors(variant, tokens["test"], progress=False)
        figures[name] = {"sense_layer1": float(accuracy.loc["all", 1]), "sense_layer2": float(accuracy.loc["all", 2]),
                         "sentiment_1000": probe_accuracy(train_x, labels["train"], test_x, labels["test"])}
    return figures


POS_PROBE = {"epochs": 20}  # tagging.fit_probe's settings for the card's figures
NER_TAGGER = {"seeds": 3, "max_epochs": 12}


def _token_features(elmo, glove=None):
    """UD English-EWT dev (train) and test, and ELMo's layers of each sentence, computed once."""
    from . import datasets, tagging
    from .glove import load_glove

    data = {"train": datasets.load_tagged_sentences("dev"), "test": datasets.load_tagged_sentences("test")}
    return data, {split: tagging.embed_layers(elmo, data[split]) for split in data}, glove or load_glove()


def pos_figures(elmo, glove=None, epochs=POS_PROBE["epochs"], seed=0):
    """Part-of-speech accuracy on EWT test of a linear probe trained on EWT dev (``tagging.fit_probe``):
    {row: {"all", "ambiguous", "unseen": accuracy}} for the majority tag of each word, GloVe, each
    layer, the mean of the layers and the learned weighting (with its weights), and
    {"random_init": {layer: accuracy}} for a biLM with random weights; ``counts``: test words per group."""
    from . import tagging

    data, layers, glove = _token_features(elmo, glove)
    twin = Elmo(BiLM(elmo.bilm.options, seed=seed), name="random")
    twin_layers = {split: tagging.embed_layers(twin, data[split]) for split in data}
    words = {split: tagging.flat_words(data[split]) for split in data}
    tags = {split: [t for s in data[split] for t in s.upos] for split in data}
    groups = tagging.word_groups(words["train"], tags["train"], words["test"])
    inputs = {"glove": [tagging.glove_tokens(glove, data[split]) for split in data],
              **{f"layer{k}": [tagging.layer_tokens(layers[split], k) for split in data] for k in range(3)},
              "mean": [tagging.layer_tokens(layers[split], "mean") for split in data],
              "learned": [tagging.layer_tokens(layers[split]) for split in data]}
    figures = {"counts": {name: int(mask.sum()) for name, mask in groups.items()},
               "majority": tagging.accuracy_by_group(
                   tagging.majority_tags(words["train"], tags["train"], words["test"]), tags["test"], groups)}
    for name, (train_x, test_x) in inputs.items():
        probe = tagging.fit_probe(train_x, tags["train"], epochs=epochs, seed=seed)
        figures[name] = tagging.accuracy_by_group(probe.predict(test_x), tags["test"], groups)
        if probe.layer_weights is not None:
            figures[name]["weights"] = [float(w) for w in probe.layer_weights]
    figures["random_init"] = {}
    for k in range(3):
        train_x, test_x = (tagging.layer_tokens(twin_layers[split], k) for split in data)
        probe = tagging.fit_probe(train_x, tags["train"], epochs=epochs, seed=seed)
        figures["random_init"][str(k)] = tagging.accuracy_by_group(probe.predict(test_x), tags["test"], groups)["all"]
    return figures


def ner_figures(elmo, glove=None, seeds=NER_TAGGER["seeds"], max_epochs=NER_TAGGER["max_epochs"]):
    """Entity F1 on Universal NER English-EWT test of BiLSTM taggers trained on dev
    (``tagging.fit_tagger``), one per seed: GloVe + capitalisation, and the same + ELMo (learned
    mix). {"glove": [F1 per seed], "glove_elmo": [...], "entities": test entities}."""
    from . import tagging

    data, layers, glove = _token_features(elmo, glove)
    keep = {split: [i for i, s in enumerate(data[split]) if s.ner is not None] for split in data}
    words = {split: [np.hstack([glove.embed_tokens(data[split][i].words), tagging.capitalisation(data[split][i].words)])
                     for i in keep[split]] for split in data}
    gold = {split: [data[split][i].ner for i in keep[split]] for split in data}
    elmo_x = {split: [layers[split][i] for i in keep[split]] for split in data}
    figures = {"glove": [], "glove_elmo": [],
               "entities": sum(tag.startswith("B-") for sentence in gold["test"] for tag in sentence)}
    for seed in range(seeds):
        for name, use_elmo in (("glove", False), ("glove_elmo", True)):
            tagger = tagging.fit_tagger(words["train"], gold["train"], elmo_x["train"] if use_elmo else None,
                                        max_epochs=max_epochs, seed=seed)
            predicted = tagger.predict(words["test"], elmo_x["test"] if use_elmo else None)
            figures[name].append(tagging.entity_f1(gold["test"], predicted))
    return figures
