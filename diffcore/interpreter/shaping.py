"""Builtins that rearrange, repeat, pad, cut and join arrays, with numpy's names and signatures.

No new primitive: each is made of the primitives that already carry every rule, so that all
orders, forward and Taylor mode and batching hold by the same machinery, and every array made
is admitted against the limits before it is allocated:

    flip, split, array_split          getitem with slices (views)
    roll                              concat of two slices per axis
    tile, repeat (a number of times)  reshape, broadcast_to (a view), reshape
    repeat (a count per element)      getitem with an integer array
    pad (constant mode)               concat with the constant broadcast to each border
    tril, triu                        where with the triangle as the condition
    squeeze, expand_dims, atleast_*   reshape
    vstack, hstack, dstack, column_stack   reshape and concat
    moveaxis, swapaxes                transpose

numpy's `dtype`/`casting` (vstack, hstack) have no meaning here (every number is a float64).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine import arrays
from ..engine import elementwise as E
from ..engine.broadcasting import broadcast_to, reshape, value_shape
from ..engine.errors import ShapeError, ValueTypeError
from ..engine.kinds import require_numeric, shape_text, to_int, type_name
from ..engine.numeric import check_elements, check_shape, ndarray
from ..engine.tracing import strip
from .arguments import axis_items, flat_or_axis, flatten_args, one_axis, to_axis


def _whole_numbers(v: Any, what: str) -> ndarray:
    """A number, a tuple or an array of whole numbers, as an intp array (not differentiated)."""
    plain = strip(v)
    if isinstance(plain, tuple):
        plain = tuple(strip(p) for p in plain)
    try:
        array = np.asarray(plain, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueTypeError(f"{what} must be whole numbers, not {type_name(v)}") from None
    if not np.all(np.isfinite(array)) or not np.all(np.mod(array, 1) == 0):
        raise ValueTypeError(f"{what} must be whole numbers", hint="round them first, e.g. with round(...)")
    if np.any(np.abs(array) > 2 ** 53):         # past the whole numbers a float64 holds exactly
        raise ValueTypeError(f"{what} are too large (beyond 2^53)")
    return array.astype(np.int64)


def _counts(v: Any, what: str) -> ndarray:
    counts = _whole_numbers(v, what)
    if np.any(counts < 0):
        raise ValueTypeError(f"{what} cannot be negative")
    return counts


def _axes(axis: Any, ndim: int) -> tuple:
    """Canonical axes (None: all of them)."""
    return tuple(range(ndim)) if axis is None else to_axis(axis, ndim)


def _along(k: int, part) -> tuple:
    """An index that applies `part` to axis k and takes all of the axes before it."""
    return (slice(None),) * k + (part,)


# ------------------------------------------------------------------ rearranging

def flip(m, axis=None):
    require_numeric(m, "the argument of flip")
    axes = _axes(axis, len(value_shape(m)))
    if not axes:
        return m
    return arrays.getitem(m, index=tuple(slice(None, None, -1) if d in axes else slice(None)
                                    for d in range(max(axes) + 1)))


def roll(a, shift, axis=None):
    """numpy's roll: elements shifted along the axes, those that fall off coming back at the start."""
    require_numeric(a, "the argument of roll")
    shape = value_shape(a)
    if axis is None:
        flat = reshape(a, shape=(-1,))
        steps = _whole_numbers(shift, "the shift of roll")
        return reshape(_rolled(flat, {0: int(steps.sum())}), shape=shape)
    named = strip(axis)
    axes = np.array([one_axis(k, len(shape), "roll")       # (an axis may be named twice)
                     for k in (named if isinstance(named, (tuple, ndarray)) else (named,))], dtype=np.intp)
    steps = np.atleast_1d(_whole_numbers(shift, "the shift of roll"))
    if steps.ndim > 1 or axes.size != steps.size and 1 not in (axes.size, steps.size):
        raise ShapeError(f"roll: {steps.size} shifts for {axes.size} axes",
                         hint="give one shift per axis, or one shift for all")
    total: dict = {}
    for k, s in zip(*np.broadcast_arrays(axes, steps)):
        total[int(k)] = total.get(int(k), 0) + int(s)      # an axis named twice rolls by the sum, as numpy
    return _rolled(a, total)


def _rolled(x: Any, shifts: dict) -> Any:
    for k, s in shifts.items():
        n = value_shape(x)[k]
        cut = n - s % n if n else 0
        if cut in (0, n):
            continue
        x = arrays.concat(arrays.getitem(x, index=_along(k, slice(cut, None))),
                     arrays.getitem(x, index=_along(k, slice(None, cut))), axis=k)
    return x


