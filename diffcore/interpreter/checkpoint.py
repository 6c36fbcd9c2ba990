"""Checkpointing: `with checkpoint:` trades recomputation for memory.

A checkpointed loop runs in segments of about sqrt(N) iterations. Each
segment is recorded as one entry of a multi-output primitive whose inputs are
the values being differentiated that the segment can reach (in the variables
it uses, and in those the code it calls reads: a top-level input read by a
function, say), and whose outputs are the numbers and arrays among the
variables it assigns. Every run of a segment, the first and those of its
derivative, sees the variables as they were when it first ran, with its own
values in place of its inputs;
its forward function runs the segment on plain values, recording nothing, and
its derivative runs the segment again under a fresh trace, sweeps that short
tape from all the outputs' cotangents at once, and returns the inputs'
cotangents. The tape therefore holds O(sqrt(N)) entries for the loop, plus one
segment's worth while the backward sweep is inside it; the cost is one more
plain evaluation of the loop (the "sqrt(N) schedule" of Griewank & Walther,
and what torch.utils.checkpoint does for one segment).

Outputs leave the segment entry through projection entries (`tuple_item`), so
the cotangent of a segment is a tuple that accumulates until the sweep
reaches the segment (see `reverse._accumulate`).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .builtins import Builtin
from ..engine.numeric import ndarray
from .runtime import FIRST_SLOT, UserFunction
from ..engine.reverse import Box, ReverseTrace, TraceClosed, _accumulate, backward_from
from ..engine.tracing import NoRule, Primitive, Tracer, next_level, release_level, strip


def _tuple_item_impl(values: tuple, index: int) -> Any:
    return values[index]


def _one_hot_cotangent(g: Any, ans: Any, values: tuple, index: int) -> tuple:
    return tuple(g if k == index else None for k in range(len(strip(values))))


# What a segment's primitives declare instead of a Taylor and a batching rule. A segment is
# recorded as one step only when reverse mode watches one of its inputs (run_segment); Taylor
# mode, which does not nest, differentiates the segment's body itself.
NO_SERIES = NoRule("recorded only where reverse mode watches an input, which Taylor mode never nests in")
PER_EXAMPLE = NoRule("a segment runs language code on a tuple of values: the batching trace runs it once "
                     "per example")

# Not in the REGISTRY: it exists only to take outputs out of a checkpointed segment.
tuple_item = Primitive("tuple_item", _tuple_item_impl, (_one_hot_cotangent,),
                       jvp=lambda ts, ans, values, index: ts[0][index], taylor=NO_SERIES, batch=PER_EXAMPLE)


def segment_length(iterations: int) -> int:
    return max(1, math.isqrt(max(iterations, 1) - 1) + 1)


def _recorded_by_reverse(values: Sequence) -> bool:
    return any(isinstance(v, Box) for v in values)


def run_segment(segment: Callable[[tuple], tuple], inputs: tuple, outside: Callable[[], Exception],
                name: str = "checkpoint") -> tuple:
    """Run `segment(inputs) -> outputs` as one recorded step (or directly, when nothing records).

    `inputs` are the values being differentiated that the segment uses. Its outputs are
    variables' values: numbers and arrays, and also tuples of them, functions, strings or a
    variable left unassigned; the step's outputs are the numbers and arrays among them (at any
    depth of tuples), and the rest passes through as it is. `outside()` is the error raised if
    the segment reaches a value being differentiated other than its inputs: the recorded step's
    derivative would miss it.
    """
    if not _recorded_by_reverse(inputs):
        return segment(inputs)              # forward and Taylor modes differentiate the body itself
    first: list = []                        # the outputs of the plain run, for their structure
    prim = _segment_primitive(segment, len(inputs), name, outside, first)
    packed = prim.bind(*inputs)
    items = iter([tuple_item.bind(packed, index=k) for k in range(len(strip(packed)))])
    return tuple(_replace_leaves(value, items) for value in first[0])


def _segment_primitive(segment: Callable[[tuple], tuple], n_inputs: int, name: str,
                       outside: Callable[[], Exception], first: list) -> Primitive:
    cache: dict = {}

    def impl(*plain):
        outputs = tuple(segment(plain))
        # Every input arrives here as a plain value (each trace unwraps its own): a tracer in
        # the outputs came from elsewhere, and this entry's derivative would miss it.
        if any(_tracers(v) for v in outputs):
            raise outside()
        first[:] = [outputs]
        return _leaves(outputs)

    def cotangents(g: tuple, inputs: tuple) -> list:
        if cache.get("g") is not g:
            cache["g"] = g
            cache["grads"] = _recompute(segment, inputs, g, outside)
        return cache["grads"]

    def vjp_for(k: int):
        def vjp(g, ans, *inputs):
            grad = cotangents(g, inputs)[k]
            if grad is None:            # an input the segment's outputs do not depend on
                from ..engine.transforms import zeros_like
                return zeros_like(inputs[k])
            return grad
        return vjp

    def jvp(tangents, ans, *inputs):
        # Forward mode over a checkpoint (e.g. inside a Hessian): push the tangents through the
        # segment. The inputs without a tangent are constants to this trace: they stay as they are.
        from ..engine.transforms import jvp as forward
        movable = [k for k, t in enumerate(tangents) if t is not None]

        def of_movable(*values):
            full = list(inputs)
            for k, v in zip(movable, values):
                full[k] = v
            return _leaves(segment(tuple(full)))
        return forward(of_movable, tuple(inputs[k] for k in movable), tuple(tangents[k] for k in movable))[1]

    return Primitive(name, impl, tuple(vjp_for(k) for k in range(n_inputs)), jvp, taylor=NO_SERIES,
                     batch=PER_EXAMPLE)


def _recompute(segment: Callable, inputs: tuple, g: tuple, outside: Callable[[], Exception]) -> list:
    """Run the segment again on a fresh tape and sweep it from the outputs' cotangents."""
    tape = ReverseTrace(next_level())
    try:
        boxes = [tape.new_input(v) for v in inputs]
        outputs = _leaves(segment(tuple(boxes)))
    except TraceClosed:
        # The sweep of the recording that holds this segment has closed it; the segment reached
        # one of its values, which was not passed in as an input.
        raise outside() from None
    finally:
        tape.close()
        release_level()
    seeds: dict = {}
    for out, cot in zip(outputs, g):
        if cot is not None and type(out) is Box and out.trace is tape:
            seeds[out.node] = cot if out.node not in seeds else _accumulate(seeds[out.node], cot)
    grads = backward_from(tape, seeds, [b.node for b in boxes]) if seeds else []
    by_node = {b.node: gr for b, gr in zip(boxes, grads)}
    return [by_node.get(b.node) for b in boxes]


