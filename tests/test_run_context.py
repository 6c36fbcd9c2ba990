"""One run, one context: no module of diffcore holds state that a run changes.

The trace levels, the no-grad freeze, the source location, the kinks noted, the limits and the
work meter of a run live in its `RunContext` (diffcore/engine/context.py). These tests run
programs one after another, nested (one run from inside another's callback) and interleaved
(two runs' traces open at once), and check that each gets its own results and warnings; and
that running programs of every kind leaves every module's globals as they were.
"""
from __future__ import annotations

import ast
import importlib
import math
import pathlib
import pkgutil
import sys
import types

import numpy as np
import pytest

import autodiff.diffcore as diffcore
from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.engine.context import Limits, RunContext, current, get_current
from autodiff.diffcore.engine.reverse import ReverseTrace, backward
from autodiff.diffcore.engine.tracing import Trace, next_level, release_level
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError

ROOT = pathlib.Path(__file__).resolve().parent.parent

# A kink after the callback: x >= 0 ties at x = 0 (the branch for true is taken: dy/dx = 3).
OUTER = """input x = 0.0
with no_grad:
    print("the inner program runs here")
if x >= 0:
    y = 3 * x
else:
    y = x
y
"""
# A kink of its own: t > 0 ties at t = 0 (the branch for false: dz/dt = -2).
INNER = """input t = 0.0
if t > 0:
    z = t
else:
    z = -2 * t
z
"""


def test_a_differentiation_inside_another_ones_callback_keeps_both_results_and_warnings():
    outer, inner = Program.from_text(OUTER, "outer.expr"), Program.from_text(INNER, "inner.expr")
    inside = []
    result = differentiate(outer, {}, print_fn=lambda text: inside.append(differentiate(inner, {})))
    assert result.derivatives == {"x": 3.0} and result.output == 0.0
    # the outer run still noted its own kink after the inner run listened and stopped
    assert [(w.kind, w.operation, w.span.line) for w in result.warnings] == [("kink", ">=", 4)]
    (nested,) = inside
    # inside the outer run's no_grad block, the inner run's own trace is not frozen
    assert nested.derivatives == {"t": -2.0} and nested.output == 0.0
    assert [(w.kind, w.operation, w.span.line) for w in nested.warnings] == [("kink", ">", 2)]


def test_a_failing_run_inside_another_leaves_the_outer_run_intact():
    outer = Program.from_text(OUTER, "outer.expr")
    bad = Program.from_text("input t = 1.0\nwith no_grad:\n    u = t * 2\n    assert u < 0, 'no'\nu", "bad.expr")
    failures = []

    def run_bad(text):
        try:
            differentiate(bad, {})
        except ProgramError as error:
            failures.append(error)
    result = differentiate(outer, {}, print_fn=run_bad)
    assert [e.span.line for e in failures] == [4]
    assert result.derivatives == {"x": 3.0} and [w.operation for w in result.warnings] == [">="]


def test_programs_one_after_another_and_nested_evaluations_give_the_same_values():
    seed = Program.from_text((ROOT / "samples" / "seed_control_flow.expr").read_text(), "seed.expr")
    poly = Program.from_text((ROOT / "samples" / "seed_poly.expr").read_text(), "poly.expr")
    alone = [differentiate(seed, {}).derivatives, differentiate(poly, {}).derivatives]
    assert alone == [{"a": 2048.0}, {"x": 6.0, "y": 12.0}]
    inside = []
    printing = Program.from_text("input s = 2.0\nprint(s)\ny = s ^ 3", "printing.expr")
    result = differentiate(printing, {}, print_fn=lambda text: inside.append(
        (differentiate(seed, {}).derivatives, evaluate(poly, {}).output, differentiate(poly, {}).derivatives)))
    assert result.derivatives == {"s": 12.0}
    assert inside == [({"a": 2048.0}, 17.0, {"x": 6.0, "y": 12.0})]
    assert [differentiate(seed, {}).derivatives, differentiate(poly, {}).derivatives] == alone


