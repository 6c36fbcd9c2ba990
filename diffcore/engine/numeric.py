"""Plain-value helpers shared by the primitives' forward functions.

Values are Python floats (scalars) or float64 numpy arrays (ndim >= 1); bools
and bool arrays come from comparisons. Scalars
take the `math` module's fast path (numpy ufuncs on Python floats are twenty
times slower), falling back to numpy where `math` would raise, so that every
operation follows IEEE semantics: log(0) = -inf, 1/0 = inf, sqrt(-1) = nan.

Admission. Every array a primitive makes is admitted before numpy allocates it
(`admit`): its number of elements, known from the primitive's size rule
(`Primitive.size`, see tracing.py), is checked against --max-elements, and the
elements it touches are counted as work; every `WORK_PER_LOOK` of work the clock
is read, so that --timeout holds between operations whatever their size, not
only between loop iterations. The few operations that make arrays without a
primitive (constructors, comparisons, list literals, isclose) admit theirs the
same way. The limit, the work count and the deadline are the current run's
(context.py): a forward function has no trace at hand, so it asks for the
current context (`get_current() or current()`, one C call).
"""
from __future__ import annotations

import math
import operator
import time
from typing import Any, Callable

import numpy as np

from .context import WORK_PER_LOOK, RunContext, current, get_current
from .errors import LimitExceeded

ndarray = np.ndarray
_FLOAT64 = np.dtype(np.float64)


class ArrayTooLarge(Exception):
    """An operation would create an array over the element limit; raised before allocating."""

    def __init__(self, elements: int, limit: int):
        super().__init__(f"{elements} elements")
        self.elements = elements
        self.limit = limit


class OutOfTime(LimitExceeded):
    """The run's wall time (--timeout) is used up: raised between two operations."""

    def __init__(self, timeout: float):
        super().__init__(f"the program ran longer than {timeout:g} s",
                         hint="raise the limit with --timeout SECONDS (0: none)", limit="timeout")


class NotANumber(TypeError):
    """A primitive was given something other than a number or an array (a string, a tuple, a function)."""

    def __init__(self, value: Any):
        super().__init__(f"expected a number or an array, not {type(value).__name__}")
        self.value = value


class TapeTooLarge(Exception):
    """The tape of a reverse-mode recording would hold more memory than allowed."""

    def __init__(self, held: int, limit: int):
        super().__init__(f"{held} bytes")
        self.held = held
        self.limit = limit


def admit(elements: int, work: int) -> None:
    """Before an array of `elements` is made: refuse it over the element limit, and count `work`."""
    run = get_current() or current()
    if elements > run.max_elements:
        raise ArrayTooLarge(elements, run.max_elements)
    left = run.work_left - work
    if left < 0:
        look_at_clock(run)
    else:
        run.work_left = left


def look_at_clock(run: RunContext) -> None:
    """Stop the run if its deadline has passed (and start counting work towards the next look)."""
    run.work_left = WORK_PER_LOOK
    if time.monotonic() > run.deadline:
        raise OutOfTime(run.timeout)


def check_elements(count: int) -> None:
    admit(count, count)


def check_shape(shape: tuple) -> None:
    count = math.prod(shape)
    admit(count, count)


def number(v: Any) -> float:
    """A scalar operand of a primitive as a float (a boolean counts 0 or 1); anything else is refused."""
    if isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating)):
        return float(v)
    refuse = getattr(type(v), "_refuse", None)
    if refuse is not None:          # a value a tape did not keep (tracing.NotSaved) says so itself
        refuse(v)
    raise NotANumber(v)


def size_of(x: Any) -> int:
    return x.size if x.__class__ is ndarray else 1


# ------------------------------------------------------------------ size rules
# A primitive's size rule gives the number of elements of its result from its (plain)
# arguments, before anything is computed: exactly, or as an upper bound when the bound is
# under the element limit (the work counted is then over, which only reads the clock sooner).

def same_size(x: Any, **params) -> int:
    """An elementwise unary result, a transpose: the argument's size."""
    return x.size if x.__class__ is ndarray else 1


def reduced_size(x: Any, axis=None, keepdims=False) -> int:
    """A reduction over `axis` (None: all): at most the argument's size, exactly when that is over the limit."""
    if x.__class__ is not ndarray:
        return 1
    n = x.size
    if n <= (get_current() or current()).max_elements:
        return n
    return 1 if axis is None else n // math.prod(x.shape[a] for a in axis)


