"""Builtins for statistics, scans, special functions and number conversions (numpy's signatures).

`TABLE` is merged into the builtins by builtins._table(). The differentiable ones are primitives
(engine/special.py, engine/elementwise_more.py, engine/statistics.py) or made of primitives here:

    var, std          numpy's, ddof=0 by default; std is norm(x - mean) / sqrt(N - ddof), so at zero
                      variance it has norm's subgradient 0 at every order (and norm's kink warning)
    diff              numpy's diff(x, n=1, axis=-1): differences of slices
    log_softmax       x - logsumexp(x, axis, keepdims=True), axis=-1 as in PyTorch and JAX
    logaddexp(2)      the larger plus softplus of minus the gap, chosen by where: smooth at every
                      order at a tie (no kink: max + log1p(exp(-|x - y|)) would put one there)
    nan_to_num        where(finite, x, replacement): derivative 1 where x is kept, 0 where replaced
    int, float        int truncates toward zero (derivative 0, a step at each nonzero integer, so
                      int(3.0) reports the jump as floor(3.0) does); float is the identity

Every number is a float64 (docs/numerics.md): int(x) is a whole float64, as len(x) is.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import arrays as A
from ..engine import elementwise as E
from ..engine import elementwise_more as M
from ..engine import special as S
from ..engine import statistics as ST
from ..engine.broadcasting import reshape, sum_, value_shape
from ..engine.errors import ShapeError, ValueTypeError
from ..engine.kinds import is_numeric, require_numeric, to_bool, to_float, to_int, type_hint, type_name
from ..engine.numeric import ndarray
from ..engine.tracing import strip
from .arguments import to_axis

MAX_POLYGAMMA_ORDER = 1000      # its cost grows with the order (a sum of about n terms)
_LARGEST = float(np.finfo(np.float64).max)


def _ndim(x: Any) -> int:
    return len(value_shape(x))


def _one_axis(axis: Any, x: Any, name: str) -> int:
    if isinstance(strip(axis), (tuple, list)) or (isinstance(strip(axis), ndarray) and strip(axis).size != 1):
        raise ValueTypeError(f"{name} takes one axis, not {type_name(axis)}", hint=f"e.g. {name}(x, axis=0)")
    return to_axis(to_int(axis, f"the axis of {name}"), _ndim(x))[0]


# ------------------------------------------------------------------ statistics

def _centred(x: Any, name: str, axis: Any, ddof: Any) -> tuple:
    """x minus its mean over `axis`, the axes, and the divisor max(N - ddof, 0) (numpy's)."""
    require_numeric(x, f"the argument of {name}")
    axes = to_axis(axis, _ndim(x))
    shape = value_shape(x)
    count = float(math.prod(shape if axes is None else [shape[a] for a in axes]))
    mean = E.div(sum_(x, axis=axes, keepdims=True), count)
    return E.sub(x, mean), axes, max(count - to_float(ddof, f"ddof of {name}"), 0.0)


def var(x, axis=None, *, ddof=0, keepdims=False):
    centred, axes, divisor = _centred(x, "var", axis, ddof)
    squares = sum_(E.mul(centred, centred), axis=axes, keepdims=to_bool(keepdims, "keepdims"))
    return E.div(squares, divisor)


def std(x, axis=None, *, ddof=0, keepdims=False):
    centred, axes, divisor = _centred(x, "std", axis, ddof)
    return E.div(A.norm(centred, axis=axes, keepdims=to_bool(keepdims, "keepdims")), math.sqrt(divisor))


def _scan(prim, name: str):
    def scan(x, axis=None):
        require_numeric(x, f"the argument of {name}")
        if axis is None or not _ndim(x):
            if axis is not None:
                _one_axis(axis, reshape(x, shape=(1,)), name)
            return prim(x)
        return prim(x, axis=_one_axis(axis, x, name))
    scan.__name__ = name
    return scan


def diff(x, n=1, axis=-1):
    require_numeric(x, "the argument of diff")
    if not _ndim(x):
        raise ShapeError("diff needs an array of at least one dimension, not a number",
                         hint="diff(x) is x[1:] - x[:-1] along an axis")
    order = to_int(n, "the order of diff")
    if order < 0:
        raise ValueTypeError(f"the order of diff must be 0 or more, not {order}")
    k = _one_axis(axis, x, "diff")
    before = (slice(None),) * k
    for _ in range(order):
        if value_shape(x)[k] == 0:
            break
        x = E.sub(A.getitem(x, index=before + (slice(1, None),)), A.getitem(x, index=before + (slice(None, -1),)))
    return x


def log_softmax(x, axis=-1):
    require_numeric(x, "the argument of log_softmax")
    if not _ndim(x):
        return E.sub(x, x)          # log(softmax(x)) of one number: log 1
    return E.sub(x, A.logsumexp(x, axis=to_axis(axis, _ndim(x)), keepdims=True))


# ------------------------------------------------------------------ special functions

def _log_add(x, y, name: str, scale: float):
    """log_b(b^x + b^y) for b = e^scale: the larger plus softplus of minus the gap (in natural units)."""
    require_numeric(x, f"the first argument of {name}")
    require_numeric(y, f"the second argument of {name}")
    xs, ys = strip(x), strip(y)
    with np.errstate(invalid="ignore"):
        first = np.greater_equal(xs, ys) | np.isnan(xs)
        both_infinite = np.equal(xs, ys) & np.isinf(xs)         # inf - inf: the gap is 0 there
    gap = E.sub(x, y)
    if np.any(both_infinite):
        gap = E.where(0.0, gap, cond=both_infinite if np.ndim(both_infinite) else True)
    if scale != 1.0:
        gap = E.mul(gap, scale)

    def softplus(v):
        return E.softplus(v) if scale == 1.0 else E.div(E.softplus(v), scale)
    from_x = E.add(x, softplus(E.neg(gap)))
    from_y = E.add(y, softplus(gap))
    return E.where(from_x, from_y, cond=first if np.ndim(first) else bool(first))


def logaddexp(x1, x2):
    return _log_add(x1, x2, "logaddexp", 1.0)


def logaddexp2(x1, x2):
    return _log_add(x1, x2, "logaddexp2", math.log(2.0))


def polygamma(n, x):
    order = to_int(n, "the order of polygamma")
    if not 0 <= order <= MAX_POLYGAMMA_ORDER:
        raise ValueTypeError(f"the order of polygamma must be from 0 to {MAX_POLYGAMMA_ORDER}, not {order}",
                             hint="polygamma(0, x) is digamma(x), polygamma(1, x) its derivative")
    require_numeric(x, "the argument of polygamma")
    return S.polygamma_of_order(order, x)


def sinc(x):
    """numpy's sinc(x) = sin(pi x) / (pi x); the primitive's param `order` (its derivatives) is not
    the builtin's."""
    require_numeric(x, "the argument of sinc")
    return S.sinc(x)


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """numpy's: nan, inf and -inf replaced (copy is accepted; values are never changed in place)."""
    require_numeric(x, "the argument of nan_to_num")
    to_bool(copy, "copy")
    for_nan = to_float(nan, "nan")
    for_posinf = _LARGEST if posinf is None else to_float(posinf, "posinf")
    for_neginf = -_LARGEST if neginf is None else to_float(neginf, "neginf")
    v = strip(x)
    bad = ~np.isfinite(v)
    if not np.any(bad):
        return x
    replacement = np.where(np.isnan(v), for_nan, np.where(np.greater(v, 0), for_posinf, for_neginf))
    if not np.ndim(bad):
        return float(replacement)
    return E.where(replacement, x, cond=bad)


# ------------------------------------------------------------------ conversions

def _single_number(x, name: str):
    """x as one number: a number or a boolean, or an array of one element reshaped to a number."""
    v = strip(x)
    if isinstance(v, ndarray) and v.size == 1:
        return reshape(x, shape=())
    if isinstance(v, ndarray) or not is_numeric(v):
        raise ValueTypeError(f"{name}() takes a single number, not {type_name(v)}",
                             hint="for arrays, floor, ceil and round work elementwise" if isinstance(v, ndarray)
                             else type_hint(v))
    return x if not isinstance(v, (bool, np.bool_)) else float(v)


_truncate = E._constant("int", lambda v: float(math.trunc(v)), np.trunc,
                        jumps=lambda v: np.equal(np.floor(v), v) & np.not_equal(v, 0))


def int_(x):
    x = _single_number(x, "int")
    if not math.isfinite(float(strip(x))):
        raise ValueTypeError(f"int() of {float(strip(x))!r}: not a finite number",
                             hint="check it first, e.g. with isfinite(x)")
    return _truncate(x)


def float_(x):
    return _single_number(x, "float")


TABLE = {
    "var": var, "std": std, "cumsum": _scan(ST.cumsum, "cumsum"), "cumprod": _scan(ST.cumprod, "cumprod"),
    "diff": diff, "log_softmax": log_softmax,
    "erf": S.erf, "erfc": S.erfc, "gammaln": S.gammaln, "digamma": S.digamma, "polygamma": polygamma,
    "sinc": sinc, "asinh": M.asinh, "acosh": M.acosh, "atanh": M.atanh,
    "logaddexp": logaddexp, "logaddexp2": logaddexp2, "xlogy": M.xlogy, "fmax": M.fmax, "fmin": M.fmin,
    "nan_to_num": nan_to_num, "int": int_, "float": float_,
}
