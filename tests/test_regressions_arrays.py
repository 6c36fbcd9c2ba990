"""Regressions of issue 11's array bugs, each pinned by values derived by hand or by a second method.

3.  A list literal of booleans is a mask, as numpy reads it (it was the integer index [1, 0, 1]).
8.  `x[[0, 0]] = v`: the write that a later one overwrites gets no gradient, in every mode.
9.  Constructors are differentiable in the arguments they take as values (linspace's endpoints,
    arange's start and step, full's value); every builtin is surveyed for silent zeros.
10. `dot` is numpy's dot above 2-D too (it was matmul).
12. The Hessian of a program with mixed advanced indexing (x[0, :, [1, 3]]).

Every derivative is checked in each mode that can compute it: reverse (`grad`), Taylor (`grad
--order`, one scalar input), nested forward-over-reverse (`hessian`), forward Jacobians, and
against finite differences of the value.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from autodiff.diffcore.interpreter.builtins import BUILTINS, Builtin
from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.higher import derivative_tensors, jacobian
from autodiff.diffcore.program import Program
from autodiff.diffcore.interpreter.runtime import Runtime, runtime_builtins
from autodiff.diffcore.engine.tracing import strip
from helpers import run_main
import linalg_cases


def program(text: str) -> Program:
    return Program.from_text(text, "<test>")


def run_json(*argv: str) -> dict:
    code, out, err = run_main([*argv, "--json"])
    assert code == 0, err
    return json.loads(out)


def value(prog: Program, at: dict) -> np.ndarray:
    return np.asarray(strip(prog.run(at).output), dtype=np.float64)


def flat_inputs(prog: Program, at: dict) -> tuple:
    """(names, shapes, the inputs as one flat vector) at the point `at` (defaults filled in)."""
    inputs = prog.run(at).inputs
    names = list(inputs)
    shapes = [np.shape(inputs[n]) for n in names]
    z = np.concatenate([np.reshape(inputs[n], -1) for n in names]) if names else np.zeros(0)
    return names, shapes, z


def unflat(names, shapes, z) -> dict:
    out, start = {}, 0
    for name, shape in zip(names, shapes):
        size = math.prod(shape)
        piece = z[start:start + size]
        out[name] = piece.reshape(shape) if shape else float(piece[0])
        start += size
    return out


def fd_gradient(prog: Program, at: dict, h: float = 1e-6) -> np.ndarray:
    names, shapes, z = flat_inputs(prog, at)
    grad = []
    for j in range(z.size):
        e = np.zeros(z.size)
        e[j] = h * max(1.0, abs(z[j]))
        grad.append((value(prog, unflat(names, shapes, z + e)) - value(prog, unflat(names, shapes, z - e)))
                    / (2 * e[j]))
    return np.array(grad)


def reverse_gradient(prog: Program, at: dict) -> np.ndarray:
    d = differentiate(prog, at)
    return np.concatenate([np.reshape(d.derivatives[n], -1) for n in d.wrt])


def check_every_mode(text: str, at: dict, gradient=None, hessian=None) -> None:
    """The gradient and the Hessian of a scalar program, equal in every mode and to finite differences
    (and to the hand-derived `gradient` / `hessian`, flat over the inputs in order, when given)."""
    prog = program(text)
    g_reverse = reverse_gradient(prog, at)
    np.testing.assert_allclose(g_reverse, fd_gradient(prog, at), rtol=1e-6, atol=1e-6)
    if gradient is not None:
        np.testing.assert_allclose(g_reverse, np.asarray(gradient, dtype=float), rtol=1e-12, atol=1e-12)
    forward = jacobian(prog, at, mode="forward")
    g_forward = np.concatenate([np.reshape(forward.orders[1][(n,)], -1) for n in forward.wrt])
    np.testing.assert_allclose(g_forward, g_reverse, rtol=1e-12, atol=1e-12)
    second = derivative_tensors(prog, at, 2)
    names = second.wrt
    g_second = np.concatenate([np.reshape(second.orders[1][(n,)], -1) for n in names])
    np.testing.assert_allclose(g_second, g_reverse, rtol=1e-12, atol=1e-12)
    sizes = [int(np.size(second.orders[1][(n,)])) for n in names]
    H = np.block([[np.reshape(second.orders[2][(a, b)], (sa, sb)) for b, sb in zip(names, sizes)]
                  for a, sa in zip(names, sizes)])
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)
    if hessian is not None:
        np.testing.assert_allclose(H, np.atleast_2d(np.asarray(hessian, dtype=float)), rtol=1e-12, atol=1e-12)
    # finite differences of the reverse gradient
    names_, shapes, z = flat_inputs(prog, at)
    h = 1e-6
    columns = []
    for j in range(z.size):
        e = np.zeros(z.size)
        e[j] = h
        columns.append((reverse_gradient(prog, unflat(names_, shapes, z + e))
                        - reverse_gradient(prog, unflat(names_, shapes, z - e))) / (2 * h))
    np.testing.assert_allclose(H, np.array(columns).T, rtol=1e-5, atol=1e-5)


def taylor_derivatives(text: str, at: dict, order: int) -> list:
    """[f', ..., f^(order)] of a program of one scalar input, by Taylor mode (asserted to be used)."""
    result = derivative_tensors(program(text), at, order)
    assert result.mode == "taylor"
    (name,) = result.wrt
    return [float(result.orders[k][(name,) * k]) for k in range(1, order + 1)]


# ------------------------------------------------------- 3. boolean list literals are masks

def test_a_list_of_booleans_selects_as_a_mask():
    assert run_json("eval", "-e", "x[[true, false, true]]", "--at", "x=[1, 2, 3]")["output"] == [1.0, 3.0]
    # nested lists: a 2-D mask; a mask built from comparisons of numbers is one too
    got = run_json("eval", "-e", "A[[[true, false], [false, true]]]", "--at", "A=[[1, 2], [3, 4]]")
    assert got["output"] == [1.0, 4.0]
    got = run_json("eval", "-e", "x[[x[0] > 1, x[1] > 1, x[2] > 1]]", "--at", "x=[1, 2, 3]")
    assert got["output"] == [2.0, 3.0]
    # a mask on the second axis, beside a slice
    got = run_json("eval", "-e", "A[:, [false, true, true]]", "--at", "A=[[1, 2, 3], [4, 5, 6]]")
    assert got["output"] == [[2.0, 3.0], [5.0, 6.0]]
    # a list mixing truth values and numbers is numbers, as in numpy
    assert run_json("eval", "-e", "[true, 2]")["output"] == [1.0, 2.0]


def test_a_boolean_list_mask_differentiates_the_selected_elements():
    got = run_json("grad", "-e", "sum(x[[true, false, true]]^2)", "--at", "x=[1, 2, 3]")
    assert got["output"] == 10.0 and got["gradient"]["x"] == [2.0, 0.0, 6.0]
    check_every_mode("input x = [1.0, 2.0, 3.0]\ny = sum(x[[true, false, true]]^3) * x[1]",
                     {}, gradient=[6.0, 28.0, 54.0],
                     hessian=[[12.0, 3.0, 0.0], [3.0, 0.0, 27.0], [0.0, 27.0, 36.0]])


def test_assignment_through_a_boolean_list_mask():
    text = ("input x = [1.0, 2.0, 3.0]\ninput v = [5.0, 7.0]\ny = x\ny[[true, false, true]] = v\n"
            "z = sum(y * [1, 10, 100])")
    prog = program(text)
    assert np.array_equal(value(program(text.replace("\nz = sum(y * [1, 10, 100])", "\ny")), {}), [5.0, 2.0, 7.0])
    d = differentiate(prog, {})
    assert np.array_equal(d.derivatives["x"], [0.0, 10.0, 0.0])
    assert np.array_equal(d.derivatives["v"], [1.0, 100.0])


@pytest.mark.parametrize("expr, message", [
    ("x[[true, false]]", "a mask of shape (2,) cannot select from axes of shape (3,)"),
    ("A[[true, false, true]]", "a mask of shape (3,) cannot select from axes of shape (2,)"),
    ("A[:, [true, true]]", "a mask of shape (2,) cannot select from axes of shape (3,)"),
    ("x[true]", "a single truth value cannot index an array"),
    ("y = x; y[[true, false]] = 1; y", "a mask of shape (2,) cannot select"),
    ("x[[true, false, true], 0]", "too many indices"),
])
def test_a_mask_that_does_not_fit_is_a_located_error(expr, message):
    text = "x = [1, 2, 3]\nA = [[1, 2, 3], [4, 5, 6]]\n" + expr
    code, out, err = run_main(["eval", "-e", text])
    assert code == 1, err
    assert message in err and "<expr>:3:" in err and "^" in err


def test_an_input_holding_booleans_is_refused_rather_than_read_as_positions():
    # As numbers, [true, false, true] would index x[1], x[0], x[1] (the value was 5, not 4).
    code, out, err = run_main(["eval", "-e", "input m = [true, false, true]\nsum(x[m])", "--at", "x=[1, 2, 3]"])
    assert code == 1 and "input 'm' is an array of booleans" in err and "hint:" in err
    code, out, err = run_main(["eval", "-e", "sum(x[m])", "--at", "x=[1, 2, 3]", "--at", "m=[true, false, true]"])
    assert code == 2 and "not an array of booleans" in err
    # a constant mask is fine
    assert run_json("eval", "-e", "m = [true, false, true]\nsum(x[m])", "--at", "x=[1, 2, 3]")["output"] == 4.0


# ------------------------------------------------- 8. repeated positions: the last write wins

REPEATED = """
input a = 1.5
x = zeros(3)
x[[0, 0]] = [a, 2*a]
y = sum(x * [1, 2, 3])
"""


def test_an_overwritten_write_gets_no_gradient_in_any_mode():
    # y = 2a (only the second write stays): y' = 2 by every method
    assert value(program(REPEATED), {}) == 3.0
    assert taylor_derivatives(REPEATED, {}, 3) == [2.0, 0.0, 0.0]
    check_every_mode(REPEATED, {}, gradient=[2.0], hessian=[[0.0]])
    got = run_json("grad", "-e", "x = zeros(3)\nx[[0, 0]] = v\nsum(x * [1, 2, 3])", "--at", "v=[1, 2]")
    assert got["gradient"]["v"] == [0.0, 1.0]


def test_overwritten_writes_with_broadcasting_and_two_dimensions():
    # a number written twice counts once; rows written twice keep the last; the kept x has 0 where written
    check_every_mode("input v = 2.0\nx = zeros(3)\nx[[1, 1]] = v\ny = sum(x^2 * [1, 2, 3])", {},
                     gradient=[8.0], hessian=[[4.0]])
    text = ("input X = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]\ninput V = [[1.0, -1.0], [2.0, -2.0], [3.0, -3.0]]\n"
            "Y = X\nY[[2, 0, 2]] = V * V\ny = sum(Y^2 * [[1, 2], [3, 4], [5, 6]])")
    prog = program(text)
    d = differentiate(prog, {})
    # rows 0 and 2 of X are written (no gradient); V's row 0 is overwritten by row 2, so gets none
    assert np.array_equal(d.derivatives["X"], [[0.0, 0.0], [18.0, 32.0], [0.0, 0.0]])
    assert np.array_equal(d.derivatives["V"], [[0.0, 0.0], [32.0, -64.0], [540.0, -648.0]])
    check_every_mode(text, {})


def test_jvp_and_hvp_agree_with_the_overwritten_write():
    text = "x = zeros(3)\nx[[0, 2, 0]] = v^2\nsum(x * [1, 2, 3])"
    got = run_json("jvp", "-e", text, "--at", "v=[1, 2, 3]", "--direction", "v=[1, 1, 1]")
    assert got["jvp"] == 0 * 2 * 1 + 2 * 2 * 3 + 1 * 2 * 3          # v[0] is lost: 12 + 6
    got = run_json("hvp", "-e", text, "--at", "v=[1, 2, 3]", "--direction", "v=[1, 1, 1]")
    assert got["gradient"]["v"] == [0.0, 12.0, 6.0] and got["hvp"]["v"] == [0.0, 6.0, 2.0]


# ------------------------------------------- 9. constructors are differentiable in their values

def test_linspace_endpoints_have_their_gradient():
    got = run_json("grad", "-e", "sum(linspace(x, 2.0, 5))", "--at", "x=1.0")
    assert got["gradient"]["x"] == 2.5             # the points move by 1, 3/4, 1/2, 1/4, 0
    # sum(p_k^2) over p_k = a + (b - a) k/4 at a = 1, b = 2, by hand
    check_every_mode("input a = 1.0\ninput b = 2.0\ny = sum(linspace(a, b, 5)^2)", {},
                     gradient=[6.25, 8.75], hessian=[[3.75, 1.25], [1.25, 3.75]])
    assert taylor_derivatives("input a = 1.0\ny = sum(linspace(a, 2.0, 5)^3)", {}, 3) == pytest.approx(
        [12.1875, 13.125, 9.375], rel=1e-13)
    # one point is the start; none is empty
    check_every_mode("input a = 0.5\ny = sum(linspace(a, 3.0, 1)^2) + sum(linspace(a, 3.0, 0))", {},
                     gradient=[1.0], hessian=[[2.0]])


def test_arange_start_and_step_have_their_gradient_and_stop_none():
    # points 1, 1.5, ..., 4.5 (the stop 4.8 only counts them): d/dstart sum p^2 = 2 sum p = 44,
    # d/dstep = 2 sum p k = 196, d/dstop = 0
    check_every_mode("input s = 1.0\ninput h = 0.5\ninput e = 4.8\ny = sum(arange(s, e, h)^2)", {},
                     gradient=[44.0, 196.0, 0.0], hessian=[[16.0, 56.0, 0.0], [56.0, 280.0, 0.0], [0.0] * 3])
    # arange(s) is 0, 1, 2 whatever s is near 2.3; arange(s, 4.0) is s, s + 1
    check_every_mode("input s = 2.3\ny = sum(arange(s)^2) + sum(arange(s, 4.0)^3)", {},
                     gradient=[3 * 2.3 ** 2 + 3 * 3.3 ** 2], hessian=[[6 * 2.3 + 6 * 3.3]])


def test_constructor_values_are_numpys_to_the_last_bit_when_differentiated():
    for expr, want in [("linspace(x, 7.3, 9)", np.linspace(0.1, 7.3, 9)),
                       ("linspace(-2.2, x, 7)", np.linspace(-2.2, 0.1, 7)),
                       ("arange(x, 3.0, 0.3)", np.arange(0.1, 3.0, 0.3)),
                       ("arange(-1.0, 2.0, x)", np.arange(-1.0, 2.0, 0.1)),
                       ("full(2, 3, x)", np.full((2, 3), 0.1))]:
        prog = program(f"input x = 0.1\ny = {expr}")
        assert np.array_equal(value(prog, {}), want), expr
        d = jacobian(prog, {}, mode="reverse")          # recorded: the traced values are the same
        assert np.array_equal(np.asarray(d.output), want), expr


def test_full_is_differentiable_in_its_value_and_checks_the_shape():
    check_every_mode("input v = [1.0, 2.0, 3.0]\ny = sum(full(2, 3, v)^2)", {},
                     gradient=[4.0, 8.0, 12.0], hessian=4.0 * np.eye(3))
    code, out, err = run_main(["eval", "-e", "full(2, [[1], [2]])"])
    assert code == 1 and "does not fill the shape (2,)" in err


# Every builtin, surveyed: either each argument that is a value is differentiable (an expression
# in the scalar input t per argument, checked against finite differences in every mode), or the
# builtin takes no value that a derivative could flow through, for the reason given.
DIFFERENTIABLE_ARGUMENTS = {
    **{name: [f"{name}(t)"] for name in ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                                         "exp", "expm1", "log", "log1p", "sqrt", "abs", "sigmoid", "softplus",
                                         "relu", "log2", "log10"]},
    **{name: [f"{name}(t, 1.3)", f"{name}(1.3, t)"] for name in ["pow", "atan2", "hypot"]},
    "minimum": ["minimum(t, 1.3)", "minimum(1.3, t)"],
    "maximum": ["maximum(t, 0.2)", "maximum(0.2, t)"],
    "clip": ["clip(t, 0, 1)", "clip(0.2, t, 1)", "clip(2.0, 0, t)"],
    "where": ["where(true, t, 0)", "where(false, 0, t)"],
    **{name: [f"{name}([t, 2*t, t^2])", f"{name}([[t, 1], [2, t^2]], axis=0)"]
       for name in ["sum", "prod", "mean", "norm", "logsumexp"]},
    "max": ["max([t, 0.2, -1])", "max(t, 0.2)", "max(0.2, t)"],
    "min": ["min([t, 2.0, 1.5])", "min(t, 1.5)", "min(1.5, t)"],
    "softmax": ["softmax([t, 2*t, 1.0]) * [1, 2, 3]"],
    "dot": ["dot([t, 2], [3, t])", "dot(reshape(linspace(t, 2, 6), 2, 3), reshape(linspace(1, t, 24), 2, 3, 4))"],
    "matmul": ["matmul([[t, 1], [2, 3]], [[1, t], [t, 2]])"],
    "outer": ["outer([t, 2], [1, t])"],
    "transpose": ["transpose([[t, 2*t], [1, t^2]]) * [[1, 2], [3, 4]]"],
    "reshape": ["reshape([t, 2*t, t^2, 1], 2, 2) * [[1, 2], [3, 4]]"],
    "stack": ["stack([t, 2*t]) * [1, 3]", "stack([t, 1], [2, t], axis=1) * [[1, 2], [3, 4]]"],
    "concat": ["concat([t, 1], [t^2]) * [1, 2, 3]"],
    "full": ["full(2, 3, t) * [1, 2, 3]", "full(3, [t, 2*t, 1])"],
    "arange": ["arange(t, 3.0)", "arange(-1.0, 2.0, t)", "arange(t, 2.5, 0.5)"],
    "linspace": ["linspace(t, 2.0, 4)", "linspace(-1.0, t, 3)"],
    "sort": ["sort([t^2, 1.0, -t]) * [1, 2, 3]"], "topk": ["topk([t^2, 1.0, -t], 2)[0] * [1, 3]"],
    "take": ["take([t, t^2, 1], [2, 0, 1, 1]) * [1, 2, 3, 4]"],
    "take_along_axis": ["take_along_axis([[t, 1], [2, t^2]], [[1, 0], [0, 0]], 1) * [[1, 2], [3, 4]]"],
    "flip": ["flip([t, t^2, 1]) * [1, 2, 3]"], "roll": ["roll([t, t^2, 1], 1) * [1, 2, 3]"],
    "tile": ["tile([t, t^2], 2) * [1, 2, 3, 4]"], "repeat": ["repeat([t, t^2], [2, 1]) * [1, 2, 3]"],
    "pad": ["pad([t, t^2], 1) * [1, 2, 3, 4]", "pad([1.0], 1, constant_values=t^2) * [1, 2, 3]"],
    "tril": ["tril([[t, t^2], [1, t]]) * [[1, 2], [3, 4]]"], "triu": ["triu([[t, t^2], [1, t]]) * [[1, 2], [3, 4]]"],
    "squeeze": ["squeeze([[t, t^2]]) * [1, 2]"], "expand_dims": ["expand_dims([t, t^2], 0) * [[1, 2]]"],
    "atleast_1d": ["atleast_1d(t^2) * [3]"], "atleast_2d": ["atleast_2d([t, t^2]) * [[1, 2]]"],
    "atleast_3d": ["atleast_3d([t, t^2]) * 2"],
    "moveaxis": ["moveaxis([[t, t^2], [1, t]], 0, 1) * [[1, 2], [3, 4]]"],
    "swapaxes": ["swapaxes([[t, t^2], [1, t]], 1, 0) * [[1, 2], [3, 4]]"],
    "split": ["split([t, t^2, 1, t], 2)[1] * [1, 2]"], "array_split": ["array_split([t, t^2, 1], 2)[0] * [1, 2]"],
    "vstack": ["vstack([[t, 1], [t^2, 2]]) * [[1, 2], [3, 4]]"], "hstack": ["hstack([[t], [t^2, 1]]) * [1, 2, 3]"],
    "dstack": ["dstack([[t, 1], [t^2, 2]]) * 2"],
    "column_stack": ["column_stack([[t, 1], [t^2, 2]]) * [[1, 2], [3, 4]]"],
    "grad": ["grad(lambda s: s^3)(t)"],
    "value_and_grad": ["value_and_grad(lambda s: s^3)(t)[0] + value_and_grad(lambda s: s^3)(t)[1]"],
    "jacobian": ["jacobian(lambda s: [s^2, s^3])(t)"],
    "hessian": ["hessian(lambda s: s^4)(t)"],
    "jvp": ["jvp(lambda s: s^3, t, 2.0)[1]", "jvp(lambda s: s^3, 2.0, t)[1]"],
    "vjp": ["vjp(lambda s: s^3, t, 2.0)[1]", "vjp(lambda s: s^3, 2.0, t)[1]"],
    "enumerate": ["enumerate([t, 2*t^2], 3)[1][0] * enumerate([t, 2*t^2])[1][1]"],     # start: whole, as range's
    "zip": ["zip([t, 1], [2, t^2])[1][1] * zip([t, 1], [2, t^2])[0][0]"],
    **linalg_cases.DIFFERENTIABLE_ARGUMENTS,
    **{name: [f"{name}([t, 2*t, t^2, 1]) * [1, 2, 3, 4]", f"{name}([[t, 1], [2, t^2]], axis=0) * [[1, 2], [3, 4]]"]
       for name in ["cumsum", "cumprod", "log_softmax"]},
    "var": ["var([t, 2*t, t^2])", "var([[t, 1], [2, t^2]], axis=0, ddof=1)"],
    "std": ["std([t, 2*t, t^2])", "std([[t, 1], [2, t^2]], axis=0, ddof=1)"],
    "diff": ["diff([t, 2*t, t^3]) * [1, 2]", "diff([[t, 1], [2, t^2]], 1, 0)"],
    **{name: [f"{name}(t + 0.5)", f"{name}([t, 2*t])"] for name in
       ["erf", "erfc", "gammaln", "digamma", "sinc", "asinh", "nan_to_num"]},
    "acosh": ["acosh(t + 1.5)"], "atanh": ["atanh(t / 2)", "atanh([t / 2, -t / 3])"], "float": ["float(t)"],
    "int": ["int(t) + t"], "polygamma": ["polygamma(2, t + 1)"],
    **{name: [f"{name}(t, 0.3)", f"{name}(0.3, [t, 2*t])"] for name in ["logaddexp", "logaddexp2", "fmax"]},
    "fmin": ["fmin(t, 2.0)", "fmin(2.0, [t, 2*t])"],
    "xlogy": ["xlogy(t, 2.0)", "xlogy(2.0, [t, 3*t])"],
}
NO_VALUE_ARGUMENTS = {
    "sign": "a step: zero derivative, documented", "floor": "a step", "ceil": "a step", "round": "a step",
    "shape": "a shape", "len": "a size", "zeros": "a shape", "ones": "a shape", "eye": "sizes",
    "range": "whole-number bounds, as a loop's; documented as zero (arange takes differentiable ones)",
    "any": "truth values", "all": "truth values", "isnan": "truth values", "isfinite": "truth values",
    "allclose": "a truth value", "isclose": "truth values",
    "detach": "stops the derivative by definition", "print": "prints", "seed": "a whole number",
    "randn": "a shape", "rand": "a shape",
    "argsort": "positions: zero derivative, documented", "argmax": "a position", "argmin": "a position",
}


