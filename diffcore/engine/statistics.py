"""Scans: cumsum and cumprod, as primitives (numpy's, with `axis` None: over the flattened array).

Same contract as arrays.py. The statistics the language offers besides (var, std, diff,
log_softmax) are builtins made of existing primitives (interpreter/scientific.py).

cumprod's derivative: the cotangent of x_i is sum_{j >= i} g_j prod_{k <= j, k != i} x_k. Where
no element of x is zero this is reverse_cumsum(g * ans) / x_i exactly, at every order; where
one is, the products that leave x_i out are computed as they are written (an n x n array per
scan, with cumprod itself, so that the derivative of the rule is right at every order too), never
by dividing by x.
"""
from __future__ import annotations

import numpy as np

from .arrays import getitem, transpose
from .batching import example_shape
from .broadcasting import broadcast_to, reshape, sum_, value_shape
from .elementwise import cot_div, cot_mul, where
from .numeric import ndarray, plain, same_size
from .series import linear, series_mul
from .tracing import primitive, strip


def _scan_impl(fn):
    def impl(x, axis=None):
        if type(x) is not ndarray:
            return np.array([x + 0.0])
        return plain(fn(x, axis=axis))
    return impl


def _reverse(v, axis: int):
    return getitem(v, index=(slice(None),) * axis + (slice(None, None, -1),))


def _flat(x):
    return reshape(x, shape=(int(np.prod(value_shape(x), dtype=np.int64)),))


def _along(rule):
    """A rule written for one axis, applied with axis None to the flattened argument (and the
    result reshaped back to the argument's shape)."""
    def on_axis(g, ans, x, axis=None):
        if axis is None:
            return reshape(rule(g, ans, _flat(x), 0), shape=value_shape(x))
        return rule(g, ans, x, axis)
    return on_axis


def _scan_batch(prim, args, batched, axis=None):
    """The same scan past the batch axis (each example flattened first when axis is None)."""
    x, = args
    if axis is None:
        return prim.bind(reshape(x, shape=(value_shape(x)[0], -1 if example_shape(x, True) else 1)), axis=1)
    return prim.bind(x, axis=axis + 1)


# ------------------------------------------------------------------ cumsum

def _reverse_cumsum(g, axis: int):
    return _reverse(cumsum(_reverse(g, axis), axis=axis), axis)


cumsum = primitive(
    "cumsum", _scan_impl(np.cumsum),
    vjps=(lambda g, ans, x, axis=None: _reverse_cumsum(g, axis) if axis is not None
          else reshape(_reverse_cumsum(g, 0), shape=value_shape(x)),),
    jvp=lambda ts, ans, x, axis=None: cumsum(ts[0], axis=axis) if axis is not None else cumsum(ts[0]),
    taylor=linear,
    batch=_scan_batch,
    saves=("",),
    size=same_size,
)


# ------------------------------------------------------------------ cumprod

def _products_leaving_out(x, axis: int):
    """M[..., i, j] = prod_{k <= j, k != i} x_k along `axis`, moved to the last two axes, and the
    permutation that moved it."""
    shape = value_shape(x)
    rank, n = len(shape), shape[axis]
    order = tuple(i for i in range(rank) if i != axis) + (axis,)
    moved = transpose(x, axes=order) if order != tuple(range(rank)) else x
    lead = tuple(shape[i] for i in order[:-1])
    rows = broadcast_to(reshape(moved, shape=lead + (1, n)), shape=lead + (n, n))
    eye = np.broadcast_to(np.eye(n, dtype=bool), lead + (n, n))
    return cumprod(where(1.0, rows, cond=eye), axis=rank), order


def _restore(v, order: tuple):
    if order == tuple(range(len(order))):
        return v
    return transpose(v, axes=tuple(int(i) for i in np.argsort(order)))


def _moved(v, order: tuple):
    return transpose(v, axes=order) if order != tuple(range(len(order))) else v


def _cumprod_vjp(g, ans, x, axis):
    if np.all(strip(x) != 0):
        return cot_div(_reverse_cumsum(cot_mul(g, ans), axis), x)
    others, order = _products_leaving_out(x, axis)
    shape = value_shape(others)
    n, rank = shape[-1], len(shape)
    later = np.broadcast_to(np.triu(np.ones((n, n), dtype=bool)), shape)      # j >= i
    g_j = broadcast_to(reshape(_moved(g, order), shape=shape[:-2] + (1, n)), shape=shape)
    return _restore(sum_(where(cot_mul(g_j, others), 0.0, cond=later), axis=(rank - 1,)), order)


def _cumprod_jvp_on_axis(t, ans, x, axis):
    if np.all(strip(x) != 0):
        return cot_mul(ans, cumsum(cot_div(t, x), axis=axis))
    others, order = _products_leaving_out(x, axis)
    shape = value_shape(others)
    n, rank = shape[-1], len(shape)
    earlier = np.broadcast_to(np.triu(np.ones((n, n), dtype=bool)), shape)    # i <= j
    t_i = broadcast_to(reshape(_moved(t, order), shape=shape[:-2] + (n, 1)), shape=shape)
    return _restore(sum_(where(cot_mul(t_i, others), 0.0, cond=earlier), axis=(rank - 2,)), order)


def _cumprod_jvp(ts, ans, x, axis=None):
    if axis is None:
        return _cumprod_jvp_on_axis(_flat(ts[0]), ans, _flat(x), 0)
    return _cumprod_jvp_on_axis(ts[0], ans, x, axis)


def _cumprod_series(s, prim, axis=None):
    """The running product of the elements' series, one Cauchy product per element."""
    (x,) = s
    shape = np.shape(x[0])
    full = [np.broadcast_to(np.asarray(c, dtype=np.float64), shape) for c in x]
    a = 0 if axis is None else axis
    moved = [np.moveaxis(c.reshape(-1) if axis is None else c, a, 0) for c in full]
    if not moved[0].shape[0]:
        return [plain(np.moveaxis(m, 0, a).copy()) for m in moved]
    running = [m[0] for m in moved]
    out = [[r] for r in running]
    for i in range(1, moved[0].shape[0]):
        running = series_mul(running, [m[i] for m in moved])
        for k, r in enumerate(running):
            out[k].append(r)
    return [plain(np.moveaxis(np.stack(o), 0, a)) for o in out]


cumprod = primitive(
    "cumprod", _scan_impl(np.cumprod),
    vjps=(_along(_cumprod_vjp),),
    jvp=_cumprod_jvp,
    taylor=_cumprod_series,
    batch=_scan_batch,
    size=same_size,
)
