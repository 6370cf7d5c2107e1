"""The committed lessons read clean on nbviewer: what a reader sees there is what was committed."""
import json
import re
from pathlib import Path

import pytest

LESSONS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MACHINE_PATH = re.compile(r"/root/|/home/\w+|/Users/\w+|/tmp/|/work/")
WIDGET = "application/vnd.jupyter.widget-view+json"


def text(output):
    value = output.get("text", output.get("data", {}).get("text/plain", ""))
    return "".join(value) if isinstance(value, list) else value


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_reads_clean(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    counts = [c["execution_count"] for _, c in code]
    assert counts == list(range(1, len(code) + 1)), f"not executed top to bottom in one run: {counts}"
    for i, cell in code:
        outputs = cell["outputs"]
        assert not [o for o in outputs if o["output_type"] == "error"], f"cell {i}: an error output"
        assert not [o for o in outputs if o.get("name") == "stderr"], f"cell {i}: stderr (a pink box on nbviewer)"
        assert sum(o["output_type"] == "stream" for o in outputs) <= 2, f"cell {i}: output in many fragments"
        for output in outputs:
            shown = text(output)
            assert "\r" not in shown, f"cell {i}: progress-bar states overwritten by \\r (run `make notebooks`)"
            assert WIDGET not in output.get("data", {}), f"cell {i}: a widget, which nbviewer cannot draw"
            assert len(re.findall(r"\bNaN\b", shown)) < 4, f"cell {i}: a table full of NaN"
            assert not MACHINE_PATH.search(shown), f"cell {i}: a path of the machine that ran it: {shown[:200]}"
