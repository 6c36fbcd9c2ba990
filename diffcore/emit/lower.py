"""The AST of a program, lowered to ir.py's single assignments, by running it symbolically once.

Each statement is run on symbolic tracers (symbolic.py): a builtin called on them records the
primitives it calls, so `norm(b)` or `x[1:]` becomes the registry's own calls with their
params. Both branches of an `if` and one iteration of a loop are run, whatever the sample
values say: the emitted code decides at run time. The sample values (the inputs' defaults or
--at) give the shapes, to which the emitted code is specialised.

User functions are inlined at each call (recursion is refused). `return`, `break` and
`continue` become truth values (`returned`, `broke`, `skipped`) that guard what follows them,
so that only `if` and `while True: ...; if not c: break` remain. A function with a `backward`
rule is inlined for its value, and its rule is lowered too: the backward sweep runs it.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.ast import Span

from ..engine import arrays as A
from ..engine import elementwise as E
from ..engine.broadcasting import value_shape
from ..engine.tracing import Tracer, strip
from .expressions import Expressions
from .ir import Assign, Code, If, Loop
from .values import (BREAK, CONTINUE, FLAG_NAMES, RESULT, RETURNED, EmitError, Frame, Function, Poison,
                     Unwritable, base_name, literal, statements, truth)
from .naming import Namer, NamedInt
from .printing import number_text
from .symbolic import SymbolicTrace, SymTracer


class Lowering(Expressions):
    def __init__(self, trace: SymbolicTrace, namer: Namer, filename: str):
        self.trace, self.table, self.namer, self.filename = trace, trace.table, namer, filename
        self.block: list = []
        self.samples: dict = {}
        self.rules: dict = {}
        self.calls: list = []            # the functions being inlined (recursion check)
        self.loops = 0
        self.stopped = 0                 # inside no_grad or a custom rule's function: no derivative
        self.terminated = False
        self.last_top: Optional[str] = None
        self.frame = Frame(None)
        self.globals = self.frame
        self.loop_flags: list = []
        self.last_statement = None

    # ----------------------------------------------------------- values

    def var(self, ir: str) -> SymTracer:
        sample = self.samples[ir]
        return self.trace.tracer(self.table.var(ir, value_shape(sample)), sample)

    def is_traced(self, v) -> bool:
        return isinstance(v, Tracer)

    def bind(self, source: str, value: Any, span: Span, stop: bool = False) -> Optional[str]:
        """Assign `value` to a new IR name for the source variable `source`; returns the IR name."""
        if isinstance(value, (Function, Poison)):
            self.frame.vars[source] = value
            return None
        ir = self.namer.fresh(base_name(source))
        self.emit_value(ir, value, span, stop)
        self.frame.vars[source] = self.var(ir)
        return ir

    def emit_value(self, ir: str, value: Any, span: Span, stop: bool = False) -> None:
        if isinstance(value, Code):
            self.block.append(Assign(ir, value, span))
            sample = value.sample
        else:
            value = self.numeric(value, span)
            expr = self.trace.expression(value)
            sample = strip(value)
            if isinstance(sample, np.ndarray) and sample.dtype == bool:
                self.block.append(Assign(ir, Code(literal(sample, "expr"), literal(sample, "python"), ()), span))
            else:
                self.block.append(Assign(ir, expr, span, stop or self.stopped > 0))
        self.samples[ir] = sample

    def numeric(self, value: Any, span: Span) -> Any:
        if isinstance(value, (bool, np.bool_)):
            return value
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, np.ndarray) or isinstance(value, Tracer):
            return value
        if isinstance(value, str):
            raise EmitError("emit writes numbers and arrays: a string only as the argument of a call "
                            "(einsum's subscripts), of print or of assert", span,
                            hint="write the string in the call itself")
        raise EmitError(f"emit writes numbers and arrays; this value is {type(value).__name__}", span)

    def atom(self, value: Any, span: Span) -> str:
        """The text of a value inside a test or an index: a name (bound here if needed) or a literal."""
        if isinstance(value, SymTracer) and value.expr.op == "var":
            return value.expr.name
        if isinstance(value, (bool, np.bool_)):
            return "true" if value else "false"
        if isinstance(value, (int, float, np.integer, np.floating)):
            return number_text(float(value), "expr")
        ir = self.namer.fresh("t")
        self.emit_value(ir, value, span)
        return ir

    def code(self, language: str, python: Optional[str], names, sample, span: Span, base: str = "test") -> SymTracer:
        """Bind a Code value to a new name; its tracer."""
        c = Code(language, python, tuple(names))
        c.sample = sample
        ir = self.namer.fresh(base)
        self.emit_value(ir, c, span)
        return self.var(ir)

    # ------------------------------------------------------------ blocks

    def run_block(self, stmts: tuple) -> None:
        for i, s in enumerate(stmts):
            self.stmt(s)
            if self.terminated:
                return
            flags = self.jump_flags(s)
            if flags and i + 1 < len(stmts):
                names = [self.frame.vars[f].expr.name for f in flags if f in self.frame.vars]
                if names:
                    test = " or ".join(names)
                    guard = self.code(f"not ({test})", None, names, True, s.span, "go")
                    rest = stmts[i + 1:]
                    self.branch(guard, lambda rest=rest: self.run_block(rest), lambda: None, s.span)
                    return

    def jump_flags(self, s) -> list:
        """The flags a statement may set (a break, continue or flagged return inside it)."""
        found = [BREAK if isinstance(n, ast.Break) else CONTINUE for n in statements((s,))
                 if isinstance(n, (ast.Break, ast.Continue))]
        if self.frame.flagged_returns and any(isinstance(n, ast.Return) for n in statements((s,), loops=True)):
            found.append(RETURNED)
        return list(dict.fromkeys(found))

    def sub_block(self, fn: Callable) -> list:
        outer, self.block = self.block, []
        try:
            fn()
            return self.block
        finally:
            self.block = outer

    def branch(self, cond: Any, then_fn: Callable, else_fn: Callable, span: Span) -> None:
        if not self.is_traced(cond):
            (then_fn if truth(cond, span) else else_fn)()
            return
        c = self.atom(cond, span)
        before = dict(self.frame.vars)
        then_block = self.sub_block(then_fn)
        then_vars, then_end = self.frame.vars, self.terminated
        self.frame.vars, self.terminated = dict(before), False
        else_block = self.sub_block(else_fn)
        else_vars, else_end = self.frame.vars, self.terminated
        self.frame.vars = dict(before)
        merged = {}
        for key in list(dict.fromkeys([*then_vars, *else_vars])):
            a, b = then_vars.get(key), else_vars.get(key)
            if not isinstance(a, (SymTracer, type(None))) or not isinstance(b, (SymTracer, type(None))):
                # a function, an unwritable value: the same on both paths, or unwritable on one, which
                # wins (a value written on one path only would be read unassigned after the other)
                poison = a if isinstance(a, Poison) else b if isinstance(b, Poison) else None
                self.frame.vars[key] = poison or (a if a is b or b is None else b if a is None else
                                                  Poison(Unwritable("a variable holding a function that depends "
                                                                    "on the path of a branch", span)))
                continue
            if a is not None and b is not None and a.expr is b.expr:
                self.frame.vars[key] = a
                continue
            ir = self.namer.fresh(base_name(key))
            sample = (a if a is not None else b).value
            for block, v in ((then_block, a), (else_block, b)):
                value = v.expr if v is not None else self.missing(key, sample)
                block.append(Assign(ir, value, span, self.stopped > 0))
            self.samples[ir] = sample
            merged[key] = ir
        for key, ir in merged.items():
            self.frame.vars[key] = self.var(ir)
        self.block.append(If(c, then_block, else_block, span))
        self.terminated = then_end and else_end

    def missing(self, key: str, sample) -> Any:
        """What a variable holds on a path that never assigned it: false for a flag, else zeros."""
        if key in (BREAK, CONTINUE, RETURNED):
            c = Code("false", "False", ())
        else:
            shape = value_shape(sample)
            c = Code(f"zeros({', '.join(map(str, shape))})" if shape else "0",
                     f"np.zeros({shape!r})" if shape else "0.0", ())
        c.sample = sample
        return c

    # -------------------------------------------------------- statements

    def stmt(self, s) -> None:
        method = getattr(self, "stmt_" + type(s).__name__, None)
        if method is None:
            raise EmitError(f"emit cannot write {type(s).__name__}", s.span)
        method(s)

    def stmt_Input(self, s) -> None:
        pass

    def stmt_Pass(self, s) -> None:
        pass

    def stmt_Assert(self, s) -> None:
        pass            # a check, not a computation: not part of the emitted code (docs/emit.md)

    def stmt_FunctionDef(self, s) -> None:
        self.frame.vars[s.name] = Function(s.name, s.params, s.body, self.frame)

    def stmt_BackwardDef(self, s) -> None:
        self.rules[s.name] = s

    def stmt_ExprStmt(self, s) -> None:
        if isinstance(s.expr, ast.Call) and isinstance(s.expr.func, ast.Name) and s.expr.func.id == "print":
            return
        try:
            value = self.ev(s.expr)
        except Unwritable:
            if self.frame is self.globals and s is not self.last_statement:
                return          # seed(0), a derivative printed: nothing reads it
            raise
        if self.frame is self.globals and value is not None:
            key = s.expr.id if isinstance(s.expr, ast.Name) else "@out"
            self.bind(key, value, s.span)
            self.last_top = key

    def stmt_Assign(self, s) -> None:
        try:
            value = self.ev(s.value)
        except Unwritable as exc:
            value = Poison(exc)
        for target in s.targets:
            self.assign(target, value, s.span)

    def stmt_AugAssign(self, s) -> None:
        value = self.binary(s.op, self.ev(s.target), self.ev(s.value), s.op_span)
        self.assign(s.target, value, s.span)

    def assign(self, target, value, span: Span) -> None:
        if isinstance(target, ast.Name):
            self.bind(target.id, value, span)
            if self.frame is self.globals:
                self.last_top = target.id
        elif isinstance(target, ast.TupleLiteral):
            if isinstance(value, Poison):
                value = (value,) * len(target.items)
            if not isinstance(value, tuple) or len(value) != len(target.items):
                raise EmitError(f"cannot unpack this value into {len(target.items)} names", target.span)
            for t, v in zip(target.items, value):
                self.assign(t, v, span)
        elif isinstance(target, ast.Index) and isinstance(target.target, ast.Name):
            base = self.lookup(target.target.id, target.target.span)
            index = self.index(target.indices, target.span)
            self.bind(target.target.id, self.call_safely(lambda: A.index_set(base, value, index=index), span), span)
            if self.frame is self.globals:
                self.last_top = target.target.id
        else:
            raise EmitError("cannot assign to this expression", span)

    def stmt_If(self, s) -> None:
        def chain(k: int):
            if k == len(s.branches):
                return self.run_block(s.orelse)
            cond_node, body = s.branches[k]
            self.branch(self.ev(cond_node), lambda: self.run_block(body), lambda: chain(k + 1), cond_node.span)
        chain(0)

    def stmt_With(self, s) -> None:
        what = getattr(s.context, "id", None)
        if what != "no_grad":
            raise EmitError(f"emit cannot write `with {what or '...'}:`", s.span,
                            hint="remove the block around the code (checkpointing changes memory, not values)")
        self.stopped += 1
        try:
            self.run_block(s.body)
        finally:
            self.stopped -= 1

    def stmt_Return(self, s) -> None:
        if self.frame.function is None:
            value = self.ev(s.value) if s.value is not None else None
            if value is not None:
                self.bind("@out", value, s.span)
                self.last_top = "@out"
            self.terminated = True
            return
        value = self.ev(s.value) if s.value is not None else 0.0
        if isinstance(value, tuple):
            self.frame.vars[RESULT] = value
        else:
            self.bind(RESULT, value, s.span)
        if self.frame.flagged_returns:
            self.frame.vars[RETURNED] = self.code("true", "True", (), True, s.span, "returned")
        self.terminated = True

    def stmt_Break(self, s) -> None:
        self.frame.vars[BREAK] = self.code("true", "True", (), True, s.span, "broke")
        self.terminated = True

    def stmt_Continue(self, s) -> None:
        self.frame.vars[CONTINUE] = self.code("true", "True", (), True, s.span, "skipped")
        self.terminated = True

    def stmt_While(self, s) -> None:
        self.loop(s, lambda: self.ev(s.cond), lambda: None, s.body, None)

    def stmt_For(self, s) -> None:
        if not isinstance(s.target, ast.Name):
            raise EmitError("emit writes a for loop over one name", s.target.span)
        it = s.iterable
        counter = f"@i{id(s)}"
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" \
                and self.frame.find("range") is None:
            bounds = [self.ev(a) for a in it.args]
            start, stop, step = (0.0, bounds[0], 1.0) if len(bounds) == 1 else \
                (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1.0)
            if self.is_traced(step):
                raise EmitError("emit writes a range whose step is a number of the program text", it.span)
            items = None
        else:
            items = self.ev(it)
            shape = value_shape(items)
            if not shape:
                raise EmitError("a for loop runs over a range or an array", it.span)
            start, stop, step = 0.0, float(shape[0]), 1.0
        self.bind(counter, start, s.span)
        op = "<" if float(step) > 0 else ">"

        def head():
            i = self.frame.vars[counter]
            return self.compare([op], [i, stop], it.span)

        def first():
            i = self.frame.vars[counter]
            if items is None:
                self.bind(s.target.id, i, s.target.span)
            else:
                index = (NamedInt(0, i.expr.name),)
                self.bind(s.target.id, self.call_safely(lambda: A.getitem(items, index=index), it.span), s.target.span)

        def last():
            self.bind(counter, E.add(self.frame.vars[counter], float(step)), s.span)
        self.loop(s, head, first, s.body, last)

    def loop(self, s, head: Callable, first: Callable, body: tuple, last: Optional[Callable]) -> None:
        self.loops += 1
        names = self.namer
        has_break = any(isinstance(n, ast.Break) for n in statements(body))
        has_continue = any(isinstance(n, ast.Continue) for n in statements(body))
        if has_break:
            self.frame.vars[BREAK] = self.code("false", "False", (), False, s.span, "broke")

        def one_iteration():
            if has_continue:
                self.frame.vars[CONTINUE] = self.code("false", "False", (), False, s.span, "skipped")
            first()
            self.run_block(body)
            self.terminated = False
            if last is not None:
                last()

        # a first run (thrown away) finds the loop's variables and their shapes
        state = (self.block, dict(self.frame.vars), names.snapshot(), self.loops)
        self.block = []
        try:
            one_iteration()
            changed = {k: v for k, v in self.frame.vars.items() if state[1].get(k) is not v}
        finally:
            self.block, self.frame.vars, self.loops = state[0], state[1], state[3]
            names.restore(state[2])
        carried = []
        for key, end in changed.items():
            if not isinstance(end, SymTracer) or key == CONTINUE:
                continue
            before = self.frame.vars.get(key)
            value = before if before is not None else self.missing(key, end.value)
            ir = self.bind(key, value, s.span)
            carried.append((key, ir))
        head_block = []

        def run_head():
            c = head()
            tests = [c]
            if has_break:
                tests.append(("not", self.frame.vars[BREAK]))
            if self.frame.flagged_returns and RETURNED in self.frame.vars:
                tests.append(("not", self.frame.vars[RETURNED]))
            head_block.append(self.loop_test(tests, s.span))
        head_block = self.sub_block(run_head) + head_block
        cond = head_block.pop()
        body_block = self.sub_block(one_iteration)
        pairs = []
        for key, ir in carried:
            end = self.frame.vars[key]
            if value_shape(end.value) != value_shape(self.samples[ir]):
                raise EmitError(f"'{FLAG_NAMES.get(key, key)}' changes shape in this loop, from "
                                f"{value_shape(self.samples[ir])} to {value_shape(end.value)}: emit specialises "
                                "the code to one shape per variable", s.span)
            pairs.append((ir, end.expr.name))
            self.frame.vars[key] = self.var(ir)
        count = names.fresh("n")
        self.samples[count] = 0.0
        self.block.append(Loop(head_block, cond, body_block, pairs, s.span, count))
        self.terminated = False

    def loop_test(self, tests: list, span: Span) -> str:
        parts, names = [], []
        for t in tests:
            if isinstance(t, tuple):
                names.append(t[1].expr.name)
                parts.append(f"not {t[1].expr.name}")
            elif self.is_traced(t):
                names.append(self.atom(t, span))
                parts.append(names[-1])
            elif not truth(t, span):
                parts.append("false")
        text = " and ".join(parts) or "true"
        py = text.replace("true", "True").replace("false", "False")
        return self.code(text, py, names, True, span, "more").expr.name

