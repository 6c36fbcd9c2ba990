"""`norm(x, ord=None, axis=None, keepdims=false)`: numpy's `linalg.norm`, differentiable.

The Euclidean norm (ord None or 2 for vectors, None or 'fro' for matrices) is the `norm`
primitive (engine/arrays.py), with its rule at zero: the subgradient 0, at every order.
The other orders are built from primitives, so their derivatives at every order and their
kinks are those of what they are made of: ord 1 is sum(abs(x)) (a kink where an element is
0, reported as abs's), ord inf is max(abs(x)) (a kink at ties, reported as max's); ord 0
counts the nonzero elements (a step function: zero derivative). The orders that need
singular values (matrix 2, -2 and 'nuc') are refused with a located error.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import arrays as A
from ..engine import elementwise as E
from ..engine.broadcasting import reshape, sum_, value_shape
from ..engine.errors import ShapeError, ValueTypeError
from ..engine.kinds import require_numeric, to_axis, to_bool, to_float, type_name
from ..engine.numeric import plain
from ..engine.tracing import strip

_SINGULAR = "the matrix norm ord={} needs singular values, which autodiff does not compute"
_SINGULAR_HINT = "use ord='fro', 1, -1, inf or -inf for a matrix, or norm(x, axis=...) for vector norms"


def norm(x, ord=None, axis=None, keepdims=False):
    """numpy's linalg.norm: a vector norm along one axis, a matrix norm over two."""
    require_numeric(x, "the argument of norm")
    keepdims = to_bool(keepdims, "keepdims")
    ord = _order(ord)
    ndim = len(value_shape(x))
    if ord is None and axis is None:
        return A.norm(x, keepdims=True) if keepdims and ndim else A.norm(x)
    if axis is None and ord is not None and ndim not in (1, 2):
        raise ShapeError(f"norm with ord={_shown(ord)} takes a vector or a matrix, not {type_name(x)}",
                         hint="give the axes: norm(x, ord, axis=k) for vectors, axis=(j, k) for matrices")
    axes = to_axis(tuple(range(ndim)) if axis is None else axis, ndim)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ShapeError(f"norm over {len(axes)} axes: a norm is of vectors (one axis) or matrices (two)",
                     hint="pass axis=k or axis=(j, k)")


norm.unary = A.norm


def _order(ord: Any):
    """None, a number (inf included), or one of the strings 'fro', 'nuc'."""
    value = strip(ord)
    if value is None:
        return None
    if isinstance(value, str):
        if value in ("fro", "f", "nuc"):
            return "fro" if value == "f" else value
        raise ValueTypeError(f"norm order '{value}' is not one of 'fro' or 'nuc'",
                             hint="ord is a number (1, 2, inf, -inf, 0, any p) or 'fro' / 'nuc' for matrices")
    return to_float(value, "the order of norm")


def _shown(ord) -> str:
    return f"'{ord}'" if isinstance(ord, str) else f"{ord:g}"


def _vector_norm(x, ord, axes: tuple, keepdims: bool):
    if isinstance(ord, str):
        raise ValueTypeError(f"norm order '{ord}' is for matrices, but the norm here is of vectors",
                             hint="vectors take ord 1, 2, inf, -inf, 0 or any number p")
    reduce = {"axis": axes, "keepdims": keepdims}
    if ord is None or ord == 2:
        return A.norm(x, **reduce)
    if ord == 0:        # how many elements are nonzero: a whole number, constant near every point
        return plain(np.sum(np.not_equal(strip(x), 0), **reduce).astype(np.float64))
    size = E.abs_(x)
    if ord == 1:
        return sum_(size, **reduce)
    if ord == math.inf:
        return A.amax(size, **reduce)
    if ord == -math.inf:
        return A.amin(size, **reduce)
    return E.pow_(sum_(E.pow_(size, ord), **reduce), 1.0 / ord)


def _matrix_norm(x, ord, axes: tuple, keepdims: bool):
    rows, cols = axes
    if ord is None or ord == "fro":
        return A.norm(x, axis=tuple(sorted(axes)), keepdims=keepdims)
    if ord in (1, -1, math.inf, -math.inf):
        # 1: the largest column sum of |x| (sum over the rows); inf: the largest row sum
        summed, extreme = (rows, cols) if abs(ord) == 1 else (cols, rows)
        pick = A.amax if ord > 0 else A.amin
        out = pick(sum_(E.abs_(x), axis=(summed,), keepdims=True), axis=(extreme,), keepdims=True)
        if keepdims:
            return out
        shape = value_shape(x)
        return reshape(out, shape=tuple(n for k, n in enumerate(shape) if k not in axes))
    raise ValueTypeError(_SINGULAR.format(_shown(ord)), hint=_SINGULAR_HINT)
