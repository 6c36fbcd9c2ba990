"""Truncated Taylor series arithmetic: the library the primitives' Taylor rules are written with.

A series is a list of coefficients c[0..N] of v(x + t) = c[0] + c[1] t + ... + c[N] t^N; each
coefficient is a float or an array, and numpy broadcasting applies coefficient by coefficient.
Nonlinear functions use the classic recurrences (from u' = f'(x) x' written as series, e.g.
exp: u_k = (1/k) sum_j j x_j u_{k-j}), as in JAX's `jet` and Griewank & Walther,
"Evaluating Derivatives", ch. 13.

Each primitive names its own Taylor rule in its definition (`primitive(..., taylor=...)` in
elementwise.py, arrays.py, broadcasting.py), built from the functions here; Taylor mode
itself (the trace that calls the rules) is taylor.py. A rule is called as

    rule(series, prim, **params) -> the result's series

with one series per argument, all of the same length, and the primitive's definition (whose
`impl` computes a linear rule's coefficients).

Coefficient 0 is a value and follows IEEE (0 * inf is nan). Coefficients 1.. are derivatives,
and products and quotients that make them follow the zero-cotangent rule of the other modes
(elementwise.py): an exactly-zero factor, or numerator, gives exactly zero, whatever the other
operand. So a path of the chain rule through a zero contributes zero here as it does in
reverse and forward mode, and Taylor mode agrees with them. Each sum is computed plainly
first; only a non-finite one (whose terms then include a non-finite product) is redone
term by term.

Scalar coefficients are numpy float64, not Python floats: the recurrences divide, and where
a derivative is infinite (log, sqrt, 1/x at 0) IEEE division gives inf or nan as the other
modes do, where Python's would raise.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .numeric import array_all_finite, plain

if TYPE_CHECKING:
    from .tracing import Primitive

ZERO = np.float64(0.0)


def zeros_like(v: Any) -> Any:
    """Zeros of v's shape (not 0.0 * v, which is nan where v is infinite)."""
    return np.zeros(v.shape) if type(v) is np.ndarray else ZERO


def _finite(c: Any) -> bool:
    return array_all_finite(c) if type(c) is np.ndarray else math.isfinite(c)


def _zero_where(zero: Any, v: Any) -> Any:
    if type(v) is np.ndarray:
        return np.where(zero, 0.0, v)
    return ZERO if zero else v


def zmul(a: Any, b: Any) -> Any:
    """a * b, exactly 0 where either factor is exactly 0 (for coefficients of order >= 1)."""
    p = a * b
    if _finite(p):
        return p
    return _zero_where(np.logical_or(np.equal(a, 0), np.equal(b, 0)), p)


def zdiv(a: Any, b: Any) -> Any:
    """a / b, exactly 0 where the numerator is exactly 0 (for coefficients of order >= 1)."""
    q = (np.float64(a) if type(a) is float else a) / b        # IEEE division, never an exception
    if _finite(q):
        return q
    return _zero_where(np.equal(a, 0), q)


def _absorbing(terms: list) -> Any:
    """sum of w * a * b over terms (w, a, b), with `zmul` for a * b: the fallback of a sum that
    was not finite when computed plainly (whose terms then include a non-finite product)."""
    total = 0.0
    for w, a, b in terms:
        total = total + w * zmul(a, b)
    return total


def cauchy(a: list, b: list, k: int) -> Any:
    """The k-th coefficient of the product of two series."""
    total = a[0] * b[k]
    if k == 0:
        return total                # a value: IEEE
    for j in range(1, k + 1):
        total = total + a[j] * b[k - j]
    if _finite(total):
        return total
    return _absorbing([(1, a[j], b[k - j]) for j in range(k + 1)])


def series_mul(a: list, b: list, rates: bool = False) -> list:
    """a * b; `rates`: b is a derivative (dx/dt), so coefficient 0 is one too and absorbs zeros."""
    return [zmul(a[0], b[0]) if rates else a[0] * b[0]] + [cauchy(a, b, k) for k in range(1, len(a))]


def series_div(a: list, b: list, rates: bool = False) -> list:
    """a / b; `rates`: a is a derivative, so coefficient 0 is one too (0 / 0 is 0)."""
    u: list = [zdiv(a[0], b[0]) if rates else a[0] / b[0]]
    for k in range(1, len(a)):
        acc = a[k]
        for j in range(1, k + 1):
            acc = acc - b[j] * u[k - j]
        if not _finite(acc):
            acc = a[k] + _absorbing([(-1, b[j], u[k - j]) for j in range(1, k + 1)])
        u.append(zdiv(acc, b[0]))
    return u


