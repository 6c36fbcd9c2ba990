"""Regressions of issue 11, bugs 4, 6, 7 and 11: derivatives at difficult points, by every command.

Each program is run through the real entry point (tests/helpers.py run_main) by every command
that applies to it — grad, grad --order 2..4 (Taylor mode for one scalar input, nested
differentiation otherwise), hessian, hvp, jvp and jacobian in both modes — and every number is
compared with a value derived by hand. The rules they pin are in docs/numerics.md:

- bug 4 / 11: Taylor mode gave NaN where the derivative exists (norm with a zero row, x^2.5 at
  0, c^x for c <= 0, pow(0, y));
- bug 6: a masked branch (where) poisoned derivatives through a non-finite *value* in a rule
  (p*log(p/q) at p = 0) and at second order (sqrt, sin(x)/x guards under hessian and hvp): the
  zero-cotangent rule now holds in every product of every mode;
- bug 7: the comparison-tie warning named an element that is not tied and a "mixed" branch.
"""
from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.engine import series
from autodiff.diffcore.engine.arrays import cot_matmul
from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.higher import derivative_tensors, directional, hessian_vector, jacobian
from autodiff.diffcore.program import Program

from helpers import run_main

inf, nan = math.inf, math.nan


def _number(value):
    """JSON's "inf"/"-inf"/"nan" strings back to floats, recursively."""
    if isinstance(value, str):
        return float(value)
    if isinstance(value, list):
        return [_number(v) for v in value]
    return value


def run(command: list, text: str, *options: str) -> tuple:
    """(the JSON document, stderr) of `autodiff COMMAND --json -e TEXT OPTIONS...`, which must succeed."""
    code, out, err = run_main(command + ["--json", "-e", text, *options])
    assert code == 0, (code, err)
    return json.loads(out), err


