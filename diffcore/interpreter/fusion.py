"""Fused scalar expressions: one tape entry for a whole arithmetic expression.

Recorded op by op, `sin(b)*a + 0.5*b*b/(1+b*b)` costs eight tape entries, and
recording an entry costs several times more than computing the operation. When
every variable the expression reads holds a Python float (or a float recorded
on one reverse trace), the compiled program instead evaluates it with a
generated function that returns the value *and* its partial derivatives with
respect to each variable, from a reverse sweep over the expression held in
local variables ("statement-level preaccumulation" in the AD literature). The
tape then gets one entry whose rule is "multiply the cotangent by the stored
partial", for each variable.

The derivative of each operation is still defined once, by its primitive: the
generated code calls the primitive's own float forward function and its
reverse rules (`scalar_vjp` when both operands vary, else `vjps[k]`). The code
is generated from a closed vocabulary (argument, temporary and function names
that we choose, nothing from the program's text), once per expression, the
first time the expression runs fused.

Anything unusual takes the ordinary op-by-op path, so results are exactly
those of the unfused program: arrays, tracers of other kinds or of two traces,
a frozen (no-grad) or fusion-disabled trace, a float exception (domain error,
division by zero), or any non-finite intermediate value or partial (so IEEE
values, the zero-cotangent rule and the diagnostics' "first non-finite value"
come from the ordinary entries). Kinks never fuse: primitives the diagnostics
check at kinks (abs, maximum, ...) are not fusable.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.source import ProgramError

from .builtins import Builtin
from ..engine.elementwise import neg
from ..engine.lanes import Lanes, Split, Unbatchable
from ..engine.reverse import Box
from .runtime import NUMERIC_FAILURES, translate
from ..engine.tracing import Primitive

# A float operation inside the generated function failed: the ordinary path will say why.
FUSION_FAILURES = (ArithmeticError, ValueError, TypeError)

# Fusing pays from two operations on (one operation is one entry either way).
MIN_OPERATIONS = 2


def fusable(prim: Optional[Primitive]) -> bool:
    """Whether a primitive may appear in a fused expression.

    It needs a float forward function (unary) or a float reverse rule (binary: pow's forward
    is its general implementation, as `**` on floats can return a complex number), no static
    params, and no kink that the diagnostics would have to report.
    """
    if prim is None or prim.has_params or prim.kink is not None:
        return False
    if prim.arity == 1:
        return prim.scalar is not None
    return prim.arity == 2 and prim.scalar_vjp is not None


class Plan:
    """A fusable expression as straight-line code over leaves (variables), constants and temporaries.

    refs are ("leaf", i), ("const", value) or ("temp", j); ops[j] = (primitive, refs of its operands).
    """

    def __init__(self) -> None:
        self.leaves: list = []          # one read closure per distinct variable
        self.leaf_keys: list = []       # where each variable lives (for deduplication)
        self.ops: list = []

    def leaf(self, key: Any, read: Callable) -> tuple:
        if key not in self.leaf_keys:
            self.leaf_keys.append(key)
            self.leaves.append(read)
        return ("leaf", self.leaf_keys.index(key))

    def op(self, prim: Primitive, refs: tuple) -> tuple:
        self.ops.append((prim, refs))
        return ("temp", len(self.ops) - 1)

    def worth_fusing(self) -> bool:
        return len(self.ops) >= MIN_OPERATIONS and bool(self.leaves)


def generate(plan: Plan, lanes: bool = False) -> Callable:
    """The function (leaf values...) -> (value, check, partials): check is finite iff all values are.

    With `lanes`, the leaves are arrays of many points' values (diffcore/blocks.py): the forward
    functions are the primitives' own (which compute each element as for one point, see
    numeric.ARRAY_EXACT), and a float rule that is not plain arithmetic runs element by element
    (a lane where it fails gets nan, so that the check sends that lane to the ordinary path)."""
    namespace: dict = {}
    n_leaves, ops = len(plan.leaves), plan.ops
    args = [f"v{i}" for i in range(n_leaves)]

    def name_of(ref: tuple) -> str:
        kind, what = ref
        if kind == "leaf":
            return f"v{what}"
        if kind == "temp":
            return f"t{what}"
        const = f"k{len(namespace)}"
        namespace[const] = what
        return const

    def varies(ref: tuple) -> bool:
        return ref[0] == "leaf" or (ref[0] == "temp" and active[ref[1]])

    active: list = []               # whether temporary j depends on a variable
    lines = [f"def fused({', '.join(args)}):"]
    operands: list = []
    for j, (prim, refs) in enumerate(ops):
        names = [name_of(r) for r in refs]
        operands.append(names)
        active.append(any(varies(r) for r in refs))
        forward = f"f{j}"
        namespace[forward] = prim.impl if lanes else (prim.scalar or prim.impl)
        lines.append(f"    t{j} = {forward}({', '.join(names)})")

    # The reverse sweep over the expression: every temporary is used once (a tree), leaves may repeat.
    assigned: set = set()
    lines.append(f"    a{len(ops) - 1} = 1.0")
    for j in range(len(ops) - 1, -1, -1):
        prim, refs = ops[j]
        if not active[j]:
            continue
        names = operands[j]
        moving = [k for k, r in enumerate(refs) if varies(r)]
        call_args = f"a{j}, t{j}, {', '.join(names)}"
        if len(refs) == 2 and len(moving) == 2 and prim.scalar_vjp is not None:
            rule = f"s{j}"
            namespace[rule] = (prim.scalar_vjp if not lanes or prim.name in ARITHMETIC_VJPS
                               else lane_by_lane(prim.scalar_vjp))
            lines.append(f"    c0, c1 = {rule}({call_args})")
        else:
            for k in moving:
                rule = f"r{j}_{k}"
                namespace[rule] = prim.vjps[k]
                lines.append(f"    c{k} = {rule}({call_args})")
        for k in moving:
            kind, what = refs[k]
            target = f"a{what}" if kind == "temp" else f"g{what}"
            if target in assigned:
                lines.append(f"    {target} = {target} + c{k}")
            else:
                assigned.add(target)
                lines.append(f"    {target} = c{k}")
    partials = [f"g{i}" for i in range(n_leaves)]
    check = " + ".join([f"t{j}" for j in range(len(ops))] + partials)
    lines.append(f"    return t{len(ops) - 1}, {check}, ({', '.join(partials)},)")
    code = compile("\n".join(lines), "<fused expression>", "exec")
    exec(code, namespace)
    return namespace["fused"]


# The primitives whose float reverse rule (`scalar_vjp`) is plain arithmetic, exact on arrays.
ARITHMETIC_VJPS = frozenset({"add", "sub", "mul", "div"})


def lane_by_lane(rule: Callable) -> Callable:
    """A float rule (g, ans, x, y) -> (cx, cy) applied to each lane's floats; nan where it fails."""
    def each(*args):
        arrays = np.broadcast_arrays(*[np.asarray(a, np.float64) for a in args])
        out_x, out_y = np.empty(arrays[0].shape), np.empty(arrays[0].shape)
        for k, lane in enumerate(zip(*[a.ravel().tolist() for a in arrays])):
            try:
                out_x.flat[k], out_y.flat[k] = rule(*lane)
            except FUSION_FAILURES:
                out_x.flat[k] = out_y.flat[k] = math.nan
        return out_x, out_y
    return each


