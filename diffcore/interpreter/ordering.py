"""Builtins of order and selection: sort, argsort, argmax, argmin, topk, take, take_along_axis.

No new primitive: a sort is a gather. The permutation is computed on the plain values (it is
a step function of them, with derivative 0) and the values are gathered with `getitem` and an
integer-array index, whose rules (scatter-add backwards, the same gather forwards and in
Taylor mode, the index behind the batch axis when batched) give every order and mode. At tied
elements a sort is not differentiable (sort([x, y]) is min and max at x = y): the gradient
follows the stable order, and the run notes a kink there, as it does for comparisons.

Positions (argsort, argmax, the indices of topk) are numbers like every number of the
language, float64, and constants: `x[argmax(x)]` indexes with one, `argmax(x) + 1` computes.
Signatures are numpy's (topk, which numpy lacks, follows torch.topk: largest first); numpy's
`out`, and `order` (for structured arrays), have no meaning here and are not taken.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import arrays as A
from ..engine.broadcasting import reshape, value_shape
from ..engine.errors import RuntimeProgramError, ShapeError, ValueTypeError
from ..engine.kinds import require_numeric, to_bool, to_int
from ..engine.notes import note_kink, short_text
from ..engine.numeric import admit, ndarray, plain
from ..engine.tracing import Tracer, strip
from .arguments import choice, flat_or_axis, one_axis

SORT_KINDS = (None, "quicksort", "mergesort", "heapsort", "stable")


# ------------------------------------------------------------------ arguments

def positions(indices: Any, n: int, what: str, mode: str = "raise") -> Any:
    """Whole-number positions into an axis of length n, as numpy's intp (0-d: a Python int).

    mode 'raise' refuses a position outside -n..n-1, 'wrap' takes it modulo n, 'clip' clips it
    to 0..n-1 (so a negative position is 0, as in numpy). Positions are constants: a traced
    value used as one is read for its value, as an index is.
    """
    v = strip(indices)
    require_numeric(v, f"the indices of {what}")
    if isinstance(v, (bool, np.bool_)) or type(v) is ndarray and v.dtype == bool:
        raise ValueTypeError(f"the indices of {what} must be whole numbers, not truth values",
                             hint="to select with a mask, index with it: x[mask]")
    array = np.asarray(v, dtype=np.float64)
    if not np.all(np.isfinite(array)) or not np.all(np.mod(array, 1) == 0):
        raise ValueTypeError(f"the indices of {what} must be whole numbers",
                             hint="round them first, e.g. with round(...) or floor(...)")
    if mode == "wrap" and n:
        array = np.mod(array, n)        # exact on whole numbers, however large
    elif mode == "clip":
        array = np.clip(array, 0, max(n - 1, 0))
    outside = (array < -n) | (array >= n)
    if np.any(outside):
        raise RuntimeProgramError(f"{what}: index {short_text(float(array[outside].reshape(-1)[0]))} is out of "
                                  f"range for an axis of length {n}",
                                  hint=f"positions go from {-n} to {n - 1}" if n else
                                  "there is nothing to take from an empty axis")
    whole = array.astype(np.intp)
    return int(whole) if whole.ndim == 0 else whole


def along(x: Any, order: ndarray, axis: int) -> Any:
    """x gathered along `axis` at the integer positions `order` (same number of dimensions as x,
    the other axes broadcast against x's, as numpy's take_along_axis): one getitem."""
    shape = value_shape(x)
    rank = len(shape)
    index = tuple(order if d == axis else np.arange(n).reshape((n,) + (1,) * (rank - d - 1))
                  for d, n in enumerate(shape))
    return A.getitem(x, index=index)


def _sorting_work(values: ndarray) -> None:
    """Count a sort's work (n log n) against --timeout, before it runs."""
    n = values.size
    admit(n, n * max(1, math.ceil(math.log2(n + 1))))


def _check_kind(kind: Any, stable: Any, what: str) -> None:
    choice(kind, SORT_KINDS, f"the kind of {what}")
    if stable is not None:
        to_bool(stable, f"stable of {what}")


def _stable_order(values: Any, axis: int) -> ndarray:
    _sorting_work(values if type(values) is ndarray else np.zeros(1))
    return np.argsort(values, axis=axis, kind="stable")


def _note_ties(a: Any, ordered: ndarray, axis: int, what: str, effect: str) -> None:
    """A traced value with equal neighbours once sorted sits at a kink of `what`: note it."""
    if not isinstance(a, Tracer) or not a.trace.context.listening or ordered.shape[axis] < 2:
        return
    tied = np.diff(ordered, axis=axis) == 0
    if np.any(tied):
        first = ordered[tuple(np.argwhere(tied)[0])]
        note_kink(a.trace.context, what, f"{what} of tied elements ({short_text(float(first))}): {effect}")


# ------------------------------------------------------------------ sorting

def _sorting(a, axis, kind, stable, what: str, effect: str) -> tuple:
    """(the value sorted, flattened if axis is None; its axis; the stable order along it), with a
    tie noted as a kink of `what`."""
    _check_kind(kind, stable, what)
    x, axis = flat_or_axis(a, axis, what)
    values = strip(x)
    order = _stable_order(values, axis)
    _note_ties(a, np.take_along_axis(values, order, axis), axis, what, effect)
    return x, axis, order


