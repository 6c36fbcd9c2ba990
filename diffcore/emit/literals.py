"""The pieces of text both printers use: precedences, targets, numbers, arrays, shapes, indices,
and NotPrintable (a node a target has no way to write). printing.py holds the table of
primitives and the printer; matrix_text.py the linear algebra entries."""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

# precedence: higher binds tighter (Python's ladder, which the language follows)
ADD, MUL, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

LANGUAGE, PYTHON = "expr", "python"


# --------------------------------------------------------------- numbers

def number_text(v: float, target: str) -> str:
    if math.isnan(v):
        return "nan" if target == LANGUAGE else "np.nan"
    if math.isinf(v):
        word = "inf" if target == LANGUAGE else "np.inf"
        return word if v > 0 else "-" + word
    if target == LANGUAGE and v.is_integer() and abs(v) < 1e16:
        return str(int(v)) if v != 0 or math.copysign(1.0, v) > 0 else "-0"
    return repr(float(v))


def array_text(a: np.ndarray, target: str) -> str:
    """A list literal of the array (numpy: wrapped in np.array, with its shape if it is empty)."""
    if target == PYTHON and a.size == 0:
        return f"np.zeros({tuple(a.shape)!r})"
    if a.dtype == bool:
        words = ("true", "false") if target == LANGUAGE else ("True", "False")
        item = lambda v: words[0] if v else words[1]            # noqa: E731
    elif np.issubdtype(a.dtype, np.integer):
        item = lambda v: str(int(v))                            # noqa: E731
    else:
        item = lambda v: number_text(float(v), target)          # noqa: E731

    def nested(x):
        if x.ndim == 0:
            return item(x[()])
        return "[" + ", ".join(nested(row) for row in x) + "]"
    text = nested(np.asarray(a))
    return text if target == LANGUAGE else f"np.array({text})"


def shape_args(shape: tuple) -> str:
    """A shape as the language's varargs: `2, 3`."""
    return ", ".join(str(int(n)) for n in shape)


def index_text(index, target: str, subscript: bool = True) -> str:
    """An index as written inside `x[...]`, or (not `subscript`, numpy) as a tuple's items."""
    parts = index if isinstance(index, tuple) else (index,)

    def one(p):
        name = getattr(p, "emit_name", None)
        if name is not None:        # a variable of emitted code (naming.NamedInt)
            return name if target == LANGUAGE else f"int({name})"
        if isinstance(p, slice) and not subscript:
            return "slice(" + ", ".join("None" if v is None else str(int(v)) for v in (p.start, p.stop, p.step)) + ")"
        if isinstance(p, np.ndarray) and not subscript:
            return array_text(p, target)
        if isinstance(p, slice):
            text = ":".join("" if v is None else str(int(v)) for v in (p.start, p.stop))
            return text if p.step is None else f"{text}:{int(p.step)}"
        if isinstance(p, np.ndarray):
            return array_text(p, target) if target == LANGUAGE else array_text(p, target)[len("np.array("):-1]
        if p is None:
            return "None"
        if p is Ellipsis:
            return "..."
        return str(int(p))
    return ", ".join(one(p) for p in parts)


def axis_text(axis) -> str:
    return str(axis[0]) if len(axis) == 1 else "(" + ", ".join(str(a) for a in axis) + ")"


class NotPrintable(ValueError):
    """A node the target has no way to write (emit and --formula refuse it, located, with `hint`)."""

    def __init__(self, message: str, hint: Optional[str] = None, op: Optional[str] = None):
        super().__init__(message)
        self.hint = hint
        self.op = op            # the primitive, where one is the reason
