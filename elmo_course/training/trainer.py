"""Train a biLM the way bilm-tf does, in TF2, and dump it in the format ``load_elmo`` reads.

The algorithm (Peters et al. 2018, section 3.1, as implemented in bilm-tf):

- The corpus is a list of tokenized sentences, each wrapped in ``<S> ... </S>`` and concatenated
  into ``batch_size`` long streams. The forward LM reads its stream left to right and predicts the
  next token; the backward LM reads the same stream reversed and predicts the previous token.
- Windows of ``unroll_steps`` (20) tokens; the LSTM state is carried from one window to the next,
  so the models see context beyond one window (truncated back-propagation through time).
- Both directions share the character CNN (``BiLM.token_embedding``) and the softmax; each has its
  own LSTMs. The loss is the mean of the two directions' cross-entropies, computed with a sampled
  softmax over the word vocabulary while training (the full softmax is used for perplexity).
- Dropout on every LSTM layer's input and on the top output, Adagrad (learning rate 0.2,
  initial accumulator 1.0) and clipping of the global gradient norm at 10, as in bilm-tf.

Inputs are characters (any token can be read); only the predicted targets use the word vocabulary,
where words rarer than ``min_count`` become ``<UNK>``.

Command line: ``python -m elmo_course.training --help``.
"""
import argparse
import collections
import json
import math
import time
from pathlib import Path

import h5py
import numpy as np
import tensorflow as tf

from ..engine.bilm import BiLM
from ..engine.char_cnn import is_layer0_weight
from ..engine.char_ids import BOS_TOKEN, EOS_TOKEN, token_to_ids
from ..engine.options import ElmoOptions
from ..engine.weight_files import read_weights, write_weights
from ..progress import progress_bar
from .char_distill import WEIGHTINGS
from .general_text import general_sentences

UNK = "<UNK>"
SOFTMAX_FILE = "softmax.hdf5"


class Vocabulary:
    """Word vocabulary of the softmax: ``<S>``, ``</S>``, ``<UNK>``, then words by frequency."""

    def __init__(self, words):
        self.words = list(words)
        self.index = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def build(cls, sentences, min_count=3, max_size=None):
        return cls.from_counts(collections.Counter(t for sentence in sentences for t in sentence),
                               min_count, max_size)

    @classmethod
    def from_counts(cls, counts, min_count=3, max_size=None):
        """The ``max_size`` most frequent words seen at least ``min_count`` times."""
        frequent = [w for w, c in counts.most_common(max_size) if c >= min_count]
        return cls([BOS_TOKEN, EOS_TOKEN, UNK] + [w for w in frequent if w not in (BOS_TOKEN, EOS_TOKEN, UNK)])

    @classmethod
    def load(cls, path):
        words = Path(path).read_text(encoding="utf-8").split("\n")
        return cls(words[:-1] if words[-1] == "" else words)  # the last line may lack its newline

    def save(self, path):
        Path(path).write_text("".join(w + "\n" for w in self.words), encoding="utf-8")

    def __len__(self):
        return len(self.words)

    def id_of(self, word):
        return self.index.get(word, self.index[UNK])


class TokenTypes:
    """Numbers for distinct token strings, in order of first appearance: a stream of tokens is
    stored as an array of these numbers, and each type's characters and word id once."""

    def __init__(self):
        self.types, self.number = [], {}

    def numbers(self, sentence):
        """The type numbers of ``<S> sentence </S>``, new types numbered as they appear."""
        numbers = []
        for token in [BOS_TOKEN, *sentence, EOS_TOKEN]:
            if token not in self.number:
                self.number[token] = len(self.types)
                self.types.append(token)
            numbers.append(self.number[token])
        return numbers

    def tables(self, vocab):
        """(type_chars (types, 50) int32, type_word (types,) int32): each type's character ids and
        its word id in ``vocab``."""
        return (np.array([token_to_ids(t) for t in self.types], dtype=np.int32),
                np.array([vocab.id_of(t) for t in self.types], dtype=np.int32))