def every_builtin_name() -> set:
    return ({name for name, v in BUILTINS.items() if isinstance(v, Builtin)}
            | set(runtime_builtins(Runtime())))


def test_every_builtin_is_surveyed_for_arguments_without_a_derivative():
    assert set(DIFFERENTIABLE_ARGUMENTS) | set(NO_VALUE_ARGUMENTS) == every_builtin_name()
    assert not set(DIFFERENTIABLE_ARGUMENTS) & set(NO_VALUE_ARGUMENTS)


@pytest.mark.parametrize("expr", [e for name in sorted(DIFFERENTIABLE_ARGUMENTS)
                                  for e in DIFFERENTIABLE_ARGUMENTS[name]])
def test_every_value_argument_of_a_builtin_has_its_derivative(expr):
    text = f"input t = 0.7\ny = sum({expr})"
    prog = program(text)
    g = reverse_gradient(prog, {})
    assert abs(g[0]) > 1e-3, f"{expr}: zero derivative"       # each expression depends on t
    check_every_mode(text, {})      # one scalar input: the second order by Taylor mode where it applies


# ------------------------------------------------------------------ 10. dot is numpy's dot

def random_dot_operands(rng, rank_a: int, rank_b: int) -> tuple:
    # sizes from 2 up, so that no axis of length 1 lets a wrong order of axes through
    n = int(rng.integers(2, 5))
    sa = tuple(int(d) for d in rng.integers(2, 5, rank_a))
    sb = tuple(int(d) for d in rng.integers(2, 5, rank_b))
    if rank_a:
        sa = sa[:-1] + (n,)
    if rank_b == 1:
        sb = (n,)
    elif rank_b > 1:
        sb = sb[:-2] + (n,) + sb[-1:]
    a = rng.normal(size=sa) if rank_a else float(rng.normal())
    b = rng.normal(size=sb) if rank_b else float(rng.normal())
    return a, b


