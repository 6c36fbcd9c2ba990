"""`Function.grad_points`: the value and gradient at many points, stacked into arrays.

The points come as an iterable of mappings ({"x": 1.0, "y": 2.0} each), a mapping of columns
({"x": [1, 2, 3], "y": [4, 5, 6]}, a data frame's columns, a column of an array input holding
one row per point), or a 2-D array whose columns are the inputs in the program's order. The
differentiation is set up once and run at each point, each a run of its own (with its own
deadline) inside one outer run context, as `autodiff grad --points` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

import numpy as np

from autodiff.diffcore.derivatives import Differentiator
from autodiff.diffcore.engine.context import Limits, RunContext
from autodiff.diffcore.engine.notes import Diagnostic
from autodiff.diffcore.program import Program, UsageError

from .results import Gradient, derivative_label
from .tables import html_table, markdown_table


@dataclass(frozen=True, kw_only=True)
class GradientPoints:
    """Values and gradients at many points: `value[i]`, `gradient[name][i]`, `inputs[name][i]` for
    point i; `warnings` as (point index, Diagnostic); `results[i]`, the Gradient of point i."""
    value: np.ndarray
    gradient: dict[str, np.ndarray]
    inputs: dict[str, np.ndarray]
    output_name: Optional[str]
    program: str
    warnings: tuple[tuple[int, Diagnostic], ...]
    results: tuple[Gradient, ...]

    def __len__(self) -> int:
        return len(self.results)

    def _table(self) -> tuple[tuple, list]:
        out = self.output_name or "f"
        header = ("#",) + tuple(self.inputs) + (out,) + tuple(derivative_label(out, (n,)) for n in self.gradient)
        rows = [(str(i),) + tuple(r.inputs[n] for n in self.inputs) + (r.value,) + tuple(r.gradient.values())
                for i, r in enumerate(self.results)]
        return header, rows

    def _notes(self) -> list[str]:
        return [f"point {i}: warning: {w.kind}: {w.message}" for i, w in self.warnings]

    def _repr_html_(self) -> str:
        header, rows = self._table()
        return html_table(header, rows, caption=f"GradientPoints of {self.program} ({len(self)} points)",
                          notes=self._notes())

    def _repr_markdown_(self) -> str:
        header, rows = self._table()
        return markdown_table(header, rows, self._notes())


def each_point(points: Any, names: list) -> Iterator[dict]:
    """The points as {name: value} mappings (see the module's docstring for the forms)."""
    if isinstance(points, np.ndarray):
        if points.ndim != 2:
            raise ValueError(f"an array of points must have two dimensions (one row per point, one column per "
                             f"input), not {points.ndim}")
        if points.shape[1] != len(names):
            raise ValueError(f"an array of points needs one column per input ({', '.join(names)}): it has "
                             f"{points.shape[1]}")
        for row in points:
            yield dict(zip(names, row))
        return
    if hasattr(points, "keys") and not isinstance(points, (str, bytes)):
        columns = {name: points[name] for name in points.keys()}
        lengths = {name: len(column) for name, column in columns.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError("the columns of the points have different lengths: "
                             + ", ".join(f"{name}: {n}" for name, n in lengths.items()))
        count = next(iter(lengths.values()), 0)
        for i in range(count):
            yield {name: _item(column, i) for name, column in columns.items()}
        return
    for point in points:
        if not hasattr(point, "keys"):
            raise TypeError(f"each point must be a mapping of input names to values, not {type(point).__name__}")
        yield dict(point)


def _item(column: Any, i: int) -> Any:
    iloc = getattr(column, "iloc", None)        # a data frame's column is indexed by label otherwise
    return iloc[i] if iloc is not None else column[i]


def grad_points(program: Program, points: Any, wrt: Optional[list], of: Optional[str],
                limits: Limits) -> GradientPoints:
    differentiator = Differentiator(program, wrt=wrt, of=of, limits=limits, scalar_only=True)
    results, warnings = [], []
    with RunContext(limits.replace(timeout=None)):      # each point has its own deadline inside
        for index, point in enumerate(each_point(points, program.input_names)):
            try:
                result = differentiator(point)
            except Exception as error:
                error.add_note(f"at point {index} of the points")
                raise
            results.append(Gradient(value=result.output, inputs=result.inputs, output_name=result.output_name,
                                    program=program.source.filename, warnings=tuple(result.warnings),
                                    gradient=result.derivatives))
            warnings += [(index, w) for w in result.warnings]
    if not results:
        raise UsageError("grad_points: no points were given")
    first = results[0]
    return GradientPoints(value=_stack("the output", [r.value for r in results]),
                          gradient={n: _stack(f"the gradient of {n}", [r.gradient[n] for r in results])
                                    for n in first.gradient},
                          inputs={n: _stack(f"input '{n}'", [r.inputs[n] for r in results]) for n in first.inputs},
                          output_name=first.output_name, program=program.source.filename,
                          warnings=tuple(warnings), results=tuple(results))


def _stack(what: str, values: list) -> np.ndarray:
    shapes = {np.shape(v) for v in values}
    if len(shapes) > 1:
        raise UsageError(f"grad_points: {what} has different shapes at different points "
                         f"({', '.join(str(s) for s in sorted(shapes))})", hint="give every point the same shapes")
    return np.array(values, dtype=np.float64)
