"""How far do the lessons' numbers move on another CPU? A report for maintainers.

`make test-drift` says pass or fail; this script says by how much. It executes lessons (copies,
never the committed files) with oneDNN switched against this CPU's default, the way
`scripts/check_drift.py` does, and compares every number printed by every code cell with the
committed output, including the cells nbval leaves alone (`nbval-ignore-output`). With `--card`
it also re-measures the model card's sense and start-state figures the same way and compares
them with `metrics.json`, next to the tolerance the tests allow (two standard errors).

    python scripts/drift_report.py notebooks/02_imdb_keras_embedding.ipynb notebooks/03_*.ipynb
    python scripts/drift_report.py --card
"""
import argparse
import json
import re
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_drift import ROOT, perturbed_environment  # noqa: E402

NUMBER = re.compile(r"[-+]?\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?")


def printed_numbers(cell):
    text = []
    for output in cell.get("outputs", []):
        if "text" in output:
            text.append(output["text"])
        elif "text/plain" in output.get("data", {}) and "image/png" not in output["data"]:
            text.append(output["data"]["text/plain"])
    return [float(n.replace(",", "")) for n in NUMBER.findall("\n".join(text))]


def execute_copy(path, env):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    saved = dict(os.environ)
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return notebook


def lesson_report(path, env):
    committed = nbformat.read(path, as_version=4)
    fresh = execute_copy(path, env)
    rows = []
    code = [(a, b) for a, b in zip(committed.cells, fresh.cells) if a.cell_type == "code"]
    for index, (before, after) in enumerate(code):
        old, new = printed_numbers(before), printed_numbers(after)
        if not old and not new:
            continue
        tags = ",".join(before.metadata.get("tags", [])) or "-"
        if len(old) != len(new):
            rows.append((path.stem, index, tags, f"{len(old)} numbers printed, now {len(new)}"))
            continue
        moved = [(a, b) for a, b in zip(old, new) if a != b]
        if moved:
            largest = max(abs(a - b) for a, b in moved)
            rows.append((path.stem, index, tags, f"{len(moved)} of {len(old)} numbers moved, by up to {largest:.3g}"))
    return rows or [(path.stem, "-", "-", "every printed number identical")]


CARD_SCRIPT = """
import json
from elmo_course import load_elmo
from elmo_course.course import quality, senses
from elmo_course.registry import PACKAGE_MODELS, SHIPPED_MODEL
metrics = json.loads((PACKAGE_MODELS / SHIPPED_MODEL / "metrics.json").read_text())
elmo = load_elmo()
n_senses = len(senses.load_sense_sentences())
measured = quality.sense_figures(elmo)
for model in ("trained", "random_init"):
    for layer in ("0", "1", "2"):
        stored = metrics["senses"][model][layer]
        print(f"senses {model} layer {layer}", stored, measured[model][layer], quality.accuracy_tolerance(stored, n_senses))
starts = quality.start_state_figures(elmo)
examples = {"sense_layer1": n_senses, "sense_layer2": n_senses, "sentiment_1000": quality.CURVE_SAMPLE["n_test"]}
for start, figures in metrics["start_states"].items():
    for key, stored in figures.items():
        print(f"start {start} {key}", stored, starts[start][key], quality.accuracy_tolerance(stored, examples[key]))
"""


def card_report(env):
    result = subprocess.run([sys.executable, "-c", CARD_SCRIPT], env=env, capture_output=True, text=True, check=True)
    rows = []
    for line in result.stdout.splitlines():
        *name, stored, measured, tolerance = line.split()
        drift = float(measured) - float(stored)
        rows.append((" ".join(name), f"{float(stored):.3f}", f"{float(measured):.3f}", f"{drift:+.4f}", f"{float(tolerance):.3f}"))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lessons", nargs="*", type=Path)
    parser.add_argument("--card", action="store_true", help="also the model card's sense and start-state figures")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    env, description = perturbed_environment(args.threads)
    print(f"drift under {description}, against the committed outputs and metrics.json\n")
    if args.lessons:
        print("| lesson | code cell | tags | printed numbers |\n|---|---|---|---|")
        for path in args.lessons:
            for row in lesson_report(path.resolve(), env):
                print("| " + " | ".join(str(x) for x in row) + " |", flush=True)
    if args.card:
        print("\n| card figure | stored | re-measured | drift | tolerance (2 SE) |\n|---|---|---|---|---|")
        for row in card_report(env):
            print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
