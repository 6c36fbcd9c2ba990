"""Derivatives of functions: grad, value_and_grad, jvp, vjp, jacobian, hessian.

These work on any callable over language values (a user function, a builtin,
a Python function used by the CLI). Each opens a trace of its own at a new
level and closes it before returning, so they nest: `grad(grad(f))` records
the inner backward sweep on the outer trace, and `jvp(grad(f), x, v)` pushes
a tangent through it (forward-over-reverse: a Hessian-vector product).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import arrays as A
from . import decompositions, linalg  # noqa: F401 - registers the linear algebra primitives
from .batching import ELEMENT_BUDGET, ChunkTooLarge, batching
from .broadcasting import broadcast_to, reshape, value_shape
from .kinds import shape_text, type_name, is_numeric
from .errors import ShapeError, ValueTypeError
from .forward import Dual, ForwardTrace
from .context import current
from .reverse import Box, backward, recording
from .tracing import Tracer, next_level, release_level, strip


def zeros_like(x: Any) -> Any:
    shape = value_shape(x)
    return np.zeros(shape) if shape else 0.0


def _argnums(argnums: Any, nargs: int) -> tuple[tuple, bool]:
    """(indices, several?) from an int or a tuple of ints, checked against the number of arguments."""
    several = isinstance(argnums, (tuple, list))
    items = tuple(argnums) if several else (argnums,)
    out = []
    for k in items:
        k = int(strip(k))
        if not -nargs <= k < nargs:
            raise ValueTypeError(f"argnums {k} is out of range for a call with {nargs} argument"
                                 f"{'' if nargs == 1 else 's'}")
        out.append(k % nargs)
    return tuple(out), several


def _require_differentiable(x: Any, what: str) -> None:
    if not is_numeric(x) and not isinstance(x, (Box, Dual)):
        raise ValueTypeError(f"{what} must be a number or an array, not {type_name(x)}")


def value_and_grad(fn: Callable, args: Sequence, argnums: Any = 0, kwargs: dict = None) -> tuple:
    """(f(args), gradient) of a scalar-valued function with respect to args[argnums]."""
    args = list(args)
    indices, several = _argnums(argnums, len(args))
    with recording() as tape:
        boxes = {}
        for k in indices:
            _require_differentiable(args[k], f"argument {k + 1} of the differentiated function")
            boxes[k] = args[k] = tape.new_input(args[k])
        out = fn(*args, **(kwargs or {}))
    value = out.value if type(out) is Box and out.trace is tape else out
    # Any value with one element has a gradient (an array of shape (1,) or (1, 1), as from
    # sum(x, keepdims=true), as in autograd and PyTorch): its seed is a one of its shape.
    if not is_numeric(value) and not isinstance(value, Tracer) or math.prod(value_shape(value)) != 1:
        raise ValueTypeError(f"grad needs a function that returns one number, but it returned "
                             f"{type_name(value)}", hint="use jacobian(f) for functions returning arrays")
    if type(out) is Box and out.trace is tape:
        shape = value_shape(value)
        seed = np.ones(shape) if shape else 1.0
        grads = backward(tape, out.node, seed, [boxes[k].node for k in indices])
    else:
        grads = [None] * len(indices)
    grads = [zeros_like(boxes[k].value) if g is None else g for k, g in zip(indices, grads)]
    return value, (tuple(grads) if several else grads[0])


def grad(fn: Callable, args: Sequence, argnums: Any = 0, kwargs: dict = None) -> Any:
    return value_and_grad(fn, args, argnums, kwargs)[1]


def unwrap_dual(out: Any, trace: ForwardTrace) -> tuple:
    """(value, tangent) of a forward pass's result (a tangent of zeros where it is not a Dual of `trace`)."""
    if isinstance(out, tuple):
        pairs = [unwrap_dual(o, trace) for o in out]
        return tuple(p for p, _ in pairs), tuple(t for _, t in pairs)
    if type(out) is Dual and out.trace is trace:
        tangent = out.tangent
        if value_shape(tangent) != value_shape(out.value):
            tangent = broadcast_to(tangent, shape=value_shape(out.value))
        return out.value, tangent
    return out, zeros_like(out)


def jvp(fn: Callable, primals: Sequence, tangents: Sequence, kwargs: dict = None) -> tuple:
    """(f(primals), J·tangents): the directional derivative, by one forward pass."""
    if len(primals) != len(tangents):
        raise ValueTypeError(f"jvp needs one tangent per argument ({len(primals)}), got {len(tangents)}")
    trace = ForwardTrace(next_level())      # released in the finally below (no generator: a hot path)
    try:
        duals = []
        for k, (p, t) in enumerate(zip(primals, tangents)):
            _require_differentiable(p, f"argument {k + 1}")
            if value_shape(t) != value_shape(p):
                raise ShapeError(f"the tangent of argument {k + 1} has shape {shape_text(value_shape(t))}, "
                                 f"but the argument has shape {shape_text(value_shape(p))}")
            duals.append(Dual(p, t, trace))
        out = fn(*duals, **(kwargs or {}))
    finally:
        trace.close()
        release_level()
    return unwrap_dual(out, trace)


