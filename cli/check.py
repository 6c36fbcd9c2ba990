"""`autodiff check`: run many program files as tests, with their asserts and an optional gradcheck.

    PASS tests/cases/seed_graph.expr (0.01s)
    FAIL tests/cases_failing/assert_compare.expr (0.00s)
        tests/cases_failing/assert_compare.expr:7:1: assertion failed: assert failed: left == right
            assert g == 13
            ^^^^^^^^^^^^^^
        left: 12.0
        right: 13.0
    1 passed, 1 failed, 0 errors in 0.05s

The checking itself is `autodiff.diffcore.checks.runner`; this module collects the
paths, shows progress and results, and writes the JUnit and JSON-lines reports.
"""
from __future__ import annotations

import json
import math
import os
import socket
import sys
import time
from datetime import datetime, timezone
from typing import Any, Optional

import click
import numpy as np

from autodiff.grammar.source import ProgramError

from . import report as exit_codes
from .app import command
from .cluster.connect import scheduler_option
from .config import CommandConfig, LimitSettings, RunSettings
from .options import FiniteFloatRange, limit_options
from .files import probe, write_atomically
from .inputs import option_given
from .render import to_json
from .streams import show_progress
from .report import format_error, use_color
from .workers import sigterm_raises, worker_count

MAX_SHOWN_MISMATCHES = 10
INDENT = "    "


class CheckConfig(CommandConfig):
    """`autodiff check`: the paths, --gradcheck and its tolerances, --jobs or --scheduler, the reports (--junit,
    --json-lines, --quiet), the limits of each file, and the run's --traceback (an internal error
    in a file then shows its traceback)."""
    GROUPS = {"limits": LimitSettings}
    __slots__ = ("limits", "paths", "gradcheck", "rtol", "atol", "jobs", "scheduler", "junit", "json_lines",
                 "as_json", "quiet", "exitfirst", "keyword", "traceback")

    @classmethod
    def from_params(cls, params: dict, run: RunSettings) -> CheckConfig:
        return super().from_params({**params, "traceback": run.traceback}, run)


@command("check", CheckConfig,
         click.argument("paths", nargs=-1, metavar="PATH...", type=click.Path()),
         click.option("--gradcheck", is_flag=True,
                      help="Check every file's gradient against finite differences and forward mode "
                           "(a file can ask for it with `# check: gradcheck`)."),
         click.option("--rtol", type=FiniteFloatRange(0), default=None, metavar="X",
                      help="Relative tolerance of gradcheck  [default: 1e-5; a file's `# check: rtol=X` wins]"),
         click.option("--atol", type=FiniteFloatRange(0), default=None, metavar="X",
                      help="Absolute tolerance of gradcheck  [default: 1e-6; a file's `# check: atol=X` wins]"),
         click.option("-j", "--jobs", type=click.IntRange(0), default=1, show_default=True,
                      help="Check files in this many worker processes (0: one per usable core, and never more; "
                           "1: in this process)."),
         scheduler_option,
         click.option("--junit", "junit", type=click.Path(dir_okay=False), metavar="FILE",
                      help="Also write a JUnit XML report (Jenkins, GitLab) to FILE."),
         click.option("--json-lines", "json_lines", is_flag=True,
                      help="Print one JSON object per file as it finishes, nothing else (summary on stderr)."),
         click.option("--json", "as_json", is_flag=True,
                      help="Print one JSON object at the end: the counts, the time and every file's result."),
         click.option("-q", "--quiet", is_flag=True, help="Print only failures, errors and the summary."),
         click.option("-x", "--exitfirst", is_flag=True,
                      help="Stop at the first file that fails or errors (workers are stopped)."),
         click.option("-k", "keyword", metavar="EXPR",
                      help="Check only the files whose path contains a word; words combine with not, and, "
                           "or and parentheses (-k 'seed and not poly')."),
         limit_options)
