"""Run every lesson in JupyterLab in a real (headless) browser, as a learner would, and check what shows.

    python scripts/check_lab.py                   # all lessons (what `make test-lab` runs)
    python scripts/check_lab.py notebooks/05_allennlp_preprocessing.ipynb

It starts JupyterLab the way `make lab` does (same environment variables, the kernel that
`make setup` installed) on 127.0.0.1, on a copy of the notebooks (beside links to the rest of the
repository, which lessons may read), so the lessons themselves are never written to. Debian's `chromium` is driven by the `playwright` package (`playwright install`
would download a browser, which offline machines cannot). For each lesson it

1. opens it and fails if JupyterLab marks it modified before anything ran (a kernel name that
   differs from the notebook's metadata does that);
2. runs all cells and waits for every code cell to get its execution count;
3. fails on any stderr or error output area, and on any cell left unrun;
4. prints the time Run All took, and saves a screenshot under `lab-check/` when a lesson fails
   (JupyterLab's own log goes to `lab-check/jupyterlab.log`).

Before the lessons it runs a scratch notebook that prints to stderr and makes sure that check
fails (so a passing run means the checker can see stderr). Exit status 1 when any lesson failed.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "lab-check"
TOKEN = "elmo-course-lab-check"
# what `make lab` sets (the Makefile's NOTEBOOK_ENV)
LAB_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "USE_TF": "0"}
# the check's own JupyterLab user settings: no autosave (nothing is written back); the news prompt is
# off already, by the settings override that `make setup` installs (scripts/install_kernel.py)
SETTINGS = {"@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("check_lab: no Chromium found; install Debian's package: sudo apt-get install chromium")


def start_lab(folder, settings_dir, port):
    env = {**os.environ, **LAB_ENV, "JUPYTERLAB_SETTINGS_DIR": str(settings_dir)}
    env.pop("PYTHONWARNINGS", None)  # learners see warnings: so does this check
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={TOKEN}", "--LabApp.expose_app_in_browser=True", str(folder)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI containers run as root
        command.insert(-1, "--allow-root")
    SCREENSHOTS.mkdir(exist_ok=True)
    log = open(SCREENSHOTS / "jupyterlab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    sys.exit(f"check_lab: JupyterLab did not start; see {SCREENSHOTS / 'jupyterlab.log'}")


def stop_kernels(port):
    """Shut every kernel down between lessons, so that each lesson starts fresh and memory is freed."""
    url = f"http://127.0.0.1:{port}/api/sessions?token={TOKEN}"
    for session in json.load(urllib.request.urlopen(url)):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/sessions/{session['id']}?token={TOKEN}",
                                         method="DELETE")
        urllib.request.urlopen(request)


CELL_STATE = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.sessionContext) return null;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code');
  return {
    dirty: panel.context.model.dirty,
    kernel: panel.sessionContext.session ? panel.sessionContext.session.kernel.status : 'none',
    unrun: cells.filter(c => c.model.executionCount === null).length,
    running: cells.filter(c => c.promptNode && c.promptNode.textContent.includes('*')).length,
    cells: cells.length,
  };
}"""


STDERR_TEXTS = """() => Array.from(window.jupyterapp.shell.currentWidget.node.querySelectorAll(
  '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map(n => n.textContent)"""


