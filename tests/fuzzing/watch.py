"""What the fuzzers watch while a generated program runs, and finite differences.

Shared by tests/test_fuzz.py and tests/test_fuzz_agreement.py (test-only code):
`TapeWatch` sees every value a reverse-mode tape records (NaN and infinities,
kinks), `PathWatch` the outcome of every comparison (branch boundaries),
`ForwardWatch` the largest tangent of a forward pass (cancellation), and
`finite_difference` gives a stable central-difference estimate or None.
See docs/fuzzing.md.
"""
from __future__ import annotations

import math
import zlib

import numpy as np
from hypothesis import event as hypothesis_event

from autodiff.diffcore.interpreter import checkpoint as checkpoint_module
from autodiff.diffcore.interpreter import compiler as compiler_module
from autodiff.diffcore import derivatives as derivatives_module
from autodiff.diffcore.engine import forward as forward_module
from autodiff.diffcore.higher import jacobian
from autodiff.diffcore.program import Program, plain_output
from autodiff.diffcore.interpreter.runtime import Limits
from autodiff.diffcore.engine.tracing import strip
from autodiff.grammar import Source
from autodiff.grammar.source import ProgramError

LIMITS = Limits(max_steps=100_000, timeout=5.0)
def silent(text: str) -> None:
    """print() of the programs goes nowhere."""


def event(text: str) -> None:
    """hypothesis.event, also usable outside a test (to replay a finding by hand)."""
    try:
        hypothesis_event(text)
    except Exception:
        pass



# Finite differences: central differences with two step sizes must agree (else
# the estimate is unstable: a kink, a jump, or rounding), and so must the
# one-sided ones (else the point is a kink); then the gradient must match.
STEP = 1e-6
RTOL, ATOL = 1e-4, 1e-6
# Forward against reverse mode: the same rules in another order.
MODE_RTOL = 1e-9
# Beyond this, a step of 1e-6 is lost in the rounding of the values: no comparison.
HUGE = 1e8
# Second derivatives are compared for programs with at most this many input elements.
SECOND_ORDER_MAX_SIZE = 6


def evaluate_at(program: Program, at: dict) -> float | None:
    try:
        value = plain_output(program.run(at, LIMITS, print_fn=silent).output)
    except ProgramError:
        return None
    if np.ndim(value) or not math.isfinite(value):
        return None
    return float(value)


def moved(at: dict, name: str, index: tuple, delta: float) -> dict:
    point = dict(at)
    if index:
        value = np.array(at[name], dtype=np.float64)
        value[index] += delta
    else:
        value = at[name] + delta
    point[name] = value
    return point


def finite_difference(program: Program, at: dict, name: str, index: tuple, f0: float):
    """A stable central-difference estimate of df/d at[name][index], and its error; None if unstable."""
    x = float(np.asarray(at[name])[index]) if index else float(at[name])
    estimates = []
    for h in (STEP * max(1.0, abs(x)), 10 * STEP * max(1.0, abs(x))):
        plus = evaluate_at(program, moved(at, name, index, h))
        minus = evaluate_at(program, moved(at, name, index, -h))
        if plus is None or minus is None:
            return None
        estimates.append(((plus - minus) / (2 * h), (plus - f0) / h, (f0 - minus) / h))
    (c1, forward, backward), (c2, _, _) = estimates
    scale = max(abs(c1), abs(c2))
    if abs(c1 - c2) > 1e-6 + 1e-5 * scale:
        return None                       # unstable: rounding, or a jump between the steps
    if abs(forward - backward) > 1e-4 * (1 + scale):
        return None                       # a kink (abs, max, a branch) at this point
    return c1, abs(c1 - c2)


