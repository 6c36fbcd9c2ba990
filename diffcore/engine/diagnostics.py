"""Warnings about a result: where it stopped being finite, and where it sits on a kink.

Nothing here runs on the hot path. Kinks of recorded operations (abs at 0, a
tie in maximum) are found by scanning the tape after the run; comparisons
and step functions (floor, sign), which are not recorded, note a kink while
running when a traced value sits exactly at the switch; the first operation
to produce a non-finite value is found by scanning the tape, and the first to
produce a non-finite derivative by sweeping once more with an observer, only
when a derivative actually is non-finite.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from .numeric import array_all_finite
from .notes import Diagnostic, any_equal, short_text  # noqa: F401  (Diagnostic: its home is notes.py)
from .reverse import VARIADIC, ReverseTrace, backward
from .tracing import REGISTRY, strip
from . import arrays  # noqa: F401  (registers max, min and norm, which have kink checks)


# ------------------------------------------------------------- tape scans

def _kink_at_zero(operand: str, message: str) -> Callable:
    """The check of a kink where `operand` ('x', or the result 'ans') is 0.

    `zero_of` names that operand, so that the tape scan can pass over scalar entries whose
    operand is a nonzero float without calling the check.
    """
    def check(x, y, ans, params):
        return message if any_equal(ans if operand == "ans" else x, 0.0) else None
    check.zero_of = operand
    return check


def _kink_tie(name):
    def check(x, y, ans, params):
        if any_equal(x, y):
            return f"{name} of equal values: the gradient is shared 0.5 / 0.5 (as in PyTorch and JAX)"
        return None
    return check


def _kink_extremum(name):
    def check(x, y, ans, params):
        if type(x) is not np.ndarray:
            return None
        axis = (params or {}).get("axis")
        top = np.max(x, axis=axis, keepdims=True) if name == "max" else np.min(x, axis=axis, keepdims=True)
        if np.any(np.sum(np.equal(x, top), axis=axis) > 1):
            return f"{name} with tied elements: the gradient is shared evenly among them"
        return None
    return check


KINK_CHECKS: dict[str, Callable] = {
    "abs": _kink_at_zero("x", "abs at 0: the subgradient 0 is used (as in PyTorch and JAX)"),
    "relu": _kink_at_zero("x", "relu at 0: the subgradient 0 is used (as in PyTorch and JAX)"),
    "maximum": _kink_tie("maximum"), "minimum": _kink_tie("minimum"),
    "max": _kink_extremum("max"), "min": _kink_extremum("min"),
    "norm": _kink_at_zero("ans", "norm at 0: the subgradient 0 is used"),
    "hypot": _kink_at_zero("ans", "hypot at (0, 0): the subgradient 0 is used"),
}


# The primitives with a kink check, by identity (a set lookup per tape entry, not a name lookup);
# made once, here, with every primitive registered (arrays.py defines max, min and norm).
_KINKED: dict = {REGISTRY[name]: check for name, check in KINK_CHECKS.items()}


def kinks_on_tape(tape: ReverseTrace) -> list[Diagnostic]:
    found, seen = [], set()
    kinked = _KINKED
    first, second, ans, parent0 = tape.first, tape.second, tape.ans, tape.parent0
    prims = tape.prims
    # Scalar entries whose kink is at 0 of one operand (abs, relu at x; norm at its result) and
    # whose operand is a nonzero float are smooth: they are skipped without a call.
    for node in [node for node, prim in enumerate(prims) if prim in kinked
                 and ((operand := getattr(kinked[prim], "zero_of", None)) is None
                      or (value := (ans if operand == "ans" else first)[node]).__class__ is not float
                      or value == 0.0)]:
        if parent0[node] == VARIADIC:
            continue
        prim = tape.prims[node]
        x, y, out = first[node], second[node], ans[node]
        message = kinked[prim](x if x.__class__ is float else strip(x), y if y is None else strip(y),
                               out if out.__class__ is float else strip(out), tape.params.get(node))
        span = tape.spans[node]
        if message and (prim.name, span) not in seen:        # a loop reports a kink once
            seen.add((prim.name, span))
            found.append(Diagnostic("kink", prim.name, message, span))
    return found


def _finite(value: Any) -> bool:
    value = strip(value)
    if type(value) is float:
        return math.isfinite(value)
    if isinstance(value, tuple):
        return all(_finite(v) for v in value)
    if type(value) is np.ndarray:
        return array_all_finite(value)
    try:
        return bool(np.all(np.isfinite(value)))
    except TypeError:
        return True


def first_non_finite_value(tape: ReverseTrace) -> Optional[Diagnostic]:
    for node, value in enumerate(tape.ans):
        if not _finite(value):
            prim = tape.prims[node]
            name = prim.name if prim is not None else "input"
            what = short_text(strip(value))
            return Diagnostic("non-finite", name, f"{name} produced {what}: the first non-finite value",
                              tape.spans[node])
    return None


def first_non_finite_derivative(tape: ReverseTrace, output_node: int, seed: Any,
                                input_nodes: list) -> Optional[Diagnostic]:
    """Sweep again, watching for the first step whose contribution is not finite."""
    first: list = []

    def observe(node, g, sent):
        if not first and any(not _finite(c) for _, c in sent):
            prim = tape.prims[node]
            first.append(Diagnostic("non-finite", prim.name,
                                    f"the derivative through {prim.name} is not finite here",
                                    tape.spans[node]))
    backward(tape, output_node, seed, input_nodes, observe)
    return first[0] if first else None


def all_finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(all_finite(v) for v in value.values())
    return _finite(value)
