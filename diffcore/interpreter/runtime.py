"""What a compiled program needs while it runs: its step and depth counters, function values.

A program is compiled once into closures (see `compiler.py`) that share one
`Runtime`; each run resets it and hands it the run's context (engine/context.py:
the trace levels, the no-grad freeze, the source location, the limits and the work
meter of the run), which the closures reach as `runtime.context`. Frames are
plain lists: slot 0 holds the enclosing frame (for nested functions and lambdas),
slot 1 the return value, and the variables follow, each at an index fixed at
compile time.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Callable, Optional

import numpy as np

from autodiff.grammar.ast import Span

from ..engine.kinds import shape_text, type_hint, type_name, is_numeric
from ..engine.errors import (LimitExceeded, RuntimeProgramError, ShapeError, ValueTypeError)
from ..engine.context import DEFAULT_TIMEOUT, Limits, RunContext  # noqa: F401  (Limits: its home is the engine)
from ..engine.numeric import ArrayTooLarge, NotANumber, OutOfTime, TapeTooLarge, ndarray
from ..engine.reverse import TraceClosed
from ..engine.lanes import Lanes, lane_truth
from ..engine.tracing import Tracer, strip
from autodiff.grammar.source import ProgramError

FIRST_SLOT = 2          # frame[0]: enclosing frame; frame[1]: return value


class _Unset:
    """The value of a variable that has not been assigned yet."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


UNSET = _Unset()

# Statement results other than None: how control leaves a block.
BREAK = "break"
CONTINUE = "continue"
RETURN = "return"


class Runtime:
    """The state of the program's current run that its compiled closures share: the counters
    of steps and call depth, the inputs, the output's name, the random generator, and the
    run's context (set by every run: `Program.run`)."""

    def __init__(self) -> None:
        self.context: Optional[RunContext] = None
        self.limits = Limits()
        self.steps = 0
        self.depth = 0
        self.provided: dict[str, Any] = {}
        self.watch: Callable[[str, Any], Any] = lambda name, value: value
        self.inputs: dict[str, Any] = {}
        # What `print` calls in a run not given a print function: stderr as it is at the call (so
        # that a capture of sys.stderr sees it). Only a run's own argument replaces it, for that
        # run: a silent rerun (a warning located, a derivative's extra pass) must not silence the
        # runs after it.
        self.default_print: Callable[[str], None] = lambda text: print(text, file=sys.stderr)
        self.print_fn: Callable[[str], None] = self.default_print
        self.output_name: Optional[str] = None
        self._rng: Optional[np.random.Generator] = None
        # When a list (the lesson view sets it around one run): every if/while condition
        # evaluated, as (span of the condition, its truth), in the order they ran.
        self.decisions: Optional[list] = None

    @property
    def rng(self) -> np.random.Generator:
        """The run's random generator, seeded with 0 unless the program calls seed(n); made on first use."""
        if self._rng is None:
            self._rng = np.random.default_rng(0)
        return self._rng

    @rng.setter
    def rng(self, generator: np.random.Generator) -> None:
        self._rng = generator

    def reset(self, context: RunContext, limits: Limits, provided: dict, watch, print_fn) -> None:
        self.context = context
        self.limits = limits
        self.steps = 0
        self.depth = 0
        self.provided = provided
        self.watch = watch
        self.inputs = {}
        self.print_fn = print_fn if print_fn is not None else self.default_print
        self.output_name = None
        self._rng = None

    def tick(self, span: Span) -> None:
        """Count one loop iteration or call; stop runaway programs."""
        self.steps += 1
        if self.steps > self.limits.max_steps:
            raise LimitExceeded(
                f"the program ran {self.limits.max_steps:,} steps (loop iterations and calls) without finishing",
                span, hint="an infinite loop? raise the limit with --max-steps N", limit="max-steps")
        # The run's deadline (its context's), also read by the primitives as they count work.
        if not self.steps & 1023 and time.monotonic() > self.context.deadline:
            raise locate(OutOfTime(self.context.timeout), span)


