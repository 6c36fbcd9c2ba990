"""A program's compiled form for one kind of run: emitted once, checked, instrumented, executed.

`compiled_form(program, at, wrt, of, limits, mode)` -> CompiledForm, or the reason (a
ProgramError, located as emit locates it, or a text) the program runs on the tape. mode is
emit's: "reverse" (`f` and `grad_f`, for eval and grad) or "forward" (`f` and `jvp_f`, for
jvp). The forms live on the Program (one cache per program, no module state), keyed by the
mode, the `--wrt` inputs, `--of`, the names given and the shape of each value given: the
emitted code is specialised to those shapes, so a point of other shapes gets (or is refused) a
form of its own.
"""
from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np

from autodiff.grammar import parse
from autodiff.grammar.source import ProgramError

from ..engine.broadcasting import value_shape
from ..engine.context import Limits
from ..engine.reverse import ReverseTrace
from ..engine.tracing import KINKED, strip
from ..program import Program, as_input_value
from .instrument import build
from .static import Survey, constant_defaults, refuse, survey

# Tape bytes one operation may hold besides its result's elements (ENTRY_BYTES and the fused
# partials, generously), and the bytes per element it may hold (its result, a saved operand).
_ENTRY_OVERHEAD = ReverseTrace.ENTRY_BYTES + 64
_BYTES_PER_ELEMENT = 16
# The largest constant array written into the code as a literal (`ones(999, 999)` would be 10^6
# numbers of text for Python to compile: seconds, where the tape's run takes milliseconds).
_MOST_LITERAL = 4096
# The kinked primitives whose kink is their value 0 (kinks.at_zero("ans")): checked by the code.
_KINK_AT_ZERO = {"norm", "hypot"}
# Arrays above this many elements make an iteration slow enough to look at the clock at each.
_SMALL = 64


