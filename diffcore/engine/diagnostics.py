"""Warnings about a result: where it stopped being finite, and where it sits on a kink.

Nothing here runs on the hot path. Kinks of recorded operations (abs at 0, a
tie in maximum) are found by scanning the tape after the run, with the check
each primitive declares in its definition (kinks.py); comparisons
and step functions (floor, sign), which are not recorded, note a kink while
running when a traced value sits exactly at the switch; the first operation
to produce a non-finite value is found by scanning the tape, and the first to
produce a non-finite derivative by sweeping once more with an observer, only
when a derivative actually is non-finite.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from .numeric import array_all_finite
from .notes import Diagnostic, short_text  # noqa: F401  (Diagnostic: its home is notes.py)
from .reverse import VARIADIC, ReverseTrace, backward
from .tracing import KINKED, Primitive, strip


# ------------------------------------------------------------- tape scans

def kinks_on_tape(tape: ReverseTrace) -> list[Diagnostic]:
    found, seen = [], set()
    kinked = KINKED         # the primitives that declare a kink check, by identity
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
        check_kink(tape.prims[node], first[node], second[node], ans[node], tape.params.get(node),
                   tape.spans[node], found, seen)
    return found


def check_kink(prim: Primitive, x: Any, y: Any, out: Any, params: Optional[dict], span: Any, found: list,
               seen: set) -> None:
    """Append the kink warning of one operation of `prim` (arguments x, y, result out) to `found`,
    unless its primitive already warned at that place (a loop reports a kink once)."""
    message = KINKED[prim](x if x.__class__ is float else strip(x), y if y is None else strip(y),
                           out if out.__class__ is float else strip(out), params)
    if message and (prim.name, span) not in seen:
        seen.add((prim.name, span))
        found.append(Diagnostic("kink", prim.name, message, span))


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


def first_non_finite_tangent(tape: ReverseTrace, forward: Any) -> Optional[Diagnostic]:
    """The first entry, in the order the run executed them, whose tangent on the forward trace
    `forward` is not finite: a recording (keeping every value) of a forward pass whose values
    are `forward`'s Duals."""
    for node, value in enumerate(tape.ans):
        if getattr(value, "trace", None) is forward and not _finite(value.tangent):
            prim = tape.prims[node]
            name = prim.name if prim is not None else "input"
            return Diagnostic("non-finite", name, f"the derivative through {name} is not finite here",
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
