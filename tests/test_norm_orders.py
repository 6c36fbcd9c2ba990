"""norm(x, ord, axis, keepdims) as numpy's linalg.norm: values, derivatives at orders 1 and 2, kinks, errors."""
from __future__ import annotations

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.higher import derivative_tensors
from autodiff.grammar.source import ProgramError
from helpers import close
from test_syntax_sequences import check_derivatives, program

V = np.array([3.0, -4.0, 0.5, 1.25])
M = np.array([[1.0, -2.0, 3.5], [4.0, 0.5, -6.0]])
T = np.random.default_rng(3).normal(size=(2, 3, 4))      # no ties, no zeros


NAMED_ORDERS = {"inf": np.inf, "-inf": -np.inf, "'fro'": "fro", "None": None}


def numpy_ord(text: str):
    return NAMED_ORDERS[text] if text in NAMED_ORDERS else float(text)


CASES = [
    ("v", "None", ""), ("v", "1", ""), ("v", "2", ""), ("v", "inf", ""), ("v", "-inf", ""), ("v", "3", ""),
    ("v", "-1.5", ""), ("v", "0.5", ""),
    ("M", "None", ""), ("M", "'fro'", ""), ("M", "1", ""), ("M", "-1", ""), ("M", "inf", ""), ("M", "-inf", ""),
    ("M", "1", ", axis=1"), ("M", "inf", ", axis=0"), ("M", "3", ", axis=0, keepdims=true"),
    ("M", "1", ", axis=(1, 0)"), ("M", "inf", ", axis=(1, 0), keepdims=true"), ("M", "None", ", axis=-1"),
    ("T", "1", ", axis=(0, 2)"), ("T", "inf", ", axis=(2, 1)"), ("T", "None", ", keepdims=true"),
    ("T", "'fro'", ", axis=(0, 1)"), ("T", "-1", ", axis=(2, 0), keepdims=true"), ("T", "2", ", axis=1"),
]
VALUES = {"v": V, "M": M, "T": T}


@pytest.mark.parametrize("name, ord, rest", CASES)
def test_values_are_numpys(name, ord, rest):
    got = evaluate(program(f"input {name}\ny = norm({name}, {ord}{rest})"), {name: VALUES[name]}).output
    kwargs = eval(f"dict({rest.lstrip(', ')})".replace("true", "True")) if rest else {}
    close(got, np.linalg.norm(VALUES[name], numpy_ord(ord), **kwargs), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name, ord, rest", [c for c in CASES if c[0] != "T"] + [("T", "1", ", axis=(0, 2)"),
                                                                                  ("T", "inf", ", axis=(2, 1)")])
def test_derivatives_at_orders_1_and_2(name, ord, rest):
    # the points are away from the kinks: no zero element, no tied maximum
    check_derivatives(f"input {name}\ny = sum(exp(-norm({name}, {ord}{rest})))", {name: VALUES[name]})


def test_vector_gradients_by_hand():
    at = {"v": V}
    grad = lambda text: differentiate(program("input v\ny = " + text), at).derivatives["v"]  # noqa: E731
    close(grad("norm(v, 1)"), np.sign(V))
    close(grad("norm(v, 2)"), V / np.linalg.norm(V))
    close(grad("norm(v, inf)"), [0.0, -1.0, 0.0, 0.0])
    close(grad("norm(v, -inf)"), [0.0, 0.0, 1.0, 0.0])
    close(grad("norm(v, 0)"), np.zeros(4))
    assert evaluate(program("input v\ny = norm(v, 0)"), {"v": np.array([0.0, 2.0, 0.0])}).output == 1.0
    p = 3.0
    close(grad("norm(v, 3)"), np.sign(V) * np.abs(V) ** (p - 1) * np.sum(np.abs(V) ** p) ** (1 / p - 1),
          rtol=1e-12)


def test_matrix_one_norm_gradient_picks_the_largest_column():
    # column sums of |M|: 5, 2.5, 9.5: d/dM = sign(M) on the third column
    grad = differentiate(program("input M\ny = norm(M, 1)"), {"M": M}).derivatives["M"]
    close(grad, np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]))
    # row sums: 6.5, 10.5
    grad = differentiate(program("input M\ny = norm(M, inf)"), {"M": M}).derivatives["M"]
    close(grad, np.array([[0.0, 0.0, 0.0], [1.0, 1.0, -1.0]]))


def test_the_zero_rule_holds_at_every_order_for_the_euclidean_norms():
    for text in ("norm(x, 2)", "norm(x)", "norm(reshape(x, 2, 2), 'fro')"):
        result = derivative_tensors(program("input x\ny = " + text), {"x": np.zeros(4)}, 2)
        assert result.orders[1][("x",)].tolist() == [0.0] * 4
        assert np.all(result.orders[2][("x", "x")] == 0)


@pytest.mark.parametrize("text, at, operation", [
    ("norm(x, 1)", [0.0, 1.0, 2.0], "abs"),
    ("norm(x, inf)", [2.0, -2.0, 1.0], "max"),
    ("norm(x, -inf)", [1.0, -1.0, 3.0], "min"),
    ("norm(x)", [0.0, 0.0, 0.0], "norm"),
])
def test_kinks_warn_as_the_operations_they_are_made_of(text, at, operation):
    found = differentiate(program("input x\ny = " + text), {"x": np.array(at)})
    assert operation in [w.operation for w in found.warnings if w.kind == "kink"]
    away = differentiate(program("input x\ny = " + text), {"x": np.array([0.5, 1.25, 2.5])})
    assert [w for w in away.warnings if w.kind == "kink"] == []


def test_axis_is_a_keyword_and_the_second_positional_argument_is_the_order():
    rows = evaluate(program("input M\ny = norm(M, axis=1)"), {"M": M}).output
    close(rows, np.linalg.norm(M, axis=1))
    one = evaluate(program("input M\ny = norm(M, 1)"), {"M": M}).output
    assert one == 9.5 == np.linalg.norm(M, 1)


@pytest.mark.parametrize("text, message", [
    ("norm(M, 2)", "the matrix norm ord=2 needs singular values"),
    ("norm(M, 'nuc')", "the matrix norm ord='nuc' needs singular values"),
    ("norm(v, 'fro')", "norm order 'fro' is for matrices"),
    ("norm(M, 'max')", "norm order 'max' is not one of 'fro' or 'nuc'"),
    ("norm(T, 1)", "norm with ord=1 takes a vector or a matrix, not an array of shape (2, 3, 4)"),
    ("norm(T, None, axis=(0, 1, 2))", "norm over 3 axes"),
    ("norm(M, 1, axis=(0, 0))", "repeats an axis"),
    ("norm(v, [1, 2])", "the order of norm must be a number"),
])
def test_refused_orders_are_located_errors(text, message):
    with pytest.raises(ProgramError) as caught:
        evaluate(program(f"input v\ninput M\ninput T\n\ny = {text}"), {"v": V, "M": M, "T": T})
    assert message in caught.value.message
    assert (caught.value.span.line, caught.value.span.col) == (5, 5)
