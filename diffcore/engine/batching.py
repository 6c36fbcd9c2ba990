"""Batching: one pass of a computation over a whole batch of values (a vectorizing trace).

A `Batched` tracer holds B values of the same shape stacked along a leading
batch axis, one per *example*. A primitive called on it goes to its
`BatchTrace` (through the level dispatch of tracing.py), which applies the
primitive's batching rule to the unwrapped arrays and wraps the result again:
one numpy call does the work of B. A primitive that declares it has no rule
(`batch=NoRule(reason)`: a custom rule, a checkpointed segment) runs once per
example and its results are stacked, which is always right, only slow.

The use is forward mode along many directions at once. `jacobian_forward`
opens a batch trace *outside* a forward trace and gives `jvp` a batch of basis
directions as the tangent: every tangent of the forward pass is then a batched
value, while the primal values stay unbatched (they are the same for every
direction). A Jacobian takes one pass instead of one per input element, and a
Hessian one forward-over-reverse pass instead of one Hessian-vector product
per column.

A batching rule is data on the primitive (`Primitive.batch`), declared in its
definition next to its forward function and derivative rules:

    rule(prim, args, batched, **params) -> the result, with its batch axis

`args` are the arguments unwrapped by one level. `batched[k]` says whether
args[k] carries the batch axis in front of its own shape (an array, or a
lower-level tracer, of shape (B,) + the example's shape); an argument that is
not batched is the same for every example (a constant, or a value of an outer
trace). Rules call primitives, never raw numpy, so that lower-level tracers
inside a batched value go on to their own traces: that is what lets batched
passes nest (a Hessian of a program that computes a Hessian itself).

Batching is not differentiation: a no-grad region does not freeze it.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .numeric import ArrayTooLarge, ndarray, plain, shape_of
from .tracing import REGISTRY, Primitive, Trace, Tracer, next_level, release_level, strip

# The most elements any one batched array may hold in a pass (32 MiB of float64). A caller
# that batches many directions (jacobian_forward) sizes its chunks to stay under it.
ELEMENT_BUDGET = 2 ** 22


class ChunkTooLarge(Exception):
    """A batched pass would hold an array over its budget: run it again with fewer examples.

    Not a numeric failure of the program (the interpreter lets it through untranslated);
    `per_example` is the number of elements one example needs in the array that overflowed.
    """

    def __init__(self, trace: "BatchTrace", per_example: int):
        super().__init__(f"{per_example} elements per example, {trace.size} examples")
        self.trace = trace
        self.per_example = per_example


class Batched(Tracer):
    """B values stacked along a leading axis: `value` has shape (B,) + the shape of one example."""

    __slots__ = ("value",)

    def __init__(self, value: Any, trace: "BatchTrace"):
        self.trace = trace
        self.value = value

    @property
    def primal(self) -> Any:
        # Code that looks through tracers (value_shape, strip) reads a batched value only for its
        # shape: every example has the shape of the first. No non-differentiable operation sees
        # a batched value: batched values are tangents, and rules are linear in their tangents.
        value = self.value
        if value.__class__ is ndarray and value.ndim > 1:
            return value[0]         # an example that is an array: a view, no copy
        return plain((value if value.__class__ is ndarray else strip(value))[0])

    def __repr__(self) -> str:
        return f"Batched({self.value!r})"


class BatchTrace(Trace):
    """A batch of `size` examples at one level; `batching()` opens one."""

    __slots__ = ("size", "budget")

    def __init__(self, level: int, size: int, budget: int = ELEMENT_BUDGET):
        super().__init__(level)
        self.size = size
        self.budget = budget

    def wrap(self, stacked: Any) -> Batched:
        """A batched value from an array (or tracer) whose leading axis holds the examples."""
        return Batched(stacked, self)

    def unwrap(self, value: Any, shape: tuple) -> Any:
        """The stacked examples of `value`, one example of shape `shape` each.

        A value that is not batched by this trace is the same for every example: it is
        broadcast along a new leading axis.
        """
        if type(value) is Batched and value.trace is self:
            return value.value
        return REGISTRY["broadcast_to"].bind(value, shape=(self.size,) + shape)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if len(args) == 1:          # dispatch chose this trace for its only argument: it is ours
            return self._apply(prim, (args[0].value,), _ONE, params)
        raw, batched = [], []
        for a in args:
            if type(a) is Batched and a.trace is self:
                raw.append(a.value)
                batched.append(True)
            else:
                raw.append(a)
                batched.append(False)
        return self._apply(prim, tuple(raw), tuple(batched), params)

    # The unary and binary callers' fast entries: process() without packing the arguments.

    def process1(self, prim: Primitive, x: Batched) -> Any:
        return self._apply(prim, (x.value,), _ONE, _NO_PARAMS)

    def process2(self, prim: Primitive, x: Any, y: Any) -> Any:
        bx = type(x) is Batched and x.trace is self
        by = type(y) is Batched and y.trace is self
        return self._apply(prim, (x.value if bx else x, y.value if by else y), (bx, by), _NO_PARAMS)

    def _apply(self, prim: Primitive, args: tuple, batched: tuple, params: dict) -> Any:
        rule = prim.batch or each_example       # a declared NoRule is false: once per example
        try:
            # (without ** when there are no params: a plain call is the cheaper one for the interpreter)
            out = rule(prim, args, batched, **params) if params else rule(prim, args, batched)
        except ArrayTooLarge as exc:
            if self.size > 1:       # the batch made it too large, perhaps not one example
                raise ChunkTooLarge(self, -(-exc.elements // self.size)) from None
            raise
        if out.__class__ is ndarray:
            if out.size > self.budget and self.size > 1:
                raise ChunkTooLarge(self, -(-out.size // self.size))
            return Batched(out, self)
        if type(out) is tuple:      # a multi-output primitive (through the fallback)
            return tuple(Batched(o, self) for o in out)
        held = strip(out)
        if held.__class__ is ndarray and held.size > self.budget and self.size > 1:
            raise ChunkTooLarge(self, -(-held.size // self.size))
        return Batched(out, self)


_ONE = (True,)
_NO_PARAMS: dict = {}


@contextmanager
def batching(size: int, budget: int = ELEMENT_BUDGET) -> Iterator[BatchTrace]:
    """A batch trace of `size` examples at a new level, released at the end."""
    trace = BatchTrace(next_level(), size, budget)
    try:
        yield trace
    finally:
        release_level()


# ------------------------------------------------------------------ helpers for rules

def example_shape(x: Any, batched: bool) -> tuple:
    """The shape of one example of an argument (a batched one without its leading axis)."""
    shape = x.shape if x.__class__ is ndarray else shape_of(strip(x))
    return shape[1:] if batched else shape


def batch_size(args: tuple, batched: tuple) -> int:
    for a, b in zip(args, batched):
        if b:
            return (a.shape if a.__class__ is ndarray else shape_of(strip(a)))[0]
    raise ValueError("no batched argument")


def with_batch_axis(index: Any) -> tuple:
    """A per-example index, for the stacked examples (their axis first, all of it selected)."""
    return (slice(None),) + (index if isinstance(index, tuple) else (index,))


def _is_array_index(part: Any) -> bool:
    return part.__class__ is ndarray or isinstance(part, (list, tuple))


def advanced_axes_in_front(index: Any) -> int:
    """How many leading axes of `example[index]` are the advanced index's, when numpy puts them first.

    numpy keeps the axes of an advanced index (integer or boolean arrays, and the integers
    beside them: with an array present an integer is advanced too) where the index has them
    when its advanced parts are next to each other; when a slice separates them, it moves
    those axes to the front of the result. Then `stacked[with_batch_axis(index)]` has them in
    front of the batch axis: the result here says how many axes to move behind it (0: none,
    the batch axis is already first).
    """
    parts = index if isinstance(index, tuple) else (index,)
    if not any(_is_array_index(p) for p in parts):
        return 0                    # basic indexing (ints, slices, None, Ellipsis) keeps its order
    advanced = [k for k, p in enumerate(parts)
                if _is_array_index(p) or (isinstance(p, (int, np.integer)) and not isinstance(p, bool))]
    if advanced[-1] - advanced[0] == len(advanced) - 1:
        return 0
    # the rank of the advanced indices broadcast together (a boolean mask is one axis: its hits)
    shapes = [(int(np.count_nonzero(p)),) if getattr(p, "dtype", None) == bool else np.shape(p)
              for p in (parts[k] for k in advanced)]
    return len(np.broadcast_shapes(*shapes))


def each_example(prim: Primitive, args: tuple, batched: tuple, **params) -> Any:
    """The fallback rule: the primitive on each example in turn, the results stacked."""
    getitem, stack = REGISTRY["getitem"].bind, REGISTRY["stack"].bind
    results = []
    for i in range(batch_size(args, batched)):
        example = [(plain(a[i]) if a.__class__ is ndarray else getitem(a, index=(i,))) if b else a
                   for a, b in zip(args, batched)]
        results.append(prim.bind(*example, **params))
    if type(results[0]) is tuple:
        return tuple(stack(*column, axis=0) for column in zip(*results))
    return stack(*results, axis=0)
