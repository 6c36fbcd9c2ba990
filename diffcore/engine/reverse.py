"""Reverse mode: recording a tape, and sweeping it backwards.

The tape is a structure of arrays rather than a list of node objects: entry i
is (prims[i], first[i], second[i], parent0[i], parent1[i], params[i], ans[i],
spans[i]). Parent indices live in int64 arrays, so an entry of a scalar binary
operation costs about 80 bytes instead of the few hundred a graph of objects
would. An entry's arguments are stored unwrapped by one level: for nested
differentiation they may themselves be tracers of an outer trace, which is
what lets the backward sweep be recorded by that outer trace.

An entry keeps only what the derivative rules of its differentiated arguments
read, as its primitive declares (`Primitive.saves`): `add`'s entry keeps no
array at all, `mul`'s by a constant keeps the constant. An array that no rule
reads is replaced by a `NotSaved` stand-in, which carries its shape and refuses
everything else; Python floats are kept as they are (there is nothing to free).
A tape with `keep_all` set keeps everything: the views show the values, and the
diagnostics scan them.

The sweep (`backward`) is a pure function of the tape: cotangents live in a
local list, are combined with the `add` primitive (never in place), and the
tape is left untouched, so it can be swept once per Jacobian row and can run
under an outer trace for higher-order derivatives.
"""
from __future__ import annotations

from array import array
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional

from .elementwise import add, cot_mul
from .numeric import TapeTooLarge, ndarray
from .context import RunContext
from .tracing import FALLBACK, NoRule, NotSaved, Primitive, Trace, Tracer, next_level, release_level

NO_PARENT = -1
NO_PARAMS: dict = {}
_NOTHING: frozenset = frozenset()
VARIADIC = -2       # parent0 marker: `first` holds the argument tuple, `second` the parent tuple



class _PartialRules:
    """Rules of a fused entry: argument k's cotangent is g times the k-th stored partial."""

    __slots__ = ()

    def __getitem__(self, k: int) -> Callable:
        return lambda g, ans, *partials: cot_mul(g, partials[k])


# The primitive of a fused entry (see fusion.py): a whole scalar expression recorded with its
# partial derivatives, stored in `first` as a tuple, its parents in `second`. Not in the REGISTRY.
_TAPE_ONLY = NoRule("a fused entry exists only on a tape, for the backward sweep; no trace is handed it")
FUSED = Primitive("fused", lambda *partials: None, _PartialRules(), taylor=_TAPE_ONLY, batch=_TAPE_ONLY)


class Box(Tracer):
    """A value recorded on a reverse trace: the value, and the tape entry that produced it."""

    __slots__ = ("value", "node")

    def __init__(self, value: Any, trace: "ReverseTrace", node: int):
        self.trace = trace
        self.value = value
        self.node = node

    @property
    def primal(self) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"Box({self.value!r}, node={self.node})"


class TraceClosed(Exception):
    """A value recorded by a differentiation that has finished was used again."""


