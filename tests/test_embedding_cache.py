"""The hdf5 embedding cache (elmo_course.embedding_cache, Elmo.embed_file, `elmo-course embed`):
the layout of AllenNLP's old command, resuming after SIGKILL, refusing other people's files."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from elmo_course import cli, embedding_cache

TOLERANCE = 1e-6


def sentences(count, seed=0):
    rng = np.random.default_rng(seed)
    words = "the a cat dog sat ran on under mat river bank plant work , . ! is was very".split()
    return [" ".join(rng.choice(words, size=rng.integers(1, 20))) for _ in range(count)]


@pytest.fixture
def input_file(tmp_path):
    path = tmp_path / "in" / "sentences.txt"
    path.parent.mkdir()
    path.write_text("\n".join(sentences(40, seed=2) + ["The cat sat on the mat ."]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path / "cache"))


def read_index(fin):
    stored = fin["sentence_to_index"][0]
    return json.loads(stored.decode() if isinstance(stored, bytes) else stored)


@pytest.mark.parametrize("mode", ["all", "top", "average"])
def test_every_mode_equals_embed_sentences(tiny_elmo, input_file, tmp_path, mode):
    output = tiny_elmo.embed_file(input_file, tmp_path / "out" / "vectors.hdf5", batch_size=4,
                                  progress=False, mode=mode)
    lines = input_file.read_text(encoding="utf-8").splitlines()
    expected = list(tiny_elmo.embed_sentences([line.split() for line in lines], progress=False))
    with h5py.File(output, "r") as fin:
        assert set(fin) == {str(i) for i in range(len(lines))} | {"sentence_to_index"}
        for i, layers in enumerate(expected):
            want = {"all": layers, "top": layers[-1], "average": layers.mean(axis=0)}[mode]
            got = fin[str(i)][...]
            assert got.shape == want.shape
            assert got.shape[-2] == len(lines[i].split())
            assert float(np.abs(got - want).max()) < TOLERANCE
        assert read_index(fin) == {line: str(i) for i, line in enumerate(lines)}
    assert sorted(p.name for p in output.parent.iterdir()) == ["vectors.hdf5"]
    assert not (tmp_path / "cache" / "embed-work").exists() or not any((tmp_path / "cache" / "embed-work").iterdir())


def test_sentence_keys_and_forget_sentences(tiny_elmo, input_file, tmp_path):
    lines = input_file.read_text(encoding="utf-8").splitlines()
    keyed = tiny_elmo.embed_file(input_file, tmp_path / "keyed.hdf5", use_sentence_keys=True, progress=False)
    forgot = tiny_elmo.embed_file(input_file, tmp_path / "forgot.hdf5", forget_sentences=True, progress=False)
    with h5py.File(keyed, "r") as fin:
        assert set(fin) == set(lines)
        assert fin[lines[3]].shape == (3, len(lines[3].split()), tiny_elmo.output_dim)
    with h5py.File(forgot, "r") as fin:
        assert set(fin) == {str(i) for i in range(len(lines))}


def test_a_finished_output_is_kept_and_another_input_refused(tiny_elmo, input_file, tmp_path, monkeypatch):
    output = tmp_path / "vectors.hdf5"
    tiny_elmo.embed_file(input_file, output, progress=False)
    written, modified = output.read_bytes(), os.stat(output).st_mtime_ns
    monkeypatch.setattr(tiny_elmo, "embed_batch", lambda batch: pytest.fail("a finished file was recomputed"))
    tiny_elmo.embed_file(input_file, output, progress=False)
    assert output.read_bytes() == written and os.stat(output).st_mtime_ns == modified
    monkeypatch.undo()
    input_file.write_text("A different first line\nand a second one\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match="overwrite"):
        tiny_elmo.embed_file(input_file, output, progress=False)
    assert output.read_bytes() == written
    tiny_elmo.embed_file(input_file, output, progress=False, overwrite=True)
    with h5py.File(output, "r") as fin:
        assert set(fin) == {"0", "1", "sentence_to_index"}
        assert fin["0"].shape == (3, 4, tiny_elmo.output_dim)


def test_an_interrupted_run_resumes_and_leaves_nothing_beside_the_output(tiny_elmo, input_file, tmp_path, monkeypatch):
    output = tmp_path / "out" / "vectors.hdf5"
    # the same batches as the interrupted run below: a batch of another size pads to another length,
    # and the vectors may then differ in the last bits
    reference = embedding_cache.embed_file(tiny_elmo, input_file, tmp_path / "reference.hdf5", part_lines=8,
                                           batch_size=4, progress=False)
    real_embed_batch, embedded = tiny_elmo.embed_batch, []

    def stop_after_20(batch):
        if len(embedded) >= 20:
            raise KeyboardInterrupt
        embedded.extend(batch)
        return real_embed_batch(batch)

    monkeypatch.setattr(tiny_elmo, "embed_batch", stop_after_20)
    with pytest.raises(KeyboardInterrupt):
        embedding_cache.embed_file(tiny_elmo, input_file, output, part_lines=8, batch_size=4, progress=False)
    assert not output.exists() and not output.parent.exists() or list(output.parent.iterdir()) == []
    first = len(embedded)
    embedded.clear()
    monkeypatch.setattr(tiny_elmo, "embed_batch", lambda batch: embedded.extend(batch) or real_embed_batch(batch))
    embedding_cache.embed_file(tiny_elmo, input_file, output, part_lines=8, batch_size=4, progress=False)
    lines = len(input_file.read_text().splitlines())
    assert len(embedded) <= lines - 16 and first + len(embedded) >= lines  # two parts of 8 were kept
    assert output.read_bytes() == reference.read_bytes()
    assert list(output.parent.iterdir()) == [output]


KILLABLE = """
import sys, time
from elmo_course import embedding_cache
from elmo_course.elmo import Elmo
elmo = Elmo.from_files(sys.argv[1] + "/options.json", sys.argv[1] + "/weights.hdf5")
real = elmo.embed_batch
def slow(batch):
    time.sleep(0.05)
    return real(batch)