def moveaxis(a, source, destination):
    require_numeric(a, "the argument of moveaxis")
    ndim = len(value_shape(a))
    src = to_axis(axis_items(source, "moveaxis"), ndim)
    dst = to_axis(axis_items(destination, "moveaxis"), ndim)
    if len(src) != len(dst):
        raise ShapeError(f"moveaxis: {len(src)} source axes and {len(dst)} destinations",
                         hint="name as many destinations as source axes")
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return arrays.transpose(a, axes=tuple(order)) if order != list(range(ndim)) else a


def swapaxes(a, axis1, axis2):
    require_numeric(a, "the argument of swapaxes")
    ndim = len(value_shape(a))
    i, j = one_axis(axis1, ndim, "swapaxes"), one_axis(axis2, ndim, "swapaxes")
    order = list(range(ndim))
    order[i], order[j] = j, i
    return arrays.transpose(a, axes=tuple(order)) if i != j else a


# ------------------------------------------------------------------ repeating

def tile(A, reps):
    """numpy's tile(A, reps): A repeated reps times along each axis (the shorter of the two padded
    with leading 1s). A broadcast view, then one copy, admitted before it is made."""
    require_numeric(A, "the argument of tile")
    shape = value_shape(A)
    counts = _counts(reps, "the repetitions of tile")
    if counts.ndim > 1:
        raise ShapeError("the repetitions of tile are a number or one number per axis",
                         hint="e.g. tile(x, 2) or tile(x, (2, 1))")
    times = tuple(int(r) for r in np.atleast_1d(counts))
    rank = max(len(shape), len(times))
    shape, times = (1,) * (rank - len(shape)) + shape, (1,) * (rank - len(times)) + times
    final = tuple(n * r for n, r in zip(shape, times))
    check_shape(final)
    if all(r == 1 for r in times):
        return reshape(A, shape=final) if final != value_shape(A) else A
    interleaved = tuple(v for n, r in zip(shape, times) for v in (r, n))
    spread = broadcast_to(reshape(A, shape=tuple(v for n in shape for v in (1, n))), shape=interleaved)
    return reshape(spread, shape=final)


def repeat(a, repeats, axis=None):
    """numpy's repeat: each element `repeats` times (a number, or one count per element) along axis;
    without axis, of the flattened array."""
    x, k = flat_or_axis(a, axis, "repeat")
    shape = value_shape(x)
    n = shape[k] if shape else 1
    counts = _counts(repeats, "the repetitions of repeat")
    if counts.ndim > 1 or counts.ndim == 1 and counts.size not in (1, n):
        raise ShapeError(f"repeat: {counts.size} counts for an axis of length {n}",
                         hint="give one count for all elements, or one per element")
    if counts.size == 1:
        r = int(counts.reshape(-1)[0])
        final = shape[:k] + (n * r,) + shape[k + 1:]
        check_shape(final)
        if r == 1:
            return x
        spread = broadcast_to(reshape(x, shape=shape[:k + 1] + (1,) + shape[k + 1:]),
                              shape=shape[:k + 1] + (r,) + shape[k + 1:])
        return reshape(spread, shape=final)
    total = int(counts.sum())
    check_shape(shape[:k] + (total,) + shape[k + 1:])
    check_elements(total)       # the index array
    return arrays.getitem(x, index=_along(k, np.repeat(np.arange(n), counts)))


def pad(array, pad_width, mode="constant", constant_values=0):
    """numpy's pad in constant mode: pad_width n, (before, after) or one pair per axis; the border
    is constant_values (a number, or a pair per axis, differentiable), each axis in turn."""
    require_numeric(array, "the argument of pad")
    if not isinstance(strip(mode), str) or strip(mode) != "constant":
        raise ValueTypeError(f"pad's mode is 'constant', not {strip(mode)!r}" if isinstance(strip(mode), str)
                             else f"pad's mode is 'constant', not {type_name(mode)}",
                             hint="pad(x, width, constant_values=c); to repeat edges, concat slices of x")
    shape = value_shape(array)
    widths = _pairs(_counts(pad_width, "pad widths"), len(shape), "pad_width")
    final = tuple(n + int(b) + int(e) for n, (b, e) in zip(shape, widths))
    check_shape(final)
    border = _border_values(constant_values, len(shape))
    x = array
    for d, (before, after) in enumerate(widths):
        parts = []
        for side, width in ((0, int(before)), (None, 0), (1, int(after))):
            if side is None:
                parts.append(x)
            elif width:
                current = value_shape(x)
                parts.append(broadcast_to(border(d, side), shape=current[:d] + (width,) + current[d + 1:]))
        x = arrays.concat(*parts, axis=d) if len(parts) > 1 else x
    return x