def same(actual, expected, rtol=1e-12):
    """Equal to expected; exact where expected is 0, inf or nan (a NaN is never close to 0)."""
    actual = np.asarray(_number(actual), dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, (actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0)


def check_scalar_program(text: str, x: float, derivatives: list) -> None:
    """Every command on a program of one scalar input x, against f', f'', ... (derivatives[k-1])."""
    at = ("--at", f"x={x!r}")
    doc, _ = run(["grad"], text, *at)
    same(doc["gradient"]["x"], derivatives[0])
    for order in range(2, len(derivatives) + 1):
        doc, _ = run(["grad", "--order", str(order)], text, *at)
        assert doc["method"] == "taylor"
        for k in range(1, order + 1):
            same(doc["derivatives"][str(k)][",".join(["x"] * k)], derivatives[k - 1])
    doc, _ = run(["hessian"], text, *at)
    same(doc["derivatives"]["1"]["x"], derivatives[0])
    same(doc["derivatives"]["2"]["x,x"], derivatives[1])
    doc, _ = run(["hvp"], text, *at, "--direction", "x=1")        # forward-over-reverse, not Taylor
    same(doc["gradient"]["x"], derivatives[0])
    same(doc["hvp"]["x"], derivatives[1])
    doc, _ = run(["jvp"], text, *at, "--direction", "x=1")
    same(doc["jvp"], derivatives[0])
    for mode in ("forward", "reverse"):
        doc, _ = run(["jacobian", "--mode", mode], text, *at)
        same(doc["jacobian"]["x"], derivatives[0])


def check_nested_orders(text: str, x: list, derivatives: list) -> None:
    """`grad --order N` by nested differentiation (x a one-element vector, so not Taylor mode)."""
    doc, _ = run(["grad", "--order", str(len(derivatives))], text, "--at", f"x={x!r}")
    assert doc["method"] == "nested"
    for k, expected in enumerate(derivatives, start=1):
        same(doc["derivatives"][str(k)][",".join(["x"] * k)], np.reshape(expected, (1,) * k))


# ------------------------------------------------------------ bug 4: norm with a zero row

def _norms(x: float) -> list:
    """f = sqrt(x^2 + 1) + sqrt(x^2 + 4) and its first four derivatives, by hand:
    for g = sqrt(x^2 + a): g' = x r^-1/2, g'' = a r^-3/2, g''' = -3 a x r^-5/2,
    g'''' = -3 a r^-5/2 + 15 a x^2 r^-7/2, with r = x^2 + a."""
    out = []
    for k in range(1, 5):
        total = 0.0
        for a in (1.0, 4.0):
            r = x * x + a
            total += [x * r ** -0.5, a * r ** -1.5, -3 * a * x * r ** -2.5,
                      -3 * a * r ** -2.5 + 15 * a * x * x * r ** -3.5][k - 1]
        out.append(total)
    return out


def test_norm_over_rows_with_a_zero_row_has_the_other_rows_derivatives():
    expected = _norms(0.5)
    assert expected[0] == pytest.approx(0.689749, abs=1e-6) and expected[1] == pytest.approx(1.17208, abs=1e-5)
    check_scalar_program("X = [[x, 1], [0, 0], [2, x]]\nsum(norm(X, axis=1))", 0.5, expected)
    check_nested_orders("X = [[x[0], 1], [0, 0], [2, x[0]]]\nsum(norm(X, axis=1))", [0.5], expected[:3])


def test_one_zero_row_is_enough():
    # norm([x, 1]) + norm([0, 0]): the derivatives of sqrt(x^2 + 1) (a = 1 above); the zero row is
    # a constant, with derivatives 0 at every order
    r = 1.25
    check_scalar_program("sum(norm([[x, 1], [0, 0]], axis=1))", 0.5,
                         [0.5 * r ** -0.5, r ** -1.5, -3 * 0.5 * r ** -2.5])


# ------------------------------------------------------------ bug 4: fractional powers at 0

def test_fractional_power_at_zero_by_every_command():
    # x^2.5: 0, 0, then 2.5*1.5*0.5*x^-0.5 = inf, then -inf; x^3: 0, 0, 6, 0; 2x: 2, 0...
    check_scalar_program("x^2.5 + x^3 + 2*x", 0.0, [2.0, 0.0, inf, -inf])
    check_nested_orders("sum(x^2.5 + x^3 + 2*x)", [0.0], [2.0, 0.0, inf])


def test_fractional_power_in_an_array_with_a_zero_and_a_nonzero_base():
    # x^2.5 + (x + 1)^2.5 at 0: the zero element by the rate form, the other by the recurrence
    check_scalar_program("sum([x, x + 1]^2.5)", 0.0, [2.5, 2.5 * 1.5, inf])


@pytest.mark.parametrize("p, expected", [
    (3.5, [0.0, 0.0, 0.0, inf]),            # 3.5*2.5*1.5*0.5 x^-0.5 at the fourth order
    (1.5, [0.0, inf, -inf, inf]),
    (0.5, [inf, -inf, inf, -inf]),          # sqrt's
])
def test_taylor_coefficients_of_a_constant_power_at_zero(p, expected):
    doc, _ = run(["grad", "--order", "4"], f"x^{p}", "--at", "x=0")
    assert doc["method"] == "taylor"
    for k, value in enumerate(expected, start=1):
        same(doc["derivatives"][str(k)][",".join(["x"] * k)], value)


def test_powers_of_a_non_positive_base_have_derivative_zero_in_the_exponent():
    # docs/numerics.md: d/dy x^y is taken as 0 for x <= 0, at every order and in every mode
    check_scalar_program("(-2)^x", 3.0, [0.0, 0.0, 0.0])
    doc, _ = run(["eval"], "(-2)^x", "--at", "x=3")
    assert doc["output"] == -8.0
    # a base array of both signs: 2^x's derivatives, 8 ln 2 and 8 ln^2 2, and 0 for (-2)^x
    check_scalar_program("sum([-2, 2]^x)", 3.0, [8 * math.log(2), 8 * math.log(2) ** 2,
                                                 8 * math.log(2) ** 3])


@pytest.mark.parametrize("y", [0.5, 0.0, 2.0])
def test_pow_of_zero_base_is_constant_in_the_exponent(y):
    # bug 11: hessian -e 'pow(0.0, y)' --at y=0.5 was NaN for both orders
    text = "pow(0.0, x)"
    check_scalar_program(text, y, [0.0, 0.0, 0.0])
    doc, _ = run(["eval"], text, "--at", f"x={y}")
    assert doc["output"] == (1.0 if y == 0 else 0.0)


# ------------------------------------------------------------ bug 6: masked branches, every order

KL = "sum(where(p > 0, p*log(p/q), 0))"
P, Q = np.array([0.5, 0.0, 0.5]), np.array([0.3, 0.3, 0.4])
MASKED = P > 0


def _kl_expected():
    """Hand-derived: d/dp = log(p/q) + 1, d/dq = -p/q; d2/dp2 = 1/p, d2/dpdq = -1/q,
    d2/dq2 = p/q^2; all 0 at the masked element p = 0 (its branch is the constant 0)."""
    with np.errstate(all="ignore"):
        gp = np.where(MASKED, np.log(P / Q) + 1, 0.0)
        gq = np.where(MASKED, -P / Q, 0.0)
        hpp = np.diag(np.where(MASKED, 1 / P, 0.0))
        hpq = np.diag(np.where(MASKED, -1 / Q, 0.0))
        hqq = np.diag(np.where(MASKED, P / Q ** 2, 0.0))
    return gp, gq, hpp, hpq, hqq


def test_masked_p_log_p_over_q_by_every_command():
    gp, gq, hpp, hpq, hqq = _kl_expected()
    at = ("--at", "p=[0.5, 0, 0.5]", "--at", "q=[0.3, 0.3, 0.4]")
    doc, err = run(["grad"], KL, *at)
    same(doc["gradient"]["p"], gp)
    same(doc["gradient"]["q"], gq)
    assert not [w for w in doc["warnings"] if w["kind"] == "non-finite"], err
    for command in (["hessian"], ["grad", "--order", "2"]):
        doc, _ = run(command, KL, *at)
        same(doc["derivatives"]["1"]["p"], gp)
        same(doc["derivatives"]["2"]["p,p"], hpp)
        same(doc["derivatives"]["2"]["p,q"], hpq)
        same(doc["derivatives"]["2"]["q,p"], hpq)
        same(doc["derivatives"]["2"]["q,q"], hqq)
    v_p, v_q = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 2.0])
    direction = ("--direction", "p=[1, 2, 3]", "--direction", "q=[-1, 0.5, 2]")
    doc, _ = run(["hvp"], KL, *at, *direction)
    same(doc["hvp"]["p"], hpp @ v_p + hpq @ v_q)
    same(doc["hvp"]["q"], hpq @ v_p + hqq @ v_q)
    doc, _ = run(["jvp"], KL, *at, *direction)
    same(doc["jvp"], gp @ v_p + gq @ v_q)
    for mode in ("forward", "reverse"):
        doc, _ = run(["jacobian", "--mode", mode], KL, *at)
        same(doc["jacobian"]["p"], gp)
        same(doc["jacobian"]["q"], gq)


