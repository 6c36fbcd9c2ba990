"""Values the emitted program already holds, reused by the derivative's expressions.

A rule reads its primitive's result (cholesky's backward reads `ans`, the factor) and often
other values the forward program computes. The symbolic table shares equal nodes, so such a
value in a rule's expression is the very node the forward statement assigned: `stable_values`
maps it to that statement's name, and `substitute` writes the name in its place, so the
emitted code reads `C` instead of computing `cholesky(S)` again.

Only values that hold everywhere after their statement are reused: a statement at the top of
the program (in no loop or branch) whose name, and every name its expression reads, is assigned
once and at the top (or is an input). A value inside a loop changes from one iteration to the
next, and one in a branch may not exist: those are computed again.
"""
from __future__ import annotations

from .ir import Assign, Custom, If, Loop, assigned
from .symbolic import postorder


def unstable_names(block: list) -> set:
    """The names assigned more than once, or anywhere but at the top of the program."""
    seen: set = set()
    unstable: set = set()

    def visit(stmts: list, top: bool) -> None:
        for s in stmts:
            if isinstance(s, Assign):
                if s.name in seen or not top:
                    unstable.add(s.name)
                seen.add(s.name)
            elif isinstance(s, If):
                visit(s.then, False)
                visit(s.orelse, False)
            elif isinstance(s, Loop):
                unstable.update(first for first, _ in s.carried)
                visit(s.head, False)
                visit(s.body, False)
            elif isinstance(s, Custom):
                unstable.update([s.out, *s.results, *assigned(s.rule)])
    visit(block, True)
    return unstable


def reusable(s, unstable: set) -> bool:
    """Whether the top-level statement `s` is a value that holds from it on."""
    if not isinstance(s, Assign) or s.name in unstable or s.stop or s.value.op in ("var", "const"):
        return False
    return not any(name in unstable for name in s.reads())


def stable_values(block: list) -> dict:
    """id(node) -> name, for each value assigned by a top-level statement that always holds it."""
    unstable = unstable_names(block)
    names: dict = {}
    for s in block:
        if reusable(s, unstable):
            names.setdefault(id(s.value), s.name)
    return names


def substitute(expr, names: dict, table):
    """`expr` with each node of `names` replaced by a variable of its name (shared nodes, as the
    table makes them)."""
    if not names:
        return expr
    done: dict = {}
    for n in postorder([expr]):
        if id(n) in names:
            done[id(n)] = table.var(names[id(n)], n.shape)
        elif n.op in ("var", "const"):
            done[id(n)] = n
        else:
            args = tuple(done[id(a)] for a in n.args)
            same = all(a is b for a, b in zip(args, n.args))
            done[id(n)] = n if same else table.call(n.prim, args, n.params, n.shape)
    return done[id(expr)]

