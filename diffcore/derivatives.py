"""Derivatives of a whole program with respect to its inputs (what `autodiff grad` computes).

One run records the tape; then one backward sweep gives the gradient of a
scalar output, the vector-Jacobian product for a given cotangent, or one row
of the Jacobian of an array output (one sweep per output element, all over
the same recording).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .engine import diagnostics
from .engine.broadcasting import sum_, value_shape
from .engine.context import Limits, RunContext
from .engine.kinds import shape_text
from .engine.errors import ShapeError
from .engine.numeric import look_at_clock
from .program import Program, RunResult, UsageError, discard, plain_output
from .engine.reverse import Box, ReverseTrace, backward
from .engine.tracing import strip


# The most entries a derivative tensor (a Jacobian, a Hessian, an order-k tensor) may have: each
# entry of a Jacobian costs a share of a backward sweep, or of a forward pass.
MAX_TENSOR_ENTRIES = 1_000_000


def check_tensor_size(entries: int, what: str, hint: str) -> None:
    if entries > MAX_TENSOR_ENTRIES:
        raise UsageError(f"{what} would have {entries:,} entries (more than {MAX_TENSOR_ENTRIES:,})", hint=hint)


# Evaluation and Derivatives are plain classes with the behaviour of the (mutable) dataclasses
# they were: `dataclasses` costs about a millisecond at every start of the command
# (docs/performance.md, case 1).

class Evaluation:
    """The result of running a program at one point (what `autodiff eval` prints)."""

    def __init__(self, inputs: dict, output: Any, output_name: Optional[str], warnings: Optional[list] = None):
        self.inputs = inputs
        self.output = output
        self.output_name = output_name
        self.warnings = [] if warnings is None else warnings

    def _fields(self) -> tuple:
        return (self.inputs, self.output, self.output_name, self.warnings)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        return (f"Evaluation(inputs={self.inputs!r}, output={self.output!r}, output_name={self.output_name!r}, "
                f"warnings={self.warnings!r})")


class Derivatives:
    """The result of differentiating a program at one point.

    kind: 'gradient' (a scalar output, or the sum of an array output with --sum),
          'jacobian' (an array output: each entry has shape output.shape + input.shape),
          'vjp'      (an array output contracted with a given cotangent).
    warnings: diagnostics.Diagnostic (kinks, non-finite results).
    summed: the output is the sum of the program's array output.
    """

    _FIELDS = ("inputs", "output", "output_name", "wrt", "kind", "derivatives", "tape_length", "warnings",
               "summed")

    def __init__(self, inputs: dict, output: Any, output_name: Optional[str], wrt: list, kind: str,
                 derivatives: Optional[dict] = None, tape_length: int = 0, warnings: Optional[list] = None,
                 summed: bool = False):
        self.inputs = inputs
        self.output = output
        self.output_name = output_name
        self.wrt = wrt
        self.kind = kind
        self.derivatives = {} if derivatives is None else derivatives
        self.tape_length = tape_length
        self.warnings = [] if warnings is None else warnings
        self.summed = summed

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"Derivatives({inner})"


def evaluate(program: Program, at: dict, of: Optional[str] = None,
             limits: Optional[Limits] = None, print_fn=None) -> Evaluation:
    with RunContext(limits) as context:
        result = program.run(at, limits, print_fn=print_fn, of=of, context=context)
        output = strip(result.output)
        warnings = []
        if not diagnostics.all_finite(output):
            # Run again, recording (no sweep: an array output's would be a Jacobian), to find the
            # first operation that went non-finite, within this run's deadline.
            silent = Differentiator(program, of=of, limits=limits, print_fn=discard)
            warnings = [silent.non_finite_value(at, output, context)]
    return Evaluation(result.inputs, output, result.output_name, warnings)


def resolve_wrt(program: Program, wrt: Optional[list]) -> list:
    names = program.input_names
    if not wrt:
        return names
    for name in wrt:
        if name not in names:
            from .engine.errors import did_you_mean
            raise UsageError(f"--wrt {name}: {program.source.filename} has no input named '{name}' "
                             f"(its inputs: {', '.join(names) or 'none'})", hint=did_you_mean(name, names))
    return list(dict.fromkeys(wrt))


class Differentiator:
    """Reverse-mode derivatives of a program's output, set up once and taken at many points.

    Everything that does not depend on the point (which inputs are watched, the
    limits, the seed) is settled here; `__call__(at)` records one run and sweeps it.
    """

    def __init__(self, program: Program, wrt: Optional[list] = None, of: Optional[str] = None,
                 cotangent: Any = None, reduce_sum: bool = False, limits: Optional[Limits] = None,
                 print_fn=None, observer=None, fuse: bool = True, keep_all: bool = False,
                 scalar_only: bool = False):
        self.program = program
        self.scalar_only = scalar_only      # an array output is an error, not a Jacobian (the API's grad)
        self.fuse = fuse            # record scalar expressions as fused entries (see fusion.py)
        # Keep every operand and result on the tape, not only what the derivative rules read
        # (see reverse.py); the diagnostics record again with it to scan the values.
        self.keep_all = keep_all
        self.wrt = resolve_wrt(program, wrt)
        self.watched = frozenset(self.wrt)
        self.of = of
        self.cotangent = None if cotangent is None else np.asarray(cotangent, dtype=np.float64)
        self.reduce_sum = reduce_sum
        self.limits = limits or Limits()
        self.print_fn = print_fn
        self.observer = observer

    def __call__(self, at: dict) -> Derivatives:
        with RunContext(self.limits) as context:
            return self._differentiate(at, context)

    def _record(self, at: dict, keep_all: bool, print_fn, context: RunContext) -> tuple:
        """One recorded run: (tape, run result, output, its plain value, summed, input boxes, kinks noted)."""
        watched, boxes = self.watched, {}
        # reverse.recording() by hand: its context manager costs ~5 us, which shows per point.
        tape = ReverseTrace(context.next_level(), context)
        tape.fuse = self.fuse
        if keep_all:            # (only ever turned on here: a tape may keep everything by itself)
            tape.keep_all = True
        context.listen()
        try:
            def watch(name, value):
                if name not in watched:
                    return value
                box = boxes[name] = tape.new_input(value, name)
                return box

            result: RunResult = self.program.run(at, self.limits, watch=watch, print_fn=print_fn, of=self.of,
                                                 context=context)
            output = result.output
            out_value = plain_output(output)
            summed = self.reduce_sum and type(out_value) is np.ndarray
            if summed:
                output = sum_(output, axis=None)
                out_value = plain_output(output)
        finally:
            tape.close()
            context.release_level()
            noted = context.stop_listening()
        return tape, result, output, out_value, summed, boxes, noted

    def _differentiate(self, at: dict, context: RunContext) -> Derivatives:
        tape, result, output, out_value, summed, boxes, noted = self._record(at, self.keep_all, self.print_fn,
                                                                             context)
        names = [n for n in self.wrt if n in boxes]
        nodes = [boxes[n].node for n in names]
        out_shape = value_shape(out_value)
        depends = type(output) is Box and output.trace is tape

        def sweep(seed):
            if not depends:
                return [None] * len(nodes)      # the output does not depend on any watched input
            return backward(tape, output.node, seed, nodes, self.observer)

        if self.cotangent is not None:
            seed = self.cotangent
            if seed.shape != out_shape:
                raise ShapeError(f"--vjp: the cotangent has shape {shape_text(seed.shape)} but the output "
                                 f"has shape {shape_text(out_shape)}", hint="give one number per output element")
            grads = sweep(seed if out_shape else float(seed))
            derivatives = {n: _as_shape(g, value_shape(boxes[n].value)) for n, g in zip(names, grads)}
            kind = "vjp"
        elif not out_shape:
            grads = sweep(1.0)
            derivatives = {n: _as_shape(g, value_shape(boxes[n].value)) for n, g in zip(names, grads)}
            kind = "gradient"
        elif self.scalar_only:
            raise UsageError(f"grad needs a scalar output, but the output has shape {shape_text(out_shape)}",
                             hint="use jacobian() or vjp(cotangent=...), or select a scalar with of=NAME")
        else:
            # One sweep per output element: refused before sweeping when there would be too many
            # (the same cap as `autodiff jacobian`), and each sweep within the run's deadline.
            check_tensor_size(int(np.size(out_value)) * sum(int(np.size(boxes[n].value)) for n in names),
                              "the Jacobian", "use --vjp V or --sum for one sweep, or --wrt to select fewer inputs")
            rows: dict[str, list] = {n: [] for n in names}
            for index in np.ndindex(out_shape):
                look_at_clock(context)
                seed = np.zeros(out_shape)
                seed[index] = 1.0
                for n, g in zip(names, sweep(seed)):
                    rows[n].append(_as_shape(g, value_shape(boxes[n].value)))
            derivatives = {n: np.array(rows[n]).reshape(out_shape + value_shape(boxes[n].value))
                           for n in names}
            kind = "jacobian"
        if len(derivatives) != len(self.wrt):
            for name in self.wrt:
                if name not in derivatives:         # an input the run never reached
                    value = result.inputs.get(name, at.get(name, 0.0))
                    derivatives[name] = np.zeros(np.shape(value)) if np.ndim(value) else 0.0
            derivatives = {n: derivatives[n] for n in self.wrt}
        warnings = noted + diagnostics.kinks_on_tape(tape)
        if not diagnostics.all_finite(out_value):
            warnings.append(self.non_finite_value(at, out_value, context, None if tape.dropped else tape))
        elif depends and not diagnostics.all_finite(derivatives):
            seed = self.cotangent if self.cotangent is not None else (
                1.0 if not out_shape else np.ones(out_shape))
            # (the sweep reads only what the rules read, which the tape kept)
            found = diagnostics.first_non_finite_derivative(tape, output.node, seed, nodes)
            warnings.append(found or diagnostics.Diagnostic(
                "non-finite", "gradient", "a derivative is not finite", None))
        return Derivatives(result.inputs, out_value, result.output_name, self.wrt, kind, derivatives,
                           len(tape), warnings, summed)

    def non_finite_value(self, at: dict, out_value: Any, context: RunContext,
                         tape: Optional[ReverseTrace] = None) -> diagnostics.Diagnostic:
        """The warning of an output that is not finite: the first recorded operation that produced a
        non-finite value, scanning `tape` if it kept every value, else a run recorded again (quietly)
        keeping them; the output itself when no recorded value is at fault."""
        scanned = tape if tape is not None else self._record(at, True, discard, context)[0]
        found = diagnostics.first_non_finite_value(scanned)
        return found or diagnostics.Diagnostic(
            "non-finite", "output", f"the output is {diagnostics.short_text(out_value)}", None)


def _as_shape(g: Any, shape: tuple) -> Any:
    """A cotangent as a plain value of exactly `shape` (None means zero)."""
    if g is None:
        return np.zeros(shape) if shape else 0.0
    g = strip(g)
    if value_shape(g) != shape:
        return np.broadcast_to(g, shape).astype(np.float64) if shape else float(g)
    return g


def differentiate(program: Program, at: dict, wrt: Optional[list] = None, of: Optional[str] = None,
                  cotangent: Any = None, reduce_sum: bool = False, limits: Optional[Limits] = None,
                  print_fn=None, observer=None) -> Derivatives:
    """Reverse-mode derivatives of the program's output with respect to the inputs in `wrt`."""
    return Differentiator(program, wrt, of, cotangent, reduce_sum, limits, print_fn, observer)(at)