def test_masked_x_log_x_at_zero_by_every_command():
    check_scalar_program("where(x > 0, x*log(x), 0)", 0.0, [0.0, 0.0, 0.0, 0.0])
    # with a second input, hessian goes through nested forward-over-reverse instead of Taylor mode
    doc, _ = run(["hessian"], "where(x > 0, x*log(x), 0) * w", "--at", "x=0", "--at", "w=2")
    assert doc["method"] == "nested"
    for block in ("x,x", "x,w", "w,x", "w,w"):
        same(doc["derivatives"]["2"][block], 0.0)


@pytest.mark.parametrize("text, gradient, hessian_diagonal, third", [
    # where(x > 0, sqrt(x), 0) at [0, 1]: 1/(2 sqrt x), -1/(4 x^1.5), 3/(8 x^2.5)
    ("sum(where(x > 0, sqrt(x), 0))", [0.0, 0.5], [0.0, -0.25], [0.0, 0.375]),
    # the sin(x)/x guard: (x cos x - sin x)/x^2 and -sin x/x - 2 cos x/x^2 + 2 sin x/x^3 at 1
    ("sum(where(x != 0, sin(x)/x, 1))", [0.0, math.cos(1) - math.sin(1)],
     [0.0, math.sin(1) - 2 * math.cos(1)], None),
], ids=["sqrt", "sinc"])
def test_masked_singularities_under_every_second_order_command(text, gradient, hessian_diagonal, third):
    at = ("--at", "x=[0, 1]")
    H = np.diag(hessian_diagonal)
    doc, _ = run(["grad"], text, *at)
    same(doc["gradient"]["x"], gradient)
    doc, _ = run(["hessian"], text, *at)
    same(doc["derivatives"]["1"]["x"], gradient)
    same(doc["derivatives"]["2"]["x,x"], H)
    assert not [w for w in doc["warnings"] if w["kind"] == "non-finite"]
    for v in ([1.0, 0.0], [0.0, 1.0], [2.0, -1.0]):
        doc, _ = run(["hvp"], text, *at, "--direction", f"x={v}")
        same(doc["hvp"]["x"], H @ np.array(v))
    doc, _ = run(["jvp"], text, *at, "--direction", "x=[1, 1]")
    same(doc["jvp"], sum(gradient))
    for mode in ("forward", "reverse"):
        doc, _ = run(["jacobian", "--mode", mode], text.replace("sum(", "(", 1), *at)
        same(doc["jacobian"]["x"], np.diag(gradient))
    if third is not None:
        doc, _ = run(["grad", "--order", "3"], text, *at)
        T = np.zeros((2, 2, 2))
        T[1, 1, 1] = third[1]
        same(doc["derivatives"]["3"]["x,x,x"], T)