def check_command(config: CheckConfig) -> int:
    """Check program files: each must run, every assert must hold, and with
    --gradcheck its gradient must agree with finite differences and forward mode.

    PATH is a file or a directory (searched recursively for *.expr files), or -
    for a list of paths on standard input, one per line.
    Exit status: 0 if every file passed, 1 if any failed or errored, 2 for a
    usage error. --timeout is per file (default here: 5 s). See docs/check.md for the
    pragmas (`# check: gradcheck`, `# check: at x=0.5`, `# check: rtol=1e-6 atol=1e-9`).
    """
    from autodiff.diffcore.checks.runner import CheckOptions, collect, name_matcher, run_checks
    jobs, junit, json_lines, as_json = config.jobs, config.junit, config.json_lines, config.as_json
    if json_lines and as_json:
        raise click.UsageError("give --json (one object at the end) or --json-lines (one per file), not both")
    if config.scheduler is not None and option_given("jobs"):
        raise click.UsageError("give --jobs (processes of this machine) or --scheduler (a Dask cluster), not both")
    paths = expand_stdin(config.paths)
    if not paths:
        raise click.UsageError("give at least one PATH: a .expr file or a directory of them (or - for a "
                               "list of them on standard input)")
    selected = None
    if config.keyword is not None:
        try:
            selected = name_matcher(config.keyword)
        except ValueError as why:
            raise click.UsageError(f"-k {config.keyword!r}: {why}") from None
    try:
        files, empty, skipped = collect(paths)
    except FileNotFoundError as missing:
        raise click.UsageError(f"{missing.args[0]}: no such file or directory") from None
    for path, why in skipped:
        print(f"autodiff check: warning: skipped {path}: {why}", file=sys.stderr)
    if not files:
        raise click.UsageError("no .expr files to check under " + ", ".join(paths))
    for directory in empty:
        print(f"autodiff check: warning: no .expr files under {directory}", file=sys.stderr)
    deselected = 0
    if selected is not None:
        kept = [path for path in files if selected(path)]
        deselected = len(files) - len(kept)
        if not kept:
            raise click.UsageError(f"-k {config.keyword!r} selects none of the {len(files)} files")
        files = kept
    if junit is not None:
        probe(junit, "--junit")
    if jobs != 1 and config.scheduler is None:
        jobs = worker_count(jobs)
    options = CheckOptions(gradcheck=config.gradcheck, rtol=config.rtol, atol=config.atol,
                           limits=config.limits.limits(), traceback=config.traceback)
    started = time.perf_counter()
    results = []
    counts = {"pass": 0, "fail": 0, "error": 0}
    machine = json_lines or as_json            # standard output is for a program: no text, no colour
    color = use_color(sys.stdout) and not machine
    # On a cluster nothing forks here: the bar may refresh itself from its thread, as with --jobs 1.
    progress = Progress(len(files), jobs if config.scheduler is None else 1) if show_progress() else None

    def write_junit(seconds: float) -> None:
        if junit is not None:
            text = junit_xml(results, files, seconds)
            write_atomically(junit, lambda path: _write_text(path, text), "--junit")

    with sigterm_raises():         # SIGTERM ends the run as Ctrl-C does: workers stopped, JUnit written
        if config.scheduler is not None:
            from .cluster.check import check_on_scheduler
            checks = check_on_scheduler(config.scheduler, files, options)
        else:
            checks = run_checks(files, options, jobs, idle=progress.refresh if progress else None)
        try:
            if progress is not None:
                progress.start()
            for result in checks:
                results.append(result)
                counts[result.status] += 1
                if json_lines:
                    print(json.dumps(record(result), allow_nan=False), file=sys.stdout, flush=True)
                elif not as_json and not (config.quiet and result.status == "pass"):
                    print(format_result(result, color), file=sys.stdout, flush=True)
                if progress is not None:
                    progress.advance(result.status != "pass")
                if config.exitfirst and result.status != "pass":
                    break
        except BaseException:           # Ctrl-C, SIGTERM, a closed pipe: the JUnit file gets what finished
            checks.close()              # stops the workers now
            write_junit(time.perf_counter() - started)
            raise
        finally:
            if progress is not None:
                progress.stop()
        checks.close()                  # -x: the files still running are stopped, not waited for
    seconds = time.perf_counter() - started
    not_checked = len(files) - len(results)
    line = summary(counts, seconds, deselected, not_checked)
    if as_json:
        print(json.dumps(json_summary(results, files, counts, seconds, deselected), allow_nan=False),
              file=sys.stdout)
    if machine:
        print(line, file=sys.stderr)
    else:
        print(colored_summary(counts, line) if color else line, file=sys.stdout)
    write_junit(seconds)
    return exit_codes.OK if counts["fail"] == counts["error"] == 0 else exit_codes.PROGRAM_ERROR


