"""Fused scalar expressions: one tape entry per expression, the same numbers and warnings as op by op.

Every test differentiates the program twice, fused (the default) and with
`fuse=False` (an entry per primitive), and checks the fused tape is shorter
where fusion applies and unchanged where it must not apply.
"""
from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from autodiff.cli.app import cli
from autodiff.diffcore.derivatives import Differentiator
from autodiff.diffcore.program import Program
from autodiff.diffcore.engine.reverse import FUSED, ReverseTrace

import autodiff.cli.main  # noqa: F401 - registers the commands


def both(text: str, at: dict | None = None):
    program = Program.from_text(text, "<fusion>")
    return (Differentiator(program, print_fn=lambda s: None)(at or {}),
            Differentiator(program, print_fn=lambda s: None, fuse=False)(at or {}))


def assert_same(fused, unfused, rel: float = 1e-13):
    assert fused.output == pytest.approx(unfused.output, rel=rel, nan_ok=True)
    for name in unfused.wrt:
        assert fused.derivatives[name] == pytest.approx(unfused.derivatives[name], rel=rel, abs=1e-300,
                                                        nan_ok=True), name
    assert [(w.kind, w.operation, w.span) for w in fused.warnings] == \
        [(w.kind, w.operation, w.span) for w in unfused.warnings]


LOOP = """input a = 0.9
input b0 = 0.3
b = b0
for i in range(50):
    b = sin(b)*a + 0.5*b*b/(1+b*b)
"""


def test_a_loop_body_is_one_entry_per_iteration():
    fused, unfused = both(LOOP)
    assert fused.tape_length == 2 + 50                  # the two inputs, one entry per iteration
    assert unfused.tape_length == 2 + 8 * 50
    assert_same(fused, unfused)


def test_hand_derived_partials():
    # f = sin(b)*a + 0.5 b^2/(1+b^2): df/da = sin b, df/db = a cos b + b/(1+b^2)^2
    fused, _ = both("input a = 0.9\ninput b = 0.3\nf = sin(b)*a + 0.5*b*b/(1+b*b)\n")
    assert fused.tape_length == 3
    assert fused.derivatives["a"] == pytest.approx(math.sin(0.3), rel=1e-15)
    assert fused.derivatives["b"] == pytest.approx(0.9 * math.cos(0.3) + 0.3 / 1.09 ** 2, rel=1e-15)


@pytest.mark.parametrize("text, at", [
    ("y = x*x*x - 2*x/x + x^3", {"x": 1.5}),                       # a variable used many times
    ("y = -x*x + -(x*3)", {"x": 2.0}),                             # negation
    ("y = exp(x)*log(x) + sqrt(x)*tanh(x) - cos(x)/x", {"x": 0.7}),
    ("z = x^y + y^x", {"x": 1.3, "y": 0.4}),                       # pow: both partials
    ("y = (-x)^2 * 3", {"x": 2.0}),                                # pow with a negative base
    ("y = pi*x*x + e", {"x": 1.0}),                                # builtin constants
    ("s = 0\nfor i in range(4):\n    s = s + x*i*x\n", {"x": 0.5}),  # integer loop variables
    ("def f(u):\n    return u*u + 3*u\ny = f(x)*f(x+1)", {"x": 0.25}),  # inside a function
])
def test_fused_equals_unfused(text, at):
    fused, unfused = both(text, at)
    assert fused.tape_length < unfused.tape_length
    assert_same(fused, unfused)


@pytest.mark.parametrize("text, at", [
    ("y = 1/(x - x) + x*x", {"x": 1.0}),            # division by zero: inf, and where it came from
    ("y = log(x - 2) * x + x", {"x": 1.0}),         # a math domain error: nan
    ("y = exp(x) * x + x", {"x": 1000.0}),          # overflow in math.exp
    ("y = x*x*1e300*1e300 + x", {"x": 2.0}),        # overflow without an exception
    ("y = (x - 1)^0.5 * x", {"x": 0.5}),            # pow of a negative base: nan
])
def test_non_finite_values_take_the_ordinary_path(text, at):
    fused, unfused = both(text, at)
    assert fused.tape_length == unfused.tape_length   # nothing fused: every primitive is on the tape
    assert_same(fused, unfused)


def test_an_infinite_local_derivative_times_a_zero_cotangent_is_zero_inside_a_fused_expression():
    # sqrt'(0) is inf, but its cotangent here is x = 0: the zero-cotangent rule applies inside too
    fused, unfused = both("y = sqrt(x)*x + x", {"x": 0.0})
    assert fused.derivatives["x"] == 1.0
    assert_same(fused, unfused)


def test_the_zero_cotangent_rule_still_holds_through_a_fused_branch():
    fused, unfused = both("y = where(x > 0, sqrt(x)*x*2, 0)", {"x": 0.0})
    assert fused.derivatives["x"] == 0.0
    assert_same(fused, unfused)


def test_kinks_are_never_fused_so_their_warnings_stay():
    fused, unfused = both("y = abs(x)*x + maximum(x, 0)*x", {"x": 0.0})
    assert {w.operation for w in fused.warnings} >= {"abs", "maximum"}
    assert_same(fused, unfused)


def test_arrays_and_no_grad_are_not_fused():
    fused, unfused = both("input v = [1.0, 2.0]\ny = sum(v*v*3 + v)", {})
    assert fused.tape_length == unfused.tape_length
    assert_same(fused, unfused)
    fused, unfused = both("with no_grad:\n    c = x*x*x\ny = c*x*2", {"x": 2.0})
    assert fused.derivatives["x"] == pytest.approx(16.0)      # c is a constant: d(c*x*2)/dx = 2c
    assert_same(fused, unfused)


def test_nested_derivatives_see_the_same_program():
    text = "def f(u):\n    return u*u*u + 2*u\ng = grad(f)(x) * x * x\n"
    fused, unfused = both(text, {"x": 1.5})
    # g = (3x^2 + 2) x^2: dg/dx = 12x^3 + 4x
    assert fused.derivatives["x"] == pytest.approx(12 * 1.5 ** 3 + 4 * 1.5, rel=1e-14)
    assert_same(fused, unfused)


def test_hessian_and_higher_orders_through_the_cli_are_unchanged():
    runner = CliRunner()
    text = "y = sin(x)*x*x + x*y0*y0"
    out = runner.invoke(cli, ["hessian", "-e", text, "--at", "x=0.5", "--at", "y0=2", "--json"])
    assert out.exit_code == 0, out.output
    import json
    h = json.loads(out.stdout)["derivatives"]["2"]
    x = 0.5
    assert h["x,x"] == pytest.approx(2 * math.sin(x) + 4 * x * math.cos(x) - x * x * math.sin(x), rel=1e-12)
    assert h["x,y0"] == pytest.approx(4.0, rel=1e-12)


def test_the_memory_limit_counts_fused_entries():
    out = CliRunner().invoke(cli, ["grad", "-e", "y = 0\nfor i in range(200000):\n    y = y + sin(x) * i * x\n",
                                   "--at", "x=1", "--max-memory", "5M"])
    assert out.exit_code == 1
    assert "--max-memory" in out.stderr and "Traceback" not in out.stderr


def test_a_fused_entry_holds_its_partials():
    tape = ReverseTrace(level=10**6)
    x = tape.new_input(2.0, "x")
    y = tape.record_fused(12.0, (7.0,), (x.node,), None)
    assert tape.prims[y.node] is FUSED and tape.first[y.node] == (7.0,) and tape.second[y.node] == (x.node,)
    from autodiff.diffcore.engine.reverse import backward
    assert backward(tape, y.node, 2.0, [x.node]) == [14.0]