def test_masked_singularities_under_in_language_derivatives():
    doc, _ = run(["eval"], "f = lambda t: sum(where(t > 0, sqrt(t), 0))\njacobian(grad(f))([0.0, 1.0])")
    same(doc["output"], [[0.0, 0.0], [0.0, -0.25]])
    doc, _ = run(["eval"], "f = lambda t: where(t > 0, t*log(t), 0)\ngrad(grad(grad(f)))(0.0)")
    same(doc["output"], 0.0)


def test_a_zero_factor_absorbs_an_infinite_one_on_either_side_so_the_modes_agree():
    # x*sqrt(x) = x^1.5 at 0: reverse multiplies the cotangent x = 0 by sqrt'(0) = inf, forward the
    # tangent sqrt'(0) = inf by the value x = 0. Forward gave NaN; every mode gives 0 now, and
    # f'' = 0.75 x^-0.5 is inf (reported).
    check_scalar_program("x*sqrt(x)", 0.0, [0.0, inf, -inf])


def test_a_fused_entry_with_a_zero_partial_absorbs_an_infinite_cotangent():
    # z = 0*x + 0*x is one fused tape entry whose partial is 0; sqrt'(z) = inf arrives as its
    # cotangent. z is constant, so dy/dx = 0 (forward mode always said so; reverse said NaN).
    text = "z = 0.0*x + 0.0*x\nsqrt(z)"
    doc, _ = run(["grad"], text, "--at", "x=1")
    same(doc["gradient"]["x"], 0.0)
    doc, _ = run(["jvp"], text, "--at", "x=1", "--direction", "x=1")
    same(doc["jvp"], 0.0)


def test_a_matrix_product_in_a_rule_absorbs_too():
    # The masked row of W @ x holds inf; its cotangent is 0, and W.T @ g summed inf*0 into NaN.
    text = "W = [[1/0, 1], [1, 1]]\nsum(where([false, true], W @ x, 0))"
    at = ("--at", "x=[1, 2]")
    doc, err = run(["grad"], text, *at)
    same(doc["gradient"]["x"], [1.0, 1.0])
    assert not [w for w in doc["warnings"] if w["kind"] == "non-finite"], err
    for mode in ("forward", "reverse"):
        doc, _ = run(["jacobian", "--mode", mode], text, *at)
        same(doc["jacobian"]["x"], [1.0, 1.0])
    doc, _ = run(["hessian"], text, *at)
    same(doc["derivatives"]["2"]["x,x"], np.zeros((2, 2)))


