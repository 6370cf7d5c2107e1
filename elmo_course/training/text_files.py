"""``elmo-course train``: train a biLM on plain-text files, or continue a pretrained one on them.

Any UTF-8 text files: raw text (sentences are found with ``course.text.split_sentences``) or one
sentence per line; every line is split into sentences and tokenized with ``course.text.tokenize``, the
course's tokenizer. The files are read line by line, twice at most; what stays in memory is one
entry per *distinct* token (its characters and its word id). The token stream itself, one int32
per token, is written to ``stream.int32`` in the run's folder and read back as a memory map.

Every ``HELD_OUT_EVERY``-th sentence (up to ``MAX_HELD_OUT`` of them) is kept aside, never
trained on, to measure perplexity before and after training.

``--from MODEL`` continues a pretrained biLM (domain adaptation, the paper's section 5.1 and
Table 7). A model dumped by the course's trainer brings its softmax and vocabulary, and training
goes on from them. The official models ship no softmax: then the vocabulary is built from the
new corpus and each word's softmax vector starts as the model's own layer-0 vector of that word,
scaled to unit length (``trainer.softmax_from_layer0``), so the first predictions already follow
the pretrained token vectors.
"""
from __future__ import annotations

import collections
import json
import time
from pathlib import Path

import numpy as np

from ..course.text import split_sentences, tokenize
from ..engine.options import ElmoOptions
from .trainer import (SOFTMAX_FILE, LanguageModelTrainer, RunRecord, Streams, TokenTypes, Vocabulary,
                      model_folder, read_softmax, run_epochs, softmax_from_layer0)

HELD_OUT_EVERY = 50
MAX_HELD_OUT = 5000


class CorpusError(ValueError):
    """A corpus file cannot be read as text; the message names the file and the problem."""


def corpus_sentences(paths):
    """Yield (is_held_out, tokens) for every sentence of every file, in file order."""
    number = 0
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise CorpusError(f"corpus file not found: {path}")
        with open(path, "rb") as raw:
            head = raw.read(8192)
        if not head.strip():
            raise CorpusError(f"{path} is empty: give a text file with at least one sentence")
        if b"\0" in head:
            raise CorpusError(f"{path} looks like a binary file (it has NUL bytes); give plain text")
        with open(path, encoding="utf-8") as lines:
            try:
                for line in lines:
                    for sentence in split_sentences(line):
                        tokens = tokenize(sentence)
                        if tokens:
                            number += 1
                            yield number % HELD_OUT_EVERY == 0 and number // HELD_OUT_EVERY <= MAX_HELD_OUT, tokens
            except UnicodeDecodeError:
                raise CorpusError(f"{path} is not UTF-8 text") from None


def scan(paths):
    """Count the training tokens of ``paths``: (Counter of tokens, number of training sentences,
    the held-out sentences)."""
    counts, sentences, held_out = collections.Counter(), 0, []
    for is_held_out, tokens in corpus_sentences(paths):
        if is_held_out:
            held_out.append(tokens)
        else:
            counts.update(tokens)
            sentences += 1
    if sentences == 0:
        raise CorpusError(f"no sentences to train on in {[str(p) for p in paths]}")
    return counts, sentences, held_out


class FileStreams(Streams):
    """The training sentences of ``paths`` as ``batch_size`` token streams: ``trainer.Streams``
    (the same windows), with the stream kept on disk.

    The sentences stay in file order (a resumed run must see the same streams, and documents keep
    their sentences together); stream b holds the b-th slice of the corpus.
    """

    def __init__(self, paths, vocab, batch_size, stream_file):  # noqa: super().__init__ not used
        types = TokenTypes()
        stream_file = Path(stream_file)
        with open(stream_file, "wb") as out:
            buffer = []
            for is_held_out, tokens in corpus_sentences(paths):
                if is_held_out:
                    continue
                buffer += types.numbers(tokens)
                if len(buffer) > 1_000_000:
                    out.write(np.array(buffer, dtype=np.int32).tobytes())
                    buffer = []
            out.write(np.array(buffer, dtype=np.int32).tobytes())
        self.type_chars, self.type_word = types.tables(vocab)
        stream = np.memmap(stream_file, dtype=np.int32, mode="r")
        self.num_tokens = len(stream)
        per_row = len(stream) // batch_size
        if per_row < 22:
            raise CorpusError(f"the corpus has {self.num_tokens} tokens: too few for {batch_size} "
                              f"streams of at least one 20-token window; use a smaller --batch-size")
        self.forward = stream[: per_row * batch_size].reshape(batch_size, per_row)
        self.backward = self.forward[:, ::-1]  # a reversed view: the backward LM reads right to left