elmo.embed_batch = slow
embedding_cache.embed_file(elmo, sys.argv[2], sys.argv[3], part_lines=16, batch_size=4, progress=False)
"""


def test_sigkill_at_a_random_point_then_rerun(tiny_elmo, tiny_model_dir, tmp_path):
    path = tmp_path / "many.txt"
    path.write_text("\n".join(sentences(200, seed=5)) + "\n", encoding="utf-8")
    output = tmp_path / "out" / "vectors.hdf5"
    work = embedding_cache._work_folder(output)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen([sys.executable, "-c", KILLABLE, str(tiny_model_dir), str(path), str(output)], env=env)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(work.glob("part-*.hdf5"))) < 3 + np.random.default_rng().integers(3):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    kept = len(list(work.glob("part-*.hdf5")))
    assert 3 <= kept < 13, "the run should have been killed in the middle"
    assert not output.parent.exists() or list(output.parent.iterdir()) == []
    counted = []
    real = tiny_elmo.embed_batch
    tiny_elmo.embed_batch = lambda batch: counted.extend(batch) or real(batch)
    try:
        embedding_cache.embed_file(tiny_elmo, path, output, part_lines=16, batch_size=4, progress=False)
    finally:
        del tiny_elmo.embed_batch
    assert len(counted) <= 200 - 16 * kept
    reference = embedding_cache.embed_file(tiny_elmo, path, tmp_path / "reference.hdf5", part_lines=16, batch_size=4, progress=False)
    assert output.read_bytes() == reference.read_bytes()
    assert list(output.parent.iterdir()) == [output]
    assert not work.exists()


@pytest.mark.parametrize("content, message", [
    (None, "input file not found"),
    (b"", "is empty"),
    (b"one line\n\nthird line\n", r"empty lines \(line 2\)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary"),
    (b"caf\xe9 latin-1\n", "not UTF-8"),
])
def test_bad_input_exits_2_with_one_line_and_touches_nothing(tmp_path, capsys, content, message):
    source = tmp_path / "input.txt"
    if content is not None:
        source.write_bytes(content)
    existing = tmp_path / "existing.hdf5"
    existing.write_bytes(b"somebody's file")
    assert cli.main(["embed", str(source), str(existing)]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith("elmo-course embed: error:")
    assert re.search(message, error[0])
    assert existing.read_bytes() == b"somebody's file"


def test_unwritable_output_unknown_model_and_existing_output_exit_2(tmp_path, capsys, input_file):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    existing = tmp_path / "existing.hdf5"
    existing.write_bytes(b"somebody's file")
    for args, message in (
        ([str(input_file), str(blocker / "out.hdf5")], "cannot write"),
        ([str(input_file), str(tmp_path / "x.hdf5"), "--model", "no-such-model"], "no ELMo model"),
        ([str(input_file), str(existing)], "--overwrite"),
    ):
        assert cli.main(["embed", *args]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and message in error[0], error
    assert existing.read_bytes() == b"somebody's file"
    assert not (tmp_path / "x.hdf5").exists()


def test_length_batches_cap_padded_tokens():
    lengths = [3, 50, 2, 7, 49, 1, 300]
    batches = list(embedding_cache.length_batches([["w"] * n for n in lengths], batch_size=4, max_tokens=100))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 4
        assert len(batch) == 1 or max(lengths[i] for i in batch) * len(batch) <= 100