class ReverseTrace(Trace):
    """A tape being recorded; `recording()` opens one and closes it."""

    __slots__ = ("prims", "first", "second", "parent0", "parent1", "params", "ans", "spans",
                 "closed", "array_bytes", "fuse", "keep_all", "dropped")

    # Memory of a scalar entry (lists, int64 parents, the float it holds), measured; see README.
    ENTRY_BYTES = 90
    FUSED_BYTES_PER_PARENT = 40         # the partials and parents tuples of a fused entry

    def __init__(self, level: int, context: Optional[RunContext] = None):
        super().__init__(level, context)
        self.prims: list = []
        self.first: list = []
        self.second: list = []
        self.parent0 = array("q")
        self.parent1 = array("q")
        self.params: dict[int, dict] = {}       # only the entries that have static params
        self.ans: list = []
        self.spans: list = []
        self.closed = False
        self.array_bytes = 0            # held beyond ENTRY_BYTES per entry: arrays, fused partials
        # Whether the compiled program may record a scalar expression as one fused entry; the
        # views, which show every primitive, turn it off.
        self.fuse = True
        # Whether every entry keeps its arguments and result, whatever its rules read; the views
        # and the diagnostics' scan for the first non-finite value turn it on.
        self.keep_all = False
        self.dropped = 0                # arrays replaced by NotSaved stand-ins

    def __len__(self) -> int:
        return len(self.prims)

    def new_input(self, value: Any, name: Optional[str] = None) -> Box:
        """Record an independent variable (an entry with no primitive and no parents)."""
        node = len(self.prims)
        self.params[node] = {"name": name}
        self._append(None, value, None, NO_PARENT, NO_PARENT, value)
        return Box(value, self, node)

    def _append(self, prim, first, second, p0, p1, ans) -> None:
        self.prims.append(prim)
        self.first.append(first)
        self.second.append(second)
        self.parent0.append(p0)
        self.parent1.append(p1)
        self.ans.append(ans)
        self.spans.append(self.context.location)

    # process1/process2 are the hot path of recording: they repeat _append inline.

    def process1(self, prim: Primitive, x: Box) -> Any:
        xv = x.value
        if xv.__class__ is float and prim.scalar is not None:
            try:
                ans = prim.scalar(xv)
            except FALLBACK:
                ans = prim.impl(xv)
            floats = True           # a float from a float: nothing to forget, nothing to count
        else:
            ans = prim.bind(xv) if isinstance(xv, Tracer) else prim.impl(xv)
            floats = False
        if self.closed:
            raise TraceClosed()
        context = self.context
        if self.level <= context.frozen_level:
            return ans
        node = len(self.prims)
        self.prims.append(prim)
        self.first.append(xv)
        self.second.append(None)
        self.parent0.append(x.node)
        self.parent1.append(NO_PARENT)
        self.ans.append(ans)
        self.spans.append(context.location)
        if floats:
            if not node & 4095:
                self._account(ans)
        elif xv.__class__ is ndarray or ans.__class__ is ndarray:
            if prim.saves is not None and not self.keep_all:
                self._forget(node, prim, x.node, NO_PARENT)       # (sum(x) keeps no array)
            self._account(ans)
        elif not node & 4095:
            self._account(ans)
        return Box(ans, self, node)

    def process2(self, prim: Primitive, x: Any, y: Any) -> Any:
        if type(x) is Box and x.trace is self:
            xv, p0 = x.value, x.node
        else:
            xv, p0 = x, NO_PARENT
        if type(y) is Box and y.trace is self:
            yv, p1 = y.value, y.node
        else:
            yv, p1 = y, NO_PARENT
        if xv.__class__ is float and yv.__class__ is float and prim.scalar is not None:
            try:
                ans = prim.scalar(xv, yv)
            except FALLBACK:
                ans = prim.impl(xv, yv)
        elif isinstance(xv, Tracer) or isinstance(yv, Tracer):
            ans = prim.bind(xv, yv)
        else:
            ans = prim.impl(xv, yv)
        if self.closed:
            raise TraceClosed()
        context = self.context
        if self.level <= context.frozen_level:
            return ans
        node = len(self.prims)
        self.prims.append(prim)
        self.first.append(xv)
        self.second.append(yv)
        self.parent0.append(p0)
        self.parent1.append(p1)
        self.ans.append(ans)
        self.spans.append(context.location)
        if ans.__class__ is ndarray or not node & 4095:
            # (matmul of two vectors, the one binary primitive whose array arguments give a float,
            # keeps both: that is always safe)
            if ans.__class__ is ndarray and prim.saves is not None and not self.keep_all:
                self._forget(node, prim, p0, p1)
            self._account(ans)
        return Box(ans, self, node)

    def record_fused(self, ans: float, partials: tuple, parents: tuple, span: Any) -> Box:
        """Record a fused scalar expression: its value, and its partials with respect to `parents`."""
        if self.closed:
            raise TraceClosed()
        node = len(self.prims)
        self.prims.append(FUSED)
        self.first.append(partials)
        self.second.append(parents)
        self.parent0.append(VARIADIC)
        self.parent1.append(NO_PARENT)
        self.ans.append(ans)
        self.spans.append(span)
        self.array_bytes += self.FUSED_BYTES_PER_PARENT * len(parents)
        if not node & 4095:
            self._account(ans)
        return Box(ans, self, node)

    def _account(self, ans: Any) -> None:
        """Count an array's bytes, and check the tape's memory against the limit."""
        if ans.__class__ is ndarray:
            self.array_bytes += ans.nbytes
        held = self.array_bytes + self.ENTRY_BYTES * len(self.prims)
        limit = self.context.max_tape_bytes
        if held > limit:
            raise TapeTooLarge(held, limit)

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        if len(args) == 1:
            raw = (args[0].value,)      # the only argument is this trace's
        else:
            raw = tuple(a.value if type(a) is Box and a.trace is self else a for a in args)
        if any(isinstance(v, Tracer) for v in raw):
            ans = prim.bind(*raw, **params)
        else:
            ans = prim.impl(*raw, **params)
        if self.closed:
            raise TraceClosed()
        if self.level <= self.context.frozen_level:
            return ans
        node = len(self.prims)
        if params:
            self.params[node] = params
        if prim.arity in (1, 2):
            parents = [a.node if type(a) is Box and a.trace is self else NO_PARENT for a in args]
            self._append(prim, raw[0], raw[1] if len(raw) > 1 else None, parents[0],
                         parents[1] if len(parents) > 1 else NO_PARENT, ans)
        else:
            parents = tuple(a.node if type(a) is Box and a.trace is self else NO_PARENT for a in args)
            self._append(prim, raw, parents, VARIADIC, NO_PARENT, ans)
        if prim.saves is not None and not self.keep_all and (
                ans.__class__ is ndarray or any(v.__class__ is ndarray for v in raw)):
            self._forget(node, prim, self.parent0[node], self.parent1[node])
        self._account(ans)
        return Box(ans, self, node)

    def _forget(self, node: int, prim: Primitive, p0: int, p1: int) -> None:
        """Replace the arrays of entry `node` that no rule of a differentiated argument reads by stand-ins.

        An argument without a parent (a constant) is never differentiated, so what its rule
        reads need not be kept; `prim.saves` says what each rule reads.
        """
        saves = prim.saves
        reads = saves[0] if p0 != NO_PARENT else _NOTHING
        if p1 != NO_PARENT:
            reads = reads | saves[1]
        for values, name in ((self.first, "x"), (self.second, "y"), (self.ans, "ans")):
            value = values[node]
            if value.__class__ is ndarray and name not in reads:
                values[node] = NotSaved(value.shape)
                self.dropped += 1

    def close(self) -> None:
        self.closed = True


