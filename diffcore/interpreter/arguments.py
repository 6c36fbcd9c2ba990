"""Argument helpers of the builtins: axes, the values of a variadic call, string options.

They turn a builtin's language values into what the primitives take (an axis param is None
or a tuple of non-negative ints), and a wrong one into a program error that says what was
expected. builtins.py and the modules whose tables it merges (ordering.py, shaping.py) share
them.
"""
from __future__ import annotations

from typing import Any

from ..engine.broadcasting import reshape, value_shape
from ..engine.errors import ValueTypeError
from ..engine.kinds import require_numeric, to_axis, type_name  # to_axis: re-exported
from ..engine.numeric import ndarray
from ..engine.tracing import strip


def flatten_args(xs: tuple, what: str) -> tuple:
    if len(xs) == 1 and isinstance(strip(xs[0]), tuple):
        xs = strip(xs[0])
    if not xs:
        raise ValueTypeError(f"{what} needs at least one value")
    for v in xs:
        require_numeric(v, f"each value given to {what}")
    return xs


def axis_items(axis: Any, what: str) -> tuple:
    """The axes that `axis` names (a number, or a tuple or list of them), not yet checked; None,
    which means "all axes" or "flattened" where a builtin allows it, is refused here."""
    named = strip(axis)
    if named is None:
        raise ValueTypeError(f"{what} needs an axis here, a whole number", hint="e.g. axis=0, or axis=-1 for the last")
    if isinstance(named, tuple):
        return named
    return tuple(named.reshape(-1)) if type(named) is ndarray else (named,)


def one_axis(axis: Any, ndim: int, what: str) -> int:
    """A single axis, canonical (non-negative), for a value of `ndim` dimensions."""
    items = axis_items(axis, what)
    if len(items) != 1:
        raise ValueTypeError(f"the axis of {what} is one axis, not {len(items)}")
    return to_axis(items[0], ndim)[0]


def choice(value: Any, options: tuple, what: str) -> Any:
    """A string option (a mode, a kind) among `options`, or a type error that lists them."""
    named = strip(value)
    if named is None and None in options or isinstance(named, str) and named in options:
        return named
    listed = ", ".join(repr(o) for o in options if o is not None)
    shown = repr(named) if isinstance(named, str) else type_name(value)
    raise ValueTypeError(f"{what} is one of {listed}, not {shown}")


def flat_or_axis(a: Any, axis: Any, what: str) -> tuple:
    """(the value, its axis): with axis None, the value flattened and axis 0, as numpy does."""
    require_numeric(a, f"the argument of {what}")
    if axis is None:
        return reshape(a, shape=(-1,)), 0
    return a, one_axis(axis, len(value_shape(a)), what)
