"""Every lesson is shaped like a course chapter, not a test suite: why before how, the picture of
the model (or a pointer to it), exercises with solutions that run, and few visible checks.

nbval runs every cell of every lesson, the solutions included, so "a test that runs every
solution" is `make test` itself; these tests check the shape that makes that true.
"""
import json
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
PICTURE = "viz.draw_elmo"  # the one picture of the model (elmo_course.course.viz)
PICTURE_LINK = "00_setup_and_models.ipynb#The-model-in-one-picture"
MAX_VISIBLE_CHECKS = 3


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def is_solution(cell):
    return cell["cell_type"] == "code" and "solution" in cell["metadata"].get("tags", [])


def is_visible_check(cell):
    """A code cell a reader sees asserting something: an assert, or a printed "check passed"."""
    if cell["cell_type"] != "code" or is_solution(cell):
        return False
    printed = "".join("".join(o.get("text", "")) for o in cell.get("outputs", []))
    return bool(re.search(r"^\s*assert\b", source(cell), re.M)) or "check passed" in printed


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_why_comes_before_the_first_code_cell(path):
    lesson = cells(path)
    first_code = next(i for i, c in enumerate(lesson) if c["cell_type"] == "code")
    before = "\n".join(source(c) for c in lesson[:first_code] if c["cell_type"] == "markdown")
    assert re.search(r"^#+ Why\b", before, re.M), "a '## Why ...' section before the first code cell"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_picture_of_the_model_is_there_or_pointed_to(path):
    text = "\n".join(source(c) for c in cells(path))
    assert PICTURE in text or PICTURE_LINK in text, f"draw the model with {PICTURE} or link {PICTURE_LINK}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_exercises_end_the_lesson_with_solutions(path):
    lesson = cells(path)
    heading = [i for i, c in enumerate(lesson) if c["cell_type"] == "markdown"
               and re.search(r"^## Your turn", source(c), re.M)]
    assert heading, "a '## Your turn' section"
    solutions = [c for c in lesson[heading[0]:] if is_solution(c)]
    assert len(solutions) >= 2, "at least two exercises, each with a solution cell tagged 'solution'"
    for cell in solutions:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden"), \
            "a solution is folded until the learner unfolds it (metadata jupyter.source_hidden)"
        assert cell.get("outputs"), "a solution ran when the lesson was executed (nbval runs it again)"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_few_visible_checks(path):
    checks = [i for i, c in enumerate(cells(path)) if is_visible_check(c)]
    assert len(checks) <= MAX_VISIBLE_CHECKS, f"{len(checks)} visible check cells (cells {checks})"