@pytest.mark.parametrize("rank_a", range(5))
@pytest.mark.parametrize("rank_b", range(5))
def test_dot_is_numpys_dot_for_every_pair_of_ranks(rank_a, rank_b):
    rng = np.random.default_rng(10 * rank_a + rank_b)
    for _ in range(4):
        a, b = random_dot_operands(rng, rank_a, rank_b)
        got, want = BUILTINS["dot"](a, b), np.dot(a, b)
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_dot_above_two_dimensions_sums_over_the_second_to_last_axis():
    # the case: a (2, 3), b (2, 3, 4); matmul would broadcast them to the same shape (2, 2, 4)
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(24.0).reshape(2, 3, 4) / 10
    got = run_json("eval", "-e", "dot(a, b)", "--at", "a=reshape(arange(6), 2, 3)",
                   "--at", "b=reshape(arange(24), 2, 3, 4) / 10")
    np.testing.assert_allclose(got["output"], np.dot(a, b), rtol=1e-14)
    assert not np.allclose(np.dot(a, b), np.matmul(a, b))
    text = ("input a = reshape(linspace(-1, 1, 6), 2, 3)\ninput b = reshape(linspace(0.5, 2, 24), 2, 3, 4)\n"
            "y = sum(dot(a, b)^2 * reshape(linspace(1, 2, 16), 2, 2, 4))")
    prog = program(text)
    d = differentiate(prog, {})
    A, B = np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(0.5, 2, 24).reshape(2, 3, 4)
    W = np.linspace(1, 2, 16).reshape(2, 2, 4)
    G = 2 * np.dot(A, B) * W                                 # the cotangent of dot(a, b)
    np.testing.assert_allclose(d.derivatives["a"], np.einsum("ikm,kjm->ij", G, B), rtol=1e-12)
    np.testing.assert_allclose(d.derivatives["b"], np.einsum("ij,ikm->kjm", A, G), rtol=1e-12)
    check_every_mode(text, {})
    check_every_mode("input a = reshape(linspace(-1, 1, 12), 2, 2, 3)\ninput b = [0.5, -1.0, 2.0]\n"
                     "y = sum(dot(a, b)^3) + sum(dot(b, reshape(linspace(1, 2, 12), 2, 3, 2))^2)", {})


