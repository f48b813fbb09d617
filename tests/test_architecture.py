"""The package's shape, checked: modules of one idea (none over 500 lines), imports that
point one way (no cycle among the modules, counting imports inside functions), no module
importing another's private names, and each shared enumeration defined once."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "earlywarn"
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(SRC.rglob("*.py")):
        parts = list(p.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _imports(mod: str, path: Path, mods: dict[str, Path]) -> list[tuple[str, str]]:
    """``(imported module, name)`` for every ``from earlywarn... import name`` in ``path``,
    at any depth, except under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text())
    skip = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    out = []
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom):
            continue
        if node.module and node.module.startswith("earlywarn"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.append((full if full in mods else node.module, alias.name))
    return out


def test_no_module_over_500_lines():
    long = {
        m: n for m, p in _modules().items() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules (lines): {long}"


def test_no_module_imports_another_modules_private_names():
    mods = _modules()
    bad = []
    for mod, path in mods.items():
        pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for target, name in _imports(mod, path, mods):
            inside = pkg != "earlywarn" and target.startswith(pkg)  # a package's own parts
            if name.startswith("_") and not inside:
                bad.append(f"{mod} imports {target}.{name}")
    assert not bad, bad


def test_no_import_cycle_among_the_stage_modules():
    mods = _modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for mod, path in mods.items():
        for target, _ in _imports(mod, path, mods):
            if target != mod and not mod.startswith(target + "."):  # a part reads its package
                graph[mod].add(target)
    # Tarjan's strongly connected components: any component of two or more is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


@pytest.mark.parametrize(
    "literal",
    [
        '("joint", "conditional")',
        '("drop", "negative", "weight")',
        '("council_type", "region", "deprivation_quintile")',
        '("persistence", "time_since_inspection", "deprivation", "red_flags")',
        '"indicators", "satisfaction", "finance", "leadership", "soft", "inspection", "context"',
    ],
)
def test_each_enumeration_is_defined_once(literal):
    where = [m for m, p in _modules().items() if literal in p.read_text()]
    assert where == ["earlywarn._names"], where
