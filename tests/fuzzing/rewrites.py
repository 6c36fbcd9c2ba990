"""Rewrites of a generated program that must not change any value or derivative (test-only code).

The properties of tests/test_fuzz_agreement.py need no oracle: a program and
its rewrite must give the same output and the same derivatives, to rounding.

- `with_twins`: every node that the generator recorded with another spelling
  (`Generated.twins`: a boolean mask and the integer indices it selects, numpy's
  `dot` above 2-D and the sum that defines it, `linspace` and its formula, an
  assignment through an index list and the writes one by one) is replaced by it.
- `checkpointed`: every outermost `for` and `while` loop (that may be: no
  `break` or `return` of its own) is wrapped in `with checkpoint:`.
- `inlined`: every call of a function (without a custom `backward` rule) is
  replaced by its body: a one-line function's expression with the arguments put
  in for the parameters (and, used as a value, `grad(f)`, the equivalent
  lambda); a longer function's statements, at the statement that calls it.
- `in_language_hessian`: the program as a function `whole` of its inputs, and
  its Hessian computed inside the language, block by block, as
  `jacobian(lambda q: grad(whole, a)(..., q, ...))(b)`: the same numbers as
  `autodiff hessian`, by another route.

Names: the generator's names are `x1 t2 f3 p4 i5 w6 c7 g8`; these rewrites add
`whole`, `q0`, `s0` and `s1`, which it never uses.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from autodiff.grammar import ast

from .programs import SPAN, Generated, call, name, num, to_source, value_literal


def _children_replaced(node, fn):
    """`node` with fn applied to each field (tuples element by element), rebuilt only if one changed."""
    changes = {}
    for field in ast.fields(node):
        if field in ("span", "op_span"):
            continue
        value = getattr(node, field)
        new = fn(value)
        if new is not value:
            changes[field] = new
    return ast.replace(node, **changes) if changes else node


def _map(value, fn):
    """Apply fn to every node in a field value: a node, a tuple of nodes (or of (cond, body) pairs)."""
    if isinstance(value, tuple):
        items = tuple(_map(v, fn) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    if isinstance(value, ast.Node) and not isinstance(value, ast.Span):
        return fn(value)
    return value


# ------------------------------------------------------------------ twins

def twin_classes(generated: Generated) -> list:
    """The classes of the recorded twins ('boolean mask', 'dot above 2-D', ...), sorted."""
    return sorted({feature for _, _, feature in generated.twins.values()})


def with_twins(generated: Generated, only: Optional[str] = None) -> Optional[ast.Module]:
    """The program with its recorded twins substituted (those of class `only`, or all);
    None if there are none."""
    twins = {k: v for k, v in generated.twins.items() if only is None or v[2] == only}
    if not twins:
        return None

    def substitute(node):
        entry = twins.get(id(node))
        if entry is not None and entry[0] is node:
            node = entry[1]
        return _children_replaced(node, lambda v: _map(v, substitute))

    return substitute(generated.module)


# ------------------------------------------------------------- checkpoints

def _jumps_out(body: tuple, loop_level: bool = True) -> bool:
    """Whether a checkpointed loop with this body would `return`, or `break` out of itself."""
    for item in body:
        if isinstance(item, ast.Return) or (isinstance(item, ast.Break) and loop_level):
            return True
        if isinstance(item, (ast.For, ast.While)):
            if _jumps_out(item.body, loop_level=False):
                return True
        elif isinstance(item, ast.If):
            if any(_jumps_out(b, loop_level) for _, b in item.branches) or _jumps_out(item.orelse, loop_level):
                return True
        elif isinstance(item, ast.With) and _jumps_out(item.body, loop_level):
            return True
    return False


def checkpointed(module: ast.Module) -> tuple:
    """(the program with its outermost loops in `with checkpoint:`, how many were wrapped).

    Outermost: not inside another loop or checkpoint (a function's body starts afresh), so
    that checkpoints are not nested; a loop that would `break` out of itself or `return` is
    left alone (a checkpointed loop runs all its iterations).
    """
    count = [0]

    def outer(node):
        if isinstance(node, ast.FunctionDef):
            return _children_replaced(node, lambda v: _map(v, outer))
        if isinstance(node, (ast.For, ast.While, ast.With)):
            if isinstance(node, ast.With) or _jumps_out(node.body):
                return node
            count[0] += 1
            return ast.With(SPAN, name("checkpoint"), (node,))
        if isinstance(node, (ast.Module, ast.If)):
            return _children_replaced(node, lambda v: _map(v, outer))
        return node

    result = outer(module)
    return result, count[0]


# ---------------------------------------------------------------- inlining

class _Inliner:
    """Inlines user functions (not those with a custom rule).

    A function whose body is one `return` is inlined where it is called, in any expression, and
    becomes the equivalent lambda where it is used as a value (`grad(f)`). A longer function is
    inlined at the statement that calls it: its parameters are assigned, its statements follow,
    and its result goes to a fresh variable `sN` that replaces the call. Only calls that the
    statement evaluates in any case are lifted so (not inside a lambda, `a if c else b`,
    `and`/`or` or a comparison chain, nor in the condition of a loop or an `if`), so that the
    rewritten program computes exactly what the original does. The generator's names never
    shadow one another, so no renaming is needed.
    """

    def __init__(self, custom: frozenset):
        self.custom = custom
        self.functions: dict = {}       # name -> (params, body expression): one `return`
        self.bodies: dict = {}          # name -> (params, statements, result expression)
        self.count = 0
        self.results = 0

    def module(self, module: ast.Module) -> ast.Module:
        return ast.Module(self.block(module.body))

    def block(self, body: tuple) -> tuple:
        out: list = []
        for stmt in body:
            out += self.statement(stmt)
        return tuple(out)

    def statement(self, stmt) -> list:
        if isinstance(stmt, ast.FunctionDef):
            stmt = ast.replace(stmt, body=self.block(stmt.body))
            self.remember(stmt)
            return [stmt]
        if isinstance(stmt, ast.BackwardDef):
            return [ast.replace(stmt, body=self.block(stmt.body))]
        if isinstance(stmt, ast.If):
            return [ast.replace(stmt, branches=tuple((self.node(c), self.block(b)) for c, b in stmt.branches),
                                orelse=self.block(stmt.orelse))]
        if isinstance(stmt, ast.While):
            return [ast.replace(stmt, cond=self.node(stmt.cond), body=self.block(stmt.body))]
        if isinstance(stmt, ast.For):
            return [ast.replace(stmt, iterable=self.node(stmt.iterable), body=self.block(stmt.body))]
        if isinstance(stmt, ast.With):
            return [ast.replace(stmt, body=self.block(stmt.body))]
        stmt = self.node(stmt)
        field = {ast.Assign: "value", ast.AugAssign: "value", ast.Return: "value", ast.ExprStmt: "expr"}.get(
            type(stmt))
        if field is None or getattr(stmt, field) is None:
            return [stmt]
        prelude, value = self.lift(getattr(stmt, field))
        return prelude + [ast.replace(stmt, **{field: value})]

    def remember(self, stmt: ast.FunctionDef) -> None:
        if stmt.name in self.custom or not stmt.body or not isinstance(stmt.body[-1], ast.Return) \
                or stmt.body[-1].value is None or any(isinstance(n, (ast.Return, ast.FunctionDef, ast.BackwardDef))
                                                      for _, n in _nodes(stmt.body[:-1])):
            return
        if len(stmt.body) == 1:
            self.functions[stmt.name] = (stmt.params, stmt.body[0].value)
        else:
            self.bodies[stmt.name] = (stmt.params, stmt.body[:-1], stmt.body[-1].value)

    def node(self, node):
        """Expression-level inlining of the one-line functions."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.functions \
                and not node.kwargs:
            params, body = self.functions[node.func.id]
            args = [self.node(a) for a in node.args]
            if _fits(args, params):
                self.count += 1
                values = {p.name: (args[k] if k < len(args) else p.default) for k, p in enumerate(params)}
                return _substitute(body, values)
        if isinstance(node, ast.Name) and node.id in self.functions:
            self.count += 1
            params, body = self.functions[node.id]
            return ast.Lambda(SPAN, params, body)
        return _children_replaced(node, lambda v: _map(v, self.node))

    def lift(self, expr) -> tuple:
        """(statements, expr): the first call of a longer function that `expr` always evaluates, as
        statements computing it into a fresh variable, and `expr` reading that variable."""
        call = _first_lifted_call(expr, self.bodies)
        if call is None:
            return [], expr
        params, stmts, result = self.bodies[call.func.id]
        self.count += 1
        self.results += 1
        variable = f"s{self.results}"
        prelude: list = []
        for k, p in enumerate(params):
            prelude += self.statement(ast.Assign(SPAN, (name(p.name),), call.args[k] if k < len(call.args)
                                                 else p.default))
        prelude += list(stmts) + [ast.Assign(SPAN, (name(variable),), result)]
        more, expr = self.lift(_replace_identical(expr, call, name(variable)))
        return prelude + more, expr


def _fits(args: list, params: tuple) -> bool:
    return len(args) <= len(params) and all(p.default is not None for p in params[len(args):])


def _nodes(value, path=()):
    """Every (path, node) below a node or a tuple of nodes."""
    if isinstance(value, tuple):
        for item in value:
            yield from _nodes(item)
    elif isinstance(value, ast.Node) and not isinstance(value, ast.Span):
        yield path, value
        for field in ast.fields(value):
            if field not in ("span", "op_span"):
                yield from _nodes(getattr(value, field))


def _first_lifted_call(expr, bodies: dict):
    """The first call of a function in `bodies` that `expr` evaluates whatever the values are."""
    if isinstance(expr, (ast.Lambda, ast.IfExp, ast.BoolOp, ast.Compare)):
        return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in bodies \
            and not expr.kwargs and _fits(list(expr.args), bodies[expr.func.id][0]):
        return expr
    for field in ast.fields(expr) if isinstance(expr, ast.Node) else ():
        value = getattr(expr, field)
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, ast.Node) and not isinstance(item, ast.Span):
                found = _first_lifted_call(item, bodies)
                if found is not None:
                    return found
    return None


