"""Beyond the gradient: Hessians, derivatives of order N, Jacobians by both modes, JVPs and HVPs.

Checked against finite differences of gradients (central differences, h = 1e-5,
tolerance 1e-6), against closed forms, and each method against the others:
Taylor mode against nested in-language grad(), forward against reverse
Jacobians, jvp against J·v and hvp against H·v from the full Hessian.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest

from autodiff.cli.app import cli
from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.higher import derivative_tensors, directional, hessian_vector, jacobian
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError
from helpers import close, make_runner

REPO = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO / "samples"


# --------------------------------------------------------------------- helpers

def program(text: str) -> Program:
    return Program.from_text(text, "<test>")


def sample(name: str) -> Program:
    return Program.from_text((SAMPLES_DIR / f"{name}.expr").read_text(encoding="utf-8"), f"samples/{name}.expr")


def cli_json(*args: str) -> dict:
    result = make_runner().invoke(cli, [*args, "--json"], catch_exceptions=True)
    assert result.exit_code == 0, (args, result.stdout, result.stderr, result.exception)
    return json.loads(result.stdout)


def input_values(p: Program) -> dict:
    """The value of every input (the defaults), as float arrays or floats."""
    return {k: (np.array(v, dtype=float) if np.ndim(v) else float(v)) for k, v in evaluate(p, {}).inputs.items()}


def fd_hessian(p: Program, at: dict, h: float = 1e-5) -> dict:
    """{(x, y): d2f/dx dy} by central differences of the reverse-mode gradient; shapes x.shape + y.shape."""
    names = list(at)
    blocks = {}
    for y in names:
        y_value = np.array(at[y], dtype=float)
        columns = {x: np.zeros(np.shape(at[x]) + y_value.shape) for x in names}
        for j in np.ndindex(y_value.shape):
            plus, minus = dict(at), dict(at)
            yp, ym = y_value.copy(), y_value.copy()
            yp[j] += h
            ym[j] -= h
            plus[y] = yp if yp.shape else float(yp)
            minus[y] = ym if ym.shape else float(ym)
            gp = differentiate(p, plus).derivatives
            gm = differentiate(p, minus).derivatives
            for x in names:
                column = (np.asarray(gp[x]) - np.asarray(gm[x])) / (2 * h)
                columns[x][(Ellipsis,) + j] = column
        for x in names:
            blocks[(x, y)] = columns[x]
    return blocks


def nested_in_language(body: str, n: int, x: float) -> float:
    """The n-th derivative of `lambda x: body` at x by grad(grad(...(f))) inside the language."""
    g = "f"
    for _ in range(n):
        g = f"grad({g})"
    return evaluate(program(f"def f(x):\n    return {body}\ny = {g}({x!r})\n"), {}).output


# ---------------------------------------------------- Hessians vs finite differences

HESSIAN_PROGRAMS = {
    "vector-and-scalar": """
input x = [0.3, -0.2, 0.5]
input s = 0.7
f = sum(sin(x) * s^2) + exp(x[0] * s) + x[1] * x[2]^2
""",
    "matrix-and-vector": """
input A = [[1.0, 0.5], [0.2, -0.3], [0.4, 0.1]]
input v = [0.3, 0.8]
f = sum(tanh(A @ v)^2) + prod(A[0]) * v[1] + sum(A * A) * v[0]
""",
    "control-flow": """
input x = [0.9, -0.4]
input y = 1.3
def g(a, b):
    t = 0
    for i in range(2):
        if a[i] > 0:
            t += a[i]^3 * b
        else:
            t += log(1 + a[i]^2) / b
    return t
f = g(x, y) + softplus(x[0] * y)
""",
    "matrix-only": """
