"""Exit codes, and how a program's error is shown to a person.

    bad.expr:3:9: syntax error: unexpected ')'
        y = x + )
                ^
    hint: expected an expression after '+'
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Callable, Optional, TextIO

from autodiff.grammar.source import ProgramError, Source

# The documented exit codes (README, "Exit codes").
OK = 0
PROGRAM_ERROR = 1       # also: a failed check
IO_ERROR = 1            # the output could not be written (a full disk)
USAGE_ERROR = 2
INTERNAL_ERROR = 3
INTERRUPTED = 130
TERMINATED = 143        # 128 + SIGTERM, as a shell reports a process that SIGTERM ended


class Terminated(BaseException):
    """SIGTERM, turned into an exception where the command has workers to stop (cli/workers.py).
    A BaseException, like KeyboardInterrupt: no `except Exception` may swallow it."""


class ProgramFailed(Exception):
    """A ProgramError together with the source it points into (for the report).

    `usage`: the error is in a command-line value (--at, --vjp, --direction), so exit code 2.
    """

    def __init__(self, error: ProgramError, source: Optional[Source], usage: bool = False):
        super().__init__(str(error))
        self.error = error
        self.source = source
        self.usage = usage or error.kind == "usage error"


def terminal_layout(stream: TextIO) -> bool:
    """Lay the output out for a person (tables, the terminal's width): the stream is a terminal
    (not TERM=dumb), or FORCE_COLOR asks for it in a pipe (`| less -R`). NO_COLOR does not change
    the layout, only the colours (use_color)."""
    if os.environ.get("FORCE_COLOR", "0") != "0":
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


def use_color(stream: TextIO) -> bool:
    return terminal_layout(stream) and not os.environ.get("NO_COLOR")


def format_error(error: ProgramError, source: Optional[Source], color: bool = False) -> str:
    """The full report: location, kind, message, the source line with a caret, and the hint
    (ProgramError.report, shared with the Python API)."""
    return error.report(source, color)


def print_error(error: ProgramError, source: Optional[Source], stream: TextIO = None) -> None:
    stream = stream or sys.stderr
    print(format_error(error, source, use_color(stream)), file=stream)


def format_warning(warning, source: Optional[Source], color: bool = False) -> str:
    """A diagnostic (diffcore.diagnostics.Diagnostic) in the same shape as an error report."""
    shown = ProgramError(warning.message, warning.span)
    shown.kind = "warning"
    return format_error(shown, source, color).replace("\033[31m", "\033[33m")


def print_warnings(warnings: list, source: Optional[Source], stream: TextIO = None) -> None:
    stream = stream or sys.stderr
    for warning in warnings:
        print(format_warning(warning, source, use_color(stream)), file=stream)


def warnings_document(warnings: list) -> list:
    """The JSON form of the warnings: kind, operation, message, and line/col where known."""
    out = []
    for w in warnings:
        item = {"kind": w.kind, "operation": w.operation, "message": w.message}
        if w.span is not None:
            item.update(line=w.span.line, col=w.span.col)
        out.append(item)
    return out


# ------------------------------------------------- outcomes of a command

def run_reported(command: Callable[[], object]) -> int:
    """Run a command; its program errors are reported here and become exit codes.

    The command returns an exit code (or None for 0). Shared by click's command group
    (app.py) and the fast path (fast.py), so that both end a command alike.
    """
    try:
        result = command()
    except ProgramFailed as failure:
        print_error(failure.error, failure.source)
        return USAGE_ERROR if failure.usage else PROGRAM_ERROR
    except ProgramError as error:
        print_error(error, None)
        return USAGE_ERROR if error.kind == "usage error" else PROGRAM_ERROR
    except BrokenPipeError:
        # The reader went away (`autodiff ... | head -1`): a normal end for a pipeline.
        silence_stdout()
        return OK
    return result if isinstance(result, int) else OK


@contextmanager
def reported(program):
    """Attach the program's source to any error diffcore reports, for the caret display."""
    try:
        yield
    except ProgramError as error:
        raise ProgramFailed(error, program.source) from None


def finish(program, warnings: list, strict: bool) -> int:
    """Print the result's warnings on stderr; with --strict a non-finite result is an error (exit 1)."""
    print_warnings(warnings, program.source)
    if strict and any(w.kind == "non-finite" for w in warnings):
        print("autodiff: error: the result is not finite (--strict)", file=sys.stderr)
        return PROGRAM_ERROR
    return 0


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush does not complain of the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
