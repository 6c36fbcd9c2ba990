"""Primitives, tracers and the dispatch between them.

A `Primitive` is one named numeric operation: its forward function and its
derivative rules live together in one definition (see `elementwise.py`,
`arrays.py`). Calling a primitive on plain values (Python floats, numpy
arrays) just computes. Calling it on a `Tracer` hands the call to the
tracer's `Trace`, which computes the value *and* records what it needs to
differentiate later (a tape entry for reverse mode, a tangent for forward
mode).

Traces nest: `grad(grad(f))` opens one trace inside another. Each trace has a
level, and a primitive is handed to the highest-level trace among its
arguments; that trace unwraps its own tracers and calls the primitive again,
so lower-level tracers are handled one level at a time. A tracer of an outer
trace is therefore a constant to an inner one, which is what prevents
"perturbation confusion" between nested derivatives.

Derivative rules are written with primitives, never with raw numpy, so when a
rule runs on tracers of an outer trace it is itself recorded: higher-order
derivatives come from the same machinery.
"""
from __future__ import annotations

from typing import Any, Callable, Optional


class Trace:
    """Base of every trace. `level` orders nested traces: higher is inner."""

    __slots__ = ("level",)

    def __init__(self, level: int):
        self.level = level

    def process(self, prim: "Primitive", args: tuple, params: dict) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class Tracer:
    """A value being watched by a trace. Subclasses add the data they carry."""

    __slots__ = ("trace",)

    # numpy must never treat a tracer as an opaque object scalar: with this set,
    # `ndarray * tracer` returns NotImplemented and Python falls back to the tracer.
    __array_ufunc__ = None

    @property
    def primal(self) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


# The traces currently open, innermost last. Only their count matters to
# dispatch (for the next level number); it also lets no-grad regions pause them.
_open_levels: list[int] = [0]


def next_level() -> int:
    _open_levels[0] += 1
    return _open_levels[0]


def release_level() -> None:
    _open_levels[0] -= 1


def top_trace(args: tuple) -> Optional[Trace]:
    top = None
    for a in args:
        if isinstance(a, Tracer):
            t = a.trace
            if top is None or t.level > top.level:
                top = t
    return top


class Primitive:
    """A differentiable operation.

    impl(*args, **params)          the forward computation on plain values
    vjps[k](g, ans, *args, **params)
                                   the cotangent for argument k, given the
                                   output cotangent g (None: not differentiable
                                   in that argument)
    jvp(tangents, ans, *args, **params)
                                   the output tangent, given one tangent per
                                   argument (None where the argument is constant)

    `params` are static keyword arguments (an axis, a shape, an index): they
    are never differentiated.
    """

    __slots__ = ("name", "impl", "vjps", "jvp", "taylor", "arity")

    def __init__(self, name: str, impl: Callable, vjps: tuple, jvp: Optional[Callable] = None,
                 taylor: Optional[Callable] = None):
        self.name = name
        self.impl = impl
        self.vjps = vjps
        self.jvp = jvp
        self.taylor = taylor
        self.arity = len(vjps) if isinstance(vjps, tuple) else VARIADIC_ARITY

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args, **params):
        trace = top_trace(args)
        if trace is None:
            return self.impl(*args, **params)
        return trace.process(self, args, params)


class UnaryPrimitive(Primitive):
    """Same contract, with a call path that avoids argument packing (the scalar hot path)."""

    __slots__ = ()

    def __call__(self, x, **params):
        if isinstance(x, Tracer):
            return x.trace.process(self, (x,), params)
        return self.impl(x, **params) if params else self.impl(x)


class BinaryPrimitive(Primitive):
    __slots__ = ()

    def __call__(self, x, y, **params):
        if isinstance(x, Tracer):
            if isinstance(y, Tracer) and y.trace.level > x.trace.level:
                return y.trace.process(self, (x, y), params)
            return x.trace.process(self, (x, y), params)
        if isinstance(y, Tracer):
            return y.trace.process(self, (x, y), params)
        return self.impl(x, y, **params) if params else self.impl(x, y)


REGISTRY: dict[str, Primitive] = {}


VARIADIC_ARITY = -1


def primitive(name: str, impl: Callable, vjps, jvp: Optional[Callable] = None,
              taylor: Optional[Callable] = None) -> Primitive:
    """Define and register a primitive; the arity picks the fast call path.

    `vjps` is a tuple with one rule per argument, or, for a primitive taking
    any number of arguments (stack, concat), an object whose item k is the
    rule for argument k.
    """
    if name in REGISTRY:
        raise ValueError(f"primitive {name!r} defined twice")
    arity = len(vjps) if isinstance(vjps, tuple) else VARIADIC_ARITY
    cls = {1: UnaryPrimitive, 2: BinaryPrimitive}.get(arity, Primitive)
    prim = cls(name, impl, vjps, jvp, taylor)
    REGISTRY[name] = prim
    return prim


def strip(value: Any) -> Any:
    """The plain value under every level of tracer (stop-gradient at all orders)."""
    while isinstance(value, Tracer):
        value = value.primal
    return value
