"""Higher-order and forward-mode derivatives of a whole program.

The program is viewed as a function of one flat vector z holding all the
inputs being differentiated (`ProgramFunction`); the generic transforms of
`transforms.py` then give Hessians (forward-over-reverse), derivative tensors
of any order (nested Jacobians), Jacobians by forward or reverse mode, JVPs and
HVPs. Results are split back into blocks per input (per pair of inputs for a
Hessian), each shaped like numpy would: out.shape + x.shape (+ y.shape ...).
"""
from __future__ import annotations

import itertools
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

import numpy as np

from .engine import arrays as A
from .engine import transforms as T
from .engine.broadcasting import reshape
from .engine.kinds import shape_text
from .engine import diagnostics
from .engine.context import Limits, RunContext, current
from .derivatives import Differentiator, check_tensor_size, resolve_wrt
from .engine.errors import ShapeError
from .program import Program, UsageError, discard, plain_output
from .engine.forward import Dual, ForwardTrace
from .engine.kinkwatch import KinkWatch
from .engine.reverse import Box, ReverseTrace
from .engine.tracing import strip

class ProgramFunction:
    """The program's output as a function of the flat vector of the inputs in `wrt`."""

    def __init__(self, program: Program, at: dict, wrt: Optional[list], of: Optional[str],
                 limits: Optional[Limits]):
        self.program = program
        self.limits = limits or Limits()
        self.of = of
        self.wrt = resolve_wrt(program, wrt)
        # A plain first run, for the inputs' values and the output. The diagnostics (kinks,
        # non-finite values) come from a recorded run: the derivatives' own run when it can be
        # watched (see `diagnosing`), else a run of the Differentiator when they are asked for.
        plain = program.run(at, self.limits, of=of)
        self.inputs, self.output, self.output_name = plain.inputs, plain_output(plain.output), plain.output_name
        self._warnings: Optional[list] = None if self.wrt else []
        self._watched: Optional[list] = None        # (tape, noted kinks) of runs, while diagnosing
        self._pending: Optional[list] = None        # their warnings, until the gradient is known
        self.at = dict(at)
        self.shapes = {n: np.shape(self.inputs[n]) for n in self.wrt if n in self.inputs}
        self.wrt = [n for n in self.wrt if n in self.shapes]
        self._lay_out()
        self.z = (np.concatenate([np.reshape(self.inputs[n], -1) for n in self.wrt])
                  if self.wrt else np.zeros(0))

    @classmethod
    def laid_out(cls, wrt: list, shapes: dict) -> "ProgramFunction":
        """Only the layout of z for inputs `wrt` of these shapes (unpack, pack and blocks, no
        run): what many points at once share (blocks_higher.py)."""
        fn = cls.__new__(cls)
        fn.wrt, fn.shapes = list(wrt), shapes
        fn._lay_out()
        return fn

    def _lay_out(self) -> None:
        sizes = [math.prod(self.shapes[n]) for n in self.wrt]
        self.offsets = dict(zip(self.wrt, itertools.accumulate([0] + sizes)))
        self.size = sum(sizes)

    def unpack(self, z: Any) -> dict:
        """Input values from the flat vector (with primitives, so tracers flow through)."""
        values = {}
        for name in self.wrt:
            start, shape = self.offsets[name], self.shapes[name]
            if shape == (self.size,):       # the only input, and a vector: z itself
                values[name] = z
            elif shape:
                piece = A.getitem(z, index=(slice(start, start + math.prod(shape)),))
                values[name] = reshape(piece, shape=shape)
            else:
                values[name] = A.getitem(z, index=(start,))
        return values

    def __call__(self, z: Any) -> Any:
        """The output at z, by a run that is part of the current one (whose traces watch z)."""
        with self.program.printing_to(discard):       # the plain first run printed
            return self._run(z)

    def _run(self, z: Any) -> Any:
        values = self.unpack(z)
        watched = self._watched
        context = current()
        if watched is not None and not watched and isinstance(z, Box):
            # The first run recorded by a reverse trace while diagnosing: its tape and the kinks
            # noted while it runs are what the Differentiator's own run would have given.
            context.listen()
            try:
                result = self.program.run(self.at, self.limits, watch=lambda name, v: values.get(name, v),
                                          of=self.of, context=context)
            finally:
                noted = context.stop_listening()
            watched.append((z.trace, noted))
            return result.output
        result = self.program.run(self.at, self.limits, watch=lambda name, v: values.get(name, v), of=self.of,
                                  context=context)
        return result.output

    @contextmanager
    def diagnosing(self) -> Iterator[None]:
        """Take the warnings from the first recorded run inside this block (see `settle_warnings`)."""
        self._watched = []
        try:
            yield
        finally:
            watched, self._watched = self._watched, None
            if watched and self._warnings is None:
                tape, noted = watched[0]
                self._pending = noted + diagnostics.kinks_on_tape(tape)

    def settle_warnings(self, gradient: Any) -> None:
        """Keep the warnings of a run watched by `diagnosing`, given the gradient at the point.

        They equal the Differentiator's when the output and the gradient are finite; otherwise
        the Differentiator runs, to find the first operation that made them non-finite.
        """
        pending, self._pending = self._pending, None
        if pending is not None and diagnostics.all_finite(self.output) and diagnostics.all_finite(gradient):
            self._warnings = pending

    @property
    def warnings(self) -> list:
        if self._warnings is None:
            self._warnings = Differentiator(self.program, self.wrt, self.of, reduce_sum=False, limits=self.limits,
                                            cotangent=None, print_fn=discard)(self.at).warnings
        return self._warnings

    def non_finite_tangent(self, v: np.ndarray, context: RunContext) -> Optional[diagnostics.Diagnostic]:
        """Where J·v (along v, at this point) went non-finite: for a scalar output of one number,
        J·v is the derivative times v, and the warning is grad's (the first step of its backward
        sweep whose contribution is not finite); otherwise the first operation, in the order the
        run executes them, whose tangent is not finite, found by recording the forward pass."""
        if self.size == 1 and not np.ndim(self.output):
            found = [w for w in Differentiator(self.program, self.wrt, self.of, limits=self.limits)(self.at).warnings
                     if w.kind == "non-finite"]
            if found:
                return found[0]
        forward = ForwardTrace(context.next_level())
        tape = ReverseTrace(context.next_level(), context)
        tape.keep_all = True
        try:
            self(tape.new_input(Dual(self.z, v, forward)))
        finally:
            tape.close()
            context.release_level()
            forward.close()
            context.release_level()
        return diagnostics.first_non_finite_tangent(tape, forward)

    def blocks(self, tensor: Any, leading: tuple, order: int) -> dict:
        """Split a tensor of shape leading + (size,)*order into blocks keyed by tuples of input names."""
        tensor = np.asarray(strip(tensor))
        if len(self.wrt) == 1:          # one input: its block is the whole tensor
            name = self.wrt[0]
            shape = leading + self.shapes[name] * order
            block = tensor.reshape(shape)
            return {(name,) * order: block if shape else float(block)}
        out = {}
        for names in itertools.product(self.wrt, repeat=order):
            index = tuple(slice(self.offsets[n], self.offsets[n] + math.prod(self.shapes[n])) for n in names)
            block = tensor[(Ellipsis,) + index] if order else tensor
            shape = leading + sum((self.shapes[n] for n in names), ())
            block = block.reshape(shape)
            out[names] = block if shape else float(block)
        return out

    def pack(self, values: dict, label: str) -> np.ndarray:
        """A flat vector from per-input values (missing inputs: zero), checking shapes."""
        z = np.zeros(self.size)
        for name, value in values.items():
            if name not in self.shapes:
                raise UsageError(f"{label} {name}: not an input being differentiated "
                                 f"(these are: {', '.join(self.wrt) or 'none'})")
            value = np.asarray(value, dtype=np.float64)
            if value.shape != self.shapes[name]:
                raise ShapeError(f"{label} {name}: shape {shape_text(value.shape)}, but the input has shape "
                                 f"{shape_text(self.shapes[name])}")
            start = self.offsets[name]
            z[start:start + value.size] = value.reshape(-1)
        return z