# check's own default of --timeout, per file (diffcore/checks/results.py says why).
from autodiff.diffcore.checks.results import CHECK_TIMEOUT  # noqa: E402
for _param in check_command.params:
    if _param.name == "timeout":
        _param.default = CHECK_TIMEOUT
        _param.help = "Wall-time limit of each file (all its points and gradcheck runs); 0: none."


# The most paths `check -` reads from standard input, and the longest line: a list of files, not a
# stream without end (`yes | autodiff check -` is refused rather than read forever).
MAX_STDIN_PATHS = 1_000_000
MAX_PATH_LINE = 65_536


def expand_stdin(paths: tuple) -> list:
    """The paths, with `-` replaced by the paths listed on standard input (one per line; blank
    lines skipped; read once however often `-` is given)."""
    if "-" not in paths:
        return list(paths)
    listed = []
    for number, line in enumerate(iter(lambda: sys.stdin.readline(MAX_PATH_LINE + 1), ""), start=1):
        if len(line) > MAX_PATH_LINE:
            raise click.UsageError(f"-: line {number} of standard input is longer than {MAX_PATH_LINE:,} "
                                   f"characters: give one path per line")
        if len(listed) >= MAX_STDIN_PATHS:
            raise click.UsageError(f"-: more than {MAX_STDIN_PATHS:,} paths on standard input")
        path = line.rstrip("\r\n")
        if path.strip():
            listed.append(path)
    expanded, done = [], False
    for path in paths:
        if path != "-":
            expanded.append(path)
        elif not done:
            expanded += listed
            done = True
    return expanded


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


# ---------------------------------------------------------------- progress

class Progress:
    """A rich progress bar on stderr: files done / total, failures so far, time left."""

    def __init__(self, total: int, jobs: int):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as RichProgress, SpinnerColumn,
                                   TextColumn, TimeElapsedColumn, TimeRemainingColumn)
        # With worker processes the bar is refreshed from this thread (run_checks' idle callback):
        # no display thread is running when the pool forks its workers.
        self.bar = RichProgress(
            SpinnerColumn(), TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            TextColumn("{task.fields[failed]}"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=Console(file=sys.stderr), transient=True, auto_refresh=jobs <= 1,
            redirect_stdout=sys.stdout.isatty(), redirect_stderr=False)
        self.failed = 0
        self.task = self.bar.add_task("check", total=total, failed=self._failed_text())

    def _failed_text(self) -> str:
        return f"[bold red]{self.failed} failed[/]" if self.failed else "0 failed"

    def start(self) -> None:
        self.bar.start()

    def stop(self) -> None:
        self.bar.stop()

    def refresh(self) -> None:
        self.bar.refresh()

    def advance(self, failed: bool) -> None:
        self.failed += failed
        self.bar.update(self.task, advance=1, failed=self._failed_text())
        self.bar.refresh()


# --------------------------------------------------------------- plain text

def summary(counts: dict, seconds: float, deselected: int = 0, not_checked: int = 0) -> str:
    """`2 passed, 1 failed, 1 error in 0.05s`: the words of pytest ("passed" and "failed" do not
    change with the number; "error" does), then the files -k left out and those -x stopped."""
    errors = "error" if counts["error"] == 1 else "errors"
    line = f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} {errors}"
    if deselected:
        line += f", {deselected} deselected"
    if not_checked:
        line += f", {not_checked} not checked (stopped at the first failure)"
    return f"{line} in {seconds:.2f}s"


def colored_summary(counts: dict, line: str) -> str:
    code = "\033[1;32m" if counts["fail"] == counts["error"] == 0 else "\033[1;31m"
    return f"{code}{line}\033[0m"


_STATUS_COLOR = {"pass": "\033[32m", "fail": "\033[1;31m", "error": "\033[1;33m"}


