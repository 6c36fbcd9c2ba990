"""The results of a Function's methods: small frozen dataclasses of floats and numpy arrays.

Every result has the output's `value`, the `inputs` the run used, the `output_name`, the
`program`'s name and the run's `warnings` (Diagnostics: kinks met, non-finite values); each
kind adds its derivatives. In Jupyter a result is a table (`_repr_html_`, `_repr_markdown_`)
with the rows the command line prints.
"""
from __future__ import annotations

from itertools import groupby
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np

from autodiff.diffcore.engine.notes import Diagnostic

from .tables import html_table, markdown_table

Value = Union[float, np.ndarray]
HEADER = ("", "name", "value")


def first_blocks(blocks: dict) -> dict:
    """{('x',): block} -> {'x': block}: first-order blocks by input name."""
    return {names[0]: block for names, block in blocks.items()}


def derivative_label(out: str, names: tuple) -> str:
    """'df/dx', 'd2f/dx2', 'd2f/dx dy', 'd3f/dx2 dy', 'd3f/dx dy dx': runs of the same name in the
    order of differentiation, so that every block of an order has a label of its own (counting
    names instead would print x,x,y and x,y,x both as 'dx2 dy': two CSV columns of one name)."""
    order = len(names)
    if order == 1:
        return f"d{out}/d{names[0]}"
    parts = []
    for name, run in groupby(names):
        count = len(list(run))
        parts.append(f"d{name}{count if count > 1 else ''}")
    return f"d{order}{out}/" + " ".join(parts)


@dataclass(frozen=True, kw_only=True)
class Result:
    """What every result has."""
    value: Value
    inputs: dict[str, Value]
    output_name: Optional[str]
    program: str
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def out(self) -> str:
        """The output's name in labels: the variable, or 'f'."""
        return self.output_name or "f"

    def rows(self) -> list[tuple[str, str, Any]]:
        """(section, label, value) for the table: the inputs, the output, then the derivatives."""
        return ([("input", name, value) for name, value in self.inputs.items()]
                + [("output", self.out, self.value)] + self._derivative_rows())

    def _derivative_rows(self) -> list[tuple[str, str, Any]]:
        return []

    def _notes(self) -> list[str]:
        return [f"warning: {w.kind}: {w.message}" + (f" (line {w.span.line})" if w.span is not None else "")
                for w in self.warnings]

    def _repr_html_(self) -> str:
        return html_table(HEADER, self.rows(), caption=f"{type(self).__name__} of {self.program}",
                          notes=self._notes())

    def _repr_markdown_(self) -> str:
        return f"**{type(self).__name__}** of `{self.program}`\n\n" + markdown_table(HEADER, self.rows(),
                                                                                       self._notes())


@dataclass(frozen=True, kw_only=True)
class Evaluation(Result):
    """The value of one run (`Function.evaluate`)."""


@dataclass(frozen=True, kw_only=True)
class Gradient(Result):
    """The gradient of a scalar output by input name (`Function.grad`)."""
    gradient: dict[str, Value]

    def _derivative_rows(self) -> list:
        return [("gradient", derivative_label(self.out, (n,)), g) for n, g in self.gradient.items()]


@dataclass(frozen=True, kw_only=True)
class VJP(Result):
    """The vector-Jacobian product cotangent·J by input name (`Function.vjp`)."""
    cotangent: Value
    vjp: dict[str, Value]

    def _derivative_rows(self) -> list:
        return [("cotangent", "v", self.cotangent)] + [("vjp", f"v·d{self.out}/d{n}", g) for n, g in self.vjp.items()]


@dataclass(frozen=True, kw_only=True)
class Jacobian(Result):
    """The Jacobian by input name, each block shaped output.shape + input.shape (`Function.jacobian`);
    `mode`: 'forward' or 'reverse', the mode that computed it."""
    jacobian: dict[str, Value]
    mode: str

    def _derivative_rows(self) -> list:
        return [("jacobian", derivative_label(self.out, (n,)), j) for n, j in self.jacobian.items()]

    def _notes(self) -> list[str]:
        return [f"mode: {self.mode}"] + super()._notes()


@dataclass(frozen=True, kw_only=True)
class Hessian(Result):
    """The gradient and the Hessian blocks `hessian[x, y]`, shaped x.shape + y.shape (`Function.hessian`)."""
    gradient: dict[str, Value]
    hessian: dict[tuple[str, str], Value]

    def _derivative_rows(self) -> list:
        return ([("gradient", derivative_label(self.out, (n,)), g) for n, g in self.gradient.items()]
                + [("hessian", derivative_label(self.out, names), h) for names, h in self.hessian.items()])


@dataclass(frozen=True, kw_only=True)
class Derivatives(Result):
    """Every derivative up to `order`: `derivatives[k][names]` is d^k f / d names (`Function.derivatives`);
    `method`: 'taylor' (one scalar input) or 'nested' (Jacobians of Jacobians)."""
    order: int
    derivatives: dict[int, dict[tuple[str, ...], Value]]
    method: str

    @property
    def series(self) -> list[float]:
        """[f, f', f'', ..., f^(order)] for a program of one scalar input."""
        blocks = [self.derivatives[k] for k in range(1, self.order + 1)]
        if any(len(b) != 1 or np.ndim(next(iter(b.values()))) for b in blocks):
            raise ValueError("series: the derivatives are not those of one scalar input")
        return [float(self.value)] + [float(next(iter(b.values()))) for b in blocks]

    def _derivative_rows(self) -> list:
        return [({1: "gradient", 2: "hessian"}.get(k, f"order {k}"), derivative_label(self.out, names), block)
                for k, blocks in self.derivatives.items() for names, block in blocks.items()]


@dataclass(frozen=True, kw_only=True)
class JVP(Result):
    """The directional derivative J·v for the `direction` v, shaped like the output (`Function.jvp`)."""
    direction: dict[str, Value]
    jvp: Value

    def _derivative_rows(self) -> list:
        return ([("direction", name, v) for name, v in self.direction.items()]
                + [("jvp", f"J·v of {self.out}", self.jvp)])


@dataclass(frozen=True, kw_only=True)
class HVP(Result):
    """The gradient and the Hessian-vector product H·v by input name (`Function.hvp`)."""
    direction: dict[str, Value]
    gradient: dict[str, Value]
    hvp: dict[str, Value]

    def _derivative_rows(self) -> list:
        return ([("direction", name, v) for name, v in self.direction.items()]
                + [("gradient", derivative_label(self.out, (n,)), g) for n, g in self.gradient.items()]
                + [("hvp", f"(H·v)[{n}]", p) for n, p in self.hvp.items()])