@dataclass
class HigherResult:
    """Derivatives of a program at one point, by input (or tuple of inputs for order >= 2)."""
    inputs: dict
    output: Any
    output_name: Optional[str]
    wrt: list
    kind: str                                   # 'hessian', 'derivatives', 'jacobian', 'jvp', 'hvp'
    orders: dict = field(default_factory=dict)  # order -> {tuple of names: block}
    value: Any = None                           # jvp: the directional derivative; hvp: H·v by input
    mode: Optional[str] = None
    mode_reason: Optional[str] = None           # jacobian with mode 'auto': why that mode
    warnings: list = field(default_factory=list)


def _check_size(entries: int, what: str) -> None:
    check_tensor_size(entries, what, "use `autodiff hvp` for Hessian-vector products, or --wrt to select fewer inputs")


def derivative_tensors(program: Program, at: dict, order: int, wrt=None, of=None,
                       limits: Optional[Limits] = None) -> HigherResult:
    """All derivatives of a scalar output up to `order`, as blocks per tuple of inputs."""
    from .engine.taylor import MAX_ORDER
    if order > MAX_ORDER:
        raise UsageError(f"--order {order}: the highest order computed is {MAX_ORDER}",
                         hint=f"k! overflows float64 past {MAX_ORDER}!, and the Taylor coefficients f^(k)/k! "
                              "underflow with it")
    limits = limits or Limits()
    # one run: the first run and the derivatives, under one deadline
    with RunContext(limits):
        fn = ProgramFunction(program, at, wrt, of, limits)
        if np.ndim(fn.output):
            raise UsageError(f"--order {order} needs a scalar output, but the output has shape "
                             f"{shape_text(np.shape(fn.output))}", hint="select one with --of NAME, or use --sum")
        _check_size(fn.size ** order, f"the order-{order} derivative tensor")
        series = _taylor(fn, order) if fn.size == 1 and not fn.shapes[fn.wrt[0]] else None
        if series is None:
            orders = {}
            with fn.diagnosing():       # nested: each order is the forward-mode Jacobian of the last
                tensors = [lambda z: T.grad(fn, (z,))]         # tensors[k - 1](z): the order-k tensor
                for _ in range(2, order + 1):
                    tensors.append((lambda p: lambda z: T.jacobian_forward(p, z)[1])(tensors[-1]))
                if order >= 2:              # the top order's pass gives the order below as its value
                    below, top = T.jacobian_forward(tensors[order - 2], fn.z)
                    orders[order - 1], orders[order] = fn.blocks(below, (), order - 1), fn.blocks(top, (), order)
                for k in range(1, order - 1 if order >= 2 else 2):
                    orders[k] = fn.blocks(tensors[k - 1](fn.z), (), k)
                orders = dict(sorted(orders.items()))
    if series is not None:
        name = fn.wrt[0]
        orders = {k: {(name,) * k: series[k]} for k in range(1, order + 1)}
        return _checked(HigherResult(fn.inputs, fn.output, fn.output_name, fn.wrt,
                                     "hessian" if order == 2 else "derivatives", orders, mode="taylor"), fn)
    fn.settle_warnings(orders[1])
    kind = "hessian" if order == 2 else "derivatives"
    return _checked(HigherResult(fn.inputs, fn.output, fn.output_name, fn.wrt, kind, orders), fn)


