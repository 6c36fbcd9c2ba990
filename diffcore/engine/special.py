"""Special functions: erf, erfc, gammaln, polygamma (digamma at n = 0) and sinc, as primitives.

Same contract as elementwise.py (whose `_unary` helper defines the ones without params): the
forward function and every rule side by side, the rules written with primitives. The values
come from special_values.py.

Derivatives of every order. gammaln' is digamma, polygamma(n)' is polygamma(n + 1), sinc's
n-th derivative is the primitive `sinc` with the param `order` = n: so each rule calls the same family one
order up, and the orders never run out. Their Taylor rules compose the function's derivatives at
the base point with the powers of the input's moving part (`series_from_derivatives`), which is
exact for any analytic function, sinc at 0 included (where sin(pi x)/(pi x) would be 0/0).
"""
from __future__ import annotations

import math

from .broadcasting import batch_elementwise
from .elementwise import _unary, cot_mul, exp, mul, neg
from .numeric import same_size
from .series import rate_rule, series_exp, series_mul, unary_value, zeros_like, zmul
from .special_values import erf_array, erfc_array, lgamma_array, lgamma_scalar, polygamma as polygamma_value
from .special_values import sinc_derivative
from .tracing import primitive

_TWO_OVER_ROOT_PI = 2.0 / math.sqrt(math.pi)


def series_from_derivatives(x: list, derivatives: list) -> list:
    """The series of f(x(t)) from f's derivatives f^(j)(x_0), j = 0..len(x)-1, at the base point:
    f(x_0 + d) = sum_j f^(j)(x_0) / j! d^j, where d = x - x_0 has no constant term (so d^j starts
    at t^j). Coefficients 1.. are derivatives: their products absorb zeros (series.py)."""
    order = len(x)
    delta = [zeros_like(x[0])] + list(x[1:])
    out = [derivatives[0]] + [zeros_like(x[0]) for _ in range(1, order)]
    power = delta
    for j in range(1, order):
        weight = derivatives[j] / math.factorial(j)
        for k in range(j, order):
            out[k] = out[k] + zmul(weight, power[k])
        if j + 1 < order:
            power = series_mul(power, delta, rates=True)
    return out


def _family(name: str, value, doc: str):
    """A primitive f_k(x) whose derivative is f_(k+1)(x), with k the param `order`; `value(k, x)`
    computes it on plain values."""
    def impl(x, order=0):
        return value(order, x)
    impl.__doc__ = doc

    def rule(g, ans, x, order=0):
        return cot_mul(g, bind(x, order=order + 1))

    def taylor(s, prim, order=0):
        (x,) = s
        return series_from_derivatives(x, [value(order + j, x[0]) for j in range(len(x))])

    bind = primitive(name, impl, vjps=(rule,), jvp=lambda ts, ans, x, order=0: rule(ts[0], ans, x, order),
                     taylor=taylor, batch=batch_elementwise, size=same_size, saves=("x",))
    return bind


polygamma = _family("polygamma", polygamma_value, "psi^(n)(x), the n-th derivative of digamma")
sinc = _family("sinc", sinc_derivative, "the n-th derivative of sin(pi x) / (pi x), 1 at x = 0")


def _gaussian_series(x: list) -> list:
    """2/sqrt(pi) exp(-x^2): the rate of erf."""
    square = series_mul(x, x)
    return [_TWO_OVER_ROOT_PI * c for c in series_exp([-c for c in square])]


def _gammaln_series(s, prim):
    (x,) = s
    derivatives = [unary_value(lgamma_array, lgamma_scalar, x[0])]
    derivatives += [polygamma_value(j - 1, x[0]) for j in range(1, len(x))]
    return series_from_derivatives(x, derivatives)


erf = _unary("erf", math.erf, erf_array,
             lambda g, ans, x: cot_mul(g, mul(_TWO_OVER_ROOT_PI, exp(neg(mul(x, x))))),
             rate_rule(lambda v: unary_value(erf_array, math.erf, v), _gaussian_series), saves="x")
erfc = _unary("erfc", math.erfc, erfc_array,
              lambda g, ans, x: neg(cot_mul(g, mul(_TWO_OVER_ROOT_PI, exp(neg(mul(x, x)))))),
              rate_rule(lambda v: unary_value(erfc_array, math.erfc, v),
                        lambda x: [-c for c in _gaussian_series(x)]), saves="x")
gammaln = _unary("gammaln", lgamma_scalar, lgamma_array, lambda g, ans, x: cot_mul(g, polygamma(x)),
                 _gammaln_series, saves="x")


def digamma(x):
    """psi(x) = d/dx gammaln(x): polygamma of order 0."""
    return polygamma(x)


def polygamma_of_order(n: int, x):
    return polygamma(x, order=n) if n else polygamma(x)

