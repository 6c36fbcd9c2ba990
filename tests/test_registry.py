"""One home per primitive: the lists kept outside the definitions agree with the registry.

A primitive's definition (`primitive(...)` in diffcore/engine) declares its forward function
and every rule, its kink check included; a builtin is one entry of interpreter/builtins.py.
What else names them is checked here against those registries, both ways, so that a new
primitive or builtin fails a test until it is documented, fuzzed and (where it has a kink)
reported: the kink checks, the fuzzer's vocabulary (tests/fuzzing/programs.py) and README's
table of builtins. The test tables of tests/test_primitives.py, test_batching.py and
test_numpy_values.py check themselves against the registry.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.engine.tracing import KINKED, REGISTRY
from autodiff.diffcore.interpreter.builtins import BUILTINS
from autodiff.diffcore.interpreter.runtime import Runtime, runtime_builtins
from autodiff.diffcore.program import Program
from fuzzing import programs as fuzzing

REPO = Path(__file__).resolve().parents[1]
LANGUAGE = set(BUILTINS) | set(runtime_builtins(Runtime()))


# ------------------------------------------------------------------ kinks

# A program that sits on the kink of each primitive that declares a kink check, and the input.
AT_THE_KINK = {
    "abs": ("y = abs(x)", 0.0),
    "relu": ("y = relu(x)", 0.0),
    "maximum": ("y = maximum(x, 1)", 1.0),
    "minimum": ("y = minimum(x, 1)", 1.0),
    "max": ("y = max(x)", [1.0, 3.0, 3.0]),
    "min": ("y = min(x)", [2.0, -1.0, -1.0]),
    "norm": ("y = norm(x)", [0.0, 0.0]),
    "hypot": ("y = hypot(x, 0)", 0.0),
    "eigh": ("y = sum(eigh(x)[0] * [1, 2])", [[1.0, 0.0], [0.0, 1.0]]),
    "svd": ("y = sum(svd(x, compute_uv=false) * [1, 2])", [[1.0, 0.0], [0.0, 1.0]]),
    "fmax": ("y = fmax(x, 1)", 1.0),
    "fmin": ("y = fmin(x, 1)", 1.0),
}


def test_the_kink_checks_are_the_ones_the_definitions_declare():
    assert {prim.name for prim in KINKED} == set(AT_THE_KINK)
    assert {name for name, prim in REGISTRY.items() if prim.kink is not None} == set(AT_THE_KINK)
    assert all(KINKED[prim] is prim.kink for prim in KINKED)


@pytest.mark.parametrize("name", sorted(AT_THE_KINK))
def test_each_declared_kink_is_reported_where_it_is_and_only_there(name):
    text, x = AT_THE_KINK[name]
    program = Program.from_text(text)
    at_kink = differentiate(program, {"x": np.array(x) if isinstance(x, list) else x})
    assert [(w.kind, w.operation) for w in at_kink.warnings] == [("kink", name)]
    moved = np.array(x) + np.arange(len(x)) * 0.25 + 0.5 if isinstance(x, list) else x + 0.5
    assert differentiate(program, {"x": moved}).warnings == []


# ------------------------------------------------------------------ the fuzzer's vocabulary

def test_the_fuzzer_calls_only_builtins_and_says_which_it_leaves_out():
    assert fuzzing.VOCABULARY <= LANGUAGE, sorted(fuzzing.VOCABULARY - LANGUAGE)
    assert not fuzzing.VOCABULARY & set(fuzzing.NOT_FUZZED), sorted(fuzzing.VOCABULARY & set(fuzzing.NOT_FUZZED))
    assert LANGUAGE - fuzzing.VOCABULARY == set(fuzzing.NOT_FUZZED), "a builtin neither fuzzed nor in NOT_FUZZED"
    assert all(reason.strip() for reason in fuzzing.NOT_FUZZED.values())


def test_every_name_the_generator_calls_is_in_its_vocabulary():
    """call("name", ...) in the generator's source: the vocabulary is the whole of what it calls."""
    tree = ast.parse((REPO / "tests" / "fuzzing" / "programs.py").read_text())
    called = {node.args[0].value for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "call"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
    assert called and called <= fuzzing.VOCABULARY, sorted(called - fuzzing.VOCABULARY)


def test_the_fuzzer_reaches_every_primitive():
    reached = fuzzing.PRIMITIVES_REACHED
    assert set(reached) == set(REGISTRY), (sorted(set(REGISTRY) - set(reached)), sorted(set(reached) - set(REGISTRY)))
    for name, how in reached.items():
        assert how in fuzzing.VOCABULARY or how in fuzzing.OPERATORS or (how in reached and how != name), (name, how)


# ------------------------------------------------------------------ README's table of builtins

def documented_builtins() -> set:
    """The names in the `### Builtins` table of README.md (parameters in parentheses left out)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Builtins", 1)[1].split("\n\n", 2)[1]
    names = set()
    for row in table.splitlines()[2:]:
        cells = row.strip("|").split("|")
        for code in re.findall(r"`([^`]*)`", cells[1]):
            names.update(re.sub(r"\([^)]*\)", " ", code).split())
    return names


def test_readme_lists_every_builtin_and_only_builtins():
    documented = documented_builtins()
    assert len(documented) > 60
    assert LANGUAGE - documented == set(), "builtins missing from README's table"
    assert documented - LANGUAGE == set(), "names in README's table that are not builtins"
