"""Elementwise primitives: forward function and derivative rules side by side.

For an elementwise unary f, the reverse rule g -> g * f'(x) and the forward
rule t -> t * f'(x) are the same linear map, so each is written once (`rule`).
Binary rules send each cotangent through `unbroadcast`.

The zero-cotangent rule: in a derivative rule, a product with a factor that
is exactly zero is exactly zero, and so is a quotient whose numerator is exactly
zero, whatever the other operand (inf or NaN included). A derivative is a sum
over paths of products of local derivatives; with zero absorbing, a path through
a zero cotangent, a zero tangent or a zero local derivative contributes zero
however the product is bracketed, so reverse mode (which multiplies from the
output), forward mode (from the input), Taylor mode and their nestings agree.
That is what keeps `where(x > 0, sqrt(x), 0)` and `where(p > 0, p*log(p), 0)`
from poisoning any derivative with the branch that was not taken. Every rule
multiplies and divides the quantities it propagates with `cot_mul` / `cot_div`,
which are `*` and `/` on values (and cost one finiteness check); the values a
program computes use plain IEEE `mul` and `div`.

Non-differentiable operations (sign, floor, ceil, round, comparisons) are not
primitives: they strip tracers and return constants, so their derivative is
zero at every order without a rule.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from .broadcasting import batch_elementwise, broadcast_to, lift, unbroadcast, value_shape
from .kinks import at_zero, tie
from .numeric import (array_all_finite, binary_impl, broadcast_size, floor_divide_impl, logistic,
                      logistic_array, max_scalar, min_scalar, ndarray, plain, relu_scalar, same_size,
                      sign_scalar, softplus_array, softplus_scalar, tie_weight, unary_impl, where_size)
from .notes import note_kink, short_text, step_at_jump
from .series import (cauchy, derivative_in_t, is_constant, linear, one_minus_square, one_plus_square, rate_rule,
                     reciprocal, root_of_squares, scale_by_selection, series_by_derivative, series_div,
                     series_exp, series_integrate, series_log, series_mul, series_pow, series_pow_const,
                     series_sincos, series_sinhcosh, series_sqrt, unary_value, zmul)
from .tracing import Tracer, primitive, strip


# ------------------------------------------------------------------ helpers

def _absorbed(result, zero):
    """`result` with 0 wherever `zero` holds, if `result` went non-finite somewhere (else as it is)."""
    if type(result) is ndarray:
        if array_all_finite(result):
            return result
        return plain(np.where(zero(), 0.0, result))
    if result - result == 0:       # finite
        return result
    return plain(np.where(zero(), 0.0, result))


def _finite_nonzero(v) -> bool:
    return type(v) is float and v != 0.0 and v - v == 0.0


def _cot_mul_impl(g, d):
    # A finite nonzero float factor (a constant, as in 2*x) cannot meet a zero to absorb: the
    # product is non-finite only where the other factor is, which is not zero. No check needed.
    if _finite_nonzero(d) or _finite_nonzero(g):
        return _mul_impl(g, d)
    return _absorbed(_mul_impl(g, d), lambda: np.logical_or(np.equal(g, 0), np.equal(d, 0)))


def _cot_div_impl(g, d):
    if _finite_nonzero(d):
        return _div_impl(g, d)
    return _absorbed(_div_impl(g, d), lambda: np.equal(g, 0))


# Admitted by the _mul_impl and _div_impl they call (see numeric.admitted), not twice.
_cot_mul_impl.admits = _cot_div_impl.admits = True




def _sum_tangents(ts, ans, terms: Callable) -> Any:
    """Add up the tangent contributions of the non-constant arguments, at the output's shape."""
    total = None
    for k, t in enumerate(ts):
        if t is not None:
            term = terms(k, t)
            total = term if total is None else add(total, term)
    if value_shape(total) != value_shape(ans):
        total = broadcast_to(total, shape=value_shape(ans))
    return total


def _unary(name: str, scalar_fn, array_fn, rule: Callable, taylor: Callable, saves=None, kink=None):
    """An elementwise unary primitive; `rule(g, ans, x)` is its linear derivative map, reading `saves`,
    and `taylor` its Taylor rule."""
    return primitive(
        name, unary_impl(scalar_fn, array_fn),
        vjps=(rule,),
        jvp=lambda ts, ans, x: rule(ts[0], ans, x),
        taylor=taylor,
        batch=batch_elementwise,
        saves=None if saves is None else (saves,),
        size=same_size,
        kink=kink,
    )


