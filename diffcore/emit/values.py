"""The values and the vocabulary of the lowering (lower.py, expressions.py): errors, the frames of
inlined calls, function values, and what the flags of jumps are called."""
from __future__ import annotations

from typing import Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.ast import Span

from ..engine.errors import CompileError
from ..engine.tracing import strip

class EmitError(CompileError):
    """A construct `autodiff emit` cannot write as code, at its place in the program."""


class Unwritable(EmitError):
    """A value emit cannot write (a derivative inside the program, a random number): an error
    only if the output needs it."""


IN_LANGUAGE_DERIVATIVES = {"grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp"}
RANDOM = {"seed", "randn", "rand"}
# Builtins whose result picks elements in an order read from the values (a permutation, the
# largest k): the tape computes the order at each point, but traced here it would be written as
# the sample point's fixed positions, right at that point and wrong wherever the order differs.
ORDERED = {"sort", "topk", "argsort", "argmax", "argmin"}
# Builtins that compute a value emit writes but does not differentiate: name -> numpy spelling.
STEPS = {"sign": "np.sign", "floor": "np.floor", "ceil": "np.ceil", "round": "np.round",
         "isnan": "np.isnan", "isfinite": "np.isfinite", "any": "np.any", "all": "np.all"}
COMPARE_PY = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "==", "!=": "!="}
BREAK, CONTINUE, RETURNED, RESULT = "@broke", "@skipped", "@returned", "@result"
FLAG_NAMES = {BREAK: "broke", CONTINUE: "skipped", RETURNED: "returned", RESULT: "result"}


def base_name(key: str) -> str:
    """The name emitted code gives a variable of the lowering (`@i...`: a for loop's counter)."""
    if key.startswith("@i"):
        return "step"
    if key.startswith("@ifexp"):
        return "choice"
    if key == "@out":
        return "out"
    return FLAG_NAMES.get(key, key)


class Poison:
    """A value emit cannot write (a derivative taken inside the program, a random draw): harmless
    until something reads it, then the error is raised there."""

    def __init__(self, error: "EmitError"):
        self.error = error


class Function:
    __slots__ = ("node", "closure", "params", "body", "name")

    def __init__(self, name, params, body, closure):
        self.name, self.params, self.body, self.closure = name, params, body, closure


class Frame:
    """The variables of the top level or of one inlined call: source name -> tracer of its IR name."""

    def __init__(self, parent: Optional["Frame"], function: Optional[Function] = None):
        self.vars: dict = {}
        self.parent = parent
        self.function = function
        self.flagged_returns = False

    def find(self, name: str):
        f = self
        while f is not None:
            if name in f.vars:
                return f.vars[name]
            f = f.parent
        return None


def literal(a: np.ndarray, target: str) -> str:
    from .printing import array_text
    return array_text(a, target)


def truth(v, span: Span) -> bool:
    v = strip(v)
    if isinstance(v, np.ndarray):
        if v.size != 1:
            raise EmitError("the truth of an array of several values is ambiguous", span)
        return bool(v.reshape(-1)[0])
    return bool(v)


def statements(body: tuple, loops: bool = False):
    """The statements of a block and of the ifs and withs inside (and of the loops, if `loops`);
    never those of functions defined inside."""
    stack = list(body)
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, ast.If):
            for _, b in n.branches:
                stack.extend(b)
            stack.extend(n.orelse)
        elif isinstance(n, ast.With) or (loops and isinstance(n, (ast.While, ast.For))):
            stack.extend(n.body)


def returns_flagged(body: tuple) -> bool:
    """Whether a function has a return that code may follow (then returns set a flag)."""
    def tail_ok(stmts, tail: bool) -> bool:
        for i, s in enumerate(stmts):
            last = tail and i == len(stmts) - 1
            if isinstance(s, ast.Return) and not last:
                return False
            if isinstance(s, ast.If):
                if not all(tail_ok(b, last) for _, b in s.branches) or not tail_ok(s.orelse, last):
                    return False
            elif isinstance(s, (ast.While, ast.For, ast.With)):
                if not tail_ok(s.body, False):
                    return False
        return True
    return not tail_ok(body, True)