class CompiledForm:
    """The generated functions and what a run of them needs (see the module's docstring)."""

    def __init__(self, namespace: dict, emitted, survey_: Survey, largest: int, order: list, defaults: dict):
        self.f, self.grad_f, self.jvp_f = namespace["f"], namespace.get("grad_f"), namespace.get("jvp_f")
        self.emitted = emitted
        self.params = list(emitted.inputs)          # the generated functions' parameters, in order
        self.extra = list(emitted.extra)            # the cotangent of an array output; the directions
        # forward mode: the --wrt input each direction parameter of jvp_f is for (emit gives one to
        # each --wrt input that can affect the output, in order; the others move nothing)
        live = [w for w in emitted.wrt if w not in emitted.inactive]
        self.dots = dict(zip(live, self.extra)) if emitted.mode == "forward" else {}
        self.survey, self.largest = survey_, largest
        self.order, self.defaults = order, defaults  # the inputs as a run lists them; default values
        self.output_name = emitted.run.output_name
        self.out_shape = value_shape(strip(emitted.run.output))
        self.wrt = list(emitted.wrt)
        self.shapes = {n: value_shape(v) for n, v in emitted.inputs.items()}
        self._budgets: dict = {}

    def budget(self, limits: Limits, recording: bool) -> int:
        """The loop iterations the compiled run may make before the tape could pass a limit."""
        key = (limits.max_steps, limits.max_memory, recording)
        found = self._budgets.get(key)
        if found is None:
            s = self.survey
            found = (limits.max_steps - s.calls) // (1 + s.calls) - 1
            if recording:
                per_pass = max(s.sites, 1) * (_ENTRY_OVERHEAD + _BYTES_PER_ELEMENT * self.largest)
                found = min(found, limits.max_memory // per_pass - 1)
            self._budgets[key] = found
        return found

    def arguments(self, at: dict) -> list:
        return [at[n] if n in at else self.defaults[n] for n in self.params]

    def inputs(self, at: dict) -> dict:
        return {n: at[n] if n in at else self.defaults[n] for n in self.order}


def shape_key(at: dict) -> tuple:
    return tuple(sorted((name, np.shape(value)) for name, value in at.items()))


def compiled_form(program: Program, at: dict, wrt: list, of: Optional[str],
                  limits: Limits, mode: str = "reverse") -> Union[CompiledForm, ProgramError, str]:
    cache = program.__dict__.setdefault("_compiled_forms", {})
    key = (mode, tuple(wrt), of, shape_key(at))
    if key not in cache:
        try:
            cache[key] = _make(program, at, wrt, of, limits, mode)
        except ProgramError as exc:
            if getattr(exc, "limit", None):     # a limit met at this point: another point may compile
                return exc
            cache[key] = exc
    return cache[key]


def _make(program: Program, at: dict, wrt: list, of: Optional[str], limits: Limits,
          mode: str) -> Union[CompiledForm, ProgramError]:
    from ..emit.api import emit
    from ..interpreter.builtins import BUILTINS
    module = parse(program.source)
    reason = constant_defaults(module)
    if reason:
        return reason
    found = survey(module, set(BUILTINS))
    if isinstance(found, ProgramError):
        return found
    if found.depth > limits.max_depth:
        return refuse("its calls nest deeper than --max-depth", None)
    try:
        emitted = emit(program, at, mode=mode, target="python", wrt=wrt, of=of, limits=limits, stats=False,
                       max_literal=_MOST_LITERAL)
    except ProgramError:
        raise
    except Exception as exc:        # emit could not write this one (MemoryError...): the tape runs it
        return refuse(f"emit could not write it ({type(exc).__name__})", None)
    largest, kinked, ties = 1, {p.name for p in KINKED}, {}
    numbers_only = all(np.ndim(v) == 0 for v in list(emitted.samples.values()) + list(emitted.inputs.values()))
    steps = ("np.sign", "np.floor", "np.ceil", "np.round")
    for value in list(emitted.samples.values()) + [v for v in emitted.inputs.values()]:
        largest = max(largest, int(np.size(value)))
    from ..emit.ir import Assign, Code, walk
    from ..emit.symbolic import postorder
    for s in walk(emitted.block):
        if not isinstance(s, Assign):
            continue
        if isinstance(s.value, Code):
            largest = max(largest, int(np.size(s.value.sample)) if s.value.sample is not None else 1)
            if any(n in emitted.varied for n in s.value.names):
                text = s.value.text("python")
                if any(step in text for step in steps):
                    return refuse("a step function of a differentiated value is checked for its jumps on the tape", s)
                ties[s.name] = "compare"
            continue
        for node in postorder([s.value]):
            largest = max(largest, int(math.prod(node.shape)) if node.shape else 1)
            numbers_only = numbers_only and not node.shape
            if node.op in kinked and s.name in emitted.varied:
                if node is s.value and node.op in _KINK_AT_ZERO:
                    ties[s.name] = "zero"
                else:
                    return refuse(f"{node.op}() is checked for its kinks on the tape", s)
    if largest > limits.max_elements:
        return refuse("an array would pass --max-elements", None)
    namespace = build(emitted.text, ties, 1023 if largest <= _SMALL else 0, numbers_only)
    unchecked = namespace.pop("_unchecked")
    if unchecked:       # the tape compares them (and notes a tie) though the output never reads them
        where = next(s for s in walk(emitted.block) if isinstance(s, Assign) and s.name in unchecked)
        return refuse("a test of differentiated values whose result the output never reads (the tape checks "
                      "it for ties)", where)
    if mode == "forward" and len(emitted.extra) != len(emitted.wrt) - len(emitted.inactive):
        return refuse("emit's directions do not match the --wrt inputs one to one", None)
    run = emitted.run
    at_plain = {n: as_input_value(v, n) for n, v in at.items()}
    defaults = {n: v for n, v in run.inputs.items() if n not in at_plain}
    return CompiledForm(namespace, emitted, found, largest, list(run.inputs), defaults)
