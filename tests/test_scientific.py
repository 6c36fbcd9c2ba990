"""Issue 14's statistics, scans and special functions, through the language.

Each primitive's rules are checked one by one in test_primitives.py (finite differences at orders
1 and 2, Taylor against nested forward mode), its values against numpy in test_numpy_values.py.
Here: the special functions' values against `math`, closed forms and identities (and mpmath where
it is installed); gradients and Hessians of programs (broadcasting, axes) against finite
differences; forward against reverse Jacobians; Taylor mode (`grad --order 4`) against nested
grad() in the language; and the choices at the edges that docs/numerics.md states.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from autodiff.diffcore.derivatives import differentiate, evaluate
from autodiff.diffcore.engine.special_values import polygamma, sinc_derivative
from autodiff.diffcore.higher import derivative_tensors, jacobian
from autodiff.diffcore.program import Program
from autodiff.grammar.source import ProgramError
from test_higher_order import fd_hessian, nested_in_language

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

EULER = 0.5772156649015329
ZETA3 = 1.2020569031595942


def program(text: str) -> Program:
    return Program.from_text(text)


def value(text: str):
    return evaluate(program(text), {}).output


# ------------------------------------------------------------------ values

POINTS = np.concatenate([np.linspace(-6.0, 6.0, 97), [1e-300, 1e-8, 0.5, 30.0, -30.0, 1e3]])


@pytest.mark.parametrize("name, reference", [("erf", math.erf), ("erfc", math.erfc)])
def test_erf_and_erfc_are_the_c_librarys_at_many_points(name, reference):
    got = value(f"y = {name}({list(map(float, POINTS))})")
    assert np.array_equal(got, [reference(x) for x in POINTS])
    assert value(f"y = {name}(6.5)") == reference(6.5)


def test_erf_at_large_arguments_saturates_and_its_derivative_underflows_to_zero():
    assert value("y = erf(30)") == 1.0 and value("y = erf(-30)") == -1.0
    assert value("y = erfc(10)") == pytest.approx(2.088487583762545e-45, rel=1e-14)
    assert value("y = erfc(40)") == 0.0
    result = differentiate(program("input x = 30.0\ny = erf(x) + erfc(-x)"), {})
    assert result.derivatives["x"] == 0.0 and result.warnings == []


def test_gammaln_is_math_lgamma_and_infinite_at_the_poles():
    xs = [float(x) for x in POINTS if not (x <= 0 and x == math.floor(x))]
    assert np.array_equal(value(f"y = gammaln({xs})"), [math.lgamma(x) for x in xs])
    assert np.all(np.isposinf(value("y = gammaln([0, -1, -7])")))
    assert value("y = gammaln(1e308)") == math.inf


def test_digamma_and_polygamma_closed_forms():
    assert value("y = digamma(1)") == pytest.approx(-EULER, rel=1e-15)
    assert value("y = digamma(0.5)") == pytest.approx(-EULER - 2 * math.log(2), rel=1e-15)
    assert value("y = polygamma(1, 1)") == pytest.approx(math.pi ** 2 / 6, rel=1e-15)
    assert value("y = polygamma(1, 0.5)") == pytest.approx(math.pi ** 2 / 2, rel=1e-15)
    assert value("y = polygamma(2, 1)") == pytest.approx(-2 * ZETA3, rel=1e-15)
    assert value("y = polygamma(3, 1)") == pytest.approx(math.pi ** 4 / 15, rel=1e-14)
    assert value("y = digamma(1e6)") == pytest.approx(math.log(1e6) - 0.5e-6, rel=1e-15)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 9])
def test_polygamma_recurrence_and_reflection_hold_at_many_points(n):
    xs = np.concatenate([np.linspace(0.05, 11.9, 61), np.linspace(-7.9, -0.1, 53) + 0.0123])
    # psi^(n)(x + 1) = psi^(n)(x) + (-1)^n n! / x^(n+1)
    left, right = polygamma(n, xs + 1.0), polygamma(n, xs) + (-1) ** n * math.factorial(n) / xs ** (n + 1)
    scale = np.maximum(np.abs(left), math.factorial(n) / np.abs(xs) ** (n + 1))
    assert np.all(np.abs(left - right) <= 1e-13 * scale)
    if n == 0:      # psi(1 - x) - psi(x) = pi cot(pi x), away from the integers (poles of both sides)
        xs = xs[np.abs(xs - np.round(xs)) > 1e-3]
        np.testing.assert_allclose(polygamma(0, 1.0 - xs) - polygamma(0, xs), math.pi / np.tan(math.pi * xs),
                                   rtol=1e-12, atol=1e-12)


def test_polygamma_at_the_poles_is_inf_for_odd_orders_and_nan_for_even():
    assert value("y = polygamma(1, 0)") == math.inf and value("y = polygamma(3, -2)") == math.inf
    assert math.isnan(value("y = digamma(0)")) and math.isnan(value("y = polygamma(2, -1)"))


def test_polygamma_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.uniform(0.01, 3, 20), rng.uniform(3, 200, 10), rng.uniform(-6, 0, 20)])
    for n in (0, 1, 2, 4, 7, 15):
        for x, got in zip(xs, polygamma(n, xs)):
            want = mp.polygamma(n, mp.mpf(float(x)))
            # near a negative pole the value is a difference of large terms: their size is the scale
            d = abs(x - round(x)) if x < 0 else math.inf
            scale = max(abs(want), math.factorial(n) / d ** (n + 1), 1.0 if n == 0 else 0.0)
            assert abs(got - want) <= 2e-14 * scale, (n, x, got, want)


def test_sinc_is_normalised_and_its_derivatives_at_zero_are_the_series():
    assert np.array_equal(value(f"y = sinc({list(map(float, POINTS))})"), np.sinc(POINTS))
    assert value("y = sinc(0)") == 1.0 and value("y = sinc(3)") == pytest.approx(0.0, abs=1e-16)
    for k in range(9):
        expected = 0.0 if k % 2 else (-1) ** (k // 2) * math.pi ** k / (k + 1)
        assert sinc_derivative(k, 0.0) == pytest.approx(expected, rel=1e-14, abs=1e-300), k


def test_sinc_derivatives_against_mpmath():
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 30
    for k in (1, 2, 3, 6):
        for x in (1e-7, 0.3, -1.7, 4.25, 9.0, -31.5):
            want = mp.diff(lambda t: mp.sin(mp.pi * t) / (mp.pi * t), mp.mpf(x), k)
            assert sinc_derivative(k, x) == pytest.approx(float(want), rel=1e-12, abs=1e-13 * math.pi ** k)


# ------------------------------------------------------------------ derivatives of programs

PROGRAMS = {
    "var-std": """