def _pairs(values: ndarray, ndim: int, what: str) -> ndarray:
    """numpy's forms of a (before, after) pair per axis: n, (n,), (b, a), ((b, a),) or one per axis."""
    try:
        return np.broadcast_to(values, (ndim, 2))
    except ValueError:
        raise ShapeError(f"{what} of shape {shape_text(values.shape)} does not give a (before, after) pair "
                         f"for each of {ndim} axes", hint="e.g. 1, [1, 2] or [[1, 2], [0, 0]]") from None


def _border_values(constant_values: Any, ndim: int):
    """(axis, side) -> the value of that border, differentiable in constant_values."""
    c = strip(constant_values)
    if isinstance(c, tuple):
        constant_values = np.asarray(_numbers(c), dtype=np.float64)
    require_numeric(constant_values, "constant_values of pad")
    cshape = value_shape(constant_values)
    if not cshape:
        return lambda d, side: constant_values
    try:
        np.broadcast_shapes(cshape, (ndim, 2))
    except ValueError:
        raise ShapeError(f"constant_values of shape {shape_text(cshape)} does not give a (before, after) "
                         f"pair for each of {ndim} axes", hint="e.g. 0, [0, 1] or [[0, 1], [2, 3]]") from None
    pairs = broadcast_to(constant_values, shape=(ndim, 2))
    return lambda d, side: arrays.getitem(pairs, index=(d, side))


