"""The state of one run, in one object: `RunContext`.

Everything a computation changes as it goes and that is not a value lives here, never in a
module: the level counter of the open traces, the level that a no-grad region froze, the
source location of the operation being executed, the kinks noted, the limits and the work
meter with its deadline. A run (one evaluation or differentiation at one point, with all it
does) creates a context and enters it:

    with RunContext(limits):
        ...                         # traces opened here take their levels from it

Entering makes it the current context (one `ContextVar`, the only "current" mechanism), so
that code without a trace at hand (a primitive's forward function counting work, a transform
opening a trace) finds it; a trace keeps a reference to the context it was opened in, so the
hot path reads `self.context.frozen_level`, not a global. Leaving puts the previous context
back: two runs can follow each other or nest (a check runner, a notebook, a test, a program
run from another's callback) without saving and restoring anything. A context entered inside
another is a separate run: its traces take levels above the outer run's (so an outer value
reaching it is a constant to it), and its deadline is never later than the outer one's.

Outside any run (the engine used directly, as the tests do), `current()` gives the thread's
background context: the default limits, no deadline.
"""
from __future__ import annotations

import math
import sys
import time
from contextvars import ContextVar
from typing import Any, Optional

import numpy as np

# The default wall-time limit of a run, in seconds. A run is one evaluation or differentiation
# at one point (one --points row, one Jacobian with all its sweeps). 10^7 steps (--max-steps)
# of a scalar loop take 5-20 s, so a run of a minute is doing something no limit on steps or
# sizes catches (say, a loop of large matrix products), and it ends with a message well before
# a CI job's own timeout would kill it silently. README "Limits" documents it.
DEFAULT_TIMEOUT = 60.0

# The fields of Limits and their defaults.
_LIMITS = (("max_steps", 10_000_000),        # loop iterations + function calls
           ("max_depth", 200),               # nested user-function calls
           ("max_elements", 10_000_000),     # elements in any one array
           ("timeout", DEFAULT_TIMEOUT),     # seconds of wall time of a run (None: no limit)
           ("max_memory", 4 * 2**30))        # bytes held by the tape of a recording

# Work (elements touched) between two looks at the clock: about a millisecond of numpy.
WORK_PER_LOOK = 1 << 20

# Python frames a run needs per nested call of the program (max_depth): each costs a few dozen
# frames of the interpreter's nested closures. A run raises Python's recursion limit to fit.
FRAMES_PER_CALL = 60


class _DataclassFields:
    """Limits' `__dataclass_fields__`, made on first use from an equivalent dataclass.

    Limits was a dataclass; this keeps `dataclasses.replace(limits, ...)`, `fields` and
    `asdict` working without importing `dataclasses` at every start.
    """

    def __get__(self, instance, owner):
        import dataclasses
        twin = dataclasses.make_dataclass(owner.__name__, [(name, Any, dataclasses.field(default=default))
                                                           for name, default in _LIMITS])
        owner.__dataclass_fields__ = twin.__dataclass_fields__      # replaces this descriptor
        return twin.__dataclass_fields__


class Limits:
    """Resource limits of one run; each is set by a command-line option of the same name.

    The engine reads max_elements, max_memory and timeout (through the run's context); the
    interpreter reads max_steps and max_depth. A plain class with the behaviour of the
    (mutable) dataclass it was: `dataclasses` costs about a millisecond at every start of the
    command (docs/performance.md, case 1).
    """

    __dataclass_fields__ = _DataclassFields()

    def __init__(self, max_steps: int = 10_000_000, max_depth: int = 200, max_elements: int = 10_000_000,
                 timeout: Optional[float] = DEFAULT_TIMEOUT, max_memory: int = 4 * 2**30):
        self.max_steps = max_steps
        self.max_depth = max_depth
        self.max_elements = max_elements
        self.timeout = timeout
        self.max_memory = max_memory

    def replace(self, **changes) -> Limits:
        """A copy with some limits changed."""
        values = {name: getattr(self, name) for name, _ in _LIMITS}
        values.update(changes)
        return Limits(**values)

    def _fields(self) -> tuple:
        return tuple(getattr(self, name) for name, _ in _LIMITS)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name, _ in _LIMITS)
        return f"Limits({inner})"


class SharedDeadline:
    """One --timeout shared by many runs (the samples of a plot, the points of a checked file):
    each run is given the limits with the time that is left; `expired` is the error that names
    the whole command's limit rather than the remainder a run was given."""

    clock = staticmethod(time.monotonic)

    def __init__(self, limits: Limits, what: str, hint: str, error: type):
        self.timeout = limits.timeout
        self.end = self.clock() + limits.timeout if limits.timeout else None
        self.base = limits.replace(timeout=None)
        self.what, self.hint, self.error = what, hint, error

    def next_run(self) -> Limits:
        """The limits of the next run: the base limits with what is left of the time."""
        if self.end is None:
            return self.base
        left = self.end - self.clock()
        if left <= 0:
            raise self.expired()
        return self.base.replace(timeout=left)

    def expired(self, span=None):
        return self.error(f"{self.what} took longer than {self.timeout:g} s", span, hint=self.hint,
                          limit="timeout")


