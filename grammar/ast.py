"""The abstract syntax tree of an autodiff program.

Nodes are immutable records; every node carries the `Span` of source text it
came from, so that any later stage (compiler, interpreter, tape, renderer) can
point at the user's source. The tree holds syntax only: no values, no types.

Nodes are not dataclasses: building thirty-odd frozen slotted dataclasses
costs about 25 ms at every start of the command, which is most of what the
tool may add to `import numpy`. `Node` gives the same behaviour (keyword or
positional construction, immutability, equality, hashing, repr); `fields(node)`
lists a node's fields in order.
"""
from __future__ import annotations

from typing import Optional, Union

from .records import Record, Span  # noqa: F401  (Span: every node carries one)


class Node(Record):
    """A node of the syntax tree."""

    __slots__ = ()


def fields(node: Record) -> tuple[str, ...]:
    """The names of a node's fields, in order."""
    return type(node).__slots__


def replace(node: Record, **changes) -> Record:
    """A copy of `node` with some fields changed."""
    values = {name: getattr(node, name) for name in fields(node)}
    values.update(changes)
    return type(node)(**values)


# ---------------------------------------------------------------- expressions

class Number(Node):
    __slots__ = ('span', 'value')
    span: Span
    value: float


class Bool(Node):
    __slots__ = ('span', 'value')
    span: Span
    value: bool


class String(Node):
    __slots__ = ('span', 'value')
    span: Span
    value: str


class NoneLiteral(Node):
    """`None`: a new axis in an index (`x[:, None]`), "no axis" as an argument (`axis=None`)."""
    __slots__ = ('span',)
    span: Span


class EllipsisIndex(Node):
    """`...` inside brackets: as many full slices as the axes the other indices leave."""
    __slots__ = ('span',)
    span: Span


class Name(Node):
    __slots__ = ('span', 'id')
    span: Span
    id: str


class ListLiteral(Node):
    """`[a, b, c]`: a vector, or a matrix when the items are lists."""
    __slots__ = ('span', 'items')
    span: Span
    items: tuple[Expr, ...]


class TupleLiteral(Node):
    """`a, b` where a tuple is allowed: `return a, b`, `x, y = f()`, `(a, b)`."""
    __slots__ = ('span', 'items')
    span: Span
    items: tuple[Expr, ...]


class UnaryOp(Node):
    __slots__ = ('span', 'op', 'operand')
    span: Span
    op: str            # '-', '+', 'not'
    operand: Expr


class BinaryOp(Node):
    """Arithmetic. `op` is one of + - * / // % @ ^  (`**` is normalised to '^')."""
    __slots__ = ('span', 'op', 'left', 'right', 'op_span')
    span: Span         # the whole expression
    op: str
    left: Expr
    right: Expr
    op_span: Span      # the operator token, for "shape mismatch at '*'" messages


class Compare(Node):
    """A comparison chain `a < b <= c`: ops[i] compares operands[i] and operands[i+1]."""
    __slots__ = ('span', 'ops', 'operands')
    span: Span
    ops: tuple[str, ...]          # '<' '<=' '>' '>=' '==' '!='
    operands: tuple[Expr, ...]    # len(ops) + 1


class BoolOp(Node):
    __slots__ = ('span', 'op', 'left', 'right')
    span: Span
    op: str            # 'and' | 'or'
    left: Expr
    right: Expr


class IfExp(Node):
    """`then if cond else orelse`"""
    __slots__ = ('span', 'cond', 'then', 'orelse')
    span: Span
    cond: Expr
    then: Expr
    orelse: Expr


class Keyword(Node):
    __slots__ = ('span', 'name', 'value')
    span: Span
    name: str
    value: Expr


class Call(Node):
    __slots__ = ('span', 'func', 'args', 'kwargs')
    span: Span
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[Keyword, ...]


class Slice(Node):
    """`start:stop:step` inside brackets; any part may be missing."""
    __slots__ = ('span', 'start', 'stop', 'step')
    span: Span
    start: Optional[Expr]
    stop: Optional[Expr]
    step: Optional[Expr]


