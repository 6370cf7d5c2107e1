"""The install recipes agree: requirements/*.txt (read by pyproject.toml and `make setup`) and
environment.yml name the same packages with the same version specifiers and markers.

requirements/no-deps-*.txt are installed with ``pip install --no-deps`` (their declared pins do not
hold on Python 3.11 or pull the wrong TensorFlow), so environment.yml leaves them to a pip step
after `conda env create`; every other requirement of `make setup` must be in environment.yml's pip
section. TensorFlow is chosen in three files: tensorflow.txt (`make setup`, by platform),
tensorflow-gpu.txt (`make setup GPU=1`) and tensorflow-pip.txt (the package's metadata); they
must name one version.
"""

import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def parse_requirements(lines, source):
    """{canonical name: Requirement} of requirement lines (comments and blanks skipped)."""
    requirements = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        assert not line.startswith("-"), f"{source}: options such as {line!r} are not expected here"
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name not in requirements, f"{source} lists {name} twice"
        requirements[name] = requirement
    return requirements


def read_requirements(path):
    """{canonical name: Requirement} of a pip requirements file."""
    return parse_requirements(path.read_text().splitlines(), path.name)


def as_pinned(requirements):
    return {name: (str(r.specifier), str(r.marker or "")) for name, r in requirements.items()}


@pytest.fixture(scope="module")
def requirement_files(repo_root):
    files = sorted((repo_root / "requirements").glob("*.txt"))
    assert files, "no requirements/*.txt"
    return {path.name: read_requirements(path) for path in files}


@pytest.fixture(scope="module")
def conda_pip_requirements(repo_root):
    environment = yaml.safe_load((repo_root / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml should have one pip section"
    return parse_requirements(pip_sections[0], "environment.yml")


TENSORFLOW_FILES = {"tensorflow.txt", "tensorflow-gpu.txt", "tensorflow-pip.txt"}
ONLY_FOR_PIP_INSTALL = {"tensorflow-pip.txt"}  # `make setup` and environment.yml use tensorflow.txt
ONLY_FOR_GPU = {"tensorflow-gpu.txt"}


def test_no_package_is_in_two_requirement_files(requirement_files):
    seen = {}
    for file_name, requirements in requirement_files.items():
        if file_name in TENSORFLOW_FILES:
            continue
        for name in requirements:
            assert name not in seen, f"{name} is in both {seen[name]} and {file_name}"
            seen[name] = file_name
    tensorflow_names = {name for f in TENSORFLOW_FILES for name in requirement_files[f]}
    assert not tensorflow_names & set(seen), f"TensorFlow is also pinned in {seen}"


def test_the_tensorflow_files_name_one_version(requirement_files):
    versions = {str(r.specifier) for f in TENSORFLOW_FILES for r in requirement_files[f].values()}
    assert len(versions) == 1, versions
    markers = [r.marker for r in requirement_files["tensorflow.txt"].values()]
    for platform, machine in (("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"), ("win32", "AMD64")):
        chosen = [m for m in markers if m.evaluate({"sys_platform": platform, "platform_machine": machine})]
        assert len(chosen) == 1, f"tensorflow.txt picks {len(chosen)} TensorFlows on {platform} {machine}"


def test_environment_yml_names_the_same_packages_with_the_same_versions(requirement_files,
                                                                        conda_pip_requirements):
    everything, installed_by_conda_env = {}, {}
    for file_name, requirements in requirement_files.items():
        if file_name in ONLY_FOR_PIP_INSTALL | ONLY_FOR_GPU:
            continue
        everything.update(requirements)
        if not file_name.startswith("no-deps-"):
            installed_by_conda_env.update(requirements)
    no_deps = set(everything) - set(installed_by_conda_env)
    assert not no_deps & set(conda_pip_requirements), (
        "environment.yml installs no-deps packages with their dependencies: "
        f"{sorted(no_deps & set(conda_pip_requirements))}"
    )
    assert set(conda_pip_requirements) | no_deps == set(everything), (
        f"missing from environment.yml: {sorted(set(installed_by_conda_env) - set(conda_pip_requirements))}; "
        f"not in requirements/: {sorted(set(conda_pip_requirements) - set(everything))}"
    )
    conda_pins, file_pins = as_pinned(conda_pip_requirements), as_pinned(installed_by_conda_env)
    different = {
        name: (conda_pins[name], file_pins[name]) for name in conda_pins if conda_pins[name] != file_pins[name]
    }
    assert not different, f"versions differ (environment.yml, requirements/): {different}"


def test_environment_yml_pins_the_python_of_pyproject(repo_root):
    environment = yaml.safe_load((repo_root / "environment.yml").read_text())
    pythons = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")]
    project = tomllib.loads((repo_root / "pyproject.toml").read_text())["project"]
    version = re.fullmatch(r"python\s*=+\s*([\d.]+)", pythons[0]).group(1)
    assert Requirement(f"python{project['requires-python']}").specifier.contains(version)


PACKAGE_DEPENDENCIES = {"course.txt", "tensorflow-pip.txt", "no-deps-hub.txt"}
PACKAGE_EXTRAS = {"lab": "lab.txt", "dev": "dev.txt", "train": "general-text.txt", "cluster": "cluster.txt"}


def test_pyproject_declares_the_library_and_the_extras(repo_root, requirement_files):
    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text())
    assert set(pyproject["project"]["dynamic"]) >= {"dependencies", "optional-dependencies"}
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]
    listed = [path.removeprefix("requirements/") for path in dynamic["dependencies"]["file"]]
    assert set(listed) == PACKAGE_DEPENDENCIES
    extras = {name: [p.removeprefix("requirements/") for p in extra["file"]]
              for name, extra in dynamic["optional-dependencies"].items()}
    assert extras == {name: [f] for name, f in PACKAGE_EXTRAS.items()}
    for path in listed + [f for files in extras.values() for f in files]:
        assert path in requirement_files, f"pyproject.toml reads requirements/{path}, which does not exist"
    # the package pulls exactly one TensorFlow: the one tf-keras and tensorflow-hub require
    declared = {name for f in PACKAGE_DEPENDENCIES for name in requirement_files[f]}
    assert "tensorflow" in declared and "tensorflow-cpu" not in declared