def _replace_identical(node, target, new):
    """`node` with every occurrence of the very object `target` replaced by `new`."""
    if node is target:
        return new
    return _children_replaced(node, lambda v: _map(v, lambda n: _replace_identical(n, target, new)))


def _substitute(node, values: dict):
    """The expression with each Name in `values` replaced (the generator's names never shadow)."""
    if isinstance(node, ast.Name) and node.id in values:
        return values[node.id]
    return _children_replaced(node, lambda v: _map(v, lambda n: _substitute(n, values)))


def inlined(module: ast.Module, custom: frozenset = frozenset()) -> tuple:
    """(the program with its functions inlined, how many calls and references were)."""
    inliner = _Inliner(custom)
    result = inliner.module(module)
    return result, inliner.count


# ------------------------------------------------ the Hessian, in the language

def in_language_hessian(generated: Generated, inputs: list, at: dict) -> Optional[str]:
    """A program whose output is the Hessian of `generated` at `at`, computed in the language.

    The blocks d2f/da db (shape a.shape + b.shape) are flattened and concatenated in the
    order of `inputs` x `inputs`, as `np.concatenate([H[a, b].ravel() ...])`. None when the
    program does not end in an output statement the wrapper understands.
    """
    body = list(generated.module.body)
    last = body.pop() if body else None
    if isinstance(last, (ast.Return, ast.ExprStmt)):
        output = last.value if isinstance(last, ast.Return) else last.expr
    elif isinstance(last, ast.Assign) and len(last.targets) == 1:
        output = last.value
    else:
        return None
    # The functions defined first that read no input (and custom rules, which must stay at the top
    # level) stay where they are; the rest becomes the body of `whole`.
    first = next((k for k, s in enumerate(body) if not isinstance(s, (ast.FunctionDef, ast.BackwardDef))
                  or any(isinstance(n, ast.Name) and n.id in inputs for _, n in _nodes(s.body))), len(body))
    top, rest = body[:first], [s for s in body[first:] if not isinstance(s, ast.Input)]
    whole = ast.FunctionDef(SPAN, "whole", tuple(ast.Param(SPAN, n, None) for n in inputs),
                            tuple(rest) + (ast.Return(SPAN, output),))
    values = {n: value_literal(at[n]) for n in inputs}
    blocks = []
    for a_index, a in enumerate(inputs):
        for b in inputs:
            args = tuple(name("q0") if n == b else values[n] for n in inputs)
            gradient = ast.Call(SPAN, call("grad", name("whole"), num(float(a_index))), args, ())
            lam = ast.Lambda(SPAN, (ast.Param(SPAN, "q0", None),), gradient)
            block = ast.Call(SPAN, call("jacobian", lam), (values[b],), ())
            blocks.append(call("reshape", block, num(-1.0)))
    if not blocks:              # no input to differentiate (the long run met `out = 0`): nothing to build
        return None
    hessian = call("concat", *blocks) if len(blocks) > 1 else blocks[0]
    module = ast.Module(tuple(top) + (whole, ast.Assign(SPAN, (name("s0"),), hessian)))
    return to_source(module)


def flat_hessian(blocks: dict, inputs: list) -> np.ndarray:
    """The Hessian blocks {(a, b): array} flattened in the order of `in_language_hessian`."""
    return np.concatenate([np.reshape(np.asarray(blocks[(a, b)], dtype=np.float64), -1)
                           for a in inputs for b in inputs]) if inputs else np.zeros(0)