def test_two_runs_interleaved_each_keep_their_traces_and_their_freeze():
    first, second = RunContext(), RunContext()
    with first:
        tape_a = ReverseTrace(next_level())
        a = tape_a.new_input(2.0)
        ya = E.mul(a, a)                        # a^2
    with second:
        tape_b = ReverseTrace(next_level())     # the same level number, in another run
        b = tape_b.new_input(3.0)
        yb = E.mul(b, b)
    assert tape_a.level == tape_b.level == 1 and tape_a.context is first and tape_b.context is second
    first.frozen_level = first.level            # a no-grad region of the first run only
    with first:
        frozen = E.mul(ya, 10.0)                # a constant to tape_a
    with second:
        yb = E.mul(yb, b)                       # b^3, still recorded
    first.frozen_level = 0
    with first:
        ya = E.mul(ya, a)                       # a^3
    assert not isinstance(frozen, type(ya)) and frozen == 40.0
    assert backward(tape_a, ya.node, 1.0, [a.node]) == [12.0]        # 3 a^2
    assert backward(tape_b, yb.node, 1.0, [b.node]) == [27.0]        # 3 b^2
    assert (first.level, second.level) == (1, 1)


def test_a_run_inside_a_run_takes_levels_above_the_outer_ones_and_its_deadline():
    with RunContext(Limits(timeout=5.0)) as outer:
        level = next_level()
        with RunContext(Limits(timeout=100.0)) as inner:
            assert current() is inner and inner.next_level() == level + 1
            assert inner.deadline == outer.deadline and inner.timeout == 5.0
            inner.release_level()
        assert current() is outer
        release_level()


def test_each_trace_keeps_the_context_it_was_opened_in():
    with RunContext() as run:
        trace = ReverseTrace(next_level())
        release_level()
    assert trace.context is run
    assert "frozen_level" not in vars(Trace)        # no class attribute: the freeze is the run's


def test_a_context_is_entered_once_at_a_time():
    run = RunContext()
    with run:
        with pytest.raises(RuntimeError):
            run.__enter__()
    with run:           # again, afterwards
        assert current() is run


def test_outside_any_run_the_background_context_has_the_defaults_and_no_deadline():
    program = Program.from_text("input x = 1.0\nwith no_grad:\n    y = x * 2\ny + x")
    assert differentiate(program, {}).derivatives == {"x": 1.0}
    background = current()
    assert not background.entered and background.deadline == math.inf and background.level == 0
    assert background.frozen_level == 0 and not background.listening and background.noted == []
    assert background.max_elements == Limits().max_elements


# ------------------------------------------------------------- no module-level state

def _diffcore_modules() -> list:
    for info in pkgutil.walk_packages(diffcore.__path__, diffcore.__name__ + "."):
        importlib.import_module(info.name)
    return sorted((name, module) for name, module in sys.modules.items()
                  if name == diffcore.__name__ or name.startswith(diffcore.__name__ + "."))


def _contents(value) -> object:
    """What a mutable value holds, by identity: changes to it show as a difference."""
    if isinstance(value, dict):
        return ("dict", tuple((k, id(v)) for k, v in value.items()))
    if isinstance(value, (list, bytearray)):
        return ("list", tuple(id(v) for v in value))
    if isinstance(value, set):
        return ("set", frozenset(id(v) for v in value))
    fields = {}
    for cls in type(value).__mro__:
        for slot in getattr(cls, "__slots__", ()):
            if hasattr(value, slot):
                fields[slot] = id(getattr(value, slot))
    fields.update({k: id(v) for k, v in getattr(value, "__dict__", {}).items()})
    return ("object", tuple(sorted(fields.items())))


def snapshot() -> dict:
    """Every module global of diffcore that can change in place, and every class's own attributes."""
    state = {}
    for name, module in _diffcore_modules():
        for key, value in vars(module).items():
            if key.startswith("__") or isinstance(value, (types.ModuleType, types.FunctionType,
                                                          types.BuiltinFunctionType)):
                continue
            if isinstance(value, type):
                if value.__module__ == name:        # class attributes (a no-grad freeze was one)
                    state[f"{name}.{key}"] = tuple((k, id(v)) for k, v in vars(value).items()
                                                   if not k.startswith("__"))
            elif isinstance(value, (dict, list, set, bytearray)) or type(value).__module__.startswith("autodiff."):
                state[f"{name}.{key}"] = _contents(value)
    return state