input X = [[0.3, -1.2, 0.8], [1.5, 0.4, -0.6]]
y = sum(var(X, axis=1)) + std(X, axis=0, ddof=1)[1] + var(X, ddof=1) * std(X) + sum(var(X, 0, keepdims=true))
""",
    "log-softmax": """
input X = [[0.3, -1.2, 0.8], [1.5, 0.4, -0.6]]
y = sum(log_softmax(X) * [1, 2, 3]) + log_softmax(X, axis=0)[1, 2] + sum(log_softmax(X[0] * 3) ^ 2)
""",
    "logaddexp": """
input a = [0.3, -1.2, 0.8]
input b = 0.4
y = sum(logaddexp(a, b) * [1, -2, 0.5]) + sum(logaddexp2(a * 2, [[0.1], [b]]) ^ 2)
""",
    "scans": """
input x = [0.7, -1.3, 0.5, 1.1]
input X = [[0.3, -1.2, 0.8], [1.5, 0.4, -0.6]]
w = [1, -2, 0.5, 3]
y = sum(cumsum(x) * w) + sum(cumprod(x) * w) + sum(cumprod(X, axis=1) * X) + sum(cumsum(X, 0) ^ 2)
y = y + sum(diff(X, axis=0) ^ 2) + sum(diff(x, 2) ^ 3) + sum(cumprod(X) * cumsum(X))
""",
    "special": """
input x = [0.4, 1.3, 2.2]
y = sum(gammaln(x) * erf(x) + digamma(x) * polygamma(1, x)) + sum(sinc(x - 1) * erfc(x))
y = y + sum(asinh(x) + acosh(x + 1) + atanh(x / 4)) + sum(xlogy(x, x + 1) * xlogy(x - 1, 2))
""",
    "fmax-fmin-nan_to_num": """
