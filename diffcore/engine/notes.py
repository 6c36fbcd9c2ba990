"""What a run notes as it goes: where it is in the source, and the kinks it meets.

The interpreter sets the source location of the operation being executed, so that a tape
entry, a warning or an error can point at the user's source. Comparisons and step functions
(floor, sign), which are not recorded on the tape, note a kink while running when a traced
value sits exactly at the switch; diagnostics.py collects those notes with the tape scans.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autodiff.grammar.records import Record

from .tracing import Tracer, strip

# The source location of the operation being executed, set by the interpreter (a Span, or None).
location: list = [None]


class Diagnostic(Record):
    """A warning about one operation of a run: immutable, compared and hashed by value.

    kind: 'kink' or 'non-finite'; operation: the primitive or construct ('abs', 'maximum', '<', ...).
    """

    __slots__ = ("kind", "operation", "message", "span")


# Kinks noted while a program runs (comparisons, step functions); None when nobody listens.
_noted: list = []
_listening = [False]


def listen() -> None:
    _noted.clear()
    _listening[0] = True


def stop_listening() -> list:
    _listening[0] = False
    found = list(_noted)
    _noted.clear()
    return found


def note_kink(operation: str, message: str) -> None:
    if _listening[0]:
        _noted.append(Diagnostic("kink", operation, message, location[0]))


def is_traced(value: Any) -> bool:
    return isinstance(value, Tracer)


def comparison_at_equality(op: str, a: Any, b: Any, result: Any) -> None:
    """Called by the interpreter for a comparison of traced values: a tie means a one-sided choice."""
    if not _listening[0]:
        return
    if a.__class__ is float and b.__class__ is float:      # the common case, without numpy
        if a != b:
            return
        note_kink(op, f"'{op}' compares equal values ({short_text(a)}); the branch for "
                      f"{'true' if result else 'false'} was taken, so the derivative is one-sided here")
        return
    if not any_equal(a, b):
        return
    note_kink(op, _array_tie_message(op, a, b, result))


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


def step_at_jump(name: str, x: Any, jumps: Callable[[Any], Any]) -> None:
    """floor/ceil/round/sign of a traced value exactly where the function jumps."""
    if _listening[0] and (bool(jumps(x)) if x.__class__ is float else np.any(jumps(x))):
        note_kink(name, f"{name} at {short_text(x)}, where it jumps: its derivative is taken as 0")


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
