"""`elmo-course embed` on a Dask cluster (embedding_cache.embed_file(client=...), --workers,
--scheduler): a real LocalCluster of 2 worker processes gives the in-process output bit for bit,
loses nothing when a worker is SIGKILLed mid-part, and a run whose client was killed resumes with
the finished parts skipped."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import h5py
import numpy as np
import pytest

import elmo_course as ec
from elmo_course import cli, embedding_cache, registry

distributed = pytest.importorskip("dask.distributed", reason="the cluster extra: pip install -r requirements/cluster.txt")

PART_LINES = 24
LINES = 300


def sentences(count, seed=0):
    rng = np.random.default_rng(seed)
    words = "the a cat dog sat ran on under mat river bank plant work , . ! is was very".split()
    return [" ".join(rng.choice(words, size=rng.integers(1, 16))) for _ in range(count)]


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes, one thread each, shared by the tests of this file."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


@pytest.fixture(scope="module")
def shipped():
    return ec.load_elmo()


@pytest.fixture(scope="module")
def input_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("in") / "sentences.txt"
    path.write_text("\n".join(sentences(LINES, seed=5)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def one_by_one(shipped, input_file, tmp_path_factory):
    """The in-process output in batches of one sentence: a part then takes long enough to be
    caught half-written."""
    folder = tmp_path_factory.mktemp("one_by_one")
    return in_process(shipped, input_file, folder / "in_process.hdf5", batch_size=1, work_dir=folder / "work")


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path / "cache"))


def in_process(elmo, input_file, output, **settings):
    return embedding_cache.embed_file(elmo, input_file, output, part_lines=PART_LINES, progress=False, **settings)


def assert_identical(got, expected):
    """Every dataset equal bit for bit (sentence_to_index included), and the same signature."""
    with h5py.File(got, "r") as ours, h5py.File(expected, "r") as theirs:
        assert sorted(ours) == sorted(theirs)
        for name in theirs:
            assert ours[name].dtype == theirs[name].dtype, name
            assert np.array_equal(ours[name][...], theirs[name][...]), name
        assert ours.attrs["elmo_course"] == theirs.attrs["elmo_course"]


def part_tasks(task_stream):
    return [t for t in task_stream.data if str(t["key"]).startswith("embed-part-")]


@pytest.mark.parametrize("mode", ["all", "top", "average"])
def test_the_cluster_writes_the_in_process_output(client, shipped, input_file, tmp_path, mode):
    expected = in_process(shipped, input_file, tmp_path / "in_process.hdf5", mode=mode, batch_size=8)
    with distributed.get_task_stream(client) as tasks:
        output = in_process(shipped, input_file, tmp_path / "out" / "cluster.hdf5", mode=mode, batch_size=8,
                            client=client, work_dir=tmp_path / "work")
    assert len(part_tasks(tasks)) == -(-LINES // PART_LINES)
    assert_identical(output, expected)
    with h5py.File(output, "r") as fin:
        index = json.loads(fin["sentence_to_index"][0])
        assert len(index) == len(set(input_file.read_text(encoding="utf-8").splitlines()))
    assert sorted(p.name for p in output.parent.iterdir()) == ["cluster.hdf5"]
    assert list((tmp_path / "work").iterdir()) == []  # the parts are gone once the output is complete


def test_elmo_embed_file_passes_the_client_on(client, shipped, input_file, tmp_path):
    expected = in_process(shipped, input_file, tmp_path / "in_process.hdf5", mode="top")
    with distributed.get_task_stream(client) as tasks:
        output = shipped.embed_file(input_file, tmp_path / "cluster.hdf5", progress=False, mode="top",
                                    client=client, part_lines=PART_LINES)
    assert len(part_tasks(tasks)) == -(-LINES // PART_LINES)
    assert_identical(output, expected)


def test_bad_input_is_refused_before_any_task(client, shipped, input_file, tmp_path, capsys):
    blank = tmp_path / "blank.txt"
    blank.write_text("one line\n\nthird line\n", encoding="utf-8")
    address = client.scheduler.address
    with distributed.get_task_stream(client) as tasks:
        assert cli.main(["embed", str(blank), str(tmp_path / "out.hdf5"), "--scheduler", address]) == 2
        unnamed = ec.elmo.Elmo(shipped.bilm, name="unnamed")  # not loaded by name: workers cannot load it
        with pytest.raises(embedding_cache.InputError, match="load_elmo"):
            embedding_cache.embed_file(unnamed, input_file, tmp_path / "out.hdf5", client=client)
        stateful = ec.load_elmo(stateful=True)
        with pytest.raises(embedding_cache.InputError, match="stateful"):
            embedding_cache.embed_file(stateful, input_file, tmp_path / "out.hdf5", client=client)
    error = capsys.readouterr().err.strip().splitlines()
    assert error == ["elmo-course embed: error: " + f"{blank} has empty lines (line 2): one sentence per line, please"]
    assert part_tasks(tasks) == []
    assert not (tmp_path / "out.hdf5").exists()


def test_a_worker_that_cannot_read_the_model_says_so(client, input_file, tmp_path):
    folder = tmp_path / "my_model"
    shutil.copytree(registry.PACKAGE_MODELS / registry.SHIPPED_MODEL, folder)
    elmo = ec.load_elmo(str(folder))
    shutil.rmtree(folder)  # the client has it loaded; the workers will not find it
    with pytest.raises(embedding_cache.InputError, match=r"worker \d+ on .* cannot load the model '.*my_model'"):
        elmo.embed_file(input_file, tmp_path / "out.hdf5", progress=False, client=client)
    assert not (tmp_path / "out.hdf5").exists()


def test_a_worker_that_cannot_write_the_work_folder_says_so(shipped, tmp_path):
    model = embedding_cache._model_for_workers(shipped, embedding_cache.model_fingerprint(shipped))
    elsewhere = tmp_path / "only-on-the-client" / "part-000000.hdf5"
    with pytest.raises(embedding_cache.InputError, match=r"cannot write the work folder .*only-on-the-client.*--work-dir"):
        embedding_cache._embed_part_on_worker(model, 0, ["a line"], 0, elsewhere, "all", 64, False, 8192)


def test_workers_start_a_local_cluster_and_print_its_dashboard(capsys):
    args = cli.build_parser().parse_args(["embed", "in.txt", "out.hdf5", "--workers", "1"])
    with cli.dask_client(args) as local:
        assert len(local.scheduler_info()["workers"]) == 1
    assert re.fullmatch(r"Dask dashboard: http://\S+/status", capsys.readouterr().out.strip())
    args = cli.build_parser().parse_args(["embed", "in.txt", "out.hdf5"])
    with cli.dask_client(args) as none:
        assert none is None


def test_without_workers_or_scheduler_the_command_does_not_import_dask(input_file, tmp_path):
    output = tmp_path / "in_process.hdf5"
    code = ("import sys; from elmo_course import cli; "
            f"status = cli.main(['embed', {str(input_file)!r}, {str(output)!r}, '--top']); "
            "print(status, sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr
    with h5py.File(output, "r") as fin:
        assert fin["0"].shape[-1] == ec.load_elmo().output_dim


def test_a_worker_killed_mid_part_loses_nothing(client, shipped, input_file, one_by_one, tmp_path):
    workers_before = set(client.run(os.getpid).values())
    work = tmp_path / "work"
    run = {}

    def embed():
        try:
            run["output"] = in_process(shipped, input_file, tmp_path / "cluster.hdf5", batch_size=1,
                                       client=client, work_dir=work)
        except BaseException as error:  # reported by the assertions below
            run["error"] = error

    thread = threading.Thread(target=embed)
    thread.start()
    killed, deadline = None, time.time() + 60
    while killed is None and thread.is_alive() and time.time() < deadline:
        finished = list(work.glob("*/part-*.hdf5"))
        for partial in work.glob("*/part-*.partial") if finished else ():
            pid = int(re.search(r"-(\d+)\.partial$", partial.name).group(1))
            os.kill(pid, signal.SIGSTOP)  # frozen, it cannot finish the part while we look
            if partial.exists():
                killed = (pid, len(list(work.glob("*/part-*.hdf5"))))
                os.kill(pid, signal.SIGKILL)
                break
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.002)
    thread.join(timeout=120)
    assert killed is not None, "no worker was caught writing a part"
    pid, parts_then = killed
    assert pid in workers_before and 1 <= parts_then < -(-LINES // PART_LINES)
    assert "error" not in run, run.get("error")
    assert_identical(run["output"], one_by_one)
    client.wait_for_workers(2, timeout=60)  # the nanny started a new worker process
    assert pid not in set(client.run(os.getpid).values())


def test_a_killed_client_resumes_and_skips_finished_parts(client, input_file, one_by_one, tmp_path):
    output, work = tmp_path / "out" / "vectors.hdf5", tmp_path / "work"
    command = [sys.executable, "-m", "elmo_course.cli", "embed", str(input_file), str(output),
               "--scheduler", client.scheduler.address, "--work-dir", str(work),
               "--part-lines", str(PART_LINES), "--batch-size", "1"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    while len(list(work.glob("*/part-*.hdf5"))) < 2 and first.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait()
    # the scheduler drops the dead client's tasks; a part a worker was writing is still finished
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) or list(work.glob("*/*.partial")):
        assert time.time() < deadline, "the cluster did not settle after the client was killed"
        time.sleep(0.05)
    kept = len(list(work.glob("*/part-*.hdf5")))
    total = -(-LINES // PART_LINES)
    assert 2 <= kept < total and not output.exists()

    with distributed.get_task_stream(client) as tasks:
        again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"{kept}/{total}" in again.stderr  # the bar over parts starts from the kept ones
    assert len(part_tasks(tasks)) == total - kept
    assert_identical(output, one_by_one)
    assert list(work.iterdir()) == []
