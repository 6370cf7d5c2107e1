"""Install the course's Jupyter kernel into the virtual environment (`make setup` runs this).

    python scripts/install_kernel.py

The kernel is ipykernel's, named "python3" and shown as "Python 3 (elmo-course)", the name every
lesson's metadata carries (so JupyterLab does not rewrite a lesson when it opens it). One setting
differs from ipykernel's default: the kernel does not forward what native code writes to file
descriptor 2. TensorFlow's C++ runtime writes start-up lines there ("All log messages before
absl::InitializeLog() ...", "oneDNN custom operations are on ...") whatever TF_CPP_MIN_LOG_LEVEL
says, and JupyterLab would show them as red stderr boxes under every lesson's imports. They go to
the terminal that runs JupyterLab instead. Python's own stderr (warnings, tracebacks, print(...,
file=sys.stderr)) still reaches the notebook.

It also turns off JupyterLab's "news" prompt, which would otherwise cover a corner of the first
lesson (a JupyterLab settings override in the environment; a learner can turn it back on).
"""
import json
import subprocess
import sys
from pathlib import Path

KERNEL_NAME = "python3"
DISPLAY_NAME = "Python 3 (elmo-course)"
NO_NATIVE_STDERR = "--IPKernelApp.capture_fd_output=False"
LAB_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}


def main():
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME,
                    "--display-name", DISPLAY_NAME], check=True, capture_output=True)
    spec = Path(sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json"
    kernel = json.loads(spec.read_text())
    if NO_NATIVE_STDERR not in kernel["argv"]:
        kernel["argv"].insert(kernel["argv"].index("-f"), NO_NATIVE_STDERR)
    spec.write_text(json.dumps(kernel, indent=1) + "\n")
    print(f"installed kernel {DISPLAY_NAME!r} ({spec})")
    overrides = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(overrides.read_text()) if overrides.is_file() else {}
    overrides.write_text(json.dumps({**current, **LAB_OVERRIDES}, indent=1) + "\n")


if __name__ == "__main__":
    main()