def _binary(name: str, impl, partial_x: Callable, partial_y: Callable, taylor: Callable, scale=None,
            scalar_vjp=None, saves=None, kink=None):
    """An elementwise binary primitive from its two partial derivatives (written with primitives)
    and its Taylor rule; `saves` says what each partial reads (besides that, the rules read only
    shapes)."""
    scale = scale or (lambda g, d: cot_mul(g, d))
    partials = (partial_x, partial_y)
    return primitive(
        name, impl,
        vjps=(lambda g, ans, x, y: unbroadcast(scale(g, partial_x(ans, x, y)), value_shape(x)),
              lambda g, ans, x, y: unbroadcast(scale(g, partial_y(ans, x, y)), value_shape(y))),
        jvp=lambda ts, ans, x, y: _sum_tangents(ts, ans, lambda k, t: scale(t, partials[k](ans, x, y))),
        taylor=taylor,
        scalar_vjp=scalar_vjp,
        batch=batch_elementwise,
        saves=saves,
        size=broadcast_size,
        kink=kink,
    )


# Taylor rules shared by several primitives here (the series arithmetic is series.py).

def _product_series(s, prim, **params):
    """mul and cot_mul: the Cauchy product (zero-absorbing in the derivatives' coefficients)."""
    return series_mul(*s)


def _quotient_series(s, prim, **params):
    """div and cot_div."""
    return series_div(*s)


# ------------------------------------------------------------- arithmetic

_mul_impl = binary_impl(operator.mul, np.multiply)
_div_impl = binary_impl(operator.truediv, np.divide)

neg = primitive("neg", unary_impl(operator.neg, np.negative),
                vjps=(lambda g, ans, x: neg(g),),
                jvp=lambda ts, ans, x: neg(ts[0]),
                taylor=linear,
                batch=batch_elementwise,
                saves=("",), size=same_size)

add = primitive("add", binary_impl(operator.add, np.add),
                vjps=(lambda g, ans, x, y: unbroadcast(g, value_shape(x)),
                      lambda g, ans, x, y: unbroadcast(g, value_shape(y))),
                jvp=lambda ts, ans, x, y: _sum_tangents(ts, ans, lambda k, t: t),
                taylor=linear,
                scalar_vjp=lambda g, ans, x, y: (g, g),
                batch=batch_elementwise,
                saves=("", ""), size=broadcast_size)

sub = primitive("sub", binary_impl(operator.sub, np.subtract),
                vjps=(lambda g, ans, x, y: unbroadcast(g, value_shape(x)),
                      lambda g, ans, x, y: unbroadcast(neg(g), value_shape(y))),
                jvp=lambda ts, ans, x, y: (_sum_tangents((sub(ts[0], ts[1]),), ans, lambda k, t: t)
                                           if ts[0] is not None and ts[1] is not None else
                                           _sum_tangents(ts, ans, lambda k, t: t if k == 0 else neg(t))),
                taylor=linear,
                scalar_vjp=lambda g, ans, x, y: (g, -g),
                batch=batch_elementwise,
                saves=("", ""), size=broadcast_size)

mul = primitive("mul", _mul_impl,
                vjps=(lambda g, ans, x, y: unbroadcast(cot_mul(g, y), value_shape(x)),
                      lambda g, ans, x, y: unbroadcast(cot_mul(g, x), value_shape(y))),
                jvp=lambda ts, ans, x, y: _sum_tangents(ts, ans, lambda k, t: cot_mul(t, y if k == 0 else x)),
                taylor=_product_series,
                scalar_vjp=lambda g, ans, x, y: (g * y, g * x),
                batch=batch_elementwise,
                saves=("y", "x"), size=broadcast_size)

# g * d and g / d for derivative rules: an exactly-zero factor of g * d, or numerator of g / d, gives
# exactly zero (see the module docstring). Their own rules are mul's and div's, written with them.
cot_mul = primitive("cot_mul", _cot_mul_impl,
                    vjps=(lambda gg, ans, g, d: unbroadcast(cot_mul(gg, d), value_shape(g)),
                          lambda gg, ans, g, d: unbroadcast(cot_mul(gg, g), value_shape(d))),
                    jvp=lambda ts, ans, g, d: _sum_tangents(
                        ts, ans, lambda k, t: cot_mul(t, d) if k == 0 else cot_mul(g, t)),
                    taylor=_product_series,
                    batch=batch_elementwise,
                    saves=("y", "x"), size=broadcast_size)