input x = [0.4, 1.3, -2.2]
y = sum(fmax(x, [0.1, 2.0, nan]) * fmin(x * x, [[0.5], [nan]])) + sum(nan_to_num(x / [1, 0, 2], posinf=3, neginf=-3) * x)
""",
}


def _gradient_by_differences(p: Program, h: float = 1e-6) -> dict:
    at = {name: np.asarray(v, dtype=float) for name, v in differentiate(p, {}).inputs.items()}
    out = {}
    for name, x in at.items():
        g = np.zeros(x.shape)
        for i in np.ndindex(x.shape):
            plus, minus = x.copy(), x.copy()
            plus[i] += h
            minus[i] -= h
            fp = evaluate(p, {name: plus if x.shape else float(plus)}).output
            fm = evaluate(p, {name: minus if x.shape else float(minus)}).output
            g[i] = (fp - fm) / (2 * h)
        out[name] = g
    return out


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_gradient_matches_finite_differences(name):
    p = program(PROGRAMS[name])
    result = differentiate(p, {})
    for input_name, expected in _gradient_by_differences(p).items():
        np.testing.assert_allclose(result.derivatives[input_name], expected, rtol=1e-6, atol=1e-7,
                                   err_msg=input_name)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_hessian_matches_finite_differences_of_the_gradient(name):
    p = program(PROGRAMS[name])
    result = derivative_tensors(p, {}, 2)
    for key, expected in fd_hessian(p, {}).items():
        np.testing.assert_allclose(result.orders[2][key], expected, rtol=1e-5, atol=1e-6, err_msg=str(key))


@pytest.mark.parametrize("body", [
    "cumprod(x)", "cumsum(x) * x", "diff(x * x)", "log_softmax(x)", "logaddexp(x, x[::-1])",
    "gammaln(x + 2) * sinc(x)", "xlogy(x * x, x + 2)", "fmax(x, 0.1) * erf(x)",
])
def test_forward_and_reverse_jacobians_agree(body):
    p = program(f"input x = [0.3, -0.7, 1.2, 0.0]\ny = {body}\n")
    forward = jacobian(p, {}, mode="forward").orders[1][("x",)]
    reverse = jacobian(p, {}, mode="reverse").orders[1][("x",)]
    np.testing.assert_allclose(forward, reverse, rtol=1e-13, atol=1e-14)


TAYLOR_BODIES = [
    ("gammaln", "gammaln(x)", 0.7), ("gammaln-negative", "gammaln(x - 3)", 0.4), ("digamma", "digamma(x)", 1.3),
    ("polygamma", "polygamma(2, x)", 0.9), ("erf", "erf(x)", 0.3), ("erfc", "erfc(2 * x)", 0.6),
    ("sinc-at-0", "sinc(x)", 0.0), ("sinc", "sinc(x * x + 0.2)", 0.3), ("asinh", "asinh(x)", -0.8),
    ("acosh", "acosh(x + 1.5)", 0.2), ("atanh", "atanh(x)", 0.35), ("xlogy", "xlogy(x, x + 2)", 0.5),
    ("xlogy-at-0", "xlogy(x, 3)", 0.0), ("logaddexp", "logaddexp(x, 2 * x)", 0.0),
    ("logaddexp2", "logaddexp2(sin(x), 0.3)", 0.3), ("log_softmax", "log_softmax([x, 2 * x, -x])[0]", 0.4),
    ("var", "var([x, x ^ 2, 1], ddof=1)", 0.6), ("std", "std([x, 1, 2 * x])", 0.6),
    ("cumprod", "sum(cumprod([x, x + 1, 2 * x, 0.5]))", 0.7), ("cumprod-zero", "sum(cumprod([x, 0, x * x]))", 0.7),
    ("cumsum", "sum(cumsum([x, x ^ 2, sin(x)]) ^ 2)", 0.7), ("diff", "sum(diff([x, x ^ 3, exp(x)], 2) ^ 2)", 0.2),
    ("fmax", "fmax(x, 1) * fmin(x * x, 2)", 0.5), ("nan_to_num", "nan_to_num(x * x)", 0.5),
]


@pytest.mark.parametrize("name,body,x0", TAYLOR_BODIES, ids=[t[0] for t in TAYLOR_BODIES])
def test_taylor_mode_to_order_4_agrees_with_nested_grad(name, body, x0):
    r = derivative_tensors(program(f"input x = {x0!r}\ny = {body}\n"), {}, 4)
    assert r.mode == "taylor"
    for n in range(1, 5):
        nested = nested_in_language(body, n, x0)
        assert r.orders[n][("x",) * n] == pytest.approx(nested, rel=1e-10, abs=1e-10), n


def test_derivatives_of_gammaln_are_digamma_and_polygamma():
    r = derivative_tensors(program("input x = 2.5\ny = gammaln(x)"), {}, 4)
    for n in range(1, 5):
        assert r.orders[n][("x",) * n] == pytest.approx(polygamma(n - 1, 2.5), rel=1e-14)


# ------------------------------------------------------------------ the edges

def test_cumprod_with_zeros_has_the_exact_gradient_and_hessian():
    p = program("input x = [2.0, 0.0, 3.0, 0.0]\ny = sum(cumprod(x) * [1, 2, 3, 4])")
    # y = x0 + 2 x0 x1 + 3 x0 x1 x2 + 4 x0 x1 x2 x3
    got = differentiate(p, {}).derivatives["x"]
    np.testing.assert_array_equal(got, [1.0, 2 * 2 + 3 * 2 * 3, 0.0, 0.0])
    hessian = derivative_tensors(p, {}, 2).orders[2][("x", "x")]
    expected = np.zeros((4, 4))
    expected[0, 1] = expected[1, 0] = 2 + 3 * 3
    expected[1, 2] = expected[2, 1] = 3 * 2
    expected[1, 3] = expected[3, 1] = 4 * 2 * 3
    np.testing.assert_allclose(hessian, expected, rtol=1e-14, atol=0)


def test_xlogy_at_zero_is_zero_with_zero_derivatives_at_every_order():
    assert value("y = xlogy(0, 0)") == 0.0 and value("y = xlogy(0, inf)") == 0.0
    assert math.isnan(value("y = xlogy(0, nan)")) and value("y = xlogy(1, 0)") == -math.inf
    p = program("input p = 0.0\ninput q = 0.0\ny = xlogy(p, q)")
    r = derivative_tensors(p, {}, 3)
    assert all(np.all(block == 0.0) for order in r.orders.values() for block in order.values())
    # at x = 0 with y > 0 the derivative in x is log(y) and in y is 0
    g = differentiate(program("input p = 0.0\ninput q = 2.0\ny = xlogy(p, q)"), {}).derivatives
    assert g["p"] == math.log(2.0) and g["q"] == 0.0
    # entropy-like sums at a zero probability: finite, and 0 for the zero's own derivative
    g = differentiate(program("input p = [0.0, 0.25, 0.75]\ny = -sum(xlogy(p, p))"), {}).derivatives["p"]
    np.testing.assert_allclose(g, [0.0, -math.log(0.25) - 1, -math.log(0.75) - 1], rtol=1e-15)


def test_var_ddof_and_its_derivative():
    assert value("y = var([1, 2, 3, 4], ddof=1)") == pytest.approx(5 / 3, rel=1e-15)
    assert math.isnan(value("y = var([2.0], ddof=1)"))
    x = np.array([0.3, 1.7, -0.4, 2.2])
    g = differentiate(program(f"input x = {x.tolist()}\ny = var(x, ddof=1)"), {}).derivatives["x"]
    np.testing.assert_allclose(g, 2 * (x - x.mean()) / 3, rtol=1e-14)


def test_std_at_zero_variance_is_norms_kink_with_zero_derivatives():
    p = program("input x = [1.5, 1.5, 1.5]\ny = std(x)")
    result = differentiate(p, {})
    assert result.output == 0.0 and np.array_equal(result.derivatives["x"], np.zeros(3))
    assert [(w.kind, w.operation) for w in result.warnings] == [("kink", "norm")]
    assert np.array_equal(derivative_tensors(p, {}, 2).orders[2][("x", "x")], np.zeros((3, 3)))


def test_logaddexp_is_stable_for_large_inputs_and_smooth_at_a_tie():
    assert value("y = logaddexp(1000, 1000)") == 1000 + math.log(2)
    assert value("y = logaddexp(-1000, -1001)") == pytest.approx(np.logaddexp(-1000, -1001), rel=1e-15)
    assert value("y = logaddexp(-inf, 1)") == 1.0 and value("y = logaddexp(inf, inf)") == math.inf
    assert value("y = logaddexp(-inf, -inf)") == -math.inf
    assert value("y = logaddexp2(1000, 1000)") == 1001.0
    p = program("input a = 1000.0\ninput b = 1000.0\ny = logaddexp(a, b)")
    r = derivative_tensors(p, {}, 2)
    assert r.orders[1][("a",)] == 0.5 and r.orders[1][("b",)] == 0.5 and r.warnings == []
    assert r.orders[2][("a", "a")] == 0.25 and r.orders[2][("a", "b")] == -0.25


def test_fmax_ignores_nan_and_reports_ties():
    assert value("y = fmax(nan, 2)") == 2.0 and value("y = fmin([nan, 1], [3, nan])").tolist() == [3.0, 1.0]
    assert math.isnan(value("y = fmax(nan, nan)"))
    g = differentiate(program("input x = 0.5\ny = fmax(nan, x) + fmin(x, nan)"), {}).derivatives["x"]
    assert g == 2.0
    tie = differentiate(program("input x = 1.0\ny = fmax(x, 1)"), {})
    assert tie.derivatives["x"] == 0.5 and [w.operation for w in tie.warnings] == ["fmax"]


def test_nan_to_num_replaces_and_passes_derivatives_only_where_it_keeps():
    assert value("y = nan_to_num([nan, inf, -inf, 2])").tolist() == [0.0, 1.7976931348623157e308,
                                                                    -1.7976931348623157e308, 2.0]
    assert value("y = nan_to_num([nan, inf], nan=-1, posinf=9)").tolist() == [-1.0, 9.0]
    g = differentiate(program("input x = [1.0, 0.0, 2.0]\ny = sum(nan_to_num(log(x)))"), {})
    np.testing.assert_array_equal(g.derivatives["x"], [1.0, 0.0, 0.5])


def test_int_truncates_toward_zero_with_zero_derivative_and_float_is_the_identity():
    assert value("y = int(-2.7)") == -2.0 and value("y = int(3.9)") == 3.0 and value("y = int(true)") == 1.0
    assert value("y = int([2.5])") == 2.0 and value("y = float(true)") == 1.0
    assert value("y = abs(-3)") == 3.0 and value("y = int(abs(-3.5)) + 0") == 3.0
    assert differentiate(program("input x = 2.5\ny = int(x) * x"), {}).derivatives["x"] == 2.0
    at_jump = differentiate(program("input x = 3.0\ny = int(x) + x"), {})
    assert at_jump.derivatives["x"] == 1.0 and [w.operation for w in at_jump.warnings] == ["int"]
    assert differentiate(program("input x = 0.0\ny = int(x) + x"), {}).warnings == []    # no jump at 0
    assert differentiate(program("input x = 2.5\ny = float(x) ^ 2"), {}).derivatives["x"] == 5.0


@pytest.mark.parametrize("text, fragment", [
    ("y = int(nan)", "not a finite number"), ("y = int([1, 2])", "takes a single number"),
    ("y = float('a')", "takes a single number"), ("y = polygamma(-1, 2)", "from 0 to 1000"),
    ("y = polygamma(1.5, 2)", "whole number"), ("y = diff(3)", "at least one dimension"),
    ("y = diff([1, 2], -1)", "0 or more"), ("y = cumsum([1, 2], axis=(0, 1))", "takes one axis"),
    ("y = var([1, 2], 0, 1)", "argument"), ("y = cumprod([1, 2], 3)", "out of range"),
    ("y = var([1, 2], ddof='a')", "ddof"),
])
def test_bad_arguments_are_located_errors(text, fragment):
    with pytest.raises(ProgramError) as raised:
        evaluate(program(text), {})
    assert fragment in raised.value.message + (raised.value.hint or "")
    assert raised.value.span is not None


# ------------------------------------------------------------------ PyTorch, where installed

def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.tensor([0.3, 1.7, 2.4, 0.9], dtype=torch.float64, requires_grad=True)
    reference = (torch.special.gammaln(x) * torch.special.erf(x) + torch.special.xlogy(x, x + 1)
                 + torch.sinc(x) + torch.logaddexp(x, 2 * x)).sum() + x.var() + x.cumprod(0).sum()
    reference.backward()
    p = program("input x = [0.3, 1.7, 2.4, 0.9]\n"
                "y = sum(gammaln(x) * erf(x) + xlogy(x, x + 1) + sinc(x) + logaddexp(x, 2 * x))"
                " + var(x, ddof=1) + sum(cumprod(x))")
    result = differentiate(p, {})
    assert result.output == pytest.approx(float(reference), rel=1e-13)
    np.testing.assert_allclose(result.derivatives["x"], x.grad.numpy(), rtol=1e-12)