def format_result(result, color: bool = False) -> str:
    """`PASS path (0.01s)`, and for a failure or an error the indented report under it."""
    status = result.status.upper()
    if color:
        status = f"{_STATUS_COLOR[result.status]}{status}\033[0m"
    head = f"{status} {result.path} ({result.seconds:.2f}s)"
    if result.problem is None:
        return head
    body = details(result, color)
    return head + "\n" + "\n".join(INDENT + line if line else line for line in body.split("\n"))


def details(result, color: bool = False) -> str:
    """The report of a failure or an error (without the PASS/FAIL/ERROR line), not indented."""
    problem = result.problem
    lines = []
    if problem.kind == "internal error":
        lines.append(f"{result.path}: {problem.message}")
        if problem.hint:
            lines.append(f"hint: {problem.hint}")
        if problem.traceback:
            lines.append(problem.traceback.rstrip())
    elif problem.kind == "gradcheck failed":
        where = f"{result.path}:{problem.line}: " if problem.line else f"{result.path}: "
        lines.append(f"{where}{problem.message}")
        if problem.line and result.source is not None:
            lines.append(INDENT + result.source.line(problem.line).strip())
        for m in problem.mismatches[:MAX_SHOWN_MISMATCHES]:
            lines.append(mismatch_line(m))
        more = problem.mismatch_count - min(len(problem.mismatches), MAX_SHOWN_MISMATCHES)
        if more > 0:
            lines.append(f"... and {more} more (all of them: --json-lines)")
        lines.append(f"(a pass is |reverse - finite difference| <= atol + rtol*|finite difference|, and the same "
                     f"for forward; rtol={number(problem.rtol)}, atol={number(problem.atol)})")
    else:
        error = ProgramError(problem.message, problem.span, problem.hint)
        error.kind = problem.kind
        lines.append(format_error(error, result.source, color))
        if problem.comparison is not None:
            lines += comparison_lines(problem)
        if problem.point is not None:
            lines.append(f"at the point: {problem.point}  (# check: at, line {problem.point_line})")
        if problem.stage is not None:
            lines.append(f"during gradcheck: {problem.stage}")
    if result.printed and result.status != "pass":
        lines.append("printed:")
        lines += [INDENT + text for text in "\n".join(result.printed).split("\n")]
    return "\n".join(lines)


def mismatch_line(m) -> str:
    text = (f"{m.label}: reverse {number(m.reverse)}, finite difference {number(m.finite_difference)}, "
            f"forward {number(m.forward)}, error {number(m.error)}")
    if m.reason is not None:
        text += f" ({m.reason})"
    elif m.error <= m.tolerance:        # reverse agrees with the finite difference: forward mode is off
        text += f" (forward mode differs from reverse by {number(m.forward_error)})"
    return text


def comparison_lines(problem) -> list[str]:
    lines = [f"left: {value_text(problem.left, 6)}", f"right: {value_text(problem.right, 7)}"]
    if problem.comparison in ("allclose", "isclose"):
        worst = largest_difference(problem.left, problem.right)
        if worst:
            lines.append(worst)
    return lines


def largest_difference(left: Any, right: Any) -> Optional[str]:
    """'largest difference: 1.0 at [1]' for two numeric values that broadcast together."""
    try:
        a, b = np.broadcast_arrays(np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64))
    except (TypeError, ValueError):
        return None
    if a.size == 0:
        return None
    with np.errstate(all="ignore"):
        diff = np.abs(a - b)
    rank = np.where(np.isnan(a) & np.isnan(b), 0.0, diff)       # nan against nan is no difference
    rank = np.where(np.isnan(rank), np.inf, rank)                 # nan against a number is the worst
    index = np.unravel_index(int(np.argmax(rank)), rank.shape)
    where = f" at [{', '.join(str(int(i)) for i in index)}]" if index else ""
    return f"largest difference: {number(diff[index])}{where}"


