"""Lanes: many independent points computed by one run of a program (see diffcore/blocks.py).

A `Lanes` value holds one value per point stacked along a leading axis (the
lanes), like batching.py's `Batched`; a `LaneTrace` applies each primitive's
batching rule to the stacked values. The difference is what may look inside:
a batched tangent is never read as a value, but a program's values are, by its
conditions, its indices, its printing. A `Lanes` value therefore refuses to be
read as one value (`primal` raises `Unbatchable`): code that needs one value
per point either asks the lanes (`lane_truth`, `lane_compare`) or gives up,
and the block runner then computes those points one at a time. Exactness comes
first: nothing here guesses what one point would have done.

Signals (BaseExceptions, so that no handler of the program's numeric failures
takes them for the program's own error):
  Unbatchable  a construct that cannot run on lanes: the points run one at a time
  Split(mask)  a condition that is true for some lanes and false for others: the
               block runner runs each side again, from the start, as two blocks
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .numeric import ndarray
from .tracing import Primitive, Trace, Tracer, strip


class Unbatchable(BaseException):
    """The run cannot go on with many points at once; `reason` says why (for the docs and tests)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Split(BaseException):
    """A condition differs between lanes: `mask` (bool, one per lane) is its value."""

    def __init__(self, mask: ndarray):
        super().__init__("the lanes disagree on a condition")
        self.mask = mask


class Lanes(Tracer):
    """One value per point: `value` has shape (lanes,) + one point's shape (an array, or a lower
    trace's tracer of one)."""

    __slots__ = ("value",)

    def __init__(self, value: Any, trace: "LaneTrace"):
        self.trace = trace
        self.value = value

    @property
    def primal(self) -> Any:
        raise Unbatchable("a value of many points was read as one value")

    def example(self) -> Any:
        """One point's value, for its type and shape only (every lane has the first lane's)."""
        plain = self.plain()
        if plain.__class__ is not ndarray:
            raise Unbatchable("lanes that are not an array")
        return plain[0] if plain.ndim > 1 else float(plain[0])

    def plain(self) -> ndarray:
        """The stacked values, under any lower-level tracer."""
        return strip(self.value)

    def __repr__(self) -> str:
        return f"Lanes({self.value!r})"


class LaneTrace(Trace):
    """The lanes of one block of points, at one level (above the block's reverse trace, if any)."""

    __slots__ = ("size",)

    def __init__(self, level: int, size: int, context=None):
        super().__init__(level, context)
        self.size = size

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raw, batched = [], []
        for a in args:
            mine = a.__class__ is Lanes and a.trace is self
            raw.append(a.value if mine else a)
            batched.append(mine)
        return self._apply(prim, tuple(raw), tuple(batched), params)

    def process1(self, prim: Primitive, x: Lanes) -> Any:
        return self._apply(prim, (x.value,), _ONE, _NO_PARAMS)

    def process2(self, prim: Primitive, x: Any, y: Any) -> Any:
        bx = x.__class__ is Lanes and x.trace is self
        by = y.__class__ is Lanes and y.trace is self
        return self._apply(prim, (x.value if bx else x, y.value if by else y), (bx, by), _NO_PARAMS)

    def _apply(self, prim: Primitive, args: tuple, batched: tuple, params: dict) -> Any:
        rule = prim.batch
        if not rule:        # a custom rule, a checkpointed segment: one point at a time
            raise Unbatchable(f"{prim.name} has no batching rule")
        out = rule(prim, args, batched, **params) if params else rule(prim, args, batched)
        if type(out) is tuple:
            raise Unbatchable(f"{prim.name} has several outputs")
        return Lanes(out, self)


_ONE = (True,)
_NO_PARAMS: dict = {}


def scalar_lanes(value: Lanes) -> ndarray:
    """The lanes of a value that is one number per point, as a 1-d array (else Unbatchable)."""
    plain = value.plain()
    if plain.__class__ is not ndarray or plain.ndim != 1:
        raise Unbatchable("a condition or comparison on arrays")
    return plain


def lane_truth(value: Lanes) -> bool:
    """The truth of a condition that is one boolean per lane: the same in every lane, or a Split."""
    plain = scalar_lanes(value)
    if plain.dtype != np.bool_:
        raise Unbatchable("a number used as a condition")
    if plain.all():
        return True
    if not plain.any():
        return False
    raise Split(plain)


def lane_compare(compare, a: Any, b: Any) -> tuple:
    """A comparison of lanes (or of lanes and one number): (its lanes, whether a lane ties).

    A tie matters only to the caller (a tie of traced values is a kink to note, one point at a time)."""
    trace = a.trace if a.__class__ is Lanes else b.trace
    x = scalar_lanes(a) if a.__class__ is Lanes else a
    y = scalar_lanes(b) if b.__class__ is Lanes else b
    for v in (x, y):
        if v.__class__ is not ndarray and v.__class__ is not float:
            raise Unbatchable("a comparison with something other than a number")
    result = compare(x, y)
    traced = any(v.__class__ is Lanes and isinstance(v.value, Tracer) for v in (a, b))
    tied = traced and bool(np.any(np.equal(x, y)))
    return Lanes(result, trace), tied
