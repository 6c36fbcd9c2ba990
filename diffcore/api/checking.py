"""`check(paths)`: `autodiff check` as a function, its results as objects.

The files are collected, selected and checked by diffcore/checks/runner.py, as the command
checks them (docs/check.md): each file must run, every assert must hold, and with `gradcheck`
(or a file's `# check: gradcheck`) its gradient must agree with finite differences and forward
mode.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional, Union

from autodiff.diffcore.checks.results import CHECK_TIMEOUT, FileResult, Problem
from autodiff.diffcore.checks.runner import CheckOptions, collect, name_matcher, run_checks
from autodiff.diffcore.program import UsageError
from autodiff.grammar.source import ProgramError

from .function import _DEFAULTS, make_limits
from .tables import html_table, markdown_table

Paths = Union[str, os.PathLike, Iterable[Union[str, os.PathLike]]]


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    """One file's outcome: `status` is 'pass', 'fail' or 'error'; `problem` says what failed
    (None for a pass); `printed` is what the file printed (kept for a failure)."""
    path: str
    status: str
    seconds: float
    problem: Optional[Problem]
    printed: tuple[str, ...]
    points: int
    gradchecked: int

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def message(self) -> str:
        """The problem as the command line reports it (located, with the source line), or ''."""
        problem = self.problem
        if problem is None:
            return ""
        if problem.kind in ("internal error", "gradcheck failed"):
            where = f"{self.path}:{problem.line}: " if problem.line else f"{self.path}: "
            return where + problem.message
        error = ProgramError(problem.message, problem.span, problem.hint)
        error.kind = problem.kind
        return error.report(self._source)

    _source: Any = field(default=None, repr=False, compare=False)  # the file's Source, for the caret


@dataclass(frozen=True, kw_only=True)
class CheckReport:
    """All the files' results, in the order the files were collected; `ok` when none failed or
    errored."""
    results: tuple[CheckResult, ...]
    seconds: float

    @property
    def passed(self) -> int:
        return sum(r.status == "pass" for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status == "fail" for r in self.results)

    @property
    def errors(self) -> int:
        return sum(r.status == "error" for r in self.results)

    @property
    def ok(self) -> bool:
        return self.failed == self.errors == 0

    def __iter__(self) -> Iterator[CheckResult]:
        return iter(self.results)

    def __len__(self) -> int:
        return len(self.results)

    def summary(self) -> str:
        """'3 passed, 1 failed, 0 errors in 0.12s', as the command ends."""
        return f"{self.passed} passed, {self.failed} failed, {self.errors} errors in {self.seconds:.2f}s"

    def _rows(self) -> list:
        return [(r.status.upper(), r.path, f"{r.seconds:.2f}s", r.message) for r in self.results]

    def _repr_html_(self) -> str:
        return html_table(("status", "file", "time", "problem"), self._rows(), caption=self.summary())

    def _repr_markdown_(self) -> str:
        return markdown_table(("status", "file", "time", "problem"), self._rows(), [self.summary()])


def check(paths: Paths, /, *, gradcheck: bool = False, rtol: Optional[float] = None, atol: Optional[float] = None,
          jobs: int = 1, keyword: Optional[str] = None, max_steps: int = _DEFAULTS.max_steps,
          max_depth: int = _DEFAULTS.max_depth, max_elements: int = _DEFAULTS.max_elements,
          timeout: Optional[float] = CHECK_TIMEOUT, max_memory: int = _DEFAULTS.max_memory) -> CheckReport:
    """Check program files (a path, or several; a directory means every *.expr file under it).

    `keyword` selects files as `autodiff check -k` does ('seed and not poly'); `jobs` > 1 checks
    in that many worker processes; `timeout` is per file (all its points and gradcheck runs);
    rtol and atol are gradcheck's tolerances (default 1e-5 and 1e-6; a file's pragma wins).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    try:
        files, _, _ = collect(paths)
    except FileNotFoundError as missing:
        raise UsageError(f"{missing.args[0]}: no such file or directory") from None
    if keyword is not None:
        try:
            selected = name_matcher(keyword)
        except ValueError as why:
            raise UsageError(f"keyword {keyword!r}: {why}") from None
        files = [path for path in files if selected(path)]
    if not files:
        raise UsageError("no .expr files to check under " + ", ".join(paths)
                         + (f" selected by {keyword!r}" if keyword is not None else ""))
    options = CheckOptions(gradcheck=gradcheck, rtol=rtol, atol=atol,
                           limits=make_limits(max_steps, max_depth, max_elements, timeout, max_memory))
    started = time.perf_counter()
    finished = {result.path: _result(result) for result in run_checks(files, options, jobs)}
    return CheckReport(results=tuple(finished[path] for path in files), seconds=time.perf_counter() - started)


def _result(result: FileResult) -> CheckResult:
    return CheckResult(path=result.path, status=result.status, seconds=result.seconds, problem=result.problem,
                       printed=tuple(result.printed), points=result.points, gradchecked=result.gradchecked,
                       _source=result.source)
