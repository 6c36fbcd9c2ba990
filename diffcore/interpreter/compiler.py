"""Compile an AST into Python closures, once, before anything runs.

Each expression becomes a function `frame -> value` and each statement a
function `frame -> signal` (None, BREAK, CONTINUE or RETURN). All decisions
that depend only on the program text are taken here: which frame slot a name
lives in, which primitive an operator calls, whether a call goes to a builtin.
Running a program is then a chain of direct closure calls, with no dispatch on
node types and no name lookups by string. Every operation's closure is made by
`Compiler.located`: it tells the run's context where in the source the program is
(for the tape, the kinks and the warnings) and turns a failure into the error the
user sees.

Scoping follows Python: a name assigned anywhere in a function is local to
it; other names are read from enclosing functions, then from the top level,
then from the builtins. A name that is read but assigned nowhere is an input
of the program.
"""
from __future__ import annotations

import operator
from functools import partial
from typing import Any, Callable, Optional


from autodiff.grammar import ast
from autodiff.grammar.ast import Span
from autodiff.grammar.source import ProgramError

from ..engine import arrays as A
from ..engine import elementwise as E
from . import fusion
from .analysis import Scope, assigned_names, refuse_jumps
from .builtins import BUILTINS, SPREAD_LIST_ARGUMENT, Builtin
from ..engine.kinds import to_int, type_name
from ..engine.notes import comparison_at_equality
from .display import format_value
from ..engine.errors import (AssertionFailed, CompileError, RuntimeProgramError, UndefinedNameError,
                     ValueTypeError, did_you_mean)
from ..engine.numeric import broadcast_size, check_elements, ndarray
from . import sequences
from .strings import string_operation
from .runtime import (BREAK, CONTINUE, FIRST_SLOT, NUMERIC_FAILURES, RETURN, UNSET, Runtime,
                      UserFunction, locate, runtime_builtins, translate, truth)
from .values import (FloatRange, array_of, check_arity, check_index, constant_array, index_int, index_item,
                     input_value, message_text, missing_input, plain_truth, unassigned)
from ..engine.lanes import Lanes, Unbatchable, lane_compare
from ..engine.tracing import Tracer, strip

Closure = Callable[[list], Any]

BINARY_PRIMITIVES = {
    "+": E.add, "-": E.sub, "*": E.mul, "/": E.div, "^": E.pow_, "%": E.mod, "@": A.matmul,
    "//": E.floor_divide,
}
COMPARISONS = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
OPERATOR_NAMES = {"+": "'+'", "-": "'-'", "*": "'*'", "/": "'/'", "^": "'^'", "%": "'%'",
                  "@": "'@' (matrix product)", "//": "'//'"}


class CompiledModule:
    """The result of compilation: the top-level code and what a run needs to know about it."""

    def __init__(self, run: Closure, globals_frame: list, scope: Scope, runtime: Runtime,
                 declared_inputs: list, implicit_inputs: dict):
        self.run = run
        self.globals_frame = globals_frame
        self.scope = scope
        self.runtime = runtime
        self.declared_inputs = declared_inputs      # [(name, span, has_default)]
        self.implicit_inputs = implicit_inputs      # name -> span of its first read

    def reset_globals(self) -> list:
        g = self.globals_frame
        g[:] = [None, None] + [UNSET] * (self.scope.size - FIRST_SLOT)
        return g


