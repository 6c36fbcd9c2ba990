"""`jvp` and `hessian` at many points at once (`--points`), as blocks.py computes eval and grad.

One point alone views the program as a function of one flat vector z of the inputs it
differentiates (higher.ProgramFunction). A block does the same with one z per lane, stacked
(lanes, n), and runs the very operations each point runs, with the lanes on top of them, so
that every number is the one its point computes alone:

- jvp: one forward pass, z's tangent the direction (the same in every lane);
- hessian: forward-over-reverse as higher.derivative_tensors does it, z's tangent a batch of
  the n basis directions (batching.py), the block's reverse sweep seeded with a one per lane:
  the gradient of each lane is the sweep's value, its Hessian the tangents of that gradient,
  one column per direction. Levels, lowest first: the batch of directions, the forward
  trace, the tape, the lanes.

A point's warnings come from diagnostics of its own: jvp's from its forward pass (kinks and
ties noted as it goes; a non-finite output or J·v), hessian's from the recorded run of its
forward-over-reverse. The block checks the same things: a kink or a tie in any lane sends the
block one point at a time (as grad's blocks do), a lane whose results are not all finite is
computed alone (PerPoint). What cannot run in lanes falls back per point through
blocks.run_block (conditions that split, printing, errors, limits); so does a Hessian of one
input element, which a point takes by Taylor mode (or one plain forward pass).
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from autodiff.grammar.source import ProgramError

from .blocks import LaneResults, Lanewise, PerPoint, lane_inputs_of, recorded_run, run_block
from .derivatives import MAX_TENSOR_ENTRIES, resolve_wrt
from .engine.kinkwatch import KinkWatch
from .engine.batching import ELEMENT_BUDGET, Batched, BatchTrace, ChunkTooLarge
from .engine.context import Limits, RunContext
from .engine.forward import Dual, ForwardTrace
from .engine.lanes import Lanes, LaneTrace, Split, Unbatchable
from .engine.reverse import Box, ReverseTrace, backward
from .engine.tracing import strip
from .higher import HigherResult, ProgramFunction


# The most elements of z's tangents in one block of Hessians (n directions x lanes x n, 8 MiB):
# past it a block is halved, which bounds the memory of the tape's values for many inputs.
# Measured on Rosenbrock with 40 inputs: 2^20 and 2^22 equally fast (1.8x one point at a time),
# 2^16 slower than one point at a time (too few lanes per operation).
HESSIAN_ELEMENTS = 2 ** 20


class HigherLanes:
    """The block computations of jvp and hessian: `jvp` and `hessian` compute a block, or raise
    Split/Unbatchable/PerPoint/the program's error (see blocks.run_block)."""

    def __init__(self, program, wrt: Optional[list], of: Optional[str], limits: Optional[Limits]):
        self.program, self.of, self.limits = program, of, limits or Limits()
        self.lanewise = Lanewise(program, self.limits, of)
        try:
            self.wrt = resolve_wrt(program, wrt)
        except ProgramError:
            self.wrt = None         # each point reports the unknown name

    def _layout(self, inputs: dict, stacked: dict, size: int) -> tuple:
        """(z's layout as each point has it, the block's z: one row per lane)."""
        if self.wrt is None:
            raise Unbatchable("--wrt names an input the program does not have")
        names = [n for n in self.wrt if n in inputs]        # the inputs the run reached
        shapes = {n: stacked[n].shape[1:] if n in stacked else np.shape(inputs[n]) for n in names}
        fn = ProgramFunction.laid_out(names, shapes)
        rows = [stacked[n].reshape(size, -1) if n in stacked else np.tile(np.reshape(inputs[n], -1), (size, 1))
                for n in names]
        z = np.concatenate(rows, axis=1) if rows else np.zeros((size, 0))
        return fn, z

    def _run_on(self, fn: ProgramFunction, z: Lanes, ats: list, stacked: dict, context: RunContext) -> Any:
        """The program's run with the inputs of `fn` taken from z (a lane value), as
        ProgramFunction.__call__ runs it; the other inputs given by the points are lanes too."""
        values = fn.unpack(z)
        lanes = z.trace

        def watch(name, value):
            if name in values:
                return values[name]
            held = stacked.get(name)
            return value if held is None else Lanes(held, lanes)
        return self.lanewise._run(ats, stacked, context, watch)

    # -------------------------------------------------------------- jvp

    def jvp(self, direction: dict, ats: list, stacked: dict) -> LaneResults:
        size = len(ats)
        with RunContext(self.limits) as context:
            context.lanes_exact = size
            result, out = self.lanewise.plain(ats, stacked, context)
            fn, z = self._layout(result.inputs, stacked, size)
            try:
                v = fn.pack(direction, "--direction")
            except ProgramError:
                raise Unbatchable("the direction does not fit the inputs") from None
            # One forward pass, noting kinks as one point's does (engine/kinkwatch.py): a kink or
            # a tie in any lane sends the block one point at a time, each reporting its own.
            forward = KinkWatch(context.next_level(), context)
            lanes = LaneTrace(context.next_level(), size, context)
            context.listen()
            try:
                ran = self._run_on(fn, Lanes(Dual(z, np.tile(v, (size, 1)), forward), lanes), ats, stacked, context)
            finally:
                forward.close()
                context.release_level()
                context.release_level()
                noted = context.stop_listening()
            if noted or forward.kinks:
                raise Unbatchable("a kink or a tie in some lane")
        tangent = _output_tangent(ran.output, forward, out.shape)
        finite = _lanes_finite(out, size) & _lanes_finite(tangent, size)
        inputs, name = result.inputs, result.output_name

        def build(pick: Callable) -> HigherResult:
            return HigherResult(lane_inputs_of(inputs, stacked, pick), pick(out), name, fn.wrt, "jvp",
                                value=pick(tangent))
        return _finished(LaneResults(size, build), finite)

    # -------------------------------------------------------------- hessian

    def hessian(self, ats: list, stacked: dict) -> LaneResults:
        size = len(ats)
        with RunContext(self.limits) as context:
            context.lanes_exact = size
            result, out = self.lanewise.plain(ats, stacked, context)
            if out.ndim != 1:
                raise Unbatchable("an array output: each point reports that a Hessian needs a scalar")
            fn, z = self._layout(result.inputs, stacked, size)
            n = fn.size
            if n <= 1:
                raise Unbatchable("one input element: Taylor mode or one forward pass, one point at a time")
            if n * n > MAX_TENSOR_ENTRIES:
                raise Unbatchable("a Hessian over the size limit: each point reports it")
            if n * n * size > HESSIAN_ELEMENTS and size > 1:
                raise Split(np.arange(size) < size // 2)       # half the lanes at a time
            gradient, tangents = self._forward_over_reverse(fn, z, ats, stacked, context)
        hessian = tangents.transpose(1, 2, 0)       # lane l: H[i, j] = the tangent along j of g[i]
        finite = _lanes_finite(out, size) & _lanes_finite(gradient, size) & _lanes_finite(hessian, size)
        orders = {1: fn.blocks(gradient, (size,), 1), 2: fn.blocks(hessian, (size,), 2)}
        inputs, name = result.inputs, result.output_name

        def build(pick: Callable) -> HigherResult:
            return HigherResult(lane_inputs_of(inputs, stacked, pick), pick(out), name, fn.wrt, "hessian",
                                {k: {names: pick(column) for names, column in blocks.items()}
                                 for k, blocks in orders.items()})
        return _finished(LaneResults(size, build), finite)

    def _forward_over_reverse(self, fn: ProgramFunction, z: np.ndarray, ats: list, stacked: dict,
                              context: RunContext) -> tuple:
        """(the lanes' gradients (lanes, n), their tangents along the n basis directions
        (n, lanes, n)), by transforms.jacobian_forward of transforms.grad with lanes on top."""
        size, n = z.shape
        directions = np.zeros((n, size, n))
        directions[np.arange(n), :, np.arange(n)] = 1.0
        batch = BatchTrace(context.next_level(), n, ELEMENT_BUDGET)
        forward = ForwardTrace(context.next_level())
        try:
            tape = ReverseTrace(context.next_level(), context)
            lanes = LaneTrace(context.next_level(), size, context)
            box = tape.new_input(Dual(z, Batched(directions, batch), forward))
            ran = recorded_run(lambda: self._run_on(fn, Lanes(box, lanes), ats, stacked, context), tape, context)
            output = ran.output
            if output.__class__ is not Lanes or output.value.__class__ is not Box or output.value.trace is not tape:
                raise Unbatchable("the output does not depend on the inputs in lanes")
            g, = backward(tape, output.value.node, np.ones(size), [box.node])
        except ChunkTooLarge as exc:
            if exc.trace is not batch or size == 1:
                raise
            raise Split(np.arange(size) < size // 2) from None     # half the lanes at a time
        finally:
            forward.close()
            context.release_level()
            context.release_level()
        if g.__class__ is Dual and g.trace is forward:
            gradient, tangent = strip(g.value), g.tangent
        else:
            gradient, tangent = strip(g) if g is not None else np.zeros((size, n)), 0.0
        gradient = np.broadcast_to(np.asarray(gradient, np.float64), (size, n))
        if tangent.__class__ is Batched and tangent.trace is batch:
            tangent = tangent.value
        return gradient, np.broadcast_to(np.asarray(strip(tangent), np.float64), (n, size, n))


def _output_tangent(output: Any, forward: ForwardTrace, shape: tuple) -> np.ndarray:
    """The output's tangent in every lane (lanes, ...) as transforms.jvp gives each point's."""
    if output.__class__ is Lanes:
        inner = output.value
        if inner.__class__ is Dual and inner.trace is forward:
            tangent = strip(inner.tangent)
            return np.broadcast_to(np.asarray(tangent, np.float64), shape)
        if isinstance(inner, (Dual, Box, Batched)):
            raise Unbatchable("the output is traced by another trace")
        return np.zeros(shape)
    if output.__class__ is float:
        return np.zeros(shape)
    raise Unbatchable("the output is not a number of each point")


def _lanes_finite(column: np.ndarray, size: int) -> np.ndarray:
    return np.isfinite(column.reshape(size, -1)).all(axis=1) if column.ndim > 1 else np.isfinite(column)


def _finished(results: LaneResults, finite: np.ndarray) -> LaneResults:
    """The results, or PerPoint for the lanes not finite (each point reports its own warning)."""
    if not finite.all():
        raise PerPoint([i for i in range(len(results)) if not finite[i]], results)
    return results


# ------------------------------------------------------------------ the API

def jvp_many(program, ats: list, direction: dict, wrt=None, of: Optional[str] = None,
             limits: Optional[Limits] = None, one: Optional[Callable[[dict], Any]] = None,
             lazy: bool = False) -> list:
    """higher.directional at each point of `ats` (the same direction at all), many at once: each
    point's HigherResult or ProgramError (or, with `lazy`, a Lane: see blocks.run_block)."""
    from .higher import directional
    block = HigherLanes(program, wrt or None, of, limits)
    one = one or (lambda at: directional(program, at, direction, wrt=wrt, of=of, limits=limits))
    return run_block(ats, lambda points, stacked: block.jvp(direction, points, stacked), one, lazy)


def hessian_many(program, ats: list, wrt=None, of: Optional[str] = None, limits: Optional[Limits] = None,
                 one: Optional[Callable[[dict], Any]] = None, lazy: bool = False) -> list:
    """higher.derivative_tensors of order 2 at each point of `ats`, many at once (see jvp_many)."""
    from .higher import derivative_tensors
    block = HigherLanes(program, wrt, of, limits)
    one = one or (lambda at: derivative_tensors(program, at, 2, wrt=wrt, of=of, limits=limits))
    return run_block(ats, block.hessian, one, lazy)