cot_div = primitive("cot_div", _cot_div_impl,
                    # d(g/d)/dd = -(g/d)/d: ans is linear in g, so it is divided with cot_div too
                    # (g = 0 and d = 0 give 0, not 0/0)
                    vjps=(lambda gg, ans, g, d: unbroadcast(cot_div(gg, d), value_shape(g)),
                          lambda gg, ans, g, d: unbroadcast(neg(cot_mul(gg, cot_div(ans, d))), value_shape(d))),
                    jvp=lambda ts, ans, g, d: _sum_tangents(
                        ts, ans, lambda k, t: cot_div(t, d) if k == 0 else neg(cot_mul(t, cot_div(ans, d)))),
                    taylor=_quotient_series,
                    batch=batch_elementwise,
                    saves=("y", "ans y"), size=broadcast_size)

div = primitive("div", _div_impl,
                vjps=(lambda g, ans, x, y: unbroadcast(cot_div(g, y), value_shape(x)),
                      lambda g, ans, x, y: unbroadcast(neg(cot_mul(g, div(ans, y))), value_shape(y))),
                jvp=lambda ts, ans, x, y: _sum_tangents(
                    ts, ans, lambda k, t: cot_div(t, y) if k == 0 else neg(cot_mul(t, div(ans, y)))),
                taylor=_quotient_series,
                # the general rule's float operations in its order: -(g * (ans / y)), so that a
                # point alone (floats, this path) and many points at once (arrays) agree bit for bit
                scalar_vjp=lambda g, ans, x, y: (g / y, -(g * (ans / y))),
                batch=batch_elementwise,
                saves=("y", "ans y"), size=broadcast_size)


def _log_base(x):
    # log x where x > 0, else 0: the x^y derivative in y, finite where x^y is defined by continuity.
    return log(where(x, 1.0, cond=np.greater(strip(x), 0)))


# d/dx x^y = y x^(y-1); cot_mul makes it exactly 0 where y = 0 (x^0 is constant), even at
# x = 0 where x^-1 is inf, as JAX and PyTorch do.
def _pow_partial_base(ans, x, y):
    """d/dx x^y = y x^(y-1), exactly 0 where y = 0 (x^0 is constant even at x = 0)."""
    if type(y) is float:        # a constant exponent, as in x^2: fewer passes over large arrays
        # (y = 0 takes the general product below: its zero keeps y's sign and x^-1's, as the
        # same exponent in an array does, where many points run at once: diffcore/blocks.py)
        if y == 1.0:
            return 1.0
        if y == 2.0:
            return mul(2.0, x)
        return cot_mul(y, pow_(x, y - 1.0))       # cot_mul: 0 * x^-1 is 0 at y = 0, even at x = 0
    return cot_mul(y, pow_(x, sub(y, 1.0)))


def _pow_scalar_vjp(g, ans, x, y):
    """The pow rule on floats, operation for operation as _binary computes it from
    _pow_partial_base and the y partial (g * d, with d rounded first): any other order may differ
    in the last bit from the same rule on arrays (many points at once, diffcore/blocks.py)."""
    d = 1.0 if y == 1.0 else 2.0 * x if y == 2.0 else y * x ** (y - 1.0)
    return g * d, g * (ans * math.log(x))


def _pow_series(s, prim, **params):
    x, y = s
    if is_constant(y):
        return series_pow_const(x, y[0])
    return series_pow(x, y)


pow_ = _binary("pow", binary_impl(operator.pow, np.power, scalar_exact=False),
               _pow_partial_base,
               # exactly 0 where x <= 0, even where x^y is inf or nan (as documented)
               lambda ans, x, y: cot_mul(ans, _log_base(x)),
               _pow_series,
               scale=lambda g, d: cot_mul(g, d),
               # x <= 0 makes math.log raise, which sends those cases to the general rule
               scalar_vjp=_pow_scalar_vjp,
               saves=("x y", "ans x"))       # x^2 keeps x, not x^2