def vjp(fn: Callable, primals: Sequence, cotangent: Any, kwargs: dict = None) -> tuple:
    """(f(primals), cotangent·J) with respect to every argument, by one reverse sweep."""
    with recording() as tape:
        boxes = []
        for k, p in enumerate(primals):
            _require_differentiable(p, f"argument {k + 1}")
            boxes.append(tape.new_input(p))
        out = fn(*boxes, **(kwargs or {}))
    value = out.value if type(out) is Box and out.trace is tape else out
    if value_shape(cotangent) != value_shape(value):
        raise ShapeError(f"the cotangent has shape {shape_text(value_shape(cotangent))}, but the function's "
                         f"value has shape {shape_text(value_shape(value))}")
    if type(out) is Box and out.trace is tape:
        grads = backward(tape, out.node, cotangent, [b.node for b in boxes])
    else:
        grads = [None] * len(boxes)
    grads = [zeros_like(b.value) if g is None else g for b, g in zip(boxes, grads)]
    return value, (grads[0] if len(grads) == 1 else tuple(grads))


def _basis(shape: tuple) -> Iterator[tuple]:
    """(index, one-hot array or 1.0) for each element of a value of `shape`."""
    if not shape:
        yield (), 1.0
        return
    for index in np.ndindex(shape):
        e = np.zeros(shape)
        e[index] = 1.0
        yield index, e


def jacobian_mode(n_inputs: int, n_outputs: int) -> str:
    """The mode of a Jacobian left to autodiff, by the language's `jacobian` and by
    `autodiff jacobian --mode auto` alike: reverse (one sweep per output element) when the
    output has at most as many elements as the inputs, else forward (one pass per input
    element). At equal sizes both take as many passes; reverse reuses the run that was
    recorded to learn the output's size."""
    return "reverse" if n_outputs <= n_inputs else "forward"


def jacobian_mode_reason(n_inputs: int, n_outputs: int) -> str:
    """Why jacobian_mode chose what it chose, in the words the command prints."""
    if jacobian_mode(n_inputs, n_outputs) == "reverse":
        return (f"{n_outputs} output element{'s' if n_outputs != 1 else ''}, {n_inputs} input "
                f"element{'s' if n_inputs != 1 else ''}: reverse when the output has at most as many "
                f"elements as the inputs")
    return (f"{n_outputs} output elements, {n_inputs} input element{'s' if n_inputs != 1 else ''}: "
            f"forward when the inputs have fewer elements than the output")


def jacobian(fn: Callable, x: Any, kwargs: dict = None) -> tuple:
    """(f(x), J) in the mode jacobian_mode chooses: reverse (a sweep per output element, from
    the one recorded run), or forward (one batched pass over all the input directions, which
    runs f again)."""
    value, rows = _recorded_for_rows(fn, x, kwargs)
    if jacobian_mode(math.prod(value_shape(x)), math.prod(value_shape(value))) == "reverse":
        return value, rows()
    return jacobian_forward(fn, x, kwargs)


def jacobian_reverse(fn: Callable, x: Any, kwargs: dict = None) -> tuple:
    """(f(x), J) with J of shape f(x).shape + x.shape: one reverse sweep per output element."""
    value, rows = _recorded_for_rows(fn, x, kwargs)
    return value, rows()


def _recorded_for_rows(fn: Callable, x: Any, kwargs: dict) -> tuple:
    """(f(x), a function computing J row by row from the run recorded here)."""
    _require_differentiable(x, "the argument")
    with recording() as tape:
        box = tape.new_input(x)
        out = fn(box, **(kwargs or {}))
    value = out.value if type(out) is Box and out.trace is tape else out
    _require_differentiable(value, "the function's value")
    return value, lambda: _rows(tape, box, out, value, x)


def _rows(tape, box: Box, out: Any, value: Any, x: Any) -> Any:
    out_shape, in_shape = value_shape(value), value_shape(x)
    rows = []
    for _, seed in _basis(out_shape):
        if type(out) is Box and out.trace is tape:
            g, = backward(tape, out.node, seed, [box.node])
        else:
            g = None
        rows.append(zeros_like(x) if g is None else g)
    return _assemble(rows, out_shape, in_shape, rows_first=True)


# How many elements a batched array of one forward pass may hold (32 MiB of float64): the
# number of directions per pass is chosen to stay under it, so memory does not grow with n.
BATCH_ELEMENTS = ELEMENT_BUDGET


def jacobian_forward(fn: Callable, x: Any, kwargs: dict = None) -> tuple:
    """(f(x), J): the columns of J by forward mode, all the input directions of a chunk in one pass."""
    value, J, _ = _forward_columns(fn, x, kwargs, has_aux=False)
    return value, J


