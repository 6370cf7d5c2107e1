"""The lessons' Jupyter kernel as `make setup` installs it (scripts/install_kernel.py): lessons open
without being rewritten, and TensorFlow's native start-up lines never reach a notebook."""
import json
import queue
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import install_kernel  # noqa: E402


def test_every_lesson_names_the_installed_kernel():
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        kernelspec = json.loads(path.read_text(encoding="utf-8"))["metadata"]["kernelspec"]
        assert kernelspec["name"] == install_kernel.KERNEL_NAME, path.name
        assert kernelspec["display_name"] == install_kernel.DISPLAY_NAME, path.name


def run_in_kernel(code):
    """The stream messages ((name, text) pairs) that running ``code`` in the course's kernel sends."""
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import start_new_kernel

    try:
        manager, client = start_new_kernel(kernel_name=install_kernel.KERNEL_NAME)
    except NoSuchKernel:
        pytest.skip("the course's kernel is not installed (run `make setup`)")
    try:
        client.execute(code)
        streams = []
        while True:
            try:
                message = client.get_iopub_msg(timeout=120)
            except queue.Empty:
                break
            if message["msg_type"] == "stream":
                streams.append((message["content"]["name"], message["content"]["text"]))
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle" and streams:
                break
        return streams
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_tensorflow_imports_without_a_stderr_box_and_python_stderr_still_shows():
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / install_kernel.KERNEL_NAME / "kernel.json"
    if not spec.is_file() or install_kernel.NO_NATIVE_STDERR not in spec.read_text():
        pytest.skip("not the environment `make setup` built")
    streams = run_in_kernel("import sys\nimport tensorflow as tf\nimport elmo_course as ec\n"
                            "print(float(tf.constant(1.0) + 1))\nprint('a warning', file=sys.stderr)")
    assert ("stdout", "2.0\n") in streams
    stderr = "".join(text for name, text in streams if name == "stderr")
    assert stderr == "a warning\n", stderr
