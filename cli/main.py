"""Entry point of the `autodiff` command: every outcome becomes a documented exit code."""
from __future__ import annotations

import os
import sys
from typing import Optional

import click

from . import basic, check, higher  # noqa: F401 - importing registers their commands
from . import report as exit_codes
from .app import cli
from .options import ProgramFailed


def main(argv: Optional[list] = None) -> None:
    """Entry point: every outcome becomes one of the documented exit codes, never a traceback."""
    from autodiff.grammar.source import ProgramError
    from .report import print_error
    try:
        code = cli.main(args=argv, prog_name="autodiff", standalone_mode=False)
    except ProgramFailed as failure:
        print_error(failure.error, failure.source)
        code = exit_codes.USAGE_ERROR if failure.error.kind == "usage error" else exit_codes.PROGRAM_ERROR
    except ProgramError as error:
        print_error(error, None)
        code = exit_codes.USAGE_ERROR if error.kind == "usage error" else exit_codes.PROGRAM_ERROR
    except click.exceptions.Abort:
        print("autodiff: interrupted", file=sys.stderr)
        code = exit_codes.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except KeyboardInterrupt:
        print("autodiff: interrupted", file=sys.stderr)
        code = exit_codes.INTERRUPTED
    except BrokenPipeError:
        code = _quiet_broken_pipe()
    except Exception as exc:  # an autodiff bug: say so briefly, with the traceback on request
        code = _internal_error(exc)
    _exit(code if isinstance(code, int) else exit_codes.OK)


def _quiet_broken_pipe() -> int:
    # The reader went away (`autodiff ... | head -1`): stop quietly, and keep Python from
    # complaining again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    return exit_codes.OK


def _internal_error(exc: BaseException) -> int:
    if os.environ.get("AUTODIFF_DEBUG"):
        import traceback
        traceback.print_exception(exc)
    else:
        print(f"autodiff: internal error: {type(exc).__name__}: {exc}\n"
              "This is a bug in autodiff, not in your program. Please report it with the program and "
              "the command line; run again with --traceback (or AUTODIFF_DEBUG=1) for details.",
              file=sys.stderr)
    return exit_codes.INTERNAL_ERROR


def _exit(code: int) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    sys.exit(code)
