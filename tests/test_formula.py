"""`autodiff grad --formula` (diffcore/emit/formula.py): the derivative of a loop-free program as
one formula per input. Each formula is parsed back as a program of the language and evaluated at
random points, where it must equal the tape's gradient within 1e-12 relative."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings

from autodiff.diffcore.derivatives import Differentiator, evaluate
from autodiff.diffcore.emit.formula import NoFormula, derive
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError
from fuzzing.programs import programs
from helpers import run_main

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

SEEDS = [
    ("x^2 + y^3", {}, {"x": "2*x", "y": "3*y^2"}),
    ("(w*x + b)^2", {}, {"w": "2*x*(w*x + b)", "x": "2*w*(w*x + b)", "b": "2*(w*x + b)"}),
    ("2*dot(x, x)", {"x": np.array([1.0, 2.0, 3.0])}, {"x": "4*x"}),
    ("x^2 * sin(x)", {}, {"x": "2*x*sin(x) + x^2*cos(x)"}),
]


def agrees_at_points(program: Program, at: dict, seed: int = 0, points: int = 3) -> int:
    """Check the formula of every input against the tape at `points` random points; how many compared."""
    formula = derive(program, at)
    rng = np.random.default_rng(seed)
    compared = 0
    for k in range(points):
        point = {}
        for name, value in formula.inputs.items():
            v = np.asarray(value, dtype=float)
            moved = v if k == 0 else v + rng.normal(0.0, 0.3, size=v.shape)
            point[name] = float(moved) if moved.ndim == 0 else moved
        try:
            expected = Differentiator(program).__call__(point).derivatives
        except ProgramError:
            continue
        for name, text in formula.gradient.items():
            written = Program.from_text(formula.program_text(name), "<formula>")
            got = evaluate(written, {n: point[n] for n in written.input_names}).output
            want = np.asarray(expected[name], dtype=float)
            got = np.broadcast_to(np.asarray(got, dtype=float), want.shape)
            finite = np.isfinite(want)
            assert np.array_equal(np.isfinite(got), finite), (text, got, want)
            assert np.allclose(got[finite], want[finite], rtol=1e-12, atol=1e-12), (name, text, got, want)
            compared += 1
    return compared


@pytest.mark.parametrize("text,at,expected", SEEDS, ids=[s[0] for s in SEEDS])
def test_the_seed_formulas_read_as_a_person_writes_them(text, at, expected):
    program = Program.from_text(text)
    assert derive(program, at).gradient == expected
    assert agrees_at_points(program, at) > 0


def test_the_command_prints_one_line_per_input_and_json():
    code, out, err = run_main(["grad", "-e", "x^2 * sin(x)", "--formula"])
    assert (code, out, err) == (0, "df/dx = 2*x*sin(x) + x^2*cos(x)\n", "")
    code, out, _ = run_main(["grad", "-e", "(w*x + b)^2", "--formula", "--json"])
    document = json.loads(out)
    assert code == 0 and document["formula"] == {"w": "2*x*(w*x + b)", "x": "2*w*(w*x + b)", "b": "2*(w*x + b)"}
    assert document["subexpressions"] == {}


def test_a_repeated_subexpression_is_named_once():
    code, out, _ = run_main(["grad", "-e", "exp(sin(x)*y) + exp(sin(x)*y)^2", "--formula"])
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "t1 = exp(y*sin(x))"
    assert all("exp" not in line for line in lines[1:]) and lines[-1].startswith("df/dy = ")
    assert agrees_at_points(Program.from_text("exp(sin(x)*y) + exp(sin(x)*y)^2"), {}) == 6


@pytest.mark.parametrize("text,where,what", [
    ("y = abs(x)\ny", "1:5", "abs()"),
    ("if x > 0:\n    y = x\nelse:\n    y = -x\ny", "1:1", "an if statement"),
    ("y = 0\nfor i in range(3):\n    y += x\ny", "2:1", "a for loop"),
    ("x if x > 1 else 2*x", "1:1", "a conditional expression"),
    ("x // 2 + x", "1:1", "'//'"),
    ("x^y", "1:1", "x ^ y with a variable base and exponent"),
])
def test_what_has_no_formula_is_refused_where_it_is(text, where, what):
    code, out, err = run_main(["grad", "-e", text, "--formula"])
    assert code == 1 and out == ""
    assert f"<expr>:{where}: error: --formula: {what}" in err and "hint:" in err


def test_formula_does_not_combine_with_other_derivatives():
    code, _, err = run_main(["grad", "-e", "x^2", "--formula", "--order", "2"])
    assert code == 2 and "--formula" in err


def loop_free_samples() -> list:
    out = []
    for path in sorted(SAMPLES.glob("*.expr")):
        program = Program.from_text(path.read_text(), str(path))
        try:
            derive(program, {})
        except (NoFormula, ProgramError):
            continue
        out.append(path.name)
    return out


@pytest.mark.parametrize("name", loop_free_samples())
def test_every_loop_free_sample_has_a_formula_equal_to_the_tape(name):
    program = Program.from_text((SAMPLES / name).read_text(), name)
    assert agrees_at_points(program, {}) > 0


def test_the_loop_free_samples_are_there():
    assert {"seed_graph.expr", "seed_dot.expr", "seed_poly.expr"} <= set(loop_free_samples())


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(max_depth=3, max_statements=2, max_functions=1, wild=0.0))
def test_generated_loop_free_programs_have_formulas_equal_to_the_tape(generated):
    try:
        program = Program.from_text(generated.source)
        compared = agrees_at_points(program, generated.inputs, points=2)
    except (NoFormula, ProgramError):
        assume(False)
    assume(compared > 0)
