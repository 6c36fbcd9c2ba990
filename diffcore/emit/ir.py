"""The program `autodiff emit` differentiates, lowered: single assignments and structured control flow.

lower.py makes it from the AST. Every value has one name per definition (a variable assigned
twice gets `x`, then `x_1`, ...), so the backward sweep can read any value of the forward sweep
by its name, except inside a loop, whose body runs many times: there the values the backward
sweep reads are pushed on a stack per iteration and popped in reverse (sweeps.py). What is left:

    Assign(name, value)     value: an expression of primitives (symbolic.py's Expr, over the
                            names as `Var`s) or a `Code` (a test, a cut: not differentiated)
    If(cond, then, orelse)  cond: the name of a truth value
    Loop(head, cond, body, carried)
                            `while True: head; if not cond: break; body`, then the loop's
                            variables take their values at the end of the body (`carried`:
                            (loop name, name at the end of the body))
    Custom(out, args, rule, results)
                            `out` came from a function with a `backward` rule: its adjoint is
                            the rule's own code (`rule`, lowered), giving `results` per argument
"""
from __future__ import annotations

from typing import Any, Optional

from autodiff.grammar.ast import Span

from .symbolic import Expr, postorder


class Code:
    """A value emit writes but never differentiates: a test (`a < b`, `not c`), a cut (`detach(x)`),
    a step function (`sign(x)`), zeros of a shape. `parts` are text pieces and names, joined;
    `python` is the numpy spelling where it differs (None: the same)."""

    __slots__ = ("language", "python", "names", "sample")

    def __init__(self, language: str, python: Optional[str], names: tuple):
        self.language, self.python, self.names = language, python, tuple(names)
        self.sample = None

    def text(self, target: str) -> str:
        return self.language if target == "expr" or self.python is None else self.python


class Assign:
    __slots__ = ("name", "value", "span", "stop")

    def __init__(self, name: str, value: Any, span: Optional[Span], stop: bool = False):
        self.name, self.value, self.span = name, value, span
        self.stop = stop or isinstance(value, Code)      # no derivative flows through it

    def reads(self) -> list:
        if isinstance(self.value, Code):
            return list(self.value.names)
        names = []
        for n in postorder([self.value]):
            if n.op == "var":
                names.append(n.name)
            for p in getattr(n, "params", {}).values():
                names += params_named(p)
        return names


def params_named(p) -> list:
    """The variables of emitted code inside a param (an index `x[i]`, the test of `where`)."""
    name = getattr(p, "emit_name", None)
    if name is not None:
        return [name]
    if isinstance(p, tuple):
        return [n for item in p for n in params_named(item)]
    return []


class If:
    __slots__ = ("cond", "then", "orelse", "span")

    def __init__(self, cond: str, then: list, orelse: list, span: Optional[Span]):
        self.cond, self.then, self.orelse, self.span = cond, then, orelse, span


class Loop:
    __slots__ = ("head", "cond", "body", "carried", "span", "number")

    def __init__(self, head: list, cond: str, body: list, carried: list, span: Optional[Span], number: int):
        self.head, self.cond, self.body, self.carried, self.span = head, cond, body, carried, span
        self.number = number        # names its trip count and stacks


class Custom:
    __slots__ = ("out", "args", "rule", "results", "span", "name")

    def __init__(self, out: str, args: list, rule: list, results: list, span: Optional[Span], name: str):
        self.out, self.args, self.rule, self.results, self.span, self.name = out, args, rule, results, span, name


def walk(block: list):
    """Every statement of a block, nested ones included, in order."""
    for s in block:
        yield s
        if isinstance(s, If):
            yield from walk(s.then)
            yield from walk(s.orelse)
        elif isinstance(s, Loop):
            yield from walk(s.head)
            yield from walk(s.body)


def assigned(block: list) -> set:
    out = set()
    for s in walk(block):
        if isinstance(s, Assign):
            out.add(s.name)
        elif isinstance(s, Loop):
            out.update(name for name, _ in s.carried)
    return out


def expr_of(value: Any) -> Optional[Expr]:
    return None if isinstance(value, Code) else value