def _weighted(x: list, u: list, k: int) -> Any:
    """sum_{j=1..k} j x_j u_{k-j}: the k-th coefficient of t * x'(t) * u(t) (the derivative chain)."""
    total = 0.0
    for j in range(1, k + 1):
        total = total + j * x[j] * u[k - j]
    if _finite(total):
        return total
    return _absorbing([(j, x[j], u[k - j]) for j in range(1, k + 1)])


def series_exp(x: list) -> list:
    u = [unary_value(np.exp, math.exp, x[0])]
    for k in range(1, len(x)):
        u.append(_weighted(x, u, k) / k)
    return u


def series_log(x: list) -> list:
    u = [unary_value(np.log, math.log, x[0])]
    for k in range(1, len(x)):
        acc = x[k]
        for j in range(1, k):
            acc = acc - j * u[j] * x[k - j] / k
        if not _finite(acc):
            acc = x[k] + _absorbing([(-j / k, u[j], x[k - j]) for j in range(1, k)])
        u.append(zdiv(acc, x[0]))
    return u


def series_by_derivative(x: list, u0: Any, derivative: Callable[[list], Callable[[int], Any]]) -> list:
    """Series of u with u' = d(u) x', where `derivative(u)` gives the coefficients of d(u) so far.

    u_k = (1/k) sum_j j x_j d_{k-j}; d_{k-1} depends only on u_0..u_{k-1}.
    """
    u = [u0]
    d: list = []
    coefficient = derivative(u)
    for k in range(1, len(x)):
        d.append(coefficient(k - 1))
        u.append(_weighted(x, d, k) / k)
    return u


def series_sincos(x: list) -> tuple[list, list]:
    s = [unary_value(np.sin, math.sin, x[0])]
    c = [unary_value(np.cos, math.cos, x[0])]
    for k in range(1, len(x)):
        s.append(_weighted(x, c, k) / k)
        c.append(-_weighted(x, s, k) / k)
    return s, c


def series_sinhcosh(x: list) -> tuple[list, list]:
    s = [unary_value(np.sinh, math.sinh, x[0])]
    c = [unary_value(np.cosh, math.cosh, x[0])]
    for k in range(1, len(x)):
        s.append(_weighted(x, c, k) / k)
        c.append(_weighted(x, s, k) / k)
    return s, c


def series_integrate(u0: Any, rate: list) -> list:
    """The series whose derivative (in t) has coefficients `rate` (only len-1 of them are used)."""
    return [u0] + [rate[k - 1] / k for k in range(1, len(rate))]


def derivative_in_t(x: list) -> list:
    """Coefficients of dx/dt, padded with a zero to keep the length."""
    return [k * x[k] for k in range(1, len(x))] + [zeros_like(x[0])]


def series_pow_const(x: list, p: Any) -> list:
    """x^p for a constant exponent p."""
    if np.ndim(p) == 0 and float(p).is_integer() and 0 <= p <= 64:
        return _series_int_pow(x, int(p))
    at_zero = np.equal(x[0], 0)
    if np.all(at_zero):
        return _pow_by_rate(x, [p] + [ZERO] * (len(x) - 1), len(x) - 1)
    # The classic recurrence (from x u' = p x' u) divides by x_0: where x_0 = 0 the rate form
    # below gives the coefficients instead.
    u = [_binary_value(np.power, x[0], p)]
    for k in range(1, len(x)):
        acc = 0.0
        for j in range(1, k + 1):
            acc = acc + (p * j - (k - j)) * x[j] * u[k - j]
        if not _finite(acc):
            acc = _absorbing([(p * j - (k - j), x[j], u[k - j]) for j in range(1, k + 1)])
        u.append(zdiv(acc, k * x[0]))
    if np.any(at_zero):
        by_rate = _pow_by_rate(x, [p] + [ZERO] * (len(x) - 1), len(x) - 1)
        u = [np.where(at_zero, r, c) for r, c in zip(by_rate, u)]
    return u


def series_pow(x: list, y: list) -> list:
    """x^y for a varying exponent: exp(y log x) where x_0 > 0; elsewhere (x_0 <= 0, where x^y has
    no real derivative in y and the other modes take it as 0) the rate form."""
    positive = np.greater(x[0], 0)
    if np.all(positive):
        return series_exp(series_mul(y, series_log(x)))
    by_rate = _pow_by_rate(x, y, len(x) - 1)
    if not np.any(positive):
        return by_rate
    general = series_exp(series_mul(y, series_log(x)))
    return [np.where(positive, g, r) for g, r in zip(general, by_rate)]


