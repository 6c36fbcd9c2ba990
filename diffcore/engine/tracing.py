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

from .context import RunContext, current


class Trace:
    """Base of every trace. `level` orders nested traces: higher is inner.

    `context` is the run's context (context.py) the trace was opened in. Traces at or below
    its `frozen_level` do not differentiate (a no-grad region froze them): what they compute
    there is a constant to them. Traces opened inside the region have higher levels, so grad()
    still works inside no_grad.
    """

    __slots__ = ("level", "context")

    def __init__(self, level: int, context: Optional[RunContext] = None):
        self.level = level
        self.context = context if context is not None else current()

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

    def _misuse(self, *args):
        # Values being differentiated combine only through primitives, which hand them to the
        # right trace. Python's operators and conversions on a tracer mean autodiff code mixed
        # levels or forgot to unwrap a value: a bug, which must not pass for the program's
        # TypeError (see runtime.translate).
        raise TracerMisuse(f"Python arithmetic or a conversion was applied to a {type(self).__name__} "
                           "(values being differentiated combine only through primitives)")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _misuse
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __rpow__ = _misuse
    __matmul__ = __rmatmul__ = __neg__ = __pos__ = __abs__ = _misuse
    __float__ = __int__ = __index__ = __complex__ = _misuse


class TracerMisuse(RuntimeError):
    """Python arithmetic or a conversion reached a tracer: a bug in autodiff, never in the program."""


# The level counter of the open traces is the current run's (context.py): only the count
# matters to dispatch (for the next level number); it also lets no-grad regions pause them.

def next_level() -> int:
    """The level of a trace being opened in the current run; `release_level()` when it closes."""
    return current().next_level()


def release_level() -> None:
    current().release_level()


def top_trace(args: tuple) -> Optional[Trace]:
    top = None
    for a in args:
        if isinstance(a, Tracer):
            t = a.trace
            if top is None or t.level > top.level:
                top = t
    return top