def sort(a, axis=-1, kind=None, stable=None):
    """numpy's sort (always stable); its derivative follows the permutation."""
    x, axis, order = _sorting(a, axis, kind, stable, "sort",
                              "the gradient follows the stable order, one of the orders that sort them")
    return along(x, order, axis)


def argsort(a, axis=-1, kind=None, stable=None):
    """The positions that sort a (stable: ties keep their order), as numbers; derivative 0."""
    _, _, order = _sorting(a, axis, kind, stable, "argsort", "the positions jump there; their derivative is taken as 0")
    return plain(order.astype(np.float64))


def topk(x, k, axis=-1, largest=True):
    """The k largest elements along axis, largest first, and their positions (torch.topk's
    order; ties in the order of their positions): a pair (values, indices)."""
    require_numeric(x, "the argument of topk")
    shape = value_shape(x)
    if not shape:
        raise ShapeError("topk needs an array, not a number")
    axis = one_axis(axis, len(shape), "topk")
    n = shape[axis]
    count = to_int(k, "k of topk")
    if not 0 <= count <= n:
        raise ShapeError(f"topk: k = {count} is not between 0 and the length {n} of axis {axis}")
    values = strip(x)
    key = -values if to_bool(largest, "largest of topk") else values
    ordered = _stable_order(key, axis)
    order = np.take(ordered, np.arange(count), axis=axis)
    # ties among the chosen, or between the last chosen and the first left out, are kinks
    first = np.take_along_axis(key, np.take(ordered, np.arange(min(count + 1, n)), axis=axis), axis)
    _note_ties(x, first, axis, "topk",
               "the gradient follows the elements chosen first (the lower positions)")
    return along(x, order, axis), plain(order.astype(np.float64))


def _arg_extremum(pick, name: str):
    def arg(a, axis=None, keepdims=False):
        require_numeric(a, f"the argument of {name}")
        values, keep = strip(a), to_bool(keepdims, "keepdims")
        if type(values) is not ndarray:
            return 0.0          # a number is its own only element
        if values.size == 0:
            raise ShapeError(f"{name} of an empty array", hint="there is no element to point at")
        k = None if axis is None else one_axis(axis, values.ndim, name)
        if k is not None and values.shape[k] == 0:
            raise ShapeError(f"{name} along an empty axis {k}", hint="there is no element to point at")
        admit(values.size, values.size)
        found = pick(values, axis=k, keepdims=keep)
        _note_tied_extremum(a, values, k, name)
        return plain(np.asarray(found, dtype=np.float64))
    arg.__name__ = name
    return arg


def _note_tied_extremum(a: Any, values: ndarray, axis: Any, name: str) -> None:
    if not isinstance(a, Tracer) or not a.trace.context.listening:
        return
    top = np.max(values, axis=axis, keepdims=True) if name == "argmax" else np.min(values, axis=axis, keepdims=True)
    if np.any(np.sum(values == top, axis=axis) > 1):
        note_kink(a.trace.context, name, f"{name} of tied elements ({short_text(float(top.reshape(-1)[0]))}): "
                  "the first is taken; the position jumps there, its derivative is taken as 0")


# ------------------------------------------------------------------ taking

def take(a, indices, axis=None, mode="raise"):
    """numpy's take: without axis, from the flattened array; a number index removes the axis."""
    mode = choice(mode, ("raise", "wrap", "clip"), "the mode of take")
    x, k = flat_or_axis(a, axis, "take")
    shape = value_shape(x)
    if not shape:
        raise ShapeError("take along an axis of a number", hint="take picks elements of an array")
    where = positions(indices, shape[k], "take", mode)
    return A.getitem(x, index=(slice(None),) * k + (where,))


def take_along_axis(arr, indices, axis=-1):
    """numpy's take_along_axis: indices with arr's number of dimensions (the others broadcast)."""
    require_numeric(arr, "the argument of take_along_axis")
    shape = value_shape(arr)
    if axis is None:
        arr, shape, axis = reshape(arr, shape=(-1,)), (math.prod(shape),), 0
    if not shape:
        raise ShapeError("take_along_axis needs an array, not a number")
    k = one_axis(axis, len(shape), "take_along_axis")
    where = positions(indices, shape[k], "take_along_axis")
    if np.ndim(where) != len(shape):
        raise ShapeError(f"take_along_axis: the indices have {np.ndim(where)} dimensions and the array "
                         f"{len(shape)}", hint="give the indices as many dimensions as the array "
                                               "(e.g. from argsort along the same axis)")
    rest = [(n, m) for d, (n, m) in enumerate(zip(shape, np.shape(where))) if d != k]
    if any(n != m and 1 not in (n, m) for n, m in rest):
        raise ShapeError(f"take_along_axis: indices of shape {np.shape(where)} do not broadcast against "
                         f"an array of shape {shape} outside axis {k}")
    return along(arr, where, k)


TABLE = {
    "sort": sort, "argsort": argsort, "argmax": _arg_extremum(np.argmax, "argmax"),
    "argmin": _arg_extremum(np.argmin, "argmin"), "topk": topk, "take": take,
    "take_along_axis": take_along_axis,
}