def check_lesson(page, port, name, timeout):
    """Open, run all, inspect: (seconds for Run All, list of problems)."""
    problems = []
    # a workspace of its own, reset: only this notebook is open
    workspace = "check-" + Path(name).stem.replace("_", "-")
    page.goto(f"http://127.0.0.1:{port}/lab/workspaces/{workspace}/tree/{name}?reset&token={TOKEN}")
    page.wait_for_function(f"() => {{ const s = ({CELL_STATE})(); return s && s.kernel === 'idle'; }}",
                           timeout=120_000)
    time.sleep(1.0)  # give JupyterLab the moment in which a metadata rewrite would happen
    state = page.evaluate(CELL_STATE)
    if state["dirty"]:
        problems.append("marked modified as soon as it opened (before anything ran)")
    started = time.time()
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    stalled = 0  # seconds with nothing running or queued while cells are still unrun
    while True:
        time.sleep(1.0)
        state = page.evaluate(CELL_STATE)
        idle = state["kernel"] == "idle" and state["running"] == 0
        if idle and state["unrun"] == 0:
            break
        stalled = stalled + 1 if idle else 0
        if stalled >= 10:  # Run All stops at a cell that raised: the rest stay unrun
            problems.append(f"Run All stopped with {state['unrun']} of {state['cells']} code cells unrun")
            break
        if time.time() - started > timeout:
            problems.append(f"Run All did not finish in {timeout} s: {state['unrun']} of {state['cells']} "
                            "code cells unrun")
            break
    seconds = time.time() - started
    for text in page.evaluate(STDERR_TEXTS):
        problems.append("stderr or error output: " + text.strip().replace("\n", " | ")[:300])
    return seconds, problems


def scratch_notebook(folder):
    """A notebook whose second cell prints to stderr: the check must fail on it."""
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": src}
             for src in ("x = 1 + 1", "import sys\nprint('a deliberate stderr line', file=sys.stderr)")]
    lesson = json.loads(next(ROOT.glob("notebooks/00_*.ipynb")).read_text())
    notebook = {"cells": cells, "metadata": lesson["metadata"], "nbformat": 4, "nbformat_minor": 5}
    path = folder / "zz_scratch_stderr.ipynb"
    path.write_text(json.dumps(notebook))
    return path.name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="lessons to check (default: all of notebooks/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed for one lesson's Run All")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    lessons = [Path(p) for p in args.notebooks] or sorted(ROOT.glob("notebooks/[0-9]*.ipynb"))
    before = {p: p.read_bytes() for p in lessons}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder, settings_dir = tmp / "notebooks", tmp / "settings"
        folder.mkdir()
        for lesson in lessons:
            shutil.copy(lesson, folder / lesson.name)
        # lessons may read the repository beside them (lesson 09 trains on ../paper_notes)
        for sibling in ROOT.iterdir():
            if sibling.is_dir() and not sibling.name.startswith(".") and sibling.name != "notebooks":
                (tmp / sibling.name).symlink_to(sibling, target_is_directory=True)
        for relative, values in SETTINGS.items():
            path = settings_dir / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        scratch = scratch_notebook(folder)
        port = free_port()
        server = start_lab(folder, settings_dir, port)
        failed = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True)
                for name in [scratch] + [p.name for p in lessons]:
                    page = browser.new_page(viewport={"width": 1400, "height": 1000})
                    page.on("dialog", lambda dialog: dialog.dismiss())
                    seconds, problems = check_lesson(page, port, name, args.timeout)
                    if name == scratch:
                        if not any("deliberate stderr line" in p for p in problems):
                            failed.append(name)
                            print(f"self-test FAILED: the stderr of {name} was not seen", flush=True)
                        else:
                            print(f"self-test: a deliberate print(..., file=sys.stderr) is caught ({seconds:.0f} s)",
                                  flush=True)
                    else:
                        status = "ok" if not problems else "FAILED"
                        print(f"{name}: Run All {seconds:.0f} s, {status}", flush=True)
                        for problem in problems:
                            print(f"    {problem}", flush=True)
                        if problems:
                            failed.append(name)
                            SCREENSHOTS.mkdir(exist_ok=True)
                            page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"), full_page=True)
                    page.close()
                    stop_kernels(port)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    changed = [str(p) for p, content in before.items() if p.read_bytes() != content]
    if changed:
        print(f"lessons changed on disk: {changed}")
        failed += changed
    if failed:
        print(f"check_lab: {len(failed)} failed: {', '.join(failed)}" +
              (f" (screenshots in {SCREENSHOTS})" if SCREENSHOTS.exists() else ""))
        return 1
    print(f"check_lab: {len(lessons)} lessons ran clean in JupyterLab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
