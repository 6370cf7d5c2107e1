"""`elmo-course embed` in-process against a Dask LocalCluster, on the same input and machine, and
what a cluster of N machines can be expected to give.

    python benchmarks/dask_throughput.py                          # tiny and original, 2 workers
    python benchmarks/dask_throughput.py --models tiny --sentences 500

For each model (the shipped tiny one, and the ``original`` architecture with random weights
written to a temporary folder, as ``benchmarks/throughput.py`` builds it: the same work per token
as the real 93.6M-parameter ELMo, offline), one run after the other in this process:

1. in-process: ``embed_file`` without a client (``elmo-course embed``);
2. the same file on a warm ``LocalCluster`` of ``--workers`` processes (``--workers N``), each
   worker having loaded the model once before the clock starts (its load time is reported);

both with ``--part-lines`` lines per part and ``--top`` output, alternating ``--repeats`` times
(the best time of each counts), and the outputs compared. Then, with the tiny model, the scheduling
overhead per part: parts of one one-token line, where there is almost nothing to embed,
in-process and on the cluster; the difference in worker time per part is what one task costs
beyond its embedding (the client's submit and collect, the scheduler, the worker's task and its
hdf5 file), and the cluster's rate on them is the most parts per second the client and scheduler
drive. Both are the same for any model.

The estimate for N machines: each machine runs one worker that embeds at this machine's
in-process rate (a worker on a machine of its own has all its cores), a part of the default 1024
lines holds ``1024 x mean tokens per line`` tokens, so a worker spends ``tokens / rate +
overhead`` on it; N workers give N times that, up to the parts per second the client and
scheduler drive. After the last part the client copies every part into the output, one process
at the measured assembly rate: that time adds to the total whatever N is.
Here the workers share this machine's cores with each other and with the client: the measured
cluster rate on one machine says what the overhead costs, not what more machines give.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent))
sys.path.insert(0, str(BENCHMARKS))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("USE_TF", "0")

import h5py  # noqa: E402

from elmo_course import embedding_cache, load_elmo, registry  # noqa: E402
from elmo_course.engine import bilm, weight_files  # noqa: E402
from elmo_course.engine.options import ElmoOptions  # noqa: E402

DEFAULT_PART_LINES = embedding_cache.PART_LINES


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=["tiny", "original"], choices=["tiny", "original"],
                        help="what to measure (the tiny model always runs: it measures the overhead per part)")
    parser.add_argument("--sentences", type=int, default=2000, help="review sentences for the tiny model (default 2000)")
    parser.add_argument("--original-sentences", type=int, default=200,
                        help="review sentences for the original architecture (default 200)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="runs of each, alternating; the best counts (default 2: the machine is shared)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    parser.add_argument("--part-lines", type=int, default=50, help="lines per part (default 50)")
    parser.add_argument("--overhead-parts", type=int, default=200,
                        help="one-line parts that measure the overhead per part (default 200)")
    parser.add_argument("--max-tokens", type=int, default=60, help="skip longer sentences (default 60)")
    return parser.parse_args(argv)


def write_lines(path, sentences):
    path.write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf-8")
    return path


def original_with_random_weights(folder):
    """The ``original`` architecture (2 x 4096 cells, 512-d projections, 2 highways) with random
    weights, in a folder that load_elmo (and so every worker) reads."""
    options = registry.OFFICIAL_MODELS["original"][1]
    folder.mkdir()
    ElmoOptions.from_dict(options).write(folder / "options.json")
    weight_files.write_weights(bilm.random_weights(options, seed=0), folder / "weights.hdf5")
    return str(folder)


class TimedAssembly:
    """Measures the client's copy of finished parts into the output (embedding_cache._assemble)."""

    def __init__(self):
        self.seconds = 0.0
        self.real = embedding_cache._assemble

    def __call__(self, *args):
        start = time.perf_counter()
        self.real(*args)
        self.seconds += time.perf_counter() - start


def timed_embed(elmo, input_file, output, folder, part_lines, client=None):
    assembly = TimedAssembly()
    embedding_cache._assemble = assembly
    try:
        start = time.perf_counter()
        embedding_cache.embed_file(elmo, input_file, output, mode="top", part_lines=part_lines, progress=False,
                                   client=client, work_dir=folder / "work", overwrite=True)
        return time.perf_counter() - start, assembly.seconds
    finally:
        embedding_cache._assemble = assembly.real


def same_output(a, b):
    with h5py.File(a, "r") as first, h5py.File(b, "r") as second:
        return sorted(first) == sorted(second) and all(np.array_equal(first[k][...], second[k][...]) for k in first)


