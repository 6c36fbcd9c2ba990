"""The three primitives that broadcasting is made of, and `unbroadcast`.

Every binary rule sends its cotangent through `unbroadcast`, which sums it back
to the shape of the argument it belongs to; `sum` and `broadcast_to` are each
other's derivative, so this works at every order.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .batching import example_shape
from .numeric import ndarray, plain, reduced_size, shape_of
from .series import linear
from .tracing import NotSaved, primitive, strip


def value_shape(x: Any) -> tuple:
    """Shape of a value, looking through tracers (and of a value a tape did not keep: see reverse.py)."""
    if type(x) is float:
        return ()
    x = strip(x)
    return x.shape if type(x) is ndarray or type(x) is NotSaved else ()


def _keepdims_shape(shape: tuple, axis: Optional[tuple]) -> tuple:
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _sum_impl(x, axis=None, keepdims=False):
    if type(x) is not np.ndarray:
        return x + 0.0
    return plain(np.sum(x, axis=axis, keepdims=keepdims))


def _sum_vjp(g, ans, x, axis=None, keepdims=False):
    shape = value_shape(x)
    if not keepdims and shape:
        g = reshape(g, shape=_keepdims_shape(shape, axis))
    return broadcast_to(g, shape=shape)


def batched_axes(x: Any, axis) -> tuple:
    """A reduction's axes (None: all) for one example, as axes of the stacked examples `x`."""
    rank = len(example_shape(x, True))
    if axis is None or not rank:        # an example that is a number reduces to itself
        return tuple(range(1, rank + 1))
    return tuple(a % rank + 1 for a in (axis if isinstance(axis, tuple) else (axis,)))


def batch_reduction(prim, args, batched, axis=None, keepdims=False):
    """The batching rule of a reduction over `axis`: the same reduction, past the batch axis."""
    x, = args
    return prim.bind(x, axis=batched_axes(x, axis), keepdims=keepdims)


sum_ = primitive(
    "sum", _sum_impl,
    vjps=(_sum_vjp,),
    jvp=lambda ts, ans, x, axis=None, keepdims=False: sum_(ts[0], axis=axis, keepdims=keepdims),
    taylor=linear,
    batch=batch_reduction,
    saves=("",),        # the rule reads x's shape only
    size=reduced_size,
)


def _reshape_impl(x, shape):
    return plain(np.reshape(x, shape))


def shape_size(x, shape, **params) -> int:
    """The size of a result whose shape is a param (reshape, broadcast_to, scatter_add)."""
    return math.prod(shape)


reshape = primitive(
    "reshape", _reshape_impl,
    vjps=(lambda g, ans, x, shape: reshape(g, shape=value_shape(x)),),
    jvp=lambda ts, ans, x, shape: reshape(ts[0], shape=shape),
    taylor=linear,
    batch=lambda prim, args, batched, shape: reshape(args[0], shape=example_stack(args[0]) + shape),
    saves=("",),
    size=shape_size,
)


def example_stack(x: Any) -> tuple:
    """(B,) for stacked examples `x`: the batch axis."""
    return (x.shape if x.__class__ is ndarray else value_shape(x))[:1]


def lift(x: Any, batched: bool, rank: int) -> Any:
    """Stacked examples with each example's axes right-aligned to `rank`, as broadcasting would.

    An example of shape (3,) lifted to rank 2 has shape (1, 3): the stacked (B, 3) become
    (B, 1, 3), so that the batch axis stays in front when numpy broadcasts them with an
    example of rank 2. A value that is not batched is returned as it is.
    """
    if not batched:
        return x
    shape = x.shape if x.__class__ is ndarray else value_shape(x)
    missing = rank + 1 - len(shape)
    return reshape(x, shape=shape[:1] + (1,) * missing + shape[1:]) if missing > 0 else x


def batch_elementwise(prim, args, batched, **params):
    """The batching rule of a broadcasting elementwise primitive: align the examples' ranks, then call it."""
    if params:
        return _batch_elementwise_general(prim, args, batched, params)
    # The common cases, without params, lists or ** calls.
    if len(args) == 1:              # one batched argument: nothing to align
        x = args[0]
        return prim.impl(x) if x.__class__ is ndarray else prim.bind(x)
    if len(args) == 2:
        (x, y), (bx, by) = args, batched
        cx, cy = x.__class__, y.__class__
        rx = (x.ndim if cx is ndarray else 0 if cx is float else len(value_shape(x))) - bx
        ry = (y.ndim if cy is ndarray else 0 if cy is float else len(value_shape(y))) - by
        if rx == ry or (rx > ry and not by) or (ry > rx and not bx):
            if (cx is ndarray or cx is float) and (cy is ndarray or cy is float):
                return prim.impl(x, y)          # plain values: what bind would call
            return prim.bind(x, y)
        return prim.bind(lift(x, bx, max(rx, ry)), lift(y, by, max(rx, ry)))
    return _batch_elementwise_general(prim, args, batched, params)


def _batch_elementwise_general(prim, args, batched, params: dict):
    """batch_elementwise with params, or with more than two arguments."""
    if len(args) == 2:
        (x, y), (bx, by) = args, batched
        rx, ry = _rank(x) - bx, _rank(y) - by
        if rx == ry or (rx > ry and not by) or (ry > rx and not bx):
            return prim.bind(x, y, **params)
        return prim.bind(lift(x, bx, max(rx, ry)), lift(y, by, max(rx, ry)), **params)
    ranks = [_rank(a) - b for a, b in zip(args, batched)]
    rank = max(ranks)
    if all(r == rank for r, b in zip(ranks, batched) if b):
        return prim.bind(*args, **params)       # every batched example already has the full rank
    return prim.bind(*[lift(a, b, rank) for a, b in zip(args, batched)], **params)


def _rank(x: Any) -> int:
    return x.ndim if x.__class__ is ndarray else 0 if x.__class__ is float else len(value_shape(x))


def _broadcast_to_impl(x, shape):
    if shape_of(x) == shape:
        return x
    # A read-only view: nothing downstream mutates values, and this saves the copy.
    return plain(np.broadcast_to(x, shape))


broadcast_to = primitive(
    "broadcast_to", _broadcast_to_impl,
    vjps=(lambda g, ans, x, shape: unbroadcast(g, value_shape(x)),),
    jvp=lambda ts, ans, x, shape: broadcast_to(ts[0], shape=shape),
    taylor=linear,
    batch=lambda prim, args, batched, shape: broadcast_to(
        lift(args[0], True, len(shape)), shape=example_stack(args[0]) + shape),
    saves=("",),
    size=shape_size,
)


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum the cotangent `g` of a broadcast result back to an argument of shape `shape`."""
    if type(g) is float and not shape:
        return g
    gshape = value_shape(g)
    if gshape == shape:
        return g
    if len(gshape) < len(shape):
        extra = len(shape) - len(gshape)
        if all(n == 1 for n in shape[:extra]):
            # `x[index] = v` drops v's extra leading axes of length 1 before it broadcasts v to
            # the selection (a (1, 1, 3) value fits a selection of (2, 3)): undo both
            return reshape(unbroadcast(g, shape[extra:]), shape=shape)
        return broadcast_to(g, shape=shape)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = sum_(g, axis=axes)
    if value_shape(g) != shape:
        g = reshape(g, shape=shape)
    return g