class Compiler:
    def __init__(self) -> None:
        self.runtime = Runtime()
        self.module = Scope("module", None, "<module>")
        self.g: list = []                       # the globals frame, filled at each run
        self.declared_inputs: list = []
        self.implicit_inputs: dict[str, Span] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.backward_rules: dict[str, ast.BackwardDef] = {}
        self.builtins = {**BUILTINS, **runtime_builtins(self.runtime)}
        self.inside_fused = False

    # ---------------------------------------------------------------- entry

    def compile_module(self, module: ast.Module) -> CompiledModule:
        for name in assigned_names(module.body):
            self.module.add(name)
        self.functions = {s.name: s for s in module.body if isinstance(s, ast.FunctionDef)}
        self.backward_rules = {s.name: s for s in module.body if isinstance(s, ast.BackwardDef)}
        body = self.block(module.body, self.module)
        return CompiledModule(body, self.g, self.module, self.runtime, self.declared_inputs,
                              self.implicit_inputs)

    def block(self, stmts: tuple, scope: Scope) -> Closure:
        runs = [self.stmt(s, scope) for s in stmts]
        if len(runs) == 1:
            return runs[0]

        def run_block(f):
            for run in runs:
                signal = run(f)
                if signal is not None:
                    return signal
        return run_block

    # ---------------------------------------------------------------- names

    def resolve(self, name: str, scope: Scope, span: Span, as_function: bool = False):
        """Where a read of `name` finds its value: ('local'|'global'|'input', slot), ('outer', depth, slot) or ('builtin', value).

        A name defined nowhere is an input of the program, unless it is called:
        then it is a typo or a missing function, reported at once.
        """
        if scope.kind == "function":
            if name in scope.slots:
                return ("local", scope.slots[name])
            depth, outer = 1, scope.parent
            while outer is not None:
                if name in outer.slots:
                    return ("outer", depth, outer.slots[name])
                depth, outer = depth + 1, outer.parent
        if name in self.module.slots:
            return ("input" if name in self.implicit_inputs else "global", self.module.slots[name])
        if name in self.builtins:
            return ("builtin", self.builtins[name])
        if as_function:
            raise UndefinedNameError(f"name '{name}' is not defined", span,
                                     hint=did_you_mean(name, self.known_names(scope)))
        self.implicit_inputs[name] = span
        return ("input", self.module.add(name))

    def known_names(self, scope: Scope) -> list[str]:
        names = list(self.module.slots) + list(self.builtins)
        while scope is not None and scope.kind == "function":
            names += list(scope.slots)
            scope = scope.parent
        return [n for n in names if n not in self.implicit_inputs]

    def read_name(self, node: ast.Name, scope: Scope) -> Closure:
        where = self.resolve(node.id, scope, node.span)
        name, span, g = node.id, node.span, self.g
        kind = where[0]
        if kind == "builtin":
            value = where[1]
            return lambda f: value
        if kind == "local":
            slot = where[1]

            def read_local(f):
                v = f[slot]
                if v is UNSET:
                    raise unassigned(name, span, scope.name)
                return v
            return read_local
        if kind == "outer":
            _, depth, slot = where

            def read_outer(f):
                for _ in range(depth):
                    f = f[0]
                v = f[slot]
                if v is UNSET:
                    raise unassigned(name, span, "an enclosing function")
                return v
            return read_outer
        slot = where[1]
        if kind == "input":
            candidates = self.known_names(scope)      # the hint itself only when it is needed

            def read_input(f):
                v = g[slot]
                if v is UNSET:
                    raise missing_input(name, span, did_you_mean(name, candidates))
                return v
            return read_input

        def read_global(f):
            v = g[slot]
            if v is UNSET:
                raise unassigned(name, span, None)
            return v
        return read_global

    def writer(self, name: str, scope: Scope) -> Callable[[list, Any], None]:
        """A function (frame, value) -> None that assigns `name` in `scope`."""
        if scope.kind == "module":
            slot, g, runtime = self.module.slots[name], self.g, self.runtime

            def write_global(f, value):
                g[slot] = value
                g[1] = value                    # the program's output is the last value assigned
                runtime.output_name = name
            return write_global
        slot = scope.slots[name]

        def write_local(f, value):
            f[slot] = value
        return write_local

    # ------------------------------------------------------------ statements

    def stmt(self, node, scope: Scope) -> Closure:
        method = getattr(self, "stmt_" + type(node).__name__)
        return method(node, scope)

    def stmt_ExprStmt(self, node: ast.ExprStmt, scope: Scope) -> Closure:
        value = self.expr(node.expr, scope)
        if scope.kind != "module":
            def run_expr(f):
                value(f)
            return run_expr
        g, runtime = self.g, self.runtime

        def run_top_expr(f):
            v = value(f)
            if v is not None:
                g[1] = v
                runtime.output_name = None
        return run_top_expr

    def stmt_Input(self, node: ast.Input, scope: Scope) -> Closure:
        if scope.kind != "module":
            raise CompileError("inputs are declared at the top level of a program", node.span,
                               hint=f"move `input {node.name}` out of the function")
        if any(name == node.name for name, _, _ in self.declared_inputs):
            raise CompileError(f"input '{node.name}' is declared twice", node.span)
        self.declared_inputs.append((node.name, node.span, node.default is not None))
        default = self.expr(node.default, scope) if node.default is not None else None
        name, span, runtime, slot, g = node.name, node.span, self.runtime, self.module.slots[node.name], self.g

        def run_input(f):
            value = runtime.provided.get(name, UNSET)
            if value is UNSET:
                if default is None:
                    raise missing_input(name, span, None)
                value = input_value(default(f), name, span)
            runtime.inputs[name] = value
            g[slot] = runtime.watch(name, value)
        return run_input

    def stmt_Assign(self, node: ast.Assign, scope: Scope) -> Closure:
        value = self.expr(node.value, scope)
        assigns = [self.assigner(t, scope) for t in node.targets]
        if len(assigns) == 1:
            assign = assigns[0]

            def run_assign(f):
                assign(f, value(f))
            return run_assign

        def run_chained(f):
            v = value(f)
            for assign in assigns:
                assign(f, v)
        return run_chained

    def assigner(self, target, scope: Scope) -> Callable[[list, Any], None]:
        """A function (frame, value) -> None storing into `target` (a name, an element, a tuple of names)."""
        if isinstance(target, ast.Name):
            return self.writer(target.id, scope)
        if isinstance(target, ast.TupleLiteral):
            parts = [self.assigner(t, scope) for t in target.items]
            span, at = target.span, self.at(target.span)

            def unpack(f, value):
                try:
                    items = sequences.unpack(value, len(parts), at)
                except ProgramError as exc:
                    raise locate(exc, span) from None
                for part, v in zip(parts, items):
                    part(f, v)
            return unpack
        if isinstance(target, ast.Index):
            if not isinstance(target.target, ast.Name):
                raise CompileError("only a variable's elements can be assigned", target.span,
                                   hint="write x[i, j] = v rather than x[i][j] = v")
            current = self.read_name(target.target, scope)
            index = self.index_of(target.indices, scope)
            write = self.writer(target.target.id, scope)
            span = target.span

            def array_to_change(f):
                base = current(f)
                plain = base.example() if base.__class__ is Lanes else strip(base)
                if isinstance(plain, tuple):
                    raise ValueTypeError("a tuple's elements cannot be changed", span)
                if type(plain) is not ndarray:
                    raise ValueTypeError(f"cannot assign to an element of {type_name(base)}", span)
                return base

            def set_element(base, idx, value):
                check_index((base.example() if base.__class__ is Lanes else strip(base)).shape, idx, span)
                return A.index_set(base, value, index=idx)
            changed = self.located(span, set_element, [array_to_change, index],
                                   failing(span, "element assignment", operands=(0, 2)), given=True)

            def assign_element(f, value):
                write(f, changed(f, value))
            return assign_element
        raise CompileError("cannot assign to this expression", getattr(target, "span", None))

    def stmt_AugAssign(self, node: ast.AugAssign, scope: Scope) -> Closure:
        current = self.expr(node.target, scope)
        value = self.expr(node.value, scope)
        combine = self.binary_closure(node.op, current, value, node.span, node.op_span)
        assign = self.assigner(node.target, scope)

        def run_augassign(f):
            assign(f, combine(f))
        return run_augassign

    def stmt_If(self, node: ast.If, scope: Scope) -> Closure:
        branches = [(self.expr(c, scope), self.block(b, scope), c.span) for c, b in node.branches]
        orelse = self.block(node.orelse, scope) if node.orelse else None
        runtime = self.runtime      # runtime.decisions: the views' record of the branches taken
        if len(branches) == 1:
            (cond, body, span), = branches

            def run_if(f):
                taken = truth(cond(f), span)
                if runtime.decisions is not None:
                    runtime.decisions.append((span, taken))
                if taken:
                    return body(f)
                if orelse is not None:
                    return orelse(f)
            return run_if

        def run_if_chain(f):
            for cond, body, span in branches:
                taken = truth(cond(f), span)
                if runtime.decisions is not None:
                    runtime.decisions.append((span, taken))
                if taken:
                    return body(f)
            if orelse is not None:
                return orelse(f)
        return run_if_chain

    def loop_body(self, body: tuple, scope: Scope) -> Closure:
        scope.loops += 1
        try:
            return self.block(body, scope)
        finally:
            scope.loops -= 1

    def stmt_While(self, node: ast.While, scope: Scope) -> Closure:
        cond = self.expr(node.cond, scope)
        body = self.loop_body(node.body, scope)
        span, tick, cond_span = node.span, self.runtime.tick, node.cond.span

        runtime = self.runtime

        def run_while(f):
            while True:
                going = truth(cond(f), cond_span)
                if runtime.decisions is not None:
                    runtime.decisions.append((cond_span, going))
                if not going:
                    break
                tick(span)
                signal = body(f)
                if signal is not None:
                    if signal is BREAK:
                        break
                    if signal is RETURN:
                        return signal
        return run_while

    def stmt_For(self, node: ast.For, scope: Scope) -> Closure:
        assign = self.assigner(node.target, scope)
        body = self.loop_body(node.body, scope)
        span, tick = node.span, self.runtime.tick
        items = self.iteration(node.iterable, scope)

        def run_for(f):
            for item in items(f):
                tick(span)
                assign(f, item)
                signal = body(f)
                if signal is not None:
                    if signal is BREAK:
                        break
                    if signal is RETURN:
                        return signal
        return run_for

    def at(self, span: Span) -> Callable[[], None]:
        """A function that tells the run it is at `span` (for what is recorded there)."""
        runtime = self.runtime

        def at():
            runtime.context.location = span
        return at

    def iteration(self, node, scope: Scope) -> Callable[[list], Any]:
        """A function frame -> sized Python iterable of the loop's values.

        `range(...)`, `enumerate(...)` and `zip(...)` (the builtins) are walked lazily,
        nested in one another too; any other value is a tuple or an array (its rows).
        """
        span = node.span
        called = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
        if called in ("enumerate", "zip") and self.resolve(called, scope, span)[0] == "builtin":
            return self.lazy_iteration(node, called, scope)
        if called == "range" and self.resolve("range", scope, span)[0] == "builtin":
            if node.kwargs or not 1 <= len(node.args) <= 3:
                raise CompileError("range takes 1 to 3 numbers: range(stop), range(start, stop) "
                                   "or range(start, stop, step)", span)
            bounds = [self.expr(a, scope) for a in node.args]

            def range_items(f):
                try:
                    r = range(*[to_int(b(f), "a range bound") for b in bounds])
                except ValueError as exc:
                    raise ValueTypeError(f"range: {exc}", span) from None
                return FloatRange(r)
            return range_items
        value, at = self.expr(node, scope), self.at(span)

        def items(f):
            try:
                return sequences.items_of(value(f), at)
            except ProgramError as exc:
                raise locate(exc, span) from None
        return items

    def lazy_iteration(self, node: ast.Call, name: str, scope: Scope) -> Callable[[list], Any]:
        """`for ... in enumerate(xs, start)` / `zip(a, b, ...)`: the items made one per iteration."""
        builtin = self.builtins[name]
        check_arity(builtin, len(node.args), [k.name for k in node.kwargs], node.span)
        inner = [self.iteration(a, scope) for a in node.args if name == "zip" or a is node.args[0]]
        span = node.span
        if name == "zip":
            def zipped(f):
                try:
                    return sequences.lazy_zip([items(f) for items in inner])
                except ProgramError as exc:
                    raise locate(exc, span) from None
            return zipped
        start_node = node.args[1] if len(node.args) > 1 else (node.kwargs[0].value if node.kwargs else None)
        start = self.expr(start_node, scope) if start_node is not None else (lambda f: 0.0)

        def numbered(f):
            items = inner[0](f)
            try:
                return sequences.lazy_enumerate(items, sequences.start_of(start(f)))
            except ProgramError as exc:
                raise locate(exc, span) from None
        return numbered

    def stmt_Break(self, node, scope: Scope) -> Closure:
        if not scope.loops:
            raise CompileError("'break' outside a loop", node.span)
        return lambda f: BREAK

    def stmt_Continue(self, node, scope: Scope) -> Closure:
        if not scope.loops:
            raise CompileError("'continue' outside a loop", node.span)
        return lambda f: CONTINUE

    def stmt_Pass(self, node, scope: Scope) -> Closure:
        return lambda f: None

    def stmt_Return(self, node: ast.Return, scope: Scope) -> Closure:
        value = self.expr(node.value, scope) if node.value is not None else (lambda f: None)
        if scope.kind == "module":
            g, runtime = self.g, self.runtime

            def run_top_return(f):
                g[1] = value(f)
                runtime.output_name = None
                return RETURN
            return run_top_return

        def run_return(f):
            f[1] = value(f)
            return RETURN
        return run_return

    def function(self, name: str, params: tuple, body: Closure | None, scope: Scope,
                 span: Span, body_stmts: Optional[tuple] = None, body_expr=None) -> Closure:
        """Compile a def or lambda into a closure that creates the function value."""
        inner = Scope("function", scope if scope.kind == "function" else None, name)
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise CompileError(f"{name}() has two parameters with the same name", span)
        for n in names:
            inner.add(n)
        seen_default = False
        for p in params:
            if p.default is None and seen_default:
                raise CompileError(f"parameter '{p.name}' without a default follows one with a default", p.span)
            seen_default = seen_default or p.default is not None
        if body_stmts is not None:
            for n in assigned_names(body_stmts):
                inner.add(n)
            code = self.block(body_stmts, inner) if body_stmts else (lambda f: None)
        else:
            expr = self.expr(body_expr, inner)

            def code(f):
                f[1] = expr(f)
                return RETURN
        defaults = [self.expr(p.default, scope) for p in params if p.default is not None]
        nested, runtime, nslots = scope.kind == "function", self.runtime, inner.size
        param_names = tuple(names)

        def make(f):
            return UserFunction(name, param_names, tuple(d(f) for d in defaults), code, nslots,
                                f if nested else None, runtime, span)
        return make

    def stmt_FunctionDef(self, node: ast.FunctionDef, scope: Scope) -> Closure:
        make = self.function(node.name, node.params, None, scope, node.span, body_stmts=node.body)
        rule = self.backward_rules.get(node.name) if scope.kind == "module" else None
        make_rule = (self.function(f"backward {node.name}", rule.params, None, scope, rule.span,
                                   body_stmts=rule.body) if rule is not None else None)
        write = self.writer(node.name, scope) if scope.kind == "function" else None
        slot, g = self.module.slots.get(node.name), self.g

        def run_def(f):
            fn = make(f)
            if make_rule is not None:
                from .custom import call_with_rule
                fn.backward, fn.call_with_rule = make_rule(f), call_with_rule
            if write is not None:
                write(f, fn)
            else:
                g[slot] = fn            # a definition is not the program's output
        return run_def

    def stmt_BackwardDef(self, node: ast.BackwardDef, scope: Scope) -> Closure:
        from .custom import compile_backward
        return compile_backward(self, node, scope)

    def stmt_Assert(self, node: ast.Assert, scope: Scope) -> Closure:
        message = self.expr(node.message, scope) if node.message is not None else None
        span = node.span
        test = node.test
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right = (self.expr(o, scope) for o in test.operands)
            op_name = test.ops[0]
            compare = self.comparison(op_name, test.span)

            def run_assert_compare(f):
                a, b = left(f), right(f)
                if not truth(compare(a, b), span):
                    text = message_text(message, f) or (
                        f"{format_value(strip(a))} {op_name} {format_value(strip(b))} is false")
                    raise AssertionFailed(text, span, comparison=op_name, left=strip(a), right=strip(b))
            return run_assert_compare
        check = self.expr(test, scope)
        operands = None
        if (isinstance(test, ast.Call) and isinstance(test.func, ast.Name)
                and test.func.id in ("allclose", "isclose") and len(test.args) >= 2):
            operands = [self.expr(a, scope) for a in test.args[:2]]

        def run_assert(f):
            if not truth(check(f), span):
                text = message_text(message, f) or "the condition is false"
                if operands is not None:
                    raise AssertionFailed(text, span, comparison=test.func.id,
                                          left=strip(operands[0](f)), right=strip(operands[1](f)))
                raise AssertionFailed(text, span)
        return run_assert

    def stmt_With(self, node: ast.With, scope: Scope) -> Closure:
        context = node.context
        name = context.id if isinstance(context, ast.Name) else None
        if name == "checkpoint":
            return self.checkpointed(node, scope)
        if name != "no_grad":
            raise CompileError("a block context is `with no_grad:` or `with checkpoint:`", context.span,
                               hint="no_grad runs a block without recording derivatives; checkpoint "
                                    "recomputes a loop in the backward sweep instead of storing it")
        body = self.block(node.body, scope)

        runtime = self.runtime

        def run_no_grad(f):
            context = runtime.context      # the traces open in the run so far are frozen in the block
            frozen = context.frozen_level
            context.frozen_level = context.level
            try:
                return body(f)
            finally:
                context.frozen_level = frozen
        return run_no_grad

    def checkpointed(self, node: ast.With, scope: Scope) -> Closure:
        """`with checkpoint:`: a range loop in sqrt(N) recomputed segments, or any block as one segment."""
        from . import checkpoint
        current = scope.slots if scope.kind == "function" else self.module.slots
        out_names = [n for n in assigned_names(node.body) if n in current]
        out_slots = [current[n] for n in out_names]
        g, runtime, module = self.g, self.runtime, scope.kind == "module"

        def frame_of(f):
            return g if module else f

        def frames_around(f):
            """The frames whose variables the block reaches: its own, the enclosing functions', the top level's."""
            if module:
                return [g]
            frames = []
            while f is not None:
                frames.append(f)
                f = f[0]
            return frames + [g]

        def outside():
            return ValueTypeError(
                "the checkpointed block reaches a differentiated value that is not held by a variable it "
                "can see (of its function, an enclosing function, the top level, or a function's closure)",
                node.span, hint="pass the value to the function that uses it as a parameter")

        def after_segment(frame):
            if module and runtime.output_name in out_names:
                g[1] = frame[current[runtime.output_name]]     # the output is the recorded value

        loop = node.body[0] if len(node.body) == 1 else None
        segmented = (isinstance(loop, ast.For) and isinstance(loop.target, ast.Name)
                     and isinstance(loop.iterable, ast.Call) and isinstance(loop.iterable.func, ast.Name)
                     and loop.iterable.func.id == "range")
        refuse_jumps(loop.body if segmented else node.body)
        if segmented:
            span, tick = loop.span, self.runtime.tick
            segments = checkpoint.loop_segments(self.iteration(loop.iterable, scope),
                                                self.writer(loop.target.id, scope),
                                                self.loop_body(loop.body, scope), lambda: tick(span))
        else:
            segments = checkpoint.block_segments(self.block(node.body, scope))
        return checkpoint.checkpointed(frame_of, frames_around, segments, out_slots, after_segment, outside)

    # ------------------------------------------------------------ expressions

    def expr(self, node, scope: Scope) -> Closure:
        method = getattr(self, "expr_" + type(node).__name__)
        return method(node, scope)

    def expr_Number(self, node: ast.Number, scope) -> Closure:
        value = float(node.value)
        return lambda f: value

    def expr_Bool(self, node: ast.Bool, scope) -> Closure:
        value = bool(node.value)
        return lambda f: value

    def expr_NoneLiteral(self, node: ast.NoneLiteral, scope) -> Closure:
        return lambda f: None

    def expr_String(self, node: ast.String, scope) -> Closure:
        value = node.value
        return lambda f: value

    def expr_Name(self, node: ast.Name, scope) -> Closure:
        return self.read_name(node, scope)

    def expr_ListLiteral(self, node: ast.ListLiteral, scope) -> Closure:
        constant = constant_array(node)
        if constant is not None:
            return lambda f: constant
        items = [self.expr(i, scope) for i in node.items]
        span = node.span
        return self.located(span, partial(array_of, span), items, failing(span, "a list", operands=()))

    def expr_TupleLiteral(self, node: ast.TupleLiteral, scope) -> Closure:
        items = [self.expr(i, scope) for i in node.items]
        return lambda f: tuple(item(f) for item in items)

    def expr_UnaryOp(self, node: ast.UnaryOp, scope) -> Closure:
        if node.op == "-" and isinstance(node.operand, ast.Number):
            value = -float(node.operand.value)
            return lambda f: value
        if node.op == "-" and (fused := self.fused(node, scope)):
            return fused
        operand = self.expr(node.operand, scope)
        span = node.span
        if node.op == "not":
            return lambda f: not truth(operand(f), span)
        if node.op == "+":
            return operand
        return self.located(span, E.neg, [operand], failing(span, "negation"))

    def expr_BinaryOp(self, node: ast.BinaryOp, scope) -> Closure:
        return self.fused(node, scope) or self.binary_closure(
            node.op, self.expr(node.left, scope), self.expr(node.right, scope), node.span, node.op_span)

    def fused(self, node, scope: Scope) -> Optional[Closure]:
        """A scalar arithmetic expression compiled to record one fused tape entry (see fusion.py)."""
        if self.inside_fused:
            return None
        plan = fusion.plan(self, node, scope, BINARY_PRIMITIVES)
        if plan is None:
            return None
        self.inside_fused = True        # the ordinary closures below it are its fallback, not fused
        try:
            ordinary = self.expr(node, scope)
        finally:
            self.inside_fused = False
        return fusion.fused_closure(plan, ordinary, node.span)

    def binary_closure(self, op: str, left: Closure, right: Closure, span: Span, op_span: Span) -> Closure:
        return self.located(span, BINARY_PRIMITIVES[op], [left, right], failing_binary(op, op_span))

    def comparison(self, op: str, span: Span) -> Callable[[Any, Any], Any]:
        compare = COMPARISONS[op]
        runtime = self.runtime

        def run_compare(a, b):
            if a.__class__ is Lanes or b.__class__ is Lanes:     # many points at once (blocks.py)
                result, tied = lane_compare(compare, a, b)
                if tied:
                    raise Unbatchable("a comparison of traced values ties in some lane (a kink)")
                return result
            traced = False
            if a.__class__ is not float:
                traced = isinstance(a, Tracer)
                a = strip(a)
            if b.__class__ is not float:
                traced = traced or isinstance(b, Tracer)
                b = strip(b)
            try:
                if a.__class__ is ndarray or b.__class__ is ndarray:
                    check_elements(broadcast_size(a, b))        # an array of booleans, before numpy makes it
                result = compare(a, b)
            except NUMERIC_FAILURES as exc:
                raise translate(exc, span, f"'{op}'", (a, b)) from None
            # A tie between traced values is a one-sided choice (two unequal floats are not one).
            if traced and (a == b if a.__class__ is float and b.__class__ is float else True):
                context = runtime.context
                context.location = span
                comparison_at_equality(context, op, a, b, result)
            return result if result.__class__ is bool else plain_truth(result)
        return run_compare

    def expr_Compare(self, node: ast.Compare, scope) -> Closure:
        operands = [self.expr(o, scope) for o in node.operands]
        compares = [self.comparison(op, node.span) for op in node.ops]
        if len(compares) == 1:
            left, right = operands
            compare = compares[0]
            return lambda f: compare(left(f), right(f))
        span = node.span

        def run_chain(f):
            a = operands[0](f)
            result = True
            for compare, operand in zip(compares, operands[1:]):
                b = operand(f)
                result = compare(a, b)
                if not truth(result, span):
                    return False
                a = b
            return result
        return run_chain

    def expr_BoolOp(self, node: ast.BoolOp, scope) -> Closure:
        left, right = self.expr(node.left, scope), self.expr(node.right, scope)
        ls, rs = node.left.span, node.right.span
        if node.op == "and":
            return lambda f: truth(left(f), ls) and truth(right(f), rs)
        return lambda f: truth(left(f), ls) or truth(right(f), rs)

    def expr_IfExp(self, node: ast.IfExp, scope) -> Closure:
        cond, then, orelse = (self.expr(n, scope) for n in (node.cond, node.then, node.orelse))
        span = node.cond.span
        return lambda f: then(f) if truth(cond(f), span) else orelse(f)

    def expr_Lambda(self, node: ast.Lambda, scope) -> Closure:
        return self.function("<lambda>", node.params, None, scope, node.span, body_expr=node.body)

    def index_of(self, indices: tuple, scope) -> Callable[[list], tuple]:
        parts = []
        ellipses = [item for item in indices if isinstance(item, ast.EllipsisIndex)]
        if len(ellipses) > 1:
            raise CompileError("an index can have only one '...'", ellipses[1].span,
                               hint="'...' stands for all the axes the other indices leave; write it once")
        for item in indices:
            if isinstance(item, ast.EllipsisIndex):
                parts.append(("item", lambda f: Ellipsis, item.span))
            elif isinstance(item, ast.Slice):
                bounds = [self.expr(b, scope) if b is not None else None
                          for b in (item.start, item.stop, item.step)]
                parts.append(("slice", bounds, item.span))
            else:
                parts.append(("item", self.expr(item, scope), item.span))

        def build_index(f):
            out = []
            for kind, part, span in parts:
                if kind == "slice":
                    out.append(slice(*[None if b is None else index_int(b(f), span) for b in part]))
                else:
                    out.append(index_item(part(f), span))
            return tuple(out)
        return build_index

    def expr_Index(self, node: ast.Index, scope) -> Closure:
        span = node.span
        getitem = A.getitem

        def item_of(base, idx):
            plain = base.example() if base.__class__ is Lanes else strip(base)
            if isinstance(plain, tuple):
                if len(idx) != 1 or idx[0] is None or idx[0] is Ellipsis:
                    raise ValueTypeError("a tuple takes one index: a whole number or a slice", span)
                try:
                    return plain[idx[0]]
                except (IndexError, TypeError):
                    raise RuntimeProgramError(f"index {idx[0]} is out of range for a tuple of "
                                              f"{len(plain)}", span) from None
            if type(plain) is not ndarray:
                raise ValueTypeError(f"cannot index {type_name(base)}", span)
            check_index(plain.shape, idx, span)
            return getitem(base, index=idx)
        return self.located(span, item_of, [self.expr(node.target, scope), self.index_of(node.indices, scope)],
                            failing(span, "indexing", operands=()))

    def expr_Call(self, node: ast.Call, scope) -> Closure:
        span, func = node.span, node.func
        if isinstance(func, ast.Name):
            where = self.resolve(func.id, scope, func.span, as_function=True)
            if where[0] == "builtin" and isinstance(where[1], Builtin):
                return self.builtin_call(where[1], node, scope)
        name = func.id if isinstance(func, ast.Name) else "the called value"
        return self.located(span, None, [self.expr(a, scope) for a in node.args], failing_call(span, name),
                            [(k.name, self.expr(k.value, scope)) for k in node.kwargs], callee=self.expr(func, scope))

    def builtin_call(self, builtin: Builtin, node: ast.Call, scope) -> Closure:
        if fused := self.fused(node, scope):
            return fused
        span, name = node.span, builtin.name
        if name in SPREAD_LIST_ARGUMENT and len(node.args) == 1 and isinstance(node.args[0], ast.ListLiteral):
            arg_nodes = node.args[0].items
        else:
            arg_nodes = node.args
        check_arity(builtin, len(arg_nodes), [k.name for k in node.kwargs], span)
        args = [self.expr(a, scope) for a in arg_nodes]
        kwargs = [(k.name, self.expr(k.value, scope)) for k in node.kwargs]
        fn = builtin.unary if not kwargs and len(args) == 1 else builtin.fn
        return self.located(span, fn, args, failing_call(span, name, builtin), kwargs)

    # -------------------------------------------------------- one operation

    def located(self, span: Span, operation: Optional[Callable], arguments: list, failed: Callable,
                keywords: list = (), callee: Optional[Closure] = None, given: bool = False) -> Closure:
        """The closure of one operation of the program, at `span`.

        It computes the `arguments` (closures of the frame; `keywords`, (name, closure) pairs),
        sets the run's location to `span`, so that what the operation records or notes points
        at it, and applies `operation` (or the function `callee` gives, for a call of a value).
        A numeric failure goes to `failed(exc, function, values, named)` (made by `failing`,
        `failing_binary` or `failing_call`), which raises the program's error or gives the
        operation's value after all (a string operation); a program error raised by the
        operation gets `span` if it has no location.

        With `given`, the closure takes values after the frame, passed to the operation after
        the arguments' (an element assignment's value).

        Every operation of a run goes through one of these closures: they are specialised by
        arity so that one or two arguments are passed without packing, and the closure the
        caller gets is the operation itself, with no call in between.
        """
        runtime = self.runtime
        simple = callee is None and not keywords and not given
        if simple and len(arguments) == 1:
            argument, = arguments

            def located_1(f):
                x = argument(f)
                runtime.context.location = span
                try:
                    return operation(x)
                except NUMERIC_FAILURES as exc:
                    return failed(exc, operation, (x,), NO_KEYWORDS)
                except ProgramError as exc:
                    raise locate(exc, span)
            return located_1
        if simple and len(arguments) == 2:
            first, second = arguments

            def located_2(f):
                x = first(f)
                y = second(f)
                runtime.context.location = span
                try:
                    return operation(x, y)
                except NUMERIC_FAILURES as exc:
                    return failed(exc, operation, (x, y), NO_KEYWORDS)
                except ProgramError as exc:
                    raise locate(exc, span)
            return located_2

        def located_n(f, *given):
            fn = operation if callee is None else callee(f)
            values = [a(f) for a in arguments]
            values += given
            named = {k: v(f) for k, v in keywords}
            runtime.context.location = span
            try:
                return fn(*values, **named)
            except NUMERIC_FAILURES as exc:
                return failed(exc, fn, values, named)
            except ProgramError as exc:
                raise locate(exc, span)
        return located_n