class TapeWatch:
    """Keeps the tapes `differentiate` records, to see whether any intermediate value was inf or nan.

    A NaN or an infinity in the middle of a computation makes NaN derivatives
    legitimately (0 * inf: the same happens in PyTorch and JAX, e.g. behind an
    index that drops the bad element), so derivatives are only compared where
    every recorded value is finite. This patches the name `ReverseTrace` in
    diffcore.derivatives for the duration, and in diffcore.checkpoint, whose
    segments are recorded again, on tapes of their own, during the backward
    sweep (a value inside a checkpointed loop is on no other tape); if those
    names ever go away, every tape counts as finite (the comparison becomes
    stricter, not weaker). Its tapes keep every value (`keep_all`), not only
    what the derivative rules read.
    """

    MODULES = (derivatives_module, checkpoint_module)

    def __init__(self):
        self.tapes: list = []
        self._kink = None

    def __enter__(self):
        self.bases = {}
        tapes = self.tapes
        for module in self.MODULES:
            base = getattr(module, "ReverseTrace", None)
            if base is None:
                continue

            class WatchedTrace(base):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, **kwargs)
                    self.keep_all = True
                    tapes.append(self)

            self.bases[module] = base
            module.ReverseTrace = WatchedTrace
        return self

    def __exit__(self, *exc):
        for module, base in self.bases.items():
            module.ReverseTrace = base

    def values(self):
        for tape in self.tapes:
            for value in getattr(tape, "ans", ()):
                value = strip(value)
                if isinstance(value, float) or (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
                    yield value

    def all_finite(self) -> bool:
        return all(bool(np.all(np.isfinite(v))) for v in self.values())

    def at_kink(self) -> bool:
        """Whether a recorded operation sits exactly on a kink: abs or relu at 0, a tie in maximum,
        minimum, max or min, norm at 0. There the derivative rules use a convention (subgradient 0,
        ties shared), which is right to first order where the function is smooth but not beyond:
        abs(x^2) at 0 has the second derivative 2, the convention gives 0 (as in PyTorch and JAX)."""
        if self._kink is None:
            self._kink = self._find_kink()
        return self._kink

    def _find_kink(self) -> bool:
        for tape in self.tapes:
            prims = getattr(tape, "prims", ())
            for node, prim in enumerate(prims):
                name = getattr(prim, "name", None)
                if name not in ("abs", "relu", "maximum", "minimum", "max", "min", "norm"):
                    continue
                try:
                    x, y, ans = (strip(tape.first[node]), strip(tape.second[node]), strip(tape.ans[node]))
                    if name in ("abs", "relu") and np.any(np.equal(x, 0.0)):
                        return True
                    if name in ("maximum", "minimum") and np.any(np.equal(x, y)):
                        return True
                    if name == "norm" and np.any(np.equal(ans, 0.0)):
                        return True
                    if name in ("max", "min") and isinstance(x, np.ndarray):
                        axis = (getattr(tape, "params", {}).get(node) or {}).get("axis")
                        top = np.max(x, axis=axis, keepdims=True) if name == "max" else \
                            np.min(x, axis=axis, keepdims=True)
                        if np.any(np.sum(np.equal(x, top), axis=axis) > 1):
                            return True
                except (TypeError, ValueError, AttributeError, IndexError):
                    return True      # cannot tell: count it as a kink
        return False

    def magnitude(self) -> float:
        """The largest magnitude of a recorded value: rounding errors scale with it (and with its square
        in second derivatives, where large terms can cancel), so the tolerances do too."""
        return max((float(np.max(np.abs(v), initial=0.0)) for v in self.values()), default=0.0)


class PathWatch:
    """Records the outcome of every comparison a run makes: the path it takes through the program.

    Where a comparison is tied at the point (`x < x - x` at x = 0), the path
    taken there may differ from the path on both sides, and its derivative is
    not the function's. So the path at the point is compared with the paths at
    two points a tiny random step away on either side; where they differ, the
    point is on a branch boundary and no derivative is compared. (Near-ties
    that flip within a finite-difference step show up in the differences.)
    This wraps the functions of diffcore.compiler.COMPARISONS while the program
    is compiled (the compiled closures keep them); if that table ever goes away
    nothing is recorded, and the check becomes stricter, not weaker.
    """

    def __init__(self):
        self.outcomes: list = []

    def compile(self, source: Source) -> Program:
        table = getattr(compiler_module, "COMPARISONS", None)
        if not isinstance(table, dict):
            return Program(source)
        saved = dict(table)
        table.update({op: self._wrap(fn) for op, fn in saved.items()})
        try:
            return Program(source)
        finally:
            table.clear()
            table.update(saved)

    def _wrap(self, compare):
        def watched(a, b):
            result = compare(a, b)
            plain = strip(result)
            self.outcomes.append(plain.tobytes() if isinstance(plain, np.ndarray) else plain)
            return result
        return watched

    def path(self, program: Program, at: dict):
        """The outcomes of the comparisons of one run at `at` (None if it fails)."""
        self.outcomes = []
        try:
            program.run(at, LIMITS, print_fn=silent)
        except ProgramError:
            return None
        return tuple(self.outcomes)


def on_branch_boundary(paths: PathWatch, program: Program, at: dict, text: str) -> bool:
    here = paths.path(program, at)
    rng = np.random.default_rng(zlib.crc32(text.encode("utf-8", "surrogatepass")))
    step = {name: 1e-7 * np.maximum(1.0, np.abs(v)) * rng.choice([-1.0, 1.0], size=np.shape(v))
            for name, v in at.items()}
    for sign in (1.0, -1.0):
        point = {name: (v + sign * step[name]) if np.ndim(v) else float(v + sign * step[name])
                 for name, v in at.items()}
        if paths.path(program, point) != here:
            return True
    return False


def _largest(tangent) -> float:
    """The largest magnitude in a tangent. A multi-output entry's (a checkpointed segment's) is a
    tuple of tangents, each possibly a tracer of an outer trace (a batch of them): strip each,
    since numpy would convert the tuple's tracers with float(), which tracers refuse."""
    if tangent.__class__ is tuple:
        return max((_largest(t) for t in tangent if t is not None), default=0.0)
    try:
        return float(np.max(np.abs(np.asarray(strip(tangent), dtype=np.float64)), initial=0.0))
    except (TypeError, ValueError):
        return 0.0


class ForwardWatch:
    """Records the largest tangent forward mode carries, while a forward Jacobian is computed.

    Forward and reverse mode sum the same terms in different orders; when the terms are huge
    and cancel (x - t + t with t's derivative 1e16), they differ by rounding of that size, not
    by 1e-9 of the result. The tolerance between the modes grows with this scale. It wraps the
    entry points of diffcore.forward.ForwardTrace (`process`, and the unary and binary callers'
    `process1` and `process2`); if they go away, the scale stays 0 (stricter).
    """

    ENTRY_POINTS = ("process", "process1", "process2")

    def __init__(self):
        self.largest = 0.0

    def see(self, out):
        tangent = getattr(out, "tangent", None)
        if tangent is not None:
            size = _largest(tangent)
            if math.isfinite(size) and size > self.largest:
                self.largest = size
        return out

    def __enter__(self):
        self.cls = getattr(forward_module, "ForwardTrace", None)
        self.replaced = {}          # entry point -> the class's own definition (None: inherited)
        for name in self.ENTRY_POINTS:
            original = getattr(self.cls, name, None)
            if original is None:
                continue
            self.replaced[name] = self.cls.__dict__.get(name)

            def entry(trace, *args, original=original):
                return self.see(original(trace, *args))

            setattr(self.cls, name, entry)
        return self

    def __exit__(self, *exc):
        for name, own in self.replaced.items():
            if own is None:
                delattr(self.cls, name)
            else:
                setattr(self.cls, name, own)


def jacobian_blocks(program: Program, at: dict, mode: str) -> dict:
    result = jacobian(program, at, mode=mode, limits=LIMITS)
    return {names[0]: np.asarray(block, dtype=np.float64) for names, block in result.orders[1].items()}