# Rules whose result is at most the first argument's size: the admission reads that size inline
# and calls the rule only when it is over the limit (the exact size may be under it).
same_size.bounded_by_first = reduced_size.bounded_by_first = True


def where_size(x: Any, y: Any, cond: Any) -> int:
    """where(x, y, cond=...): the broadcast of the three."""
    if cond.__class__ is not ndarray:
        return broadcast_size(x, y)
    return broadcast_size(x, y, cond)


def broadcast_size(x: Any, y: Any, *more: Any) -> int:
    """A broadcasting elementwise result: the size of the arguments' broadcast shape."""
    if not more:
        if x.__class__ is ndarray:
            if y.__class__ is not ndarray or y.shape == x.shape:
                return x.size
            bound = x.size * y.size
        elif y.__class__ is ndarray:
            return y.size
        else:
            return 1
    else:
        arrays = [a for a in (x, y) + more if a.__class__ is ndarray]
        if not arrays:
            return 1
        bound = math.prod(a.size for a in arrays)
    if bound <= (get_current() or current()).max_elements:
        return bound        # an upper bound under the limit is enough
    # the exact size; numpy refuses shapes that do not broadcast (a shape error for the user)
    return math.prod(np.broadcast_shapes(*[a.shape for a in (x, y) + more if a.__class__ is ndarray]))


def admitted(impl: Callable, size: Callable, work: Callable = None, arity: int = 1,
             has_params: bool = False) -> Callable:
    """A primitive's forward function behind its admission: the one place every primitive's result goes through.

    Its arguments must be numbers or arrays (a boolean or an integer becomes a float; a string,
    a tuple or a function is refused with NotANumber); an array result's elements, from
    `size(*args, **params)`, are admitted before `impl` allocates them, and the work it does
    (`work(n, *args, **params)` for a result of n elements, by default the elements of the result
    and of the arguments) counted.
    Python floats alone need no admission, unless a param may make an array of them
    (broadcast_to). A forward function that admits itself (`impl.admits`) is returned as it
    is: those of unary_impl and binary_impl, which every elementwise primitive is made of,
    repeat this check inline (same_size and broadcast_size), because the extra call through
    a wrapper costs 10% of a Hessian's time (docs/performance.md, "Admission").

    The check runs at every operation on arrays, so it is generated with `impl`'s own
    signature (as fusion.py generates fused expressions): a call through it costs one plain
    call more, not the packing of `*args, **params` twice.
    """
    if getattr(impl, "admits", False):
        return impl
    import inspect
    parameters = list(inspect.signature(impl).parameters.values())
    if arity < 0 or any(p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) for p in parameters):
        def admitted_any(*args, **params):          # variadic: stack, concat
            return impl(*admit_arguments(size, work, args, params), **params)
        return admitted_any
    data = [p.name for p in parameters[:arity]]
    params = [p.name for p in parameters[arity:]]
    namespace = {"impl": impl, "size": size, "work": work, "ndarray": ndarray, "number": number,
                 "get_current": get_current, "current": current, "ArrayTooLarge": ArrayTooLarge,
                 "look_at_clock": look_at_clock}
    signature = []
    for p in parameters:
        if p.default is p.empty:
            signature.append(p.name)
        else:
            namespace[f"default_{p.name}"] = p.default
            signature.append(f"{p.name}=default_{p.name}")
    lines = [f"def admitted_{impl.__name__.strip('_<>')}({', '.join(signature)}):", "    arrays = False"]
    for a in data:
        lines += [f"    if {a}.__class__ is ndarray:", "        arrays = True",
                  f"    elif {a}.__class__ is not float:", f"        {a} = number({a})"]
    size_call = ", ".join(data + [f"{p}={p}" for p in params])
    sizes = " + ".join(f"({a}.size if {a}.__class__ is ndarray else 1)" for a in data)
    lines += [f"    if arrays{' or True' if params else ''}:",
              "        run = get_current() or current()"]
    if getattr(size, "bounded_by_first", False):
        # (a reduction, a transpose: at most the argument's size, so no call unless that is over)
        lines += [f"        n = {data[0]}.size if arrays else 1",
                  "        if n > run.max_elements:",
                  f"            n = size({size_call})"]
    else:
        lines += [f"        n = size({size_call})"]
    lines += ["        if n > run.max_elements:",
              "            raise ArrayTooLarge(n, run.max_elements)",
              f"        left = run.work_left - {f'work(n, {size_call})' if work is not None else f'n - {sizes}'}",
              "        if left < 0:",
              "            look_at_clock(run)",
              "        else:",
              "            run.work_left = left",
              f"    return impl({', '.join(data + params)})"]
    exec(compile("\n".join(lines), f"<admission of {impl.__name__}>", "exec"), namespace)
    return namespace[lines[0][4:lines[0].index("(")]]


