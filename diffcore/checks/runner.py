"""Checking program files: run each one, check its assertions and, on request, its gradient.

What `autodiff check` does, without the command line: `check_path` runs one
file and says whether it passed, failed or could not run (`FileResult`), and
`run_checks` does that for many files, in this process or in worker
processes, yielding results as they finish.

A file PASSES when it parses, runs without error at each of its input points,
every `assert` holds, and (with gradcheck on) its reverse-mode gradient agrees
with central finite differences and with forward mode. It FAILS when an
assert does not hold or the gradients disagree, and is an ERROR when it cannot
be checked at all (a syntax error, a runtime error, a limit, an autodiff bug).

Pragmas are comment lines of the file itself:

    # check: gradcheck                 gradcheck this file
    # check: at x=0.5, y=[1, 2]        an input point (one line per point; default: the inputs' defaults)
    # check: rtol=1e-6 atol=1e-9       this file's tolerances (over the command line's)
    # check: wrt x, y                  gradcheck only these inputs (default: all)

Gradcheck, at each point, for each input and each of its elements i:

    h_i = cbrt(eps) * max(1, |x_i|)                       (eps = 2.2e-16: h = 6.1e-6 near 1)
    fd_i = (f(x + h_i e_i) - f(x - h_i e_i)) / (2 h_i)    (central difference, error O(h^2))
    |rev_i - fd_i|  <= atol + rtol * |fd_i|
    |rev_i - fwd_i| <= atol + rtol * |fwd_i|

where f is the program's output; for an array output, f is its contraction
with a fixed random cotangent v (standard normal, seed 0), so that rev is the
vector-Jacobian product v·J and fwd is v·J by forward mode. The finite
difference runs ignore the program's asserts (an `assert g == 12` holds at
the point, not at x + h).
"""
from __future__ import annotations

import os
import re
import stat
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np

from autodiff.grammar import ast
from autodiff.grammar.source import ProgramError, Source

from ..engine.errors import AssertionFailed, LimitExceeded, RuntimeProgramError
from ..engine.context import SharedDeadline

from .gradcheck import gradcheck
from .pragmas import Point, parse_pragmas
from .processes import signals_held
from .results import (DEFAULT_ATOL, DEFAULT_RTOL, ERROR, FAIL, MAX_MISMATCHES, MAX_PRINTED, PASS, CheckOptions,
                      CheckTimeout, FileResult, Problem)
# The runner is the package's entry point: what a caller needs of the other modules is here too.
from .pragmas import Pragmas  # noqa: F401,E402
from .results import Mismatch, PragmaError  # noqa: F401,E402

# -------------------------------------------------------------- one program

def without_asserts(module: ast.Module) -> ast.Module:
    """The same program with every `assert` replaced by `pass` (for runs away from the point)."""
    def block(stmts: tuple) -> tuple:
        return tuple(stmt(s) for s in stmts)

    def stmt(s):
        if isinstance(s, ast.Assert):
            return ast.Pass(s.span)
        if isinstance(s, ast.If):
            return ast.replace(s, branches=tuple((cond, block(body)) for cond, body in s.branches),
                           orelse=block(s.orelse))
        if isinstance(s, (ast.While, ast.For, ast.FunctionDef, ast.BackwardDef, ast.With)):
            return ast.replace(s, body=block(s.body))
        return s
    return ast.Module(block(module.body))


def program_without_asserts(source: Source):
    """A Program compiled from `source` with its asserts removed."""
    from autodiff.grammar import parse
    from ..interpreter.compiler import Compiler
    from ..program import InputInfo, Program
    program = Program(source)           # every attribute a Program has; then its code is swapped
    program.compiled = Compiler().compile_module(without_asserts(parse(source)))
    declared = [InputInfo(name, span, True, has_default)
                for name, span, has_default in program.compiled.declared_inputs]
    implicit = [InputInfo(name, span, False, False) for name, span in program.compiled.implicit_inputs.items()]
    program.inputs = declared + implicit
    return program


def file_deadline(options: CheckOptions) -> SharedDeadline:
    """The file's --timeout, shared by all its runs."""
    return SharedDeadline(options.limits, "checking the file", "raise the limit with --timeout SECONDS", CheckTimeout)


