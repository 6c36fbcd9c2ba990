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

import math
from typing import Any, Callable, Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.ast import Span

from ..engine import arrays as A
from ..engine import elementwise as E
from ..engine.broadcasting import value_shape
from ..engine.errors import CompileError
from ..engine.tracing import Tracer, strip
from ..interpreter.builtins import BUILTINS, SPREAD_LIST_ARGUMENT
from ..interpreter.compiler import BINARY_PRIMITIVES
from .ir import Assign, Code, Custom, If, Loop
from .naming import Namer, NamedArray, NamedInt
from .printing import number_text
from .symbolic import SymbolicTrace, SymTracer


class EmitError(CompileError):
    """A construct `autodiff emit` cannot write as code, at its place in the program."""


class Unwritable(EmitError):
    """A value emit cannot write (a derivative inside the program, a random number): an error
    only if the output needs it."""


IN_LANGUAGE_DERIVATIVES = {"grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp"}
RANDOM = {"seed", "randn", "rand"}
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


class Lowering:
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
                self.block.append(Assign(ir, Code(_literal(sample, "expr"), _literal(sample, "python"), ()), span))
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
                    self.branch(guard, lambda: self.run_block(stmts[i + 1:]), lambda: None, s.span)
                    return

    def jump_flags(self, s) -> list:
        """The flags a statement may set (a break, continue or flagged return inside it)."""
        found = []
        stack = [s]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.Break):
                found.append(BREAK)
            elif isinstance(n, ast.Continue):
                found.append(CONTINUE)
            elif isinstance(n, ast.Return) and self.frame.flagged_returns:
                found.append(RETURNED)
            elif isinstance(n, ast.If):
                for _, body in n.branches:
                    stack.extend(body)
                stack.extend(n.orelse)
            elif isinstance(n, ast.With):
                stack.extend(n.body)
            elif isinstance(n, (ast.While, ast.For)):
                stack.extend(x for x in n.body if isinstance(x, ast.Return) or isinstance(x, (ast.If, ast.With)))
        if isinstance(s, (ast.While, ast.For)):
            found = [f for f in found if f == RETURNED]
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
            (then_fn if _truth(cond, span) else else_fn)()
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
                self.frame.vars[key] = a if a is not None else b      # a function, an unwritable value
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
        number = self.loops = self.loops + 1
        names = self.namer
        has_break = any(isinstance(n, ast.Break) for n in _statements(body))
        has_continue = any(isinstance(n, ast.Continue) for n in _statements(body))
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
            elif not _truth(t, span):
                parts.append("false")
        text = " and ".join(parts) or "true"
        py = text.replace("true", "True").replace("false", "False")
        return self.code(text, py, names, True, span, "more").expr.name

    # ------------------------------------------------------- expressions

    def ev(self, node) -> Any:
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            raise EmitError(f"emit cannot write {type(node).__name__}", node.span)
        return method(node)

    def ev_Number(self, n):
        return float(n.value)

    def ev_Bool(self, n):
        return bool(n.value)

    def ev_String(self, n):
        raise EmitError("emit writes numbers and arrays: a string is only for print and assert", n.span)

    def ev_Name(self, n):
        return self.lookup(n.id, n.span)

    def lookup(self, name: str, span: Span):
        v = self.frame.find(name)
        if v is None and self.frame is not self.globals:
            v = self.globals.vars.get(name)
        if isinstance(v, Poison):
            raise v.error
        if v is not None:
            return v
        from ..interpreter.builtins import _constants
        constants = _constants()
        if name in constants:
            return float(constants[name])
        if name in BUILTINS or name in RANDOM or name == "print":
            return ("builtin", name)
        raise EmitError(f"name '{name}' is not defined here", span)

    def ev_ListLiteral(self, n):
        from ..interpreter.values import array_of
        items = [self.ev(i) for i in n.items]
        return self.call_safely(lambda: array_of(n.span, *items), n.span)

    def ev_TupleLiteral(self, n):
        return tuple(self.ev(i) for i in n.items)

    def ev_UnaryOp(self, n):
        x = self.ev(n.operand)
        if n.op == "+":
            return x
        if n.op == "-":
            return self.call_safely(lambda: E.neg(x), n.span)
        if not self.is_traced(x):
            return not _truth(x, n.span)
        name = self.atom(x, n.span)
        return self.code(f"not {name}", None, (name,), not _truth(strip(x), n.span), n.span)

    def binary(self, op: str, a, b, span: Span):
        fn = BINARY_PRIMITIVES.get(op)
        if fn is None:
            raise EmitError(f"emit cannot write the operator {op!r}", span)
        return self.call_safely(lambda: fn(a, b), span)

    def ev_BinaryOp(self, n):
        return self.binary(n.op, self.ev(n.left), self.ev(n.right), n.op_span)

    def ev_Compare(self, n):
        return self.compare(n.ops, [self.ev(o) for o in n.operands], n.span)

    def compare(self, ops, values, span: Span):
        import operator
        fns = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
               "==": operator.eq, "!=": operator.ne}
        samples = [strip(v) for v in values]
        sample = all(np.all(fns[op](a, b)) for op, a, b in zip(ops, samples, samples[1:])) \
            if len(ops) > 1 else fns[ops[0]](samples[0], samples[1])
        if not any(self.is_traced(v) for v in values):
            return sample
        atoms = [self.atom(v, span) for v in values]
        text = atoms[0] + "".join(f" {op} {a}" for op, a in zip(ops, atoms[1:]))
        return self.code(text, None, [a for a in atoms if a in self.samples], sample, span)

    def ev_BoolOp(self, n):
        a = self.ev(n.left)
        if not self.is_traced(a):
            if (n.op == "and") != _truth(a, n.span):
                return a
            return self.ev(n.right)
        b = self.ev(n.right)
        x, y = self.atom(a, n.span), self.atom(b, n.span)
        sa, sb = strip(a), strip(b)
        sample = (sa and sb) if n.op == "and" else (sa or sb)
        return self.code(f"{x} {n.op} {y}", None, [v for v in (x, y) if v in self.samples], sample, n.span)

    def ev_IfExp(self, n):
        key = f"@ifexp{id(n)}"
        self.branch(self.ev(n.cond), lambda: self.bind(key, self.ev(n.then), n.span),
                    lambda: self.bind(key, self.ev(n.orelse), n.span), n.span)
        return self.frame.vars.pop(key)

    def ev_Lambda(self, n):
        return Function("lambda", n.params, (ast.Return(n.span, n.body),), self.frame)

    def ev_Index(self, n):
        base = self.ev(n.target)
        if isinstance(base, tuple):
            idx = self.index(n.indices, n.span)
            return base[int(idx[0])]
        index = self.index(n.indices, n.span)
        return self.call_safely(lambda: A.getitem(base, index=index), n.span)

    def index(self, indices, span: Span) -> tuple:
        out = []
        for item in indices:
            if isinstance(item, ast.Slice):
                bounds = [None if b is None else self.ev(b) for b in (item.start, item.stop, item.step)]
                if any(self.is_traced(b) for b in bounds):
                    raise EmitError("emit writes slices whose bounds are numbers of the program text "
                                    "(the shape of the result must not depend on the inputs)", item.span)
                out.append(slice(*[None if b is None else int(b) for b in bounds]))
                continue
            v = self.ev(item)
            if self.is_traced(v):
                if value_shape(v) != ():
                    raise EmitError("emit writes an index that is a number or an array of the program text",
                                    item.span)
                out.append(NamedInt(int(strip(v)), self.atom(v, item.span)))
            elif isinstance(v, np.ndarray):
                out.append(v if v.dtype == bool else v.astype(np.int64))
            else:
                out.append(int(v))
        return tuple(out)

    def ev_Call(self, n):
        fn = self.ev(n.func)
        if isinstance(fn, Function):
            args = [self.ev(a) for a in n.args]
            kwargs = {k.name: self.ev(k.value) for k in n.kwargs}
            return self.inline(fn, args, kwargs, n.span)
        if not (isinstance(fn, tuple) and fn and fn[0] == "builtin"):
            raise EmitError("this value cannot be called", n.func.span)
        name = fn[1]
        if name in IN_LANGUAGE_DERIVATIVES:
            raise Unwritable(f"emit cannot write a derivative taken inside the program ({name})", n.span,
                            hint="emit differentiates the program once; take further derivatives with "
                                 "`autodiff hessian`, `autodiff grad --order 2` or by emitting the emitted program")
        if name in RANDOM:
            raise Unwritable(f"emit does not write random numbers ({name})", n.span,
                            hint="pass the values as inputs instead")
        if name == "print":
            raise EmitError("print is a statement of its own", n.span)
        arg_nodes = n.args[0].items if name in SPREAD_LIST_ARGUMENT and len(n.args) == 1 and \
            isinstance(n.args[0], ast.ListLiteral) else n.args
        args = [self.ev(a) for a in arg_nodes]
        kwargs = {k.name: self.ev(k.value) for k in n.kwargs}
        traced = any(self.is_traced(a) for a in [*args, *kwargs.values()])
        if name == "detach" and traced:
            x = self.atom(args[0], n.span)
            return self.code(f"detach({x})", x, (x,), strip(args[0]), n.span, "u")
        if name in STEPS and traced:
            x = self.atom(args[0], n.span)
            sample = BUILTINS[name].fn(strip(args[0]))
            return self.code(f"{name}({x})", f"{STEPS[name]}({x})", (x,), sample, n.span)
        if name in ("len", "shape"):
            return BUILTINS[name].fn(*[strip(a) for a in args])
        if name == "where" and self.is_traced(args[0]):
            c = self.atom(args[0], n.span)
            cond = NamedArray(np.asarray(strip(args[0]), dtype=bool), c)
            return self.call_safely(lambda: E.where(args[1], args[2], cond=cond),
                                    n.span)
        out = self.call_safely(lambda: BUILTINS[name].fn(*args, **kwargs), n.span)
        if traced and not any(self.is_traced(o) for o in (out if isinstance(out, tuple) else (out,))) \
                and not isinstance(out, tuple):
            raise EmitError(f"emit cannot write {name} here: its value depends on the inputs but not "
                            "through primitives", n.span)
        return out

    def call_safely(self, fn: Callable, span: Span):
        from autodiff.grammar.source import ProgramError
        try:
            return fn()
        except ProgramError as exc:
            if exc.span is None:
                exc.span = span
            raise
        except (ValueError, TypeError, IndexError) as exc:
            raise EmitError(f"emit cannot write this: {exc}", span) from None

    def inline(self, fn: Function, args: list, kwargs: dict, span: Span):
        if any(f is fn for f in self.calls):
            raise EmitError(f"emit cannot write the recursive call of '{fn.name}'", span,
                            hint="emit inlines user functions; rewrite the recursion as a loop")
        if len(args) > len(fn.params):
            raise EmitError(f"{fn.name} takes {len(fn.params)} arguments, not {len(args)}", span)
        rule = self.rules.get(fn.name) if fn.closure is self.globals else None
        outer, self.frame = self.frame, Frame(fn.closure, fn)
        self.frame.flagged_returns = _returns_flagged(fn.body)
        self.calls.append(fn)
        try:
            for k, p in enumerate(fn.params):
                if k < len(args):
                    value = args[k]
                elif p.name in kwargs:
                    value = kwargs[p.name]
                elif p.default is not None:
                    value = self.ev(p.default)
                else:
                    raise EmitError(f"{fn.name} needs its argument '{p.name}'", span)
                if isinstance(value, SymTracer) and value.expr.op == "var":
                    self.frame.vars[p.name] = value
                elif isinstance(value, (Function, tuple)):
                    self.frame.vars[p.name] = value
                else:
                    self.bind(p.name, value, span)
            params = [self.frame.vars[p.name] for p in fn.params]
            if self.frame.flagged_returns:
                self.frame.vars[RETURNED] = self.code("false", "False", (), False, span, "returned")
            if rule is not None:
                self.stopped += 1
            try:
                self.run_block(fn.body)
            finally:
                self.stopped -= rule is not None
            self.terminated = False
            result = self.frame.vars.get(RESULT, 0.0)
        finally:
            self.calls.pop()
            self.frame = outer
        if rule is not None:
            return self.custom(fn, rule, params, result, span)
        return result

    def custom(self, fn: Function, rule, params: list, result, span: Span):
        if isinstance(result, tuple):
            raise EmitError("emit writes a custom rule of a function with one result", rule.span)
        out = self.namer.fresh(fn.name)
        self.emit_value(out, result, span, stop=True)
        g = self.namer.adjoint(out)
        self.samples[g] = np.zeros_like(strip(result)) if np.ndim(strip(result)) else 0.0
        outer, self.frame = self.frame, Frame(self.globals, Function(rule.name, rule.params, rule.body, self.globals))
        names = []
        try:
            for p, v in zip(rule.params, [*params, self.var(g)]):
                self.frame.vars[p.name] = v if not isinstance(v, SymTracer) or v.expr.op == "var" else v
            block = self.sub_block(lambda: self.run_block(rule.body))
            self.terminated = False
            value = self.frame.vars.get(RESULT)
            grads = value if isinstance(value, tuple) else (value,)
            if len(grads) != len(params):
                raise EmitError(f"the rule of {fn.name} returns {len(grads)} gradients for {len(params)} "
                                "arguments", rule.span)
            for k, gk in enumerate(grads):
                name = self.namer.fresh(f"{rule.params[k].name}_rule")
                block.append(Assign(name, self.trace.expression(self.numeric(gk, rule.span)), rule.span, True))
                self.samples[name] = strip(gk)
                names.append(name)
        finally:
            self.frame = outer
        self.block.append(Custom(out, [p.expr.name for p in params], block, names, span, fn.name))
        return self.var(out)


def _literal(a: np.ndarray, target: str) -> str:
    from .printing import array_text
    return array_text(a, target)


def _truth(v, span: Span) -> bool:
    v = strip(v)
    if isinstance(v, np.ndarray):
        if v.size != 1:
            raise EmitError("the truth of an array of several values is ambiguous", span)
        return bool(v.reshape(-1)[0])
    return bool(v)


def _statements(body: tuple):
    """The statements of a loop body that belong to this loop (not to loops or functions inside)."""
    stack = list(body)
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, ast.If):
            for _, b in n.branches:
                stack.extend(b)
            stack.extend(n.orelse)
        elif isinstance(n, ast.With):
            stack.extend(n.body)


def _returns_flagged(body: tuple) -> bool:
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


__all__ = ["Lowering", "EmitError", "math"]