def _pow_by_rate(x: list, y: list, n: int) -> list:
    """The first n + 1 coefficients of x^y from u' = y x^(y-1) x', the rule of the other modes with
    the derivative in y taken as 0 (as it is where x <= 0).

    x^(y-1) comes from the same rule one order lower, so this needs no division by x_0: at
    x_0 = 0 it gives what the chain rule gives there (x^2.5 at 0: 0, 0, then inf at order 3),
    with the zero-cotangent rule where a zero meets an infinite power (y = 0 at x = 0: 0).
    """
    u = [_binary_value(np.power, x[0], y[0])]
    if n == 0:
        return u
    lower = _pow_by_rate(x, [y[0] - 1.0] + list(y[1:]), n - 1)      # x^(y-1)
    rate = [zmul(y[0], lower[0])] + [cauchy(y, lower, k) for k in range(1, n)]
    for k in range(1, n + 1):
        u.append(_weighted(x, rate, k) / k)
    return u


def _series_int_pow(x: list, n: int) -> list:
    result = [zeros_like(x[0]) + 1.0] + [zeros_like(x[0])] * (len(x) - 1)
    base = x
    while n:
        if n & 1:
            result = series_mul(result, base)
        n >>= 1
        if n:
            base = series_mul(base, base)
    return result


def series_sqrt(x: list) -> list:
    u = [unary_value(np.sqrt, math.sqrt, x[0])]
    for k in range(1, len(x)):
        acc = x[k]
        for j in range(1, k):
            acc = acc - u[j] * u[k - j]
        if not _finite(acc):
            acc = x[k] + _absorbing([(-1, u[j], u[k - j]) for j in range(1, k)])
        u.append(zdiv(acc, 2 * u[0]))
    return u


def unary_value(array_fn, scalar_fn, x):
    """f(x) for a coefficient 0: the float function on a float (numpy's where it raises), else numpy's."""
    if type(x) is float:
        try:
            return scalar_fn(x)
        except (ValueError, OverflowError):
            return float(array_fn(x))
    return plain(array_fn(x))


def _binary_value(array_fn, x, y):
    return plain(array_fn(np.float64(x) if type(x) is float else x, y))


def is_constant(series: list) -> bool:
    """Whether a series has no coefficient beyond the value (an argument that does not move)."""
    return all(not np.any(c) for c in series[1:])


# ------------------------------------------------- rules that several primitives share

def linear(series_list: list, prim: Primitive, **params) -> list:
    """Rule for a primitive linear in all its arguments together (add, sum, getitem, stack, ...)."""
    order = len(series_list[0])
    return [prim.impl(*[s[k] for s in series_list], **params) for k in range(order)]


def scale_by_selection(weight_of: Callable) -> Callable:
    """abs, relu, maximum...: piecewise linear, so every coefficient is scaled by the branch taken at t = 0."""
    def rule(s, prim, **params):
        value = prim.impl(*[x[0] for x in s], **params)
        weights = weight_of(*[x[0] for x in s])
        return [value] + [sum(zmul(w, x[k]) for w, x in zip(weights, s)) for k in range(1, len(s[0]))]
    return rule


def numeric_sum(v, axis, keepdims):
    """A coefficient summed over a reduction's axes (a scalar coefficient is its own sum)."""
    return plain(np.sum(v, axis=axis, keepdims=keepdims)) if type(v) is np.ndarray else v


def root_of_squares(total: list) -> list:
    """The square root of a sum of squares: a norm (norm, hypot).

    At a zero vector the norm has no derivatives; as in the other modes (the subgradient there
    is 0) every derivative of that norm is taken as 0, vector by vector (norm(X, axis=1) with
    one zero row keeps the others' derivatives).
    """
    zero = np.equal(total[0], 0)
    if not np.any(zero):
        return series_sqrt(total)
    if np.all(zero):
        return [total[0]] + [zeros_like(total[0])] * (len(total) - 1)
    roots = series_sqrt([np.where(zero, 1.0, total[0])] + [np.where(zero, 0.0, c) for c in total[1:]])
    return [np.where(zero, 0.0, r) for r in roots]


def rate_rule(value_fn: Callable, rate_fn: Callable) -> Callable:
    """u(x) with u' = rate(x) x': integrate rate(x) * dx/dt."""
    def rule(s, prim):
        (x,) = s
        return series_integrate(value_fn(x[0]), series_mul(rate_fn(x), derivative_in_t(x), rates=True))
    return rule


def one_minus_square(x: list) -> list:
    sq = series_mul(x, x)
    return [1.0 - sq[0]] + [-c for c in sq[1:]]


def one_plus_square(x: list) -> list:
    sq = series_mul(x, x)
    return [1.0 + sq[0]] + sq[1:]


def reciprocal(x: list) -> list:
    return series_div([zeros_like(x[0]) + 1.0] + [zeros_like(x[0])] * (len(x) - 1), x)