def admit_arguments(size: Callable, work: Callable, args: tuple, params: dict, repeat: int = 1) -> tuple:
    """The admission of one call (see `admitted`): the arguments as numbers or arrays.

    `repeat`: how many times the work is done (Taylor mode's recurrences, once per pair of orders).
    """
    for a in args:
        if a.__class__ is not ndarray and a.__class__ is not float:
            args = tuple(v if v.__class__ is ndarray else number(v) for v in args)
            break
    n = size(*args, **params)
    admit(n, repeat * ((n + sum(size_of(a) for a in args)) if work is None else work(n, *args, **params)))
    return args


def plain(result: Any) -> Any:
    """Normalise a numpy result: 0-d arrays and numpy scalars become Python floats or bools."""
    if type(result) is ndarray:
        if result.ndim:
            return result
        result = result[()]
    if isinstance(result, (np.bool_, bool)):
        return bool(result)
    return float(result)


# The longest vector OpenBLAS's dot keeps on one thread (its threshold is 10,000 elements).
_SERIAL_DOT = 8192


def array_all_finite(a: ndarray) -> bool:
    """Whether every element of a numeric array is finite, in one pass without a temporary.

    A NaN or an infinity makes the sum non-finite; a finite sum can therefore only come from
    finite elements. A non-finite sum may be an overflow of finite elements, so it is checked
    element by element.
    """
    if a.dtype.kind != "f":
        return True
    if a.dtype == _FLOAT64 and a.size > _SERIAL_DOT:
        # OpenBLAS spreads a longer vdot over threads: on a loaded machine 15 ms for 16,384
        # elements (a block of points, diffcore/blocks.py) against 6 us for isfinite, whose
        # temporary (a byte per element) is an eighth of the array.
        return bool(np.isfinite(a).all())
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


# The scalar functions whose numpy array twin gives the same bits on every machine: IEEE 754
# requires these operations to be correctly rounded, so math/operator and numpy agree. The
# other math functions (exp, log, tan, ...) and their numpy ufuncs may differ in the last bit
# (numpy's are vectorized implementations of their own, which differ by machine).
ARRAY_EXACT = frozenset({operator.add, operator.sub, operator.mul, operator.truediv, operator.neg,
                         math.sqrt, abs, math.fabs})


def per_element(scalar_path: Callable, *arrays: ndarray) -> ndarray:
    """`scalar_path` (a forward function's own path for Python floats) on each element of the
    broadcast `arrays`: the values one-point-at-a-time execution computes, bit for bit."""
    if len(arrays) == 1:
        x = arrays[0]
        flat = map(scalar_path, x.ravel().tolist())
        return np.fromiter(flat, np.float64, count=x.size).reshape(x.shape)
    x, y = np.broadcast_arrays(*arrays)
    flat = map(scalar_path, x.ravel().tolist(), y.ravel().tolist())
    return np.fromiter(flat, np.float64, count=x.size).reshape(x.shape)


def _scalar_lanes(x: Any, lanes: int) -> bool:
    """Whether an operand holds one scalar of each of `lanes` points (or one float for them all)."""
    return x.__class__ is float or (x.__class__ is ndarray and x.ndim == 1 and x.shape[0] == lanes)


