"""Run-time helpers of compiled programs: values for indices, lists and inputs, and messages.

They turn language values into what numpy and the primitives take, and turn
what goes wrong into located program errors.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.ast import Span
from autodiff.grammar.source import ProgramError

from ..engine import arrays as A
from .builtins import Builtin
from ..engine.kinds import is_numeric, shape_text, to_int, type_name
from ..engine.broadcasting import value_shape
from ..engine.errors import CompileError, InputError, RuntimeProgramError, ShapeError, ValueTypeError
from ..engine.numeric import check_elements, ndarray
from .runtime import locate
from ..engine.tracing import Tracer, strip

Closure = Callable[[list], Any]


def plain_truth(result: Any) -> Any:
    return bool(result) if isinstance(result, np.bool_) else result


def unassigned(name: str, span: Span, where: Optional[str]) -> RuntimeProgramError:
    place = f" in {where}" if where and where != "<module>" else ""
    return RuntimeProgramError(f"'{name}' is used{place} before it is assigned", span)


def missing_input(name: str, span: Span, hint: Optional[str]) -> ProgramError:
    guess = f" ({hint})" if hint else ""
    return InputError(f"input '{name}' has no value", span,
                      hint=f"pass --at {name}=VALUE{guess}")


def input_value(value: Any, name: str, span: Span) -> Any:
    value = strip(value)
    if not is_numeric(value):
        raise ValueTypeError(f"input '{name}' must be a number or an array, not {type_name(value)}", span)
    if type(value) is ndarray:
        if value.dtype == bool:
            message, hint = boolean_input(name)
            raise ValueTypeError(message, span, hint=hint)
        return value if value.dtype == np.float64 else value.astype(np.float64)
    return float(value)


def boolean_input(name: str) -> tuple:
    """(message, hint) refusing an array of booleans as an input's value.

    Inputs are numbers (they are differentiated); as numbers, a mask would index by position
    (x[m] with m = [1.0, 0.0, 1.0] picks x[1], x[0], x[1]) where it was meant to select.
    """
    return (f"input '{name}' is an array of booleans: inputs are numbers, which are differentiated",
            "make the mask a constant (m = [true, false, true]) or compute it (m = w > 0)")


def message_text(message: Optional[Closure], f: list) -> Optional[str]:
    if message is None:
        return None
    from .display import format_value
    v = message(f)
    return v if isinstance(v, str) else format_value(v)


def index_int(v: Any, span: Span) -> int:
    try:
        return to_int(v, "an index")
    except ProgramError as exc:
        raise locate(exc, span)


def index_item(v: Any, span: Span):
    v = strip(v)
    if v is None or v is Ellipsis:      # a new axis; all the axes the other indices leave
        return v
    if type(v) is ndarray:
        if v.dtype == bool:
            return v
        if v.size and not np.all(np.mod(v, 1) == 0):
            raise ValueTypeError("array indices must be whole numbers", span)
        return v.astype(np.intp)
    if isinstance(v, (bool, np.bool_)):
        # numpy reads x[True] as x[None] (a new axis), not as x[1]: neither is what was meant
        raise ValueTypeError("a single truth value cannot index an array", span,
                             hint="index with a whole number, or with an array of booleans (a mask)")
    return index_int(v, span)


def check_index(shape: tuple, index: tuple, span: Span) -> None:
    """The index fits an array of `shape`: not too many parts, and each mask as long as its axes.

    `None` (a new axis) takes no axis of the array; `...` takes those the other parts leave.
    """
    used = sum(part.ndim if type(part) is ndarray and part.dtype == bool else
               0 if part is None or part is Ellipsis else 1 for part in index)
    axis = 0
    for part in index:
        if part is None:
            continue
        if part is Ellipsis:
            axis += max(0, len(shape) - used)
        elif type(part) is ndarray and part.dtype == bool:
            axes = shape[axis:axis + part.ndim]
            if part.shape != axes and axis + part.ndim <= len(shape):
                raise ShapeError(f"a mask of shape {shape_text(part.shape)} cannot select from axes of shape "
                                 f"{shape_text(axes)} (axis {axis} of an array of shape {shape_text(shape)})", span,
                                 hint="a boolean mask needs one truth value per element of the axes it indexes")
            axis += part.ndim
        else:
            axis += 1
    if axis > len(shape):
        raise ValueTypeError(f"too many indices ({axis} axes) for an array of shape {shape_text(shape)}", span)


def check_arity(builtin: Builtin, nargs: int, kwargs: list, span: Span) -> None:
    try:
        inspect.signature(builtin.fn).bind(*([None] * nargs), **{k: None for k in kwargs})
    except TypeError as exc:
        raise CompileError(f"{builtin.name}(): {exc}", span,
                           hint=f"usage: {builtin.name}{signature_text(builtin)}") from None
    except ValueError:
        pass        # a C function with no introspectable signature: checked when called


def signature_text(builtin: Builtin) -> str:
    try:
        return str(inspect.signature(builtin.fn))
    except (TypeError, ValueError):
        return "(...)"


def constant_array(node: ast.ListLiteral) -> Optional[ndarray]:
    """A list literal made only of numbers (at any nesting) is a constant array, built once."""
    def plain(n):
        if isinstance(n, ast.Number):
            return n.value
        if isinstance(n, ast.UnaryOp) and n.op == "-" and isinstance(n.operand, ast.Number):
            return -n.operand.value
        if isinstance(n, ast.ListLiteral):
            return [plain(i) for i in n.items]
        raise LookupError
    try:
        values = plain(node)
        array = np.array(values, dtype=np.float64)
    except (LookupError, ValueError):
        return None
    if array.dtype == object:
        return None
    array.flags.writeable = False
    return array


class FloatRange:
    """The values of `range(...)` in a loop: floats, as every number of the language is.

    A Python int from a loop variable would be an exact integer that never overflows
    (`i ^ i ^ i` would grow without bound in one uninterruptible operation). Sliceable and
    sized like the range it wraps, for checkpointed loops (checkpoint.loop_segments).
    """

    __slots__ = ("range",)

    def __init__(self, r: range):
        self.range = r

    def __len__(self) -> int:
        return len(self.range)

    def __iter__(self):
        return map(float, self.range)

    def __getitem__(self, part: slice) -> "FloatRange":
        return FloatRange(self.range[part])


def array_of(span: Span, *values) -> Any:
    """The array a list literal at `span` makes of its items' values."""
    if not values:
        return np.zeros(0)
    for v in values:
        if not is_numeric(v):
            raise ValueTypeError(f"a list holds numbers or arrays, not {type_name(v)}", span)
    if not any(isinstance(v, Tracer) for v in values):
        shapes = {np.shape(v) for v in values}
        if len(shapes) > 1:
            raise ragged(shapes, span)
        # A list of truth values is an array of booleans, as a comparison's result is, so that
        # x[[true, false, true]] is a mask (numpy's meaning), not the integer index [1, 0, 1].
        check_elements(len(values) * math.prod(shapes.pop()))     # before numpy makes it
        dtype = bool if all(_is_truth(v) for v in values) else np.float64
        return np.array(values, dtype=dtype)
    shapes = {value_shape(v) for v in values}
    if len(shapes) > 1:
        raise ragged(shapes, span)
    return A.stack(*values, axis=0)


def _is_truth(v: Any) -> bool:
    return isinstance(v, (bool, np.bool_)) or (type(v) is ndarray and v.dtype == bool)


def ragged(shapes: set, span: Span) -> ProgramError:
    return ShapeError("the items of a list must all have one shape, got " +
                      ", ".join(shape_text(s) for s in sorted(shapes)), span,
                      hint="rows of a matrix need the same length; use concat to join vectors")