def test_genuine_non_finite_derivatives_are_still_reported():
    # sqrt at 0 with a nonzero cotangent: inf, and the warning names the step of the sweep
    doc, err = run(["grad"], "sqrt(x)", "--at", "x=0")
    same(doc["gradient"]["x"], inf)
    assert [w["message"] for w in doc["warnings"]] == ["the derivative through sqrt is not finite here"]
    # unmasked x*log(x): the value is nan (0 * -inf) and log(x)+1 = -inf
    doc, err = run(["grad"], "x*log(x)", "--at", "x=0")
    assert math.isnan(_number(doc["output"]))
    same(doc["gradient"]["x"], -inf)
    assert doc["warnings"][0]["message"] == "log produced -inf: the first non-finite value"
    # where(x >= 0, ...) takes the sqrt branch at 0: not masked, so inf, under hessian too
    doc, err = run(["hessian"], "sum(where(x >= 0, sqrt(x), 0))", "--at", "x=[0, 1]")
    same(doc["derivatives"]["1"]["x"], [inf, 0.5])
    assert any(w["kind"] == "non-finite" for w in doc["warnings"]), err
    # a value that is nan stays nan (values are IEEE; only derivative rules absorb zeros)
    doc, _ = run(["eval"], "0 * (1/0)")
    assert math.isnan(_number(doc["output"]))


# ------------------------------------------------------------ the products themselves

def test_rule_products_absorb_zeros_and_values_stay_ieee():
    with np.errstate(all="ignore"):
        assert E.cot_mul(inf, 0.0) == 0.0 and E.cot_mul(0.0, nan) == 0.0 and E.cot_mul(0.0, -inf) == 0.0
        assert E.cot_mul(2.0, inf) == inf and math.isnan(E.cot_mul(nan, 1.0))
        assert E.cot_div(0.0, 0.0) == 0.0 and E.cot_div(0.0, nan) == 0.0 and E.cot_div(1.0, 0.0) == inf
        np.testing.assert_array_equal(E.cot_mul(np.array([inf, 0.0, inf]), np.array([0.0, nan, 2.0])),
                                      [0.0, 0.0, inf])
        np.testing.assert_array_equal(E.cot_div(np.array([0.0, 1.0]), 0.0), [0.0, inf])
        assert math.isnan(E.mul(0.0, inf)) and math.isnan(E.div(0.0, 0.0))
        assert series.zmul(np.float64(0.0), np.float64(inf)) == 0.0
        assert series.zdiv(np.float64(0.0), np.float64(0.0)) == 0.0


@pytest.mark.parametrize("sa, sb", [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                                    ((5, 2, 3), (3, 4)), ((1, 2, 3), (5, 3, 4))])
def test_cot_matmul_is_matmul_with_zeros_absorbing(sa, sb):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    np.testing.assert_allclose(cot_matmul(a, b), np.matmul(a, b), rtol=1e-13)
    a[..., 1] = inf                 # an inf in column 1 of a, and zeros in row 1 of b
    if len(sb) > 1:
        b[..., 1, :] = 0.0
    else:
        b[1] = 0.0
    with np.errstate(all="ignore"):
        ae = a if len(sa) > 1 else a[None, :]
        be = b if len(sb) > 1 else b[:, None]
        terms = ae[..., :, :, None] * be[..., None, :, :]
        zero = (ae[..., :, :, None] == 0) | (be[..., None, :, :] == 0)
        expected = np.where(zero, 0.0, terms).sum(axis=-2)
        if len(sa) == 1:
            expected = expected[..., 0, :]
        if len(sb) == 1:
            expected = expected[..., 0]
        got = cot_matmul(a, b)
        assert not np.all(np.isfinite(np.matmul(a, b)))        # matmul itself: inf * 0 = nan
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    assert np.all(np.isfinite(got))


# ------------------------------------------------------------ bug 7: the tie warning's wording

@pytest.mark.parametrize("text, at, message", [
    ("x if x > 2 else -x", ["--at", "x=2"],
     "'>' compares equal values (2); the branch for false was taken, so the derivative is one-sided here"),
    ("sum(where(p > 0, p*log(p/q), 0))", ["--at", "p=[0.5, 0, 0.5]", "--at", "q=[0.3, 0.3, 0.4]"],
     "'>' compares equal values (0 at [1] of an array of shape (3,)); the branch for false was taken "
     "there, so the derivative is one-sided here"),
    ("sum(where(p >= 0, p, 0))", ["--at", "p=[0, 0.5, 0]"],
     "'>=' compares equal values (0 at 2 elements of an array of shape (3,), the first at [0]); the branch "
     "for true was taken there, so the derivative is one-sided here"),
    ("sum(where(p == q, p, 0))", ["--at", "p=[[1, 0.5], [2, 3]]", "--at", "q=[1, 3]"],
     "'==' compares equal values (1 and other values at 2 elements of an array of shape (2, 2), the first "
     "at [0, 0]); the branch for true was taken there, so the derivative is one-sided here"),
    ("where(x[1] < 0, -x[1], x[1])", ["--at", "x=[0.5, 0]"],
     "'<' compares equal values (0); the branch for false was taken, so the derivative is one-sided here"),
], ids=["scalar", "array-one-tie", "array-two-ties", "broadcast-two-values", "scalar-element"])
def test_the_tie_warning_names_the_tied_value_and_the_branch_taken(text, at, message):
    doc, err = run(["grad"], text, *at)
    kinks = [w for w in doc["warnings"] if w["kind"] == "kink"]
    assert [w["message"] for w in kinks] == [message], err
    assert message in err


