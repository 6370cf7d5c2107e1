"""The ``elmo-course`` command: ``embed`` (the old ``allennlp elmo`` command) and ``train``.

    elmo-course embed sentences.txt vectors.hdf5 --top
    elmo-course train my_corpus.txt runs/my_elmo --max-minutes 30
    elmo-course train domain.txt runs/adapted --from elmo-course-tiny --max-minutes 5

Every command prints one line and exits with status 2 on bad input, before it writes anything.
"""
import argparse
import contextlib
import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path

# What TensorFlow's C++ runtime writes to stderr on start-up whatever TF_CPP_MIN_LOG_LEVEL says.
NATIVE_NOISE = re.compile(r"^(WARNING: All log messages before absl::InitializeLog|I0000 .*\] oneDNN custom operations)")

EXAMPLES = {
    "embed": """examples:
  elmo-course embed sentences.txt vectors.hdf5              # all 3 layers per sentence
  elmo-course embed sentences.txt top.hdf5 --top            # the top layer only
  elmo-course embed sentences.txt avg.hdf5 --average --model original
  elmo-course embed sentences.txt vectors.hdf5 --workers 2   # a Dask LocalCluster of 2 processes
  elmo-course embed corpus.txt vectors.hdf5 --scheduler tcp://host:8786 --work-dir /shared/parts
Input: one whitespace-tokenized sentence per line, UTF-8. Killed and started again with the same
arguments, it goes on from where it stopped.""",
    "train": """examples:
  elmo-course train corpus.txt runs/mine --max-minutes 30          # a new biLM on your text
  elmo-course train notes/*.txt runs/adapted --from elmo-course-tiny --max-minutes 5
  elmo-course train corpus.txt runs/mine --max-minutes 30          # again: resumes
Corpus: any UTF-8 text files, raw text or one sentence per line. The output folder loads with
load_elmo("runs/mine"), AllenNLP's Elmo and export_hub_module.""",
}


def build_parser():
    parser = argparse.ArgumentParser(prog="elmo-course", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    embed = commands.add_parser("embed", help="embed a file of sentences into hdf5 (AllenNLP's layout)",
                                epilog=EXAMPLES["embed"], formatter_class=argparse.RawDescriptionHelpFormatter)
    embed.add_argument("input", help="text file, one whitespace-tokenized sentence per line")
    embed.add_argument("output", help="hdf5 file to write")
    layers = embed.add_mutually_exclusive_group()
    layers.add_argument("--all", dest="mode", action="store_const", const="all",
                        help="store all 3 layers, (3, T, D) per sentence (the default)")
    layers.add_argument("--top", dest="mode", action="store_const", const="top",
                        help="store the top layer, (T, D) per sentence")
    layers.add_argument("--average", dest="mode", action="store_const", const="average",
                        help="store the mean of the 3 layers, (T, D) per sentence")
    embed.set_defaults(mode="all")
    embed.add_argument("--forget-sentences", action="store_true",
                       help="do not store sentence_to_index (the map from each line to its dataset)")
    embed.add_argument("--use-sentence-keys", action="store_true",
                       help="name each dataset by its sentence instead of its line number")
    embed.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass (default 64)")
    embed.add_argument("--max-tokens-per-batch", type=int, default=8192,
                       help="padded tokens per forward pass, bounds memory (default 8192)")
    embed.add_argument("--model", default=None,
                       help="anything load_elmo accepts: a folder, small/medium/original, a TF-Hub "
                            "handle (default: $ELMO_COURSE_MODEL, else the shipped tiny model)")
    embed.add_argument("--overwrite", action="store_true",
                       help="replace an existing output that was made from other input or settings")
    cluster = embed.add_mutually_exclusive_group()
    cluster.add_argument("--workers", type=int, default=None, metavar="N",
                         help="embed on a Dask LocalCluster of N worker processes on this machine")
    cluster.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="embed on an existing Dask cluster: its scheduler's address "
                              "(tcp://host:8786) or a scheduler file")
    embed.add_argument("--part-lines", type=int, default=1024, metavar="N",
                       help="lines per part, what a resumed run keeps and a cluster task embeds (default 1024)")
    embed.add_argument("--work-dir", default=None, metavar="DIR",
                       help="folder for the finished parts until the output is complete, one every "
                            "worker can write (default: the course cache)")

    train = commands.add_parser("train", help="train a biLM on text files, or continue one (--from)",
                                epilog=EXAMPLES["train"], formatter_class=argparse.RawDescriptionHelpFormatter)
    train.add_argument("paths", nargs="+", metavar="CORPUS... OUTDIR",
                       help="text files to train on, then the output folder")
    train.add_argument("--from", dest="start_from", default=None, metavar="MODEL",
                       help="continue this model (anything load_elmo reads) instead of a new one")
    train.add_argument("--max-minutes", type=float, default=None, help="stop training after this long")
    train.add_argument("--epochs", type=int, default=1, help="passes over the corpus (default 1)")
    train.add_argument("--hidden", type=int, default=256, help="new model: LSTM memory cells (default 256)")
    train.add_argument("--projection", type=int, default=128, help="new model: projection size (default 128)")
    train.add_argument("--batch-size", type=int, default=64, help="parallel token streams (default 64)")
    train.add_argument("--min-count", type=int, default=3, help="rarer words become <UNK> (default 3)")
    train.add_argument("--max-vocab", type=int, default=30000, help="largest output vocabulary (default 30000)")
    train.add_argument("--learning-rate", type=float, default=0.2, help="Adagrad learning rate (default 0.2)")
    train.add_argument("--save-every-minutes", type=float, default=10,
                       help="checkpoint (to resume) and dump the model this often (default 10)")
    train.add_argument("--seed", type=int, default=0, help="random seed of a new model and its sampling (default 0)")
    return parser