def number(x: Any) -> str:
    """A number in full: the shortest text that reads back as the same float64."""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def value_text(value: Any, indent: int = 0) -> str:
    """A value from a failed assert, in full precision (arrays as nested lists)."""
    if isinstance(value, np.ndarray):
        if value.dtype == bool:
            text = np.array2string(value, separator=", ").replace("True", "true").replace("False", "false")
        else:
            text = np.array2string(value, separator=", ", threshold=200, max_line_width=100,
                                   formatter={"float_kind": number})
        return text.replace("\n", "\n" + " " * indent)
    if isinstance(value, tuple):
        return "(" + ", ".join(value_text(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (float, int, bool, np.number, np.bool_)):
        return number(value)
    if value is None:
        return "none"
    return str(value)


# ---------------------------------------------------------------------- JSON

def record(result) -> dict:
    """One file's JSON-lines object (keys documented in docs/check.md)."""
    return to_json({"file": result.path, "status": result.status, "seconds": round(result.seconds, 6),
                    "points": result.points, "gradchecked": result.gradchecked, "details": json_details(result)})


def json_summary(results: list, files: list, counts: dict, seconds: float, deselected: int) -> dict:
    """`--json`: the one object of a run (keys documented in docs/check.md); the files in the order
    they were collected, each as --json-lines gives it."""
    order = {path: i for i, path in enumerate(files)}
    return {"passed": counts["pass"], "failed": counts["fail"], "errors": counts["error"],
            "deselected": deselected, "not_checked": len(files) - len(results), "seconds": round(seconds, 6),
            "files": [record(result) for result in sorted(results, key=lambda r: order.get(r.path, len(order)))]}


def json_details(result) -> Optional[dict]:
    problem = result.problem
    if problem is None:
        return None
    out = {
        "kind": problem.kind, "message": problem.message, "line": problem.line, "col": problem.col,
        "end_line": problem.end_line, "end_col": problem.end_col, "hint": problem.hint,
        "source_line": (result.source.line(problem.line) if problem.line and result.source is not None
                        else None),
        "comparison": problem.comparison, "left": json_value(problem.left), "right": json_value(problem.right),
        "point": problem.point, "point_line": problem.point_line, "stage": problem.stage,
        "mismatches": [{"input": m.input, "index": list(m.index), "reverse": m.reverse,
                        "finite_difference": m.finite_difference, "forward": m.forward, "error": m.error,
                        "forward_error": m.forward_error, "tolerance": m.tolerance, "reason": m.reason}
                       for m in problem.mismatches],
        "mismatch_count": problem.mismatch_count,
        "rtol": problem.rtol, "atol": problem.atol,
        "printed": list(result.printed),
        "report": details(result, color=False),
    }
    return out


def json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    return value


# --------------------------------------------------------------------- JUnit

def junit_xml(results: list, files: list, seconds: float) -> str:
    """A JUnit XML report: <testsuites> holding one <testsuite> with one <testcase> per file, in the
    order of `files` (the order the paths were given and collected, not the order they finished)."""
    import xml.etree.ElementTree as ET
    counts = {"pass": 0, "fail": 0, "error": 0}
    for result in results:
        counts[result.status] += 1
    attrs = {"name": "autodiff check", "tests": str(len(results)), "failures": str(counts["fail"]),
             "errors": str(counts["error"]), "skipped": "0", "time": f"{seconds:.3f}"}
    root = ET.Element("testsuites", attrs)
    suite = ET.SubElement(root, "testsuite", {
        **attrs, "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
        "hostname": xml_text(socket.gethostname())})
    order = {path: i for i, path in enumerate(files)}
    for result in sorted(results, key=lambda r: order.get(r.path, len(order))):
        directory, name = os.path.split(result.path)
        case = ET.SubElement(suite, "testcase", {"classname": xml_text(directory or "."), "name": xml_text(name),
                                                 "file": xml_text(result.path), "time": f"{result.seconds:.3f}"})
        if result.problem is not None:
            tag = "failure" if result.status == "fail" else "error"
            element = ET.SubElement(case, tag, {"message": xml_text(first_line(result)),
                                                "type": xml_text(result.problem.kind)})
            element.text = xml_text(details(result, color=False))
        if result.printed:
            ET.SubElement(case, "system-out").text = xml_text("\n".join(result.printed))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def first_line(result) -> str:
    problem = result.problem
    where = f"{result.path}:{problem.line}: " if problem.line else f"{result.path}: "
    if problem.kind in ("internal error", "gradcheck failed"):
        return where + problem.message
    return f"{where}{problem.kind}: {problem.message}"


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold (control characters other than tab and newline)."""
    return "".join(ch for ch in str(text)
                   if ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD
                   or 0x10000 <= ord(ch) <= 0x10FFFF)