input M = [[2.0, 1.0], [1.0, 3.0]]
f = logsumexp(M @ M / 10) + norm(M) + sum(sqrt(M) * transpose(M))
""",
    "rosenbrock-4d": "input x = [-0.7, 0.3, 1.9, -1.1]\nf = sum(100 * (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2)\n",
}


@pytest.mark.parametrize("name", sorted(HESSIAN_PROGRAMS))
def test_hessian_against_finite_differences(name):
    p = program(HESSIAN_PROGRAMS[name])
    at = input_values(p)
    result = derivative_tensors(p, {}, 2)
    assert result.kind == "hessian"
    fd = fd_hessian(p, at)
    names = list(at)
    assert set(result.orders[2]) == {(x, y) for x in names for y in names}
    for (x, y), block in result.orders[2].items():
        assert np.shape(block) == np.shape(at[x]) + np.shape(at[y]), (x, y)
        close(block, fd[(x, y)], rtol=1e-6, atol=1e-6)
    # symmetry: d2f/dx dy is d2f/dy dx with the axes swapped
    for x in names:
        for y in names:
            nx = np.ndim(at[x])
            swapped = np.moveaxis(np.asarray(result.orders[2][(y, x)]),
                                  list(range(np.ndim(at[y]))), list(range(nx, nx + np.ndim(at[y]))))
            close(result.orders[2][(x, y)], swapped, rtol=1e-10, atol=1e-10)
    # the gradient part agrees with reverse mode
    grads = differentiate(p, {}).derivatives
    for x in names:
        close(result.orders[1][(x,)], grads[x], rtol=1e-12, atol=1e-12)


def test_hessian_blocks_are_shaped_by_inputs_at_order_3():
    p = program("input A = [[1.0, 2.0], [3.0, 4.0], [0.5, 0.25]]\ninput b = [0.1, 0.2]\ninput c = 2.0\n"
                "f = sum((A @ b) * c^2)\n")
    r = derivative_tensors(p, {}, 3)
    shapes = {"A": (3, 2), "b": (2,), "c": ()}
    for names, block in r.orders[3].items():
        assert np.shape(block) == sum((shapes[n] for n in names), ())
    # f = c^2 sum_ij A_ij b_j: d3f/dA db dc = 2c delta_jk at every row i; d3f/dc3 = 0
    close(r.orders[3][("A", "b", "c")], 2 * 2.0 * np.broadcast_to(np.eye(2), (3, 2, 2)))
    close(r.orders[3][("c", "c", "c")], 0.0)


def test_third_order_tensor_of_two_inputs_closed_form():
    p = program("input x = 1.5\ninput y = -0.5\nf = x^2 * y^3\n")
    r = derivative_tensors(p, {}, 3)
    assert r.mode != "taylor"
    x, y = 1.5, -0.5
    expected = {("x", "x", "x"): 0.0, ("x", "x", "y"): 6 * y ** 2, ("x", "y", "y"): 12 * x * y,
                ("y", "y", "y"): 6 * x ** 2}
    for names, block in r.orders[3].items():
        key = tuple(sorted(names))
        assert block == pytest.approx(expected[key], rel=1e-13, abs=1e-13), names
    assert r.orders[2][("x", "y")] == pytest.approx(6 * x * y ** 2, rel=1e-13)


# ------------------------------------------------- N-th derivatives, closed forms

def _poly_derivative(coefficients, n, x):
    return float(np.polyval(np.polyder(coefficients, n), x)) if n <= len(coefficients) - 1 else 0.0


CLOSED_FORMS = [
    ("exp-sin", "exp(x) * sin(x)", 0.4, lambda n, x: 2 ** (n / 2) * math.exp(x) * math.sin(x + n * math.pi / 4)),
    ("geometric", "1 / (1 - x)", 0.3, lambda n, x: math.factorial(n) / (1 - x) ** (n + 1)),
    ("log", "log(x)", 1.7, lambda n, x: (-1) ** (n - 1) * math.factorial(n - 1) / x ** n),
    ("sqrt", "sqrt(x)", 2.3, lambda n, x: math.prod(0.5 - k for k in range(n)) * x ** (0.5 - n)),
    ("polynomial", "3*x^4 - 2*x^3 + x - 5", 1.3, lambda n, x: _poly_derivative([3, -2, 0, 1, -5], n, x)),
    ("cubic", "x^3", 2.0, lambda n, x: _poly_derivative([1, 0, 0, 0], n, x)),
]
ORDER = 6


@pytest.mark.parametrize("name,body,x0,closed", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_nth_derivatives_closed_forms(name, body, x0, closed):
    p = program(f"input x = {x0!r}\ny = {body}\n")
    r = derivative_tensors(p, {}, ORDER)
    assert r.mode == "taylor"
    taylor = [r.orders[n][("x",) * n] for n in range(1, ORDER + 1)]
    nested = [nested_in_language(body, n, x0) for n in range(1, ORDER + 1)]
    for n in range(1, ORDER + 1):
        expected = closed(n, x0)
        if expected == 0.0:
            assert taylor[n - 1] == 0.0 and nested[n - 1] == 0.0, (n, taylor[n - 1], nested[n - 1])
        else:
            assert taylor[n - 1] == pytest.approx(expected, rel=1e-12), n
            assert nested[n - 1] == pytest.approx(expected, rel=1e-12), n
        # Taylor mode and nested grad() agree with each other
        assert taylor[n - 1] == pytest.approx(nested[n - 1], rel=1e-12, abs=1e-300)


def test_polynomial_derivatives_beyond_the_degree_are_zero_via_cli():
    doc = cli_json("grad", "-e", "3*x^4 - 2*x^3 + x - 5", "--at", "x=1.3", "--order", "7")
    d = doc["derivatives"]
    # p' = 12x^3 - 6x^2 + 1 = 17.224, p'' = 36x^2 - 12x = 45.24, p''' = 72x - 12 = 81.6, p'''' = 72
    assert d["1"]["x"] == pytest.approx(17.224, rel=1e-13)
    assert d["2"]["x,x"] == pytest.approx(45.24, rel=1e-13)
    assert d["3"]["x,x,x"] == pytest.approx(81.6, rel=1e-13)
    assert d["4"]["x,x,x,x"] == pytest.approx(72.0, rel=1e-13)
    assert d["5"]["x,x,x,x,x"] == 0.0
    assert d["6"]["x,x,x,x,x,x"] == 0.0
    assert d["7"]["x,x,x,x,x,x,x"] == 0.0


def test_sixth_derivative_of_exp_sin_times_x():
    expected = 103.48304143441075
    body = "exp(sin(x)) * x"
    r = derivative_tensors(program(f"input x = 0.7\ny = {body}\n"), {}, 6)
    assert r.mode == "taylor"
    assert r.orders[6][("x",) * 6] == pytest.approx(expected, rel=1e-12)
    assert nested_in_language(body, 6, 0.7) == pytest.approx(expected, rel=1e-12)
    doc = cli_json("grad", "-e", body, "--at", "x=0.7", "--order", "6")
    assert doc["method"] == "taylor"
    assert doc["derivatives"]["6"]["x,x,x,x,x,x"] == pytest.approx(expected, rel=1e-12)
    # nested forward-mode Jacobians (x as a one-element vector) give the same
    r = derivative_tensors(program(f"input v = [0.7]\nx = v[0]\ny = {body}\n"), {}, 6)
    assert r.mode != "taylor"
    assert np.reshape(r.orders[6][("v",) * 6], ()) == pytest.approx(expected, rel=1e-10)


def test_taylor_agrees_with_nested_through_control_flow():
    text = """