def _mod_scalar(x, y):
    return x % y if y else math.nan


def _mod_series(s, prim):
    # x % y = x - (x // y) y, and x // y is constant between its jumps
    x, y = s
    q = floor_divide_impl(x[0], y[0])
    return [prim.impl(x[0], y[0])] + [x[k] - zmul(q, y[k]) for k in range(1, len(x))]


# x % y = x - y * (x // y), with x // y a constant between its jumps: d/dy is -(x // y).
mod = _binary("mod", binary_impl(_mod_scalar, np.mod),
              lambda ans, x, y: 1.0,
              lambda ans, x, y: neg(floor_divide_impl(strip(x), strip(y))),
              _mod_series)


def _tie_weights(first: bool):
    """The Taylor rule's weights of maximum (first) or minimum: the branch taken, ties shared."""
    def weights(x, y):
        wx = tie_weight(x, y) if first else tie_weight(y, x)
        return (wx, 1.0 - wx)
    return weights


# Ties share the gradient evenly (0.5 each), as PyTorch and JAX do for maximum/minimum.
maximum = _binary("maximum", binary_impl(max_scalar, np.maximum),
                  lambda ans, x, y: tie_weight(strip(x), strip(y)),
                  lambda ans, x, y: tie_weight(strip(y), strip(x)),
                  scale_by_selection(_tie_weights(True)),
                  kink=tie("maximum"))
minimum = _binary("minimum", binary_impl(min_scalar, np.minimum),
                  lambda ans, x, y: tie_weight(strip(y), strip(x)),
                  lambda ans, x, y: tie_weight(strip(x), strip(y)),
                  scale_by_selection(_tie_weights(False)),
                  kink=tie("minimum"))


def _atan2_series(s, prim):
    y, x = s
    rate = series_div(
        [a - b for a, b in zip(series_mul(x, derivative_in_t(y), rates=True),
                               series_mul(y, derivative_in_t(x), rates=True))],
        [a + b for a, b in zip(series_mul(x, x), series_mul(y, y))], rates=True)
    return series_integrate(prim.impl(y[0], x[0]), rate)


atan2 = _binary("atan2", binary_impl(math.atan2, np.arctan2),
                lambda ans, y, x: div(x, add(mul(x, x), mul(y, y))),
                lambda ans, y, x: neg(div(y, add(mul(x, x), mul(y, y)))),
                _atan2_series,
                scale=lambda g, d: cot_mul(g, d))


def _hypot_partial(ans, v):
    # v / hypot(x, y), with the subgradient 0 at (0, 0), as norm's there: hypot(x, y) is the norm
    # of [x, y]. The 0 is a constant, so its derivatives are 0 at every order too.
    nonzero = np.not_equal(strip(ans), 0)
    if type(nonzero) is not ndarray:
        nonzero = bool(nonzero)
    return where(div(v, where(ans, 1.0, cond=nonzero)), 0.0, cond=nonzero)


def _hypot_series(s, prim):
    x, y = s
    return root_of_squares([a + b for a, b in zip(series_mul(x, x), series_mul(y, y))])


hypot = _binary("hypot", binary_impl(math.hypot, np.hypot),
                lambda ans, x, y: _hypot_partial(ans, x),
                lambda ans, x, y: _hypot_partial(ans, y),
                _hypot_series,
                scale=lambda g, d: cot_mul(g, d),
                kink=at_zero("ans", "hypot at (0, 0): the subgradient 0 is used"))


# ----------------------------------------------------------- elementwise

def _where_impl(x, y, cond):
    if type(cond) is bool and type(x) is not ndarray and type(y) is not ndarray:
        return x if cond else y
    return plain(np.where(cond, x, y))


def _where_batch(prim, args, batched, cond):
    # cond is a param, the same for every example: the examples' ranks are aligned with its rank too
    rank = max(np.ndim(cond), *(len(value_shape(a)) - b for a, b in zip(args, batched)))
    return where(*[lift(a, b, rank) for a, b in zip(args, batched)], cond=cond)


