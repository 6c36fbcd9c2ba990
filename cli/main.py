"""Entry point of the `autodiff` command: every outcome becomes a documented exit code."""
from __future__ import annotations

import sys
from typing import Optional

from . import report as exit_codes
from .report import silence_stdout


def main(argv: Optional[list] = None) -> None:
    """Entry point: every outcome becomes one of the documented exit codes, never a traceback.

    click parses the command line and runs the command (app.py). Program errors and broken
    pipes are handled where the command runs (report.run_reported); here remain
    interruptions, click's own usage errors, and bugs. The run's switches (--traceback,
    --no-pager) live in a RunSettings made here for this run only: a caller that hands main()
    its arguments (a test, a notebook) finds nothing left behind (no environment variable, no
    module global) when it exits. Run as the command (argv None: sys.argv), main() ends the
    process, and skips the interpreter's final collections (_exit).
    """
    args = sys.argv[1:] if argv is None else list(argv)
    from .streams import fit_standard_streams
    fit_standard_streams()
    from .config import RunSettings
    run = RunSettings()
    try:
        code = _run_click(args, run)
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
        code = _internal_error(exc, run.traceback)
    _exit(code if isinstance(code, int) else exit_codes.OK, ends_the_process=argv is None)


def _run_click(args: list, run):
    import click

    from .app import cli
    try:
        return cli.main(args=args, prog_name="autodiff", standalone_mode=False, obj=run)
    except click.exceptions.Abort:
        print("autodiff: interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code


def __getattr__(name: str):
    # `from autodiff.cli.main import cli` still works.
    if name == "cli":
        from .app import cli
        return cli
    raise AttributeError(name)


def _internal_error(exc: BaseException, traceback: bool) -> int:
    """A bug: one line saying so, or with --traceback (or AUTODIFF_DEBUG=1) the Python traceback."""
    if traceback:
        import traceback as tb
        tb.print_exception(exc)
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


def _exit(code: int, ends_the_process: bool = False) -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        code = _io_error(exc)
    if ends_the_process:
        # The command is over and the interpreter is about to end; its last work would be full
        # garbage collections over every object numpy, click and autodiff made (~5-10 ms of the
        # cold start: docs/performance.md, case 1). Frozen objects are not collected again.
        # Only when main() reads sys.argv, as the `autodiff` command does: a caller that hands
        # main() its arguments (a test, a notebook) goes on living, with its GC as it was.
        import gc
        gc.freeze()
    sys.exit(code)
