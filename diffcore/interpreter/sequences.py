"""Sequences: what a `for` loop walks, what a tuple target unpacks, and `enumerate` and `zip`.

A sequence is a tuple (its items), an array (its rows along the first axis, each
a differentiable `x[k]`) or, in a `for` header only, `range(...)`. `enumerate`
and `zip` are builtins that give tuples of pairs (`enumerate(x)[0]` is `(0, x[0])`);
as the iterable of a `for` loop they are walked lazily instead, one item per
iteration, so that a loop over a long array makes no list of its rows first.

`zip` is strict, as Python's `zip(..., strict=True)`: sequences of unequal lengths
are an error rather than silently cut to the shortest (a dataset and its labels
that differ in length are a mistake in a numerical program, not a request).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..engine import arrays as A
from ..engine.errors import ShapeError, ValueTypeError
from ..engine.kinds import shape_text, to_int, type_name
from ..engine.lanes import Lanes
from ..engine.numeric import check_elements, ndarray
from ..engine.tracing import strip


class Rows:
    """The rows of an array along its first axis, each taken (differentiably) when it is reached.

    `at()`, called before each row is taken, tells the run where in the source that happens.
    """

    __slots__ = ("array", "count", "at")

    def __init__(self, array: Any, count: int, at: Callable[[], None]):
        self.array = array
        self.count = count
        self.at = at

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        for k in range(self.count):
            self.at()
            yield A.getitem(self.array, index=(k,))


def _plain(value: Any) -> Any:
    """The value without its tracers; for many points at once (engine/lanes.py), one point's."""
    return value.example() if value.__class__ is Lanes else strip(value)


def items_of(value: Any, at: Callable[[], None], what: str = "loop over") -> Any:
    """The items of a tuple or an array (a sized iterable); a type error (located by the caller) otherwise."""
    plain = _plain(value)
    if isinstance(plain, tuple):
        return plain
    if type(plain) is ndarray and plain.ndim:
        return Rows(value, plain.shape[0], at)
    raise ValueTypeError(f"cannot {what} {type_name(value)}", hint="loop over range(n), an array, or a tuple")


def unpack(value: Any, count: int, at: Callable[[], None]) -> Any:
    """The `count` items of a tuple or an array's rows, for a target `a, b, ...` of as many names."""
    plain = _plain(value)
    if isinstance(plain, tuple) or type(plain) is ndarray and plain.ndim:
        items = items_of(value, at)
        if len(items) == count:
            return items
        shown = f"{len(items)} values" if isinstance(plain, tuple) else \
            f"an array of shape {shape_text(plain.shape)} ({len(items)} along its first axis)"
        raise ValueTypeError(f"cannot unpack {shown} into {count} names",
                             hint="write as many names as the value has items (an array unpacks into its rows)")
    raise ValueTypeError(f"cannot unpack {type_name(value)} into {count} names",
                         hint="a tuple or an array (its rows) can be unpacked")


def zipped(sequences: list) -> Iterable:
    """The tuples of the i-th items of `sequences` (sized iterables), which must be of one length."""
    lengths = [len(s) for s in sequences]
    if len(set(lengths)) > 1:
        raise ShapeError("zip needs sequences of one length, got lengths " + ", ".join(str(n) for n in lengths),
                         hint="zip is strict (as Python's zip(..., strict=True)): slice them to one length, "
                              "as in zip(a[:n], b[:n])")
    return zip(*sequences)


def numbered(sequence: Any, start: float) -> Iterable:
    """(start, item 0), (start + 1, item 1), ...: the indices are numbers like any other (float64)."""
    return ((start + k, item) for k, item in enumerate(sequence))


class Sized:
    """A lazily walked sequence with a known length (what enumerate and zip give a `for` loop)."""

    __slots__ = ("items", "count")

    def __init__(self, items: Iterable, count: int):
        self.items = items
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self.items)


def start_of(start: Any) -> float:
    """enumerate's start: a whole number, as range's bounds are (so, like them, of zero derivative)."""
    return float(to_int(start, "the start of enumerate"))


def lazy_enumerate(sequence: Any, start: float = 0.0) -> Sized:
    return Sized(numbered(sequence, start), len(sequence))


def lazy_zip(sequences: list) -> Sized:
    return Sized(zipped(sequences), len(sequences[0]) if sequences else 0)


def _materialised(items: Sized, width: int) -> tuple:
    check_elements(len(items) * width)      # a tuple of tuples: admitted as its items
    return tuple(items)


def _nowhere() -> None:
    """A builtin's rows are taken at the call, whose location the run already has."""


# ------------------------------------------------------------------ builtins

def enumerate_(xs, start=0.0):
    """enumerate(xs, start=0): the pairs (start + k, the k-th item of xs), as a tuple."""
    return _materialised(lazy_enumerate(items_of(xs, _nowhere, "enumerate"), start_of(start)), 2)


def zip_(*sequences):
    """zip(a, b, ...): the tuples of the k-th items of each, as a tuple; the lengths must agree."""
    return _materialised(lazy_zip([items_of(s, _nowhere, "zip") for s in sequences]), max(1, len(sequences)))