def h(t):
    s = 0
    k = 1
    while k < 4:
        if t > 0:
            s += sin(k * t) / k
        else:
            s += cosh(t) * k
        k += 1
    return s * exp(t / 2)
"""
    scalar = derivative_tensors(program("input x = 0.35\n" + text + "y = h(x)\n"), {}, 5)
    vector = derivative_tensors(program("input v = [0.35]\n" + text + "y = h(v[0])\n"), {}, 5)
    assert scalar.mode == "taylor" and vector.mode != "taylor"
    for n in range(1, 6):
        a = scalar.orders[n][("x",) * n]
        b = np.reshape(vector.orders[n][("v",) * n], ())
        assert a == pytest.approx(b, rel=1e-10, abs=1e-12), n


# --------------------------------------------------- forward vs reverse Jacobians

HAND_WRITTEN = {
    "control-flow": """
input x = [0.5, -1.0, 2.0]
def f(v):
    out = zeros(3)
    for i in range(3):
        if v[i] > 0:
            out[i] = v[i]^2 * v[(i + 1) % 3]
        else:
            out[i] = sin(v[i]) + v[0]
    return out
y = f(x)
""",
    "matmul": """
input W = [[1.0, 2.0], [0.5, -1.0], [3.0, 0.2]]
input v = [0.3, -0.7]
y = tanh(W @ v) * sum(W, axis=1)
""",
    "indexing": """