class NoRule:
    """The declaration that a primitive has no rule of one kind (Taylor or batching), and why.

    Every definition names its Taylor rule and its batching rule; where one cannot be written,
    it says so with a reason instead: `taylor=NoRule("...")`. What the mode then does is
    declared, not chosen by a missing entry: Taylor mode raises `TaylorUnsupported`, on which
    its callers fall back to nested differentiation (and report the method they used); the
    batching trace runs the primitive once per example (`batching.each_example`). A NoRule is
    false, so code asks `if prim.taylor:` or writes `prim.batch or each_example`.
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError("NoRule needs the reason why the rule cannot be written")
        self.reason = reason

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"NoRule({self.reason!r})"


class Primitive:
    """A differentiable operation: the definition, as data.

    impl(*args, **params)          the forward computation on plain values
    vjps[k](g, ans, *args, **params)
                                   the cotangent for argument k, given the
                                   output cotangent g (None: not differentiable
                                   in that argument)
    jvp(tangents, ans, *args, **params)
                                   the output tangent, given one tangent per
                                   argument (None where the argument is constant);
                                   None: no forward-mode rule (forward mode refuses it)
    taylor(series, prim, **params) the truncated Taylor series of the result, given
                                   one series (a list of coefficients) per argument
                                   (see taylor.py; the arithmetic is in series.py),
                                   or NoRule(reason). Required.
    batch(prim, args, batched, **params)
                                   the result for a whole batch at once (see
                                   batching.py), or NoRule(reason). Required.
    saves[k]                       what vjps[k] reads besides shapes: a set of
                                   "ans", "x", "y" (the result, the first and
                                   the second argument). None: everything.
    size(*args, **params)          the number of elements of the result, from
                                   the plain arguments, before computing it (see
                                   numeric.admitted: every registered primitive
                                   has one, so no result escapes --max-elements
                                   or the work count behind --timeout)
    work(*args, **params)          the work of one call, where it is not the
                                   elements touched (matmul's multiply-adds)
    kink(x, y, ans, params)        where the primitive is not differentiable, the
                                   message for a recorded call that sits on its kink
                                   (None elsewhere); see kinks.py and diagnostics.py.
                                   None: smooth wherever it is defined
    scalar_vjp, accumulate_vjp     fast paths of the backward sweep (see __init__); they
                                   must agree with `vjps`, which stay the definition

    `params` are static keyword arguments (an axis, a shape, an index): they
    are never differentiated. Code calls a primitive through `bind`, the fast
    function that `primitive()` returns; calling the definition itself also
    works, by the slower generic path.
    """

    __slots__ = ("name", "impl", "scalar", "vjps", "jvp", "taylor", "scalar_vjp", "accumulate_vjp", "batch",
                 "arity", "has_params", "bind", "saves", "size", "kink")

    def __init__(self, name: str, impl: Callable, vjps, jvp: Optional[Callable] = None, *,
                 taylor, batch, scalar_vjp: Optional[Callable] = None,
                 accumulate_vjp: Optional[Callable] = None, saves: Optional[tuple] = None,
                 size: Optional[Callable] = None, work: Optional[Callable] = None,
                 kink: Optional[Callable] = None):
        self.name = name
        self.impl = impl
        # The forward function on Python floats, if the implementation offers one: it returns
        # the IEEE result or raises one of FALLBACK, after which `impl` gives the IEEE result.
        self.scalar = getattr(impl, "scalar", None)
        self.vjps = vjps
        self.jvp = jvp
        # (series, prim, **params) -> the result's series (taylor.py reads it), or NoRule.
        self.taylor = _declared(name, "taylor", taylor)
        # Optional: (g, ans, x, y) -> (gx, gy) in plain float arithmetic, used by the backward
        # sweep only when g, x and y are Python floats (so no trace is watching) and both
        # results are finite; it must agree with `vjps`, which stay the definition.
        self.scalar_vjp = scalar_vjp
        # Optional, for a unary primitive: (target, g, ans, x, **params) -> target + (the cotangent
        # of x), adding in place into `target` (a plain array the sweep owns, or None for zeros).
        # The sweep uses it only on plain values; it must agree with `vjps`, which stay the definition.
        self.accumulate_vjp = accumulate_vjp
        # (prim, args, batched, **params) -> the result with a leading batch axis, given the
        # arguments unwrapped by one batching level and which of them carry that axis (see
        # batching.py); or NoRule, and the batching trace loops over the batch.
        self.batch = _declared(name, "batch", batch)
        self.arity = len(vjps) if isinstance(vjps, tuple) else VARIADIC_ARITY
        self.has_params = _takes_params(impl, self.arity)
        # Without a size rule (the composite primitives of custom rules and checkpoints, whose
        # forward function is language code made of primitives) there is nothing to admit.
        self.size = size
        if size is not None:
            from .numeric import admitted
            self.impl = admitted(impl, size, work, self.arity, self.has_params)
        self.bind: Callable = self.__call__
        # What the rule of each argument reads beyond shapes (see `_saved_reads` and reverse.py);
        # None: a tape entry keeps its arguments and its result, which is always safe.
        self.saves = None if saves is None else _saved_reads(name, saves, self.arity)
        # The kink check reads the entry's arguments and result from the tape, after the run.
        if kink is not None and saves is not None:
            raise ValueError(f"primitive {name!r}: a kink check reads the values of its tape entries, "
                             "so the primitive keeps them all (no saves)")
        self.kink = kink

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args, **params):
        trace = top_trace(args)
        if trace is None:
            return self.impl(*args, **params)
        return trace.process(self, args, params)


# Exceptions by which a scalar fast path says "use the general implementation" (IEEE results).
FALLBACK = (ValueError, OverflowError, ZeroDivisionError)


def _unary_caller(prim: Primitive) -> Callable:
    impl, scalar = prim.impl, prim.scalar

    def call(x):
        if x.__class__ is float and scalar is not None:
            try:
                return scalar(x)
            except FALLBACK:
                return impl(x)
        if isinstance(x, Tracer):
            return x.trace.process1(prim, x)
        return impl(x)
    return call


def _binary_caller(prim: Primitive) -> Callable:
    impl, scalar = prim.impl, prim.scalar

    def call(x, y):
        if x.__class__ is float and y.__class__ is float and scalar is not None:
            try:
                return scalar(x, y)
            except FALLBACK:
                return impl(x, y)
        if isinstance(x, Tracer):
            if isinstance(y, Tracer) and y.trace.level > x.trace.level:
                return y.trace.process2(prim, x, y)
            return x.trace.process2(prim, x, y)
        if isinstance(y, Tracer):
            return y.trace.process2(prim, x, y)
        return impl(x, y)
    return call


def _general_caller(prim: Primitive) -> Callable:
    impl = prim.impl

    def call(*args, **params):
        if len(args) == 1 and not params:       # sum(x), norm(x): the unary path, no packing
            x = args[0]
            if isinstance(x, Tracer):
                return x.trace.process1(prim, x)
            return impl(x)
        trace = top_trace(args)
        if trace is None:
            return impl(*args, **params)
        return trace.process(prim, args, params)
    return call


def _saved_reads(name: str, saves, arity: int) -> tuple:
    """A declaration `saves` (one string per argument: the names its rule reads, space-separated,
    "" for shapes only) as one frozenset per argument, checked."""
    names = {1: {"ans", "x"}, 2: {"ans", "x", "y"}}.get(arity)
    if names is None or not isinstance(saves, tuple) or len(saves) != arity:
        raise ValueError(f"primitive {name!r}: saves must give one string per argument of a unary or "
                         f"binary primitive")
    reads = tuple(frozenset(entry.split()) for entry in saves)
    for read in reads:
        if not read <= names:
            raise ValueError(f"primitive {name!r}: saves names {sorted(read - names)}; a rule reads "
                             f"{sorted(names)}")
    return reads


def _declared(name: str, kind: str, rule) -> Any:
    """A Taylor or batching declaration, checked: a rule (a function) or NoRule(reason)."""
    if isinstance(rule, NoRule) or callable(rule):
        return rule
    raise ValueError(f"primitive {name!r}: declare its {kind} rule, or {kind}=NoRule(reason) where it "
                     f"has none (got {rule!r})")


class NotSaved:
    """What a tape entry holds in place of a value that no rule of the entry reads: its shape.

    Anything else asked of it (arithmetic, numpy, a truth value) raises `ValueNotSaved`,
    so a primitive whose `saves` forgets a value its rule reads fails in the tests
    instead of computing with something else.
    """

    __slots__ = ("shape",)

    def __init__(self, shape: tuple):
        self.shape = shape

    def __repr__(self) -> str:
        return f"<not saved: shape {self.shape}>"

    def _refuse(self, *args, **kwargs):
        raise ValueNotSaved(f"a derivative rule read a value its primitive does not save (shape {self.shape}): "
                            "its `saves` declaration is missing it")

    __array__ = __array_ufunc__ = __array_function__ = _refuse
    __float__ = __int__ = __index__ = __bool__ = __len__ = __iter__ = __getitem__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __pow__ = __rpow__ = __mod__ = __rmod__ = __matmul__ = __rmatmul__ = __neg__ = __abs__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _refuse
    __hash__ = object.__hash__


class ValueNotSaved(RuntimeError):
    """A rule read a value that its primitive's `saves` declaration says it does not read."""


REGISTRY: dict[str, Primitive] = {}
# The registered primitives that declare a kink check, by identity: diagnostics.kinks_on_tape
# scans a whole tape with it, a lookup per entry. Filled with REGISTRY, by `primitive()`.
KINKED: dict[Primitive, Callable] = {}


VARIADIC_ARITY = -1


def primitive(name: str, impl: Callable, *, vjps, jvp: Callable, taylor, batch, size: Callable,
              saves: Optional[tuple] = None, kink: Optional[Callable] = None,
              scalar_vjp: Optional[Callable] = None, accumulate_vjp: Optional[Callable] = None,
              work: Optional[Callable] = None) -> Callable:
    """Define and register a primitive; return the function that calls it.

    One definition holds everything about the primitive (`Primitive` lists the fields, and
    docs/primitives.md says how to add one): the forward function, the VJP of each argument,
    the JVP, the Taylor rule, the batching rule and the size rule are required; a primitive
    without a Taylor or batching rule declares `NoRule(reason)` instead, so that nothing falls
    back silently.

    `vjps` is a tuple with one rule per argument, or, for a primitive taking
    any number of arguments (stack, concat), an object whose item k is the
    rule for argument k. The returned function is specialised by arity (no
    argument packing for the unary and binary ones that take no params, and a
    float fast path through `impl.scalar` when the implementation offers one);
    its `.primitive` is the definition.

    `saves`, for a unary or binary primitive, declares what the rule of each argument reads
    beyond shapes, e.g. ("y", "x") for x * y: a tape entry then keeps only what the rules of
    its differentiated arguments read (see reverse.py). Without it, an entry keeps everything.

    `size` gives the number of elements of the result before it is computed, so that the
    element limit and the work count hold for every primitive (numeric.admitted).

    `kink`, for a primitive that is not differentiable everywhere it is defined (abs at 0, a
    tie in maximum), is the check that the diagnostics run on its tape entries (kinks.py).
    """
    if name in REGISTRY:
        raise ValueError(f"primitive {name!r} defined twice")
    if not callable(size):
        raise ValueError(f"primitive {name!r}: a size rule is required")
    if not callable(jvp):
        raise ValueError(f"primitive {name!r}: a forward-mode rule (jvp) is required")
    prim = Primitive(name, impl, vjps, jvp, taylor=taylor, batch=batch, scalar_vjp=scalar_vjp,
                     accumulate_vjp=accumulate_vjp, saves=saves, size=size, work=work, kink=kink)
    if prim.has_params:
        call = _general_caller(prim)
    else:
        call = {1: _unary_caller, 2: _binary_caller}.get(prim.arity, _general_caller)(prim)
    call.__name__ = call.__qualname__ = name
    call.primitive = prim
    prim.bind = call
    REGISTRY[name] = prim
    if kink is not None:
        KINKED[prim] = kink
    return call


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