class RunContext:
    """The state of one run. Create one per run and enter it (`with`); see the module's docstring.

    level           the level of the innermost open trace (0: none); `next_level` opens one
    frozen_level    traces at or below it do not differentiate (a no-grad region froze them)
    location        the source location of the operation being executed (set by the interpreter)
    listening, noted  whether kinks are being noted, and those noted (notes.py)
    max_elements, max_tape_bytes  the limits the primitives and the tape read, from `limits`
    lanes_exact     0, or the number of points computed at once (diffcore/blocks.py): an
                    array of that many scalars is computed element by element as each point
                    computes its scalar (numeric.ARRAY_EXACT)
    work_left, deadline, timeout  the work meter: work until the next look at the clock, and
                    the deadline (time.monotonic()) of --timeout, read then (numeric.admit)

    While it is entered, numpy reports no floating-point warnings (IEEE results are the
    language's), and Python's recursion limit fits `limits.max_depth` nested calls.
    """

    __slots__ = ("limits", "level", "frozen_level", "location", "listening", "noted",
                 "max_elements", "max_tape_bytes", "work_left", "deadline", "timeout",
                 "entered", "lanes_exact", "_token", "_errstate", "_saved_recursion")

    def __init__(self, limits: Optional[Limits] = None):
        limits = limits if limits is not None else Limits()
        self.limits = limits
        self.level = 0
        self.frozen_level = 0
        self.location: Any = None
        self.listening = False
        self.noted: list = []
        self.max_elements = limits.max_elements
        self.max_tape_bytes = limits.max_memory
        self.work_left = WORK_PER_LOOK
        self.deadline = math.inf
        self.timeout: Any = None
        self.entered = False
        # Many points at once (diffcore/blocks.py): elementwise functions whose numpy version may
        # differ from math's in the last bit compute each element with the scalar function.
        self.lanes_exact = 0

    def __repr__(self) -> str:
        return (f"<RunContext level={self.level} frozen={self.frozen_level} "
                f"{'entered' if self.entered else 'not entered'}>")

    # ------------------------------------------------------------- trace levels

    def next_level(self) -> int:
        """The level of a trace being opened (higher is inner); `release_level` when it closes."""
        self.level += 1
        return self.level

    def release_level(self) -> None:
        self.level -= 1

    # ------------------------------------------------------------- kinks noted

    def listen(self) -> None:
        """Start noting kinks (comparisons and step functions at their switch; see notes.py)."""
        self.noted = []
        self.listening = True

    def stop_listening(self) -> list:
        """Stop noting kinks; the ones noted since `listen`."""
        self.listening = False
        found, self.noted = self.noted, []
        return found

    # ------------------------------------------------------------- a run

    def __enter__(self) -> RunContext:
        if self.entered:
            raise RuntimeError("a run context is entered once at a time")
        outer = _CURRENT.get()
        if self.limits.timeout:
            self.deadline, self.timeout = time.monotonic() + self.limits.timeout, self.limits.timeout
        if outer is not None:
            # inside a run (or the background's open traces): inner traces, never past its deadline
            self.level = max(self.level, outer.level)
            if outer.deadline < self.deadline:
                self.deadline, self.timeout = outer.deadline, outer.timeout
        if outer is not None and outer.entered:
            self._errstate = None
        else:
            # IEEE semantics without numpy's warnings, once for the outermost run
            self._errstate = np.errstate(all="ignore")
            self._errstate.__enter__()
        self._saved_recursion = None
        recursion = 1000 + FRAMES_PER_CALL * self.limits.max_depth
        if recursion > sys.getrecursionlimit():
            self._saved_recursion = sys.getrecursionlimit()
            sys.setrecursionlimit(recursion)
        self.entered = True
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, *exc) -> None:
        _CURRENT.reset(self._token)
        self.entered = False
        self.deadline, self.timeout = math.inf, None       # the clock runs while the run does
        if self._saved_recursion is not None:
            sys.setrecursionlimit(self._saved_recursion)
        if self._errstate is not None:
            self._errstate.__exit__(*exc)


# The context of the run under way in this thread (or task): set by entering a RunContext.
_CURRENT: ContextVar[Optional[RunContext]] = ContextVar("autodiff_run_context", default=None)

# The current context or None, as one C call: for the hot paths (`get_current() or current()`).
get_current = _CURRENT.get


def current() -> RunContext:
    """The context of the run under way; outside any run, the thread's background context."""
    context = _CURRENT.get()
    if context is None:
        context = RunContext()
        _CURRENT.set(context)
    return context


def running() -> Optional[RunContext]:
    """The context of the run under way, or None outside any run (the background context is not a run)."""
    context = _CURRENT.get()
    return context if context is not None and context.entered else None
