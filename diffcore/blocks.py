"""Many points at once: a block of points computed by one run of the program (`--points`).

A block's inputs are stacked, one lane per point (engine/lanes.py), and the
program runs once over them: every primitive through its batching rule, the
gradient by one reverse sweep of the block's tape (the gradient of the sum of
the points' outputs is each point's gradient, since the points are
independent). The results are those of one point at a time, bit for bit:

- a condition that differs between lanes (`if`, `while`, `and`, ...) splits
  the block: each side runs again from the start, as a block of its own, so
  that every block follows one path (and counts the steps each of its points
  counts, for --max-steps);
- a fused expression whose check fails in some lanes splits the same way;
- a lane whose output or gradient is not finite is computed on its own (its
  warning names the first operation that went non-finite);
- a kink, a tie, a program error, a limit, or a construct the lanes cannot run
  (printing, reading one point's value as an index, a custom rule, ...) sends
  the points concerned to one-at-a-time execution: an error's block is halved
  until the failing points are alone, the rest stay batched.

`run_block(ats, attempt, one)` returns, for each point, its result or the
ProgramError one-at-a-time execution raises for it. jvp and hessian blocks
(blocks_higher.py) run through it too.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Optional

import numpy as np

from autodiff.grammar.source import ProgramError

from .engine import diagnostics
from .engine.context import RunContext
from .engine.errors import LimitExceeded
from .engine.lanes import Lanes, LaneTrace, Split, Unbatchable
from .engine.numeric import ndarray
from .engine.reverse import Box, ReverseTrace, backward
from .lanecolumns import BlockResults, Columns, _lane
from .program import as_input_value

# Points per block: large enough that numpy, not the interpreter, does most of the work.
BLOCK = 8192


class PerPoint(Exception):
    """Lanes that must be computed one at a time (non-finite results): their indices in the block."""

    def __init__(self, lanes: list, results: list):
        super().__init__(f"{len(lanes)} lanes")
        self.lanes = lanes
        self.results = results


def _refuse_print(text: str) -> None:
    raise Unbatchable("the program prints")


def stack(ats: list) -> Optional[dict]:
    """The block's inputs, one array per name with the points along its first axis; None when the
    points do not all give the same names with the same shapes."""
    first = ats[0]
    out = {}
    for name, value in first.items():
        try:
            column = [at[name] for at in ats]
        except KeyError:
            return None
        if value.__class__ is float and all(v.__class__ is float for v in column):
            out[name] = np.array(column, dtype=np.float64)
            continue
        shape = np.shape(value)
        if any(np.shape(v) != shape for v in column):
            return None
        out[name] = np.array([as_input_value(v, name) for v in column], dtype=np.float64)
    if any(len(at) != len(first) for at in ats):
        return None
    return out


def lane_inputs_of(result_inputs: dict, stacked: dict, pick: Callable) -> dict:
    """One lane's inputs as its own run reports them: given values (picked from the block's
    stacked inputs), else the (common) defaults."""
    return {k: pick(stacked[k]) if k in stacked else v for k, v in result_inputs.items()}


def marker(k: int) -> float:
    """The k-th marker number of LaneResults.pattern: finite, distinct, and unlikely in any result."""
    return float(f"-7.1{k:07d}3e-301")


class LaneResults:
    """The results of a block computed over lanes, kept as columns: `[i]` builds lane i's result
    (an Evaluation or Derivatives); `pattern()` builds one result whose numbers are markers, with
    the column each marker stands for, so that a caller can write all the lanes' results at once
    (cli/points/reading.py, cli/points/blockwrite.py) without building them one by one.

    `build(pick)` makes a result, taking each number or array that differs between lanes from its
    column (lanes along the first axis) with `pick(column)`."""

    def __init__(self, size: int, build: Callable[[Callable], Any]):
        self.size, self.build = size, build

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> Any:
        return self.build(lambda column: _lane(column, i))

    def pattern(self) -> tuple:
        """(a result whose numbers from columns are markers, [(marker, that number in every lane)])."""
        slots: list = []

        def pick(column: np.ndarray) -> Any:
            flat = column.reshape(self.size, -1)
            markers = []
            for j in range(flat.shape[1]):
                markers.append(marker(len(slots)))
                slots.append((markers[-1], flat[:, j]))
            return markers[0] if column.ndim == 1 else np.array(markers).reshape(column.shape[1:])
        return self.build(pick), slots


class Lane:
    """Lane `index` of a LaneResults (run_block's lazy results)."""
    __slots__ = ("block", "index")

    def __init__(self, block: LaneResults, index: int):
        self.block, self.index = block, index

    def result(self) -> Any:
        return self.block[self.index]


def _lane_values(output: Any, size: int, tape: Optional[ReverseTrace]) -> tuple:
    """(the output's lanes as a float array, its node on `tape` or None)."""
    if output.__class__ is Lanes:
        inner = output.value
        if inner.__class__ is Box:
            if inner.trace is not tape:
                raise Unbatchable("the output is traced by another trace")
            held, node = inner.value, inner.node
        else:
            held, node = inner, None
        if held.__class__ is not ndarray or held.dtype != np.float64:
            raise Unbatchable("the output is not numbers")
        return held, node
    if output.__class__ is float:
        return np.full(size, output), None
    raise Unbatchable("the output is not a number of each point")


class Lanewise:
    """One program run over many points: `evaluate` and `gradient` compute a block, or raise
    Split/Unbatchable/PerPoint/the program's error."""

    def __init__(self, program, limits, of: Optional[str]):
        self.program, self.limits, self.of = program, limits, of

    def _run(self, ats: list, stacked: dict, context: RunContext, watch) -> Any:
        return self.program.run(ats[0], self.limits, watch=watch, print_fn=_refuse_print, of=self.of,
                                context=context)

    def plain(self, ats: list, stacked: dict, context: RunContext) -> tuple:
        """One run of the block without derivatives, inside `context`: (its RunResult, the output's
        lanes as a float array, the points along its first axis)."""
        size = len(ats)
        lanes = LaneTrace(context.next_level(), size, context)
        try:
            result = self._run(ats, stacked, context,
                               lambda name, value: Lanes(stacked[name], lanes) if name in stacked else value)
        finally:
            context.release_level()
        output = result.output
        if output.__class__ is Lanes:
            held = output.plain()
            if held.__class__ is not ndarray or held.dtype != np.float64:
                raise Unbatchable("the output is not numbers")
        elif output.__class__ is float:
            held = np.full(size, output)
        else:
            raise Unbatchable("the output is not a number or an array of each point")
        return result, held

    def evaluate(self, ats: list, stacked: dict) -> list:
        from .derivatives import Evaluation
        size = len(ats)
        with RunContext(self.limits) as context:
            context.lanes_exact = size
            result, held = self.plain(ats, stacked, context)
        finite = np.isfinite(held) if held.ndim == 1 else np.isfinite(held.reshape(size, -1)).all(axis=1)
        inputs = result.inputs

        def build(pick: Callable) -> Evaluation:
            return Evaluation(lane_inputs_of(inputs, stacked, pick), pick(held), result.output_name, [])
        results = LaneResults(size, build)
        if not finite.all():
            raise PerPoint([i for i in range(size) if not finite[i]], results)
        return results

    def recorded(self, d, ats: list, stacked: dict, context: RunContext) -> tuple:
        """One run of the block recorded for reverse mode by the Differentiator `d`'s settings,
        inside `context`: (the tape, the RunResult, the watched inputs' boxes by name). A kink
        or a tie in any lane is Unbatchable (each point reports its own)."""
        size = len(ats)
        boxes: dict = {}
        tape = ReverseTrace(context.next_level(), context)
        tape.fuse = d.fuse
        lanes = LaneTrace(context.next_level(), size, context)

        def watch(name, value):
            held = stacked.get(name)
            if name in d.watched:
                if held is None:            # a default: the same in every lane
                    held = np.repeat(np.asarray(value, np.float64)[None], size, axis=0)
                boxes[name] = box = tape.new_input(held, name)
                return Lanes(box, lanes)
            return value if held is None else Lanes(held, lanes)
        return tape, recorded_run(lambda: self._run(ats, stacked, context, watch), tape, context), boxes

    def gradient(self, differentiator, ats: list, stacked: dict) -> list:
        from .derivatives import Derivatives
        d = differentiator
        if d.cotangent is not None or d.reduce_sum:
            raise Unbatchable("--vjp and --sum run one point at a time")
        size = len(ats)
        with RunContext(self.limits) as context:
            context.lanes_exact = size
            tape, result, boxes = self.recorded(d, ats, stacked, context)
            out, node = _lane_values(result.output, size, tape)
            if out.ndim != 1:
                raise Unbatchable("an array output (a Jacobian) runs one point at a time")
            names = [n for n in d.wrt if n in boxes]
            grads = (backward(tape, node, np.ones(size), [boxes[n].node for n in names]) if node is not None
                     else [None] * len(names))
        columns = {}
        finite = np.isfinite(out)
        for name, g in zip(names, grads):
            shape = boxes[name].value.shape
            g = np.zeros(shape) if g is None else np.broadcast_to(np.asarray(g, np.float64), shape)
            columns[name] = g
            finite &= np.isfinite(g.reshape(size, -1)).all(axis=1)
        inputs = result.inputs

        def build(pick: Callable) -> Derivatives:
            values = lane_inputs_of(inputs, stacked, pick)
            derivatives = {}
            for name in d.wrt:
                column = columns.get(name)
                if column is not None:
                    derivatives[name] = pick(column)
                else:                   # an input the run never reached
                    shape = np.shape(values[name]) if name in values else np.shape(stacked[name][0]) \
                        if name in stacked else ()
                    derivatives[name] = np.zeros(shape) if shape else 0.0
            return Derivatives(values, pick(out), result.output_name, d.wrt, "gradient", derivatives, steps, [],
                               False)
        steps = len(tape)
        results = LaneResults(size, build)
        if not finite.all():
            raise PerPoint([i for i in range(size) if not finite[i]], results)
        return results


def recorded_run(run: Callable[[], Any], tape: ReverseTrace, context: RunContext) -> Any:
    """`run()` recorded on `tape`, whose level is just below the lanes' (the top two): its result,
    with the tape closed and both levels released; Unbatchable if a kink or a tie was met in any
    lane (each point must report its own)."""
    context.listen()
    try:
        result = run()
    finally:
        tape.close()
        context.release_level()
        context.release_level()
        noted = context.stop_listening()
    if noted or diagnostics.kinks_on_tape(tape):
        raise Unbatchable("a kink or a tie in some lane")
    return result


def run_block(ats: list, attempt: Callable[[list, dict], LaneResults], one: Callable[[dict], Any],
              lazy: bool = False) -> list:
    """Each point's result (or the ProgramError it raises), computed as many at once as exactness allows.

    `attempt(ats, stacked)` computes a block over lanes (raising Split, Unbatchable, PerPoint or
    a program error); `one(at)` computes one point. With `lazy`, a point computed in lanes is
    given as a Lane (its result is built on demand, or its block written at once).
    """
    take = Lane if lazy else (lambda block, k: block[k])
    results = BlockResults([None] * len(ats))

    def single(i):
        try:
            results[i] = one(ats[i])
        except ProgramError as exc:
            results[i] = exc

    budget = 8 + len(ats) // 8      # batched runs of this block before the rest goes one by one
    # Each pending block: its lanes, and its stacked inputs once known (a part of a block takes
    # its part of the block's stacked inputs rather than stacking its points again).
    columnar = ats.__class__ is Columns      # one signature, stacked already: no dict per point
    pending: list = ([(list(range(len(ats))), ats.stacked())] if columnar else
                     [(lanes, None) for lanes in reversed(_by_signature(ats, range(len(ats))))])
    while pending:
        lanes, stacked = pending.pop()
        if len(lanes) == 1 or budget <= 0:
            for i in lanes:
                single(i)
            continue
        budget -= 1
        block = ats.part(lanes) if columnar else [ats[i] for i in lanes]
        stacked = stack(block) if stacked is None else stacked
        if stacked is None:
            for i in lanes:
                single(i)
            continue
        try:
            out = attempt(block, stacked)
        except Split as split:
            mask = np.asarray(split.mask, dtype=bool)
            chosen = np.asarray(lanes)
            for part in (~mask, mask):
                pending.append((chosen[part].tolist(), {k: v[part] for k, v in stacked.items()}))
            continue
        except PerPoint as some:
            for k, i in enumerate(lanes):
                results[i] = take(some.results, k)
            results.groups.append((some.results, lanes))
            results.alone += len(some.lanes)
            for k in some.lanes:
                single(lanes[k])
            continue
        except LimitExceeded:
            for i in lanes:
                single(i)
            continue
        except ProgramError:
            half = len(lanes) // 2          # the failing points end up alone; the rest stay batched
            pending.append((lanes[half:], {k: v[half:] for k, v in stacked.items()}))
            pending.append((lanes[:half], {k: v[:half] for k, v in stacked.items()}))
            continue
        except (Unbatchable, Exception):
            for i in lanes:
                single(i)
            continue
        made = list(map(take, itertools.repeat(out, len(lanes)), range(len(lanes))))
        if lanes[-1] - lanes[0] == len(lanes) - 1:         # in order, side by side: one slice
            results[lanes[0]:lanes[-1] + 1] = made
        else:
            for i, result in zip(lanes, made):
                results[i] = result
        results.groups.append((out, lanes))
    results.alone = len(results) - sum(len(lanes) for _, lanes in results.groups) + results.alone
    return results


def _by_signature(ats: list, lanes: Iterable) -> list:
    """The lanes grouped by the names and shapes of their inputs, in order of first appearance."""
    groups: dict = {}
    for i in lanes:
        key = tuple((k, () if v.__class__ is float else v.shape if v.__class__ is ndarray else np.shape(v))
                    for k, v in ats[i].items())
        groups.setdefault(key, []).append(i)
    return list(groups.values())


# ------------------------------------------------------------------ the API

def evaluate_many(program, ats: list, of: Optional[str] = None, limits=None,
                  one: Optional[Callable[[dict], Any]] = None, lazy: bool = False) -> list:
    """`evaluate` at each point of `ats`, many at once: each point's Evaluation or ProgramError
    (or, with `lazy`, a Lane for a point computed in lanes: see run_block).
    `one(at)` computes a point alone (by default `evaluate`; the CLI's also captures printing)."""
    from .derivatives import evaluate
    from .engine.context import Limits
    lanewise = Lanewise(program, limits or Limits(), of)
    one = one or (lambda at: evaluate(program, at, of=of, limits=limits))
    return run_block(ats, lanewise.evaluate, one, lazy)


def differentiate_many(differentiator, ats: list, one: Optional[Callable[[dict], Any]] = None,
                       lazy: bool = False) -> list:
    """`differentiator(at)` at each point of `ats`, many at once: each point's Derivatives or
    ProgramError (or a Lane, with `lazy`: see run_block)."""
    # A compiled.run.Runner runs single points through generated code; blocks run on its tape's
    # Differentiator (lanes are the array-speed path), single points still through the Runner.
    d = getattr(differentiator, "tape", differentiator)
    lanewise = Lanewise(d.program, d.limits, d.of)
    return run_block(ats, lambda block, stacked: lanewise.gradient(d, block, stacked), one or differentiator, lazy)
