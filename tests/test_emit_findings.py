"""Findings of the agreement fuzzer about `autodiff emit` (tests/fuzzing/agreement.py), each with
its minimized program: the emitted code (both targets) against a hand-derived value and the tape.

1. Masked singularities: the emitted adjoint of where(x > 0, sqrt(x), 0) at x = 0 divided a zero
   cotangent by sqrt'(0)'s zero denominator (nan, where the tape's zero-cotangent rule gives 0):
   the simplifier flattened the rules' cot_mul/cot_div into plain * and /. They are kept, and
   written _zmul/_zdiv where a factor can be non-finite (diffcore/emit/absorb.py).
2. A variable assigned an unwritable value (grad inside the program) on one path of an `if`
   kept the other path's name after the branch: the emitted program read it unassigned.
3. (a longer run, 2161 programs, seed 7) The simplifier took one sign out of (-x)^e whatever e:
   the emitted derivative of (-x)^3 was 3*x^2, not -3*x^2.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.emit.api import emit
from autodiff.diffcore.emit.numpy_helpers import NUMPY_HELPERS
from autodiff.diffcore.program import Program
from autodiff.grammar import Source
from autodiff.grammar.source import ProgramError

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")


def emitted(text: str, at: dict, mode: str = "reverse", extra: tuple = ()) -> list:
    """The derivative each target's emitted code gives at `at` (reverse: per input, in order;
    forward: the tangent along `extra`, the directions)."""
    program = Program(Source(text, "p.expr"))
    out = []
    language = emit(program, at, mode=mode).text
    values = dict(at, **dict(zip([f"{n}_dot" for n in program.input_names], extra))) if mode == "forward" else at
    result = Program(Source(language, "e.expr")).run(values, print_fn=lambda t: None).output
    out.append(list(result[1:]))
    space: dict = {}
    exec(compile(emit(program, at, mode=mode, target="python").text, "m", "exec"), space)   # noqa: S102
    args = [at[n] for n in program.input_names]
    if mode == "reverse":
        value, grads = space["grad_f"](*args)
        out.append([grads[n] for n in program.input_names])
    else:
        out.append([space["jvp_f"](*args, *extra)[1]])
    return out


def tape(text: str, at: dict) -> list:
    program = Program(Source(text, "p.expr"))
    d = differentiate(program, at)
    return [d.derivatives[n] for n in program.input_names]


def same(a, b) -> bool:
    return all(np.allclose(np.asarray(x, dtype=float), np.asarray(y, dtype=float), rtol=1e-14, atol=0)
               for x, y in zip(a, b))


# ------------------------------------------------------------------ 1. masked singularities

# Minimized from the fuzzer's program: the cotangent of the masked sqrt comes from a loop, so it
# is a variable, not a constant the simplifier could fold.
MASKED_SQRT = "input x = 0\ny = where(x > 0, sqrt(x), 0)\nfor i in range(2):\n    y = y + y\nout = y + 3*x\n"


def test_masked_sqrt_under_a_loop_has_the_gradient_of_the_branch_taken():
    for got in emitted(MASKED_SQRT, {"x": 0.0}):
        assert got == [3.0]                 # d(3x)/dx; the masked branch contributes 0, not nan
    assert tape(MASKED_SQRT, {"x": 0.0}) == [3.0]
    # away from the mask, the branch: 4 * 1/(2 sqrt x) + 3
    for got in emitted(MASKED_SQRT, {"x": 0.25}):
        assert got[0] == pytest.approx(4 / (2 * 0.5) + 3, rel=1e-15)


def test_the_fuzzers_program_of_finding_1_agrees_with_grad():
    text = ("input x6 = [0, 0, 0]\n"
            "t7 = where([[x6[-3], x6[-3], x6[-3]]] > 0, sqrt([[x6[-3], x6[-3], x6[-3]]]), 0)\n"
            "for i8 in range(0, 1):\n    t7 += [[t7[-1, -3], t7[-1, -3], i8]]\n"
            "t10 = t7[-1, -2]\nout = (t10 + t10) / exp(tanh(t7[-1, -3] ^ 3))\n")
    at = {"x6": np.zeros(3)}
    want = tape(text, at)
    assert list(want[0]) == [0.0, 0.0, 0.0]
    for got in emitted(text, at):
        assert same(got, want)


def test_masked_p_log_p_and_sin_x_over_x_in_loops():
    plogp = "input p = [0.5, 0.5]\ns = 0\nfor i in range(2):\n    s = s + sum(where(p > 0, p*log(p), 0))\ns\n"
    at = {"p": np.array([0.0, 0.5])}
    for got in emitted(plogp, at):
        assert got[0][0] == 0.0 and got[0][1] == pytest.approx(2 * (math.log(0.5) + 1), rel=1e-15)
        assert same(got, tape(plogp, at))
    sinc = "input x = [1, 2]\ns = 0\nfor i in range(2):\n    s = s + sum(where(x != 0, sin(x)/x, 1))\ns\n"
    at = {"x": np.array([0.0, 2.0])}
    for got in emitted(sinc, at):
        assert got[0][0] == 0.0 and got[0][1] == pytest.approx(2 * (math.cos(2) / 2 - math.sin(2) / 4), rel=1e-14)
        assert same(got, tape(sinc, at))


def test_forward_mode_a_zero_tangent_times_an_infinite_derivative_is_zero():
    # y_dot = x_dot / (2 sqrt(x)) at x = 0 with x_dot = 0: 0, so the tangent is c_dot's alone
    text = ("input x = 0\ninput c = 2\ny = sqrt(x) + c*x\nz = 0\nfor i in range(2):\n"
            "    z = z + where(c > 3, log(x)*c, c)\nout = y + z\n")
    for got in emitted(text, {"x": 0.0, "c": 2.0}, mode="forward", extra=(0.0, 1.0)):
        assert float(got[0]) == 2.0         # d/dc of (c x + 2c) at x = 0
    for got in emitted(text, {"x": 0.0, "c": 2.0}, mode="forward", extra=(1.0, 0.0)):
        assert float(got[0]) == math.inf    # a nonzero tangent into sqrt'(0): inf, as on the tape


def test_ordinary_code_has_no_helper_and_masked_code_names_it_once():
    # no operation that can be singular: plain * and /
    plain = emit(Program.from_text("input a = 2\nb = a*3\nc = b/4 + exp(b)\nd = c*sin(a)/exp(a)\nd")).text
    assert "_zmul" not in plain and "_zdiv" not in plain and "*" in plain and "/" in plain
    text = emit(Program(Source(MASKED_SQRT, "p.expr")), {"x": 0.0}).text
    assert text.count("def _zdiv(a, b):") == 1 and "_zdiv(" in text.split("# backward sweep")[1]
    assert "def _zmul" not in text          # defined only where called
    module = emit(Program(Source(MASKED_SQRT, "p.expr")), {"x": 0.0}, target="python").text
    assert module.count("def _zdiv(a, b):") == 1 and "def _zmul" not in module


@pytest.mark.parametrize("a, b, want", [(0.0, math.inf, 0.0), (0.0, math.nan, 0.0), (2.0, 3.0, 6.0),
                                        (2.0, math.inf, math.inf), (-0.0, 5.0, -0.0)])
def test_zmul_is_the_tapes_product_of_a_derivative_rule(a, b, want):
    from autodiff.diffcore.engine.elementwise import cot_mul
    space = {"np": np}
    exec(NUMPY_HELPERS["_zmul"], space)     # noqa: S102
    for x, y in ((a, b), (np.float64(a), np.float64(b)), (np.array([a, 1.0]), b)):
        got = space["_zmul"](x, y)
        assert np.ndim(got) == np.ndim(x * y)
        tape_value = cot_mul(x, y)
        assert np.array_equal(got, tape_value, equal_nan=True) and np.array_equal(np.signbit(got), np.signbit(tape_value))
    assert np.ravel(space["_zmul"](np.array([a, 1.0]), b))[0] == want or math.isnan(want)


def test_zdiv_is_the_tapes_quotient_of_a_derivative_rule():
    from autodiff.diffcore.engine.elementwise import cot_div
    space = {"np": np}
    exec(NUMPY_HELPERS["_zdiv"], space)     # noqa: S102
    for a, b in ((0.0, 0.0), (0.0, math.nan), (1.0, 4.0), (-0.0, 5.0), (0.0, math.inf)):
        got = space["_zdiv"](a, b)
        assert got.__class__ is float and str(got) == str(cot_div(a, b))
        assert str(space["_zdiv"](np.float64(a), np.float64(b))) == str(cot_div(a, b))
    got = space["_zdiv"](np.array([0.0, 1.0, 0.0]), np.array([0.0, 0.0, 2.0]))
    assert list(got) == [0.0, math.inf, 0.0]


def test_the_compiled_engine_no_longer_hands_a_masked_singularity_over_to_the_tape():
    from autodiff.diffcore.compiled.run import Runner
    text = "input p = [0.5, 0.5]\ns = 0\nfor i in range(2):\n    s = s + sum(where(p > 0.1, p*log(p), 0))\ns\n"
    program = Program(Source(text, "p.expr"))
    runner = Runner(program, engine="compiled")
    runner({})
    got = runner({"p": np.array([0.0, 0.5])})
    assert runner.last_engine == "compiled"
    assert list(got.derivatives["p"]) == [0.0, 2 * (math.log(0.5) + 1)]


# ------------------------------------------------------------------ 2. a name unassigned on one path

UNWRITABLE_ON_ONE_PATH = ("input x = 0.5\nif x > 1:\n    y = x * 2\nelse:\n    y = grad(lambda p: p * p)(x)\n"
                          "out = y + x\n")


@pytest.mark.parametrize("target", ["expr", "python"])
@pytest.mark.parametrize("text", [UNWRITABLE_ON_ONE_PATH,
                                  UNWRITABLE_ON_ONE_PATH.replace("x > 1", "x < 1").replace("x * 2", "X")
                                  .replace("grad(lambda p: p * p)(x)", "x * 2").replace("X", "grad(lambda p: p * p)(x)")])
def test_a_value_emit_cannot_write_on_one_path_is_refused_where_it_is_made(text, target):
    # before: the branch's merge kept the other path's `y`, and the emitted program failed with
    # "'y' is used before it is assigned"
    with pytest.raises(ProgramError) as caught:
        emit(Program(Source(text, "p.expr")), target=target)
    assert "derivative taken inside the program (grad)" in caught.value.message
    assert caught.value.span.line in (3, 5) and "grad" in text.splitlines()[caught.value.span.line - 1]


def test_a_function_that_depends_on_the_path_is_refused():
    text = ("input x = 0.5\nif x > 1:\n    def f(p):\n        return p * 2\nelse:\n    def f(p):\n"
            "        return p * 3\nout = f(x)\n")
    with pytest.raises(ProgramError) as caught:
        emit(Program(Source(text, "p.expr")))
    assert "function that depends on the path" in caught.value.message
    # an unwritable value no path reads stays harmless
    text = "input x = 0.5\nif x > 1:\n    y = grad(lambda p: p * p)(x)\nelse:\n    y = x\nout = x * 2\n"
    assert Program(Source(emit(Program(Source(text, "p.expr"))).text, "e")).run({}).output == (1.0, 2.0)


# ------------------------------------------------------------------ 3. the sign of a negated base's power

def test_a_negated_base_raised_to_a_power_keeps_the_sign_of_the_power():
    # the simplifier took -x out of (-x)^3 as one sign, not (-1)^3 (it wrote 3*x^2, not -3*x^2)
    text = ("input x6 = [-1]\nif x6[-1] <= x6[0]:\n    t7 = (-where(x6[-1] >= x6[-1], x6[-1], x6[0])) ^ 3\n"
            "else:\n    t7 = x6[0]\nout = t7\n")
    at = {"x6": np.array([-1.0])}
    for got in emitted(text, at):
        assert list(got[0]) == [-3.0]      # d/dx (-x)^3 = -3 x^2
    for got in emitted(text, at, mode="forward", extra=(np.array([2.0]),)):
        assert float(got[0]) == -6.0
    for e, want in ((2, -15.0), (3, -60.75), (-1, 1.5 / 2.25), (-2, -2 * 1.25 / (-1.5) ** 3)):
        # d/dx of (-x)^e + (-(2x))^e at x = -1.5: e (-1)^e x^(e-1) (1 + 2^e)
        text = f"input x = -1.5\nout = (-x)^{e} + (-(2*x))^{e}\n"
        for mode in ("reverse", "forward"):
            for got in emitted(text, {"x": -1.5}, mode=mode, extra=(1.0,)):
                assert float(np.ravel(got[0])[0]) == pytest.approx(want, rel=1e-15)


ORDERED_PROGRAMS = {
    "topk": "input x = [3.0, 1.0, 2.0]\nv, i = topk(x, 1)\nv[0] * 10 + sum(x)\n",
    "sort": "input x = [3.0, 1.0, 2.0]\ns = sort(x)\ns[0] * 10 + s[2]\n",
    "argsort": "input x = [3.0, 1.0, 2.0]\ni = argsort(x)\ntake(x, i)[0] * 10\n",
    "argmax": "input x = [3.0, 1.0, 2.0]\nx[argmax(x)] * 10\n",
}


@pytest.mark.parametrize("name", sorted(ORDERED_PROGRAMS))
def test_an_order_read_from_the_values_is_refused_not_frozen(name):
    """topk and sort were once written as the sample point's positions (x[[0]]): right at that
    point, wrong wherever the order differs (15 instead of 51 for topk at [1, 5, 2])."""
    program = Program(Source(ORDERED_PROGRAMS[name], "ordered.expr"))
    with pytest.raises(ProgramError) as caught:
        emit(program, {}, mode="reverse", target="python")
    assert caught.value.span.line in (2, 3) and name in caught.value.message


def test_the_compiled_engine_takes_the_tape_for_an_order_read_from_the_values():
    import autodiff
    f = autodiff.compile(ORDERED_PROGRAMS["topk"])
    for x, value, gradient in (([3.0, 1.0, 2.0], 36.0, [11.0, 1.0, 1.0]), ([1.0, 5.0, 2.0], 58.0, [1.0, 11.0, 1.0]),
                               ([1.0, 5.0, 2.0], 58.0, [1.0, 11.0, 1.0])):
        got_value, got = f.value_and_grad(x=np.array(x))
        assert got_value == value and got["x"].tolist() == gradient
    with pytest.raises(ProgramError, match="emit does not write topk"):
        autodiff.compile(ORDERED_PROGRAMS["topk"], engine="compiled").value_and_grad(x=np.array([1.0, 5.0, 2.0]))