def test_dot_of_unaligned_shapes_names_the_axes():
    code, out, err = run_main(["eval", "-e", "dot(ones((2, 3)), ones((2, 4, 5)))"])
    assert code == 1
    assert "shapes (2, 3) and (2, 4, 5) are not aligned: 3 (last axis of the first) != 4 (axis 1" in err


# ---------------------------------------------- 12. the Hessian through mixed advanced indexing

def test_hessian_through_advanced_indices_apart():
    # x[0, :, [1, 3]] puts the advanced axis first (numpy): shape (2, 3), not (3, 2)
    text = ("input x = reshape(linspace(0.5, 1.5, 24), 2, 3, 4)\nV = reshape(linspace(1, 2, 6), 2, 3)\n"
            "s = sum(x[0, :, [1, 3]]^3 * V)")
    X, V = np.linspace(0.5, 1.5, 24).reshape(2, 3, 4), np.linspace(1, 2, 6).reshape(2, 3)
    picked = X[0, :, [1, 3]]
    assert picked.shape == (2, 3)
    gradient = np.zeros((2, 3, 4))
    gradient[0, :, [1, 3]] = 3 * picked ** 2 * V
    diagonal = np.zeros((2, 3, 4))
    diagonal[0, :, [1, 3]] = 6 * picked * V
    check_every_mode(text, {}, gradient=gradient.reshape(-1), hessian=np.diag(diagonal.reshape(-1)))
    got = run_json("hessian", "-e", "input x = ones((2,3,4))\nV = ones((2,3))\ns = sum(x[0, :, [1, 3]] * V)")
    assert np.array_equal(got["derivatives"]["2"]["x,x"], np.zeros((2, 3, 4, 2, 3, 4)))
