"""What `autodiff explain` shows: one run of a program, as the steps of a lesson.

A `Lesson` gathers, as plain data, everything the explain page puts in front of a
learner (the command line turns it into HTML; this module knows nothing of pages):

* the source, with the lines that ran and the decision each `if`/`while` condition took
  (recorded by the interpreter in `Runtime.decisions` during this one run);
* the computational graph (`recorder.build_graph` with gradients: forward values on the
  nodes, the contribution sent back along each edge, so that a reused variable's adjoint
  is visibly the sum 12 + 10 = 22), with detached values linked to what they detached;
* the steps: every tape entry of the forward pass in order, then every entry the backward
  sweep visited, in sweep order; each step names the graph node it lights up;
* the final gradients, and for a program of one scalar input, f, f' and f'' sampled
  around the point (by Taylor mode, as `plot` does).

Size: a page walks through at most MAX_STEPS tape entries (a longer tape is refused, with
a hint to use `trace --from`), and the graph is drawn one node per tape entry up to
MAX_GRAPH_NODES nodes; beyond that, each source operation (a loop body's step, a function
called many times) becomes one group node with a count, as `graph --collapse` does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from autodiff.grammar import ast, parse
from autodiff.grammar.source import ProgramError

from ..engine.errors import LimitExceeded
from ..interpreter.runtime import Limits
from ..program import Program
from .recorder import Graph, Recording, Samples, build_graph, record, sample_derivatives

MAX_STEPS = 2000            # tape entries a page steps through
MAX_GRAPH_NODES = 120       # nodes drawn one per tape entry; more: one group per source operation
PLOT_ORDER = 2
# Not a round grid, so that a sample rarely lands exactly on a point like 0, where a loop such as
# seed_control_flow's `while norm(b) < 1000: b = b * 2` never ends (and the plot would be dropped).
PLOT_POINTS = 160


@dataclass
class Decision:
    """A condition of an `if` or `while`, and what it evaluated to each time it ran."""
    kind: str                   # 'if' or 'while'
    span: Any                   # the condition's span
    outcomes: list              # [bool], in the order they ran

    @property
    def summary(self) -> str:
        true = sum(self.outcomes)
        if self.kind == "while":
            return f"true {true} time{'s' if true != 1 else ''}, then false" if self.outcomes and \
                not self.outcomes[-1] else f"true {true} times"
        if len(self.outcomes) == 1:
            return "true → its branch ran" if true else "false → its branch was skipped"
        return f"true {true} of {len(self.outcomes)} times"


@dataclass
class Step:
    """One step of the walk: a tape entry in the forward pass, or its visit in the backward sweep."""
    phase: str                  # 'forward' or 'backward'
    entry: int                  # the tape entry
    node: str                   # the graph node that shows it
    adjoint: Any = None         # backward: d output / d this entry
    sends: list = field(default_factory=list)   # backward: [(operand position, parent entry, contribution)]


@dataclass
class Lesson:
    recording: Recording
    graph: Graph
    node_of: dict               # tape entry -> graph node id
    steps: list                 # [Step]: forward, then backward
    decisions: list             # [Decision], in source order
    executed_lines: list        # line numbers (1-based) of statements that ran
    samples: Optional[Samples]
    point: Optional[float]      # the plotted input's value at this run
    at_point: Optional[list] = None         # [f, f', f''] exactly at the point
    plot_problem: Optional[str] = None      # why a scalar program has no plot (it failed around the point)

    @property
    def forward_count(self) -> int:
        return sum(1 for s in self.steps if s.phase == "forward")


def explain(program: Program, at: dict, wrt: Optional[list] = None, of: Optional[str] = None,
            limits: Optional[Limits] = None, cotangent: Any = None, plot: bool = True) -> Lesson:
    """Record one run and its backward sweep, and gather what the page shows (see the module doc)."""
    limits = limits or Limits()
    runtime = program.compiled.runtime
    decisions: list = []
    runtime.decisions = decisions
    try:
        rec = record(program, at, wrt=wrt, of=of, limits=limits, cotangent=cotangent)
    finally:
        runtime.decisions = None
    if rec.length > MAX_STEPS:
        raise LimitExceeded(f"the run recorded {rec.length:,} tape entries; a page walks through at most "
                            f"{MAX_STEPS:,}", hint="explain a smaller case (fewer loop iterations), or page "
                            "through the tape with `autodiff trace --from N --limit N`", limit="explain")
    graph = build_graph(rec, collapse=False, gradients=True)
    if len(graph.nodes) > MAX_GRAPH_NODES:
        graph = build_graph(rec, collapse=True, gradients=True)
    node_of = _owners(rec, graph)
    steps = [Step("forward", i, node_of[i]) for i in range(rec.length)]
    for i in sorted(rec.steps, key=rec.steps.get):
        steps.append(Step("backward", i, node_of[i], rec.adjoints.get(i), rec.sent_by(i)))
    # The inputs come last in the sweep, with their gradient (the sweep does not visit them).
    for name, node in rec.input_nodes.items():
        if node not in rec.steps and node in rec.adjoints:
            steps.append(Step("backward", node, node_of[node], rec.adjoints[node], []))
    grouped = _group(decisions, _while_conditions(program))
    executed = _executed_lines(program, rec, grouped)
    samples, point, problem = _samples(program, rec, at, of, limits) if plot else (None, None, None)
    at_point = None
    if samples is not None:         # the grid need not hold the point itself: one more exact sample
        exact = sample_derivatives(program, at, samples.wrt, point, point + 1.0, 2, PLOT_ORDER, of=of, limits=limits)
        at_point = [float(v[0]) for v in exact.values]
    return Lesson(rec, graph, node_of, steps, grouped, executed, samples, point, at_point=at_point,
                  plot_problem=problem)


def _owners(rec: Recording, graph: Graph) -> dict:
    """Tape entry -> the id of the graph node drawing it (itself, or its group when collapsed)."""
    owners: dict = {}
    if not graph.collapsed:
        return {i: f"v{i}" for i in range(rec.length)}
    first: dict = {}
    for i in range(rec.length):
        owners[i] = first.setdefault(rec.group_key(i), f"v{i}")
    return owners


def _while_conditions(program: Program) -> set:
    try:
        module = parse(program.source)
    except ProgramError:            # pragma: no cover - the program was parsed once already
        return set()
    found, stack = set(), list(module.body)
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.While):
            found.add(stmt.cond.span)
        for name in type(stmt).__slots__:
            value = getattr(stmt, name)
            if isinstance(value, tuple):
                for item in value:
                    if isinstance(item, tuple):     # an if's (condition, body) pairs
                        stack.extend(x for x in item if isinstance(x, tuple) for x in x)
                    elif isinstance(item, ast.Node):
                        stack.append(item)
    return found


def _group(decisions: list, while_spans: set) -> list:
    by_span: dict = {}
    for span, taken in decisions:
        by_span.setdefault(span, []).append(bool(taken))
    return [Decision("while" if s in while_spans else "if", s, v)
            for s, v in sorted(by_span.items(), key=lambda p: (p[0].line, p[0].col))]


def _executed_lines(program: Program, rec: Recording, decisions: list) -> list:
    """The lines of the statements that ran, read from the AST and what the run recorded.

    A top-level statement ran (the run succeeded); a function's statements ran if it was called
    (an operation was recorded, or a condition evaluated, inside it); a branch's statements ran
    if its condition was true (or, for `else`, all were false); a loop body if its condition
    was true at least once.
    """
    try:
        module = parse(program.source)
    except ProgramError:            # pragma: no cover - the program was parsed once already
        return []
    outcome = {d.span: d.outcomes for d in decisions}
    touched = {span.line for span in rec.tape.spans if span is not None}
    touched |= {d.span.line for d in decisions}
    lines: set = set()

    def inside(stmt) -> bool:
        return any(stmt.span.line <= line <= stmt.span.end_line for line in touched)

    def visit(statements) -> None:
        for stmt in statements:
            if isinstance(stmt, ast.FunctionDef):
                if inside(stmt):
                    lines.add(stmt.span.line)
                    visit(stmt.body)
                continue
            if isinstance(stmt, ast.BackwardDef):
                continue
            lines.add(stmt.span.line)
            if isinstance(stmt, ast.If):
                all_false = True
                for cond, body in stmt.branches:
                    ran = outcome.get(cond.span)
                    if ran is None:
                        all_false = False
                        break
                    lines.add(cond.span.line)
                    if any(ran):
                        visit(body)
                    if not all(not r for r in ran):
                        all_false = False
                        if all(ran):
                            break
                if stmt.orelse and all_false:
                    visit(stmt.orelse)
            elif isinstance(stmt, ast.While):
                if any(outcome.get(stmt.cond.span, [])):
                    visit(stmt.body)
            elif isinstance(stmt, (ast.For, ast.With)):
                if inside(stmt):
                    visit(stmt.body)

    visit(module.body)
    return sorted(lines)


def _samples(program: Program, rec: Recording, at: dict, of: Optional[str], limits: Limits):
    """f, f', f'' around the point, for a program of one scalar input with a scalar output."""
    if len(rec.wrt) != 1 or np.ndim(rec.output_value) != 0:
        return None, None, None
    name = rec.wrt[0]
    x = rec.inputs.get(name)
    if x is None or np.ndim(x) != 0:
        return None, None, None
    x = float(x)
    half = max(2.0, abs(x))
    try:
        samples = sample_derivatives(program, at, name, x - half, x + half, PLOT_POINTS, PLOT_ORDER, of=of,
                                     limits=limits)
    except ProgramError as error:
        # The page still teaches without its plot (an assertion that holds only at this point).
        return None, None, f"no plot: around {name} = {x:g} the program fails ({error.message})"
    if samples.errors:
        return samples, x, f"the program fails at {samples.errors} of {PLOT_POINTS} points: gaps in the plot"
    return samples, x, None


__all__ = ["Lesson", "Step", "Decision", "explain", "MAX_STEPS", "MAX_GRAPH_NODES"]
