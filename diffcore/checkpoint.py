"""Checkpointing: `with checkpoint:` trades recomputation for memory.

A checkpointed loop runs in segments of about sqrt(N) iterations. Each
segment is recorded as one entry of a multi-output primitive whose inputs are
the variables the loop uses and whose outputs are the variables it assigns:
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
from typing import Any, Callable, Sequence

from .builtins import is_numeric
from .runtime import UNSET
from .reverse import Box, ReverseTrace, _accumulate, backward_from
from .tracing import Primitive, Tracer, next_level, release_level, strip


def _tuple_item_impl(values: tuple, index: int) -> Any:
    return values[index]


def _one_hot_cotangent(g: Any, ans: Any, values: tuple, index: int) -> tuple:
    return tuple(g if k == index else None for k in range(len(strip(values))))


# Not in the REGISTRY: it exists only to take outputs out of a checkpointed segment.
tuple_item = Primitive("tuple_item", _tuple_item_impl, (_one_hot_cotangent,),
                       jvp=lambda ts, ans, values, index: ts[0][index])


def segment_length(iterations: int) -> int:
    return max(1, math.isqrt(max(iterations, 1) - 1) + 1)


def _recorded_by_reverse(values: Sequence) -> bool:
    return any(isinstance(v, Box) for v in values)


def run_segment(segment: Callable[[tuple], tuple], inputs: tuple, name: str = "checkpoint") -> tuple:
    """Run `segment(inputs) -> outputs` as one recorded step (or directly, when nothing records)."""
    if not _recorded_by_reverse(inputs):
        return segment(inputs)              # forward and Taylor modes differentiate the body itself
    prim = _segment_primitive(segment, len(inputs), name)
    packed = prim.bind(*inputs)
    count = len(strip(packed))
    return tuple(tuple_item.bind(packed, index=k) for k in range(count))


def _segment_primitive(segment: Callable[[tuple], tuple], n_inputs: int, name: str) -> Primitive:
    cache: dict = {}

    def impl(*plain):
        return tuple(segment(plain))

    def cotangents(g: tuple, inputs: tuple) -> list:
        if cache.get("g") is not g:
            cache["g"] = g
            cache["grads"] = _recompute(segment, inputs, g)
        return cache["grads"]

    def vjp_for(k: int):
        return lambda g, ans, *inputs: cotangents(g, inputs)[k]

    def jvp(tangents, ans, *inputs):
        # Forward mode over a checkpoint (e.g. inside a Hessian): push the tangents through the segment.
        from .transforms import jvp as forward, zeros_like
        movable = [k for k, x in enumerate(inputs) if _differentiable(x)]

        def of_movable(*values):
            full = list(inputs)
            for k, v in zip(movable, values):
                full[k] = v
            return tuple(segment(tuple(full)))
        filled = tuple(zeros_like(inputs[k]) if tangents[k] is None else tangents[k] for k in movable)
        return forward(of_movable, tuple(inputs[k] for k in movable), filled)[1]

    return Primitive(name, impl, tuple(vjp_for(k) for k in range(n_inputs)), jvp)


def _recompute(segment: Callable, inputs: tuple, g: tuple) -> list:
    """Run the segment again on a fresh tape and sweep it from the outputs' cotangents."""
    tape = ReverseTrace(next_level())
    try:
        boxes = [tape.new_input(v) if _differentiable(v) else v for v in inputs]
        outputs = segment(tuple(boxes))
    finally:
        tape.close()
        release_level()
    seeds: dict = {}
    for out, cot in zip(outputs, g):
        if cot is not None and type(out) is Box and out.trace is tape:
            seeds[out.node] = cot if out.node not in seeds else _accumulate(seeds[out.node], cot)
    watched = [b for b in boxes if type(b) is Box and b.trace is tape]
    grads = backward_from(tape, seeds, [b.node for b in watched]) if seeds and watched else []
    by_node = {b.node: gr for b, gr in zip(watched, grads)}
    return [by_node.get(b.node) if type(b) is Box and b.trace is tape else None for b in boxes]


def _differentiable(value: Any) -> bool:
    return isinstance(value, Tracer) or (is_numeric(value) and not isinstance(strip(value), bool))


def checkpointed(frame_of: Callable[[list], list], segments: Callable[[list], list], in_slots: list,
                 out_slots: list, after_segment: Callable[[list], None]) -> Callable[[list], None]:
    """The statement `with checkpoint:` as a closure over frames.

    `segments(f)` lists the block's segments, each a function that runs its share of the
    block on a frame; the block's variables in `in_slots` are each segment's inputs and those
    in `out_slots` its outputs.
    """
    def run(f):
        frame = frame_of(f)
        for advance in segments(f):
            slots = [s for s in in_slots if frame[s] is not UNSET]

            def segment(values, advance=advance, slots=slots):
                for s, v in zip(slots, values):
                    frame[s] = v
                advance(frame)
                return tuple(frame[s] for s in out_slots)

            before = tuple(frame[s] for s in slots)
            outputs = run_segment(segment, before)
            for s, v in zip(slots, before):         # the plain run overwrote the recorded inputs
                frame[s] = v
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
