"""Order, selection and shape builtins (issue 14): values against numpy, derivatives against finite
differences at orders 1 and 2, forward against reverse, Hessians through the batching trace,
Taylor mode, the tie warnings, positions as indices and numbers, the limits, and the errors.

None of them is a new primitive (diffcore/interpreter/ordering.py and shaping.py say what each is
made of), so these tests check the compositions: that they are numpy's values, and that the
derivatives of the primitives they use add up to the derivative of the whole.
"""
from __future__ import annotations

import inspect
import re
import tracemalloc

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.engine.errors import LimitExceeded
from autodiff.diffcore.higher import derivative_tensors, jacobian
from autodiff.diffcore.interpreter.runtime import Limits
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError
from helpers import close, run_main

# Distinct values, so that no sort is at a tie; (3, 4) so that every axis has its own length.
X = np.array([[0.3, -1.2, 2.1, 0.7],
              [1.5, 0.1, -0.4, 2.6],
              [-0.9, 1.1, 0.5, -2.2]])


def program(text: str) -> Program:
    return Program.from_text(text, "<test>")


def value(text: str, **at):
    return evaluate(program(text), at).output


# ------------------------------------------------------------------ values against numpy

STABLE = {"kind": "stable"}
VALUES = [
    ("sort(x)", lambda x: np.sort(x)),
    ("sort(x, axis=0)", lambda x: np.sort(x, axis=0)),
    ("sort(x, 0, 'stable')", lambda x: np.sort(x, 0, "stable")),
    ("argsort(x)", lambda x: np.argsort(x, **STABLE)),
    ("argsort(x, axis=0)", lambda x: np.argsort(x, axis=0, **STABLE)),
    ("argmax(x)", lambda x: np.argmax(x)),
    ("argmax(x, axis=1)", lambda x: np.argmax(x, axis=1)),
    ("argmin(x, 0)", lambda x: np.argmin(x, 0)),
    ("argmin(x, axis=-1, keepdims=true)", lambda x: np.argmin(x, axis=-1, keepdims=True)),
    ("topk(x, 3)[0]", lambda x: -np.sort(-x)[:, :3]),
    ("topk(x, 3)[1]", lambda x: np.argsort(-x, **STABLE)[:, :3]),
    ("topk(x, 2, axis=0, largest=false)[0]", lambda x: np.sort(x, axis=0)[:2]),
    ("take(x, [0, 5, 5, 11])", lambda x: np.take(x, [0, 5, 5, 11])),
    ("take(x, [[2, 0], [1, 1]], axis=1)", lambda x: np.take(x, [[2, 0], [1, 1]], axis=1)),
    ("take(x, 1, axis=0)", lambda x: np.take(x, 1, axis=0)),
    ("take(x, -1)", lambda x: np.take(x, -1)),
    ("take(x, [4, -5], axis=0, mode='wrap')", lambda x: np.take(x, [4, -5], axis=0, mode="wrap")),
    ("take(x, [7, -2], 1, 'clip')", lambda x: np.take(x, [7, -2], 1, mode="clip")),
    ("take_along_axis(x, argsort(x, axis=0), axis=0)", lambda x: np.take_along_axis(x, np.argsort(x, 0), 0)),
    ("take_along_axis(x, [[0], [3], [1]], 1)", lambda x: np.take_along_axis(x, np.array([[0], [3], [1]]), 1)),
    ("take_along_axis(x, [[2, 0, 1, 1]], axis=0)", lambda x: np.take_along_axis(x, np.array([[2, 0, 1, 1]]), 0)),
    ("flip(x)", lambda x: np.flip(x)),
    ("flip(x, 1)", lambda x: np.flip(x, 1)),
    ("flip(x, (0, 1))", lambda x: np.flip(x, (0, 1))),
    ("roll(x, 5)", lambda x: np.roll(x, 5)),
    ("roll(x, -1, axis=1)", lambda x: np.roll(x, -1, axis=1)),
    ("roll(x, (1, 6), axis=(0, 1))", lambda x: np.roll(x, (1, 6), axis=(0, 1))),
    ("roll(x, (1, 2), axis=(1, 1))", lambda x: np.roll(x, (1, 2), axis=(1, 1))),
    ("roll(x, 2, axis=(0, 1))", lambda x: np.roll(x, 2, axis=(0, 1))),
    ("tile(x, 2)", lambda x: np.tile(x, 2)),
    ("tile(x, (2, 1, 3))", lambda x: np.tile(x, (2, 1, 3))),
    ("tile(x[0], [2, 2])", lambda x: np.tile(x[0], [2, 2])),
    ("tile(x, 0)", lambda x: np.tile(x, 0)),
    ("repeat(x, 2)", lambda x: np.repeat(x, 2)),
    ("repeat(x, 3, axis=0)", lambda x: np.repeat(x, 3, axis=0)),
    ("repeat(x, [1, 0, 2], axis=0)", lambda x: np.repeat(x, [1, 0, 2], axis=0)),
    ("repeat(x, [2], axis=-1)", lambda x: np.repeat(x, [2], axis=-1)),
    ("repeat(x[0, 0], 3)", lambda x: np.repeat(x[0, 0], 3)),
    ("squeeze(reshape(x, 1, 3, 1, 4))", lambda x: x),
    ("squeeze(reshape(x, 1, 3, 1, 4), axis=2)", lambda x: x.reshape(1, 3, 4)),
    ("expand_dims(x, 1)", lambda x: np.expand_dims(x, 1)),
    ("expand_dims(x, (0, -1))", lambda x: np.expand_dims(x, (0, -1))),
    ("pad(x, 1)", lambda x: np.pad(x, 1)),
    ("pad(x, (1, 2), constant_values=7)", lambda x: np.pad(x, (1, 2), constant_values=7)),
    ("pad(x, [[1, 0], [0, 2]], constant_values=[[1, 2], [3, 4]])",
     lambda x: np.pad(x, [[1, 0], [0, 2]], constant_values=[[1, 2], [3, 4]])),
    ("pad(x, ((0, 1), (2, 0)), 'constant', constant_values=(5, 6))",
     lambda x: np.pad(x, ((0, 1), (2, 0)), "constant", constant_values=(5, 6))),
    ("pad(x[0], [2])", lambda x: np.pad(x[0], [2])),
    ("tril(x)", lambda x: np.tril(x)),
    ("tril(x, -1)", lambda x: np.tril(x, -1)),
    ("triu(x, 1)", lambda x: np.triu(x, 1)),
    ("triu(x[0])", lambda x: np.triu(x[0])),
    ("tril(reshape(x, 2, 2, 3), 1)", lambda x: np.tril(x.reshape(2, 2, 3), 1)),
    ("split(x, 2, axis=1)[1]", lambda x: np.split(x, 2, axis=1)[1]),
    ("split(x, [1, 5])[1]", lambda x: np.split(x, [1, 5])[1]),
    ("split(x, [1, 5])[2]", lambda x: np.split(x, [1, 5])[2]),
    ("array_split(x, 2)[0]", lambda x: np.array_split(x, 2)[0]),
    ("array_split(x[0], 3)[2]", lambda x: np.array_split(x[0], 3)[2]),
    ("len(array_split(x, 5, axis=1))", lambda x: len(np.array_split(x, 5, axis=1))),
    ("vstack([x[0], x[1, 1]])", None),    # ragged: an error, below
    ("vstack([x[0], x[1]])", lambda x: np.vstack([x[0], x[1]])),
    ("vstack((x, x[2]))", lambda x: np.vstack((x, x[2]))),
    ("hstack([x[0], x[1, 0:2]])", lambda x: np.hstack([x[0], x[1, :2]])),
    ("hstack((x, x[:, 0:1]))", lambda x: np.hstack((x, x[:, :1]))),
    ("hstack(x)", lambda x: x),      # one array is one item: vstack([a]) is numpy's, so hstack(x) is x
    ("dstack([x, x])", lambda x: np.dstack([x, x])),
    ("dstack([x[0], x[1]])", lambda x: np.dstack([x[0], x[1]])),
    ("column_stack([x[0], x[1]])", lambda x: np.column_stack([x[0], x[1]])),
    ("column_stack((x, x[:, 0]))", lambda x: np.column_stack((x, x[:, 0]))),
    ("moveaxis(reshape(x, 3, 2, 2), 0, -1)", lambda x: np.moveaxis(x.reshape(3, 2, 2), 0, -1)),
    ("moveaxis(reshape(x, 3, 2, 2), (0, 1), (2, 0))", lambda x: np.moveaxis(x.reshape(3, 2, 2), (0, 1), (2, 0))),
    ("swapaxes(x, 0, 1)", lambda x: np.swapaxes(x, 0, 1)),
    ("atleast_1d(x[0, 0])", lambda x: np.atleast_1d(x[0, 0])),
    ("atleast_2d(x[0])", lambda x: np.atleast_2d(x[0])),
    ("atleast_3d(x[0])", lambda x: np.atleast_3d(x[0])),
    ("atleast_3d(x)", lambda x: np.atleast_3d(x)),
    ("atleast_3d(x[0, 0])", lambda x: np.atleast_3d(x[0, 0])),
    ("atleast_2d(x[0], x)[0]", lambda x: np.atleast_2d(x[0], x)[0]),
]