def _taylor(fn: ProgramFunction, order: int) -> Optional[list]:
    """f, f', ..., f^(order) of a program of one scalar input by Taylor mode (None: not applicable)."""
    from .engine.taylor import TaylorUnsupported, taylor_derivatives
    name = fn.wrt[0]
    try:
        return taylor_derivatives(
            lambda x: fn.program.run(fn.at, fn.limits, watch=lambda n, v: x if n == name else v,
                                     print_fn=discard, of=fn.of, context=current()).output, fn.z[0], order)
    except TaylorUnsupported:
        return None


def jacobian(program: Program, at: dict, mode: str = "auto", wrt=None, of=None,
             limits: Optional[Limits] = None) -> HigherResult:
    """The Jacobian by forward mode (a pass per input element) or reverse (a sweep per output element)."""
    with RunContext(limits):
        return _jacobian(program, at, mode, wrt, of, limits)


def _jacobian(program: Program, at: dict, mode: str, wrt, of, limits: Optional[Limits]) -> HigherResult:
    fn = ProgramFunction(program, at, wrt, of, limits)
    n_out = int(np.size(fn.output))
    reason = None
    if mode == "auto":
        mode, reason = T.jacobian_mode(fn.size, n_out), T.jacobian_mode_reason(fn.size, n_out)
    _check_size(fn.size * n_out, "the Jacobian")
    if mode == "forward":
        _, J = T.jacobian_forward(fn, fn.z)
    else:
        _, J = T.jacobian_reverse(fn, fn.z)
    out_shape = np.shape(fn.output)
    blocks = fn.blocks(np.reshape(strip(J), out_shape + (fn.size,)), out_shape, 1)
    return _checked(HigherResult(fn.inputs, fn.output, fn.output_name, fn.wrt, "jacobian", {1: blocks},
                                 mode=mode, mode_reason=reason), fn)


