"""The library's layout: imports go one way (no cycle, lazy imports included), the engine imports
nothing from the rest of the library, and every module's doctests pass."""
import ast
import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "elmo_course"


def module_name(path):
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def library_imports(path):
    """Every elmo_course module that ``path`` imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("elmo_course")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if not target.startswith("elmo_course"):
                continue
            for alias in node.names:  # "from . import x" imports the module x when there is one
                sub = f"{target}.{alias.name}"
                found.add(sub if MODULES.get(sub) else target)
    return {m for m in found if m != name}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py"}
GRAPH = {name: library_imports(path) for name, path in MODULES.items()}


def test_there_is_no_import_cycle():
    state = {}

    def visit(node, trail):
        if state.get(node) == "done":
            return
        if state.get(node) == "open":
            cycle = trail[trail.index(node):] + [node]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        state[node] = "open"
        for target in sorted(GRAPH.get(node, ())):
            if target in GRAPH:
                visit(target, trail + [node])
        state[node] = "done"

    for node in sorted(GRAPH):
        visit(node, [])


def test_the_engine_imports_only_the_engine():
    for name, targets in GRAPH.items():
        if name.startswith("elmo_course.engine"):
            outside = {t for t in targets if not t.startswith("elmo_course.engine")}
            assert not outside, f"{name} imports {sorted(outside)}"


def test_the_lazy_public_names_resolve():
    import elmo_course

    for name, module in elmo_course._LAZY.items():
        assert f"elmo_course.{module}" in MODULES
        assert getattr(elmo_course, name) is getattr(importlib.import_module(f"elmo_course.{module}"), name)


@pytest.mark.parametrize("name", sorted(n for n, p in MODULES.items() if ">>> " in p.read_text()))
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
