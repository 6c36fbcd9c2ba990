"""The abstract syntax tree of an autodiff program.

Nodes are frozen dataclasses; every node carries the `Span` of source text it
came from, so that any later stage (compiler, interpreter, tape, renderer) can
point at the user's source. The tree holds syntax only: no values, no types.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union


@dataclass(frozen=True, slots=True)
class Span:
    """1-based line and column of the first character, and of the one after the last."""
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"


# ---------------------------------------------------------------- expressions

@dataclass(frozen=True, slots=True)
class Number:
    span: Span
    value: float


@dataclass(frozen=True, slots=True)
class Bool:
    span: Span
    value: bool


@dataclass(frozen=True, slots=True)
class String:
    span: Span
    value: str


@dataclass(frozen=True, slots=True)
class Name:
    span: Span
    id: str


@dataclass(frozen=True, slots=True)
class ListLiteral:
    """`[a, b, c]`: a vector, or a matrix when the items are lists."""
    span: Span
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class TupleLiteral:
    """`a, b` where a tuple is allowed: `return a, b`, `x, y = f()`, `(a, b)`."""
    span: Span
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class UnaryOp:
    span: Span
    op: str            # '-', '+', 'not'
    operand: Expr


@dataclass(frozen=True, slots=True)
class BinaryOp:
    """Arithmetic. `op` is one of + - * / // % @ ^  (`**` is normalised to '^')."""
    span: Span         # the whole expression
    op: str
    left: Expr
    right: Expr
    op_span: Span      # the operator token, for "shape mismatch at '*'" messages


@dataclass(frozen=True, slots=True)
class Compare:
    """A comparison chain `a < b <= c`: ops[i] compares operands[i] and operands[i+1]."""
    span: Span
    ops: tuple[str, ...]          # '<' '<=' '>' '>=' '==' '!='
    operands: tuple[Expr, ...]    # len(ops) + 1


@dataclass(frozen=True, slots=True)
class BoolOp:
    span: Span
    op: str            # 'and' | 'or'
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class IfExp:
    """`then if cond else orelse`"""
    span: Span
    cond: Expr
    then: Expr
    orelse: Expr


@dataclass(frozen=True, slots=True)
class Keyword:
    span: Span
    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Call:
    span: Span
    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[Keyword, ...]


@dataclass(frozen=True, slots=True)
class Slice:
    """`start:stop:step` inside brackets; any part may be missing."""
    span: Span
    start: Optional[Expr]
    stop: Optional[Expr]
    step: Optional[Expr]


@dataclass(frozen=True, slots=True)
class Index:
    """`target[i]`, `target[i, j]`, `target[1:3]`, `target[:, 0]`."""
    span: Span
    target: Expr
    indices: tuple[Union[Expr, Slice], ...]


@dataclass(frozen=True, slots=True)
class Param:
    span: Span
    name: str
    default: Optional[Expr]


@dataclass(frozen=True, slots=True)
class Lambda:
    """`lambda x, y: expr`"""
    span: Span
    params: tuple[Param, ...]
    body: Expr


Expr = Union[Number, Bool, String, Name, ListLiteral, TupleLiteral, UnaryOp, BinaryOp,
             Compare, BoolOp, IfExp, Call, Index, Lambda]


# ----------------------------------------------------------------- statements

@dataclass(frozen=True, slots=True)
class Input:
    """`input x = default` or `input x`: a differentiable input of the program."""
    span: Span
    name: str
    default: Optional[Expr]


@dataclass(frozen=True, slots=True)
class Assign:
    """`target = value`; `a = b = value` gives several targets.

    A target is a Name, an Index (`x[i] = v`) or a TupleLiteral of Names (`a, b = f()`).
    """
    span: Span
    targets: tuple[Expr, ...]
    value: Expr


@dataclass(frozen=True, slots=True)
class AugAssign:
    """`target op= value` with op one of + - * / (stored without the '=')."""
    span: Span
    target: Expr       # Name or Index
    op: str
    value: Expr
    op_span: Span


@dataclass(frozen=True, slots=True)
class ExprStmt:
    span: Span
    expr: Expr


@dataclass(frozen=True, slots=True)
class If:
    """`if`/`elif` branches in order, then an optional `else` body."""
    span: Span
    branches: tuple[tuple[Expr, tuple[Stmt, ...]], ...]
    orelse: tuple[Stmt, ...]          # empty when there is no else


@dataclass(frozen=True, slots=True)
class While:
    span: Span
    cond: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class For:
    """`for target in iterable:`; target is a Name or a TupleLiteral of Names."""
    span: Span
    target: Expr
    iterable: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class FunctionDef:
    span: Span
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class BackwardDef:
    """A custom derivative rule for the function `name`.

        backward quad(x, a, b, c, g):
            return g * (2*a*x + b), g * x^2, g * x, g

    `params` are the function's parameters followed by one more: the
    cotangent of the function's output. The body returns one gradient per
    function parameter.
    """
    span: Span
    name: str
    params: tuple[Param, ...]
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Return:
    span: Span
    value: Optional[Expr]


@dataclass(frozen=True, slots=True)
class Break:
    span: Span


@dataclass(frozen=True, slots=True)
class Continue:
    span: Span


@dataclass(frozen=True, slots=True)
class Pass:
    span: Span


@dataclass(frozen=True, slots=True)
class Assert:
    span: Span
    test: Expr
    message: Optional[Expr]


@dataclass(frozen=True, slots=True)
class With:
    """`with context:` — `no_grad`, `checkpoint`; the compiler decides what is valid."""
    span: Span
    context: Expr
    body: tuple[Stmt, ...]


Stmt = Union[Input, Assign, AugAssign, ExprStmt, If, While, For, FunctionDef, BackwardDef,
             Return, Break, Continue, Pass, Assert, With]


@dataclass(frozen=True, slots=True)
class Module:
    body: tuple[Stmt, ...]