class Streams:
    """The corpus as ``batch_size`` token streams, with character ids and target word ids.

    Each distinct token string is stored once (``type_chars``, ``type_word``); a stream is an
    array of token-type numbers, so a window costs two small gathers.
    """

    def __init__(self, sentences, vocab, batch_size, seed=0):
        order = np.random.default_rng(seed).permutation(len(sentences))
        types = TokenTypes()
        stream = [number for i in order for number in types.numbers(sentences[i])]
        self.type_chars, self.type_word = types.tables(vocab)
        stream = np.array(stream, dtype=np.int32)
        self.num_tokens = len(stream)
        per_row = len(stream) // batch_size
        self.forward = stream[: per_row * batch_size].reshape(batch_size, per_row)
        self.backward = self.forward[:, ::-1].copy()  # the backward LM reads the text right to left

    def windows(self, unroll_steps, first=0, type_vectors=None):
        """Yield (inputs, targets) for both directions, from window number ``first`` on.

        inputs are character ids (2, B, unroll, 50), or with ``type_vectors`` (one layer-0
        vector per token type, for a frozen layer 0) token vectors (2, B, unroll, P); targets
        are word ids (2, B, unroll).
        """
        table = self.type_chars if type_vectors is None else type_vectors
        length = self.forward.shape[1]
        for start in range(first * unroll_steps, length - unroll_steps - 1, unroll_steps):
            types = np.stack([s[:, start : start + unroll_steps + 1] for s in (self.forward, self.backward)])
            yield table[types[:, :, :-1]], self.type_word[types[:, :, 1:]]

    def type_vectors(self, bilm, batch_size=4096):
        """(number of token types, P) float32: layer 0 of ``bilm`` for every token type."""
        return bilm.token_embedding_numpy(self.type_chars, batch_size)

    def num_windows(self, unroll_steps):
        return len(range(0, self.forward.shape[1] - unroll_steps - 1, unroll_steps))


