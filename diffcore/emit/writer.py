"""Statements as text: the autodiff language or a numpy module, one statement per line, with a
`# file:line` comment wherever the source line changes and a source map (emitted line -> span).

Expressions are printed by printing.py (the one table of how each primitive is written); this
module writes the statements around them: assignments, `if`, the forward loop
(`while true: ...; if not c: break`), the backward loop (`for _ in range(n):`), pushes and pops.
"""
from __future__ import annotations

import math
from typing import Optional

from .absorb import Finiteness
from .activity import Counted, Pop, Push, Repeat
from .ir import Assign, Code, If
from .matrix_text import TUPLES, tuple_call
from .printing import LANGUAGE, NotPrintable, Printer, common_subexpressions, shape_args
from .symbolic import postorder
from .values import EmitError


TEMPORARY = "t"         # a statement's repeated subexpressions are named t1, t2, ... before it
SHARED_CALLS = 2        # ... when they hold at least this many calls


class Writer:
    def __init__(self, target: str, filename: str, texts: bool = True, taken: frozenset = frozenset(),
                 nonfinite: Optional[set] = None):
        self.target = target
        # the names whose values can be non-finite (absorb.py); None: derivatives' products as `*`
        self.finiteness = Finiteness(nonfinite) if nonfinite is not None else None
        self.taken = taken              # the program's names, which temporaries avoid
        self.texts = texts              # False: the lines only, each expression written `...`
        self.filename = filename
        self.lines: list = []          # (indent, text, span or None)
        self.printer = Printer(target, finiteness=self.finiteness)
        self.last_line: Optional[int] = None
        self.last_span = None           # where a statement without its own span is refused

    @property
    def py(self) -> bool:
        return self.target != LANGUAGE

    def line(self, depth: int, text: str, span=None) -> None:
        self.lines.append((depth, text, span))

    def comment(self, depth: int, text: str) -> None:
        self.line(depth, "# " + text)

    def locate(self, depth: int, span) -> None:
        if span is not None and span.line != self.last_line:
            self.last_line = span.line
            self.comment(depth, f"{self.filename}:{span.line}")

    def value(self, v) -> str:
        if not self.texts:
            return "..."
        if isinstance(v, Code):
            return v.text(self.target)
        return self.printer(v)

    def block(self, block: list, depth: int) -> None:
        for s in block:
            self.stmt(s, depth)

    def stmt(self, s, depth: int) -> None:
        """Write one statement; an expression the target cannot write is refused at its statement."""
        span = getattr(s, "span", None) or self.last_span
        self.last_span = span
        try:
            self._stmt(s, depth)
        except NotPrintable as refusal:
            raise EmitError(f"emit cannot write {refusal} (--to {self.target})", span,
                            hint=refusal.hint or "emit the other target, or use `autodiff grad` for the numbers") \
                from None

    def _stmt(self, s, depth: int) -> None:
        span = getattr(s, "span", None)
        self.locate(depth, span)
        if isinstance(s, Assign):
            self.assign(s, depth, span)
        elif isinstance(s, If):
            self.line(depth, f"if {s.cond}:", span)
            self.body(s.then, depth + 1)
            if s.orelse:
                self.line(depth, "else:", span)
                self.body(s.orelse, depth + 1)
        elif isinstance(s, Counted):
            if s.count:
                self.line(depth, f"{s.count} = 0", span)
            self.line(depth, "while True:" if self.py else "while true:", span)
            self.last_line = None
            self.block(s.head, depth + 1)
            self.line(depth + 1, f"if not {s.cond}:", span)
            self.line(depth + 2, "break", span)
            if s.count:
                self.line(depth + 1, f"{s.count} = {s.count} + 1", span)
            self.block(s.body, depth + 1)
            for p in s.pushes:
                self.stmt(p, depth + 1)
            self.copies(s.copies, depth + 1, span)
            self.last_line = None
        elif isinstance(s, Repeat):
            self.line(depth, f"for _ in range({'int(' + s.count + ')' if self.py else s.count}):", span)
            self.last_line = None
            self.body(s.body, depth + 1)
            self.last_line = None
        elif isinstance(s, Pop):
            self.pop(s, depth)
        elif isinstance(s, Push):
            self.push(s, depth)
        else:
            raise TypeError(f"cannot write {type(s).__name__}")

    def assign(self, s: Assign, depth: int, span) -> None:
        """`name = value`, after a line for each subexpression the value holds more than once (and,
        in the language, for the tuple of each eigh or svd, whose results it reads twice)."""
        if isinstance(s.value, Code):
            self.line(depth, f"{s.name} = {self.value(s.value)}", span)
            return
        shared = {id(n) for n in common_subexpressions([s.value], SHARED_CALLS)}
        tuples = {id(n) for n in postorder([s.value]) if n.op in TUPLES} if not self.py else set()
        if not shared and not tuples:
            self.line(depth, f"{s.name} = {self.value(s.value)}", span)
            return
        printer = Printer(self.target, finiteness=self.finiteness)  # its own memo: names hold in this statement
        printer.helpers = self.printer.helpers
        k = 0
        for node in postorder([s.value]):       # each definition after those it reads
            for named, table in ((id(node) in tuples, printer.tuples), (id(node) in shared, printer.names)):
                if not named:
                    continue
                k += 1
                while f"{TEMPORARY}{k}" in self.taken:
                    k += 1
                text = "..." if not self.texts else tuple_call(printer, node) if table is printer.tuples \
                    else printer(node, define=True)
                self.line(depth, f"{TEMPORARY}{k} = {text}", span)
                table[id(node)] = f"{TEMPORARY}{k}"
        self.line(depth, f"{s.name} = {printer(s.value) if self.texts else '...'}", span)

    def body(self, block: list, depth: int) -> None:
        before = len(self.lines)
        self.last_line = None
        self.block(block, depth)
        if len(self.lines) == before or all(t.startswith("#") for _, t, _ in self.lines[before:]):
            self.line(depth, "pass")
        self.last_line = None

    def copies(self, copies: list, depth: int, span) -> None:
        pairs = [(a, b) for a, b in copies if a != b]
        if not pairs:
            return
        # one tuple assignment in both targets: the right side is evaluated first (parallel copies)
        self.line(depth, f"{', '.join(a for a, _ in pairs)} = {', '.join(b for _, b in pairs)}", span)

    def push(self, p: Push, depth: int) -> None:
        if self.py:
            self.line(depth, f"{p.stack}.append({p.name})", p.span)
            return
        size = math.prod(p.shape)
        item = f"where({p.name}, 1, 0)" if p.truth else p.name
        self.line(depth, f"{p.stack} = concat([{p.stack}, reshape({item}, {size})])", p.span)

    def pop(self, p: Pop, depth: int) -> None:
        if self.py:
            self.line(depth, f"{p.name} = {p.stack}.pop()", p.span)
            return
        size = math.prod(p.shape)
        if p.shape:
            self.line(depth, f"{p.name} = reshape({p.stack}[-{size}:], {shape_args(p.shape)})", p.span)
        else:
            self.line(depth, f"{p.name} = {p.stack}[-1]" + (" > 0.5" if p.truth else ""), p.span)
        self.line(depth, f"{p.stack} = {p.stack}[:-{size}]", p.span)

    def text(self, indent: str = "    ", base: int = 0) -> str:
        return "".join(f"{indent * (base + d)}{t}\n" for d, t, _ in self.lines)


def stacks_in(block: list) -> list:
    out: list = []
    for s in block:
        if isinstance(s, Counted):
            out += [p.stack for p in s.pushes] + stacks_in(s.body)
        elif isinstance(s, If):
            out += stacks_in(s.then) + stacks_in(s.orelse)
    return list(dict.fromkeys(out))
