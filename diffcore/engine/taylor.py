"""Taylor mode: all derivatives of f(x) up to order N in one pass, at O(N^2) cost.

Every value carries its truncated Taylor series in the input's perturbation t:
v(x + t) = c[0] + c[1] t + ... + c[N] t^N, so that f^(k)(x) = k! c[k]. Each
primitive gets a rule mapping the series of its arguments to the series of
its result; nonlinear functions use the classic recurrences (from u' = f'(x) x'
written as series, e.g. exp: u_k = (1/k) sum_j j x_j u_{k-j}), as in JAX's
`jet` and Griewank & Walther, "Evaluating Derivatives", ch. 13.

This is a third transformation beside VJP and JVP, so its rules live in their
own table keyed by primitive name (`RULES`); a test checks that every
primitive has one. Coefficients are plain values (floats or arrays), so
Taylor mode runs at the top level and does not nest inside other traces.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .numeric import array_all_finite, plain
from .tracing import Primitive, Trace, Tracer, next_level, release_level
from . import numeric


class TaylorUnsupported(Exception):
    """A primitive without a Taylor rule was reached (the caller falls back to nested differentiation)."""


class Jet(Tracer):
    __slots__ = ("coeffs",)

    def __init__(self, coeffs: list, trace: "TaylorTrace"):
        self.trace = trace
        self.coeffs = coeffs

    @property
    def primal(self) -> Any:
        return self.coeffs[0]


class TaylorTrace(Trace):
    __slots__ = ("order",)

    def __init__(self, level: int, order: int):
        super().__init__(level)
        self.order = order

    def series(self, x: Any) -> list:
        if type(x) is Jet and x.trace is self:
            return x.coeffs
        if type(x) is np.ndarray:
            return [x] + [np.zeros(x.shape)] * self.order
        return [np.float64(x)] + [_ZERO] * self.order

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        rule = RULES.get(prim.name)
        if rule is None:
            raise TaylorUnsupported(prim.name)
        if any(isinstance(a, Tracer) and not (type(a) is Jet and a.trace is self) for a in args):
            raise TaylorUnsupported("a value traced by another differentiation")
        if self.level <= Trace.frozen_level:        # inside no_grad: a constant to this trace
            return prim.impl(*[self.series(a)[0] for a in args], **params)
        for a in args:
            cls = a.__class__
            if cls is not Jet and cls is not float and cls is not np.float64 and cls is not np.ndarray:
                numeric.number(a)       # refuses a string, a tuple, a function (a boolean is a number)
        series = [self.series(a) for a in args]
        if prim.size is not None and (params or any(s[0].__class__ is np.ndarray for s in series)):
            # the rules compute with numpy themselves: their arrays are admitted here, with the
            # work of the recurrences (about one pass per pair of orders)
            numeric.admit_arguments(prim.size, None, tuple(s[0] for s in series), params,
                                    (self.order + 1) ** 2)
        return Jet(_conform(rule(series, prim, **params)), self)


# Scalar coefficients are numpy float64, not Python floats: the recurrences divide, and where
# a derivative is infinite (log, sqrt, 1/x at 0) IEEE division gives inf or nan as the other
# modes do, where Python's would raise.
_ZERO = np.float64(0.0)


def _conform(coeffs: list) -> list:
    """Every coefficient with the shape of the value itself (rules may return broadcastable ones)."""
    shape = np.shape(coeffs[0])
    if not shape:
        return [c if type(c) is np.float64 else np.float64(c) for c in coeffs]
    return [c if np.shape(c) == shape else np.broadcast_to(c, shape) for c in coeffs]


# The highest order of derivative computed (derivative_tensors refuses more; README, "Limits").
# f^(k)(x) = k! c[k], and 170! = 7.3e306 is the last factorial that is a finite float64: past
# it the coefficients of ordinary functions are below the smallest float64 (exp's are
# e^x / k!, under 1e-308 from k = 171 on), so they would read 0 where the derivative is not.
MAX_ORDER = 170


def taylor_derivatives(fn: Callable[[Any], Any], x: float, order: int) -> list:
    """[f(x), f'(x), ..., f^(order)(x)] for a function of one scalar."""
    trace = TaylorTrace(next_level(), order)
    try:
        out = fn(Jet([np.float64(x), np.float64(1.0)] + [_ZERO] * (order - 1), trace))
    finally:
        release_level()
    coeffs = trace.series(strip_jets(out, trace))
    return [plain(coefficient_derivative(c, k)) for k, c in enumerate(coeffs)]


def coefficient_derivative(c: Any, k: int) -> Any:
    """k! c: the k-th derivative from the k-th Taylor coefficient, without overflowing k!.

    Up to MAX_ORDER, k! is a finite float64 (exact to 22!); past it the product is taken in
    logarithms, so that a coefficient of 0 gives 0 (not 0 * inf = nan) and a tiny one its
    finite derivative.
    """
    c = np.asarray(c, dtype=np.float64)
    if k <= MAX_ORDER:
        return c * float(math.factorial(k))
    with np.errstate(divide="ignore", over="ignore"):
        return np.sign(c) * np.exp(np.log(np.abs(c)) + math.lgamma(k + 1))


def strip_jets(out: Any, trace: TaylorTrace) -> Any:
    if isinstance(out, Tracer) and not (type(out) is Jet and out.trace is trace):
        raise TaylorUnsupported("the output is traced by another differentiation")
    return out


# ------------------------------------------------------------ series arithmetic
# Series are lists of coefficients; each coefficient is a float or an array, and
# numpy broadcasting applies coefficient by coefficient.
#
# Coefficient 0 is a value and follows IEEE (0 * inf is nan). Coefficients 1.. are derivatives,
# and products and quotients that make them follow the zero-cotangent rule of the other modes
# (elementwise.py): an exactly-zero factor, or numerator, gives exactly zero, whatever the other
# operand. So a path of the chain rule through a zero contributes zero here as it does in
# reverse and forward mode, and Taylor mode agrees with them. Each sum is computed plainly
# first; only a non-finite one (whose terms then include a non-finite product) is redone
# term by term.

def _zeros_like(v: Any) -> Any:
    """Zeros of v's shape (not 0.0 * v, which is nan where v is infinite)."""
    return np.zeros(v.shape) if type(v) is np.ndarray else _ZERO


def _finite(c: Any) -> bool:
    return array_all_finite(c) if type(c) is np.ndarray else math.isfinite(c)


def _zero_where(zero: Any, v: Any) -> Any:
    if type(v) is np.ndarray:
        return np.where(zero, 0.0, v)
    return _ZERO if zero else v


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
    u = [_unary(np.exp, math.exp, x[0])]
    for k in range(1, len(x)):
        u.append(_weighted(x, u, k) / k)
    return u


def series_log(x: list) -> list:
    u = [_unary(np.log, math.log, x[0])]
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
    s = [_unary(np.sin, math.sin, x[0])]
    c = [_unary(np.cos, math.cos, x[0])]
    for k in range(1, len(x)):
        s.append(_weighted(x, c, k) / k)
        c.append(-_weighted(x, s, k) / k)
    return s, c


def series_sinhcosh(x: list) -> tuple[list, list]:
    s = [_unary(np.sinh, math.sinh, x[0])]
    c = [_unary(np.cosh, math.cosh, x[0])]
    for k in range(1, len(x)):
        s.append(_weighted(x, c, k) / k)
        c.append(_weighted(x, s, k) / k)
    return s, c


def series_integrate(u0: Any, rate: list) -> list:
    """The series whose derivative (in t) has coefficients `rate` (only len-1 of them are used)."""
    return [u0] + [rate[k - 1] / k for k in range(1, len(rate))]


def derivative_in_t(x: list) -> list:
    """Coefficients of dx/dt, padded with a zero to keep the length."""
    return [k * x[k] for k in range(1, len(x))] + [_zeros_like(x[0])]


def series_pow_const(x: list, p: Any) -> list:
    """x^p for a constant exponent p."""
    if np.ndim(p) == 0 and float(p).is_integer() and 0 <= p <= 64:
        return _series_int_pow(x, int(p))
    at_zero = np.equal(x[0], 0)
    if np.all(at_zero):
        return _pow_by_rate(x, [p] + [_ZERO] * (len(x) - 1), len(x) - 1)
    # The classic recurrence (from x u' = p x' u) divides by x_0: where x_0 = 0 the rate form
    # below gives the coefficients instead.
    u = [_binary(np.power, x[0], p)]
    for k in range(1, len(x)):
        acc = 0.0
        for j in range(1, k + 1):
            acc = acc + (p * j - (k - j)) * x[j] * u[k - j]
        if not _finite(acc):
            acc = _absorbing([(p * j - (k - j), x[j], u[k - j]) for j in range(1, k + 1)])
        u.append(zdiv(acc, k * x[0]))
    if np.any(at_zero):
        by_rate = _pow_by_rate(x, [p] + [_ZERO] * (len(x) - 1), len(x) - 1)
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
    u = [_binary(np.power, x[0], y[0])]
    if n == 0:
        return u
    lower = _pow_by_rate(x, [y[0] - 1.0] + list(y[1:]), n - 1)      # x^(y-1)
    rate = [zmul(y[0], lower[0])] + [cauchy(y, lower, k) for k in range(1, n)]
    for k in range(1, n + 1):
        u.append(_weighted(x, rate, k) / k)
    return u


def _series_int_pow(x: list, n: int) -> list:
    result = [_zeros_like(x[0]) + 1.0] + [_zeros_like(x[0])] * (len(x) - 1)
    base = x
    while n:
        if n & 1:
            result = series_mul(result, base)
        n >>= 1
        if n:
            base = series_mul(base, base)
    return result


def series_sqrt(x: list) -> list:
    u = [_unary(np.sqrt, math.sqrt, x[0])]
    for k in range(1, len(x)):
        acc = x[k]
        for j in range(1, k):
            acc = acc - u[j] * u[k - j]
        if not _finite(acc):
            acc = x[k] + _absorbing([(-1, u[j], u[k - j]) for j in range(1, k)])
        u.append(zdiv(acc, 2 * u[0]))
    return u


def _unary(array_fn, scalar_fn, x):
    if type(x) is float:
        try:
            return scalar_fn(x)
        except (ValueError, OverflowError):
            return float(array_fn(x))
    return plain(array_fn(x))


def _binary(array_fn, x, y):
    return plain(array_fn(np.float64(x) if type(x) is float else x, y))


def _is_constant(series: list) -> bool:
    return all(not np.any(c) for c in series[1:])


# ---------------------------------------------------------------------- rules

def linear(series_list: list, prim: Primitive, **params) -> list:
    """Rule for a primitive linear in all its arguments together (add, sum, getitem, stack, ...)."""
    order = len(series_list[0])
    return [prim.impl(*[s[k] for s in series_list], **params) for k in range(order)]


def _mul(s, prim, **params):
    return series_mul(*s)


def _div(s, prim, **params):
    return series_div(*s)


def _pow(s, prim, **params):
    x, y = s
    if _is_constant(y):
        return series_pow_const(x, y[0])
    return series_pow(x, y)


def _bilinear(s, prim, **params):
    """matmul: a product, so a Cauchy product with matmul for the coefficient products (cot_matmul,
    zero-absorbing, for the derivatives' coefficients)."""
    a, b = s
    out = [prim.impl(a[0], b[0])]
    product = prim_of("cot_matmul").impl
    for k in range(1, len(a)):
        total = product(a[0], b[k])
        for j in range(1, k + 1):
            total = total + product(a[j], b[k - j])
        out.append(total)
    return out


def _scale_by_selection(weight_of: Callable) -> Callable:
    """abs, relu, maximum...: piecewise linear, so every coefficient is scaled by the branch taken at t = 0."""
    def rule(s, prim, **params):
        value = prim.impl(*[x[0] for x in s], **params)
        weights = weight_of(*[x[0] for x in s])
        return [value] + [sum(zmul(w, x[k]) for w, x in zip(weights, s)) for k in range(1, len(s[0]))]
    return rule


def _select_extremum(s, prim, axis=None, keepdims=False):
    from .arrays import _extremum_share
    (x,) = s
    ans = prim.impl(x[0], axis=axis, keepdims=keepdims)
    share = _extremum_share(ans, x[0], axis, keepdims)
    return [ans] + [numeric_sum(zmul(share, x[k]), axis, keepdims) for k in range(1, len(x))]


def numeric_sum(v, axis, keepdims):
    return plain(np.sum(v, axis=axis, keepdims=keepdims)) if type(v) is np.ndarray else v


def _prod(s, prim, axis=None, keepdims=False):
    (x,) = s
    x0 = np.asarray(x[0])
    if x0.ndim == 0:
        return list(x)
    axes = tuple(range(x0.ndim)) if axis is None else axis
    moved = [np.moveaxis(np.broadcast_to(c, x0.shape), axes, tuple(range(-len(axes), 0))) for c in x]
    lead = moved[0].shape[:x0.ndim - len(axes)]
    flat = [m.reshape(lead + (-1,)) for m in moved]
    result = [f[..., 0] for f in flat]
    for i in range(1, flat[0].shape[-1]):
        result = series_mul(result, [f[..., i] for f in flat])
    if keepdims:
        kept = tuple(1 if d in axes else n for d, n in enumerate(x0.shape))
        result = [np.reshape(r, kept) for r in result]
    return [plain(np.asarray(r)) for r in result]


def _norm(s, prim, axis=None, keepdims=False):
    (x,) = s
    squares = series_mul(x, x)
    return _root_of_squares([numeric_sum(c, axis, keepdims) if np.ndim(x[0]) else c for c in squares])


def _root_of_squares(total: list) -> list:
    """The square root of a sum of squares: a norm (norm, hypot).

    At a zero vector the norm has no derivatives; as in the other modes (the subgradient there
    is 0) every derivative of that norm is taken as 0, vector by vector (norm(X, axis=1) with
    one zero row keeps the others' derivatives).
    """
    zero = np.equal(total[0], 0)
    if not np.any(zero):
        return series_sqrt(total)
    if np.all(zero):
        return [total[0]] + [_zeros_like(total[0])] * (len(total) - 1)
    roots = series_sqrt([np.where(zero, 1.0, total[0])] + [np.where(zero, 0.0, c) for c in total[1:]])
    return [np.where(zero, 0.0, r) for r in roots]


def _logsumexp(s, prim, axis=None, keepdims=False):
    (x,) = s
    if not np.ndim(x[0]):
        return list(x)
    top = np.max(x[0], axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = [x[0] - top] + list(x[1:])
    total = [numeric_sum(c, axis, True) for c in series_exp(shifted)]
    out = series_log(total)
    out[0] = out[0] + top
    if not keepdims:
        out = [plain(np.squeeze(np.asarray(c), axis=axis)) for c in out]
    return out


def _tan(s, prim):
    (x,) = s
    return series_by_derivative(x, _unary(np.tan, math.tan, x[0]),
                                lambda u: lambda k: (1.0 if k == 0 else 0.0) + cauchy(u, u, k))


def _tanh(s, prim):
    (x,) = s
    return series_by_derivative(x, _unary(np.tanh, math.tanh, x[0]),
                                lambda u: lambda k: (1.0 if k == 0 else 0.0) - cauchy(u, u, k))


def _sigmoid(s, prim):
    (x,) = s
    return series_by_derivative(x, prim.impl(x[0]), lambda u: lambda k: u[k] - cauchy(u, u, k))


def _softplus(s, prim):
    (x,) = s
    sig = _sigmoid(s, prim_of("sigmoid"))
    return series_integrate(prim.impl(x[0]), series_mul(sig, derivative_in_t(x), rates=True))


def _rate_rule(value_fn: Callable, rate_fn: Callable) -> Callable:
    """u(x) with u' = rate(x) x': integrate rate(x) * dx/dt."""
    def rule(s, prim):
        (x,) = s
        return series_integrate(value_fn(x[0]), series_mul(rate_fn(x), derivative_in_t(x), rates=True))
    return rule


def _one_minus_square(x: list) -> list:
    sq = series_mul(x, x)
    return [1.0 - sq[0]] + [-c for c in sq[1:]]


def _one_plus_square(x: list) -> list:
    sq = series_mul(x, x)
    return [1.0 + sq[0]] + sq[1:]


def _reciprocal(x: list) -> list:
    return series_div([_zeros_like(x[0]) + 1.0] + [_zeros_like(x[0])] * (len(x) - 1), x)


def _atan2(s, prim):
    y, x = s
    rate = series_div(
        [a - b for a, b in zip(series_mul(x, derivative_in_t(y), rates=True),
                               series_mul(y, derivative_in_t(x), rates=True))],
        [a + b for a, b in zip(series_mul(x, x), series_mul(y, y))], rates=True)
    return series_integrate(prim.impl(y[0], x[0]), rate)


def _hypot(s, prim):
    x, y = s
    return _root_of_squares([a + b for a, b in zip(series_mul(x, x), series_mul(y, y))])


def _mod(s, prim):
    x, y = s
    q = numeric.floor_divide_impl(x[0], y[0])         # x % y = x - (x // y) y, x // y constant
    return [prim.impl(x[0], y[0])] + [x[k] - zmul(q, y[k]) for k in range(1, len(x))]


def _tie_weights(first: bool):
    def weights(x, y):
        wx = numeric.tie_weight(x, y) if first else numeric.tie_weight(y, x)
        return (wx, 1.0 - wx)
    return weights


def prim_of(name: str) -> Primitive:
    from .tracing import REGISTRY
    return REGISTRY[name]


def _sign(x):
    return numeric.unary_impl(numeric.sign_scalar, np.sign)(x)


def _step(x):
    return 1.0 * (np.asarray(x) > 0) if type(x) is np.ndarray else (1.0 if x > 0 else 0.0)


RULES: dict[str, Callable] = {
    # linear in all arguments together
    **{name: linear for name in ("neg", "add", "sub", "sum", "reshape", "broadcast_to", "transpose",
                                 "getitem", "scatter_add", "index_set", "stack", "concat", "where")},
    "mul": _mul, "cot_mul": _mul, "div": _div, "cot_div": _div, "pow": _pow,
    "matmul": _bilinear, "cot_matmul": _bilinear,
    "exp": lambda s, prim: series_exp(s[0]),
    "expm1": lambda s, prim: [prim.impl(s[0][0])] + series_exp(s[0])[1:],
    "log": lambda s, prim: series_log(s[0]),
    "log1p": lambda s, prim: [prim.impl(s[0][0])] + series_log([1.0 + s[0][0]] + s[0][1:])[1:],
    "sqrt": lambda s, prim: series_sqrt(s[0]),
    "sin": lambda s, prim: series_sincos(s[0])[0], "cos": lambda s, prim: series_sincos(s[0])[1],
    "sinh": lambda s, prim: series_sinhcosh(s[0])[0], "cosh": lambda s, prim: series_sinhcosh(s[0])[1],
    "tan": _tan, "tanh": _tanh, "sigmoid": _sigmoid, "softplus": _softplus,
    "atan": _rate_rule(lambda v: _unary(np.arctan, math.atan, v), lambda x: _reciprocal(_one_plus_square(x))),
    "asin": _rate_rule(lambda v: _unary(np.arcsin, math.asin, v),
                       lambda x: _reciprocal(series_sqrt(_one_minus_square(x)))),
    "acos": _rate_rule(lambda v: _unary(np.arccos, math.acos, v),
                       lambda x: [-c for c in _reciprocal(series_sqrt(_one_minus_square(x)))]),
    "atan2": _atan2, "hypot": _hypot, "mod": _mod,
    "abs": _scale_by_selection(lambda x: (_sign(x),)),
    "relu": _scale_by_selection(lambda x: (_step(x),)),
    "maximum": _scale_by_selection(_tie_weights(True)),
    "minimum": _scale_by_selection(_tie_weights(False)),
    "max": _select_extremum, "min": _select_extremum,
    "prod": _prod, "norm": _norm, "logsumexp": _logsumexp,
}