input x = [1.0, 2.0, 3.0, 4.0]
y = [x[0] * x[3], x[-1]^2, sum(x[1:3]), prod(x[::-1][:2]), max(x[[0, 2]])]
""",
    "broadcasting": """
input a = [1.0, 2.0]
input B = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
y = exp(a * B / 10) + B[:, 0:1]
""",
    "while-loop": """
input x = [0.2, 0.3]
y = x
n = 0
while sum(y) < 5:
    y = y * 1.5 + x^2
    n += 1
""",
    "softmax": """
input z = [0.1, -0.4, 2.0, 0.7]
y = softmax(z) * z
""",
}


def array_output_programs():
    cases = []
    for path in sorted(SAMPLES_DIR.glob("*.expr")):
        if path.stem.startswith("xor_"):
            continue                 # no inputs, and slow
        p = sample(path.stem)
        if not p.input_names:
            continue
        for of in [None] + [v for v in p.variables if v not in p.input_names]:
            try:
                value = evaluate(p, {}, of=of).output
            except ProgramError:
                continue
            if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.ndim > 0:
                if of is None or of != evaluate(p, {}).output_name:
                    cases.append((f"sample-{path.stem}" + (f"-of-{of}" if of else ""), p, of))
    return cases


def test_samples_with_array_outputs_exist():
    names = [c[0] for c in array_output_programs()]
    assert "sample-seed_vjp" in names and "sample-vector_field" in names


@pytest.mark.parametrize("case", array_output_programs() +
                         [(name, program(text), None) for name, text in sorted(HAND_WRITTEN.items())],
                         ids=lambda c: c[0])
def test_forward_and_reverse_jacobians_agree(case):
    name, p, of = case
    forward = jacobian(p, {}, mode="forward", of=of)
    reverse = jacobian(p, {}, mode="reverse", of=of)
    assert (forward.mode, reverse.mode) == ("forward", "reverse")
    grads = differentiate(p, {}, of=of)
    out_shape = np.shape(forward.output)
    for names, block in forward.orders[1].items():
        (x,) = names
        assert np.shape(block) == out_shape + np.shape(forward.inputs[x])
        close(block, reverse.orders[1][names], rtol=1e-12, atol=1e-12)
        expected = grads.derivatives[x] if grads.kind == "jacobian" else None
        if expected is not None:
            close(block, expected, rtol=1e-12, atol=1e-12)


def test_jacobian_against_finite_differences():
    p = program(HAND_WRITTEN["matmul"])
    at = input_values(p)
    r = jacobian(p, {}, mode="forward")
    h = 1e-6
    for x, value in at.items():
        for j in np.ndindex(np.shape(value)):
            plus, minus = np.array(value), np.array(value)
            plus[j] += h
            minus[j] -= h
            column = (evaluate(p, {x: plus}).output - evaluate(p, {x: minus}).output) / (2 * h)
            close(r.orders[1][(x,)][(Ellipsis,) + j], column, rtol=1e-7, atol=1e-8)


# --------------------------------------------- in-language derivatives vs the CLI

IN_LANGUAGE = """
def f(x, W):
    return sum(tanh(W @ x)) + x[0]^2 * x[1]