def _is_leaf(value: Any) -> bool:
    """A value a segment's derivative follows: a tracer, or a number or an array of numbers (truth
    values, strings, functions and unset variables are not)."""
    if isinstance(value, Tracer):
        return True
    if value.__class__ is ndarray:
        return value.dtype.kind in "fiu"
    return isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool)


def _leaves(values: tuple) -> tuple:
    """The leaves of variables' values (tuples opened at any depth), in order: a segment's
    outputs as its recorded step has them."""
    found: list = []
    for value in values:
        if _is_leaf(value):
            found.append(value)
        elif value.__class__ is tuple:
            found.extend(_leaves(value))
    return tuple(found)


def _replace_leaves(value: Any, replacements: Iterator) -> Any:
    """`value` with its leaves (in the order of `_leaves`) replaced by the next of `replacements`."""
    if _is_leaf(value):
        return next(replacements)
    if value.__class__ is tuple:
        return tuple(_replace_leaves(item, replacements) for item in value)
    return value


def _tracers(value: Any) -> list:
    """The tracers in a variable's value: the value itself, or those inside a tuple (at any depth)."""
    if isinstance(value, Tracer):
        return [value]
    if value.__class__ is tuple:
        return [t for item in value for t in _tracers(item)]
    return []


def _replace_tracers(value: Any, replacements: Iterator) -> Any:
    """`value` with its tracers (in the order of `_tracers`) replaced by the next of `replacements`."""
    if isinstance(value, Tracer):
        return next(replacements)
    if value.__class__ is tuple:
        return tuple(_replace_tracers(item, replacements) for item in value)
    return value


