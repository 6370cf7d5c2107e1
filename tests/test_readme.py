"""The README is the front door: its lesson table and the notebooks must agree."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(https://nbviewer\.org/github/[^/]+/[^/]+/blob/main/notebooks/([^)]+\.ipynb)\)")


def test_readme_lesson_table_matches_notebooks():
    listed = LINK.findall((ROOT / "README.md").read_text(encoding="utf-8"))
    present = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(set(listed)) == sorted(listed), "a lesson is listed twice in README.md"
    missing_from_readme = sorted(set(present) - set(listed))
    missing_on_disk = sorted(set(listed) - set(present))
    assert not missing_from_readme, f"notebooks not in README's lesson table: {missing_from_readme}"
    assert not missing_on_disk, f"README lists lessons that do not exist: {missing_on_disk}"


def test_readme_quick_start_is_the_two_make_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = re.findall(r"^make \w+", quick_start, flags=re.M)
    assert commands == ["make lab", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_lesson_opens_with_the_same_hosted_install_cell():
    import json

    cells = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        cells[path.name] = "".join(code[0]["source"])
    first = next(iter(cells.values()))
    assert "git+https://github.com/elmo-course/elmo-course" in first and "restart" in first
    # the AllenNLP lesson also installs AllenNLP there, on a hosted notebook only
    allennlp_lines = ("    # and AllenNLP", "    requirements = ", "    pip = [", "    subprocess.run(pip + ")
    with_allennlp = [name for name, source in cells.items() if "allennlp" in source.lower()]
    assert with_allennlp == ["05_allennlp_preprocessing.ipynb"], with_allennlp

    def shared_part(source):
        return "\n".join(line for line in source.splitlines() if not line.startswith(allennlp_lines))

    different = [name for name, source in cells.items() if shared_part(source) != shared_part(first)]
    assert not different, f"these lessons open with another install cell: {different}"