input x = [0.5, -1.0]
W = [[1.0, 2.0], [0.3, -0.4], [0.0, 1.5]]
y = f(x, W)
g = grad(f)(x, W)
H = hessian(lambda t: f(t, W))(x)
J = jacobian(lambda t: W @ t * t[0])(x)
vg = value_and_grad(f)(x, W)
"""


def test_in_language_grad_equals_cli_grad():
    p = program(IN_LANGUAGE)
    cli_gradient = differentiate(p, {}, of="y").derivatives["x"]
    close(evaluate(p, {}, of="g").output, cli_gradient, rtol=1e-14, atol=1e-15)
    value, gradient = evaluate(p, {}, of="vg").output
    assert value == pytest.approx(evaluate(p, {}, of="y").output, rel=1e-15)
    close(gradient, cli_gradient, rtol=1e-14, atol=1e-15)
    # hessian(f)(x) equals the Hessian block of the program
    cli_hessian = derivative_tensors(p, {}, 2, of="y").orders[2][("x", "x")]
    close(evaluate(p, {}, of="H").output, cli_hessian, rtol=1e-12, atol=1e-12)


def test_in_language_jacobian_shape_and_values():
    p = program(IN_LANGUAGE + "z = W @ x * x[0]\n")
    J = evaluate(p, {}, of="J").output
    assert np.shape(J) == (3, 2)                 # f(x).shape + x.shape
    close(J, jacobian(p, {}, of="z", mode="reverse").orders[1][("x",)], rtol=1e-14)


@pytest.mark.parametrize("outputs, forward", [(1, False), (2, False), (5, True)])
def test_in_language_jacobian_picks_the_mode_that_needs_fewer_passes(outputs, forward, monkeypatch):
    """jacobian(f)(x) with x of 2 elements: reverse for up to 2 outputs, one forward pass beyond."""
    from autodiff.diffcore.engine import transforms
    calls = []
    original = transforms.jacobian_forward
    monkeypatch.setattr(transforms, "jacobian_forward", lambda *a, **k: calls.append(1) or original(*a, **k))
    items = ", ".join(f"x[0]^{k + 1} * sin(x[1] * {k + 1})" for k in range(outputs))
    p = program(f"input x = [0.7, 1.3]\ndef f(x):\n    return [{items}]\nJ = jacobian(f)(x)\n")
    J = np.asarray(evaluate(p, {}).output)
    x0, x1 = 0.7, 1.3
    want = [[(k + 1) * x0 ** k * math.sin(x1 * (k + 1)), x0 ** (k + 1) * (k + 1) * math.cos(x1 * (k + 1))]
            for k in range(outputs)]
    close(J, want, rtol=1e-14, atol=1e-15)
    assert bool(calls) == forward


def test_in_language_grad_equals_cli_grad_via_cli():
    text = "def f(a):\n    return a^3 * sin(a)\ninput a = 1.1\ny = f(a)\ng = grad(f)(a)\n"
    cli_value = cli_json("grad", "-e", text, "--of", "y")["gradient"]["a"]
    in_language = cli_json("eval", "-e", text, "--of", "g")["output"]
    expected = 3 * 1.1 ** 2 * math.sin(1.1) + 1.1 ** 3 * math.cos(1.1)
    assert cli_value == pytest.approx(expected, rel=1e-14)
    assert in_language == pytest.approx(cli_value, rel=1e-15)


# ------------------------------------------------------------- jvp and hvp

JVP_VJP = """
def f(x):
    return [x[0]^2 * x[1], sin(x[1]) * x[0]]
input x = [1.5, 0.4]
y = f(x)
pair = jvp(f, x, [1.0, 2.0])
back = vjp(f, x, [0.5, -1.0])
def h(a, b):
    return a^2 * b + sin(b)