RUNS = {
    "no_grad, a kink, a custom rule": ("input x = 0.0\nwith no_grad:\n    k = x * 2\n"
                                       "def f(u):\n    return u * u\nbackward f(u, g):\n    return 2 * u * g\n"
                                       "y = f(x) + abs(x) + k\nif x >= 0:\n    y = y + floor(x)\ny"),
    "checkpoint and grad()": ("input x = 0.5\nt = x\nwith checkpoint:\n    for i in range(8):\n        t = sin(t) * x\n"
                              "g = grad(lambda u: u ^ 3)(t)\nt + g"),
    "arrays": "input v = [0.5, 1.0, 2.0]\nw = v * v\nw[0] = 3 * v[1]\nsum(exp(w) / (1 + w))",
}


def test_running_programs_leaves_every_module_of_diffcore_as_it_was(tmp_path):
    from autodiff.diffcore.checks.runner import CheckOptions, check_path
    from autodiff.diffcore.higher import derivative_tensors, hessian_vector, jacobian
    from autodiff.diffcore.views.recorder import record, sample_derivatives
    programs = [Program.from_text(text, f"{name}.expr") for name, text in RUNS.items()]
    programs += [Program.from_text((ROOT / "samples" / f"{name}.expr").read_text(), f"{name}.expr")
                 for name in ("seed_control_flow", "custom_relu", "newton", "seed_higher", "vector_field")]
    files = []
    for k, text in enumerate(RUNS.values()):
        files.append(tmp_path / f"p{k}.expr")
        pragma = "# check: gradcheck\n" if k else ""        # (the first sits on kinks: no finite differences)
        files[-1].write_text(pragma + text + "\n")
    background = current()
    before = snapshot()
    for program in programs:
        evaluate(program, {})
        differentiate(program, {}, reduce_sum=True)
        jacobian(program, {}, mode="forward")
        record(program, {})
        if np.ndim(evaluate(program, {}).output) == 0:
            derivative_tensors(program, {}, 2)
            name = program.inputs[0].name
            if np.ndim(evaluate(program, {}).inputs[name]) == 0:
                sample_derivatives(program, {}, name, 1.5, 2.5, 3, 2)
                hessian_vector(program, {}, {name: 1.0})
    for file in files:
        assert check_path(str(file), CheckOptions(limits=Limits(timeout=None))).status == "pass"
    after = snapshot()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert changed == []
    assert current() is background and get_current() is background
    assert (background.level, background.frozen_level, background.listening, background.noted) == (0, 0, False, [])
    assert (background.entered, background.deadline) == (False, math.inf)


def test_the_state_that_lived_in_modules_is_gone():
    from autodiff.diffcore import program
    from autodiff.diffcore.engine import context, diagnostics, notes, numeric, tracing
    from autodiff.diffcore.interpreter import runtime, values
    gone = [(tracing, "_open_levels"), (tracing, "current_level"), (notes, "location"), (notes, "_noted"),
            (notes, "_listening"), (notes, "listen"), (numeric, "METER"), (numeric, "Meter"),
            (numeric, "Limits"), (program, "_numeric_depth"), (program, "_active_limits"),
            (program, "numeric_context"), (program, "run_clock"), (values, "location"),
            (diagnostics, "_kinked_primitives")]
    assert [f"{m.__name__}.{name}" for m, name in gone if hasattr(m, name)] == []
    assert runtime.Limits is context.Limits and program.Limits is context.Limits   # one Limits class
    assert diffcore.Limits is context.Limits


def test_no_function_of_diffcore_rebinds_a_module_global():
    found = []
    for path in sorted((ROOT / "diffcore").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Global):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: global {', '.join(node.names)}")
    assert found == []


