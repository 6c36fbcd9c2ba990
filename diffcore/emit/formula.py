"""The derivative of a loop-free program as one formula per input (`autodiff grad --formula`).

The program runs once, its inputs symbolic tracers (symbolic.py) watched by the ordinary
reverse-mode recording; the ordinary backward sweep then runs the registry's rules on those
tracers, which records them, exactly as a second-order derivative is recorded. What comes out
for each input is an expression, simplified (simplify.py) and printed (printing.py), its common
subexpressions named `t1`, `t2`, ... where they are used more than once.

A formula must hold at every point, so what makes the derivative depend on the point in a way
an expression of primitives does not say is refused before running, with its location:
branches and loops (`if`, `while`, `for`, `a if c else b`), comparisons and `and`/`or`/`not`,
`//` and `%`, `with no_grad:` / `with checkpoint:`, custom `backward` rules, and the builtins
whose derivative is piecewise (abs, relu, max, where, ...) or that cut the derivative (detach,
sign, floor, ...). While running, `x ^ y` with both sides variable is refused too (its rule
uses log(x) only where x > 0). Last, the formula is evaluated at the sample point and at two
points around it and compared with the tape's gradient there: a disagreement (a value read
from the point that no rule above names) is refused rather than shown.

The inputs' values (defaults, --at) give the shapes; an input without one is a number (0.5).
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from autodiff.grammar import ast, parse
from autodiff.grammar.source import ProgramError

from ..derivatives import Differentiator, resolve_wrt
from ..engine.broadcasting import value_shape
from ..engine.context import Limits, RunContext
from ..engine.reverse import Box, ReverseTrace, backward
from ..engine.tracing import Primitive
from ..program import Program, discard, plain_output
from .printing import NotPrintable, Printer, common_subexpressions
from .simplify import simplify
from .symbolic import ExprTable, SymbolicTrace, SymTracer, evaluate

# A number for an input without a value: inside the domain of log, sqrt, asin, acos.
SAMPLE = 0.5

# Names of the temporaries: t1, t2, ... (skipping the program's own names).
PREFIX = "t"

CONSTRUCTS = {
    ast.If: "an if statement", ast.While: "a while loop", ast.For: "a for loop",
    ast.Break: "break", ast.Continue: "continue", ast.IfExp: "a conditional expression (a if c else b)",
    ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.BackwardDef: "a custom backward rule",
}

PIECEWISE = {
    "abs": "its derivative is sign(x)", "relu": "its derivative steps at 0",
    "maximum": "its derivative follows the larger argument", "minimum": "its derivative follows the smaller argument",
    "clip": "its derivative steps at the bounds", "max": "its derivative follows the largest element",
    "min": "its derivative follows the smallest element", "hypot": "its derivative at (0, 0) is a subgradient",
    "norm": "its derivative at 0 is a subgradient", "where": "which value it takes depends on the point",
    "sign": "it is a step function", "floor": "it is a step function", "ceil": "it is a step function",
    "round": "it is a step function", "detach": "it cuts the derivative at the point's value",
    "any": "it tests values", "all": "it tests values", "isnan": "it tests values", "isfinite": "it tests values",
    "allclose": "it tests values", "isclose": "it tests values",
    "sort": "its derivative follows the order of the values", "topk": "its derivative follows the order of the values",
    "argsort": "it reads positions from the values", "argmax": "it reads a position from the values",
    "argmin": "it reads a position from the values", "arange": "its length depends on its bounds",
    "grad": "derivatives inside the program are not written out", "value_and_grad": "derivatives inside the "
    "program are not written out", "jacobian": "derivatives inside the program are not written out",
    "hessian": "derivatives inside the program are not written out", "jvp": "derivatives inside the program "
    "are not written out", "vjp": "derivatives inside the program are not written out",
}


class NoFormula(ProgramError):
    """The program's derivative cannot be written as one formula (and why, where)."""


HINT = "--formula takes straight-line code (functions are inlined); drop --formula for the numbers"