# ----------------------------------------------------------------- helpers

NO_KEYWORDS: dict = {}


def failing(span: Span, what: str, operands: Optional[tuple] = None) -> Callable:
    """The failure of an operation named `what` (see Compiler.located): the program's error at `span`.

    `operands`: the positions of the values the error names (None: all of them).
    """
    def failed(exc, fn, values, named):
        shown = tuple(values) if operands is None else tuple(values[k] for k in operands)
        raise translate(exc, span, what, shown) from None
    return failed


def failing_binary(op: str, op_span: Span) -> Callable:
    """The failure of a binary operator: a string operation after all, or the program's error at the operator."""
    what = OPERATOR_NAMES[op]

    def failed(exc, fn, values, named):
        a, b = values
        # A primitive refuses a string (before recording anything): `+` and `%` on strings
        # are the language's string operations, found here, off the numbers' hot path.
        if a.__class__ is str and op in ("+", "%"):
            try:
                text = string_operation(op, a, b)
            except ProgramError as error:
                raise locate(error, op_span) from None
            if text is not None:
                return text
        raise translate(exc, op_span, what, (a, b)) from None
    return failed


def failing_call(span: Span, name: str, builtin: Optional[Builtin] = None) -> Callable:
    """The failure of a call of `name`: of `builtin`, or (None) of whatever value the program called."""
    def failed(exc, fn, values, named):
        called = builtin if builtin is not None else fn
        if not isinstance(called, (UserFunction, Builtin)):
            # A value that is not a function fails to be called (a TypeError, before anything
            # runs): it is told apart here, off the hot path of every call.
            raise ValueTypeError(f"{name} is {type_name(called)}, not a function", span) from None
        # A user function's own operations are translated where they run: what escapes
        # its call is autodiff's, unless a builtin's arguments explain it.
        operands = (*values, *named.values()) if isinstance(called, Builtin) else ()
        raise translate(exc, span, f"{name}()", operands, (called, values, named)) from None
    return failed