class UserFunction:
    """A function defined by the program (`def` or `lambda`): a value like any other."""

    __slots__ = ("name", "params", "defaults", "body", "template", "closure", "runtime", "span",
                 "backward", "call_with_rule")

    def __init__(self, name: str, params: tuple, defaults: tuple, body: Callable, nslots: int,
                 closure: Optional[list], runtime: Runtime, span: Span):
        self.name = name
        self.params = params
        self.defaults = defaults        # values for the trailing parameters that have defaults
        self.body = body
        self.template = [closure, None] + [UNSET] * (nslots - FIRST_SLOT)
        self.closure = closure
        self.runtime = runtime
        self.span = span
        self.backward: Optional[UserFunction] = None     # a custom derivative rule, if declared
        # How a call under differentiation runs when a rule is declared (custom.call_with_rule,
        # set with the rule by the compiler: the runtime does not depend on custom rules).
        self.call_with_rule: Optional[Callable] = None

    def __repr__(self) -> str:
        return f"<function {self.name}>"

    def bind(self, args: tuple, kwargs: dict) -> list:
        """A fresh frame with the parameters bound, or a type error naming what is wrong."""
        params = self.params
        if len(args) > len(params):
            raise ValueTypeError(f"{self.name}() takes {len(params)} argument"
                                 f"{'' if len(params) == 1 else 's'} but {len(args)} were given")
        frame = self.template.copy()
        frame[FIRST_SLOT:FIRST_SLOT + len(args)] = args
        if kwargs or len(args) < len(params):
            first_default = len(params) - len(self.defaults)
            for k in range(len(args), len(params)):
                name = params[k]
                if name in kwargs:
                    frame[FIRST_SLOT + k] = kwargs.pop(name)
                elif k >= first_default:
                    frame[FIRST_SLOT + k] = self.defaults[k - first_default]
                else:
                    raise ValueTypeError(f"{self.name}() is missing a value for its parameter '{name}'")
            if kwargs:
                name = next(iter(kwargs))
                raise ValueTypeError(f"{self.name}() has no parameter named '{name}'"
                                     if name not in params else
                                     f"{self.name}() got two values for '{name}'")
        return frame

    def __call__(self, *args, **kwargs):
        if self.backward is not None and _traced(args, kwargs):
            return self.call_with_rule(self, args, kwargs)
        return self.run(args, kwargs)

    def run_body(self, args: tuple) -> Any:
        """Run the body itself, even when a custom rule is declared (the rule's forward pass)."""
        return self.run(args, {})

    def run(self, args: tuple, kwargs: dict) -> Any:
        runtime = self.runtime
        runtime.depth += 1
        try:
            if runtime.depth > runtime.limits.max_depth:
                raise LimitExceeded(
                    f"function calls nested deeper than {runtime.limits.max_depth}", self.span,
                    hint="unbounded recursion? raise the limit with --max-depth N", limit="max-depth")
            runtime.tick(self.span)
            frame = self.bind(args, dict(kwargs))
            return frame[1] if self.body(frame) is RETURN else None
        finally:
            runtime.depth -= 1


def _traced(args: tuple, kwargs: dict) -> bool:
    """Whether a call is being differentiated, by any mode: a custom rule then defines its derivative."""
    return any(isinstance(a, Tracer) for a in args) or any(isinstance(v, Tracer) for v in kwargs.values())


def truth(value: Any, span: Span) -> bool:
    """The truth of a condition: a boolean, a number, or an array holding exactly one of them."""
    if value is True or value is False:
        return value
    if value.__class__ is Lanes:
        return lane_truth(value)        # many points at once (diffcore/blocks.py)
    value = strip(value)
    if type(value) is ndarray:
        if value.size != 1:
            raise ValueTypeError(
                f"a condition must be one true/false value, not an array of shape {shape_text(value.shape)}",
                span, hint="reduce it with all(...) or any(...)")
        value = value.reshape(-1)[0]
    if isinstance(value, (bool, int, float, np.bool_, np.number)):
        return bool(value)
    raise ValueTypeError(f"a condition must be true or false, not {type_name(value)}", span)


def locate(error: ProgramError, span: Span) -> ProgramError:
    if error.span is None:
        error.span = span
    return error


# Exceptions that numeric code raises for bad values or shapes (as opposed to bugs in autodiff).
NUMERIC_FAILURES = (ValueError, TypeError, IndexError, ZeroDivisionError, OverflowError,
                    ArrayTooLarge, TapeTooLarge, TraceClosed, OutOfTime)