def directional(program: Program, at: dict, direction: dict, wrt=None, of=None,
                limits: Optional[Limits] = None) -> HigherResult:
    """J·v for a direction v given per input (inputs not named move by zero), by one forward pass.

    Its warnings are those of computing J·v (docs/numerics.md, "What `jvp` warns of"): the kinks and ties
    the forward pass meets, noted as it goes, and a non-finite output or J·v, located by a
    recorded run only when there is one. No Jacobian is formed, whatever the output's size.
    """
    with RunContext(limits) as context:
        fn = ProgramFunction(program, at, wrt or None, of, limits)
        v = fn.pack(direction, "--direction")
        watch = KinkWatch(context.next_level(), context)
        context.listen()
        try:
            out = fn(Dual(fn.z, v, watch))
        finally:
            watch.close()
            context.release_level()
            noted = context.stop_listening()
        tangent = strip(T.unwrap_dual(out, watch)[1])
        fn._warnings = noted + watch.kinks
        if not (diagnostics.all_finite(fn.output) and diagnostics.all_finite(tangent)):
            with program.printing_to(discard):        # (the first run printed)
                if not diagnostics.all_finite(fn.output):
                    found = Differentiator(program, fn.wrt, of, limits=fn.limits).non_finite_value(
                        at, fn.output, context)
                else:
                    found = fn.non_finite_tangent(v, context)
            fn._warnings += [found] if found is not None else []
    return _checked(HigherResult(fn.inputs, fn.output, fn.output_name, fn.wrt, "jvp", value=tangent), fn)




def hessian_vector(program: Program, at: dict, direction: dict, wrt=None, of=None,
                   limits: Optional[Limits] = None) -> HigherResult:
    """The gradient and H·v, by one forward pass through the reverse sweep (H is never formed)."""
    with RunContext(limits):
        fn = ProgramFunction(program, at, wrt, of, limits)
        if np.ndim(fn.output):
            raise UsageError("hvp needs a scalar output", hint="select one with --of NAME")
        v = fn.pack(direction, "--direction")
        g, Hv = T.hvp(fn, fn.z, v)
    return _checked(HigherResult(fn.inputs, fn.output, fn.output_name, fn.wrt, "hvp",
                                 {1: fn.blocks(g, (), 1)}, value=fn.blocks(Hv, (), 1)), fn)


def _checked(result: HigherResult, fn: ProgramFunction) -> HigherResult:
    """The result with the first run's diagnostics, and a warning if a derivative is not finite."""
    result.warnings = list(fn.warnings)
    if not any(w.kind == "non-finite" for w in result.warnings):
        blocks = [b for order in result.orders.values() for b in order.values()]
        values = result.value.values() if isinstance(result.value, dict) else [result.value]
        if not all(diagnostics.all_finite(b) for b in blocks + [v for v in values if v is not None]):
            result.warnings.append(diagnostics.Diagnostic(
                "non-finite", result.kind, f"a derivative ({result.kind}) is not finite", None))
    return result