# ------------------------------------------------------------ every mode, the same number

AT_SINGULAR_POINTS = [
    "sqrt(x)", "x*sqrt(x)", "x^2.5", "x^1.5 + x", "x*log(x)", "where(x > 0, x*log(x), 0)",
    "where(x > 0, sqrt(x), 0)", "where(x != 0, sin(x)/x, 1)", "sqrt(x*x)", "norm([x, 0])", "(-2)^(x + 3)",
    "pow(0.0, x)", "x^x", "asin(0*x + 1)", "acos(0*x + 1)", "atan2(0*x, 0*x)", "hypot(x, 0*x)",
    "sqrt(0*x)*x", "exp(x)*sqrt(x)", "(x*x)^0.5", "prod([x, sqrt(x)])",
]


def _agree(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True))


@pytest.mark.parametrize("expr", AT_SINGULAR_POINTS)
def test_every_mode_gives_the_same_derivatives_at_a_singular_point(expr):
    """Taylor mode, nested differentiation, the reverse gradient, forward mode and
    forward-over-reverse agree at x = 0 (before, Taylor mode gave NaN, or 'float division by
    zero' for asin of a constant 1, where the others gave numbers, and the reverse sweep gave
    NaN for x*sqrt(x) where forward mode gave 0)."""
    scalar = Program.from_text(f"input x = 0.0\ny = {expr}\n")
    vector = Program.from_text("input x = [0.0]\ny = sum(" + re.sub(r"\bx\b", "x[0]", expr) + ")\n")
    by_taylor = derivative_tensors(scalar, {}, 3)
    assert by_taylor.mode == "taylor"
    taylor = [by_taylor.orders[k][("x",) * k] for k in (1, 2, 3)]
    nested = derivative_tensors(vector, {}, 3)
    assert _agree(taylor, [np.reshape(nested.orders[k][("x",) * k], ()) for k in (1, 2, 3)]), (taylor, nested)
    assert _agree(differentiate(scalar, {}).derivatives["x"], taylor[0])
    assert _agree(directional(scalar, {}, {"x": 1.0}).value, taylor[0])
    assert _agree(jacobian(scalar, {}, mode="forward").orders[1][("x",)], taylor[0])
    assert _agree(hessian_vector(scalar, {}, {"x": 1.0}).value[("x",)], taylor[1])


def test_constant_arguments_at_a_singularity_have_derivative_zero_in_taylor_mode():
    for expr in ("asin(0*x + 1)", "acos(0*x + 1)", "atan2(0*x, 0*x)", "log(0*x)"):
        doc, _ = run(["grad", "--order", "3"], expr, "--at", "x=0")
        assert doc["method"] == "taylor"
        for k in (1, 2, 3):
            same(doc["derivatives"][str(k)][",".join(["x"] * k)], 0.0)


def test_hypot_at_the_origin_takes_norms_subgradient_and_says_so():
    check_scalar_program("hypot(x, 0*x)", 0.0, [0.0, 0.0, 0.0])
    doc, _ = run(["grad"], "hypot(x, 0*x)", "--at", "x=0")
    assert [w["message"] for w in doc["warnings"]] == ["hypot at (0, 0): the subgradient 0 is used"]
    doc, _ = run(["grad"], "hypot(x, 4)", "--at", "x=3")       # away from it: x / hypot
    same(doc["gradient"]["x"], 0.6)
    assert doc["warnings"] == []
