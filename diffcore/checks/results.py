"""What checking a file gives: its status, its problem, its gradient mismatches, and the options
of a check (see runner.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from autodiff.grammar.ast import Span
from autodiff.grammar.source import ProgramError, Source

from ..engine.errors import LimitExceeded
from ..engine.context import Limits

PASS, FAIL, ERROR = "pass", "fail", "error"
EPS = float(np.finfo(np.float64).eps)
STEP = EPS ** (1 / 3)           # 6.06e-6: balances O(h^2) truncation against eps/h rounding
DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-6
MAX_MISMATCHES = 100            # mismatches kept per file (the count is always exact)
MAX_PRINTED = 50                # lines of a file's print() output kept for the report
COTANGENT_SEED = 0
# check's own default time limit, per file: an infinite loop is an ERROR in seconds, not after the
# 10^7 steps of --max-steps (5-20 s), while the slowest file of samples/ and tests/cases/ takes under
# a second, gradcheck included. (The other commands keep the 60 s of one run: README, "Limits".)
CHECK_TIMEOUT = 5.0


# ------------------------------------------------------------------- results

@dataclass(frozen=True)
class CheckOptions:
    gradcheck: bool = False
    rtol: Optional[float] = None        # None: DEFAULT_RTOL (a file's pragma overrides either)
    atol: Optional[float] = None
    limits: Limits = field(default_factory=Limits)  # of each run; limits.timeout is for the whole file
    traceback: bool = False             # an internal error keeps its traceback (also: AUTODIFF_DEBUG=1)


@dataclass
class Mismatch:
    """One derivative element on which reverse mode disagrees with finite differences or forward mode."""
    input: str
    index: tuple                    # () for a scalar input
    reverse: float
    finite_difference: float
    forward: float
    error: float                    # |reverse - finite_difference|
    forward_error: float            # |reverse - forward|
    tolerance: float                # atol + rtol * |finite_difference|
    reason: Optional[str] = None    # why the element cannot pass even where the numbers are equal

    @property
    def label(self) -> str:
        return f"{self.input}[{', '.join(map(str, self.index))}]" if self.index else self.input


@dataclass
class Problem:
    """What made a file fail or error, as plain data (it crosses process boundaries)."""
    kind: str                               # 'assertion failed', 'gradcheck failed', 'syntax error', ...
    message: str
    line: Optional[int] = None
    col: Optional[int] = None
    end_line: Optional[int] = None
    end_col: Optional[int] = None
    hint: Optional[str] = None
    comparison: Optional[str] = None        # a failed assert: '==', '<', 'allclose', ...
    left: Any = None
    right: Any = None
    point: Optional[str] = None             # the `# check: at` text of the point, None for the defaults
    point_line: Optional[int] = None        # the line of that pragma
    stage: Optional[str] = None             # an error during gradcheck: which computation
    mismatches: list = field(default_factory=list)
    mismatch_count: int = 0
    checked: int = 0                        # derivative elements compared at the failing point
    rtol: Optional[float] = None
    atol: Optional[float] = None
    traceback: Optional[str] = None         # internal errors, with CheckOptions.traceback

    @property
    def span(self) -> Optional[Span]:
        if self.line is None:
            return None
        return Span(self.line, self.col or 1, self.end_line or self.line, self.end_col or self.col or 1)


@dataclass
class FileResult:
    path: str
    status: str                             # PASS, FAIL or ERROR
    seconds: float
    problem: Optional[Problem] = None
    source: Optional[Source] = None         # the file's text, for the caret report
    printed: list = field(default_factory=list)
    points: int = 0                         # input points run
    gradchecked: int = 0                    # derivative elements compared (over all points)


class PragmaError(ProgramError):
    kind = "pragma error"


class CheckTimeout(LimitExceeded):
    pass