@contextmanager
def recording() -> Iterator[ReverseTrace]:
    """A fresh reverse trace at a new level, closed to further recording (and its level released) at the end."""
    tape = ReverseTrace(next_level())
    try:
        yield tape
    finally:
        tape.close()
        release_level()


Observer = Callable[[int, Any, list], None]


def backward(tape: ReverseTrace, output_node: int, seed: Any, input_nodes: list[int],
             observer: Optional[Observer] = None) -> list:
    """Cotangents of `input_nodes` given cotangent `seed` on `output_node` (None where zero).

    `observer(node, cotangent, [(parent, contribution), ...])`, when given, sees
    every step of the sweep: the trace and graph views use it.
    """
    return backward_from(tape, {output_node: seed}, input_nodes, observer)


def backward_from(tape: ReverseTrace, seeds: dict, input_nodes: list[int],
                  observer: Optional[Observer] = None) -> list:
    """The sweep from several outputs at once: `seeds` maps output nodes to their cotangents."""
    prims, first, second = tape.prims, tape.first, tape.second
    parent0, parent1, params, ans = tape.parent0, tape.parent1, tape.params, tape.ans
    output_node = max(seeds)
    adjoint: list = [None] * (output_node + 1)
    for node, seed in seeds.items():
        adjoint[node] = seed
    stop = min(input_nodes, default=0)
    # Arrays this sweep allocated by accumulating and has not yet handed on: nothing else refers
    # to them, so further contributions are added into them in place (a rule such as add's may
    # hand one cotangent object to two parents, so an array stops being owned once propagated).
    owned: set = set()
    for node in range(output_node, stop - 1, -1):
        g = adjoint[node]
        if g is None:
            continue
        prim = prims[node]
        if prim is None:            # an input: its cotangent is a result
            continue
        adjoint[node] = None        # freed as soon as it has been propagated
        if owned:
            owned.discard(id(g))
        p0 = parent0[node]
        if prim is FUSED and observer is None:
            for parent, partial in zip(second[node], first[node]):
                if g.__class__ is float:
                    c = g * partial
                    if c - c != 0.0 and (g == 0.0 or partial == 0.0):
                        c = 0.0         # the zero-cotangent rule, as cot_mul (an inf g, a zero partial)
                else:
                    c = cot_mul(g, partial)
                previous = adjoint[parent]
                adjoint[parent] = c if previous is None else _accumulate(previous, c, owned)
            continue
        if observer is None and prim.accumulate_vjp is not None and g.__class__ in _PLAIN_COTANGENT:
            previous = adjoint[p0]
            if previous is None or id(previous) in owned:
                result = prim.accumulate_vjp(previous, g, ans[node], first[node], **params.get(node, NO_PARAMS))
                owned.add(id(result))
                adjoint[p0] = result
                continue
        if observer is None and p0 != VARIADIC and not prim.has_params:
            # The common case, without building the list of contributions.
            if prim.arity == 1:
                c = prim.vjps[0](g, ans[node], first[node])
                previous = adjoint[p0]
                adjoint[p0] = c if previous is None else _accumulate(previous, c, owned)
                continue
            x, y, p1 = first[node], second[node], parent1[node]
            scalar = prim.scalar_vjp
            if scalar is not None and g.__class__ is float and x.__class__ is float and y.__class__ is float:
                try:
                    c0, c1 = scalar(g, ans[node], x, y)
                except _SCALAR_FALLBACK:
                    c0 = c1 = _NOT_FINITE
                if c0 - c0 == 0.0 and c1 - c1 == 0.0:       # both finite: the general rule agrees
                    # The cotangent already held by a parent may come from another entry's rule run
                    # on an outer trace's values (a closure over a differentiated input), so it can
                    # be a tracer of that trace: only two floats are added with Python's `+`.
                    if p0 != NO_PARENT:
                        previous = adjoint[p0]
                        adjoint[p0] = (c0 if previous is None else previous + c0 if previous.__class__ is float
                                       else _accumulate(previous, c0, owned))
                    if p1 != NO_PARENT:
                        previous = adjoint[p1]
                        adjoint[p1] = (c1 if previous is None else previous + c1 if previous.__class__ is float
                                       else _accumulate(previous, c1, owned))
                    continue
        sent = _contributions(prim, node, g, p0, first, second, parent1, params, ans)
        if observer is not None:
            observer(node, g, sent)
        for parent, contribution in sent:
            previous = adjoint[parent]
            adjoint[parent] = contribution if previous is None else _accumulate(previous, contribution, owned)
    return [adjoint[n] if n <= output_node else None for n in input_nodes]


