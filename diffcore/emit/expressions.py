"""How lower.py lowers expressions: values, operators, tests, indexing, calls; user functions
inlined at each call, and a function with a `backward` rule lowered with its rule (see lower.py)."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.ast import Span

from ..engine import arrays as A
from ..engine import elementwise as E
from ..engine.broadcasting import value_shape
from ..engine.tracing import strip
from ..interpreter.builtins import BUILTINS, SPREAD_LIST_ARGUMENT
from ..interpreter.compiler import BINARY_PRIMITIVES
from .ir import Assign, Custom
from .naming import NamedArray, NamedInt
from .symbolic import SymTracer
from .values import (IN_LANGUAGE_DERIVATIVES, ORDERED, RANDOM, RESULT, RETURNED, STEPS, EmitError, Frame, Function,
                     Poison, Unwritable, returns_flagged, truth)


class Expressions:
    """The expression half of `Lowering` (a mixin: the state lives in lower.py's class)."""

    def ev(self, node) -> Any:
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is None:
            raise EmitError(f"emit cannot write {type(node).__name__}", node.span)
        return method(node)

    def ev_Number(self, n):
        return float(n.value)

    def ev_Bool(self, n):
        return bool(n.value)

    def ev_NoneLiteral(self, n):
        return None             # a new axis in an index (x[None, :]); a statement holding it is refused

    def ev_String(self, n):
        """A string: an argument of a builtin that takes one (einsum's subscripts, eigh's triangle);
        a statement that would hold it is refused (lower.py)."""
        return str(n.value)

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
            return not truth(x, n.span)
        name = self.atom(x, n.span)
        return self.code(f"not {name}", None, (name,), not truth(strip(x), n.span), n.span)

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
            if (n.op == "and") != truth(a, n.span):
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
            if isinstance(item, ast.EllipsisIndex):
                out.append(Ellipsis)
                continue
            v = self.ev(item)
            if self.is_traced(v):
                if value_shape(v) != ():
                    raise EmitError("emit writes an index that is a number or an array of the program text",
                                    item.span)
                out.append(NamedInt(int(strip(v)), self.atom(v, item.span)))
            elif isinstance(v, np.ndarray):
                out.append(v if v.dtype == bool else v.astype(np.int64))
            elif v is None:
                out.append(None)
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
        if name in ORDERED and traced:
            raise Unwritable(f"emit does not write {name} of a value that depends on the inputs: the order it "
                             "picks changes from point to point, and emitted code would keep the sample's",
                             n.span, hint="`autodiff grad` computes it at each point")
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
        self.frame.flagged_returns = returns_flagged(fn.body)
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
                self.frame.vars[p.name] = v
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


