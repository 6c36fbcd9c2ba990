"""What the compiler learns from the AST before it compiles: scopes, assigned and read names, jumps."""
from __future__ import annotations

from typing import Optional

from autodiff.grammar import ast

from ..engine.errors import CompileError
from .runtime import FIRST_SLOT


class Scope:
    """The variables of the top level or of one function, each with its frame slot."""

    def __init__(self, kind: str, parent: Optional["Scope"], name: str):
        self.kind = kind                # 'module' or 'function'
        self.parent = parent            # the enclosing *function* scope, if any
        self.name = name
        self.slots: dict[str, int] = {}
        self.loops = 0                  # loop nesting while compiling, for break/continue

    def add(self, name: str) -> int:
        if name not in self.slots:
            self.slots[name] = FIRST_SLOT + len(self.slots)
        return self.slots[name]

    @property
    def size(self) -> int:
        return FIRST_SLOT + len(self.slots)


def assigned_names(body: tuple) -> list[str]:
    """Names a block assigns (its locals), not looking inside nested function bodies."""
    names: list[str] = []

    def target(t):
        if isinstance(t, ast.Name):
            names.append(t.id)
        elif isinstance(t, ast.TupleLiteral):
            for item in t.items:
                target(item)
        elif isinstance(t, ast.Index) and isinstance(t.target, ast.Name):
            names.append(t.target.id)

    def walk(stmts):
        for s in stmts:
            if isinstance(s, ast.Assign):
                for t in s.targets:
                    target(t)
            elif isinstance(s, ast.AugAssign):
                target(s.target)
            elif isinstance(s, (ast.For,)):
                target(s.target)
                walk(s.body)
            elif isinstance(s, (ast.FunctionDef, ast.Input)):
                names.append(s.name)
            elif isinstance(s, ast.If):
                for _, branch in s.branches:
                    walk(branch)
                walk(s.orelse)
            elif isinstance(s, (ast.While, ast.With)):
                walk(s.body)
    walk(body)
    return list(dict.fromkeys(names))


def refuse_jumps(body: tuple, refuse_break: bool = True) -> None:
    """A checkpointed block is replayed segment by segment, so it cannot return or break out of it.

    A loop that lies entirely inside the block may still break out of itself.
    """
    for item in body:
        if isinstance(item, ast.Return) or (isinstance(item, ast.Break) and refuse_break):
            word = "break" if isinstance(item, ast.Break) else "return"
            raise CompileError(f"'{word}' inside a checkpointed block", item.span,
                               hint="a checkpointed loop runs all its iterations; move the loop into a "
                                    "function and return after it")
        if isinstance(item, (ast.While, ast.For)):
            refuse_jumps(item.body, refuse_break=False)
        elif isinstance(item, ast.If):
            for _, branch in item.branches:
                refuse_jumps(branch, refuse_break)
            refuse_jumps(item.orelse, refuse_break)
        elif isinstance(item, ast.With):
            refuse_jumps(item.body, refuse_break)
