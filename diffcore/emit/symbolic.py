"""Expressions of primitives, and the symbolic trace that records them.

Interface (what `autodiff emit` and `--formula` build on):

    Expr            a node: `Var` (a named input), `Const` (a float or a float array) or `Call`
                    (a primitive of the registry, its argument nodes and its static params).
                    Every node has `.shape` (from the sample values) and `.id` (creation order).
                    Nodes are made only by an `ExprTable`, which shares equal nodes
                    (hash-consing): two equal subexpressions are the same object, so `is`
                    compares them and a common subexpression is one node with several users.
    ExprTable       `var(name, shape)`, `const(value)`, `call(prim, args, params, shape)`.
    SymbolicTrace   a Trace (engine/tracing.py) whose tracers are `SymTracer(value, expr)`:
                    a primitive called on them computes its value on the samples AND builds
                    the node of the call. Derivative rules are written with primitives, so
                    running `prim.vjps[k](g, ans, x, y, **params)` or `prim.jvp(...)` on
                    SymTracers yields the rule's expression; so does a whole reverse sweep run
                    under an inner trace (the rules it calls on SymTracer values are recorded,
                    exactly as higher-order derivatives are).
    symbolic()      a context manager opening a SymbolicTrace at the next level (it must be the
                    lowest of the traces involved: a value of a lower trace is read as a constant).
    trace_function(fn, samples)
                    run fn(**tracers) symbolically: (the expressions of its results, their values).
    expression_of(value, trace)
                    the node of a value: its expression if it is a tracer of `trace`, else a Const.
    evaluate(roots, env)
                    the values of nodes, given a value per variable name (calls the primitives).
    postorder(roots) the nodes under `roots`, each after its arguments, without recursion.

A value reached by `strip` (a comparison, `sign`, `detach`) is the sample's value, a constant to
the expression: code that needs expressions valid at every point refuses such programs first
(formula.py says how).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np

from ..engine.broadcasting import value_shape
from ..engine.tracing import Primitive, Trace, Tracer, next_level, release_level, strip


# ------------------------------------------------------------------ nodes

class Expr:
    """A node of an expression graph; made only by an ExprTable, so equal nodes are one object."""

    __slots__ = ("shape", "id", "key")

    op: str = ""
    args: tuple = ()

    def __repr__(self) -> str:
        inner = getattr(self, "name", None) or getattr(self, "value", None)
        if inner is None:
            inner = f"{self.op}({', '.join(f'#{a.id}' for a in self.args)})"
        return f"<{type(self).__name__} #{self.id} {inner} shape={self.shape}>"


class Var(Expr):
    """A named input, of a known shape."""

    __slots__ = ("name",)
    op = "var"


class Const(Expr):
    """A constant: a Python float, or a read-only float64 array."""

    __slots__ = ("value",)
    op = "const"

    def is_value(self, number: float) -> bool:
        """Whether every element equals `number` (0.0 matches -0.0)."""
        v = self.value
        if type(v) is float:
            return v == number
        return bool(v.size) and bool(np.all(v == number))


class Call(Expr):
    """A call of a primitive: `prim` (its definition), argument nodes and static params."""

    __slots__ = ("prim", "args", "params")

    @property
    def op(self) -> str:            # type: ignore[override]
        return self.prim.name


def freeze(value: Any) -> Any:
    """A hashable stand-in of a param value (tuples, slices, arrays, None, Ellipsis, numbers)."""
    name = getattr(value, "emit_name", None)
    if name is not None:            # a variable of emitted code standing in a param (emit/naming.py)
        return ("named", name)
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, tuple):
        return ("tuple",) + tuple(freeze(v) for v in value)
    if isinstance(value, list):
        return ("list",) + tuple(freeze(v) for v in value)
    if isinstance(value, slice):
        return ("slice", freeze(value.start), freeze(value.stop), freeze(value.step))
    if value is Ellipsis:
        return ("...",)
    if isinstance(value, (float, np.floating)):
        return ("float", float(value).hex())
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, np.integer)):
        return ("int", int(value))
    return value


def _const_key(value: Any) -> tuple:
    if type(value) is float:
        return ("const", value.hex())
    return ("const", value.shape, value.tobytes())


class ExprTable:
    """Makes nodes, sharing equal ones. One table per symbolic computation (no global state)."""

    __slots__ = ("nodes",)

    def __init__(self) -> None:
        self.nodes: dict = {}

    def _intern(self, key: tuple, make: Callable[[], Expr]) -> Expr:
        node = self.nodes.get(key)
        if node is None:
            node = make()
            node.key = key
            node.id = len(self.nodes)
            self.nodes[key] = node
        return node

    def var(self, name: str, shape: tuple = ()) -> Var:
        def make():
            v = Var()
            v.name, v.shape = name, tuple(shape)
            return v
        return self._intern(("var", name, tuple(shape)), make)

    def const(self, value: Any) -> Const:
        value = plain_constant(value)

        def make():
            c = Const()
            c.value = value
            c.shape = () if type(value) is float else value.shape
            return c
        return self._intern(_const_key(value), make)

    def call(self, prim: Primitive, args: tuple, params: Optional[dict] = None, shape: tuple = ()) -> Call:
        params = dict(params or {})
        key = ("call", prim.name, id(prim), tuple(a.id for a in args),
               tuple(sorted((k, freeze(v)) for k, v in params.items())))

        def make():
            c = Call()
            c.prim, c.args, c.params, c.shape = prim, tuple(args), params, tuple(shape)
            return c
        return self._intern(key, make)


def plain_constant(value: Any) -> Any:
    """A constant as a node holds it: a Python float, or a read-only float64 array."""
    value = strip(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return float(value)
        array = np.array(value, dtype=np.float64)
        array.flags.writeable = False
        return array
    return float(value)


# ----------------------------------------------------------------- tracing

class SymTracer(Tracer):
    """A value on a symbolic trace: its sample value and the expression that computes it."""

    __slots__ = ("value", "expr")

    def __init__(self, value: Any, expr: Expr, trace: "SymbolicTrace"):
        self.trace = trace
        self.value = value
        self.expr = expr

    @property
    def primal(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"SymTracer({self.expr!r})"


class SymbolicTrace(Trace):
    """Records every primitive called on its tracers as a node of `table`."""

    __slots__ = ("table", "closed")

    def __init__(self, level: int, table: Optional[ExprTable] = None):
        super().__init__(level)
        self.table = table if table is not None else ExprTable()
        self.closed = False

    def variable(self, name: str, sample: Any) -> SymTracer:
        """A tracer for the input `name`, with a sample value (a float or a float array)."""
        sample = plain_constant(sample)
        if type(sample) is not float:
            sample = np.array(sample)           # a writable copy, as program values are
        return SymTracer(sample, self.table.var(name, value_shape(sample)), self)

    def tracer(self, expr: Expr, value: Any) -> SymTracer:
        return SymTracer(value, expr, self)

    def expression(self, value: Any) -> Expr:
        """The node of a value: its expression if it is this trace's tracer, else a constant."""
        if type(value) is SymTracer and value.trace is self:
            return value.expr
        return self.table.const(value)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raw = tuple(a.value if type(a) is SymTracer and a.trace is self else a for a in args)
        ans = prim.bind(*raw, **params) if any(isinstance(v, Tracer) for v in raw) else prim.impl(*raw, **params)
        if self.level <= self.context.frozen_level:     # inside no_grad: a constant to this trace
            return ans
        node = self.table.call(prim, tuple(self.expression(a) for a in args), params, value_shape(ans))
        return SymTracer(ans, node, self)

    def close(self) -> None:
        self.closed = True