def unary_impl(scalar_fn: Callable, array_fn: Callable) -> Callable:
    """A forward function: `scalar_fn` (from math) for Python numbers, `array_fn` (a ufunc) otherwise.

    It admits itself (`admits`): the checks of `admitted`, inline, since it runs at every
    elementwise operation. In a run of many points at once (`RunContext.lanes_exact`, the number
    of points, see diffcore/blocks.py), an array of one scalar per point goes through the scalar
    path element by element, as each point does alone, unless `scalar_fn` is in ARRAY_EXACT.
    """
    def scalar_path(x):
        try:
            return scalar_fn(x)
        except (ValueError, OverflowError, ZeroDivisionError):
            return plain(array_fn(np.float64(x)))

    exact = scalar_fn in ARRAY_EXACT

    def impl(x):
        if x.__class__ is not ndarray:
            if x.__class__ is not float:
                x = number(x)
            try:
                return scalar_fn(x)
            except (ValueError, OverflowError, ZeroDivisionError):
                return plain(array_fn(np.float64(x)))
        n = x.size
        run = get_current() or current()
        if n > run.max_elements:
            raise ArrayTooLarge(n, run.max_elements)
        left = run.work_left - 2 * n
        if left < 0:
            look_at_clock(run)
        else:
            run.work_left = left
        if x.dtype is not _FLOAT64:
            x = x.astype(np.float64)
        if run.lanes_exact and not exact and x.ndim == 1 and x.shape[0] == run.lanes_exact:
            return per_element(scalar_path, x)      # each element a scalar of one point
        return array_fn(x)
    impl.__name__ = array_fn.__name__
    impl.scalar = scalar_fn        # for the primitive's float fast path (see tracing.primitive)
    impl.admits = True
    return impl


def binary_impl(scalar_fn: Callable, array_fn: Callable, scalar_exact: bool = True) -> Callable:
    """A broadcasting forward function.

    It admits itself (`admits`): the checks of `admitted` with `broadcast_size`, inline, since
    it runs at every elementwise operation. A broadcast result has at most x.size * y.size
    elements: only above the limit is its exact shape worth computing (numpy refuses shapes
    that do not broadcast).

    `scalar_exact`: whether `scalar_fn` on two floats either returns the IEEE result or raises
    (operator.pow does neither: (-8.0) ** (1/3) is a complex number).
    With `RunContext.lanes_exact`, arrays go through the float path element by element unless
    `scalar_fn` is in ARRAY_EXACT (see unary_impl).
    """
    exact = scalar_fn in ARRAY_EXACT

    def scalar_path(x, y):
        try:
            result = scalar_fn(x, y)
            if result.__class__ is not complex:
                return result
        except (ValueError, OverflowError, ZeroDivisionError):
            pass
        return plain(array_fn(np.float64(x), np.float64(y)))

    def impl(x, y):
        cx, cy = x.__class__, y.__class__
        if cx is ndarray:
            if cy is ndarray:
                n = x.size
                if y.shape != x.shape:
                    # one shape ending the other (a row against a matrix): the larger size
                    if y.ndim < x.ndim and x.shape[x.ndim - y.ndim:] == y.shape:
                        pass
                    elif x.ndim < y.ndim and y.shape[y.ndim - x.ndim:] == x.shape:
                        n = y.size
                    else:
                        n = x.size * y.size         # a bound; the exact size if the bound is over
                        if n > (get_current() or current()).max_elements:
                            n = math.prod(np.broadcast_shapes(x.shape, y.shape))
                if y.dtype is not _FLOAT64:
                    y = y.astype(np.float64)    # booleans count 0 and 1 (numpy would add them as or)
            else:
                if cy is not float:
                    y = number(y)
                n = x.size
            if x.dtype is not _FLOAT64:
                x = x.astype(np.float64)
        elif cy is ndarray:
            if cx is not float:
                x = number(x)
            n = y.size
            if y.dtype is not _FLOAT64:
                y = y.astype(np.float64)
        else:
            if cx is not float or cy is not float:
                x, y = number(x), number(y)
            return scalar_path(x, y)
        run = get_current() or current()
        if n > run.max_elements:
            raise ArrayTooLarge(n, run.max_elements)
        left = run.work_left - 2 * n
        if left < 0:
            look_at_clock(run)
        else:
            run.work_left = left
        if run.lanes_exact and not exact and _scalar_lanes(x, run.lanes_exact) and _scalar_lanes(y, run.lanes_exact):
            result = per_element(scalar_path, np.asarray(x, np.float64), np.asarray(y, np.float64))
        else:
            result = array_fn(x, y)
        return result if result.__class__ is ndarray and result.ndim else plain(result)
    impl.__name__ = array_fn.__name__
    impl.scalar = scalar_fn if scalar_exact else None
    impl.admits = True
    return impl


# x // y is numpy's floor_divide (Python's float // where y is not 0: the same algorithm, from
# fmod): the integer q with x = q*y + x % y, which floor(x / y) is not when x / y rounds up to
# an integer (1 // 0.1 is 9, floor(1 / 0.1) is 10). At y = 0 Python raises, and binary_impl
# hands the case to numpy, which gives x / y.
floor_divide_impl = binary_impl(operator.floordiv, np.floor_divide)


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