def _setup_recipe(makefile_text):
    """The lines of the recipe that `make setup` runs (the .ready stamp's rule)."""
    lines = makefile_text.splitlines()
    ready = re.search(r"^READY\s*:=\s*(\S+)", makefile_text, re.M).group(1)
    setup_prerequisites = re.search(r"^setup\s*:(.*)$", makefile_text, re.M).group(1).split()
    assert "$(READY)" in setup_prerequisites, "`make setup` should build the .ready stamp"
    start = next(i for i, line in enumerate(lines) if re.match(r"^\$\(READY\)\s*:", line))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    assert recipe, f"no recipe for {ready}"
    return recipe


def test_make_setup_installs_every_requirements_file(repo_root, requirement_files):
    makefile = (repo_root / "Makefile").read_text()
    recipe = _setup_recipe(makefile)
    tensorflow = re.search(r"^TENSORFLOW\s*:=\s*\$\(if \$\(filter 1,\$\(GPU\)\),(\S+),(\S+)\)", makefile, re.M)
    assert tensorflow, "the Makefile should choose TENSORFLOW by GPU=1"
    assert tensorflow.groups() == ("requirements/tensorflow-gpu.txt", "requirements/tensorflow.txt")
    installed = {}
    for line in recipe:
        if "pip install" not in line:
            continue
        for path in re.findall(r"-r\s+(\S+)", line):
            path = {"$(TENSORFLOW)": "requirements/tensorflow.txt"}.get(path, path)
            installed[path.removeprefix("requirements/")] = "--no-deps" in line.split()
    assert sorted(installed) == sorted(set(requirement_files) - ONLY_FOR_PIP_INSTALL - ONLY_FOR_GPU)
    for file_name, without_dependencies in installed.items():
        assert without_dependencies == file_name.startswith("no-deps-"), (
            f"`make setup` installs {file_name} {'with' if without_dependencies else 'without'} "
            "--no-deps; exactly the no-deps-*.txt files should use it"
        )


def test_make_setup_reruns_when_a_requirements_file_changes(repo_root):
    makefile = (repo_root / "Makefile").read_text()
    prerequisites = re.search(r"^\$\(READY\)\s*:(.*)$", makefile, re.M).group(1).split()
    assert "requirements/*.txt" in prerequisites and "pyproject.toml" in prerequisites