@pytest.mark.parametrize("text, reference", [c for c in VALUES if c[1] is not None], ids=lambda v: str(v)[:40])
def test_values_are_numpys(text, reference):
    got = value(f"y = {text}", x=X)
    want = np.asarray(reference(X), dtype=np.float64)
    close(got, want, rtol=0, atol=0)


def test_sort_puts_nan_last_as_numpy_and_argmax_points_at_the_first_nan():
    x = np.array([2.0, np.nan, -1.0, 3.0])
    close(value("y = sort(x)", x=x), np.sort(x))
    assert value("y = argmax(x)", x=x) == np.argmax(x) == 1.0


def test_unpacking_and_indexing_the_pieces_of_split():
    got = value("a, b, c = array_split(x, 3, axis=1)\ny = concat([c, a, b], axis=1)", x=X)
    close(got, np.concatenate([X[:, 3:], X[:, :2], X[:, 2:3]], axis=1))
    assert value("y = len(split(x, 3))", x=X) == 3.0
    close(value("v, i = topk(x[0], 2)\ny = v - x[0][i]", x=X), np.zeros(2))


# ------------------------------------------------------------------ derivatives

# Each differentiable builtin inside a nonlinear program (so that second derivatives are not zero),
# at the point X, which has no ties.
DIFFERENTIABLE = [
    "sort(x)", "sort(x, axis=0)", "topk(x, 2)[0]", "topk(x, 2, axis=0, largest=false)[0]",
    "take(x, [0, 5, 5, 11])", "take(x, [[2, 0], [1, 1]], axis=1)", "take(x, 1, axis=0)",
    "take_along_axis(x, argsort(x, axis=0), axis=0)", "take_along_axis(x, [[0, 0], [3, 1], [1, 1]], 1)",
    "flip(x)", "flip(x, 0)", "roll(x, 5)", "roll(x, (1, -1), axis=(0, 1))",
    "tile(x, (2, 1))", "tile(x[1], 3)", "repeat(x, 2)", "repeat(x, [1, 0, 2], axis=0)", "repeat(x, 2, axis=1)",
    "squeeze(reshape(x, 1, 3, 4), 0)", "expand_dims(x, 1)", "atleast_3d(x)",
    "pad(x, 1, constant_values=c)", "pad(x, [[1, 0], [0, 2]], constant_values=[[c, 1], [2, c * c]])",
    "tril(x)", "triu(x, 1)", "split(x, 2, axis=1)[1]", "array_split(x, 2)[0] * array_split(x, 2)[1][0]",
    "vstack([x[0], x[1] * c])", "hstack([x, x * c])", "dstack([x, x])", "column_stack([x[0], x[2]])",
    "moveaxis(x, 0, 1)", "swapaxes(x, 1, 0)", "x[1, argmax(x, axis=1)[1]] * argmax(x)",
]
AT = {"x": X, "c": 0.7}