_SCALAR_FALLBACK = (ZeroDivisionError, ValueError, OverflowError)
_NOT_FINITE = float("nan")
_PLAIN_COTANGENT = (float, ndarray)


def _accumulate(previous: Any, contribution: Any, owned: Optional[set] = None) -> Any:
    """previous + contribution: in place into `previous` if the sweep owns it, else a new owned array."""
    if previous.__class__ is float and contribution.__class__ is float:
        return previous + contribution
    if previous.__class__ is tuple:         # the cotangent of a multi-output entry (a checkpoint)
        return tuple(p if c is None else (c if p is None else _accumulate(p, c, owned))
                     for p, c in zip(previous, contribution))
    if owned is not None and previous.__class__ is ndarray and id(previous) in owned and (
            contribution.__class__ is float
            or (contribution.__class__ is ndarray and contribution.shape == previous.shape)):
        previous += contribution
        return previous
    total = add(previous, contribution)
    if owned is not None and total.__class__ is ndarray and previous.__class__ in _PLAIN_COTANGENT \
            and contribution.__class__ in _PLAIN_COTANGENT:
        owned.add(id(total))
    return total


def _contributions(prim, node, g, p0, first, second, parent1, params, ans) -> list:
    """[(parent, cotangent contribution)] of one tape entry, by the primitive's general rules."""
    kw = params.get(node, NO_PARAMS)
    if p0 == VARIADIC:
        args = first[node]
        return [(p, prim.vjps[k](g, ans[node], *args, **kw))
                for k, p in enumerate(second[node]) if p != NO_PARENT]
    if prim.arity == 1:
        return [(p0, prim.vjps[0](g, ans[node], first[node], **kw))]
    sent = []
    x, y, out = first[node], second[node], ans[node]
    if p0 != NO_PARENT:
        sent.append((p0, prim.vjps[0](g, out, x, y, **kw)))
    p1 = parent1[node]
    if p1 != NO_PARENT:
        sent.append((p1, prim.vjps[1](g, out, x, y, **kw)))
    return sent
