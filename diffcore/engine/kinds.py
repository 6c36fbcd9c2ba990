"""What kind of value a thing is, in the words of the language's messages, and plain numbers out of values.

The engine (transforms, strings) and the interpreter (builtins, runtime) describe a wrongly
typed value the same way: "an array of shape (2, 3)", "a string", with a hint of what to do.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import ShapeError, ValueTypeError
from .numeric import ndarray
from .tracing import strip


def is_numeric(v: Any) -> bool:
    v = strip(v)
    return type(v) in (float, int, bool, ndarray) or isinstance(v, (np.floating, np.integer, np.bool_))


def require_numeric(v: Any, what: str) -> Any:
    if not is_numeric(v):
        raise ValueTypeError(f"{what} must be a number or an array, not {type_name(v)}", hint=type_hint(v))
    return v


def type_hint(value: Any) -> str:
    """What to do instead, by the kind of value an operation or a builtin was wrongly given."""
    value = strip(value)
    if isinstance(value, str):
        return "strings are for messages: join them with + and fill them with %, e.g. 'x = %g' % x"
    if isinstance(value, tuple):
        return "a tuple holds several values (a, b = t); to compute with them, make an array: [a, b]"
    if value is None:
        return "None is not a number: if it comes from a function, add a `return`"
    if isinstance(value, ndarray):
        return "reduce the array to one number first, e.g. with sum(...), or index it: x[0]"
    if callable(value):
        return "a function must be called first: f(x), not f"
    return "arithmetic and builtins take numbers and arrays"


def to_float(v: Any, what: str) -> float:
    """A single number (not differentiated): a float, a boolean, or an array of one element."""
    plain_v = strip(v)
    if isinstance(plain_v, ndarray) and plain_v.size == 1:
        plain_v = plain_v.reshape(-1)[0]
    if isinstance(plain_v, ndarray) or not is_numeric(plain_v):
        raise ValueTypeError(f"{what} must be a number, not {type_name(plain_v)}", hint=type_hint(plain_v))
    return float(plain_v)


def type_name(v: Any) -> str:
    v = strip(v)
    if v is None:
        return "None (the value of a function that returns nothing)"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, ndarray):
        return f"an array of shape {shape_text(v.shape)}"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, tuple):
        return f"a tuple of {len(v)}"
    if callable(v):
        return "a function"
    return type(v).__name__


def shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def to_int(v: Any, what: str) -> int:
    v = strip(v)
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
        return int(v)
    if isinstance(v, ndarray) and v.size == 1:
        return to_int(v.reshape(-1)[0], what)
    if isinstance(v, float):
        raise ValueTypeError(f"{what} must be a whole number, not {v!r}",
                             hint="round it first, e.g. with round(...) or floor(...)")
    raise ValueTypeError(f"{what} must be a whole number, not {type_name(v)}", hint=type_hint(v))


def to_bool(v: Any, what: str) -> bool:
    """A single truth value: true/false, or a number (0 is false)."""
    return to_float(v, what) != 0.0


def to_axis(axis: Any, ndim: int):
    """Canonical axis param: None, or a tuple of distinct non-negative ints below ndim."""
    if axis is None:
        return None
    items = strip(axis)
    items = tuple(items) if isinstance(items, (tuple, list, ndarray)) else (items,)
    out = []
    for item in items:
        k = to_int(item, "an axis")
        if not -ndim <= k < ndim:
            raise ShapeError(f"axis {k} is out of range for a value with {ndim} dimension"
                             f"{'' if ndim == 1 else 's'}")
        out.append(k % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {tuple(items)} repeats an axis")
    return tuple(out)
