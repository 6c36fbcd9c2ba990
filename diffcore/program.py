"""A program, compiled once and run as often as needed (once per point, per Jacobian column...).

Each run happens in a run context (engine/context.py): `Program.run` enters a new one, unless
it is given the context of the run it is part of (a differentiation whose trace watches the
program's inputs, a Jacobian that runs the program once per column).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

import numpy as np

from autodiff.grammar import Source, parse
from autodiff.grammar.ast import Record
from autodiff.grammar.source import ProgramError

from .engine.kinds import type_name
from .interpreter.compiler import Compiler, CompiledModule
from .engine.context import Limits, RunContext, get_current
from .engine.errors import InputError, RuntimeProgramError, did_you_mean
from .interpreter.runtime import UNSET
from .engine.tracing import strip
from .interpreter.values import boolean_input


class UsageError(ProgramError):
    """The command line asked for something the program does not have (an input, a variable)."""
    kind = "usage error"


# RunResult is a plain class with the behaviour of the dataclass it was: `dataclasses` costs
# about a millisecond at every start of the command (docs/performance.md, case 1).

class InputInfo(Record):
    """One input of a program: immutable, compared and hashed by value.

    declared: `input x` (True), or read but never assigned (False).
    """

    __slots__ = ("name", "span", "declared", "has_default")


class RunResult:
    """What one run of a program gave."""

    def __init__(self, output: Any, output_name: Optional[str], inputs: dict):
        self.output = output                # may be a tracer when the run was watched
        self.output_name = output_name
        self.inputs = inputs                # the plain value each input had in this run

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.output, self.output_name, self.inputs) == (other.output, other.output_name, other.inputs)

    def __repr__(self) -> str:
        return f"RunResult(output={self.output!r}, output_name={self.output_name!r}, inputs={self.inputs!r})"


class Program:
    """A parsed and compiled program."""

    def __init__(self, source: Source):
        self.source = source
        module = parse(source)
        self.compiled: CompiledModule = Compiler().compile_module(module)
        declared = [InputInfo(name, span, True, has_default)
                    for name, span, has_default in self.compiled.declared_inputs]
        implicit = [InputInfo(name, span, False, False)
                    for name, span in self.compiled.implicit_inputs.items()]
        self.inputs: list[InputInfo] = declared + implicit
        self._checked: set[frozenset] = set()

    @classmethod
    def from_text(cls, text: str, filename: str = "<expr>") -> "Program":
        return cls(Source(text, filename))

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def variables(self) -> list[str]:
        """Top-level variable names (what --of can select)."""
        return list(self.compiled.scope.slots)

    def check_inputs(self, at: dict) -> None:
        names = self.input_names
        for name in at:
            if name not in names:
                if name in self.compiled.scope.slots:
                    raise UsageError(f"'{name}' is not an input of {self.source.filename}: it is assigned "
                                     "in the program", hint=f"declare it with `input {name} = ...` to set it "
                                     "from the command line")
                listing = ", ".join(names) if names else "none"
                extra = did_you_mean(name, names)
                raise UsageError(f"{self.source.filename} has no input named '{name}' (its inputs: {listing})",
                                 hint=extra)
        for info in self.inputs:
            if not info.declared and info.name not in at:
                guess = did_you_mean(info.name, [n for n in self.compiled.scope.slots if n != info.name])
                raise InputError(f"input '{info.name}' has no value: it is read but never assigned",
                                 info.span, hint=f"pass --at {info.name}=VALUE" + (f" ({guess})" if guess else ""))

    @contextmanager
    def printing_to(self, print_fn: Callable[[str], None]) -> Iterator[None]:
        """Inside this block, runs of the program not given a print function print with
        `print_fn` (a run's own print_fn is for that run only): the passes a derivative takes
        after its first run, and a check's gradcheck, print nothing with `discard`."""
        runtime = self.compiled.runtime
        kept, runtime.default_print = runtime.default_print, print_fn
        try:
            yield
        finally:
            runtime.default_print = kept

    def run(self, at: dict, limits: Optional[Limits] = None,
            watch: Optional[Callable[[str, Any], Any]] = None,
            print_fn: Optional[Callable[[str], None]] = None, of: Optional[str] = None,
            context: Optional[RunContext] = None) -> RunResult:
        """Run once with input values `at`; `watch(name, value)` may wrap inputs for differentiation.

        `context`: the context of the run this one is part of (the traces that `watch` records
        on live in it), entered for the run if it is not (the background context of engine code
        used directly); without it, the run has a context of its own under `limits`, nested in
        any run under way (its own trace levels and notes, never past its deadline).
        """
        if context is None or not context.entered:
            with context if context is not None else RunContext(limits) as context:
                return self.run(at, limits, watch, print_fn, of, context)
        if context is not get_current():
            # the program's grad() would open its traces in the current run, not in this one
            raise RuntimeError("Program.run: the context given is not the current run's")
        limits = limits or context.limits
        names = frozenset(at)
        if names not in self._checked:          # the same names at every point: check them once
            self.check_inputs(at)
            self._checked.add(names)
        at = {name: as_input_value(value, name) for name, value in at.items()}
        if of is not None and of not in self.compiled.scope.slots:
            raise UsageError(f"--of {of}: {self.source.filename} has no top-level variable '{of}'",
                             hint=did_you_mean(of, self.variables))
        compiled = self.compiled
        runtime = compiled.runtime
        watch = watch or (lambda name, value: value)
        runtime.reset(context, limits, at, watch, print_fn)
        g = compiled.reset_globals()
        for info in self.inputs:
            if not info.declared:
                value = at[info.name]
                runtime.inputs[info.name] = value
                g[compiled.scope.slots[info.name]] = watch(info.name, value)
        compiled.run(g)
        if of is not None:
            output = g[compiled.scope.slots[of]]
            if output is UNSET:
                raise UsageError(f"--of {of}: the variable '{of}' was never assigned in this run")
            name = of
        else:
            output, name = g[1], runtime.output_name
        if output is None:
            raise RuntimeProgramError("the program computes no value",
                                      hint="end it with an expression, an assignment or `return`")
        return RunResult(output, name, dict(runtime.inputs))


def decode_program(data: bytes) -> str:
    """The text of a program file's bytes: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         hint="save the program as UTF-8") from None


def as_input_value(value: Any, name: str) -> Any:
    """An input value as the language holds it: a Python float or a float64 array."""
    if value.__class__ is float:
        return value
    value = strip(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return float(value)
        if value.dtype.kind not in "biuf":
            raise InputError(f"input '{name}' must be numeric")
        if value.dtype == bool:
            message, hint = boolean_input(name)
            raise InputError(message, hint=hint)
        return value if value.dtype == np.float64 else value.astype(np.float64)
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return float(value)
    if isinstance(value, (list, tuple)):       # from Python: [1, 2], ((1, 2), (3, 4))
        return as_input_value(_array_of_numbers(value, name), name)
    raise InputError(f"input '{name}' must be a number or an array, not {type_name(value)}")


def _array_of_numbers(value: Any, name: str) -> np.ndarray:
    """A (nested) list or tuple of numbers as an array; ragged or non-numeric items are refused."""
    try:
        array = np.array(value)
    except ValueError:
        raise InputError(f"input '{name}': the rows of a nested list must all have the same length") from None
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise InputError(f"input '{name}' must be a list of numbers (or of lists of numbers of one length)")
    return array


def plain_output(value: Any, what: str = "the output") -> Any:
    """The output as a number or float array, or an error saying why it cannot be differentiated."""
    value = strip(value)
    if isinstance(value, (bool, np.bool_)):
        raise RuntimeProgramError(f"{what} is a boolean, which has no derivative",
                                  hint="differentiate a number, e.g. select one with --of NAME")
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype == bool:
            raise RuntimeProgramError(f"{what} is an array of booleans, which has no derivative")
        return value.astype(np.float64, copy=False)
    raise RuntimeProgramError(f"{what} is {type_name(value)}, not a number or an array",
                              hint="select a numeric variable with --of NAME")


def constant_value(text: str, label: str, limits: Optional[Limits] = None) -> Any:
    """The value of a constant expression given on the command line (`--at x=[1, 2]`, `--at t=pi/4`).

    It is a program, run under the command's `limits` like the command's own program (a loop
    in a value is stopped by --max-steps, a huge array by --max-elements, and so on).
    Errors point into `text`, under the name `label` (e.g. '--at x').
    """
    program = Program(Source(text, label))
    if program.inputs:
        name = program.inputs[0].name
        raise InputError(f"'{name}' is not known here: a value must be a constant expression",
                         program.inputs[0].span, hint="use numbers, lists and builtins, e.g. [1, 2*pi]")
    value = strip(program.run({}, limits).output)
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if isinstance(value, np.ndarray) and value.dtype == bool:
        raise InputError("a value must be a number or an array of numbers, not an array of booleans",
                         hint="write 1 and 0 for true and false where numbers are meant")
    if isinstance(value, np.ndarray) and value.dtype != object:
        return value.astype(np.float64)
    raise InputError(f"a value must be a number or an array, not {type_name(value)}")


def discard(text: str) -> None:
    """A print function that prints nothing."""
