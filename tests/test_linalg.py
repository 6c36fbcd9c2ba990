"""The linear algebra builtins: values against numpy, derivatives of order 1 and 2 against finite
differences (batched stacks, matrix right-hand sides), forward against reverse, Hessian-vector
products, gauge-invariant functions of eigh and svd, the kink at repeated eigenvalues, and the
located errors. Optional: PyTorch as a second method (skipped without torch).
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.engine.context import Limits, RunContext
from autodiff.diffcore.higher import derivative_tensors
from autodiff.diffcore.higher import hessian_vector as higher_hvp
from autodiff.diffcore.higher import jacobian as higher_jacobian
from autodiff.diffcore.interpreter.builtins import BUILTINS
from autodiff.diffcore.program import Program
from helpers import run_main
from linalg_cases import positive_definite, spread_singular, spread_symmetric, well_conditioned

B = {name: BUILTINS[name] for name in ("solve", "inv", "det", "slogdet", "pinv", "cholesky", "eigh", "svd",
                                        "einsum", "tensordot", "inner", "kron", "cross", "trace", "diag",
                                        "sum", "transpose", "matmul", "sin", "log")}
RNG = np.random.default_rng(14)


def fd_grad(f, x, h=1e-6):
    """Central differences of a scalar f at x, element by element."""
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.flat[i] = h
        g.flat[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def plain(f, x):
    with RunContext(Limits()):
        return f(x)


def value(program, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return float(evaluate(program, {"x": x}).output)


def gradient(program, x):
    return differentiate(program, {"x": x}).derivatives["x"]


def check_orders(text: str, x):
    """The gradient against differences of the program, the Hessian against differences of the
    gradient, and H v (forward over reverse) against H @ v."""
    program = Program.from_text(text)
    g = gradient(program, x)
    np.testing.assert_allclose(g, fd_grad(lambda z: value(program, z), x), rtol=1e-5, atol=1e-6)
    hessian = derivative_tensors(program, {"x": x}, 2).orders[2][("x", "x")]
    fd_h = np.stack([(gradient(program, x + e) - gradient(program, x - e)) / 2e-5
                     for e in np.eye(x.size).reshape((x.size,) + x.shape) * 1e-5], axis=-1).reshape(hessian.shape)
    np.testing.assert_allclose(hessian, fd_h, rtol=1e-4, atol=1e-5)
    v = RNG.normal(size=x.shape)
    hv = higher_hvp(program, {"x": x}, {"x": v}).value[("x",)]
    np.testing.assert_allclose(hv, np.tensordot(hessian, v, axes=x.ndim), rtol=1e-8, atol=1e-9)


# ------------------------------------------------------------------ values

@pytest.mark.parametrize("a_shape, b_shape", [((3, 3), (3,)), ((3, 3), (3, 2)), ((4, 3, 3), (3,)),
                                              ((4, 3, 3), (4, 3, 2)), ((2, 1, 3, 3), (5, 3, 1))])
def test_solve_is_numpy_2s(a_shape, b_shape):
    a, b = well_conditioned(RNG, a_shape), RNG.normal(size=b_shape)
    got = plain(lambda z: B["solve"](z, b), a)
    np.testing.assert_allclose(got, np.linalg.solve(a, b), rtol=1e-12, atol=1e-12)


def test_the_other_functions_are_numpys():
    a, s = well_conditioned(RNG, (2, 3, 3)), spread_symmetric(RNG, (3, 3))
    sign, logdet = B["slogdet"](a)
    np.testing.assert_allclose(sign, np.linalg.slogdet(a)[0])
    np.testing.assert_allclose(logdet, np.linalg.slogdet(a)[1], rtol=1e-12)
    np.testing.assert_allclose(B["inv"](a), np.linalg.inv(a), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(B["cholesky"](s, upper=True), np.linalg.cholesky(s, upper=True), rtol=1e-12)
    w, v = B["eigh"](np.triu(s), UPLO="U")
    np.testing.assert_allclose(w, np.linalg.eigh(s)[0], rtol=1e-12)
    np.testing.assert_allclose(np.abs(v), np.abs(np.linalg.eigh(s)[1]), rtol=1e-10, atol=1e-12)
    m = RNG.normal(size=(4, 2))
    np.testing.assert_allclose(B["einsum"]("...ij,j->...i", np.stack([m, m]), np.ones(2)), np.stack([m, m]) @ np.ones(2))
    np.testing.assert_allclose(B["einsum"]("ij", m), m)      # implicit mode: the labels in order
    np.testing.assert_allclose(B["einsum"]("ji", m), m.T)
    x = RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(B["trace"](x, 1, 1, 2), np.trace(x, 1, 1, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)      # numpy 2 deprecates 2-element vectors
        u, v, w = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([3.0, 4.0, 5.0])
        np.testing.assert_allclose(B["cross"](u, v), np.cross(u, v))
        np.testing.assert_allclose(B["cross"](u, w), np.cross(u, w))
    a3, b3 = RNG.normal(size=(3, 2)), RNG.normal(size=(2, 3))
    np.testing.assert_allclose(B["cross"](a3, b3, axisa=0, axisb=1, axisc=0), np.cross(a3, b3, axisa=0, axisb=1, axisc=0))


# ------------------------------------------------------------------ orders 1 and 2 against differences

W2 = "[[0.3, -1.2], [0.7, 0.4], [-0.5, 1.1]]"
CASES = {
    "solve vector": ("sum(sin(solve(x, [1.0, -2.0, 0.5])))", lambda: well_conditioned(RNG, (3, 3))),
    "solve matrix rhs, batched": ("sum(solve(x, x[:, :, :2] * 0.5 + 1) * " + W2 + ")", lambda: well_conditioned(RNG, (2, 3, 3))),
    "solve in the rhs": ("sum(solve([[3.0, 1.0], [0.5, 2.0]], x) ^ 2)", lambda: RNG.normal(size=(2, 2, 3))),
    "inv": ("sum(inv(x) * [[1, 2, 3], [-1, 0.5, 2], [0.3, 0.2, -1]])", lambda: well_conditioned(RNG, (3, 3))),
    "det, batched": ("sum(det(x) * [1.5, -0.5])", lambda: well_conditioned(RNG, (2, 4, 4))),
    "det at a singular matrix": ("det(x) ^ 2 + det(x)", lambda: np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]])),
    "slogdet": ("slogdet(x)[1]", lambda: well_conditioned(RNG, (3, 3))),
    "cholesky": ("sum(cholesky(x) * [[1, 2, 3], [-1, 0.5, 2], [0.3, 0.2, -1]])", lambda: positive_definite(RNG, (3, 3))),
    "cholesky, batched": ("sum(sin(cholesky(x, upper=true)))", lambda: positive_definite(RNG, (2, 3, 3))),
    "eigh eigenvalues": ("sum(eigh(x)[0] ^ 2 * [1, 2, 3])", lambda: spread_symmetric(RNG, (3, 3))),
    "eigh projector": ("v = eigh(x, UPLO='U')[1][:, :2]\nsum(sin(v @ transpose(v)))", lambda: spread_symmetric(RNG, (3, 3))),
    "svd values": ("sum(svd(x, compute_uv=false) * [1, -2])", lambda: spread_singular(RNG, (4, 2))),
    "svd reconstruction": ("u, s, vh = svd(x, full_matrices=false)\nsum(sin((u * s) @ vh))", lambda: spread_singular(RNG, (2, 3))),
    "svd, full matrices": ("u, s, vh = svd(x)\nc = u[:, 2:]\nsum(sin(c @ transpose(c))) + sum(vh * vh * [1, 2])",
                           lambda: spread_singular(RNG, (4, 2))),
    "svd, full matrices, wide": ("u, s, vh = svd(x)\nc = vh[2:, :]\nsum(sin(transpose(c) @ c)) + sum(s * s * s)",
                                 lambda: spread_singular(RNG, (2, 4))),
    "pinv": ("sum(sin(pinv(x)))", lambda: spread_singular(RNG, (4, 3))),
    "einsum": ("einsum('ij,jk,ki->', x, sin(transpose(x)), x @ transpose(x)) + sum(einsum('ii->i', x[:, :2]) ^ 3)",
               lambda: RNG.normal(size=(2, 3))),
    "tensordot, inner, kron": ("sum(sin(tensordot(x, x, ([0], [0])))) + sum(inner(x, x) ^ 2) + sum(sin(kron(x, x)))",
                               lambda: RNG.normal(size=(2, 3))),
    "cross, trace, diag": ("sum(cross(x[0], sin(x[1])) ^ 2) + trace(diag(x[0], 1) @ diag(x[1], 1)) "
                           "+ sum(diag(inv(diag(x[1]) + 3 * eye(3)), -1)) + trace(outer(x[0], x[1]) ^ 2)",
                           lambda: RNG.normal(size=(2, 3))),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_orders_one_and_two_match_finite_differences(name):
    text, make = CASES[name]
    check_orders(text, make())


@pytest.mark.parametrize("name", ["solve matrix rhs, batched", "cholesky, batched", "eigh projector",
                                  "svd reconstruction", "svd, full matrices", "pinv", "einsum"])
def test_forward_and_reverse_jacobians_agree(name):
    text, make = CASES[name]
    lines = text.split("\n")
    program = Program.from_text("\n".join(lines[:-1] + [f"y = ({lines[-1]}) * [1, 2, 3] + [0, x.shape[0] * 0, 1]"
                                                        .replace("x.shape[0] * 0", "0")]))
    at = {"x": make()}
    forward = higher_jacobian(program, at, mode="forward")
    reverse = higher_jacobian(program, at, mode="reverse")
    block = forward.orders[1][("x",)]
    assert block.shape == (3,) + at["x"].shape and np.any(block != 0)
    np.testing.assert_allclose(block, reverse.orders[1][("x",)], rtol=1e-10, atol=1e-12)


def test_svd_gradient_equals_the_hand_derived_one():
    """d sum(s) / dA = U V^T (the nuclear norm's gradient) for a matrix of full rank."""
    a = spread_singular(RNG, (3, 5))
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    got = gradient(Program.from_text("sum(svd(x, compute_uv=false))"), a)
    np.testing.assert_allclose(got, u @ vh, rtol=1e-10, atol=1e-12)


def test_eigenvalue_sum_is_the_trace():
    # eigh reads the lower triangle: the derivative of the trace through it is the identity
    got = gradient(Program.from_text("sum(eigh(x)[0])"), RNG.normal(size=(3, 3)))
    np.testing.assert_allclose(got, np.eye(3), atol=1e-12)


# ------------------------------------------------------------------ the kink, higher orders, errors

def test_repeated_eigenvalues_warn_and_keep_the_eigenvalue_derivative_finite():
    program = Program.from_text("input A = [[2.0, 0, 0], [0, 2.0, 0], [0, 0, 5.0]]\ny = sum(eigh(A)[0] * [1, 2, 3])")
    result = differentiate(program, {})
    assert [w.operation for w in result.warnings] == ["eigh"]
    assert "repeated eigenvalues" in result.warnings[0].message
    assert np.all(np.isfinite(result.derivatives["A"]))
    apart = differentiate(program, {"A": np.diag([1.0, 2.0, 5.0])})
    assert apart.warnings == [] and np.allclose(apart.derivatives["A"], np.diag([1.0, 2.0, 3.0]))


def test_order_three_through_the_factorisations_falls_back_to_nested_differentiation():
    text = "input x = 0.3\nA = [[2 + x, x^2], [x^2, 3 - x]]\ny = sum(eigh(A)[0] ^ 2) + det(A) + slogdet(A)[1]"
    result = derivative_tensors(Program.from_text(text), {}, 3)
    a = lambda x: np.array([[2 + x, x * x], [x * x, 3 - x]])     # noqa: E731
    f = lambda x: np.sum(np.linalg.eigvalsh(a(x)) ** 2) + np.linalg.det(a(x)) + np.linalg.slogdet(a(x))[1]   # noqa: E731
    h = 1e-3
    third = (f(0.3 + 2 * h) - 2 * f(0.3 + h) + 2 * f(0.3 - h) - f(0.3 - 2 * h)) / (2 * h ** 3)
    np.testing.assert_allclose(float(np.squeeze(result.orders[3][("x", "x", "x")])), third, rtol=1e-4)


@pytest.mark.parametrize("text, fragment", [
    ("y = solve([[1, 2], [2, 4]], [1, x])", "singular"),
    ("y = inv([[1, 2], [2, 4]] * x)", "singular"),
    ("y = cholesky([[1, 2], [2, 1]] * x)", "not positive definite"),
    ("y = det([[1, 2, 3], [4, 5, 6]] * x)", "square"),
    ("y = solve([[1, 0], [0, 1]], [1, 2, x])", "do not fit"),
    ("y = einsum('ij,jk->ik', [[1, 2]] * x, [[1, 2]])", "lengths"),
    ("y = trace([1, 2] * x)", "two or more dimensions"),
])
def test_bad_arguments_are_located_errors_with_hints(text, fragment, tmp_path):
    code, out, err = run_main(["grad", "-e", text, "--at", "x=1"])
    assert code == 1 and fragment in err and "<expr>:1:" in err and "Traceback" not in err, err


# ------------------------------------------------------------------ PyTorch, if installed

def test_gradients_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    a = positive_definite(RNG, (3, 3))
    b = RNG.normal(size=(3, 2))
    text = ("input b = " + str(b.tolist()) + "\nsum(solve(x, b) ^ 2) + slogdet(x)[1] + sum(eigh(x)[0] ^ 3) "
            "+ sum(cholesky(x)) + sum(svd(x, compute_uv=false) ^ 2) + sum(pinv(x) * x)")

    def theirs(z):
        zs = torch.tril(z) + torch.tril(z, -1).mT          # the matrix numpy (and autodiff) read
        return ((torch.linalg.solve(zs, torch.tensor(b)) ** 2).sum() + torch.linalg.slogdet(zs)[1]
                + (torch.linalg.eigvalsh(zs) ** 3).sum() + torch.linalg.cholesky(zs).sum()
                + (torch.linalg.svdvals(z) ** 2).sum() + (torch.linalg.pinv(z) * z).sum())

    z = torch.tensor(a, requires_grad=True)
    theirs(z).backward()
    got = differentiate(Program.from_text(text), {"x": a}, wrt=["x"]).derivatives["x"]
    np.testing.assert_allclose(got, z.grad.numpy(), rtol=1e-9, atol=1e-10)
