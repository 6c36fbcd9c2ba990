"""A program as a Python function of its inputs: `compile(text)`, `load(path)` and `Function`.

A `Function` holds one compiled program and the limits of its runs. Each method takes the
inputs as keyword arguments (`f.grad(x=2.0)`) or as one mapping before them (`f.grad({"x": 2.0})`,
for an input whose name is also an option's, such as `order`); a value is a number, a (nested)
list or tuple of numbers, or a numpy array. Every run has a run context of its own
(diffcore/engine/context.py), so functions can be used one inside another's work, interleaved,
and from several threads; a function's own runs take turns (its compiled program holds the
state of the run under way).
"""
from __future__ import annotations

import builtins
import os
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional, Sequence, Union

import numpy as np

from autodiff.diffcore.compiled.run import ENGINES, Runner, directional, evaluate
from autodiff.diffcore.engine.context import Limits
from autodiff.diffcore.higher import derivative_tensors, hessian_vector, jacobian
from autodiff.diffcore.program import Program, decode_program
from autodiff.grammar.source import ProgramError, Source, read_program_bytes

from .results import HVP, JVP, VJP, Derivatives, Evaluation, Gradient, Hessian, Jacobian, first_blocks

if TYPE_CHECKING:
    from autodiff.diffcore.emit.api import Emitted
    from autodiff.diffcore.emit.formula import Formula
    from .points import GradientPoints
    from .views import Graph, Trace

Value = Union[float, np.ndarray]
Names = Union[str, Sequence[str], None]

_DEFAULTS = Limits()


def make_limits(max_steps: int = _DEFAULTS.max_steps, max_depth: int = _DEFAULTS.max_depth,
                max_elements: int = _DEFAULTS.max_elements, timeout: Optional[float] = _DEFAULTS.timeout,
                max_memory: int = _DEFAULTS.max_memory) -> Limits:
    """The limits of each run, with the command line's defaults (README, "Limits"); timeout 0 or
    None: no limit."""
    return Limits(max_steps=max_steps, max_depth=max_depth, max_elements=max_elements,
                  timeout=timeout or None, max_memory=max_memory)


@contextmanager
def located(source: Source) -> Iterator[None]:
    """Errors leave with the program they point into, so that `str(error)` is the full report."""
    try:
        yield
    except ProgramError as error:
        if error.source is None:
            error.source = source
        raise


def _names(names: Names) -> Optional[list]:
    if names is None:
        return None
    return [names] if isinstance(names, str) else list(names)