def _reachable(frames: list) -> list:
    """`frames`, and the frames that the functions held in them close over (transitively)."""
    found: dict = {}
    queue = list(frames)
    while queue:
        frame = queue.pop(0)
        if id(frame) in found:
            continue
        found[id(frame)] = frame
        for value in frame[FIRST_SLOT:]:
            for fn in _functions(value):
                closure = fn.closure
                while closure is not None:
                    queue.append(closure)
                    closure = closure[0]
    return list(found.values())


def _functions(value: Any) -> list:
    """The user functions in a value: itself, those inside a tuple, those a builtin wraps (grad(f))."""
    if isinstance(value, UserFunction):
        return [value]
    if value.__class__ is tuple:
        return [fn for item in value for fn in _functions(item)]
    if isinstance(value, Builtin):
        return [fn for wrapped in value.wraps for fn in _functions(wrapped)]
    return []


def checkpointed(frame_of: Callable[[list], list], frames_around: Callable[[list], list],
                 segments: Callable[[list], list], out_slots: list,
                 after_segment: Callable[[list], None], outside: Callable[[], Exception]) -> Callable[[list], None]:
    """The statement `with checkpoint:` as a closure over frames.

    `segments(f)` lists the block's segments, each a function that runs its share of the
    block on a frame; the variables the block assigns, in `out_slots`, are each segment's
    outputs.

    The block can reach, directly or through the functions it calls, every variable of the
    frames `frames_around(f)` (its own function's, the enclosing functions' and the top level's)
    and of the frames that the functions held there close over. The values being differentiated
    among them (tracers, also inside tuples) are each segment's inputs: a segment runs on
    plain values, and its derivative runs it again on values of its own recording, so it must
    not find the outer recording's values in those frames. They are put in place for each run
    of a segment and restored after it. `outside()` is the error for a segment that still
    reaches one some other way (a safety net: the derivative would miss it).
    """
    def run(f):
        frame = frame_of(f)
        for advance in segments(f):
            reach = _reachable(frames_around(f))
            # The variables as the segment finds them now. It runs again in the backward sweep,
            # when the program has gone on (assigned some of them again, or assigned those still
            # unset here, with values of a recording that may be closed by then), so every run of
            # the segment first puts them back as they are now (a checkpointed block inside it
            # then sees what it saw in the first run), and restores what it found after. The
            # values being differentiated among them, also inside tuples, are the segment's
            # inputs: each run puts its own in their places.
            states = [around[FIRST_SLOT:] for around in reach]
            captured = [(k, s) for k, around in enumerate(reach) for s in range(FIRST_SLOT, len(around))
                        if _tracers(around[s])]
            reached = tuple(t for k, s in captured for t in _tracers(states[k][s - FIRST_SLOT]))

            def segment(values, advance=advance, reach=reach, states=states, captured=captured):
                found = [around[FIRST_SLOT:] for around in reach]
                for around, state in zip(reach, states):
                    around[FIRST_SLOT:] = state
                moved = iter(values)
                for k, s in captured:
                    reach[k][s] = _replace_tracers(states[k][s - FIRST_SLOT], moved)
                try:
                    advance(frame)
                    return tuple(frame[s] for s in out_slots)
                finally:
                    for around, state in zip(reach, found):
                        around[FIRST_SLOT:] = state

            outputs = run_segment(segment, reached, outside)
            for s, v in zip(out_slots, outputs):
                frame[s] = v
            after_segment(frame)
    return run


def loop_segments(bounds: Callable[[list], range], write_target: Callable[[list, Any], None],
                  body: Callable[[list], Any], tick: Callable[[], None]) -> Callable[[list], list]:
    """`for target in range(...)` cut into segments of about sqrt(N) iterations."""
    def advance_over(indices: range) -> Callable[[list], None]:
        def advance(frame):
            for i in indices:
                tick()
                write_target(frame, i)
                body(frame)
        return advance

    def segments(f):
        iterations = bounds(f)
        step = segment_length(len(iterations))
        return [advance_over(iterations[start:start + step]) for start in range(0, len(iterations), step)]
    return segments


def block_segments(body: Callable[[list], Any]) -> Callable[[list], list]:
    """Any other block: one segment, the whole block."""
    return lambda f: [body]