def _numbers(values: tuple) -> Any:
    """A tuple of plain numbers (nested), as numpy takes it; a tuple holding anything else is refused."""
    try:
        return np.asarray([strip(v) if not isinstance(strip(v), tuple) else _numbers(strip(v))
                           for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueTypeError("constant_values must be numbers or pairs of numbers",
                             hint="write pairs as a list: [[0, 1], [2, 3]]") from None


def _triangle(m, k, keep_lower: bool, what: str):
    require_numeric(m, f"the argument of {what}")
    shape = value_shape(m)
    if not shape:
        raise ShapeError(f"{what} needs an array, not a number")
    rows, cols = shape[-2:] if len(shape) > 1 else (shape[0], shape[0])
    check_shape((rows, cols))
    shift = min(max(to_int(k, f"k of {what}"), -rows - 1), cols + 1)     # beyond, the triangle is the same
    below = np.tri(rows, cols, k=shift if keep_lower else shift - 1, dtype=bool)
    return E.where(m, 0.0, cond=below) if keep_lower else E.where(0.0, m, cond=below)


def tril(m, k=0):
    """The lower triangle (on and below the k-th diagonal) of the last two axes; zeros above."""
    return _triangle(m, k, True, "tril")


def triu(m, k=0):
    """The upper triangle (on and above the k-th diagonal) of the last two axes; zeros below."""
    return _triangle(m, k, False, "triu")


# ------------------------------------------------------------------ adding and removing axes

def squeeze(a, axis=None):
    require_numeric(a, "the argument of squeeze")
    shape = value_shape(a)
    axes = tuple(d for d, n in enumerate(shape) if n == 1) if axis is None else to_axis(axis, len(shape))
    for d in axes:
        if shape[d] != 1:
            raise ShapeError(f"squeeze: axis {d} has length {shape[d]}, not 1",
                             hint="only axes of length 1 can be removed")
    kept = tuple(n for d, n in enumerate(shape) if d not in axes)
    return reshape(a, shape=kept) if kept != shape else a


def expand_dims(a, axis):
    require_numeric(a, "the argument of expand_dims")
    shape = value_shape(a)
    items = axis_items(axis, "expand_dims")
    new = to_axis(items, len(shape) + len(items))
    rest = iter(shape)
    return reshape(a, shape=tuple(1 if d in new else next(rest) for d in range(len(shape) + len(new))))


def _at_least(ndim: int, place):
    def at_least(*arys):
        out = []
        for x in arys:
            require_numeric(x, f"each value given to atleast_{ndim}d")
            shape = value_shape(x)
            out.append(x if len(shape) >= ndim else reshape(x, shape=place(shape)))
        return out[0] if len(out) == 1 else tuple(out)
    at_least.__name__ = f"atleast_{ndim}d"
    return at_least


atleast_1d = _at_least(1, lambda s: (1,))
atleast_2d = _at_least(2, lambda s: (1,) + s if s else (1, 1))
atleast_3d = _at_least(3, lambda s: (1,) + s + (1,) if len(s) == 1 else s + (1,) if s else (1, 1, 1))


# ------------------------------------------------------------------ cutting and joining

def split(ary, indices_or_sections, axis=0):
    """numpy's split: into equal sections (a number that divides the axis) or at the given positions."""
    return _split(ary, indices_or_sections, axis, True)


def array_split(ary, indices_or_sections, axis=0):
    """numpy's array_split: as split, and a number of sections need not divide the axis."""
    return _split(ary, indices_or_sections, axis, False)


def _split(ary, indices_or_sections, axis, equal: bool) -> tuple:
    what = "split" if equal else "array_split"
    require_numeric(ary, f"the argument of {what}")
    shape = value_shape(ary)
    if not shape:
        raise ShapeError(f"{what} needs an array, not a number")
    k = one_axis(axis, len(shape), what)
    n = shape[k]
    cuts = _whole_numbers(indices_or_sections, f"the sections of {what}")
    if cuts.ndim == 0:
        sections = int(cuts)
        if sections <= 0:
            raise ValueTypeError(f"{what}: the number of sections must be at least 1, not {sections}")
        if equal and n % sections:
            raise ShapeError(f"split: {sections} sections do not divide an axis of length {n} equally",
                             hint="use array_split for sections of unequal length")
        check_elements(sections)
        size, extra = divmod(n, sections)
        bounds = np.concatenate([[0], np.cumsum([size + 1] * extra + [size] * (sections - extra))])
    else:
        check_elements(cuts.size + 1)
        bounds = np.concatenate([[0], cuts.reshape(-1), [n]])
    return tuple(arrays.getitem(ary, index=_along(k, slice(int(lo), int(hi)))) for lo, hi in zip(bounds[:-1], bounds[1:]))


def _items(tup: tuple, what: str) -> list:
    """numpy's sequence argument of the stacks: a tuple, or a list literal, which the compiler
    spreads (SPREAD) so that its arrays may differ in shape. One array is one item, so that
    vstack([a]) is numpy's; numpy's vstack(a), which iterates a's rows, is vstack([a[0], ...])."""
    return list(flatten_args(tup, what))


def _join(parts: list, axis: int, what: str) -> Any:
    shapes = [value_shape(p) for p in parts]
    if any(len(s) != len(shapes[0]) for s in shapes):
        raise ShapeError(f"{what}: the arrays have different numbers of dimensions: "
                         + ", ".join(shape_text(s) for s in shapes))
    if len({s[:axis] + s[axis + 1:] for s in shapes}) > 1:
        raise ShapeError(f"{what}: the arrays differ outside axis {axis}: " + ", ".join(shape_text(s) for s in shapes),
                         hint=f"{what} joins arrays along axis {axis}; every other axis must match")
    return arrays.concat(*parts, axis=axis) if len(parts) > 1 else parts[0]


def vstack(*tup):
    """Rows on top of each other: numpy's vstack (1-D arrays are rows)."""
    return _join([atleast_2d(x) for x in _items(tup, "vstack")], 0, "vstack")


def hstack(*tup):
    """Side by side: numpy's hstack (1-D arrays are joined end to end)."""
    parts = [atleast_1d(x) for x in _items(tup, "hstack")]
    return _join(parts, 0 if len(value_shape(parts[0])) == 1 else 1, "hstack")


def dstack(*tup):
    """Along the third axis: numpy's dstack."""
    return _join([atleast_3d(x) for x in _items(tup, "dstack")], 2, "dstack")


def column_stack(*tup):
    """1-D arrays as the columns of a matrix (2-D arrays as they are): numpy's column_stack."""
    parts = []
    for x in _items(tup, "column_stack"):
        shape = value_shape(x)
        parts.append(reshape(x, shape=(math.prod(shape), 1)) if len(shape) < 2 else x)
    return _join(parts, 1, "column_stack")


TABLE = {
    "flip": flip, "roll": roll, "moveaxis": moveaxis, "swapaxes": swapaxes, "tile": tile, "repeat": repeat,
    "pad": pad, "tril": tril, "triu": triu, "squeeze": squeeze, "expand_dims": expand_dims,
    "atleast_1d": atleast_1d, "atleast_2d": atleast_2d, "atleast_3d": atleast_3d,
    "split": split, "array_split": array_split,
    "vstack": vstack, "hstack": hstack, "dstack": dstack, "column_stack": column_stack,
}
# A list literal given to these is the sequence of values: vstack([a, b]) joins a and b.
SPREAD = {"vstack", "hstack", "dstack", "column_stack"}