g1 = grad(h, 1)(3.0, 0.5)
g01 = grad(h, (0, 1))(3.0, 0.5)
"""


def test_in_language_jvp_and_vjp_equal_the_program_level_ones():
    p = program(JVP_VJP)
    J = jacobian(p, {}, of="y", mode="reverse").orders[1][("x",)]
    x0, x1 = 1.5, 0.4
    close(J, [[2 * x0 * x1, x0 ** 2], [math.sin(x1), x0 * math.cos(x1)]], rtol=1e-14)
    value, tangent = evaluate(p, {}, of="pair").output
    close(value, evaluate(p, {}, of="y").output)
    close(tangent, J @ [1.0, 2.0], rtol=1e-14)
    close(tangent, directional(p, {}, {"x": np.array([1.0, 2.0])}, of="y").value, rtol=1e-14)
    value, cotangent = evaluate(p, {}, of="back").output
    close(cotangent, np.array([0.5, -1.0]) @ J, rtol=1e-14)
    close(cotangent, differentiate(p, {}, of="y", cotangent=np.array([0.5, -1.0])).derivatives["x"], rtol=1e-14)
    # grad(h, 1) is dh/db = a^2 + cos(b); grad(h, (0, 1)) the pair (2ab, a^2 + cos(b))
    assert evaluate(p, {}, of="g1").output == pytest.approx(9 + math.cos(0.5), rel=1e-15)
    da, db = evaluate(p, {}, of="g01").output
    assert (da, db) == (pytest.approx(3.0, rel=1e-15), pytest.approx(9 + math.cos(0.5), rel=1e-15))


@pytest.mark.parametrize("name", ["matmul", "broadcasting", "control-flow"])
def test_jvp_equals_jacobian_times_direction(name):
    p = program(HAND_WRITTEN[name])
    at = input_values(p)
    J = jacobian(p, {}, mode="reverse").orders[1]
    rng = np.random.default_rng(7)
    v = {x: rng.standard_normal(np.shape(value)) for x, value in at.items()}
    expected = sum(np.tensordot(J[(x,)], v[x], axes=np.ndim(at[x])) for x in at)
    close(directional(p, {}, v).value, expected, rtol=1e-12, atol=1e-12)
    # inputs not named move by zero
    first = next(iter(at))
    only = np.tensordot(J[(first,)], v[first], axes=np.ndim(at[first]))
    close(directional(p, {}, {first: v[first]}).value, only, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(HESSIAN_PROGRAMS))
def test_hvp_equals_hessian_times_direction(name):
    p = program(HESSIAN_PROGRAMS[name])
    at = input_values(p)
    H = derivative_tensors(p, {}, 2).orders[2]
    rng = np.random.default_rng(11)
    v = {x: rng.standard_normal(np.shape(value)) for x, value in at.items()}
    result = hessian_vector(p, {}, v)
    grads = differentiate(p, {}).derivatives
    for x in at:
        expected = sum(np.tensordot(H[(x, y)], v[y], axes=np.ndim(at[y])) for y in at)
        close(result.value[(x,)], expected, rtol=1e-11, atol=1e-11)
        close(result.orders[1][(x,)], grads[x], rtol=1e-13, atol=1e-13)


def test_hvp_of_a_large_input_without_forming_the_hessian():
    p = program("input x = linspace(-1, 1, 3000)\nf = sum(x^3) / 3 + sum(x)^2\n")
    x = np.linspace(-1, 1, 3000)
    v = np.cos(np.arange(3000.0))
    start = time.monotonic()
    result = hessian_vector(p, {}, {"x": v})
    assert time.monotonic() - start < 5
    # H = diag(2x) + 2 * ones: H v = 2 x v + 2 sum(v)
    close(result.value[("x",)], 2 * x * v + 2 * v.sum(), rtol=1e-10, atol=1e-10)


# ------------------------------------------------------- size limit of tensors

def test_derivative_tensor_over_a_million_entries_is_refused():
    p = program("input x = zeros(1001)\ninput s = 2.0\nf = sum(x^2) * s\n")
    start = time.monotonic()
    with pytest.raises(ProgramError) as caught:
        derivative_tensors(p, {}, 2)
    assert time.monotonic() - start < 2
    error = caught.value
    text = f"{error.message} {error.hint}"
    assert "1,004,004" in error.message            # (1001 + 1)^2 entries
    assert "hvp" in text and "--wrt" in text
    # order 3 of 101 elements: 1,030,301 entries
    with pytest.raises(ProgramError, match="1,030,301"):
        derivative_tensors(program("input x = zeros(101)\nf = sum(x^3)\n"), {}, 3)
    # --wrt makes it small enough: d2f/ds2 = 0 and d f/ds = sum(x^2) = 0
    r = derivative_tensors(p, {}, 2, wrt=["s"])
    assert r.orders[2][("s", "s")] == 0.0


def test_derivative_tensor_refusal_through_the_cli():
    from autodiff.cli.main import main
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(SystemExit) as exited:
            main(["hessian", "-e", "sum(x^2)", "--at", "x=zeros(1001)"])
    assert exited.value.code in (1, 2)
    text = err.getvalue()
    assert "Traceback" not in text
    assert "1,002,001" in text and "hvp" in text and "--wrt" in text


# ------------------------------------------------------------------ no_grad

NO_GRAD_VECTOR = """
input x = [2.0, 3.0]
with no_grad:
    c = x * 10
