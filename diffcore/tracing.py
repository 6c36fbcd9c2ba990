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

import inspect
from typing import Any, Callable, Optional


class Trace:
    """Base of every trace. `level` orders nested traces: higher is inner."""

    __slots__ = ("level",)

    def __init__(self, level: int):
        self.level = level

    def process(self, prim: "Primitive", args: tuple, params: dict) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # Fast entry points for param-less unary and binary primitives; a trace may specialise them.
    def process1(self, prim: "Primitive", x: Any) -> Any:
        return self.process(prim, (x,), {})

    def process2(self, prim: "Primitive", x: Any, y: Any) -> Any:
        return self.process(prim, (x, y), {})


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


def current_level() -> int:
    """The level of the innermost open trace (0 when none is open)."""
    return _open_levels[0]


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

    def __init__(self, name: str, impl: Callable, vjps, jvp: Optional[Callable] = None,
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
    """A primitive of one argument and no params: the scalar hot path, with no argument packing."""

    __slots__ = ()

    def __call__(self, x):
        if isinstance(x, Tracer):
            return x.trace.process1(self, x)
        return self.impl(x)


class BinaryPrimitive(Primitive):
    """A primitive of two arguments and no params (add, mul, pow, ...)."""

    __slots__ = ()

    def __call__(self, x, y):
        if isinstance(x, Tracer):
            if isinstance(y, Tracer) and y.trace.level > x.trace.level:
                return y.trace.process2(self, x, y)
            return x.trace.process2(self, x, y)
        if isinstance(y, Tracer):
            return y.trace.process2(self, x, y)
        return self.impl(x, y)


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
    cls = Primitive if _takes_params(impl, arity) else {1: UnaryPrimitive, 2: BinaryPrimitive}.get(arity, Primitive)
    prim = cls(name, impl, vjps, jvp, taylor)
    REGISTRY[name] = prim
    return prim


def _takes_params(impl: Callable, arity: int) -> bool:
    """Whether a forward function takes static params beyond its data arguments."""
    try:
        parameters = inspect.signature(impl).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in parameters) or len(parameters) > arity


def strip(value: Any) -> Any:
    """The plain value under every level of tracer (stop-gradient at all orders)."""
    while isinstance(value, Tracer):
        value = value.primal
    return value