class Formula:
    """Per input, the text of its derivative; the named subexpressions they use; the nodes."""

    def __init__(self, output_name: Optional[str], inputs: dict, gradient: dict, subexpressions: dict,
                 nodes: dict, table: ExprTable):
        self.output_name = output_name
        self.inputs = inputs                    # the sample values used (they give the shapes)
        self.gradient = gradient                # input name -> text (language)
        self.subexpressions = subexpressions    # t1 -> text, in order of definition
        self.nodes = nodes                      # input name -> simplified node
        self.table = table

    def program_text(self, name: str) -> str:
        """A program of the language whose output is the derivative of `name` (the inputs are
        its own implicit inputs)."""
        lines = [f"{n} = {text}" for n, text in self.subexpressions.items()]
        return "\n".join(lines + [self.gradient[name]]) + "\n"


def check_loop_free(program: Program) -> None:
    """Refuse, with its location, the first construct whose derivative a formula cannot express."""
    module = parse(program.source)
    stack = list(reversed(module.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, ast.Node):
            continue
        what = CONSTRUCTS.get(type(node))
        if isinstance(node, ast.UnaryOp) and node.op == "not":
            what = "not"
        if isinstance(node, ast.BinaryOp) and node.op in ("//", "%"):
            what = f"'{node.op}' (a step function of its operands)"
        if isinstance(node, ast.With):
            what = f"with {getattr(node.context, 'id', 'a block')}:"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in PIECEWISE:
            raise NoFormula(f"--formula: {node.func.id}() has no formula valid at every point: "
                            f"{PIECEWISE[node.func.id]}", node.span, hint=HINT)
        if what is not None:
            raise NoFormula(f"--formula: {what} makes the derivative depend on the point; a formula is "
                            "written for loop-free, branch-free programs", node.span, hint=HINT)
        if isinstance(node, ast.Assert):
            continue                # a check: it changes no value
        stack.extend(getattr(node, name) for name in reversed(ast.fields(node)) if name != "span")


class _FormulaTrace(SymbolicTrace):
    """A symbolic trace that refuses x ^ y with both sides variable (see the module docstring), and
    notes where the program first calls each primitive (`calls`: name -> span), so that a formula
    the language cannot write (a derivative of sinc) is refused at the call it comes from."""

    __slots__ = ("calls",)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if prim.name == "pow" and all(isinstance(a, SymTracer) or isinstance(a, Box) for a in args):
            raise NoFormula("--formula: x ^ y with a variable base and exponent: its derivative in the "
                            "exponent is log(x) only where x > 0", self.context.location, hint=HINT)
        self.calls.setdefault(prim.name, self.context.location)
        return super().process(prim, args, params)


def _unwritable(refusal: NotPrintable, calls: dict, last) -> NoFormula:
    """The refusal of a formula the language cannot write, at the first call of a primitive it holds."""
    span = calls.get(refusal.op) or last
    return NoFormula(f"--formula: the derivative holds {refusal}", span, hint=HINT)


def sample_values(program: Program, at: dict) -> dict:
    """The values the run uses: --at, else a number for the inputs that have no default."""
    values = dict(at)
    for info in program.inputs:
        if info.name not in values and not info.has_default:
            values[info.name] = SAMPLE
    return values


def derive(program: Program, at: dict, wrt: Optional[list] = None, of: Optional[str] = None,
           limits: Optional[Limits] = None) -> Formula:
    """The formula of the derivative of the program's (scalar) output with respect to each input."""
    check_loop_free(program)
    wrt = resolve_wrt(program, wrt)
    at = sample_values(program, at)
    limits = limits or Limits()
    table = ExprTable()
    with RunContext(limits) as context:
        symbolic = _FormulaTrace(context.next_level(), table)
        symbolic.calls = {}
        tape = ReverseTrace(context.next_level(), context)
        tape.fuse = False
        boxes: dict = {}

        variables: dict = {}

        def watch(name, value):
            # every input is a variable of the formula; those differentiated are watched by the tape
            variables[name] = symbolic.variable(name, value)
            if name not in wrt:
                return variables[name]
            boxes[name] = tape.new_input(variables[name], name)
            return boxes[name]
        try:
            result = program.run(at, limits, watch=watch, print_fn=discard, of=of, context=context)
        finally:
            tape.close()
            context.release_level()
        output = result.output
        value = plain_output(output)
        if value_shape(value):
            raise NoFormula(f"--formula needs an output that is one number, not an array of shape "
                            f"{value_shape(value)}", hint="sum it in the program (sum(...)) or select one with --of")
        names = [n for n in wrt if n in boxes]
        if type(output) is Box and output.trace is tape:
            grads = backward(tape, output.node, 1.0, [boxes[n].node for n in names])
        else:
            grads = [None] * len(names)
        symbolic.close()
        context.release_level()
        nodes = {}
        for name in wrt:
            g = grads[names.index(name)] if name in names else None
            if g is None:
                g = np.zeros(np.shape(result.inputs.get(name, at.get(name)))) if name in at else 0.0
                if np.ndim(g) == 0:
                    g = 0.0
            node = symbolic.expression(g)
            shape = variables[name].expr.shape if name in variables else np.shape(g)
            if node.shape != shape:
                node = table.call(_broadcast_prim(), (node,), {"shape": shape}, shape)
            nodes[name] = node
    simple = dict(zip(nodes, simplify(list(nodes.values()), table)))
    samples = {n: v.value for n, v in variables.items()}
    module = parse(program.source)
    last = module.body[-1].span if module.body else None
    _check_at_points(program, simple, samples, at, wrt, of, limits, last)
    try:
        gradient, subexpressions = write(simple, set(program.input_names) | set(program.variables))
    except NotPrintable as refusal:
        raise _unwritable(refusal, symbolic.calls, last) from None
    return Formula(result.output_name, result.inputs, gradient, subexpressions, simple, table)


def _broadcast_prim() -> Primitive:
    from ..engine.tracing import REGISTRY
    return REGISTRY["broadcast_to"]


def write(nodes: dict, taken: set, min_calls: int = 3) -> tuple:
    """(input -> text, name -> text of each named common subexpression)."""
    roots = list(nodes.values())
    names: dict = {}
    counter = 0
    for node in common_subexpressions(roots, min_calls):
        counter += 1
        while f"{PREFIX}{counter}" in taken:
            counter += 1
        names[id(node)] = f"{PREFIX}{counter}"
    printer = Printer("expr", names)
    definitions = {names[id(n)]: printer(n, define=True)
                   for n in common_subexpressions(roots, min_calls)}
    return {name: printer(node) for name, node in nodes.items()}, definitions


def _check_at_points(program: Program, nodes: dict, samples: dict, at: dict, wrt: list, of: Optional[str],
                     limits: Limits, last) -> None:
    """Compare the formula with the tape's gradient at the point and two points around it (a
    disagreement is refused at `last`, the program's last statement, which computes the output)."""
    rng = np.random.default_rng(20240515)
    differentiator = Differentiator(program, wrt=wrt, of=of, limits=limits, print_fn=discard)
    for k in range(3):
        point = dict(at)
        for name, value in samples.items():
            v = np.asarray(value, dtype=np.float64)
            step = 0.0 if k == 0 else rng.normal(0.0, 0.5 * np.maximum(1.0, np.abs(v)))
            moved = v + step
            point[name] = float(moved) if moved.ndim == 0 else moved
        try:
            expected = differentiator(point).derivatives
            with np.errstate(all="ignore"):
                got = evaluate(list(nodes.values()), point)
        except ProgramError:
            continue                # out of the program's domain there: nothing to compare
        for name, value in zip(nodes, got):
            a, b = np.asarray(value, dtype=float), np.asarray(expected[name], dtype=float)
            both = np.isfinite(a) & np.isfinite(b)
            if np.any(np.abs(a - b)[both] > 1e-8 * np.maximum(1.0, np.abs(b)[both])):
                raise NoFormula(f"--formula: the derivative with respect to '{name}' depends on the point in a "
                                "way this formula does not capture (a value read from the point)", last,
                                hint=HINT)
