"""The install recipes agree: requirements/*.txt (read by pyproject.toml and `make setup`) and
environment.yml name the same packages with the same version specifiers.

requirements/no-deps-*.txt are installed with ``pip install --no-deps`` (their declared pins do not
hold on Python 3.11 or pull the wrong TensorFlow), so environment.yml leaves them to a pip step
after `conda env create`; every other requirement must be in environment.yml's pip section.
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


def test_no_package_is_in_two_requirement_files(requirement_files):
    seen = {}
    for file_name, requirements in requirement_files.items():
        for name in requirements:
            assert name not in seen, f"{name} is in both {seen[name]} and {file_name}"
            seen[name] = file_name


def test_environment_yml_names_the_same_packages_with_the_same_versions(requirement_files,
                                                                        conda_pip_requirements):
    everything, installed_by_conda_env = {}, {}
    for file_name, requirements in requirement_files.items():
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


def test_pyproject_reads_its_dependencies_from_every_requirements_file(repo_root, requirement_files):
    pyproject = tomllib.loads((repo_root / "pyproject.toml").read_text())
    assert set(pyproject["project"]["dynamic"]) >= {"dependencies", "optional-dependencies"}
    dynamic = pyproject["tool"]["setuptools"]["dynamic"]
    listed = list(dynamic["dependencies"]["file"])
    for extra in dynamic.get("optional-dependencies", {}).values():
        listed += extra["file"]
    for path in listed:
        assert (repo_root / path).is_file(), f"pyproject.toml reads {path}, which does not exist"
    assert sorted(path.removeprefix("requirements/") for path in listed) == sorted(requirement_files)


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
    recipe = _setup_recipe((repo_root / "Makefile").read_text())
    installed = {}
    for line in recipe:
        if "pip install" not in line:
            continue
        for path in re.findall(r"-r\s+(\S+)", line):
            installed[path.removeprefix("requirements/")] = "--no-deps" in line.split()
    assert sorted(installed) == sorted(requirement_files)
    for file_name, without_dependencies in installed.items():
        assert without_dependencies == file_name.startswith("no-deps-"), (
            f"`make setup` installs {file_name} {'with' if without_dependencies else 'without'} "
            "--no-deps; exactly the no-deps-*.txt files should use it"
        )


def test_make_setup_reruns_when_a_requirements_file_changes(repo_root):
    makefile = (repo_root / "Makefile").read_text()
    prerequisites = re.search(r"^\$\(READY\)\s*:(.*)$", makefile, re.M).group(1).split()
    assert "requirements/*.txt" in prerequisites and "pyproject.toml" in prerequisites