def smooth_program(expr: str) -> Program:
    return program(f"F = {expr}\ny = sum(sin(F) * F) + sum(F) ^ 2 * 0.1 + c * c")


def fd_gradient(p: Program, at: dict, h: float = 1e-6) -> dict:
    """Central differences of the program's output, input by input."""
    out = {}
    for name, v in at.items():
        base = np.array(v, dtype=float)
        g = np.zeros(base.shape)
        for j in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[j] += h
            minus[j] -= h
            g[j] = (value_of(p, {**at, name: plus}) - value_of(p, {**at, name: minus})) / (2 * h)
        out[name] = g
    return out


def value_of(p: Program, at: dict) -> float:
    at = {k: (float(v) if np.ndim(v) == 0 else v) for k, v in at.items()}
    return float(evaluate(p, at).output)


@pytest.mark.parametrize("expr", DIFFERENTIABLE)
def test_gradient_against_finite_differences(expr):
    p = smooth_program(expr)
    got = differentiate(p, AT).derivatives
    want = fd_gradient(p, AT)
    for name in AT:
        close(got[name], want[name], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("expr", DIFFERENTIABLE)
def test_hessian_through_the_batching_trace_against_finite_differences_of_the_gradient(expr):
    """derivative_tensors(order 2) of a program with array inputs is one batched forward pass over
    the reverse sweep: every rule of the composition runs under the batching trace."""
    p = smooth_program(expr)
    result = derivative_tensors(p, AT, 2)
    assert result.mode != "taylor"
    h = 1e-5
    for y in AT:
        base = np.array(AT[y], dtype=float)
        for j in np.ndindex(base.shape):
            plus, minus = base.copy(), base.copy()
            plus[j] += h
            minus[j] -= h
            gp = differentiate(p, {**AT, y: plus if plus.shape else float(plus)}).derivatives
            gm = differentiate(p, {**AT, y: minus if minus.shape else float(minus)}).derivatives
            for x in AT:
                column = (np.asarray(gp[x]) - np.asarray(gm[x])) / (2 * h)
                close(np.asarray(result.orders[2][(x, y)])[(Ellipsis,) + j], column, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("expr", DIFFERENTIABLE)
def test_forward_mode_equals_reverse_mode(expr):
    p = program(f"y = {expr}")
    at = {name: v for name, v in AT.items() if re.search(rf"\b{name}\b", expr)}
    forward = jacobian(p, at, mode="forward").orders[1]
    reverse = jacobian(p, at, mode="reverse").orders[1]
    for key in forward:
        close(forward[key], reverse[key], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("expr", ["sort(x)", "topk(x, 3)[0]", "roll(x, 1, axis=0)", "repeat(x, [2, 1, 0], axis=0)",
                                  "pad(x, 1, constant_values=c)", "triu(x)", "hstack([x, x * c])"])
def test_taylor_mode_to_order_3_agrees_with_nested_differentiation(expr):
    """One scalar input t moving x and c: derivative_tensors takes Taylor mode; its derivatives of
    order 2 and 3 against central differences of the (reverse-mode) gradient and of Taylor's order 2."""
    text = f"x = B + t * D\nc = 0.7 + 0.3 * t\nF = {expr}\ny = sum(sin(F) * F) + sum(F) ^ 2 * 0.1"
    p = program(text)
    D = np.cos(np.arange(12.0)).reshape(3, 4)

    def at(t):
        return {"t": t, "B": X, "D": D}
    result = derivative_tensors(p, at(0.0), 3, wrt=["t"])
    assert result.mode == "taylor"
    h = 1e-5
    plus, minus = differentiate(p, at(h), wrt=["t"]), differentiate(p, at(-h), wrt=["t"])
    second = (plus.derivatives["t"] - minus.derivatives["t"]) / (2 * h)
    assert np.isclose(result.orders[2][("t", "t")], second, rtol=1e-6, atol=1e-7)
    up, down = derivative_tensors(p, at(h), 2, wrt=["t"]), derivative_tensors(p, at(-h), 2, wrt=["t"])
    third = (up.orders[2][("t", "t")] - down.orders[2][("t", "t")]) / (2 * h)
    assert np.isclose(result.orders[3][("t", "t", "t")], third, rtol=1e-5, atol=1e-6)


def test_sort_gradient_is_the_permutation():
    d = differentiate(program("y = sort(x)"), {"x": np.array([3.0, 1.0, 2.0])})
    close(jacobian(program("y = sort(x)"), {"x": np.array([3.0, 1.0, 2.0])}).orders[1][("x",)],
          [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    assert d.warnings == []


# ------------------------------------------------------------------ ties, positions

@pytest.mark.parametrize("text, x, operation", [
    ("y = sum(sort(x) * [1, 2, 3])", [2.0, 1.0, 2.0], "sort"),
    ("y = sum(topk(x, 2)[0])", [2.0, 1.0, 2.0], "topk"),
    ("y = sum(topk(x, 1)[0])", [2.0, 1.0, 2.0], "topk"),         # the first left out ties with the chosen
    ("y = x[argmax(x)]", [2.0, 1.0, 2.0], "argmax"),
    ("y = x[argmin(x)]", [1.0, 3.0, 1.0], "argmin"),
    ("y = sum(x[argsort(x)] * [1, 2, 3])", [1.0, 3.0, 1.0], "argsort"),
])
def test_ties_are_reported_as_kinks_and_nothing_is_reported_off_them(text, x, operation):
    p = program(text)
    at_tie = differentiate(p, {"x": np.array(x)})
    assert [(w.kind, w.operation) for w in at_tie.warnings] == [("kink", operation)]
    assert "tied elements" in at_tie.warnings[0].message
    assert differentiate(p, {"x": np.array(x) + [0.0, 0.25, 0.5]}).warnings == []


def test_topk_ties_outside_the_chosen_and_the_first_left_out_are_not_kinks():
    # [5, 1, 1]: top 1 is 5; the tie of the two 1s changes nothing chosen
    assert differentiate(program("y = sum(topk(x, 1)[0])"), {"x": np.array([5.0, 1.0, 1.0])}).warnings == []


def test_positions_are_indices_and_numbers_with_zero_derivative():
    p = program("i = argmax(x)\nj = argsort(x)\ny = x[i] * i + sum(x[j] * j) + argmin(x)")
    x = np.array([0.5, 3.0, -1.0, 2.0])
    d = differentiate(p, {"x": x})
    i, j = 1, np.argsort(x)
    assert d.output == x[i] * i + np.sum(x[j] * j) + 2
    # x[1] * 1 gives [0, 1, 0, 0]; sum(x[j] * j) multiplies x[k] by k, wherever j puts it
    close(d.derivatives["x"], [0, 2, 2, 3])
    # an argmax is a float64 number like any other, and a whole one
    assert value("y = argmax(x) / 2", x=x) == 0.5


def test_argmax_of_a_traced_value_inside_in_language_grad():
    got = value("f = lambda v: v[argmax(v)] ^ 2\ny = grad(f)(x)", x=np.array([1.0, 4.0, 2.0]))
    close(got, [0.0, 8.0, 0.0])


# ------------------------------------------------------------------ limits

@pytest.mark.parametrize("text", [
    "y = tile(x, 1000000000)", "y = tile(x, (100000, 100000))", "y = repeat(x, 1000000000)",
    "y = repeat(x, [1000000000, 1, 1])", "y = pad(x, 1000000000)", "y = pad(x, [[0, 1000000000]])",
    "y = split(x, [1] * ones(1000000000))", "y = tril(x[0] * ones(100000))", "y = array_split(x, 1000000000)",
])
def test_huge_results_are_refused_by_the_limits_before_anything_is_allocated(text):
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceeded) as refused:
            evaluate(program(text), {"x": np.array([1.0, 2.0, 3.0])}, limits=Limits(max_elements=10 ** 6))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.value.limit == "max-elements"
    assert peak < 50 * 2 ** 20, peak


def test_a_result_exactly_at_the_element_limit_is_admitted_and_one_more_is_not():
    limits = Limits(max_elements=12)
    assert np.shape(evaluate(program("y = tile(x, 4)"), {"x": np.arange(3.0)}, limits=limits).output) == (12,)
    with pytest.raises(LimitExceeded):
        evaluate(program("y = pad(x, [0, 10])"), {"x": np.arange(3.0)}, limits=limits)


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("text, kind, fragment", [
    ("y = take(x, 3)", "runtime error", "index 3 is out of range for an axis of length 3"),
    ("y = take(x, 0.5)", "type error", "whole numbers"),
    ("y = take(x, [1], mode='nearest')", "type error", "'raise', 'wrap', 'clip', not 'nearest'"),
    ("y = take_along_axis(x, [[0]], 0)", "shape error", "2 dimensions and the array 1"),
    ("y = split(x, 2)", "shape error", "do not divide an axis of length 3"),
    ("y = split(x, 0)", "type error", "at least 1"),
    ("y = pad(x, 1, mode='edge')", "type error", "pad's mode is 'constant'"),
    ("y = pad(x, [1, 2, 3])", "shape error", "(before, after) pair"),
    ("y = pad(x, -1)", "type error", "cannot be negative"),
    ("y = squeeze(x, 0)", "shape error", "axis 0 has length 3, not 1"),
    ("y = repeat(x, [1, 2])", "shape error", "2 counts for an axis of length 3"),
    ("y = tile(x, -1)", "type error", "cannot be negative"),
    ("y = sort(x, axis=1)", "shape error", "axis 1 is out of range"),
    ("y = sort(x, axis=(0, 0))", "type error", "one axis"),
    ("y = sort(x, kind='bubble')", "type error", "'quicksort'"),
    ("y = topk(x, 4)", "shape error", "k = 4 is not between 0 and the length 3"),
    ("y = argmax(x[0:0])", "shape error", "argmax of an empty array"),
    ("y = vstack([x, zeros(2)])", "shape error", "differ outside axis 0"),
    ("y = moveaxis(x, (0, 0), (0, 0))", "shape error", "repeats an axis"),
    ("y = tril(x[0])", "shape error", "needs an array"),
    ("y = x + sort('abc')", "type error", "must be a number or an array"),
])
def test_mistakes_are_located_errors(text, kind, fragment):
    with pytest.raises(ProgramError) as raised:
        evaluate(program(text), {"x": np.array([1.0, 2.0, 3.0])})
    error = raised.value
    assert error.kind == kind, (error.kind, str(error))
    assert fragment in str(error), str(error)
    assert error.span is not None and error.span.line == 1


def test_a_mistake_at_the_command_line_is_a_located_report_without_traceback():
    code, out, err = run_main(["eval", "-e", "x = [1, 2, 3]\ny = take(x, [0, 7])"])
    assert code == 1 and out == ""
    assert "<expr>:2:5: runtime error: take: index 7 is out of range for an axis of length 3" in err
    assert "hint: positions go from -3 to 2" in err


GOOD_CALLS = {
    "sort": (X,), "argsort": (X,), "argmax": (X,), "argmin": (X,), "topk": (X, 2), "take": (X, np.array([0.0, 1.0])),
    "take_along_axis": (X, np.zeros((3, 1)), 1), "flip": (X,), "roll": (X, 1), "tile": (X, 2), "repeat": (X, 2),
    "pad": (X, 1), "tril": (X,), "triu": (X,), "squeeze": (X,), "expand_dims": (X, 0), "atleast_1d": (X,),
    "atleast_2d": (X,), "atleast_3d": (X,), "moveaxis": (X, 0, 1), "swapaxes": (X, 0, 1), "split": (X, 2, 1),
    "array_split": (X, 2), "vstack": (X, X), "hstack": (X, X), "dstack": (X, X), "column_stack": (X, X),
}
ODD_VALUES = [None, "s", (1.0, 2.0), ((1.0,), (2.0, 3.0)), np.array([[1.5]]), -1.0, 1e300, np.nan, np.inf,
              np.zeros(0), np.zeros((2, 0)), True, 7.0, 2.5, abs]


@pytest.mark.parametrize("name", sorted(GOOD_CALLS))
def test_any_odd_argument_is_a_program_error_never_a_python_one(name):
    """Each argument in turn replaced by a value of the wrong kind or range (None too, which the
    language can spell): the builtin computes or raises a program error (or the element limit's)."""
    from autodiff.diffcore.engine.context import RunContext
    from autodiff.diffcore.engine.numeric import ArrayTooLarge
    from autodiff.diffcore.interpreter.builtins import BUILTINS
    fn, args = BUILTINS[name].fn, GOOD_CALLS[name]
    parameters = list(inspect.signature(fn).parameters.values())
    keywords = [p.name for p in parameters[len(args):] if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    assert keywords or name in ("atleast_1d", "atleast_2d", "atleast_3d", "vstack", "hstack", "dstack",
                                "column_stack", "moveaxis", "swapaxes", "expand_dims", "take_along_axis") \
        or len(args) == len(parameters)
    calls = [(lambda odd, k=k: fn(*args[:k], odd, *args[k + 1:])) for k in range(len(args))]
    calls += [(lambda odd, key=key: fn(*args, **{key: odd})) for key in keywords]
    with RunContext(Limits(max_elements=10 ** 6)):
        fn(*args)
        for call in calls:
            for odd in ODD_VALUES:
                try:
                    call(odd)
                except (ProgramError, ArrayTooLarge):
                    pass