y = x^2 + c
"""
# y = x^2 + c with c constant: dy/dx = diag(2x) = diag(4, 6)

NO_GRAD_SCALAR = """
input x = 2.0
with no_grad:
    c = x^3
y = x^2 * c
"""
# c = 8 is a constant: y' = 2xc = 32, y'' = 2c = 16, y''' = 0


def test_no_grad_reverse():
    d = differentiate(program(NO_GRAD_VECTOR), {})
    close(d.derivatives["x"], np.diag([4.0, 6.0]))
    d = differentiate(program(NO_GRAD_SCALAR), {})
    assert d.output == 32.0 and d.derivatives["x"] == 32.0


def test_no_grad_forward_jacobian():
    r = jacobian(program(NO_GRAD_VECTOR), {}, mode="forward")
    close(r.orders[1][("x",)], np.diag([4.0, 6.0]))


def test_no_grad_jvp():
    r = directional(program(NO_GRAD_VECTOR), {}, {"x": np.array([1.0, 0.0])})
    close(r.value, [4.0, 0.0])


def test_no_grad_taylor_mode():
    r = derivative_tensors(program(NO_GRAD_SCALAR), {}, 3)
    assert r.orders[1][("x",)] == 32.0
    assert r.orders[2][("x", "x")] == 16.0
    assert r.orders[3][("x", "x", "x")] == 0.0


def test_no_grad_hvp():
    r = hessian_vector(program(NO_GRAD_SCALAR), {}, {"x": 1.0})
    assert r.orders[1][("x",)] == 32.0
    assert r.value[("x",)] == 16.0


def test_no_grad_nested_hessian():
    p = program("input x = [1.0, 2.0]\nwith no_grad:\n    c = x^3\ny = sum(x^2 * c)\n")
    r = derivative_tensors(p, {}, 2)
    close(r.orders[1][("x",)], [2 * 1 * 1, 2 * 2 * 8])      # 2 x c
    close(r.orders[2][("x", "x")], np.diag([2.0, 16.0]))     # diag(2c)


def test_grad_inside_no_grad_still_works():
    text = "input x = 2.0\nwith no_grad:\n    g = grad(lambda t: t^3 * x)(x)\ny = g + x\n"
    p = program(text)
    assert evaluate(p, {}, of="g").output == 24.0           # 3 t^2 x at t = x = 2
    d = differentiate(p, {})
    assert d.output == 26.0
    assert d.derivatives["x"] == 1.0                          # g is a constant to the outer derivative
    # without no_grad the outer derivative goes through: d(3x^3)/dx + 1 = 9x^2 + 1 = 37
    d = differentiate(program(text.replace("with no_grad:\n    ", "")), {})
    assert d.derivatives["x"] == 37.0


def test_no_grad_training_step_inside_a_differentiated_program():
    # one gradient-descent step written like the seed's update, then differentiated with respect to x
    text = """
input x = 1.5
w = 0.0
for i in range(3):
    gw = grad(lambda w: (w * x - 2)^2)(w)
    with no_grad:
        w -= 0.1 * gw