# ------------------------------------------------------------- where each operation is

def test_every_kind_of_operation_tells_the_run_where_it_is():
    """The compiler's operations (Compiler.located) set the run's location before they run:
    each tape entry points at its own expression."""
    from autodiff.diffcore.views.recorder import record
    program = Program.from_text("input x = 0.5\ninput v = [1.0, 2.0]\na = -x\nb = x * 3\nc = v[1]\nd = sin(x)\n"
                                "e = maximum(x, 0.2)\nf = sum(v, axis=0)\ng = [x, a]\nw = v * 1\nw[0] = x\n"
                                "def h(u):\n    return u * u\nk = h(x)\ny = a + b + c + d + e + f + sum(g) + sum(w) + k\n")
    tape = record(program, {}).tape
    entries = [(prim.name, span.line, span.col) for prim, span in zip(tape.prims, tape.spans) if prim is not None]
    assert entries[:10] == [("neg", 3, 5), ("mul", 4, 5), ("getitem", 5, 5), ("sin", 6, 5), ("maximum", 7, 5),
                            ("sum", 8, 5), ("stack", 9, 5), ("mul", 10, 5), ("index_set", 11, 1), ("mul", 13, 12)]
    assert {(name, line) for name, line, _ in entries[10:]} == {("add", 15), ("sum", 15)}


@pytest.mark.parametrize("text, kind, message, line, col", [
    ('y = -"a"', "ValueTypeError", "cannot compute negation of a string", 1, 5),
    ('y = "a" + 1', "ValueTypeError", "cannot compute '+' of a string and a number", 1, 9),
    ("x = 3\ny = x(2)", "ValueTypeError", "x is a number, not a function", 2, 5),
    ("y = (1, 2)[5]", "RuntimeProgramError", "index 5 is out of range for a tuple of 2", 1, 5),
    ("y = 3[0]", "ValueTypeError", "cannot index a number", 1, 5),
    ("x = (1, 2)\nx[0] = 2", "ValueTypeError", "a tuple's elements cannot be changed", 2, 1),
    ("x = [1, 2]\nx[0, 1] = 2", "ValueTypeError", "too many indices (2 axes) for an array of shape (2,)", 2, 1),
    ('y = [1, "a"]', "ValueTypeError", "a list holds numbers or arrays, not a string", 1, 5),
    ('y = maximum("a", 1)', "ValueTypeError", "cannot compute maximum() of a string and a number", 1, 5),
    ("y = sum([1, 2], axis=5)", "ShapeError", "axis 5 is out of range for a value with 1 dimension", 1, 5),
    ('def f(a):\n    return a + "s"\ny = f(1)', "ValueTypeError", "cannot compute '+' of a number and a string", 2, 14),
    ("y = ones(3) + ones(4)", "ShapeError", "'+': shapes (3,) and (4,) do not match", 1, 13),
])
def test_every_kind_of_operation_reports_its_failure_where_it_is(text, kind, message, line, col):
    with pytest.raises(ProgramError) as raised:
        Program.from_text(text).run({})
    error = raised.value
    assert (type(error).__name__, error.message, error.span.line, error.span.col) == (kind, message, line, col)


def test_a_string_operation_is_an_operators_value_after_all():
    assert Program.from_text('y = "n = %d" % 3').run({}).output == "n = 3"
    assert Program.from_text('y = "a" + "b"').run({}).output == "ab"


def test_a_program_runs_in_the_current_run_or_in_one_of_its_own():
    program = Program.from_text("input x = 2.0\ny = grad(lambda u: u ^ 3)(x)")
    with RunContext() as outer:
        assert program.run({}, context=outer).output == 12.0
        with RunContext():
            with pytest.raises(RuntimeError, match="not the current run's"):
                program.run({}, context=outer)
        assert program.run({}).output == 12.0           # a run of its own, inside this one
        assert program.compiled.runtime.context is not outer and outer.level == 0
    idle = RunContext()
    assert program.run({}, context=idle).output == 12.0 and not idle.entered    # entered for the run