def _forward_columns(fn: Callable, x: Any, kwargs: dict, has_aux: bool) -> tuple:
    """(f(x), J, aux): J by forward mode; with has_aux, fn returns (out, aux) and aux is not differentiated.

    The tangent of one pass is a batch of basis directions (batching.py), so each primitive
    runs once for a whole chunk of columns instead of once per column. The chunks are as large
    as the budget allows: BATCH_ELEMENTS // n directions at first (the tangent of x alone
    holds n per direction), fewer if an intermediate value turns out larger than x (the batch
    trace stops the pass, and the chunk runs again with a size that fits).
    """
    _require_differentiable(x, "the argument")
    in_shape = value_shape(x)
    n = math.prod(in_shape)
    if n <= 1:                      # no batch to gain: a plain forward pass (or none)
        return _forward_columns_one_by_one(fn, x, kwargs, has_aux)
    budget = min(BATCH_ELEMENTS, current().max_elements)
    parts, start, size = [], 0, max(1, min(n, budget // n))
    while start < n:
        stop = min(n, start + size)
        outcome = _forward_chunk(fn, x, in_shape, start, stop, kwargs, has_aux, budget)
        if type(outcome) is int:    # too large: outcome is what one direction needs
            size = max(1, min(stop - start - 1, budget // outcome))
            continue
        (value, aux), columns = outcome
        parts.append(columns)
        start = stop
    columns = parts[0] if len(parts) == 1 else A.concat(*parts, axis=0)
    return value, _assemble_columns(columns, value_shape(value), in_shape), aux


def _forward_chunk(fn: Callable, x: Any, in_shape: tuple, start: int, stop: int, kwargs: dict,
                   has_aux: bool, budget: int) -> Any:
    """((f(x), aux), the tangents along basis directions start..stop-1, stacked), by one batched pass.

    An int instead, if a value of the pass would hold more than `budget` elements: the
    number of elements one direction needs.
    """
    count = stop - start
    n = math.prod(in_shape)
    directions = np.zeros((count, n))
    directions.reshape(-1)[start::n + 1] = 1.0      # row i: the basis direction start + i (np.eye's way)
    with batching(count, budget) as batch:
        try:
            value, tangent = jvp(fn, (x,), (batch.wrap(directions.reshape((count,) + in_shape)),), kwargs)
        except ChunkTooLarge as exc:
            if exc.trace is not batch:
                raise
            return exc.per_example
        value, aux, tangent = (*value, tangent[0]) if has_aux else (value, None, tangent)
        _require_differentiable(value, "the function's value")
        return (value, aux), batch.unwrap(tangent, value_shape(value))


def _forward_columns_one_by_one(fn: Callable, x: Any, kwargs: dict, has_aux: bool) -> tuple:
    in_shape = value_shape(x)
    value = aux = None
    columns = []
    for _, e in _basis(in_shape):
        value, t = jvp(fn, (x,), (e,), kwargs)
        if has_aux:
            value, aux = value
            t = t[0]
        columns.append(t)
    if value is None:               # an empty input: no directions, but still a value
        value = fn(x, **(kwargs or {}))
        if has_aux:
            value, aux = value
    out_shape = value_shape(value)
    return value, _assemble(columns, out_shape, in_shape, rows_first=False), aux


def _assemble_columns(columns: Any, out_shape: tuple, in_shape: tuple) -> Any:
    """J of shape out_shape + in_shape from its columns stacked as (input elements,) + out_shape."""
    if out_shape:
        columns = A.transpose(columns, axes=tuple(range(1, len(out_shape) + 1)) + (0,))
    return reshape(columns, shape=out_shape + in_shape)


def _assemble(parts: list, out_shape: tuple, in_shape: tuple, rows_first: bool) -> Any:
    """Stack Jacobian rows (one per output element) or columns (one per input element).

    Built with primitives, so a Jacobian computed inside an outer trace is itself differentiable.
    """
    if not out_shape and not in_shape:
        return parts[0]
    if not parts:                   # no inputs (or no outputs): a Jacobian with no entries
        return np.zeros(out_shape + in_shape)
    stacked = A.stack(*parts, axis=0)
    if not rows_first and out_shape:
        # columns come stacked as (inputs, *out_shape): move the input axis last
        stacked = A.transpose(stacked, axes=tuple(range(1, len(out_shape) + 1)) + (0,))
    return reshape(stacked, shape=out_shape + in_shape)


def hessian(fn: Callable, x: Any, kwargs: dict = None) -> tuple:
    """(f(x), grad f(x), H): forward-over-reverse, the Hessian-vector products of a chunk of
    input directions in one pass (the value and the gradient come from the same pass)."""
    def gradient_and_value(z):
        value, g = value_and_grad(fn, (z,), 0, kwargs)
        return g, value

    g, H, value = _forward_columns(gradient_and_value, x, None, has_aux=True)
    return value, g, H


def hvp(fn: Callable, x: Any, v: Any, kwargs: dict = None) -> tuple:
    """(grad f(x), H·v) without forming H: a forward pass through the gradient."""
    return jvp(lambda z: grad(fn, (z,), 0, kwargs), (x,), (v,))