@contextmanager
def symbolic(table: Optional[ExprTable] = None) -> Iterator[SymbolicTrace]:
    """A symbolic trace at the next level of the current run, released at the end."""
    trace = SymbolicTrace(next_level(), table)
    try:
        yield trace
    finally:
        trace.close()
        release_level()


def expression_of(value: Any, trace: SymbolicTrace) -> Expr:
    return trace.expression(value)


def trace_function(fn: Callable, samples: dict, table: Optional[ExprTable] = None) -> tuple:
    """Run `fn(**tracers)` on one SymTracer per sample: (expressions, values) of its results.

    A result that is a tuple gives tuples; a result that does not depend on the tracers is a
    Const. The same `table` may be passed again to share nodes between calls.
    """
    with symbolic(table) as trace:
        tracers = {name: trace.variable(name, sample) for name, sample in samples.items()}
        out = fn(**tracers)

    def unwrap(v):
        if isinstance(v, tuple):
            pairs = [unwrap(x) for x in v]
            return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)
        return trace.expression(v), strip(v)
    return unwrap(out)


# -------------------------------------------------------------- traversal

def postorder(roots: Iterable[Expr]) -> list:
    """Every node under `roots`, each after all of its arguments (iterative: no recursion limit)."""
    seen: set = set()
    order: list = []
    for root in roots:
        if id(root) in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for a in reversed(node.args):
                if id(a) not in seen:
                    stack.append((a, False))
    return order


def evaluate(roots: Iterable[Expr], env: dict) -> list:
    """The values of `roots`, each variable taking env[name]; the primitives compute them."""
    roots = list(roots)
    values: dict = {}
    for node in postorder(roots):
        if node.op == "var":
            values[id(node)] = env[node.name]
        elif node.op == "const":
            values[id(node)] = node.value
        else:
            values[id(node)] = node.prim.bind(*(values[id(a)] for a in node.args), **node.params)
    return [values[id(r)] for r in roots]


def uses(roots: Iterable[Expr]) -> dict:
    """How many times each node (by id) is an argument of a node under `roots` (roots count once)."""
    count: dict = {}
    roots = list(roots)
    for node in postorder(roots):
        for a in node.args:
            count[id(a)] = count.get(id(a), 0) + 1
    for r in roots:
        count[id(r)] = count.get(id(r), 0) + 1
    return count