class _Failed(Exception):
    """A check failed (not an error): carries the Problem."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Errored(Exception):
    """A check could not be done (an error inside gradcheck): carries the Problem."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def check_path(path: str, options: CheckOptions, data: Optional[bytes] = None) -> FileResult:
    """Check one file. Never raises (except KeyboardInterrupt): every outcome is a FileResult.

    `data`: the file's bytes, read elsewhere (`check --scheduler` sends them with the task, since
    a worker on another machine may not see the client's files); None reads `path` here. Both
    ways are this one function, so a file's result is the same wherever it was checked.
    Each run of the file has a run context of its own (engine/context.py): whatever one leaves
    behind (an error in the middle of a differentiation), the next starts afresh.
    """
    started = time.perf_counter()
    result = FileResult(path, PASS, 0.0)
    try:
        _check(_read(path) if data is None else _decode(data, path), options, result)
    except _Failed as failed:
        result.status, result.problem = FAIL, failed.problem
    except _Errored as errored:
        result.status, result.problem = ERROR, errored.problem
    except AssertionFailed as error:
        result.status, result.problem = FAIL, _problem(error)
    except ProgramError as error:
        result.status, result.problem = ERROR, _problem(error)
    except RecursionError:
        result.status = ERROR
        result.problem = Problem("internal error", "internal error: Python's recursion limit was reached",
                                 hint="nesting too deep for autodiff; try a smaller --max-depth")
    except Exception as exc:       # an autodiff bug: this file is an ERROR, the others go on
        result.status = ERROR
        result.problem = Problem("internal error", f"internal error: {type(exc).__name__}: {exc}",
                                 hint="this is a bug in autodiff, not in the program; please report it "
                                      "(AUTODIFF_DEBUG=1 shows the traceback)")
        if options.traceback or os.environ.get("AUTODIFF_DEBUG"):
            import traceback
            result.problem.traceback = "".join(traceback.format_exception(exc))
    result.seconds = time.perf_counter() - started
    return result


def _problem(error: ProgramError, **extra) -> Problem:
    span = error.span
    problem = Problem(error.kind, error.message, hint=error.hint, **extra)
    problem.point, problem.point_line = getattr(error, "point", None), getattr(error, "point_line", None)
    if span is not None:
        problem.line, problem.col, problem.end_line, problem.end_col = (span.line, span.col,
                                                                        span.end_line, span.end_col)
    if isinstance(error, AssertionFailed):
        problem.comparison = error.comparison
        problem.left, problem.right = plain_data(error.left), plain_data(error.right)
    return problem


def plain_data(value: Any) -> Any:
    """A language value as data that pickles and renders: floats, bools, float arrays, tuples, strings."""
    from ..engine.tracing import strip
    value = strip(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.number)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.copy() if value.dtype.kind in "bf" else value.astype(np.float64)
    if isinstance(value, (tuple, list)):
        return tuple(plain_data(v) for v in value)
    if value is None or isinstance(value, str):
        return value
    from ..interpreter.display import format_value
    return format_value(value)


def _read(path: str) -> Source:
    return _decode(read_bytes(path), path)


def read_bytes(path: str) -> bytes:
    """A program file's bytes, as far as the program size limit reads; a ProgramError for a file
    that is not a regular file, cannot be read, or is too large to be a program."""
    from autodiff.grammar.source import read_program_bytes
    from ..engine.errors import InputError
    try:
        # Without blocking, and only a regular file: a named pipe or a device that took the place of
        # a collected file must not hang or flood the check (collect() skips those it sees).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as handle:
            kind = file_kind(os.fstat(fd).st_mode)
            if kind is not None:
                raise InputError(f"cannot read {path}: not a regular file ({kind})")
            data = read_program_bytes(handle)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    return data


def _decode(data: bytes, path: str) -> Source:
    try:
        return Source(data.decode("utf-8-sig"), path)
    except UnicodeDecodeError as exc:
        from ..engine.errors import InputError
        raise InputError(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         hint="save the program as UTF-8") from None


def _check(source: Source, options: CheckOptions, result: FileResult) -> None:
    from ..program import Program, discard
    result.source = source
    deadline = file_deadline(options)
    program = Program(source)
    pragmas = parse_pragmas(source, program.input_names, deadline.next_run())
    points = pragmas.points or [Point({})]
    printed = result.printed

    def capture(text: str) -> None:
        printed.append(text)
        if len(printed) > MAX_PRINTED:
            del printed[0]

    for point in points:                                   # the program's own checks: its asserts
        try:
            run_at(program, point, deadline, capture)
        except ProgramError as error:
            raise _located(error, point, deadline) from None
        result.points += 1
    if not (options.gradcheck or pragmas.gradcheck):
        return
    rtol = pragmas.rtol if pragmas.rtol is not None else options.rtol if options.rtol is not None else DEFAULT_RTOL
    atol = pragmas.atol if pragmas.atol is not None else options.atol if options.atol is not None else DEFAULT_ATOL
    quiet = program_without_asserts(source)
    with quiet.printing_to(discard):        # its points printed in the program's own runs above
        _gradcheck_points(quiet, points, pragmas, rtol, atol, deadline, result)


