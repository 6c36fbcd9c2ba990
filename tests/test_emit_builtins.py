"""`autodiff emit` and `autodiff grad --formula` over every builtin and the newer syntax.

A small program per builtin (the expressions of test_regressions_arrays' survey, whose registry
test keeps it complete; a table here for the builtins that take no differentiable value) and
per construct of the syntax (None and ellipsis indexing, enumerate/zip and unpacking loops,
unpacking assignments, the augmented assignments), run through the real entry point: emit in
both modes and both targets, --formula. Each either succeeds and agrees with the tape (the
emitted programs within 1e-12 relative; the formula at random points, test_formula's check), or
is refused with a located error (file:line:col, the line, a caret) and exit status 1 or 2
(docs/emit.md), never an internal error (3).
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from autodiff.diffcore.program import Program
from autodiff.grammar import Source
from helpers import run_main
from test_emit import close, tape
from test_formula import agrees_at_points
from test_regressions_arrays import DIFFERENTIABLE_ARGUMENTS, NO_VALUE_ARGUMENTS

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

# Programs of the builtins that take no value a derivative flows through, with t flowing around them.
NO_VALUE_PROGRAMS = {
    "sign": "sign(t - 1) * t", "floor": "floor(3 * t) + t", "ceil": "ceil(3 * t) * t", "round": "round(3 * t) * t",
    "shape": "shape([t, 1])[0] * t", "len": "len([t, 1, 2]) * t", "zeros": "zeros(2) + t",
    "ones": "ones(2) * t", "eye": "eye(2) * t", "range": "range(3) * t",
    "any": "where(any([t > 0.5, false]), t, 0)", "all": "where(all([t > 0.5, true]), t ^ 2, 0)",
    "isnan": "where(isnan(t), 0, t)", "isfinite": "where(isfinite([t, 1.0]), t, 0)",
    "allclose": "where(allclose(t, 0.7), t, 2 * t)", "isclose": "where(isclose([t, 1], 0.7), t, 0)",
    "detach": "detach(t) * t", "randn": "randn(2) * t",
    "rand": "rand(2) * t", "argsort": "argsort([t, 1, 0.2]) * t", "argmax": "argmax([t, 1, 0.2]) * t",
    "argmin": "argmin([t, 1, 0.2]) * t",
}

BUILTIN_PROGRAMS = {name: f"input t = 0.7\ny = sum({exprs[0]})\ny\n"
                    for name, exprs in DIFFERENTIABLE_ARGUMENTS.items()}
BUILTIN_PROGRAMS.update({name: f"input t = 0.7\ny = sum({expr})\ny\n" for name, expr in NO_VALUE_PROGRAMS.items()})
BUILTIN_PROGRAMS["print"] = "input t = 0.7\nprint(t)\ny = t ^ 2\ny\n"
BUILTIN_PROGRAMS["seed"] = "input t = 0.7\nseed(1)\ny = t ^ 2\ny\n"

SYNTAX_PROGRAMS = {
    "none_and_ellipsis": "input x = [[1.0, 2.0], [3.0, 4.5]]\ny = x[None, :, 0]\nz = x[..., 1]\n"
                         "w = x[..., None] * 2\nout = sum(y * 2) + sum(z ^ 2) + sum(w ^ 3)\nout\n",
    "enumerate_loop": "input x = [0.5, 1.5, 2.0]\ntotal = 0\nfor i, v in enumerate(x):\n"
                      "    total += i * v ^ 2\ntotal\n",
    "enumerate_start": "input x = [0.5, 1.5]\ntotal = 0\nfor i, v in enumerate(x, 2):\n"
                       "    total = total + i * sin(v)\ntotal\n",
    "zip_loop": "input a = [1.0, 2.0]\ninput b = [0.5, -1.0]\ns = 0\nfor p, q in zip(a, b):\n"
                "    s += p * q ^ 2\ns\n",
    "unpacking_rows": "input m = [[1.0, 2.0], [0.5, 3.0]]\ns = 0\nfor u, v in m:\n    s = s + u * v\ns\n",
    "unpacking_assignment": "input x = 0.7\na, b = x ^ 2, sin(x)\n(c, d) = (a * b, a + b)\nout = c * d\nout\n",
    "power_assign": "input x = 1.3\ny = x\ny **= 3\ny\n",
    "floordiv_assign": "input x = 1.3\ny = x * 5\ny //= 2\nz = y * x\nz\n",
    "mod_assign": "input x = 1.3\ny = x * 5\ny %= 2\nz = y * x\nz\n",
    "matmul_assign": "input m = [[1.0, 0.5], [0.2, 2.0]]\nk = m\nk @= m\nout = sum(k)\nout\n",
}

LOCATED = re.compile(r"^(\S+?):(\d+):(\d+): error: .+\n.*\n *\^+", re.M)


def emitted_agrees(program: Program, data: dict, mode: str, target: str) -> None:
    """The emitted program (run by the language, or the module by Python) against the tape."""
    at = program.run({}, print_fn=lambda text: None).inputs
    live = [w for w in data["wrt"] if w not in data["inactive"]]
    value, grads, tangent = tape(program, at, live, data["output"], ())
    expected = [grads[w] for w in live] if mode == "reverse" else [tangent]
    if target == "expr":
        out = Program(Source(data["code"], "emitted")).run({}, print_fn=lambda text: None).output
        got_value, got = out[0], list(out[1:])
    else:
        scope: dict = {}
        exec(compile(data["code"], "emitted", "exec"), scope)   # the module emit wrote, numpy only
        args = [at[n] for n in program.input_names]
        if mode == "reverse":
            got_value, g = scope["grad_f"](*args)
            got = [g[w] for w in live]
        else:
            got_value, t = scope["jvp_f"](*args, *[np.ones(np.shape(at[w])) for w in live])
            got = [t]
        assert close(scope["f"](*args), value)
    assert close(got_value, value), (got_value, value)
    for g, want in zip(got, expected):
        assert close(g, want), (g, want)


def refused_where(code: int, err: str, path) -> None:
    assert code in (1, 2), err
    found = LOCATED.search(err)
    assert found and found.group(1) == str(path), err


def check_emit(text: str, tmp_path) -> dict:
    path = tmp_path / "p.expr"
    path.write_text(text)
    program = Program(Source(text, str(path)))
    outcomes = {}
    for mode in ("reverse", "forward"):
        for target in ("expr", "python"):
            code, out, err = run_main(["emit", str(path), "--mode", mode, "--to", target, "--json"])
            assert code != 3, err
            if code == 0:
                emitted_agrees(program, json.loads(out), mode, target)
                outcomes[mode, target] = "emitted"
            else:
                refused_where(code, err, path)
                outcomes[mode, target] = err.split("error: ", 1)[1].split("\n", 1)[0]
    return outcomes


@pytest.mark.parametrize("name", sorted(BUILTIN_PROGRAMS))
def test_emit_writes_or_refuses_where_each_builtin_is(name, tmp_path):
    outcomes = check_emit(BUILTIN_PROGRAMS[name], tmp_path)
    if name in WRITTEN:
        assert set(outcomes.values()) == {"emitted"}, outcomes


@pytest.mark.parametrize("name", sorted(SYNTAX_PROGRAMS))
def test_emit_writes_or_refuses_where_each_construct_is(name, tmp_path):
    outcomes = check_emit(SYNTAX_PROGRAMS[name], tmp_path)
    expected = {"emitted"} if name not in LOOPS_REFUSED else {"emit writes a for loop over one name"}
    if name not in ("floordiv_assign", "mod_assign"):
        assert set(outcomes.values()) == expected, outcomes


# docs/emit.md: a for loop is lowered over one name (a range or an array's rows); enumerate, zip
# and unpacking loops are refused where they are.
LOOPS_REFUSED = {"enumerate_loop", "enumerate_start", "zip_loop", "unpacking_rows"}


@pytest.mark.parametrize("name", sorted(BUILTIN_PROGRAMS))
def test_formula_is_right_or_refused_where_each_builtin_is(name, tmp_path):
    path = tmp_path / "p.expr"
    path.write_text(BUILTIN_PROGRAMS[name])
    code, out, err = run_main(["grad", str(path), "--formula"])
    assert code != 3, err
    if code == 0:
        assert agrees_at_points(Program(Source(BUILTIN_PROGRAMS[name], str(path))), {}) > 0
    else:
        refused_where(code, err, path)


def test_every_builtin_has_a_program():
    assert set(BUILTIN_PROGRAMS) == set(DIFFERENTIABLE_ARGUMENTS) | set(NO_VALUE_ARGUMENTS)


# Builtins of issue 14 that emit writes in both modes and both targets (the rest of the table
# may be refused, located; these must not be).
WRITTEN = {"cholesky", "eigh", "svd", "slogdet", "det", "solve", "inv", "pinv", "einsum", "tensordot", "inner",
           "kron", "cross", "trace", "diag", "erf", "erfc", "gammaln", "digamma", "polygamma", "asinh", "acosh",
           "atanh", "xlogy", "cumsum", "cumprod", "var", "std", "diff", "log_softmax"}


def test_the_sinc_builtin_takes_x_alone_not_the_primitives_order():
    # the builtin was the primitive itself: sinc(x, order=1) reached it with a float order (exit 3)
    code, _, err = run_main(["eval", "-e", "sinc(0.5, order=1)"])
    assert code == 1 and "<expr>:1:1" in err and "order" in err
