"""The kink checks a primitive declares (`primitive(..., kink=...)`).

A primitive that is not differentiable everywhere it is defined (abs and relu at 0, a tie in
maximum, minimum, max or min, norm and hypot at zero) uses a subgradient there, as PyTorch
and JAX do. Its definition names one of these checks; after a run, diagnostics.kinks_on_tape
calls it on each recorded entry of the primitive and reports the message it returns (None:
not at the kink). A check is called as

    check(x, y, ans, params) -> message or None

with the entry's first and second argument (y is None for a unary primitive), its result
and its params, all plain values. A check that only asks whether one operand is 0 carries
`zero_of` ("x" or "ans"), so that the scan passes over scalar entries whose operand is a
nonzero float without calling it.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .notes import any_equal


def at_zero(operand: str, message: str) -> Callable:
    """The check of a kink where `operand` ('x', or the result 'ans') is 0."""
    def check(x, y, ans, params):
        return message if any_equal(ans if operand == "ans" else x, 0.0) else None
    check.zero_of = operand
    return check


def tie(name: str) -> Callable:
    """The check of a binary extremum (maximum, minimum) at equal arguments."""
    def check(x, y, ans, params):
        if any_equal(x, y):
            return f"{name} of equal values: the gradient is shared 0.5 / 0.5 (as in PyTorch and JAX)"
        return None
    return check


def tied_elements(name: str) -> Callable:
    """The check of a reduction to the largest (max) or smallest (min) element, at tied elements."""
    def check(x, y, ans, params):
        if type(x) is not np.ndarray:
            return None
        axis = (params or {}).get("axis")
        top = np.max(x, axis=axis, keepdims=True) if name == "max" else np.min(x, axis=axis, keepdims=True)
        if np.any(np.sum(np.equal(x, top), axis=axis) > 1):
            return f"{name} with tied elements: the gradient is shared evenly among them"
        return None
    return check
