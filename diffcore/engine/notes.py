"""The kinks a run meets as it goes, noted in its context (context.py).

The interpreter sets the source location of the operation being executed in the run's
context (`RunContext.location`), so that a tape entry, a warning or an error can point at the
user's source. Comparisons and step functions (floor, sign), which are not recorded on the
tape, note a kink while running when a traced value sits exactly at the switch, if the run is
listening (`RunContext.listen`); diagnostics.py collects those notes with the tape scans.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autodiff.grammar.records import Record

from .context import RunContext
from .tracing import Tracer, strip


class Diagnostic(Record):
    """A warning about one operation of a run: immutable, compared and hashed by value.

    kind: 'kink' or 'non-finite'; operation: the primitive or construct ('abs', 'maximum', '<', ...).
    """

    __slots__ = ("kind", "operation", "message", "span")


def note_kink(context: RunContext, operation: str, message: str) -> None:
    """Note a kink at the run's current location, if the run is listening."""
    if context.listening:
        context.noted.append(Diagnostic("kink", operation, message, context.location))


def is_traced(value: Any) -> bool:
    return isinstance(value, Tracer)


def comparison_at_equality(context: RunContext, op: str, a: Any, b: Any, result: Any) -> None:
    """Called by the interpreter for a comparison of traced values: a tie means a one-sided choice."""
    if not context.listening:
        return
    if a.__class__ is float and b.__class__ is float:      # the common case, without numpy
        if a != b:
            return
        note_kink(context, op, f"'{op}' compares equal values ({short_text(a)}); the branch for "
                      f"{'true' if result else 'false'} was taken, so the derivative is one-sided here")
        return
    if not any_equal(a, b):
        return
    note_kink(context, op, _array_tie_message(op, a, b, result))


def _array_tie_message(op: str, a: Any, b: Any, result: Any) -> str:
    """Where an array comparison ties, at which value, and the branch taken at the tie.

    Only the tied elements matter: the others are not at a kink. At a tie the result is the
    same for every tied element (false for <, > and !=, true for <=, >= and ==), and that is
    the branch named; the value is the first tied element's (the others are counted).
    """
    a, b = np.asarray(a), np.asarray(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    tied = np.broadcast_to(np.equal(a, b), shape)
    values = np.broadcast_to(a, shape)[tied]
    first = tuple(int(i) for i in np.argwhere(tied)[0])
    taken = "true" if np.broadcast_to(np.asarray(result), shape)[first] else "false"
    if not shape:
        return (f"'{op}' compares equal values ({short_text(float(values[0]))}); the branch for {taken} was taken, "
                "so the derivative is one-sided here")
    at = "[" + ", ".join(map(str, first)) + "]"
    count = int(values.size)
    value = short_text(float(values[0]))
    if count == 1:
        where = f"{value} at {at} of an array of shape {shape}"
    else:
        same = bool(np.all(values == values[0]))
        where = (f"{value if same else value + ' and other values'} at {count} elements of an array of "
                 f"shape {shape}, the first at {at}")
    return (f"'{op}' compares equal values ({where}); the branch for {taken} was taken there, so the "
            "derivative is one-sided here")


def step_at_jump(context: RunContext, name: str, x: Any, jumps: Callable[[Any], Any]) -> None:
    """floor/ceil/round/sign of a traced value exactly where the function jumps."""
    if context.listening and (bool(jumps(x)) if x.__class__ is float else np.any(jumps(x))):
        note_kink(context, name, f"{name} at {short_text(x)}, where it jumps: its derivative is taken as 0")


def any_equal(a: Any, b: Any) -> bool:
    if a.__class__ is float and b.__class__ is float:      # most scalar entries: no numpy call
        return a == b
    try:
        return bool(np.any(np.equal(a, b)))
    except (TypeError, ValueError):     # a string or shapes that do not broadcast: no tie to report
        return False


def short_text(value: Any) -> str:
    value = strip(value)
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return short_text(float(value.reshape(-1)[0]))
        bad = value[~np.isfinite(value)] if value.dtype.kind == "f" else value
        shown = bad if 0 < bad.size < value.size else value
        return f"an array of shape {value.shape} containing {short_text(float(shown.reshape(-1)[0]))}"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value == math.inf else
                                                ("-inf" if value == -math.inf else f"{value:g}"))
    return str(value)
