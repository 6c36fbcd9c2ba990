"""Taylor mode: all derivatives of f(x) up to order N in one pass, at O(N^2) cost.

Every value carries its truncated Taylor series in the input's perturbation t:
v(x + t) = c[0] + c[1] t + ... + c[N] t^N, so that f^(k)(x) = k! c[k]. Each
primitive's definition names its Taylor rule (`Primitive.taylor`), which maps
the series of its arguments to the series of its result with the arithmetic of
series.py; this trace only calls it. tests/test_primitives.py checks every
registered primitive's rule against nested forward mode.

Coefficients are plain values (floats or arrays), so Taylor mode runs at the top
level and does not nest inside other traces. Where it cannot run it raises
`TaylorUnsupported`, and its callers (higher.py, views/recorder.py) fall back to
nested differentiation and report the method they used: a primitive that declares
`taylor=NoRule(reason)` (a custom rule, a checkpointed segment), or a value of
another trace (a derivative taken inside the program).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from .numeric import plain
from .series import ZERO as _ZERO      # a float64 zero: coefficients divide as IEEE does (series.py)
from .tracing import Primitive, Trace, Tracer, next_level, release_level
from . import numeric


class TaylorUnsupported(Exception):
    """Taylor mode cannot run here: a primitive declares no Taylor rule, or a value of another trace
    was reached (the caller falls back to nested differentiation)."""


class Jet(Tracer):
    __slots__ = ("coeffs",)

    def __init__(self, coeffs: list, trace: "TaylorTrace"):
        self.trace = trace
        self.coeffs = coeffs

    @property
    def primal(self) -> Any:
        return self.coeffs[0]


class TaylorTrace(Trace):
    __slots__ = ("order",)

    def __init__(self, level: int, order: int):
        super().__init__(level)
        self.order = order

    def series(self, x: Any) -> list:
        if type(x) is Jet and x.trace is self:
            return x.coeffs
        if type(x) is np.ndarray:
            return [x] + [np.zeros(x.shape)] * self.order
        return [np.float64(x)] + [_ZERO] * self.order

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        rule = prim.taylor
        if not rule:                    # the definition declares NoRule(reason)
            raise TaylorUnsupported(f"{prim.name}: {rule.reason}")
        if any(isinstance(a, Tracer) and not (type(a) is Jet and a.trace is self) for a in args):
            raise TaylorUnsupported("a value traced by another differentiation")
        if self.level <= self.context.frozen_level:        # inside no_grad: a constant to this trace
            return prim.impl(*[self.series(a)[0] for a in args], **params)
        for a in args:
            cls = a.__class__
            if cls is not Jet and cls is not float and cls is not np.float64 and cls is not np.ndarray:
                numeric.number(a)       # refuses a string, a tuple, a function (a boolean is a number)
        series = [self.series(a) for a in args]
        if prim.size is not None and (params or any(s[0].__class__ is np.ndarray for s in series)):
            # the rules compute with numpy themselves: their arrays are admitted here, with the
            # work of the recurrences (about one pass per pair of orders)
            numeric.admit_arguments(prim.size, None, tuple(s[0] for s in series), params,
                                    (self.order + 1) ** 2)
        return Jet(_conform(rule(series, prim, **params)), self)


def _conform(coeffs: list) -> list:
    """Every coefficient with the shape of the value itself (rules may return broadcastable ones)."""
    shape = np.shape(coeffs[0])
    if not shape:
        return [c if type(c) is np.float64 else np.float64(c) for c in coeffs]
    return [c if np.shape(c) == shape else np.broadcast_to(c, shape) for c in coeffs]


# The highest order of derivative computed (derivative_tensors refuses more; README, "Limits").
# f^(k)(x) = k! c[k], and 170! = 7.3e306 is the last factorial that is a finite float64: past
# it the coefficients of ordinary functions are below the smallest float64 (exp's are
# e^x / k!, under 1e-308 from k = 171 on), so they would read 0 where the derivative is not.
MAX_ORDER = 170


def taylor_derivatives(fn: Callable[[Any], Any], x: float, order: int) -> list:
    """[f(x), f'(x), ..., f^(order)(x)] for a function of one scalar."""
    trace = TaylorTrace(next_level(), order)
    try:
        out = fn(Jet([np.float64(x), np.float64(1.0)] + [_ZERO] * (order - 1), trace))
    finally:
        release_level()
    coeffs = trace.series(strip_jets(out, trace))
    return [plain(coefficient_derivative(c, k)) for k, c in enumerate(coeffs)]


def coefficient_derivative(c: Any, k: int) -> Any:
    """k! c: the k-th derivative from the k-th Taylor coefficient, without overflowing k!.

    Up to MAX_ORDER, k! is a finite float64 (exact to 22!); past it the product is taken in
    logarithms, so that a coefficient of 0 gives 0 (not 0 * inf = nan) and a tiny one its
    finite derivative.
    """
    c = np.asarray(c, dtype=np.float64)
    if k <= MAX_ORDER:
        return c * float(math.factorial(k))
    with np.errstate(divide="ignore", over="ignore"):
        return np.sign(c) * np.exp(np.log(np.abs(c)) + math.lgamma(k + 1))


def strip_jets(out: Any, trace: TaylorTrace) -> Any:
    if isinstance(out, Tracer) and not (type(out) is Jet and out.trace is trace):
        raise TaylorUnsupported("the output is traced by another differentiation")
    return out