def fused_closure(plan: Plan, ordinary: Callable[[list], Any], span: Any) -> Callable[[list], Any]:
    """The compiled expression: fused when its variables allow it, else `ordinary` (op by op)."""
    reads = tuple(plan.leaves)
    generated: list = []          # the generated function, made on first use
    on_lanes: list = []           # its version for many points at once, made on first use

    def run_fused(f):
        values = [read(f) for read in reads]
        trace = None
        for v in values:
            cls = v.__class__
            if cls is Lanes:
                if not on_lanes:
                    on_lanes.append(generate(plan, lanes=True))
                return fused_lanes(on_lanes[0], values, ordinary, f, span)
            if cls is Box:
                if v.value.__class__ is not float or (trace is not None and v.trace is not trace):
                    return ordinary(f)
                trace = v.trace
            elif cls is not float and cls is not int:
                return ordinary(f)
        if trace is None or not trace.fuse or trace.closed or trace.level <= trace.context.frozen_level:
            return ordinary(f)
        if not generated:
            generated.append(generate(plan))
        try:
            value, check, partials = generated[0](*[v.value if v.__class__ is Box else v for v in values])
        except FUSION_FAILURES:
            return ordinary(f)
        if check - check != 0.0:        # something was not finite: let the ordinary entries show where
            return ordinary(f)
        nodes, kept = [], []
        for v, d in zip(values, partials):
            if v.__class__ is Box:
                nodes.append(v.node)
                kept.append(d)
        try:
            return trace.record_fused(value, tuple(kept), tuple(nodes), span)
        except NUMERIC_FAILURES as exc:          # the tape's memory limit
            raise translate(exc, span, "the expression") from None
    return run_fused