where = primitive(
    "where", _where_impl,
    vjps=(lambda g, ans, x, y, cond: unbroadcast(where(g, 0.0, cond=cond), value_shape(x)),
          lambda g, ans, x, y, cond: unbroadcast(where(0.0, g, cond=cond), value_shape(y))),
    jvp=lambda ts, ans, x, y, cond: broadcast_to(
        where(0.0 if ts[0] is None else ts[0], 0.0 if ts[1] is None else ts[1], cond=cond),
        shape=value_shape(ans)),
    taylor=linear,
    batch=_where_batch,
    saves=("", ""),     # cond is a param
    size=where_size,
)

def _tan_series(s, prim):
    (x,) = s
    return series_by_derivative(x, unary_value(np.tan, math.tan, x[0]),
                                lambda u: lambda k: (1.0 if k == 0 else 0.0) + cauchy(u, u, k))


def _tanh_series(s, prim):
    (x,) = s
    return series_by_derivative(x, unary_value(np.tanh, math.tanh, x[0]),
                                lambda u: lambda k: (1.0 if k == 0 else 0.0) - cauchy(u, u, k))


def _sigmoid_series(s, prim):
    (x,) = s
    return series_by_derivative(x, prim.impl(x[0]), lambda u: lambda k: u[k] - cauchy(u, u, k))


def _softplus_series(s, prim):
    (x,) = s
    sig = _sigmoid_series(s, sigmoid.primitive)
    return series_integrate(prim.impl(x[0]), series_mul(sig, derivative_in_t(x), rates=True))


_sign_of = unary_impl(sign_scalar, np.sign)


def _step_of(x):
    return 1.0 * (np.asarray(x) > 0) if type(x) is np.ndarray else (1.0 if x > 0 else 0.0)


exp = _unary("exp", math.exp, np.exp, lambda g, ans, x: cot_mul(g, ans),
             lambda s, prim: series_exp(s[0]), saves="ans")
expm1 = _unary("expm1", math.expm1, np.expm1, lambda g, ans, x: cot_mul(g, add(ans, 1.0)),
               lambda s, prim: [prim.impl(s[0][0])] + series_exp(s[0])[1:], saves="ans")
log = _unary("log", math.log, np.log, lambda g, ans, x: cot_div(g, x),
             lambda s, prim: series_log(s[0]), saves="x")
log1p = _unary("log1p", math.log1p, np.log1p, lambda g, ans, x: cot_div(g, add(x, 1.0)),
               lambda s, prim: [prim.impl(s[0][0])] + series_log([1.0 + s[0][0]] + s[0][1:])[1:], saves="x")
sqrt = _unary("sqrt", math.sqrt, np.sqrt, lambda g, ans, x: cot_div(g, mul(2.0, ans)),
              lambda s, prim: series_sqrt(s[0]), saves="ans")
sin = _unary("sin", math.sin, np.sin, lambda g, ans, x: cot_mul(g, cos(x)),
             lambda s, prim: series_sincos(s[0])[0], saves="x")
cos = _unary("cos", math.cos, np.cos, lambda g, ans, x: neg(cot_mul(g, sin(x))),
             lambda s, prim: series_sincos(s[0])[1], saves="x")
tan = _unary("tan", math.tan, np.tan, lambda g, ans, x: cot_mul(g, add(1.0, mul(ans, ans))), _tan_series,
             saves="ans")
asin = _unary("asin", math.asin, np.arcsin,
              lambda g, ans, x: cot_div(g, sqrt(sub(1.0, mul(x, x)))),
              rate_rule(lambda v: unary_value(np.arcsin, math.asin, v),
                        lambda x: reciprocal(series_sqrt(one_minus_square(x)))), saves="x")
acos = _unary("acos", math.acos, np.arccos,
              lambda g, ans, x: neg(cot_div(g, sqrt(sub(1.0, mul(x, x))))),
              rate_rule(lambda v: unary_value(np.arccos, math.acos, v),
                        lambda x: [-c for c in reciprocal(series_sqrt(one_minus_square(x)))]), saves="x")
atan = _unary("atan", math.atan, np.arctan, lambda g, ans, x: cot_div(g, add(1.0, mul(x, x))),
              rate_rule(lambda v: unary_value(np.arctan, math.atan, v), lambda x: reciprocal(one_plus_square(x))),
              saves="x")
sinh = _unary("sinh", math.sinh, np.sinh, lambda g, ans, x: cot_mul(g, cosh(x)),
              lambda s, prim: series_sinhcosh(s[0])[0], saves="x")
