"""Entry point of the `autodiff` command: every outcome becomes a documented exit code."""
from __future__ import annotations

import os
import sys
from typing import Optional

from . import report as exit_codes
from .report import silence_stdout


# Environment variables that options of one invocation set for that invocation only.
_RUN_SWITCHES = ("AUTODIFF_DEBUG", "AUTODIFF_PAGER")


def main(argv: Optional[list] = None) -> None:
    """Entry point: every outcome becomes one of the documented exit codes, never a traceback.

    The common command lines of `eval` and `grad` run without click (fast.py); click runs
    the others. Program errors and broken pipes are handled where the command runs
    (report.run_reported); here remain interruptions, click's own usage errors, and bugs.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    from .streams import fit_standard_streams
    fit_standard_streams()
    # --traceback and --no-pager are read by their option callbacks, before the command runs,
    # and say so through the environment; an in-process caller (a test, a notebook) gets its
    # environment back as it was.
    switches = {name: os.environ.get(name) for name in _RUN_SWITCHES}
    try:
        from .fast import run
        code = run(args)
        if code is None:
            code = _run_click(args)
    except KeyboardInterrupt:
        print("autodiff: interrupted", file=sys.stderr)
        code = exit_codes.INTERRUPTED
    except exit_codes.Terminated:
        print("autodiff: terminated", file=sys.stderr)
        code = exit_codes.TERMINATED
    except BrokenPipeError:
        silence_stdout()
        code = exit_codes.OK
    except OSError as exc:    # the output could not be written: a full disk, a device that refuses
        code = _io_error(exc)
    except Exception as exc:  # an autodiff bug: say so briefly, with the traceback on request
        code = _internal_error(exc)
    finally:
        for name, value in switches.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    _exit(code if isinstance(code, int) else exit_codes.OK)


def _run_click(args: list):
    import click

    from .app import cli
    try:
        return cli.main(args=args, prog_name="autodiff", standalone_mode=False)
    except click.exceptions.Abort:
        print("autodiff: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code


def __getattr__(name: str):
    # `from autodiff.cli.main import cli` still works, without importing click for main().
    if name == "cli":
        from .app import cli
        return cli
    raise AttributeError(name)


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


def _io_error(exc: OSError) -> int:
    """An I/O error (exit 1), not a bug. The files autodiff reads are checked where they are
    opened, with their own messages, so what reaches here is output that could not be written."""
    try:
        sys.stdout.flush()
    except OSError:
        silence_stdout()        # or Python's own last flush would fail again, with a traceback
    where = exc.filename or "the output"
    print(f"autodiff: I/O error: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
    return exit_codes.IO_ERROR


def _exit(code: int) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        code = _io_error(exc)
    sys.exit(code)