class Index(Node):
    """`target[i]`, `target[i, j]`, `target[1:3]`, `target[:, 0]`, `target[..., None]`."""
    __slots__ = ('span', 'target', 'indices')
    span: Span
    target: Expr
    indices: tuple[Union[Expr, Slice, EllipsisIndex], ...]


class Param(Node):
    __slots__ = ('span', 'name', 'default')
    span: Span
    name: str
    default: Optional[Expr]


class Lambda(Node):
    """`lambda x, y: expr`"""
    __slots__ = ('span', 'params', 'body')
    span: Span
    params: tuple[Param, ...]
    body: Expr


Expr = Union[Number, Bool, NoneLiteral, String, Name, ListLiteral, TupleLiteral, UnaryOp, BinaryOp,
             Compare, BoolOp, IfExp, Call, Index, Lambda]


# ----------------------------------------------------------------- statements

class Input(Node):
    """`input x = default` or `input x`: a differentiable input of the program."""
    __slots__ = ('span', 'name', 'default')
    span: Span
    name: str
    default: Optional[Expr]


class Assign(Node):
    """`target = value`; `a = b = value` gives several targets.

    A target is a Name, an Index (`x[i] = v`) or a TupleLiteral of Names and nested
    TupleLiterals (`a, b = f()`, `i, (p, w) = t`).
    """
    __slots__ = ('span', 'targets', 'value')
    span: Span
    targets: tuple[Expr, ...]
    value: Expr


class AugAssign(Node):
    """`target op= value` with op one of + - * / ^ // % @ (stored without the '='; `**=` as '^')."""
    __slots__ = ('span', 'target', 'op', 'value', 'op_span')
    span: Span
    target: Expr       # Name or Index
    op: str
    value: Expr
    op_span: Span


class ExprStmt(Node):
    __slots__ = ('span', 'expr')
    span: Span
    expr: Expr


class If(Node):
    """`if`/`elif` branches in order, then an optional `else` body."""
    __slots__ = ('span', 'branches', 'orelse')
    span: Span
    branches: tuple[tuple[Expr, tuple[Stmt, ...]], ...]
    orelse: tuple[Stmt, ...]          # empty when there is no else


class While(Node):
    __slots__ = ('span', 'cond', 'body')
    span: Span
    cond: Expr
    body: tuple[Stmt, ...]


class For(Node):
    """`for target in iterable:`; target is a Name or a TupleLiteral of Names and nested TupleLiterals."""
    __slots__ = ('span', 'target', 'iterable', 'body')
    span: Span
    target: Expr
    iterable: Expr
    body: tuple[Stmt, ...]


class FunctionDef(Node):
    __slots__ = ('span', 'name', 'params', 'body')
    span: Span
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]


class BackwardDef(Node):
    """A custom derivative rule for the function `name`.

        backward quad(x, a, b, c, g):
            return g * (2*a*x + b), g * x^2, g * x, g

    `params` are the function's parameters followed by one more: the
    cotangent of the function's output. The body returns one gradient per
    function parameter.
    """
    __slots__ = ('span', 'name', 'params', 'body')
    span: Span
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]


class Return(Node):
    __slots__ = ('span', 'value')
    span: Span
    value: Optional[Expr]


class Break(Node):
    __slots__ = ('span',)
    span: Span


class Continue(Node):
    __slots__ = ('span',)
    span: Span


class Pass(Node):
    __slots__ = ('span',)
    span: Span


class Assert(Node):
    __slots__ = ('span', 'test', 'message')
    span: Span
    test: Expr
    message: Optional[Expr]


class With(Node):
    """`with context:` — `no_grad`, `checkpoint`; the compiler decides what is valid."""
    __slots__ = ('span', 'context', 'body')
    span: Span
    context: Expr
    body: tuple[Stmt, ...]


Stmt = Union[Input, Assign, AugAssign, ExprStmt, If, While, For, FunctionDef, BackwardDef,
             Return, Break, Continue, Pass, Assert, With]


class Module(Node):
    __slots__ = ('body',)
    body: tuple[Stmt, ...]