class Function:
    """A compiled program, called as a function of its inputs. Made by `compile` or `load`."""

    def __init__(self, program: Program, limits: Limits, engine: str = "auto"):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, not {engine!r}")
        self._program = program
        self._limits = limits
        self._engine = engine       # values, reverse mode and J·v: docs/performance.md, "Two engines"
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ what it is

    @property
    def name(self) -> str:
        """The file name of the program ('<expr>' for compiled text)."""
        return self._program.source.filename

    @property
    def source(self) -> str:
        """The program's text."""
        return self._program.source.text

    @property
    def inputs(self) -> tuple[str, ...]:
        """The names of the inputs, declared ones first, in the order of the program."""
        return tuple(self._program.input_names)

    @property
    def variables(self) -> tuple[str, ...]:
        """The top-level variables, any of which `of=NAME` can select as the output."""
        return tuple(self._program.variables)

    def __repr__(self) -> str:
        return f"<autodiff.Function {self.name} ({', '.join(self.inputs) or 'no inputs'})>"

    # ------------------------------------------------------------------ running it

    @contextmanager
    def _run(self) -> Iterator[None]:
        with self._lock, located(self._program.source):
            yield

    def _point(self, values: Optional[Mapping[str, Any]], inputs: dict) -> dict:
        point = dict(values) if values is not None else {}
        for name in inputs:
            if name in point:
                raise TypeError(f"input '{name}' is given twice: in the mapping and as a keyword")
        point.update(inputs)
        return point

    def __call__(self, values: Optional[Mapping[str, Any]] = None, /, *, of: Optional[str] = None,
                 **inputs: Any) -> Value:
        """The output's value: a float, or a numpy array."""
        return self.evaluate(values, of=of, **inputs).value

    def evaluate(self, values: Optional[Mapping[str, Any]] = None, /, *, of: Optional[str] = None,
                 **inputs: Any) -> Evaluation:
        """The output's value with the inputs used and the warnings (a non-finite result)."""
        with self._run():
            result = evaluate(self._program, self._point(values, inputs), of=of, limits=self._limits,
                              engine=self._engine)
        return Evaluation(value=result.output, inputs=result.inputs, output_name=result.output_name,
                          program=self.name, warnings=tuple(result.warnings))

    def grad(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None,
             of: Optional[str] = None, **inputs: Any) -> Gradient:
        """The gradient of a scalar output by reverse mode: `.value`, `.gradient[name]`, `.warnings`."""
        with self._run():
            result = Runner(self._program, wrt=_names(wrt), of=of, limits=self._limits, scalar_only=True,
                            engine=self._engine)(self._point(values, inputs))
        return Gradient(value=result.output, inputs=result.inputs, output_name=result.output_name,
                        program=self.name, warnings=tuple(result.warnings), gradient=result.derivatives)

    def value_and_grad(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None,
                       of: Optional[str] = None, **inputs: Any) -> tuple[Value, dict[str, Value]]:
        """(value, gradient by input name), as jax.value_and_grad gives them."""
        result = self.grad(values, wrt=wrt, of=of, **inputs)
        return result.value, result.gradient

    def vjp(self, values: Optional[Mapping[str, Any]] = None, /, *, cotangent: Any, wrt: Names = None,
            of: Optional[str] = None, **inputs: Any) -> VJP:
        """The vector-Jacobian product v·J for a cotangent v shaped like the output (one sweep)."""
        with self._run():
            result = Runner(self._program, wrt=_names(wrt), of=of, cotangent=cotangent, limits=self._limits,
                            engine=self._engine)(self._point(values, inputs))
        return VJP(value=result.output, inputs=result.inputs, output_name=result.output_name, program=self.name,
                   warnings=tuple(result.warnings), cotangent=_plain(cotangent), vjp=result.derivatives)

    def jacobian(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None,
                 of: Optional[str] = None, mode: str = "auto", **inputs: Any) -> Jacobian:
        """The Jacobian, one block per input shaped output.shape + input.shape; mode 'forward',
        'reverse' or 'auto' (whichever takes fewer passes)."""
        if mode not in ("auto", "forward", "reverse"):
            raise ValueError(f"mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
        with self._run():
            result = jacobian(self._program, self._point(values, inputs), mode=mode, wrt=_names(wrt), of=of,
                              limits=self._limits)
        return Jacobian(value=result.output, inputs=result.inputs, output_name=result.output_name,
                        program=self.name, warnings=tuple(result.warnings),
                        jacobian=first_blocks(result.orders[1]), mode=result.mode)

    def hessian(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None,
                of: Optional[str] = None, **inputs: Any) -> Hessian:
        """The gradient and the Hessian of a scalar output; `.hessian[x, y]` is shaped x.shape + y.shape."""
        with self._run():
            result = derivative_tensors(self._program, self._point(values, inputs), 2, wrt=_names(wrt), of=of,
                                        limits=self._limits)
        return Hessian(value=result.output, inputs=result.inputs, output_name=result.output_name,
                       program=self.name, warnings=tuple(result.warnings),
                       gradient=first_blocks(result.orders[1]), hessian=dict(result.orders[2]))

    def derivatives(self, values: Optional[Mapping[str, Any]] = None, /, *, order: int, wrt: Names = None,
                    of: Optional[str] = None, **inputs: Any) -> Derivatives:
        """Every derivative of a scalar output up to `order` (Taylor mode for one scalar input):
        `.derivatives[k][names]`, and `.series` for one scalar input."""
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ValueError(f"order must be a whole number of at least 1, not {order!r}")
        with self._run():
            result = derivative_tensors(self._program, self._point(values, inputs), order, wrt=_names(wrt),
                                        of=of, limits=self._limits)
        return Derivatives(value=result.output, inputs=result.inputs, output_name=result.output_name,
                           program=self.name, warnings=tuple(result.warnings), order=order,
                           derivatives={k: dict(blocks) for k, blocks in result.orders.items()},
                           method=result.mode or "nested")

    def jvp(self, values: Optional[Mapping[str, Any]] = None, /, *, direction: Mapping[str, Any],
            wrt: Names = None, of: Optional[str] = None, **inputs: Any) -> JVP:
        """The directional derivative J·v by one forward pass; `direction` by input (others: zero)."""
        with self._run():
            result = directional(self._program, self._point(values, inputs), dict(direction), wrt=_names(wrt),
                                 of=of, limits=self._limits, engine=self._engine)
        return JVP(value=result.output, inputs=result.inputs, output_name=result.output_name, program=self.name,
                   warnings=tuple(result.warnings), direction=_directions(direction), jvp=result.value)

    def hvp(self, values: Optional[Mapping[str, Any]] = None, /, *, direction: Mapping[str, Any],
            wrt: Names = None, of: Optional[str] = None, **inputs: Any) -> HVP:
        """The gradient and the Hessian-vector product H·v of a scalar output, without forming H."""
        with self._run():
            result = hessian_vector(self._program, self._point(values, inputs), dict(direction),
                                    wrt=_names(wrt), of=of, limits=self._limits)
        return HVP(value=result.output, inputs=result.inputs, output_name=result.output_name, program=self.name,
                   warnings=tuple(result.warnings), direction=_directions(direction),
                   gradient=first_blocks(result.orders[1]), hvp=first_blocks(result.value))

    def grad_points(self, points: Any, /, *, wrt: Names = None, of: Optional[str] = None) -> GradientPoints:
        """The value and gradient at many points: an iterable of mappings, a mapping of columns
        (a dict of lists or arrays, a data frame), or a 2-D array whose columns are the inputs."""
        from .points import grad_points
        with self._run():
            return grad_points(self._program, points, _names(wrt), of, self._limits)

    def trace(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None, of: Optional[str] = None,
              cotangent: Any = None, limit: int = 200, start: Optional[int] = None, **inputs: Any) -> Trace:
        """The Wengert list of one run and its backward sweep (`autodiff trace`); a table in Jupyter."""
        from .views import make_trace
        with self._run():
            return make_trace(self._program, self._point(values, inputs), _names(wrt), of, cotangent, limit, start,
                              self._limits)

    def graph(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None, of: Optional[str] = None,
              collapse: bool = False, gradients: bool = True, **inputs: Any) -> Graph:
        """The computational graph of one run (`autodiff graph`): SVG in Jupyter when Graphviz is
        installed, else a text tree."""
        from .views import make_graph
        with self._run():
            return make_graph(self._program, self._point(values, inputs), _names(wrt), of, collapse, gradients,
                              self._limits)


    # ------------------------------------------------------------------ the derivative as code

    def emit(self, values: Optional[Mapping[str, Any]] = None, /, *, mode: str = "reverse", to: str = "expr",
             wrt: Names = None, of: Optional[str] = None, **inputs: Any) -> Emitted:
        """The derivative as a program (`autodiff emit`): `mode` "reverse" (the adjoint) or
        "forward" (the tangent), `to` "expr" (the language) or "python" (a numpy-only module).
        The code is specialised to the shapes of the inputs' values (docs/emit.md)."""
        from autodiff.diffcore.emit.api import emit
        with self._run():
            return emit(self._program, self._point(values, inputs), mode=mode, target=to, wrt=_names(wrt), of=of)

    def formula(self, values: Optional[Mapping[str, Any]] = None, /, *, wrt: Names = None,
                of: Optional[str] = None, **inputs: Any) -> Formula:
        """The derivative of a loop-free program's scalar output as one simplified formula per
        input (`autodiff grad --formula`): `.gradient[name]` and the named `.subexpressions`."""
        from autodiff.diffcore.emit.formula import derive
        with self._run():
            return derive(self._program, self._point(values, inputs), wrt=_names(wrt), of=of, limits=self._limits)


def _plain(value: Any) -> Value:
    array = np.asarray(value, dtype=np.float64)
    return float(array) if array.ndim == 0 else array


def _directions(direction: Mapping[str, Any]) -> dict[str, Value]:
    return {name: _plain(value) for name, value in direction.items()}


def compile(text: str, /, *, name: str = "<expr>", max_steps: int = _DEFAULTS.max_steps,
            max_depth: int = _DEFAULTS.max_depth, max_elements: int = _DEFAULTS.max_elements,
            timeout: Optional[float] = _DEFAULTS.timeout, max_memory: int = _DEFAULTS.max_memory,
            engine: str = "auto") -> Function:
    """A `Function` from program text; `name` is shown in errors. The limits apply to each run;
    `engine` ("auto", "compiled" or "tape") runs values, gradients, VJPs and JVPs as `--engine` does."""
    if not isinstance(text, str):
        raise TypeError(f"compile() takes the program's text as a str, not {type(text).__name__}")
    source = Source(text, name)
    limits = make_limits(max_steps, max_depth, max_elements, timeout, max_memory)
    with located(source):
        return Function(Program(source), limits, engine)


def load(path: Union[str, os.PathLike], /, *, max_steps: int = _DEFAULTS.max_steps,
         max_depth: int = _DEFAULTS.max_depth, max_elements: int = _DEFAULTS.max_elements,
         timeout: Optional[float] = _DEFAULTS.timeout, max_memory: int = _DEFAULTS.max_memory,
         engine: str = "auto") -> Function:
    """A `Function` from a program file (UTF-8); the limits and `engine` as for `compile`."""
    filename = os.fspath(path)
    with builtins.open(filename, "rb") as handle, located(Source("", filename)):
        text = decode_program(read_program_bytes(handle))
    return compile(text, name=filename, max_steps=max_steps, max_depth=max_depth, max_elements=max_elements,
                   timeout=timeout, max_memory=max_memory, engine=engine)
