"""The hdf5 embedding cache: a text file's ELMo vectors, in the layout of AllenNLP's old
``allennlp elmo`` command, written so that a killed run can resume.

The layout (what ``Elmo.embed_file`` and ``elmo-course embed`` write, and lessons 02 and 05 read):

- one dataset per input line, named ``str(line number)`` (or the sentence itself with
  ``use_sentence_keys``), float32 of shape
  ``(3, T, D)`` with ``mode="all"``: layer 0 (the token vector, written twice), then the two
  biLSTM layers; ``(T, D)`` with ``mode="top"`` (the last layer) or ``mode="average"`` (the mean
  of the three layers). T is the number of whitespace-separated tokens of the line.
- ``sentence_to_index``: one string, a JSON map from each line's text to its dataset name
  (a repeated line maps to its last occurrence), left out with ``forget_sentences`` or
  ``use_sentence_keys``.
- the attribute ``elmo_course`` (JSON): what made the file (input digest, mode, model), which
  lets a rerun recognise a finished file and refuse to overwrite somebody else's.

How a run survives being killed: the input is read in parts of ``PART_LINES`` lines; each part
is embedded into its own small hdf5 file in a work folder under the course cache
(``$ELMO_COURSE_CACHE/embed-work/``, never beside the output) and renamed into place when it is
complete. A rerun with the same arguments skips the finished parts. When every part is there,
they are copied into the output in line order and the work folder is deleted. Memory holds one
part at a time, plus the sentence index.

On a Dask cluster (``client=``, ``elmo-course embed --workers N`` or ``--scheduler ADDRESS``) the
same loop hands each unfinished part to the cluster as one task instead of embedding it here (see
"On a Dask cluster" below): a worker loads the model once, by the name the model was loaded with,
embeds the part with the same code and the same batches, and writes it into the work folder,
which every worker must be able to write (``work_dir=``, ``--work-dir``, on a shared filesystem
when the workers are other machines). The output is assembled here, as in-process, and is
identical to the in-process output. Only that section imports Dask, and only when a client is given.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import threading
import uuid
from pathlib import Path

import h5py
import numpy as np

from .progress import progress_bar

MODES = ("all", "top", "average")
PART_LINES = 1024
MAX_TOKENS_PER_BATCH = 8192  # padded tokens in one forward pass: bounds memory for long lines
LAYOUT_VERSION = 1


class InputError(ValueError):
    """The input file or the arguments cannot be embedded; the message says why and what to do."""


def read_sentences(input_file):
    """Yield each line of ``input_file``, stripped, one at a time (check it with ``scan_input``)."""
    with open(input_file, encoding="utf-8") as lines:
        for line in lines:
            yield line.strip()


def scan_input(input_file, keep_index=True):
    """Check ``input_file`` and return (line count, sha256 hex digest, sentence_to_index or None).

    Raises ``InputError`` (a missing, empty, binary or non-UTF-8 file, or an empty line) and
    reads the file as a stream: memory holds the sentence index only.
    """
    path = Path(input_file)
    if not path.is_file():
        raise InputError(f"input file not found: {path}")
    digest, index, count = hashlib.sha256(), ({} if keep_index else None), 0
    with open(path, "rb") as raw:
        if b"\0" in raw.read(8192):
            raise InputError(f"{path} looks like a binary file (it has NUL bytes); expected text, "
                             f"one whitespace-tokenized sentence per line")
        raw.seek(0)
        for count, line in enumerate(raw, start=1):
            digest.update(line)
            if b"\0" in line:
                raise InputError(f"{path} looks like a binary file (a NUL byte on line {count}); "
                                 f"expected text, one whitespace-tokenized sentence per line")
            try:
                text = line.decode("utf-8").strip()
            except UnicodeDecodeError:
                raise InputError(f"{path} line {count} is not UTF-8 text; expected one "
                                 f"whitespace-tokenized sentence per line") from None
            if not text:
                raise InputError(f"{path} has empty lines (line {count}): one sentence per line, please")
            if index is not None:
                index[text] = str(count - 1)
    if count == 0:
        raise InputError(f"{path} is empty: expected one whitespace-tokenized sentence per line")
    return count, digest.hexdigest(), index


def model_fingerprint(elmo):
    """A short digest of a model's options and weights (or its source, for a TF-Hub model)."""
    digest = hashlib.sha256()
    bilm = getattr(elmo, "bilm", None)
    if bilm is not None and hasattr(bilm, "weights"):
        digest.update(json.dumps(bilm.options.to_dict(), sort_keys=True).encode())
        for name in sorted(bilm.weights):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(bilm.weights[name].numpy()).tobytes())
    else:
        digest.update(repr((type(elmo).__name__, getattr(elmo, "source", None), elmo.name)).encode())
    return digest.hexdigest()[:16]