def translate(exc: BaseException, span: Span, what: str, operands: tuple = (),
              call: Optional[tuple] = None) -> BaseException:
    """Turn an exception raised while computing `what` into the program error a user should see.

    `operands` are the values the program handed to the operation; `call`, for a call, is
    (the function called, its positional arguments, its keyword arguments). A TypeError is the
    program's mistake only when they explain it: an operand that is not a number or an array,
    an array of booleans (which numpy does not subtract), or arguments that do not fit a
    builtin's parameters. Any other TypeError comes from
    autodiff's own code (values being differentiated are never handed to Python's operators or
    to numpy), so it is returned unchanged, to be reported as an internal error (exit 3).
    """
    if isinstance(exc, ProgramError):
        return locate(exc, span)
    if isinstance(exc, ArrayTooLarge):
        return LimitExceeded(
            f"{what} would create an array of {exc.elements:,} elements (the limit is {exc.limit:,})",
            span, hint="raise the limit with --max-elements N", limit="max-elements")
    if isinstance(exc, TapeTooLarge):
        return LimitExceeded(
            f"the recording of this run would hold {exc.held / 2**20:,.0f} MiB (the limit is "
            f"{exc.limit / 2**20:,.0f} MiB)", span,
            hint="raise the limit with --max-memory SIZE (e.g. 8G), or differentiate fewer steps", limit="max-memory")
    if isinstance(exc, NotANumber):
        kinds = " and ".join(type_name(o) for o in operands) if operands else type_name(exc.value)
        return ValueTypeError(f"cannot compute {what} of {kinds}", span, hint=type_hint(exc.value))
    if isinstance(exc, TraceClosed):
        return RuntimeProgramError(
            "a value computed inside grad() was used after grad() returned", span,
            hint="return the value from the function being differentiated instead")
    for v in operands:
        if not is_numeric(v):
            kinds = " and ".join(type_name(o) for o in operands)
            return ValueTypeError(f"cannot compute {what} of {kinds}", span, hint=type_hint(v))
    if isinstance(exc, TypeError):
        if any(type(strip(v)) is ndarray and strip(v).dtype == bool for v in operands):
            # numpy's rules for arrays of booleans (a comparison's result): no `-` between them
            return ValueTypeError(f"cannot compute {what} of an array of booleans", span,
                                  hint="turn a mask into numbers first, e.g. where(mask, 1, 0)")
        return _mismatched_call(exc, span, what, call) or exc
    shapes = [np.shape(strip(v)) for v in operands]
    if len(shapes) == 2 and isinstance(exc, ValueError):
        return ShapeError(f"{what}: shapes {shape_text(shapes[0])} and {shape_text(shapes[1])} do not match",
                          span, hint=_shape_hint(what, *shapes))
    message = str(exc).split("\n")[0] or type(exc).__name__
    return RuntimeProgramError(f"{what}: {message}", span)


def _mismatched_call(exc: TypeError, span: Span, what: str, call: Optional[tuple]) -> Optional[ProgramError]:
    """The type error of a call of a builtin whose arguments do not fit its parameters, if that is the case."""
    from .builtins import Builtin, signature_of
    if call is None or not isinstance(call[0], Builtin):
        return None
    builtin, args, kwargs = call
    signature = signature_of(builtin)
    if signature is None:
        return None
    try:
        signature.bind(*args, **kwargs)
    except TypeError as mismatch:
        return ValueTypeError(f"{builtin.name}() does not take these arguments: {mismatch}", span,
                              hint=f"usage: {builtin.name}{signature}")
    return None


def _shape_hint(what: str, left: tuple, right: tuple) -> str:
    if "@" in what or "matmul" in what:
        return ("for a @ b the last axis of a must equal the first (matrix) axis of b; "
                f"here {left[-1] if left else '-'} != {right[-2] if len(right) > 1 else (right[0] if right else '-')}")
    return ("arrays combine elementwise when their shapes match or broadcast "
            "(trailing dimensions equal, or one of them 1)")


def runtime_builtins(runtime: Runtime) -> dict:
    """Builtins that use the state of the run: printing and the seeded random generator."""
    from .builtins import Builtin, to_shape
    from ..engine.kinds import to_int
    from .display import format_value

    def print_(*values, sep=" "):
        runtime.print_fn(str(sep).join(v if isinstance(v, str) else format_value(v) for v in values))

    def seed(n):
        runtime.rng = np.random.default_rng(abs(to_int(n, "a seed")))

    def randn(*dims):
        return _random(runtime.rng.standard_normal, dims)

    def rand(*dims):
        return _random(runtime.rng.random, dims)

    def _random(draw, dims):
        if not dims:
            return float(draw())
        return draw(to_shape(dims))

    return {name: Builtin(name, fn) for name, fn in
            {"print": print_, "seed": seed, "randn": randn, "rand": rand}.items()}