def _gradcheck_points(quiet, points: list, pragmas, rtol: float, atol: float, deadline: SharedDeadline,
                      result: FileResult) -> None:
    for point in points:
        stage = ["reverse mode"]
        try:
            mismatches, checked = gradcheck(quiet, point.values, pragmas.wrt, rtol, atol, deadline, stage)
        except ProgramError as error:
            problem = _problem(_located(error, point, deadline), stage=stage[0])
            raise _Errored(problem) from None
        result.gradchecked += checked
        if mismatches:
            where = f"at {point.text}" if point.text is not None else "at the inputs' defaults"
            message = (f"gradcheck failed {where}: {len(mismatches)} of {checked} derivative element"
                       f"{'' if checked == 1 else 's'} differ{'s' if checked == 1 else ''}")
            problem = Problem("gradcheck failed", message, line=point.line, point=point.text,
                              point_line=point.line, mismatches=mismatches[:MAX_MISMATCHES],
                              mismatch_count=len(mismatches), checked=checked, rtol=rtol, atol=atol)
            raise _Failed(problem)


def _located(error: ProgramError, point: Point, deadline: SharedDeadline) -> ProgramError:
    """A run's timeout is the file's timeout; an error at an `at` point says which."""
    if isinstance(error, LimitExceeded) and not isinstance(error, CheckTimeout) and error.limit == "timeout":
        error = deadline.expired(error.span)
    if point.text is not None and isinstance(error, ProgramError):
        error.point, error.point_line = point.text, point.line
    return error


def run_at(program, point: Point, deadline: SharedDeadline, print_fn: Callable) -> Any:
    """One plain run at a point (asserts included). A program that computes no value is fine here."""
    try:
        return program.run(point.values, deadline.next_run(), print_fn=print_fn).output
    except RuntimeProgramError as error:
        if error.span is None and error.message == "the program computes no value":
            return None
        raise


# ------------------------------------------------------------- many programs

def file_kind(mode: int) -> Optional[str]:
    """None for a regular file; otherwise what it is, in words."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def collect(paths: Iterable[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """The files to check: (files, directories that held no .expr file, skipped (path, why)).

    A directory contributes every *.expr file under it, recursively and sorted, skipping hidden
    files and directories (names starting with '.'); a file is taken as given. Each file once.
    Only regular files are checked (after symbolic links): a named pipe would block the check
    forever and a link to /dev/zero would never end, so those are skipped, with the reason.
    Raises FileNotFoundError for a path that does not exist.
    """
    files, empty, skipped, seen = [], [], [], set()
    for path in paths:
        if os.path.isdir(path):
            found = []
            for root, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found += [os.path.join(root, n) for n in names if n.endswith(".expr") and not n.startswith(".")]
            found.sort(key=lambda p: os.path.relpath(p, path).split(os.sep))
            if not found:
                empty.append(path)
        elif os.path.exists(path):
            found = [path]
        else:
            raise FileNotFoundError(path)
        for file in found:
            try:
                kind = file_kind(os.stat(file).st_mode)
                why = f"not a regular file ({kind})"
            except OSError as exc:          # a broken symbolic link, a file gone since the walk
                kind = why = f"cannot read it ({exc.strerror or exc})"
            if kind is not None:
                skipped.append((file, why))
                continue
            key = os.path.realpath(file)
            if key not in seen:
                seen.add(key)
                files.append(os.path.normpath(file) if file != path else file)
    return files, empty, skipped


def name_matcher(expression: str) -> Callable[[str], bool]:
    """What `check -k EXPRESSION` selects, as a test of a path: pytest's -k, by file path.

    A word matches a path that contains it (case-insensitively: `-k grad` selects
    `tests/cases/Gradient.expr` and every file under a directory named `grad...`), and words
    combine with `not`, `and`, `or` (that precedence) and parentheses: `-k "seed and not poly"`.
    Raises ValueError, saying what is wrong, for an expression that does not parse.
    """
    tokens = re.findall(r"\(|\)|[^\s()]+", expression)
    position = 0

    def peek() -> Optional[str]:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def either() -> Callable[[str], bool]:
        parts = [both()]
        while peek() == "or":
            take()
            parts.append(both())
        return parts[0] if len(parts) == 1 else (lambda path: any(p(path) for p in parts))

    def both() -> Callable[[str], bool]:
        parts = [negated()]
        while peek() == "and":
            take()
            parts.append(negated())
        return parts[0] if len(parts) == 1 else (lambda path: all(p(path) for p in parts))

    def negated() -> Callable[[str], bool]:
        if peek() == "not":
            take()
            inner = negated()
            return lambda path: not inner(path)
        return atom()

    def atom() -> Callable[[str], bool]:
        token = peek()
        if token is None:
            raise ValueError("the expression ends where a name was expected")
        if token == "(":
            take()
            inner = either()
            if peek() != ")":
                raise ValueError("a '(' is not closed")
            take()
            return inner
        if token in (")", "and", "or"):
            raise ValueError(f"a name was expected, not {token!r}")
        word = take().lower()
        return lambda path: word in path.lower()

    if not tokens:
        raise ValueError("the expression is empty")
    matcher = either()
    if peek() is not None:
        raise ValueError(f"unexpected {peek()!r}")
    return matcher


# The function a worker process runs on one file. Tests replace it (in the parent, before the pool
# starts) to simulate a crashing worker; it must stay a module-level, picklable function.
WORKER: Callable[[str, CheckOptions], FileResult] = check_path


def crashed(path: str, seconds: float, tries: str = "the file was run twice, alone the second time") -> FileResult:
    """A file whose worker died on it; `tries` says how often it was run (the pool here runs it
    twice; `check --scheduler` as often as the Dask scheduler allows)."""
    return FileResult(path, ERROR, seconds, Problem(
        "internal error", "internal error: the worker process checking this file crashed "
                          "(it exited without a result: os._exit, a segmentation fault, or out of memory)",
        hint=f"this is a bug in autodiff or in its environment; {tries}"))


def _context():
    """Fork on Linux (workers start at once, with everything imported); spawn elsewhere, which the
    module-level WORKER function and the picklable CheckOptions/FileResult also allow. No thread
    of ours is running when a pool forks (see cli/check.py's progress bar)."""
    import multiprocessing
    import sys
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _pool(workers: int) -> ProcessPoolExecutor:
    """A pool of workers that never outlive this process (see processes.py)."""
    from .processes import start_worker
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=start_worker,
                               initargs=(os.getpid(),))