def length_batches(sentences, batch_size, max_tokens=MAX_TOKENS_PER_BATCH):
    """Indices of ``sentences`` in batches of similar length: at most ``batch_size`` sentences and,
    unless one sentence alone is longer, at most ``max_tokens`` padded tokens per batch."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    batch = []
    for i in order:
        longest = len(sentences[i])  # sorted: the newest sentence is the longest so far
        if batch and (len(batch) == batch_size or longest * (len(batch) + 1) > max_tokens):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def reduce_layers(layers, mode):
    """(3, T, D) -> what ``mode`` stores: all layers, the top one, or their mean."""
    if mode == "all":
        return layers
    if mode == "top":
        return layers[-1]
    return layers.mean(axis=0)


def _stored_signature(path):
    try:
        with h5py.File(path, "r") as fin:
            return json.loads(fin.attrs["elmo_course"])
    except (OSError, KeyError, ValueError, TypeError):
        return None


def _work_folder(output_file, work_dir=None):
    from .registry import cache_dir

    key = hashlib.sha256(str(Path(output_file).resolve()).encode()).hexdigest()[:20]
    return Path(work_dir or cache_dir() / "embed-work").resolve() / key


def embed_file(elmo, input_file, output_file, mode="all", batch_size=64, forget_sentences=False,
               use_sentence_keys=False, overwrite=False, max_tokens_per_batch=MAX_TOKENS_PER_BATCH,
               progress=None, part_lines=PART_LINES, client=None, work_dir=None):
    """Embed ``input_file`` (one whitespace-tokenized sentence per line) into ``output_file``.

    See the module docstring for the layout. A finished output made from the same input, mode
    and model is kept as it is; a run that was stopped goes on from its finished parts; an
    existing output made from anything else is refused (``FileExistsError``) unless
    ``overwrite``. Bad input raises ``InputError`` before anything is written.
    ``client``: a ``dask.distributed.Client``; each unfinished part becomes one task on its
    cluster (``elmo`` must come from ``load_elmo(name)``, a name every worker can load).
    ``work_dir``: where the parts are kept until the output is complete (default: the course cache).
    Returns ``output_file`` as a ``Path``.
    """
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of {MODES}")
    if batch_size < 1:
        raise InputError(f"batch_size must be at least 1, got {batch_size}")
    input_file, output_file = Path(input_file), Path(output_file)
    count, digest, index = scan_input(input_file, keep_index=not (forget_sentences or use_sentence_keys))
    signature = {"layout": LAYOUT_VERSION, "input_sha256": digest, "lines": count, "mode": mode,
                 "model": model_fingerprint(elmo), "forget_sentences": bool(forget_sentences),
                 "use_sentence_keys": bool(use_sentence_keys)}
    model_for_workers = None if client is None else _model_for_workers(elmo, signature["model"])
    work = _work_folder(output_file, work_dir)
    manifest = work / "manifest.json"
    ours = manifest.is_file() and json.loads(manifest.read_text()).get("signature") == signature
    if output_file.exists():
        if _stored_signature(output_file) == signature:
            shutil.rmtree(work, ignore_errors=True)
            return output_file
        if not (ours or overwrite):
            raise FileExistsError(f"{output_file} exists and was not made from this input with these "
                                  f"settings; choose another output or pass overwrite=True (--overwrite)")
        if output_file.is_dir():
            raise InputError(f"{output_file} is a folder; give a file name for the hdf5 output")
    if use_sentence_keys:
        _check_sentence_keys(input_file)
    _check_writable(output_file)
    if not ours:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        manifest.write_text(json.dumps({"signature": signature, "output": str(output_file.resolve()),
                                        "part_lines": part_lines}))

    part_lines = json.loads(manifest.read_text()).get("part_lines", part_lines)
    parts = -(-count // part_lines)
    done = [p for p in range(parts) if (work / f"part-{p:06d}.hdf5").is_file()]
    show = count > 20 * batch_size if progress is None else progress
    if client is None:
        bar = progress_bar(total=count, initial=sum(_part_size(p, count, part_lines) for p in done),
                           desc="ELMo", unit="sent", disable=not show, dynamic_ncols=True)
    else:  # one bar over parts: a part is the unit the cluster reports back
        bar = progress_bar(total=parts, initial=len(done), desc="ELMo parts", unit="part",
                           disable=not show, dynamic_ncols=True)
        cluster_parts = _PartsOnCluster(client, model_for_workers, bar)
    lines = read_sentences(input_file)
    try:
        for p in range(parts):
            chunk = [next(lines) for _ in range(_part_size(p, count, part_lines))]
            if p in done:
                continue
            part_args = (chunk, p * part_lines, work / f"part-{p:06d}.hdf5", mode, batch_size,
                         use_sentence_keys, max_tokens_per_batch)
            if client is None:
                _embed_part(elmo, *part_args, bar)
            else:
                cluster_parts.submit(p, part_args)
        if client is not None:
            cluster_parts.wait_for_all()
    finally:
        if client is not None:
            cluster_parts.cancel()
        bar.close()
    output_file.parent.mkdir(parents=True, exist_ok=True)
    _assemble(work, parts, output_file, index, signature)
    shutil.rmtree(work, ignore_errors=True)
    return output_file


def _check_writable(output_file):
    """Refuse an output whose folder cannot be made or written, before any work is done."""
    folder = Path(output_file).absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {output_file}: {folder} is not a folder you can write to")


def _part_size(part, count, part_lines):
    return min(part_lines, count - part * part_lines)


def _check_sentence_keys(input_file):
    seen = set()
    for number, sentence in enumerate(read_sentences(input_file), start=1):
        if "/" in sentence or sentence == ".":
            raise InputError(f"line {number} ({sentence[:40]!r}) cannot be an hdf5 name ('/' or '.'); "
                             f"leave out --use-sentence-keys")
        if sentence in seen:
            raise InputError(f"line {number} repeats an earlier sentence, and with --use-sentence-keys "
                             f"each sentence names one dataset; leave the flag out to keep duplicates")
        seen.add(sentence)


def _embed_part(elmo, lines, first, path, mode, batch_size, use_sentence_keys, max_tokens, bar=None):
    """Embed one part into ``path``, written under a temporary name in the work folder."""
    sentences = [line.split() for line in lines]
    # a name of this process's own: on a cluster, a worker that was given up for lost may still be
    # writing the part that another worker now writes again
    temporary = path.with_name(f"{path.stem}.{socket.gethostname()}-{os.getpid()}.partial")
    with h5py.File(temporary, "w") as fout:
        for batch in length_batches(sentences, batch_size, max_tokens):
            for i, layers in zip(batch, elmo.embed_batch([sentences[i] for i in batch])):
                key = lines[i] if use_sentence_keys else str(first + i)
                fout.create_dataset(f"{first + i}", data=reduce_layers(layers, mode).astype(np.float32))
                fout[f"{first + i}"].attrs["key"] = key
            if bar is not None:
                bar.update(len(batch))
    os.replace(temporary, path)


def _assemble(work, parts, output_file, index, signature):
    """Copy the parts into ``output_file`` in line order, then the index and the signature."""
    with h5py.File(output_file, "w") as fout:
        for p in range(parts):
            with h5py.File(work / f"part-{p:06d}.hdf5", "r") as part:
                for number in sorted(part, key=int):
                    dataset = part[number]
                    fout.create_dataset(dataset.attrs["key"], data=dataset[...])
        if index is not None:
            fout.create_dataset("sentence_to_index", data=[json.dumps(index)],
                                dtype=h5py.string_dtype())
        fout.attrs["elmo_course"] = json.dumps(signature, sort_keys=True)


# ---- On a Dask cluster ---------------------------------------------------------------------------
# The client submits each unfinished part as one task (_embed_part_on_worker) and keeps a few tasks
# per worker thread in flight, so that memory holds a bounded number of parts' text whatever the
# input's size. A task returns only its part number: the vectors travel through the work folder.
# A worker that dies loses at most the part it was writing (a temporary file); the scheduler runs
# that task again on another worker.

def _model_for_workers(elmo, fingerprint):
    """What a worker needs to load the same model: (name, start, fingerprint); refused before any
    task when the workers cannot load it by name or would embed it differently (stateful)."""
    if getattr(elmo, "source", None) is None:
        raise InputError(f"{elmo!r} was not loaded by name, so the workers cannot load it: load it with "
                         f"load_elmo(name) (a folder, small/medium/original, ...) to embed on a cluster")
    if elmo.stateful:
        raise InputError("a stateful model carries its state from batch to batch in order, and a cluster "
                         "embeds parts in parallel: load the model without stateful=True")
    source = str(elmo.source)
    if Path(source).exists():  # a folder: the workers do not share this process's working directory
        source = str(Path(source).resolve())
    return (source, elmo.start, fingerprint)


_models_on_this_worker = {}
_loading = threading.Lock()


def _model_on_this_worker(model):
    """The model (as ``_model_for_workers`` names it), loaded once per worker process."""
    source, start, fingerprint = model
    with _loading:
        if model not in _models_on_this_worker:
            # the package's public entry point, looked up when a task first runs on this worker:
            # importing .loading at the top would close a cycle (loading imports elmo, elmo this module)
            from . import load_elmo

            where = f"worker {os.getpid()} on {socket.gethostname()}"
            try:
                elmo = load_elmo(source, start=start)
            except Exception as error:
                raise InputError(f"{where} cannot load the model {source!r}: {error}; name a model that "
                                 f"every worker can read (a shared folder, or an official name)") from None
            if model_fingerprint(elmo) != fingerprint:
                raise InputError(f"{where} loaded other weights from {source!r} than the client did; "
                                 f"give every worker the same model files")
            _models_on_this_worker[model] = elmo
        return _models_on_this_worker[model]


def _embed_part_on_worker(model, part, lines, first, path, *settings):
    """A task: embed one part on a worker, unless a previous try of this task already wrote it."""
    if not (path.parent.is_dir() and os.access(path.parent, os.W_OK)):
        raise InputError(f"worker {os.getpid()} on {socket.gethostname()} cannot write the work folder "
                         f"{path.parent}: give work_dir= (--work-dir) a folder every worker can write, "
                         f"on a filesystem they share")
    if not path.is_file():
        _embed_part(_model_on_this_worker(model), lines, first, path, *settings)
    return part


class _PartsOnCluster:
    """Submits parts as tasks, at most a few per worker thread in flight, and advances the bar as
    they finish. The first failed task stops the run with its error."""

    def __init__(self, client, model, bar):
        from dask.distributed import as_completed

        self.client, self.model, self.bar = client, model, bar
        self.running = as_completed()
        self.futures = set()
        self.run_id = uuid.uuid4().hex[:8]
        self.window = 0

    def submit(self, part, part_args):
        if self.running.count() >= self.window:  # full: ask how many threads the cluster has now
            self.window = max(8, 2 * sum(self.client.nthreads().values()))
            while self.running.count() >= self.window:
                self._collect_one()
        future = self.client.submit(_embed_part_on_worker, self.model, part, *part_args,
                                    key=f"embed-part-{part:06d}-{self.run_id}", pure=False)
        self.futures.add(future)
        self.running.add(future)

    def wait_for_all(self):
        while self.running.count():
            self._collect_one()

    def _collect_one(self):
        future = next(self.running)
        future.result()  # a task's error is raised here, with its message
        self.futures.discard(future)  # released: the scheduler forgets it
        self.bar.update(1)

    def cancel(self):
        """Cancel what is still submitted (after an error or an interrupt; nothing after success)."""
        if self.futures:
            self.client.cancel(list(self.futures))
            self.futures.clear()
