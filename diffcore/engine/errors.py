"""The mistakes a program can make while it is compiled or run.

All are `ProgramError`s (exit code 1 at the command line) carrying the span of
the source that caused them; `kind` is the first word of the report.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from autodiff.grammar.source import ProgramError


class CompileError(ProgramError):
    """A program that parses but cannot mean anything (break outside a loop, ...)."""
    kind = "error"


class RuntimeProgramError(ProgramError):
    kind = "runtime error"


class UndefinedNameError(ProgramError):
    kind = "name error"


class ShapeError(ProgramError):
    kind = "shape error"


class ValueTypeError(ProgramError):
    kind = "type error"


class InputError(ProgramError):
    """A missing or malformed input value."""
    kind = "input error"


class LimitExceeded(ProgramError):
    """A resource limit was reached: names the limit, the value reached, and the option that sets it."""
    kind = "limit exceeded"

    def __init__(self, message: str, span=None, hint: Optional[str] = None, limit: str = ""):
        super().__init__(message, span, hint)
        self.limit = limit


class AssertionFailed(ProgramError):
    """An `assert` that did not hold. For a comparison, `left`/`right` are the values of both sides."""
    kind = "assertion failed"

    def __init__(self, message: str, span=None, hint: Optional[str] = None, *,
                 comparison: Optional[str] = None, left: Any = None, right: Any = None):
        super().__init__(message, span, hint)
        self.comparison = comparison
        self.left = left
        self.right = right


def closest(name: str, candidates: Iterable[str]) -> Optional[str]:
    """The candidate most like `name`, if any is close enough to be a likely typo."""
    import difflib      # only when a message needs it: it costs ~4 ms of start-up
    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(name: str, candidates: Iterable[str]) -> Optional[str]:
    match = closest(name, candidates)
    return f"did you mean '{match}'?" if match else None