def run_checks(files: list[str], options: CheckOptions, jobs: int = 1,
               idle: Optional[Callable[[], None]] = None) -> Iterator[FileResult]:
    """Check `files`, yielding each result as it finishes (completion order).

    jobs == 1 runs the files here, one after the other; jobs > 1 runs them in that many worker
    processes. A worker that dies (BrokenProcessPool) takes the files it was running with it: each is
    run again alone in a fresh one-worker pool, which either gives its result or shows it is the one
    that crashes (an ERROR); the others go on in a new pool. `idle()` is called about five times a
    second while waiting for workers (to refresh a progress display).
    """
    if jobs <= 1:
        for path in files:
            yield check_path(path, options)
        return
    pending = list(reversed(files))
    workers = max(1, min(jobs, len(files)))
    while pending:
        suspects: list[tuple[str, float]] = []
        with _pool(workers) as pool:
            running: dict = {}
            try:
                while pending or running:
                    while pending and len(running) < workers:
                        path = pending.pop()
                        with signals_held():        # a submit may fork the workers
                            running[pool.submit(WORKER, path, options)] = (path, time.perf_counter())
                    done, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
                    if idle is not None:
                        idle()
                    for future in done:
                        path, started = running.pop(future)
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            suspects.append((path, started))
                            continue
                        except Exception as exc:        # e.g. a result that does not pickle
                            outcome = FileResult(path, ERROR, time.perf_counter() - started, Problem(
                                "internal error", f"internal error: {type(exc).__name__}: {exc}"))
                        yield outcome
                    if suspects:
                        break
            except BaseException:
                _terminate(pool)
                raise
            if suspects:
                suspects += list(running.values())
                _terminate(pool)
        for path, started in suspects:                         # alone, to tell the culprit from the rest
            yield _run_alone(path, options, started)


def _run_alone(path: str, options: CheckOptions, started: float) -> FileResult:
    with _pool(1) as pool:
        try:
            with signals_held():
                future = pool.submit(WORKER, path, options)
            return future.result()
        except BrokenProcessPool:
            return crashed(path, time.perf_counter() - started)
        except BaseException:
            _terminate(pool)
            raise


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now (on Ctrl-C, SIGTERM, a closed pipe, or once the pool is broken)."""
    from .processes import stop
    stop(pool)

