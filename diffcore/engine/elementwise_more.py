"""More elementwise primitives: asinh, acosh, atanh, fmax, fmin and xlogy.

Same contract as elementwise.py, whose `_unary` and `_binary` helpers define them.

fmax and fmin are numpy's: a NaN on one side gives the other side, and its derivative goes to
that side; at a tie the gradient is shared 0.5 / 0.5 and the tie is reported, as for maximum.

xlogy(x, y) = x log(y), with xlogy(0, y) = 0 for every y that is not NaN (as scipy's). Its
partial derivatives are log(y) and x / y, through the zero-cotangent rule (so at x = 0, y > 0 the
derivative in y is 0 and in x is log(y)). At x = y = 0, where x log(y) is 0 only by convention,
every derivative is 0, at every order: the masked-branch rule of where(p > 0, p*log(p), 0), here
inside one primitive (docs/numerics.md).
"""
from __future__ import annotations

import math

import numpy as np

from .elementwise import _binary, _unary, add, cot_div, cot_mul, div, log, mul, sqrt, sub, where
from .kinks import tie
from .numeric import binary_impl, max_scalar, min_scalar, ndarray, plain, tie_weight
from .series import (one_minus_square, one_plus_square, rate_rule, reciprocal, scale_by_selection, series_log,
                     series_mul, series_sqrt, unary_value)
from .tracing import strip


# ------------------------------------------------------------ inverse hyperbolic functions

def _square_minus_one(x: list) -> list:
    return [-c for c in one_minus_square(x)]


asinh = _unary("asinh", math.asinh, np.arcsinh, lambda g, ans, x: cot_div(g, sqrt(add(1.0, mul(x, x)))),
               rate_rule(lambda v: unary_value(np.arcsinh, math.asinh, v),
                         lambda x: reciprocal(series_sqrt(one_plus_square(x)))), saves="x")
acosh = _unary("acosh", math.acosh, np.arccosh, lambda g, ans, x: cot_div(g, sqrt(sub(mul(x, x), 1.0))),
               rate_rule(lambda v: unary_value(np.arccosh, math.acosh, v),
                         lambda x: reciprocal(series_sqrt(_square_minus_one(x)))), saves="x")
atanh = _unary("atanh", math.atanh, np.arctanh, lambda g, ans, x: cot_div(g, sub(1.0, mul(x, x))),
               rate_rule(lambda v: unary_value(np.arctanh, math.atanh, v),
                         lambda x: reciprocal(one_minus_square(x))), saves="x")


# ------------------------------------------------------------ fmax, fmin

def _fmax_scalar(x: float, y: float) -> float:
    return y if x != x else (x if y != y else max_scalar(x, y))


def _fmin_scalar(x: float, y: float) -> float:
    return y if x != x else (x if y != y else min_scalar(x, y))


def _share(x, y, larger: bool):
    """How fmax (larger) or fmin shares its gradient with x: the side taken, 0.5 at a tie, and
    all of it to the side that is not NaN."""
    w = tie_weight(x, y) if larger else tie_weight(y, x)
    x_nan, y_nan = np.isnan(x), np.isnan(y)
    if type(w) is not ndarray:
        return 0.0 if x_nan and not y_nan else (1.0 if y_nan and not x_nan else w)
    return plain(np.where(x_nan & ~y_nan, 0.0, np.where(y_nan & ~x_nan, 1.0, w)))


def _selection(larger: bool):
    return lambda x, y: (_share(x, y, larger), _share(y, x, larger))


fmax = _binary("fmax", binary_impl(_fmax_scalar, np.fmax),
               lambda ans, x, y: _share(strip(x), strip(y), True),
               lambda ans, x, y: _share(strip(y), strip(x), True),
               scale_by_selection(_selection(True)), kink=tie("fmax"))
fmin = _binary("fmin", binary_impl(_fmin_scalar, np.fmin),
               lambda ans, x, y: _share(strip(x), strip(y), False),
               lambda ans, x, y: _share(strip(y), strip(x), False),
               scale_by_selection(_selection(False)), kink=tie("fmin"))


# ------------------------------------------------------------ xlogy

def _xlogy_scalar(x: float, y: float) -> float:
    if x == 0 and y == y:
        return 0.0
    return x * math.log(y)          # y <= 0 raises: numpy's IEEE result instead


def xlogy_value(x, y):
    """x log y, 0 where x = 0 (y not nan), on arrays (numpy only: emitted modules copy it)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.equal(x, 0) & ~np.isnan(y), 0.0, np.multiply(x, np.log(y)))


def _kept(x, y):
    """False where x = y = 0 (every derivative is 0 there), as a where condition; None: nowhere."""
    masked = np.logical_and(np.equal(strip(x), 0), np.equal(strip(y), 0))
    if not np.any(masked):
        return None
    return bool(~masked) if np.ndim(masked) == 0 else ~masked


def _masked(partial, x, y):
    """partial(y with 1 where masked), with 0 where masked: a constant there at every order."""
    keep = _kept(x, y)
    if keep is None:
        return partial(y)
    return where(partial(where(y, 1.0, cond=keep)), 0.0, cond=keep)


def _xlogy_series(s, prim):
    x, y = s
    keep = _kept(x[0], y[0])
    if keep is not None:
        y = [np.where(keep, y[0], 1.0)] + [np.where(keep, c, 0.0) for c in y[1:]]
    out = series_mul(x, series_log(y))
    out[0] = prim.impl(x[0], y[0] if keep is None else s[1][0])
    if keep is not None:
        out[1:] = [plain(np.where(keep, c, 0.0)) for c in out[1:]]
    return out


xlogy = _binary("xlogy", binary_impl(_xlogy_scalar, xlogy_value),
                lambda ans, x, y: _masked(log, x, y),
                lambda ans, x, y: _masked(lambda safe: div(x, safe), x, y),
                _xlogy_series,
                scale=lambda g, d: cot_mul(g, d), saves=("x y", "x y"))