def _starting_point(elmo, start_from, counts, args):
    """(options, weights, vocab, softmax, note) for a new model, or for ``elmo`` (the model that
    ``load_elmo(start_from)`` gave) with ``--from``."""
    if elmo is None:
        vocab = Vocabulary.from_counts(counts, args.min_count, args.max_vocab)
        return ElmoOptions.build(args.hidden, args.projection), None, vocab, None, "a new biLM"
    bilm = getattr(elmo, "bilm", None)
    if bilm is None or not hasattr(bilm, "weights"):
        raise ValueError(f"{start_from} is a TF-Hub model; --from needs options.json + weights.hdf5 "
                         f"(a course model, an official name such as small, or a folder)")
    weights = {name: v.numpy() for name, v in bilm.weights.items()}
    options = bilm.options
    folder = Path(elmo.source) if elmo.source and Path(elmo.source).is_dir() else model_folder(start_from)
    if (folder / SOFTMAX_FILE).is_file() and (folder / "vocab.txt").is_file():
        vocab, softmax = read_softmax(folder)
        return options, weights, vocab, softmax, \
            f"{start_from}, with its own softmax and {len(vocab):,}-word vocabulary"
    vocab = Vocabulary.from_counts(counts, args.min_count, args.max_vocab)
    softmax = softmax_from_layer0(bilm, vocab)
    return options, weights, vocab, softmax, (
        f"{start_from}, which has no softmax: a new one for the corpus's {len(vocab):,} words, each "
        f"word's vector initialised from the model's layer-0 vector of that word (unit length)")


def train_on_files(corpus, output, args, start=None, counts=None):
    """Train a biLM on the text files ``corpus`` into the folder ``output`` (or continue ``start``,
    the Elmo loaded from ``args.start_from``), resuming from the folder's checkpoint when there
    is one. ``counts``: what ``scan(corpus)`` returned, when already known. Returns a summary."""
    counts, n_sentences, held_out = counts or scan(corpus)
    options, weights, vocab, softmax, note = _starting_point(start, args.start_from, counts, args)
    if len(vocab) < 4:
        raise CorpusError(f"the corpus has too few words seen {args.min_count} times for a vocabulary; "
                          f"add text or lower --min-count")
    trainer = LanguageModelTrainer(options, vocab, batch_size=args.batch_size, learning_rate=args.learning_rate,
                                   num_sampled=min(2048, len(vocab) - 1), seed=args.seed,
                                   weights=weights, softmax=softmax)
    # nothing is written before the corpus is accepted: the folders made here go again if the token
    # stream turns out too short for the batch size
    made = [folder for folder in (output, *output.parents) if not folder.exists()]
    output.mkdir(parents=True, exist_ok=True)
    try:
        streams = FileStreams(corpus, vocab, args.batch_size, output / "stream.int32")
    except CorpusError:
        (output / "stream.int32").unlink(missing_ok=True)
        for folder in made:  # innermost first
            folder.rmdir()
        raise
    held_out_tokens = sum(len(s) + 2 for s in held_out)
    held_out_batch = max(1, min(16, held_out_tokens // 200))
    held_out_streams = Streams(held_out, vocab, held_out_batch, seed=0) if held_out_tokens > 42 else None
    windows = streams.num_windows(trainer.unroll_steps)
    print(f"corpus: {len(corpus)} file(s), {n_sentences:,} sentences, {streams.num_tokens:,} tokens, "
          f"{len(counts):,} distinct tokens; vocabulary {len(vocab):,}; held out {len(held_out):,} sentences")
    print(f"model: {note}")
    record = RunRecord(output)
    record.start({k: v for k, v in vars(args).items() if k not in ("paths", "command")},
                 {"files": [str(p) for p in corpus], "train_tokens": streams.num_tokens,
                  "held_out_sentences": len(held_out), "vocab": len(vocab)})
    manager = trainer.checkpoint(output / "checkpoints")
    if manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint)
        print(f"resumed from {manager.latest_checkpoint} at step {int(trainer.step)}")

    def held_out_perplexity():
        if held_out_streams is None:
            return None
        evaluator = LanguageModelTrainer(options, vocab, batch_size=held_out_streams.forward.shape[0],
                                         weights={n: v.numpy() for n, v in trainer.bilm.weights.items()},
                                         softmax=(trainer.softmax_w.numpy(), trainer.softmax_b.numpy()))
        return evaluator.perplexity(held_out_streams)

    before = held_out_perplexity()
    if before:
        print(f"held-out perplexity before training: forward {before[0]:.1f}, backward {before[1]:.1f}")
    estimate = {"printed": False}
    started = time.time()

    with open(output / "train_log.jsonl", "a") as log_file:
        def log(entry):
            log_file.write(json.dumps(entry) + "\n")
            log_file.flush()
            if not estimate["printed"] and entry.get("seconds", 0) >= 60 and "tokens_per_s" in entry:
                estimate["printed"] = True
                per_epoch = windows * trainer.batch_size * trainer.unroll_steps / entry["tokens_per_s"]
                print(f"\n{entry['tokens_per_s']:,.0f} tokens/s per direction: one epoch takes about "
                      f"{per_epoch / 60:.1f} min, {args.epochs} epoch(s) {args.epochs * per_epoch / 60:.1f} min",
                      flush=True)

        run_epochs(trainer, streams, manager, record, output, log, args.epochs, args.max_minutes,
                   args.save_every_minutes)
    after = held_out_perplexity()
    summary = {"steps": int(trainer.step), "minutes": (time.time() - started) / 60,
               "held_out_perplexity_before": before, "held_out_perplexity_after": after}
    record.update(held_out_perplexity={"before": before, "after": after})
    if after:
        print(f"held-out perplexity after training: forward {after[0]:.1f}, backward {after[1]:.1f}")
    print(f"wrote {output}: load it with elmo_course.load_elmo({str(output)!r})")
    return summary