def fused_lanes(generated: Callable, values: list, ordinary: Callable, f: list, span: Any) -> Any:
    """A fused expression on many points at once (diffcore/blocks.py), exactly as each point fuses.

    One point fuses when its variables are floats or floats on one reverse trace, at least one
    of them traced: a lane value of scalars is such a float (traced if the lanes hold a Box). A
    lane whose check is not finite (or whose float rule failed) takes the ordinary path alone:
    when lanes disagree the block is split (Split), so that each part does what each point does.
    """
    trace = lane_trace = None
    arguments = []
    for v in values:
        cls = v.__class__
        if cls is Lanes:
            lane_trace, inner = v.trace, v.value
            if inner.__class__ is Box:
                held = inner.value
                if trace is not None and inner.trace is not trace:
                    return ordinary(f)
                trace = inner.trace
            else:
                held = inner
            if held.__class__ is not np.ndarray or held.ndim != 1:
                return ordinary(f)          # one point's value is an array: it does not fuse
            arguments.append(held)
        elif cls is float or cls is int:
            arguments.append(v)
        else:
            raise Unbatchable("a fused expression mixes many points' values with a traced one")
    if trace is None or not trace.fuse or trace.closed or trace.level <= trace.context.frozen_level:
        return ordinary(f)
    value, check, partials = generated(*arguments)
    finite = np.isfinite(check)
    if not finite.all():
        if finite.any():
            raise Split(finite)
        return ordinary(f)
    nodes, kept = [], []
    for v, d in zip(values, partials):
        if v.__class__ is Lanes and v.value.__class__ is Box:
            nodes.append(v.value.node)
            kept.append(d if d.__class__ is np.ndarray else np.full(lane_trace.size, d))
    try:
        box = trace.record_fused(value, tuple(kept), tuple(nodes), span)
    except NUMERIC_FAILURES as exc:          # the tape's memory limit
        raise translate(exc, span, "the expression") from None
    return Lanes(box, lane_trace)


def plan(compiler: Any, node: Any, scope: Any, binary_primitives: dict) -> Optional[Plan]:
    """The fused form of an expression, or None if some part of it cannot be fused.

    Names are resolved in the same order as the ordinary compilation resolves them, so planning
    leaves the program's inputs in the same order whether or not it succeeds.
    """
    result = Plan()

    def visit(n) -> tuple:
        if isinstance(n, ast.Number):
            return ("const", float(n.value))
        if isinstance(n, ast.Name):
            where = compiler.resolve(n.id, scope, n.span)
            if where[0] == "builtin":
                if where[1].__class__ is float:        # pi, e
                    return ("const", where[1])
                raise _NotFusable
            return result.leaf(where, compiler.read_name(n, scope))
        if isinstance(n, ast.UnaryOp) and n.op in ("-", "+"):
            if n.op == "+":
                return visit(n.operand)
            if isinstance(n.operand, ast.Number):
                return ("const", -float(n.operand.value))
            return result.op(_checked(neg.primitive), (visit(n.operand),))
        if isinstance(n, ast.BinaryOp):
            prim = _checked(getattr(binary_primitives.get(n.op), "primitive", None))
            left = visit(n.left)
            return result.op(prim, (left, visit(n.right)))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and len(n.args) == 1 and not n.kwargs:
            where = compiler.resolve(n.func.id, scope, n.func.span, as_function=True)
            if where[0] == "builtin" and isinstance(where[1], Builtin):
                prim = getattr(where[1].fn, "primitive", None)
                return result.op(_checked(prim), (visit(n.args[0]),))
        raise _NotFusable

    try:
        visit(node)
    except (_NotFusable, ProgramError):
        return None
    return result if result.worth_fusing() else None


class _NotFusable(Exception):
    pass


def _checked(prim: Optional[Primitive]) -> Primitive:
    if not fusable(prim):
        raise _NotFusable
    return prim