@contextlib.contextmanager
def native_stderr_filtered():
    """Hold what native code writes to file descriptor 2 and pass it on afterwards without
    TensorFlow's start-up lines, so that an error is one line."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            for line in held.read().decode(errors="replace").splitlines():
                if not NATIVE_NOISE.match(line):
                    print(line, file=sys.stderr)


def load_model(name):
    """``load_elmo(name)`` without TensorFlow's start-up lines on stderr."""
    with native_stderr_filtered():
        from .loading import load_elmo

        return load_elmo(name)


def fail(command, message):
    print(f"elmo-course {command}: error: {message}", file=sys.stderr)
    return 2


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return {"embed": run_embed, "train": run_train}[args.command](args)
    except (ValueError, FileNotFoundError, FileExistsError, PermissionError, IsADirectoryError) as error:
        return fail(args.command, str(error).splitlines()[0] if str(error) else type(error).__name__)


def run_embed(args):
    from .embedding_cache import embed_file, scan_input

    if args.batch_size < 1 or args.max_tokens_per_batch < 1:
        return fail("embed", "--batch-size and --max-tokens-per-batch must be at least 1")
    if args.part_lines < 1 or args.workers is not None and args.workers < 1:
        return fail("embed", "--part-lines and --workers must be at least 1")
    scan_input(args.input, keep_index=False)  # bad input fails here, before the model loads
    elmo = load_model(args.model)
    started = time.time()
    with dask_client(args) as client:
        output = embed_file(elmo, args.input, args.output, mode=args.mode, batch_size=args.batch_size,
                            forget_sentences=args.forget_sentences, use_sentence_keys=args.use_sentence_keys,
                            overwrite=args.overwrite, max_tokens_per_batch=args.max_tokens_per_batch,
                            progress=True, part_lines=args.part_lines, client=client, work_dir=args.work_dir)
    print(f"wrote {output} ({args.mode}, {elmo.name}) in {time.time() - started:.1f} s")
    return 0


@contextlib.contextmanager
def dask_client(args):
    """A Dask client for ``--workers N`` (a LocalCluster started here and closed afterwards) or
    ``--scheduler ADDRESS``; None without either (Dask is then not imported)."""
    if args.workers is None and args.scheduler is None:
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ValueError("--workers and --scheduler need Dask: pip install 'elmo-course[cluster]' "
                         "(or pip install -r requirements/cluster.txt)") from None
    cluster = None
    if args.workers is not None:
        # one thread per worker: TensorFlow already uses every core it is given within a process
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0")
        client = Client(cluster)
        client.register_plugin(quiet_tensorflow_start())  # these workers write to this terminal
    elif "://" in args.scheduler:
        client = connect(Client, args.scheduler, address=args.scheduler)
    elif Path(args.scheduler).is_file():
        client = connect(Client, args.scheduler, scheduler_file=args.scheduler)
    else:
        raise ValueError(f"--scheduler {args.scheduler}: give a scheduler address (tcp://host:8786) or the "
                         f"path of an existing scheduler file (dask scheduler --scheduler-file PATH)")
    print(f"Dask dashboard: {client.dashboard_link}", flush=True)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            # the workers hold TensorFlow's threads and are stopped the hard way: expected, not news
            logging.getLogger("distributed.nanny").setLevel(logging.ERROR)
            cluster.close()


def quiet_tensorflow_start():
    """A Dask worker plugin: each worker (a restarted one too) imports TensorFlow as this command
    does, without its start-up lines."""
    from dask.distributed import WorkerPlugin

    class QuietTensorFlowStart(WorkerPlugin):
        name = "elmo-course-quiet-tensorflow-start"

        def setup(self, worker):
            with native_stderr_filtered():
                import tensorflow  # noqa: F401

    return QuietTensorFlowStart()


def connect(Client, where, **how):
    try:
        return Client(timeout="10s", **how)
    except (OSError, TimeoutError) as error:
        raise ValueError(f"--scheduler {where}: no Dask scheduler answers there ({error}); start one "
                         f"(dask scheduler) or check the address") from None


def run_train(args):
    if len(args.paths) < 2:
        return fail("train", "give at least one corpus file and then the output folder")
    *corpus, output = (Path(p) for p in args.paths)
    if output.is_file():
        return fail("train", f"the output {output} is a file; the last argument must be a folder")
    with native_stderr_filtered():
        from .training import text_files
    counts = text_files.scan(corpus)  # bad corpus files fail here, before the model loads
    start = load_model(args.start_from) if args.start_from else None
    text_files.train_on_files(corpus, output, args, start=start, counts=counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
