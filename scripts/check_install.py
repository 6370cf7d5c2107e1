"""Resolve `pip install .` for the laptops learners have and count the TensorFlows in each.

    python scripts/check_install.py            # (make check-install)

For Linux x86_64, macOS arm64 and Linux aarch64, on Python 3.11, 3.12 and 3.13, it asks pip to
resolve this package from the package index without installing anything (``pip install
--dry-run --only-binary=:all: --platform ... --python-version ...``: wheels' metadata only) and
reads pip's report; then the pins that `make setup` installs (requirements/, their markers
evaluated for the target), each on its own (``--no-deps``). Every combination must resolve and
hold exactly one TensorFlow distribution (tensorflow, tensorflow-cpu, ...). Exit status 1
otherwise.
"""
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")
# pip --platform takes one tag per flag; a wheel matches if it names any of them
# pip evaluates environment markers for the machine it runs on, even with --platform, so the
# recipe's own markers are evaluated here for each target (those of dependencies stay pip's)
MARKER_ENVIRONMENTS = {
    "Linux x86_64": {"sys_platform": "linux", "platform_machine": "x86_64", "platform_system": "Linux"},
    "macOS arm64": {"sys_platform": "darwin", "platform_machine": "arm64", "platform_system": "Darwin"},
    "Linux aarch64": {"sys_platform": "linux", "platform_machine": "aarch64", "platform_system": "Linux"},
}
PLATFORMS = {
    "Linux x86_64": [f"manylinux_2_{minor}_x86_64" for minor in range(17, 36)] + ["manylinux2014_x86_64"],
    "macOS arm64": [f"macosx_{major}_0_arm64" for major in range(11, 16)],
    "Linux aarch64": [f"manylinux_2_{minor}_aarch64" for minor in range(17, 36)] + ["manylinux2014_aarch64"],
}
TENSORFLOWS = {"tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel", "tf-nightly",
               "tensorflow-aarch64", "tensorflow-cpu-aws"}


# what `make setup` installs with dependencies (its --no-deps files add no distribution choice)
SETUP_FILES = ["course.txt", "tensorflow.txt", "lab.txt", "dev.txt", "allennlp-runtime.txt", "general-text.txt",
               "cluster.txt"]


def resolve(platform_tags, python_version, targets=(str(ROOT),), no_deps=False):
    """(names of the distributions pip would install, pip's error text or '').

    ``no_deps``: only the named requirements, each from a wheel for the platform or a source
    archive (some pins, fairscale and wn, are published only as source).
    """
    binary = ["--no-deps"] if no_deps else ["--only-binary=:all:"]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", str(report),
                   *binary, "--python-version", python_version, "--target", scratch,
                   "--no-warn-script-location", *(f"--platform={tag}" for tag in platform_tags), *targets]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            return [], "\n".join(errors) or result.stderr[-500:]
        installed = json.loads(report.read_text())["install"]
        return sorted(item["metadata"]["name"].lower().replace("_", "-") for item in installed), ""


def recipe_requirements(platform, python_version):
    """The requirement lines of SETUP_FILES that apply on ``platform``, markers removed."""
    from packaging.requirements import Requirement

    environment = {**MARKER_ENVIRONMENTS[platform], "python_version": python_version,
                   "python_full_version": python_version + ".0", "os_name": "posix"}
    lines = []
    for name in SETUP_FILES:
        for line in (ROOT / "requirements" / name).read_text().splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                requirement = Requirement(line)
                if requirement.marker is None or requirement.marker.evaluate(environment):
                    requirement.marker = None
                    lines.append(str(requirement))
    return lines


def check(what, targets_for, no_deps=False):
    """Print one line per platform and Python; return the number of failures.

    The nine resolutions run three at a time (each is one pip process, mostly waiting on the index).
    """
    print(what)
    combinations = [(platform, tags, python_version) for platform, tags in PLATFORMS.items()
                    for python_version in PYTHONS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda c: resolve(c[1], c[2], targets_for(c[0], c[2]), no_deps), combinations))
    failures = 0
    for (platform, _, python_version), (names, error) in zip(combinations, results):
        tensorflows = sorted(set(names) & TENSORFLOWS)
        ok = not error and len(tensorflows) == 1
        failures += not ok
        found = f"{len(names)} distributions, TensorFlow: {', '.join(tensorflows) or 'none'}"
        print(f"  {'ok  ' if ok else 'FAIL'} {platform:14} Python {python_version}: {error or found}", flush=True)
    print(f"  {len(combinations) - failures} of {len(combinations)} combinations resolve with exactly one TensorFlow")
    return failures


def main(recipe=True):
    """Check `pip install .` and, with ``recipe``, the pins of `make setup`; 0 when all resolve."""
    failures = check("pip install . (the package's metadata)", lambda *_: [str(ROOT)])
    if recipe:
        failures += check("make setup (the pins of requirements/ it installs with dependencies, without "
                          "theirs)", recipe_requirements, no_deps=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