cosh = _unary("cosh", math.cosh, np.cosh, lambda g, ans, x: cot_mul(g, sinh(x)),
              lambda s, prim: series_sinhcosh(s[0])[1], saves="x")
tanh = _unary("tanh", math.tanh, np.tanh, lambda g, ans, x: cot_mul(g, sub(1.0, mul(ans, ans))), _tanh_series,
              saves="ans")
sigmoid = _unary("sigmoid", logistic, logistic_array,
                 lambda g, ans, x: cot_mul(g, mul(ans, sub(1.0, ans))), _sigmoid_series, saves="ans")
softplus = _unary("softplus", softplus_scalar, softplus_array, lambda g, ans, x: cot_mul(g, sigmoid(x)),
                  _softplus_series, saves="x")
# abs and relu take the subgradient 0 at the kink, as PyTorch and JAX do; being piecewise linear,
# their Taylor rules scale every coefficient by the slope of the branch taken at t = 0.
abs_ = _unary("abs", abs, np.abs, lambda g, ans, x: cot_mul(g, sign(x)),
              scale_by_selection(lambda x: (_sign_of(x),)),
              kink=at_zero("x", "abs at 0: the subgradient 0 is used (as in PyTorch and JAX)"))
relu = _unary("relu", relu_scalar, lambda x: np.maximum(x, 0.0),
              lambda g, ans, x: cot_mul(g, step(x)),
              scale_by_selection(lambda x: (_step_of(x),)),
              kink=at_zero("x", "relu at 0: the subgradient 0 is used (as in PyTorch and JAX)"))


# ----------------------------------------------- non-differentiable (constant) operations

def _constant(name: str, scalar_fn, array_fn, jumps: Callable = None) -> Callable:
    """A function whose derivative is zero: it strips tracers and returns a constant.

    `jumps(x)` says where the function is discontinuous, so that differentiating
    exactly there is reported (see diagnostics.py).
    """
    impl = unary_impl(scalar_fn, array_fn)

    def constant(x):
        if isinstance(x, Tracer):
            context = x.trace.context
            x = strip(x)
            if jumps is not None:
                step_at_jump(context, name, x, jumps)
        return impl(x)
    constant.__name__ = name
    return constant


def _step_scalar(x):
    return 1.0 if x > 0 else 0.0


def _round_half_even(x):
    return float(round(x))


def _at_integer(x):
    return np.equal(np.floor(x), x)


sign = _constant("sign", sign_scalar, np.sign, jumps=lambda x: np.equal(x, 0))
floor = _constant("floor", lambda x: float(math.floor(x)), np.floor, jumps=_at_integer)
ceil = _constant("ceil", lambda x: float(math.ceil(x)), np.ceil, jumps=_at_integer)
round_ = _constant("round", _round_half_even, np.round, jumps=lambda x: np.equal(np.mod(x, 1.0), 0.5))
step = _constant("step", _step_scalar, lambda x: (x > 0).astype(np.float64))


def floor_divide(x, y):
    """x // y: a step function of both arguments (derivative zero), which jumps where y divides x."""
    if not (isinstance(x, Tracer) or isinstance(y, Tracer)):
        return floor_divide_impl(x, y)
    context = (x if isinstance(x, Tracer) else y).trace.context
    x, y = strip(x), strip(y)
    result = floor_divide_impl(x, y)        # first: it refuses what is not numbers, or too large
    if context.listening:
        _note_quotient_at_jump(context, x, y)
    return result


def _note_quotient_at_jump(context, x, y) -> None:
    """A kink note where y divides x (x // y steps there), naming the first such element."""
    with np.errstate(all="ignore"):
        at_jump = np.logical_and(np.equal(np.mod(x, y), 0), np.isfinite(np.true_divide(x, y)))
    if not np.any(at_jump):
        return
    where = ""
    if np.ndim(at_jump):
        first = tuple(int(i) for i in np.argwhere(at_jump)[0])
        x, y = (np.broadcast_to(v, at_jump.shape)[first] for v in (x, y))
        where = f" (element [{', '.join(map(str, first))}] of an array of shape {at_jump.shape})"
    note_kink(context, "//", f"'//' at {short_text(float(x))} // {short_text(float(y))}{where}, where it jumps "
                    "(y divides x): its derivative is taken as 0")
