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


def _wing(mod: str) -> str:
    """``earlywarn.cycle._steps`` -> ``earlywarn.cycle``; a top-level module is its own."""
    parts = mod.split(".")
    return ".".join(parts[:2])


def test_no_module_imports_another_modules_private_names():
    """The walls: a private module (``_x``) or private name is read only inside its wing."""
    mods = _modules()
    bad = []
    for mod, path in mods.items():
        for target, name in _imports(mod, path, mods):
            tparts = target.split(".")
            private_module = any(p.startswith("_") for p in tparts[2:])
            inside = len(tparts) > 2 and _wing(target) == _wing(mod)
            top_level_module = len(tparts) == 2 and tparts[1] == name  # earlywarn._names
            private_name = name.startswith("_") and not top_level_module
            if (private_module or private_name) and not inside:
                bad.append(f"{mod} imports {target}.{name}")
    assert not bad, bad


def test_the_top_level_shows_the_stages():
    """At most ~12 modules beside the stage packages; every package a wing with private rooms."""
    top = [p.stem for p in SRC.glob("*.py") if p.stem != "__init__"]
    assert len(top) <= 12, sorted(top)
    for pkg in (p for p in SRC.iterdir() if (p / "__init__.py").exists()):
        init = (pkg / "__init__.py").read_text()
        assert "def " not in init or pkg.name in LEGACY_INITS, f"{pkg.name}/__init__.py holds code"


# wings whose __init__ still holds code from before the regrouping (to be emptied)
LEGACY_INITS = {"features", "sources", "synthetic", "report", "metrics", "models"}

# what the lowest layers may import (beside the standard library and the field's packages)
BELOW = {
    "earlywarn.io": {"earlywarn.errors", "earlywarn.schema", "earlywarn.config", "earlywarn._json"},
    "earlywarn.sources": {
        "earlywarn.errors",
        "earlywarn.schema",
        "earlywarn.io",
        "earlywarn.measures",
        "earlywarn._names",
        "earlywarn._json",
        "earlywarn.progress",
        "earlywarn.compute",
    },
}


@pytest.mark.parametrize("low", sorted(BELOW))
def test_the_lowest_layers_import_nothing_above_them(low):
    mods = _modules()
    bad = []
    for mod, path in mods.items():
        if _wing(mod) != low:
            continue
        for target, _ in _imports(mod, path, mods):
            if _wing(target) not in BELOW[low] | {low}:
                bad.append(f"{mod} imports {target}")
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


def _literal_tuples(path: Path) -> list[tuple]:
    """Every tuple of two or more string constants in ``path``'s code (docstrings aside)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Tuple | ast.List) and len(node.elts) >= 2:
            if all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                out.append(tuple(e.value for e in node.elts))
    return out


@pytest.mark.parametrize("name", ["TARGETS", "CENSORING", "SUBGROUPS", "BASELINES", "FAMILIES"])
def test_each_enumeration_is_defined_once(name):
    """Each shared enumeration's value is written in ``_names`` only (compared as parsed values,
    in any order, so a reformatted or reordered copy is still found)."""
    import earlywarn._names as names

    value = tuple(getattr(names, name))
    where = [
        m for m, p in _modules().items() if any(set(t) == set(value) for t in _literal_tuples(p))
    ]
    assert where == ["earlywarn._names"], where
