"""The layers of the code, as a test: who may import whom, and no import cycles.

Each package's `__init__` docstring says what it is and what it may import; this test holds
the code to it. The floors, from the bottom up:

    grammar.source, grammar.records      locations and the base of located errors
    grammar                              syntax only: grammar, AST, parser
    diffcore.engine                      tracing, primitives and their rules, the modes, transforms
    diffcore.interpreter                 compiles and runs an AST on the engine
    diffcore (program, derivatives, higher)  the programmatic face: a Program and its derivatives
    diffcore.checks, diffcore.views, diffcore.emit
                                         the batch-check runner; the views' recorder; derivatives
                                         as programs and formulas
    autodiff (the folder diffcore/api)   the Python API
    cli                                  arguments in, rendering out

A module may import from its own floor and the floors below it, never from above; the
engine never sees the AST.
"""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# folder -> package; the folder diffcore/api is the package `autodiff` itself (pyproject.toml), not a
# subpackage of diffcore
PACKAGES = {"diffcore/api": "autodiff", "cli": "autodiff.cli", "diffcore": "autodiff.diffcore",
            "grammar": "autodiff.grammar"}

# (layer, module prefixes in it), lowest first
LAYERS = [
    ("foundation", ("autodiff.grammar.records", "autodiff.grammar.source")),
    ("grammar", ("autodiff.grammar",)),
    ("engine", ("autodiff.diffcore.engine",)),
    ("interpreter", ("autodiff.diffcore.interpreter",)),
    ("face", ("autodiff.diffcore.program", "autodiff.diffcore.derivatives", "autodiff.diffcore.higher",
              "autodiff.diffcore")),
    ("above the core", ("autodiff.diffcore.checks", "autodiff.diffcore.views", "autodiff.diffcore.emit",
                        "autodiff.diffcore.compiled")),
    ("api", ("autodiff",)),
    ("cli", ("autodiff.cli",)),
]
# What a layer may import besides its own and lower layers' modules: nothing. And what it may
# never import even though it is lower: the engine knows nothing of the syntax tree.
FORBIDDEN = {"engine": ("autodiff.grammar",)}
FORBIDDEN_EXCEPT = {"engine": ("autodiff.grammar.records", "autodiff.grammar.source")}


def layer_of(module: str) -> int:
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best_len:
                best, best_len = i, len(p)
    return best


def modules() -> dict:
    found = {}
    for folder, package in PACKAGES.items():
        inner = [ROOT / other for other in PACKAGES if other != folder and other.startswith(folder + "/")]
        for path in sorted((ROOT / folder).rglob("*.py")):
            if any(path.is_relative_to(other) for other in inner):
                continue            # another package's folder (diffcore/api is `autodiff`)
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join([package] + parts)
            found[name] = path
    return found


def imports_of(name: str, path: pathlib.Path, is_package: bool) -> set:
    """The autodiff modules `path` imports, at any depth of the file (lazy imports count too)."""
    tree = ast.parse(path.read_text())
    package = name if is_package else name.rpartition(".")[0]
    known = modules()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("autodiff."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("autodiff."):
                continue
            for a in node.names:
                # `from pkg import sub` imports the submodule; `from mod import name`, the module
                out.add(f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod)
    return out


def graph() -> dict:
    mods = modules()
    edges = {}
    for name, path in mods.items():
        targets = set()
        for imported in imports_of(name, path, path.name == "__init__.py"):
            while imported and imported not in mods:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def test_every_module_belongs_to_a_layer():
    assert [m for m in modules() if layer_of(m) is None] == []


def test_no_import_reaches_up_a_layer():
    wrong = []
    for name, targets in graph().items():
        mine = layer_of(name)
        for t in targets:
            if layer_of(t) > mine and not _package_init_of(name, t):
                wrong.append(f"{name} ({LAYERS[mine][0]}) imports {t} ({LAYERS[layer_of(t)][0]})")
            layer = LAYERS[mine][0]
            for prefix in FORBIDDEN.get(layer, ()):
                allowed = FORBIDDEN_EXCEPT.get(layer, ())
                if t.startswith(prefix) and not any(t == a or t.startswith(a + ".") for a in allowed):
                    wrong.append(f"{name} ({layer}) may not import {t}")
    assert wrong == [], "\n".join(wrong)


def _package_init_of(name: str, target: str) -> bool:
    # a package's __init__ importing (lazily) from its own children is not reaching up
    return target.startswith(name + ".")


def test_no_import_cycles():
    edges = graph()
    # module-level imports only: a lazy import inside a function cannot make a cycle at import time,
    # but we hold the code to no cycles at all between modules of different packages' floors.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(edges):
        if v not in index:
            strong(v)
    # package __init__ files that re-export their children lazily are not cycles of code
    cycles = [c for c in cycles if not all(_is_init_pair(a, b) for a in c for b in c if a != b)]
    assert cycles == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def _is_init_pair(a: str, b: str) -> bool:
    return a.startswith(b + ".") or b.startswith(a + ".")


@pytest.mark.parametrize("package", ["autodiff", "autodiff.diffcore", "autodiff.diffcore.engine",
                                     "autodiff.diffcore.interpreter", "autodiff.diffcore.checks",
                                     "autodiff.diffcore.views", "autodiff.diffcore.emit",
                                     "autodiff.diffcore.compiled", "autodiff.cli",
                                     "autodiff.grammar"])
def test_each_package_says_what_it_is_and_what_it_may_import(package):
    path = modules()[package]
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert "may import" in doc.lower(), f"{path}: the docstring must say what the package may import"


def test_every_package_is_installed():
    """A plain `pip install .` installs only the packages pyproject.toml lists: a new folder of
    diffcore left out of the list works in an editable install and fails on a fresh machine."""
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {name for name, path in modules().items() if path.name == "__init__.py"}
    assert found == listed, (sorted(found - listed), sorted(listed - found))
