"""A forward pass that notes its kinks as it goes (what `jvp` runs: diffcore/higher.py).

The tape finds the kinks of recorded primitives (abs at 0, a tie in maximum) by scanning
itself after the run (diagnostics.kinks_on_tape). A forward pass keeps no tape, so this
trace checks each kinked primitive when it computes it, with the same checks and messages,
in the same order; comparisons and step functions note theirs in every run (notes.py). Its
own module: `grad` imports diagnostics, and must not load forward mode at its start.
"""
from __future__ import annotations

from typing import Any, Optional

from .diagnostics import check_kink
from .forward import Dual, ForwardTrace
from .tracing import KINKED, Primitive


class KinkWatch(ForwardTrace):
    """A forward trace whose `kinks` are the kink warnings of the kinked primitives it computed:
    those `kinks_on_tape` gives a recording of the same run. It costs a dictionary lookup per
    operation, and a check per kinked one."""

    __slots__ = ("kinks", "_seen")

    def __init__(self, level: int, context=None):
        super().__init__(level)
        if context is not None:
            self.context = context
        self.kinks: list = []
        self._seen: set = set()

    def _watch(self, prim: Primitive, args: tuple, params: Optional[dict], ans: Any) -> Any:
        if ans.__class__ is Dual and ans.trace is self:         # (not in a no-grad region)
            raw = [a.value if a.__class__ is Dual and a.trace is self else a for a in args]
            x = raw[0]
            operand = getattr(KINKED[prim], "zero_of", None)
            value = ans.value if operand == "ans" else x
            if operand is None or value.__class__ is not float or value == 0.0:
                check_kink(prim, x, raw[1] if len(raw) > 1 else None, ans.value, params, self.context.location,
                           self.kinks, self._seen)
        return ans

    # The callers hand every operation of this trace to these three: an operation of a primitive
    # with no kink costs a dictionary lookup and a call (ForwardTrace's by name: super() costs more).

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        ans = _process(self, prim, args, params)
        # (an operation of more than two arguments is a variadic entry, which the scan passes over)
        return self._watch(prim, args, params or None, ans) if prim in KINKED and prim.arity in (1, 2) else ans

    def process1(self, prim: Primitive, x: Any) -> Any:
        if prim not in KINKED:
            return _process1(self, prim, x)
        return self._watch(prim, (x,), None, _process1(self, prim, x))

    def process2(self, prim: Primitive, x: Any, y: Any) -> Any:
        if prim not in KINKED:
            return _process2(self, prim, x, y)
        return self._watch(prim, (x, y), None, _process2(self, prim, x, y))


_process, _process1, _process2 = ForwardTrace.process, ForwardTrace.process1, ForwardTrace.process2
