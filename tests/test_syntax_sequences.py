"""None and `...` in indices, the augmented operators, enumerate/zip and unpacking, value semantics.

Each construct's value and derivatives: against hand-derived values, against a second
spelling of the same program (a range loop, explicit indices), and every derivative by
every method: the reverse-mode gradient against the forward-mode Jacobian and central
differences of the value (order 1), the Hessian (forward over reverse, batched) against
central differences of the gradient (order 2).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.higher import derivative_tensors, jacobian
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError
from helpers import close


def program(text: str) -> Program:
    return Program.from_text(text, "<test>")


def value(text: str, at: Optional[dict] = None):
    return evaluate(program(text), at or {}).output


def _shifted(at: dict, name: str, k: tuple, h: float) -> dict:
    moved = {n: np.array(v, dtype=float) for n, v in at.items()}
    moved[name][k] += h
    return moved


def check_derivatives(text: str, at: dict) -> dict:
    """The gradient, checked by forward mode and finite differences; the Hessian by finite differences."""
    p = program(text)
    at = {n: np.array(v, dtype=float) for n, v in at.items()}
    grad = differentiate(p, at).derivatives
    forward = jacobian(p, at, mode="forward").orders[1]
    for name in at:
        block = forward[(name,)]
        close(block, grad[name], rtol=1e-12, atol=1e-12)
        fd = np.zeros(at[name].shape)
        for k in np.ndindex(at[name].shape):
            plus, minus = (evaluate(p, _shifted(at, name, k, s)).output for s in (1e-6, -1e-6))
            fd[k] = (plus - minus) / 2e-6
        close(grad[name], fd, rtol=1e-6, atol=1e-6)
    hessian = derivative_tensors(p, at, 2).orders[2]
    for a in at:
        for b in at:
            fd = np.zeros(at[a].shape + at[b].shape)
            for k in np.ndindex(at[b].shape):
                plus = differentiate(p, _shifted(at, b, k, 1e-5)).derivatives[a]
                minus = differentiate(p, _shifted(at, b, k, -1e-5)).derivatives[a]
                fd[(Ellipsis,) + k] = (plus - minus) / 2e-5
            close(hessian[(a, b)], fd, rtol=1e-5, atol=1e-5)
    return {"grad": grad, "hessian": hessian}


def error_of(text: str, at: Optional[dict] = None) -> ProgramError:
    with pytest.raises(ProgramError) as caught:
        evaluate(program(text), at or {})
    return caught.value


X = [1.0, 2.0, 3.0]
A = [[1.0, -2.0], [0.5, 3.0]]
T = np.arange(12.0).reshape(2, 3, 2) / 7 - 0.4


# ----------------------------------------------------------------- None and ...

def test_none_adds_an_axis_outer_product_by_hand():
    # sum_ij x_i x_j^2 = (sum x)(sum x^2); d/dx_k = sum x^2 + 2 x_k sum x; d2 = 2 x_k + 2 x_l + 2 delta sum x
    text = "input x\ny = sum(x[:, None] * x[None, :] ^ 2)"
    x = np.array(X)
    assert value(text, {"x": x}) == 84.0
    found = check_derivatives(text, {"x": X})
    close(found["grad"]["x"], 14 + 12 * x)
    close(found["hessian"][("x", "x")], 2 * x[:, None] + 2 * x[None, :] + 12 * np.eye(3))


@pytest.mark.parametrize("expr, numpy", [
    ("T[..., 0]", lambda t: t[..., 0]), ("T[0, ...]", lambda t: t[0, ...]), ("T[..., 1, :]", lambda t: t[..., 1, :]),
    ("T[None]", lambda t: t[None]), ("T[:, None, ..., None]", lambda t: t[:, None, ..., None]),
    ("T[..., None, 1]", lambda t: t[..., None, 1]), ("T[1, ..., [0, 0, 1]]", lambda t: t[1, ..., [0, 0, 1]]),
    ("T[...]", lambda t: t[...]), ("T[None, 1, ..., 0, None]", lambda t: t[None, 1, ..., 0, None]),
])
def test_none_and_ellipsis_read_as_numpy(expr, numpy):
    got = value(f"input T\ny = {expr}", {"T": T})
    close(got, numpy(T))
    check_derivatives(f"input T\ny = sum(sin({expr}) * {expr})", {"T": T})


def test_none_and_ellipsis_in_assignments():
    text = "input A\nB = A\nB[..., 1] = B[..., 0] ^ 2\nB[None, 0] = B[None, 0] * 3\ny = sum(B * B) + B[1, 1]"
    a = np.array(A)
    b = a.copy()
    b[..., 1] = b[..., 0] ** 2
    b[None, 0] = b[None, 0] * 3
    close(value(text, {"A": a}), np.sum(b * b) + b[1, 1])
    check_derivatives(text, {"A": A})


def test_none_is_no_axis_as_an_argument_and_a_variable_can_hold_it():
    assert value("input x\ny = sum(x * x, axis=None)", {"x": np.array(X)}) == 14.0
    close(value("input x\nk = None\ny = x[k, :, k]", {"x": np.array(X)}), np.array(X)[None, :, None])
    assert value("def f(v):\n    pass\ny = f(1) == None") is True


def test_ellipsis_and_none_errors_are_located():
    error = error_of("input x\ny = x[..., 0, ...]", {"x": np.array(X)})
    assert "only one '...'" in error.message and (error.span.line, error.span.col) == (2, 15)
    error = error_of("input x\ny = x[None, 0, 1]", {"x": np.array(X)})
    assert "too many indices" in error.message and error.span.line == 2
    error = error_of("t = (1, 2)\ny = t[None]")
    assert "a tuple takes one index" in error.message


# ------------------------------------------------------------- augmented operators

def test_augmented_operators_by_hand():
    # z = (x ** 3 % 5) @ A: the derivative of x^3 % 5 is 3x^2 (mod's, away from its jumps)
    text = "input x\ninput A\nz = x[:2]\nz **= 3\nz %= 5\nz @= A\ny = sum(z ^ 2)"
    x, a = np.array(X), np.array(A)
    z = (x[:2] ** 3 % 5) @ a
    assert value(text, {"x": x, "A": a}) == pytest.approx(np.sum(z ** 2))
    found = check_derivatives(text, {"x": X, "A": A})
    close(found["grad"]["x"], np.concatenate([(2 * z) @ a.T * 3 * x[:2] ** 2, [0.0]]))
    close(found["grad"]["A"], np.outer(x[:2] ** 3 % 5, 2 * z))


def test_floor_divide_assignment_has_zero_derivative_and_numpy_values():
    text = "input x\nz = x * 3\nz //= 2\ny = sum(z * x)"
    x = np.array(X)
    assert value(text, {"x": x}) == np.sum(np.floor_divide(3 * x, 2) * x)
    close(differentiate(program(text), {"x": x}).derivatives["x"], np.floor_divide(3 * x, 2))


def test_augmented_operators_on_elements_match_the_spelled_out_form():
    updated = "input x\nz = x\nz[1] **= 2\nz[0] //= 0.7\nz[2] %= 2\ny = sum(z * z)"
    spelled = "input x\nz = x\nz[1] = z[1] ^ 2\nz[0] = z[0] // 0.7\nz[2] = z[2] % 2\ny = sum(z * z)"
    at = {"x": X}
    assert value(updated, {"x": np.array(X)}) == value(spelled, {"x": np.array(X)})
    close(check_derivatives(updated, at)["grad"]["x"], check_derivatives(spelled, at)["grad"]["x"])


def test_matrix_product_assignment_on_a_matrix():
    text = "input A\nB = A\nB @= A\nB @= transpose(A)\ny = sum(B)"
    a = np.array(A)
    assert value(text, {"A": a}) == pytest.approx(np.sum(a @ a @ a.T))
    check_derivatives(text, {"A": A})


# ------------------------------------------------------------------ loops and unpacking

def test_enumerate_loop_by_hand_and_as_a_range_loop():
    text = "input x\ny = 0\nfor i, v in enumerate(x):\n    y += i * v ^ 2"
    twin = "input x\ny = 0\nfor i in range(len(x)):\n    y += i * x[i] ^ 2"
    x = np.array(X)
    assert value(text, {"x": x}) == value(twin, {"x": x}) == 22.0
    found = check_derivatives(text, {"x": X})
    close(found["grad"]["x"], 2 * np.arange(3) * x)
    close(found["hessian"][("x", "x")], np.diag(2.0 * np.arange(3)))


def test_enumerate_start_positional_and_keyword():
    x = {"x": np.array(X)}
    assert value("input x\ny = 0\nfor i, v in enumerate(x, 10):\n    y += i * v", x) == 10 + 22 + 36
    assert value("input x\ny = 0\nfor i, v in enumerate(x, start=-1):\n    y += i * v", x) == -1 + 0 + 3


def test_zip_loop_by_hand():
    text = "input x\ninput w\ny = 0\nfor a, b in zip(x, w):\n    y += a * b ^ 2"
    x, w = np.array(X), np.array([4.0, -5.0, 0.5])
    assert value(text, {"x": x, "w": w}) == pytest.approx(np.sum(x * w ** 2))
    found = check_derivatives(text, {"x": X, "w": w})
    close(found["grad"]["x"], w ** 2)
    close(found["grad"]["w"], 2 * x * w)
    close(found["hessian"][("x", "w")], np.diag(2 * w))


def test_rows_unpack_in_a_for_target():
    text = "input A\ny = 0\nfor a, b in A:\n    y += a * sin(b)"
    a = np.array(A)
    assert value(text, {"A": a}) == pytest.approx(np.sum(a[:, 0] * np.sin(a[:, 1])))
    found = check_derivatives(text, {"A": A})
    close(found["grad"]["A"], np.stack([np.sin(a[:, 1]), a[:, 0] * np.cos(a[:, 1])], axis=1))


def test_nested_unpacking_of_enumerate_zip():
    text = ("input p\ninput w\ny = 0\nfor i, (q, v) in enumerate(zip(p, w)):\n    y += (i + 1) * q * v\n"
            "    a, (b, c) = i, (q, v)\n    y += a * b * c")
    p, w = np.array(X), np.array([0.5, -1.0, 2.0])
    k = np.arange(3)
    assert value(text, {"p": p, "w": w}) == pytest.approx(np.sum((2 * k + 1) * p * w))
    found = check_derivatives(text, {"p": X, "w": w})
    close(found["grad"]["p"], (2 * k + 1) * w)


def test_loop_over_a_tuple_of_tuples_and_over_zip_of_rows():
    text = "input x\nrows = ((x[0], 2), (x[1], 3))\ny = 0\nfor a, b in rows:\n    y += a ^ b"
    assert value(text, {"x": np.array(X)}) == 1 + 8
    close(check_derivatives(text, {"x": X})["grad"]["x"], [2.0, 12.0, 0.0])
    rows = "input A\ny = 0\nfor r, s in zip(A, A[::-1]):\n    y += sum(r * s)"
    a = np.array(A)
    assert value(rows, {"A": a}) == pytest.approx(np.sum(a * a[::-1]))
    check_derivatives(rows, {"A": A})


def test_enumerate_and_zip_as_values_are_tuples_of_pairs():
    x = {"x": np.array(X)}
    assert value("input x\nz = zip(x, 2 * x)\ny = z[2][1] * len(z)", x) == 18.0
    assert value("input x\ne = enumerate(x, 5)\ny = e[1][0] + e[1][1]", x) == 8.0
    assert value("input x\nn = len(zip(x, x, x))", x) == 3.0
    close(check_derivatives("input x\ni, v = enumerate(x)[2]\ny = i * v ^ 2", {"x": X})["grad"]["x"],
          [0.0, 0.0, 12.0])
    # the same loop over the builtin's tuple and walked lazily
    lazy = "input x\ny = 0\nfor i, (a, b) in enumerate(zip(x, x)):\n    y += i * a * b"
    eager = "input x\nz = enumerate(zip(x, x))\ny = 0\nfor i, (a, b) in z:\n    y += i * a * b"
    assert value(lazy, x) == value(eager, x) == 22.0


def test_zip_of_unequal_lengths_is_a_located_error():
    for text in ("input x\nfor a, b in zip(x, [1, 2]):\n    y = a", "input x\nz = zip(x, [1, 2])"):
        error = error_of(text, {"x": np.array(X)})
        assert "zip needs sequences of one length, got lengths 3, 2" in error.message
        assert "strict" in error.hint and error.span.line == 2


@pytest.mark.parametrize("text, message, col", [
    ("input x\na, b = x", "cannot unpack an array of shape (3,) (3 along its first axis) into 2 names", 1),
    ("input x\nfor a, b in x:\n    y = a", "cannot unpack a number into 2 names", 5),
    ("input x\nfor i, (a, b) in enumerate(x):\n    y = a", "cannot unpack a number into 2 names", 8),
    ("input x\nfor a, b, c in zip(x, x):\n    y = a", "cannot unpack 2 values into 3 names", 5),
    ("input x\nfor i, v in enumerate(3):\n    y = v", "cannot loop over a number", 23),
    ("input x\nz = zip(x, 1)", "cannot zip a number", 5),
    ("input x\nz = enumerate(x, 0.5)", "the start of enumerate", 5),
    ("input x\nfor i, v in enumerate(x, 0.5):\n    y = v", "the start of enumerate", 13),
])
def test_unpacking_mistakes_are_located_errors(text, message, col):
    error = error_of(text, {"x": np.array(X)})
    assert message in error.message
    assert error.span.line == 2 and error.span.col == col


# ------------------------------------------------------------------ value semantics

def test_assigning_an_element_of_a_copy_leaves_the_original():
    text = "input x\ny = x\ny[0] = 100\nout = sum(x) + 10 * sum(y)"
    x = np.array(X)
    assert value(text, {"x": x}) == 6 + 10 * 105
    close(differentiate(program(text), {"x": x}).derivatives["x"], [1.0, 11.0, 11.0])
    assert list(x) == X       # the value given to the program is not changed either


def test_a_function_that_assigns_its_parameter_leaves_the_argument():
    text = "input x\ndef f(v):\n    v[1] = 0\n    v *= 2\n    return sum(v)\ns = f(x)\nout = s + sum(x * x)"
    assert value(text, {"x": np.array(X)}) == 2 * (1 + 3) + 14
    close(check_derivatives(text, {"x": X})["grad"]["x"], [2 + 2, 4, 2 + 6])


def test_a_loop_variable_row_is_a_value_and_so_is_an_augmented_copy():
    text = ("input A\nfor r in A:\n    r[0] = 0\nB = A\nB += 1\nfor i, r in enumerate(B):\n    r[1] = i\n"
            "out = sum(A) + sum(B)")
    a = np.array(A)
    assert value(text, {"A": a}) == pytest.approx(2 * np.sum(a) + 4)
    close(differentiate(program(text), {"A": a}).derivatives["A"], 2 * np.ones((2, 2)))