y = w * x
"""
    # the update is in no_grad, so w is a constant and dy/dx = w
    p = program(text)
    w = 0.0
    for _ in range(3):
        w -= 0.1 * (2 * (w * 1.5 - 2) * 1.5)
    d = differentiate(p, {})
    assert d.output == pytest.approx(w * 1.5, rel=1e-14)
    assert d.derivatives["x"] == pytest.approx(w, rel=1e-14)


# ------------------------------------------------------------------- detach

def test_detach_at_second_order():
    # f = x * detach(x)^2: f' = detach(x)^2 = 9 at x = 3, f'' = 0 (detach stops at every order)
    body = "x * detach(x)^2"
    p = program(f"input x = 3.0\ny = {body}\n")
    r = derivative_tensors(p, {}, 3)
    assert r.orders[1][("x",)] == 9.0
    assert r.orders[2][("x", "x")] == 0.0
    assert r.orders[3][("x", "x", "x")] == 0.0
    assert nested_in_language(body, 1, 3.0) == 9.0
    assert nested_in_language(body, 2, 3.0) == 0.0
    # f = x^2 * detach(x): f' = 2x detach(x) = 18, f'' = 2 detach(x) = 6, f''' = 0
    body = "x^2 * detach(x)"
    r = derivative_tensors(program(f"input x = 3.0\ny = {body}\n"), {}, 3)
    assert (r.orders[1][("x",)], r.orders[2][("x", "x")], r.orders[3][("x", "x", "x")]) == (18.0, 6.0, 0.0)
    assert [nested_in_language(body, n, 3.0) for n in (1, 2, 3)] == [18.0, 6.0, 0.0]
    # nested forward-over-reverse with a vector input
    r = derivative_tensors(program("input v = [3.0, 1.0]\ny = sum(v^2 * detach(v))\n"), {}, 2)
    close(r.orders[1][("v",)], [18.0, 2.0])
    close(r.orders[2][("v", "v")], np.diag([6.0, 2.0]))
    h = hessian_vector(program("input v = [3.0, 1.0]\ny = sum(v^2 * detach(v))\n"), {}, {"v": np.ones(2)})
    close(h.value[("v",)], [6.0, 2.0])


def test_detach_in_forward_mode():
    p = sample("seed_detach")
    # u = detach(x^2) has a zero Jacobian in both modes; z has gradient u
    for mode in ("forward", "reverse"):
        close(jacobian(p, {}, mode=mode, of="u").orders[1][("x",)], np.zeros((4, 4)))
    close(directional(p, {}, {"x": np.ones(4)}).value, 0 + 1 + 4 + 9)


# ---------------------------------------------------- custom rules at order 2

def test_hessian_goes_through_a_custom_rule():
    # y = a x^2 + b x + c, inputs (x, a, b, c) = (3, 2, 1, 4); the rule's derivatives, differentiated:
    # d2y/dx2 = 2a = 4, d2y/dx da = 2x = 6, d2y/dx db = 1, every other second derivative 0
    p = sample("custom_quadratic")
    r = derivative_tensors(p, {}, 2)
    names = ["x", "a", "b", "c"]
    expected = np.zeros((4, 4))
    expected[0, 0] = 4.0
    expected[0, 1] = expected[1, 0] = 6.0
    expected[0, 2] = expected[2, 0] = 1.0
    H = np.array([[r.orders[2][(m, n)] for n in names] for m in names])
    close(H, expected)
    h = hessian_vector(p, {}, {"x": 1.0})
    assert [h.value[(n,)] for n in names] == [4.0, 6.0, 1.0, 0.0]


def test_second_derivative_through_a_custom_rule_in_language():
    text = ("def cube(x):\n    return x^3\nbackward cube(x, g):\n    return g * 3 * x^2\n"
            "input x = 2.0\ny = cube(x)\n")
    p = program(text)
    assert differentiate(p, {}).derivatives["x"] == 12.0
    assert nested_in_language("x^3", 2, 2.0) == 12.0
    q = program(text + "second = grad(grad(cube))(x)\nthird = grad(grad(grad(cube)))(x)\n")
    assert evaluate(q, {}, of="second").output == 12.0
    assert evaluate(q, {}, of="third").output == 6.0
