"""Activity analysis and dead-code removal on ir.py's statements.

A name is *varied* if it depends on a differentiated input through statements that carry
derivatives (not a Code, not `detach`/`no_grad`), and *useful* if the output depends on it the
same way. Only names that are both get an adjoint or a tangent: the others' derivative
statements would add zeros. `dead_code` then removes every statement whose value nothing reads
(the forward values the backward sweep does not need, the pushes of unused values).
"""
from __future__ import annotations

from .ir import Assign, Custom, If, Loop, walk


def varied(block: list, seeds: set) -> set:
    out = set(seeds)
    while True:
        size = len(out)
        for s in walk(block):
            if isinstance(s, Assign) and not s.stop and any(r in out for r in s.reads()):
                out.add(s.name)
            elif isinstance(s, Custom) and any(a in out for a in s.args):
                out.add(s.out)
            elif isinstance(s, Loop):
                out.update(first for first, end in s.carried if end in out)
        if len(out) == size:
            return out


def useful(block: list, output: str) -> set:
    out = {output}
    statements = list(walk(block))
    while True:
        size = len(out)
        for s in reversed(statements):
            if isinstance(s, Assign) and not s.stop and s.name in out:
                out.update(s.reads())
            elif isinstance(s, Custom) and s.out in out:
                out.update(s.args)
            elif isinstance(s, Loop):
                out.update(end for first, end in s.carried if first in out)
        if len(out) == size:
            return out


# --------------------------------------------------------------- dead code

class Push:
    __slots__ = ("stack", "name", "span", "shape", "truth")

    def __init__(self, stack: str, name: str, span, shape: tuple, truth: bool):
        self.stack, self.name, self.span, self.shape, self.truth = stack, name, span, shape, truth


class Pop(Push):
    __slots__ = ()


class Repeat:
    """The backward loop: `for _ in range(count): body`."""
    __slots__ = ("count", "body", "span")

    def __init__(self, count: str, body: list, span):
        self.count, self.body, self.span = count, body, span


class Counted:
    """A forward loop as printed: the IR loop, its trip count (or None), its pushes and copies."""
    __slots__ = ("loop", "head", "body", "count", "pushes", "copies", "span", "cond")

    def __init__(self, loop: Loop, head: list, body: list, count, pushes: list, copies: list):
        self.loop, self.head, self.body, self.count, self.pushes, self.copies = loop, head, body, count, pushes, copies
        self.span, self.cond = loop.span, loop.cond


def reads_of(s) -> set:
    if isinstance(s, Assign):
        return set(s.reads())
    if isinstance(s, Push) and not isinstance(s, Pop):
        return {s.name}
    return set()


def dead_code(block: list, live: set) -> tuple:
    """(the statements of `block` something reads, given the names `live` after it; names live before)."""
    out = []
    live = set(live)
    for s in reversed(block):
        if isinstance(s, Assign):
            if s.name in live:
                out.append(s)
                live = (live - {s.name}) | reads_of(s)
        elif isinstance(s, Pop):        # kept with its push: the stack must stay balanced
            out.append(s)
            live = live - {s.name}
        elif isinstance(s, Push):
            out.append(s)
            live = live | {s.name}
        elif isinstance(s, If):
            then, lt = dead_code(s.then, live)
            orelse, le = dead_code(s.orelse, live)
            if then or orelse:
                out.append(If(s.cond, then, orelse, s.span))
                live = lt | le | {s.cond}
        elif isinstance(s, Counted):
            top = set(live)
            while True:
                copies, after_copies = _copies_dead(s.copies, top)
                body, lb = dead_code(s.body + s.pushes, after_copies | ({s.count} if s.count else set()))
                head, lh = dead_code(s.head, lb | {s.cond})
                new_top = top | lh
                if new_top == top:
                    break
                top = new_top
            pushes = [p for p in body if isinstance(p, Push)]
            body = [b for b in body if not isinstance(b, Push)]
            if body or copies or s.count or pushes:
                out.append(Counted(s.loop, head, body, s.count, pushes, copies))
                live = top
        elif isinstance(s, Repeat):
            top = set(live) | {s.count}
            while True:
                body, lb = dead_code(s.body, top)
                if lb <= top:
                    break
                top |= lb
            if body:
                out.append(Repeat(s.count, body, s.span))
                live = top
        else:
            out.append(s)
            live |= getattr(s, "reads", lambda: set())()
    out.reverse()
    return out, live


def _copies_dead(copies: list, live: set) -> tuple:
    kept = [(a, b) for a, b in copies if a in live]
    return kept, (live - {a for a, _ in kept}) | {b for _, b in kept}
