"""Plain-value helpers shared by the primitives' forward functions.

Values are Python floats (scalars) or float64 numpy arrays (ndim >= 1); bools
and bool arrays come from comparisons, ints from `range` and `len`. Scalars
take the `math` module's fast path (numpy ufuncs on Python floats are twenty
times slower), falling back to numpy where `math` would raise, so that every
operation follows IEEE semantics: log(0) = -inf, 1/0 = inf, sqrt(-1) = nan.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

ndarray = np.ndarray
_FLOAT64 = np.dtype(np.float64)


class ArrayTooLarge(Exception):
    """An operation would create an array over the element limit; raised before allocating."""

    def __init__(self, elements: int, limit: int):
        super().__init__(f"{elements} elements")
        self.elements = elements
        self.limit = limit


class Limits:
    """Per-run numeric limits read by the primitives (set by the interpreter for each run)."""
    max_elements = 10_000_000
    max_tape_bytes = 4 * 2**30


class TapeTooLarge(Exception):
    """The tape of a reverse-mode recording would hold more memory than allowed."""

    def __init__(self, held: int, limit: int):
        super().__init__(f"{held} bytes")
        self.held = held
        self.limit = limit


def check_elements(count: int) -> None:
    if count > Limits.max_elements:
        raise ArrayTooLarge(count, Limits.max_elements)


def check_shape(shape: tuple) -> None:
    check_elements(math.prod(shape))


def plain(result: Any) -> Any:
    """Normalise a numpy result: 0-d arrays and numpy scalars become Python floats or bools."""
    if type(result) is ndarray:
        if result.ndim:
            return result
        result = result[()]
    if isinstance(result, (np.bool_, bool)):
        return bool(result)
    return float(result)


def array_all_finite(a: ndarray) -> bool:
    """Whether every element of a numeric array is finite, in one pass without a temporary.

    A NaN or an infinity makes the sum non-finite; a finite sum can therefore only come from
    finite elements. A non-finite sum may be an overflow of finite elements, so it is checked
    element by element.
    """
    if a.dtype.kind != "f":
        return True
    if a.dtype == _FLOAT64 and (a.flags.c_contiguous or a.flags.f_contiguous):
        # The sum of squares by np.vdot, which (unlike np.dot) reports no floating-point errors,
        # so no errstate is needed: NaN or infinity in, NaN or infinity out. Squares of finite
        # elements may overflow, which the element-by-element check settles. vdot flattens in C
        # order, so an F-ordered array (a transposed result) goes in transposed: no copy.
        flat = a if a.flags.c_contiguous else a.T
        total = float(np.vdot(flat, flat))
        return total - total == 0.0 or bool(np.isfinite(a).all())
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(np.add.reduce(a, axis=None))
    return total - total == 0.0 or bool(np.isfinite(a).all())


def as_float_array(x: Any) -> ndarray:
    a = np.asarray(x)
    return a if a.dtype == np.float64 else a.astype(np.float64)


def shape_of(x: Any) -> tuple:
    """The shape of a plain value (scalars have shape ())."""
    return x.shape if type(x) is ndarray else ()


def unary_impl(scalar_fn: Callable, array_fn: Callable) -> Callable:
    """A forward function: `scalar_fn` (from math) for Python numbers, `array_fn` (a ufunc) otherwise."""
    def impl(x):
        if type(x) is not ndarray:
            try:
                return scalar_fn(x)
            except (ValueError, OverflowError, ZeroDivisionError):
                return plain(array_fn(np.float64(x)))
        if x.dtype != np.float64:
            x = x.astype(np.float64)
        return array_fn(x)
    impl.__name__ = array_fn.__name__
    impl.scalar = scalar_fn        # for the primitive's float fast path (see tracing.primitive)
    return impl


def binary_impl(scalar_fn: Callable, array_fn: Callable, scalar_exact: bool = True) -> Callable:
    """A broadcasting forward function, refusing results over the element limit before allocating them.

    `scalar_exact`: whether `scalar_fn` on two floats either returns the IEEE result or raises
    (operator.pow does neither: (-8.0) ** (1/3) is a complex number).
    """
    def impl(x, y):
        tx, ty = type(x), type(y)
        if tx is not ndarray and ty is not ndarray:
            try:
                result = scalar_fn(x, y)
                if type(result) is not complex:
                    return result
            except (ValueError, OverflowError, ZeroDivisionError):
                pass
            return plain(array_fn(np.float64(x), np.float64(y)))
        if tx is ndarray and ty is ndarray and x.shape != y.shape and x.size * y.size > Limits.max_elements:
            # A broadcast result has at most x.size * y.size elements: only above the limit is its
            # shape worth computing (numpy itself refuses shapes that do not broadcast).
            check_shape(np.broadcast_shapes(x.shape, y.shape))
        result = array_fn(x, y)
        return result if result.__class__ is ndarray and result.ndim else plain(result)
    impl.__name__ = array_fn.__name__
    impl.scalar = scalar_fn if scalar_exact else None
    return impl


def logistic(x: float) -> float:
    # Two branches so that neither exp can overflow.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logistic_array(x: ndarray) -> ndarray:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


def softplus_scalar(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def softplus_array(x: ndarray) -> ndarray:
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def max_scalar(x: float, y: float) -> float:
    # NaN from either side propagates, as np.maximum does (Python's max drops a NaN second argument).
    return x if x >= y or x != x else y


def min_scalar(x: float, y: float) -> float:
    return x if x <= y or x != x else y


def relu_scalar(x: float) -> float:
    return 0.0 if x <= 0 else x         # NaN passes through, as in np.maximum(x, 0)


def sign_scalar(x: float) -> float:
    # float() first: on numpy scalars (Taylor mode's coefficients) booleans do not subtract
    return float(x > 0) - float(x < 0) if x == x else math.nan


def tie_weight(x: Any, y: Any) -> Any:
    """1 where x > y, 0.5 where x == y, 0 where x < y: how maximum(x, y) shares its gradient with x."""
    if type(x) is not ndarray and type(y) is not ndarray:
        return 1.0 if x > y else (0.5 if x == y else 0.0)
    return (np.greater(x, y) + 0.5 * np.equal(x, y)).astype(np.float64)
