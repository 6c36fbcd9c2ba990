"""The three primitives that broadcasting is made of, and `unbroadcast`.

Every binary rule sends its cotangent through `unbroadcast`, which sums it back
to the shape of the argument it belongs to; `sum` and `broadcast_to` are each
other's derivative, so this works at every order.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .numeric import check_shape, plain, shape_of
from .tracing import primitive, strip


def value_shape(x: Any) -> tuple:
    """Shape of a value, looking through tracers."""
    if type(x) is float:
        return ()
    return shape_of(strip(x))


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


sum_ = primitive(
    "sum", _sum_impl,
    vjps=(_sum_vjp,),
    jvp=lambda ts, ans, x, axis=None, keepdims=False: sum_(ts[0], axis=axis, keepdims=keepdims),
)


def _reshape_impl(x, shape):
    check_shape(shape)
    return plain(np.reshape(x, shape))


reshape = primitive(
    "reshape", _reshape_impl,
    vjps=(lambda g, ans, x, shape: reshape(g, shape=value_shape(x)),),
    jvp=lambda ts, ans, x, shape: reshape(ts[0], shape=shape),
)


def _broadcast_to_impl(x, shape):
    if shape_of(x) == shape:
        return x
    check_shape(shape)
    # A read-only view: nothing downstream mutates values, and this saves the copy.
    return plain(np.broadcast_to(x, shape))


broadcast_to = primitive(
    "broadcast_to", _broadcast_to_impl,
    vjps=(lambda g, ans, x, shape: unbroadcast(g, value_shape(x)),),
    jvp=lambda ts, ans, x, shape: broadcast_to(ts[0], shape=shape),
)


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum the cotangent `g` of a broadcast result back to an argument of shape `shape`."""
    if type(g) is float and not shape:
        return g
    gshape = value_shape(g)
    if gshape == shape:
        return g
    if len(gshape) < len(shape):
        return broadcast_to(g, shape=shape)
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1)
    if axes:
        g = sum_(g, axis=axes)
    if value_shape(g) != shape:
        g = reshape(g, shape=shape)
    return g