class LanguageModelTrainer:
    """The biLM plus the shared softmax, the optimizer and the training / evaluation steps."""

    def __init__(self, options, vocab, batch_size=64, unroll_steps=20, dropout=0.1,
                 num_sampled=2048, learning_rate=0.2, clip_norm=10.0, seed=0, weights=None, softmax=None,
                 freeze_layer0=False, reset_probability=0.0):
        """``freeze_layer0``: train only the LSTMs and the softmax; the steps then take token
        vectors (``Streams.windows(..., type_vectors=...)``) instead of character ids.
        ``reset_probability``: before each training window, each stream's LSTM state is set to
        zero with this probability, so the model also learns to start from a zero state (the
        way the stateless embedder runs it)."""
        tf.random.set_seed(seed)
        self.freeze_layer0, self.reset_probability = freeze_layer0, reset_probability
        self._rng = np.random.default_rng(seed)
        self.vocab = vocab
        self.batch_size, self.unroll_steps = batch_size, unroll_steps
        self.dropout, self.num_sampled, self.clip_norm = dropout, num_sampled, clip_norm
        self.bilm = BiLM(options, weights, seed=seed)
        if softmax is None:
            projection = self.bilm.projection_dim
            scale = 1.0 / math.sqrt(projection)
            softmax = (tf.random.normal([len(vocab), projection], stddev=scale, seed=seed), tf.zeros([len(vocab)]))
        self.softmax_w = tf.Variable(softmax[0], dtype=tf.float32, name="softmax/W")
        self.softmax_b = tf.Variable(softmax[1], dtype=tf.float32, name="softmax/b")
        self.optimizer = tf.keras.optimizers.Adagrad(learning_rate, initial_accumulator_value=1.0)
        trained = [v for name, v in self.bilm.weights.items()
                   if not (freeze_layer0 and is_layer0_weight(name))]
        self.variables = trained + [self.softmax_w, self.softmax_b]
        self.step = tf.Variable(0, dtype=tf.int64, name="step")
        self.state = self._zero_state()
        inputs = ([2, batch_size, unroll_steps, self.bilm.projection_dim], tf.float32) if freeze_layer0 \
            else ([2, batch_size, unroll_steps, 50], tf.int32)
        spec = [tf.TensorSpec(*inputs), tf.TensorSpec([2, batch_size, unroll_steps], tf.int32)]
        state_spec = tf.nest.map_structure(lambda t: tf.TensorSpec(t.shape, t.dtype), self.state)
        self._train_step = tf.function(self._train_step_eager, input_signature=spec + [state_spec])
        self._eval_step = tf.function(self._eval_step_eager, input_signature=spec + [state_spec])

    def _zero_state(self):
        return [self.bilm.zero_state(self.batch_size)[d] for d in (0, 1)]

    def _top_outputs(self, inputs, state, dropout, training=False):
        mask = tf.ones([self.batch_size, self.unroll_steps])
        tops, new_state = [], []
        for direction in (0, 1):
            tokens = inputs[direction] if self.freeze_layer0 else self.bilm.token_embedding(inputs[direction])
            layers, last = self.bilm.run_direction(tokens, mask, direction, state[direction], dropout,
                                                   training=training)
            top = layers[-1]
            if dropout:
                top = tf.nn.dropout(top, rate=dropout)
            tops.append(tf.reshape(top, [-1, top.shape[-1]]))
            new_state.append(last)
        return tops, new_state

    def _train_step_eager(self, inputs, targets, state):
        with tf.GradientTape() as tape:
            tops, new_state = self._top_outputs(inputs, state, self.dropout, training=True)
            losses = []
            for direction in (0, 1):
                labels = tf.reshape(tf.cast(targets[direction], tf.int64), [-1, 1])
                losses.append(tf.reduce_mean(tf.nn.sampled_softmax_loss(
                    self.softmax_w, self.softmax_b, labels, tops[direction],
                    num_sampled=self.num_sampled, num_classes=len(self.vocab))))
            loss = 0.5 * (losses[0] + losses[1])
        gradients = tape.gradient(loss, self.variables)
        gradients, _ = tf.clip_by_global_norm(gradients, self.clip_norm)
        self.optimizer.apply_gradients(zip(gradients, self.variables))
        self.step.assign_add(1)
        return loss, new_state

    def _eval_step_eager(self, inputs, targets, state):
        """Summed full-softmax cross-entropy per direction (for perplexity) and the new state."""
        tops, new_state = self._top_outputs(inputs, state, 0.0)
        sums = []
        for direction in (0, 1):
            logits = tf.matmul(tops[direction], self.softmax_w, transpose_b=True) + self.softmax_b
            labels = tf.reshape(targets[direction], [-1])
            sums.append(tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)))
        return tf.stack(sums), new_state

    def _reset_some_streams(self):
        keep = (self._rng.random(self.batch_size) >= self.reset_probability).astype(np.float32)[:, None]
        self.state = tf.nest.map_structure(lambda s: s * keep, self.state)

    def train_epoch(self, streams, max_seconds=None, max_windows=None, log_every=50, log=None,
                    every_minutes=None, on_save=None, progress=True, first_window=0, type_vectors=None):
        """One pass over ``streams`` (or until ``max_seconds`` / ``max_windows``); returns the mean
        training loss. ``progress`` shows a tqdm bar with the recent loss and tokens per second.
        ``first_window`` skips the windows a resumed run has already trained on.

        ``on_save`` is called every ``every_minutes`` (to checkpoint and dump the model so far).
        """
        started, losses = time.time(), []
        last_save = started
        windows = streams.windows(self.unroll_steps, first_window, type_vectors)
        total = streams.num_windows(self.unroll_steps) - first_window
        if max_windows:
            total = min(total, max_windows)
        bar = progress_bar(windows, total=total, desc="train", unit="window", disable=not progress)
        for inputs, targets in bar:
            if self.reset_probability:
                self._reset_some_streams()
            loss, self.state = self._train_step(inputs, targets, self.state)
            losses.append(float(loss))
            if len(losses) % log_every == 0:
                recent = float(np.mean(losses[-log_every:]))
                elapsed = time.time() - started
                tokens_per_s = len(losses) * self.batch_size * self.unroll_steps / elapsed
                bar.set_postfix(loss=f"{recent:.3f}", tok_s=f"{tokens_per_s:.0f}")
                if log:
                    log({"step": int(self.step), "loss": recent, "seconds": elapsed, "tokens_per_s": tokens_per_s})
            if on_save and every_minutes and time.time() - last_save > every_minutes * 60:
                on_save()
                last_save = time.time()
            if max_seconds and time.time() - started > max_seconds:
                break
            if max_windows and len(losses) >= max_windows:
                break
        bar.close()
        return float(np.mean(losses)) if losses else float("nan")

    def perplexity(self, streams, max_windows=None):
        """Forward and backward perplexity (full softmax) over ``streams``, state carried."""
        state, totals, count = self._zero_state(), np.zeros(2), 0
        type_vectors = streams.type_vectors(self.bilm) if self.freeze_layer0 else None
        for n, (inputs, targets) in enumerate(streams.windows(self.unroll_steps, 0, type_vectors)):
            if max_windows and n >= max_windows:
                break
            sums, state = self._eval_step(inputs, targets, state)
            totals += sums.numpy()
            count += targets[0].size
        return tuple(float(np.exp(t / count)) for t in totals)

    def checkpoint(self, directory):
        ckpt = tf.train.Checkpoint(bilm=self.bilm, softmax_w=self.softmax_w, softmax_b=self.softmax_b,
                                   optimizer=self.optimizer, step=self.step)
        return tf.train.CheckpointManager(ckpt, directory, max_to_keep=2)

    def dump(self, directory):
        """Write options.json and weights.hdf5 (the biLM: what ``load_elmo(directory)`` reads),
        plus vocab.txt and softmax.hdf5 (float16), which only perplexity needs."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.bilm.options.write(directory / "options.json")
        write_weights({name: v.numpy() for name, v in self.bilm.weights.items()}, directory / "weights.hdf5")
        self.vocab.save(directory / "vocab.txt")
        with h5py.File(directory / SOFTMAX_FILE, "w") as fout:
            fout.create_dataset("W", data=self.softmax_w.numpy().astype(np.float16))
            fout.create_dataset("b", data=self.softmax_b.numpy())
        return directory

    @classmethod
    def from_directory(cls, directory, batch_size=64):
        """The language model (biLM + softmax) of a dumped model, e.g. to measure perplexity."""
        options, weights, vocab, softmax = dumped_model(directory)
        return cls(options, vocab, batch_size=batch_size, weights=weights, softmax=softmax)


def read_softmax(directory):
    """(vocabulary, (W, b)) of a dumped model: vocab.txt and softmax.hdf5 (W stored as float16)."""
    directory = Path(directory)
    with h5py.File(directory / SOFTMAX_FILE, "r") as fin:
        softmax = (fin["W"][...].astype(np.float32), fin["b"][...])
    return Vocabulary.load(directory / "vocab.txt"), softmax


def unigram_perplexity(train_sentences, test_streams, vocab):
    """Perplexity of an add-one unigram model on the forward test stream, for scale."""
    counts = np.ones(len(vocab))
    for sentence in train_sentences:
        for token in [*sentence, EOS_TOKEN]:
            counts[vocab.id_of(token)] += 1
    log_probs = np.log(counts / counts.sum())
    targets = test_streams.type_word[test_streams.forward[:, 1:]]
    return float(np.exp(-log_probs[targets].mean()))


def corpus_sentences(source, n=None):
    """Tokenized sentences of course-train or course-test IMDB reviews (``source`` = split)."""
    from ..course.datasets import load_imdb
    from ..course.text import sentence_tokens

    return sentence_tokens(load_imdb(source, n=n)["text"])


def softmax_from_layer0(bilm, vocab, batch_size=4096):
    """Softmax weights whose word vectors start as the words' own layer-0 vectors (unit norm,
    the norm of the random initialisation) and zero biases: a word is first predicted where
    its context-free vector points. Used for a fresh model with a distilled layer 0, and for a
    model that ships no softmax (the official ones)."""
    ids = np.array([token_to_ids(w) for w in vocab.words], dtype=np.int32)
    vectors = bilm.token_embedding_numpy(ids, batch_size)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-6
    return vectors.astype(np.float32), np.zeros(len(vocab), np.float32)


def machine_description():
    """One line naming the machine a run trained on (recorded in training.json)."""
    import os
    import platform

    processor = platform.processor() or platform.machine()
    return f"{platform.system()} {platform.machine()} ({processor}), {os.cpu_count()} CPU threads, TensorFlow {tf.__version__}"


class RunRecord:
    """``training.json`` beside the dump: every run's settings, command line, machine and cost.

    A resumed run appends a new entry; ``scripts/measure_model.py`` renders the model card from
    it, so nothing about how a model was made is written by hand.
    """

    def __init__(self, directory):
        self.path = Path(directory) / "training.json"
        self.runs = json.loads(self.path.read_text())["runs"] if self.path.exists() else []

    def start(self, settings, corpus):
        import shlex
        import sys

        self.runs.append({"command": "python -m elmo_course.training " + shlex.join(sys.argv[1:]),
                          "settings": settings, "corpus": corpus, "machine": machine_description(),
                          "started": time.strftime("%Y-%m-%d %H:%M:%S")})
        self.save()

    def update(self, **fields):
        self.runs[-1].update(fields)
        self.save()

    def save(self):
        self.path.write_text(json.dumps({"runs": self.runs}, indent=2) + "\n")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", help="directory for options.json, weights.hdf5, vocab.txt, the log")
    parser.add_argument("--hidden", type=int, default=256, help="LSTM memory cells per layer")
    parser.add_argument("--projection", type=int, default=128, help="LSTM projection size P")
    parser.add_argument("--filters", default="1x32,2x32,3x64,4x64,5x64",
                        help="character CNN filters as width x count, comma-separated")
    parser.add_argument("--reviews", type=int, default=None, help="use only n course-train reviews")
    parser.add_argument("--test-reviews", type=int, default=500, help="course-test reviews for perplexity")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=None, help="stop training after this long")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--max-vocab", type=int, default=30000)
    parser.add_argument("--num-sampled", type=int, default=2048)
    parser.add_argument("--save-every-minutes", type=float, default=10,
                        help="checkpoint (to resume) and dump the model so far this often")
    parser.add_argument("--general-text", nargs="+", default=[], metavar="SOURCE",
                        help="also train on general English text: wordnet, books, sotu, or all "
                             "(see elmo_course.training.general_text)")
    parser.add_argument("--from", dest="start_from", default=None, metavar="MODEL",
                        help="go on from a model this trainer dumped (a folder, or the name of a model "
                             "shipped in the package, e.g. elmo-course-tiny): its architecture, weights, "
                             "vocabulary and softmax; --hidden, --projection and --filters are then unused")
    parser.add_argument("--glove-steps", type=int, default=0,
                        help="before the biLM, fit layer 0 to GloVe for this many steps "
                             "(elmo_course.training.char_distill); 0: no GloVe")
    parser.add_argument("--glove-weighting", default="corpus-sqrt", choices=sorted(WEIGHTINGS),
                        help="which words the GloVe step fits, and how often (see char_distill)")
    parser.add_argument("--glove-learning-rate", type=float, default=2e-3, help="Adam's rate in the GloVe step")
    parser.add_argument("--freeze-layer0", action="store_true",
                        help="train only the LSTMs and the softmax (layer 0 stays as distilled)")
    parser.add_argument("--reset-probability", type=float, default=0.0,
                        help="chance per stream and window that the LSTM state restarts from zero")
    parser.add_argument("--seed", type=int, default=0)
    return parser


def parse_filters(text):
    """"1x32,2x64" -> ((1, 32), (2, 64))."""
    return tuple(tuple(int(x) for x in f.split("x")) for f in text.split(","))


def main(argv=None):
    args = build_parser().parse_args(argv)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    record = RunRecord(output)
    if args.start_from and not record.runs:  # the new model's record starts with how its start was made
        record.runs = RunRecord(model_folder(args.start_from)).runs
    with open(output / "train_log.jsonl", "a") as log_file:
        def log(entry):
            log_file.write(json.dumps(entry) + "\n")
            log_file.flush()

        summary = train(args, output, log, record)
    print(json.dumps(summary, indent=2))


def run_epochs(trainer, streams, manager, record, output, log, epochs, max_minutes=None,
               save_every_minutes=10, type_vectors=None):
    """Train up to ``epochs`` passes over ``streams`` (or ``max_minutes``), checkpointing and
    dumping into ``output`` every ``save_every_minutes`` and at the end, with the run's minutes,
    steps and speed in ``record``. A resumed run goes on where the last one stopped: same epoch,
    next window."""
    steps_before = int(trainer.step)
    first_epoch, first_window = divmod(steps_before, streams.num_windows(trainer.unroll_steps))
    started = time.time()

    def save():
        manager.save()
        trainer.dump(output)
        seconds = time.time() - started
        tokens = (int(trainer.step) - steps_before) * trainer.batch_size * trainer.unroll_steps
        record.update(minutes=seconds / 60, steps_before=steps_before, steps_after=int(trainer.step),
                      tokens_per_direction=tokens, tokens_per_s=tokens / max(seconds, 1e-9))

    for epoch in range(first_epoch, epochs):
        remaining = None if max_minutes is None else max_minutes * 60 - (time.time() - started)
        if remaining is not None and remaining <= 0:
            break
        loss = trainer.train_epoch(streams, max_seconds=remaining, log=log, every_minutes=save_every_minutes,
                                   on_save=save, first_window=first_window if epoch == first_epoch else 0,
                                   type_vectors=type_vectors)
        save()
        log({"epoch": epoch, "train_loss": loss, "seconds": time.time() - started})
    save()


def model_folder(model):
    """The folder of ``model``: a folder, or the name of a model shipped in the package."""
    from ..registry import PACKAGE_MODELS

    folder = Path(model)
    return PACKAGE_MODELS / str(model) if not folder.is_dir() and (PACKAGE_MODELS / str(model)).is_dir() else folder


def dumped_model(model):
    """(options, weights, vocab, softmax) of a model this trainer dumped (see ``model_folder``)."""
    folder = model_folder(model)
    missing = [f for f in ("options.json", "weights.hdf5", "vocab.txt", SOFTMAX_FILE) if not (folder / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}: it is not a model this trainer dumped "
                                f"(an official model has no softmax: continue one with `elmo-course train --from`)")
    options = ElmoOptions.read(folder / "options.json")
    vocab, softmax = read_softmax(folder)
    return options, read_weights(folder / "weights.hdf5", options), vocab, softmax


def train(args, output, log, record):
    review_sentences = corpus_sentences("train", args.reviews)
    general = general_sentences(args.general_text) if args.general_text else {}
    train_sentences = review_sentences + [s for sentences in general.values() for s in sentences]
    test_sentences = corpus_sentences("test", args.test_reviews)
    if args.start_from:
        options, weights, vocab, softmax = dumped_model(args.start_from)
    else:
        vocab = Vocabulary.build(train_sentences, args.min_count, args.max_vocab)
        options = ElmoOptions.build(args.hidden, args.projection, filters=parse_filters(args.filters))
        weights = softmax = None
    trainer = LanguageModelTrainer(options, vocab, batch_size=args.batch_size,
                                   num_sampled=min(args.num_sampled, len(vocab) - 1), seed=args.seed,
                                   weights=weights, softmax=softmax, freeze_layer0=args.freeze_layer0,
                                   reset_probability=args.reset_probability)
    train_streams = Streams(train_sentences, vocab, args.batch_size, seed=args.seed)
    test_streams = Streams(test_sentences, vocab, args.batch_size, seed=args.seed)
    sources = {"reviews": review_sentences, **general}
    corpus = {"train_tokens": train_streams.num_tokens, "test_tokens": test_streams.num_tokens,
              "source_tokens": {name: sum(len(s) for s in sentences) for name, sentences in sources.items()},
              "vocab": len(vocab), "parameters": options.count_parameters()}
    log({**corpus, "options": options.to_dict()})
    record.start({k: v for k, v in vars(args).items() if k != "output"}, corpus)
    manager = trainer.checkpoint(output / "checkpoints")
    if manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint)
        print(f"resumed from {manager.latest_checkpoint} at step {int(trainer.step)}")
    elif args.glove_steps:
        from .char_distill import distill, distillation_words
        from ..course.glove import load_glove

        text = review_sentences if args.glove_weighting == "review-counts" else train_sentences
        counts = collections.Counter(token for sentence in text for token in sentence)
        words, targets, weights = distillation_words(counts, load_glove(), **WEIGHTINGS[args.glove_weighting])
        started = time.time()
        cosine = distill(trainer.bilm, words, targets, weights, steps=args.glove_steps, seed=args.seed,
                         learning_rate=args.glove_learning_rate, log=log)
        if softmax is None:  # a new model: predict each word first where its distilled vector points
            trainer.softmax_w.assign(softmax_from_layer0(trainer.bilm, vocab)[0])
        record.update(glove_distillation={"words": len(words), "steps": args.glove_steps,
                                          "weighting": args.glove_weighting,
                                          "seconds": time.time() - started, "cosine": cosine})
        log({"glove_cosine": cosine})
        manager.save()  # a run stopped from here on resumes without distilling again
    type_vectors = train_streams.type_vectors(trainer.bilm) if args.freeze_layer0 else None
    started = time.time()
    run_epochs(trainer, train_streams, manager, record, output, log, args.epochs, args.max_minutes,
               args.save_every_minutes, type_vectors)
    forward_ppl, backward_ppl = trainer.perplexity(test_streams)
    summary = {"train_seconds": time.time() - started, "steps": int(trainer.step),
               "forward_perplexity": forward_ppl, "backward_perplexity": backward_ppl,
               "unigram_perplexity": unigram_perplexity(review_sentences, test_streams, vocab)}
    log(summary)
    record.update(perplexity={"forward": forward_ppl, "backward": backward_ppl,
                              "test_reviews": args.test_reviews})
    return summary


if __name__ == "__main__":
    main()
