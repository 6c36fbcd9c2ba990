"""Forward mode: push a tangent alongside every value (a JVP trace).

Each primitive's `jvp` rule maps the tangents of its arguments to the tangent
of its result. Rules are written with primitives, so a forward trace can run
over a reverse trace's backward sweep: that is forward-over-reverse, which
gives Hessian-vector products without forming the Hessian.
"""
from __future__ import annotations

from typing import Any

from .tracing import Primitive, Trace, Tracer

_NO_PARAMS: dict = {}


class Dual(Tracer):
    """A value with its tangent (the directional derivative along the chosen direction)."""

    __slots__ = ("value", "tangent")

    def __init__(self, value: Any, tangent: Any, trace: "ForwardTrace"):
        self.trace = trace
        self.value = value
        self.tangent = tangent

    @property
    def primal(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, tangent={self.tangent!r})"


class ForwardTrace(Trace):
    __slots__ = ("closed",)

    def __init__(self, level: int):
        super().__init__(level)
        self.closed = False

    def dual(self, value: Any, tangent: Any) -> Dual:
        return Dual(value, tangent, self)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if self.level <= self.context.frozen_level:        # inside no_grad: a constant to this trace
            return prim.bind(*[a.value if type(a) is Dual and a.trace is self else a for a in args], **params)
        if len(args) == 1:          # dispatch chose this trace for its only argument: it is ours
            x = args[0]
            xv = x.value
            ans = prim.bind(xv, **params) if isinstance(xv, Tracer) else prim.impl(xv, **params)
            if prim.jvp is None:
                raise TypeError(f"{prim.name} has no forward-mode rule")
            return Dual(ans, prim.jvp((x.tangent,), ans, xv, **params), self)
        primals, tangents = [], []
        for a in args:
            if type(a) is Dual and a.trace is self:
                primals.append(a.value)
                tangents.append(a.tangent)
            else:
                primals.append(a)
                tangents.append(None)
        ans = prim(*primals, **params)
        if prim.jvp is None:
            raise TypeError(f"{prim.name} has no forward-mode rule")
        tangent = prim.jvp(tuple(tangents), ans, *primals, **params)
        return Dual(ans, tangent, self)

    # The unary and binary callers' fast entries (param-less primitives): process() without
    # building the lists. They must agree with process(), which stays the definition; the
    # fuzzers' ForwardWatch wraps all three.

    def process1(self, prim: Primitive, x: Dual) -> Any:
        if self.level <= self.context.frozen_level:
            return self.process(prim, (x,), _NO_PARAMS)
        xv = x.value            # the callers hand a tracer to its own trace: x is this trace's
        ans = prim.bind(xv) if isinstance(xv, Tracer) else prim.impl(xv)
        if prim.jvp is None:
            raise TypeError(f"{prim.name} has no forward-mode rule")
        return Dual(ans, prim.jvp((x.tangent,), ans, xv), self)

    def process2(self, prim: Primitive, x: Any, y: Any) -> Any:
        if self.level <= self.context.frozen_level:
            return self.process(prim, (x, y), _NO_PARAMS)
        if type(x) is Dual and x.trace is self:
            xv, tx = x.value, x.tangent
        else:
            xv, tx = x, None
        if type(y) is Dual and y.trace is self:
            yv, ty = y.value, y.tangent
        else:
            yv, ty = y, None
        ans = prim.bind(xv, yv) if isinstance(xv, Tracer) or isinstance(yv, Tracer) else prim.impl(xv, yv)
        if prim.jvp is None:
            raise TypeError(f"{prim.name} has no forward-mode rule")
        return Dual(ans, prim.jvp((tx, ty), ans, xv, yv), self)

    def close(self) -> None:
        self.closed = True