def measure(name, source, sentences, client, args, folder):
    elmo = load_elmo(source)
    tokens = sum(len(s) for s in sentences)
    input_file = write_lines(folder / f"{name}.txt", sentences)
    warm_up = write_lines(folder / f"{name}-warm.txt", sentences[:8])

    embedding_cache.embed_file(elmo, warm_up, folder / "warm.hdf5", mode="top", progress=False, overwrite=True)
    start = time.perf_counter()  # every worker loads the model (once) and traces its forward pass
    model = embedding_cache._model_for_workers(elmo, embedding_cache.model_fingerprint(elmo))
    futures = [client.submit(warm_part, model, str(warm_up), str(folder / f"warm-{w}"), workers=[w], pure=False)
               for w in client.scheduler_info()["workers"]]
    client.gather(futures)
    load_seconds = time.perf_counter() - start

    seconds, results = {}, {}
    for repeat in range(args.repeats):
        for where, dask_client in (("in-process", None), (f"{args.workers} workers", client)):
            output = folder / f"{name}-{where.replace(' ', '-')}-{repeat}.hdf5"
            timing = timed_embed(elmo, input_file, output, folder, args.part_lines, dask_client)
            seconds[where] = min(seconds.get(where, timing), timing)
            results.setdefault(where, []).append(output)
    outputs = [path for paths in results.values() for path in paths]
    identical = all(same_output(outputs[0], other) for other in outputs[1:])

    overhead = {}
    if name == "tiny":
        one_token = write_lines(folder / "one-token.txt", [["word"]] * args.overhead_parts)
        for repeat in range(args.repeats):
            for where, dask_client in (("in-process", None), ("cluster", client)):
                timing, _ = timed_embed(elmo, one_token, folder / f"one-token-{where}-{repeat}.hdf5", folder, 1,
                                        dask_client)
                overhead[where] = min(overhead.get(where, timing), timing)
    return {"name": name, "tokens": tokens, "lines": len(sentences), "seconds": seconds, "load": load_seconds,
            "identical": identical, "overhead": overhead, "output_dim": elmo.output_dim}


def warm_part(model, input_file, scratch):
    """Runs on one worker: load the model there (kept for the timed run) and embed a few lines."""
    elmo = embedding_cache._model_on_this_worker(model)
    embedding_cache.embed_file(elmo, input_file, scratch + ".hdf5", mode="top", progress=False,
                               work_dir=scratch, overwrite=True)
    return os.getpid()


def report(result, args, mean_tokens_per_line, overhead):
    name, tokens, seconds = result["name"], result["tokens"], result["seconds"]
    parts = -(-result["lines"] // args.part_lines)
    inproc, cluster = seconds["in-process"], seconds[f"{args.workers} workers"]
    n = args.overhead_parts
    per_part = (args.workers * overhead["cluster"] - overhead["in-process"]) / n
    drive = n / overhead["cluster"]
    rate = tokens / inproc[0]
    assembly_rate = tokens / inproc[1] if inproc[1] else float("inf")
    lines = [
        f"## {name}: {result['lines']} lines, {tokens:,} tokens, {parts} parts of {args.part_lines} lines, --top "
        f"({result['output_dim']} floats per token)",
        f"{'run':<14}{'seconds':>9}{'tokens/s':>10}{'assembly s':>12}",
        f"{'in-process':<14}{inproc[0]:>9.2f}{tokens / inproc[0]:>10.0f}{inproc[1]:>12.2f}",
        f"{f'{args.workers} workers':<14}{cluster[0]:>9.2f}{tokens / cluster[0]:>10.0f}{cluster[1]:>12.2f}",
        f"best of {args.repeats} runs each; all outputs identical: {result['identical']}; the workers loaded the model in "
        f"{result['load']:.1f} s before the clock started",
        f"per-worker rate on this machine: {tokens / cluster[0] / args.workers:.0f} tokens/s "
        f"({args.workers} workers sharing {os.cpu_count()} cores)",
        f"overhead (tiny model): {n} parts of one one-token line took {overhead['in-process']:.2f} s in-process, "
        f"{overhead['cluster']:.2f} s on {args.workers} workers: {per_part * 1000:.0f} ms of worker "
        f"time per part beyond its embedding; the client and scheduler drive at least {drive:.0f} parts/s",
    ]
    default_part = DEFAULT_PART_LINES * mean_tokens_per_line
    compute = default_part / rate
    per_worker = default_part / (compute + max(per_part, 0.0))
    lines.append(
        f"scaling estimate, one worker per machine like this one ({rate:.0f} tokens/s in-process), parts of "
        f"{DEFAULT_PART_LINES} lines (~{default_part:,.0f} tokens, {compute:.1f} s each): a worker keeps "
        f"{per_worker / rate:.1%} of its rate; the client and scheduler cap the cluster at "
        f"{drive * default_part:,.0f} tokens/s; then the client assembles the output at {assembly_rate:,.0f} "
        f"tokens/s (--top), one copy after the last part")
    for machines in (1, 2, 4, 8, 16, 32, 64):
        embedding = min(machines * per_worker, drive * default_part)
        for corpus in (12e6, 100e6):
            hours = (corpus / embedding + corpus / assembly_rate) / 3600
            if corpus == 12e6:
                line = f"  {machines:>3} machines: embedding {embedding:>10,.0f} tokens/s; 12M tokens in {hours:5.2f} h"
            else:
                line += f", 100M in {hours:5.1f} h (assembly included)"
        lines.append(line)
    return "\n".join(lines)


def main(args):
    from dask.distributed import Client, LocalCluster

    from throughput import cpu_name, review_sentences

    longest = max(args.sentences, args.original_sentences)
    sentences = review_sentences(longest, args.max_tokens)
    mean_tokens_per_line = sum(len(s) for s in sentences) / len(sentences)
    print(f"{len(sentences)} movie-review sentences ({mean_tokens_per_line:.1f} tokens per line), "
          f"{args.workers} workers x 1 thread, {os.cpu_count()} cores: {cpu_name()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch, \
            LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        folder = Path(scratch)
        overhead = None
        for name in ["tiny"] + [m for m in args.models if m != "tiny"]:  # tiny first: it measures the overhead
            source = registry.SHIPPED_MODEL if name == "tiny" else original_with_random_weights(folder / "original")
            count = args.sentences if name == "tiny" else args.original_sentences
            result = measure(name, source, sentences[:count], client, args, folder)
            overhead = overhead or result["overhead"]
            if name in args.models:
                print()
                print(report(result, args, mean_tokens_per_line, overhead), flush=True)


if __name__ == "__main__":
    main(parse_args())
