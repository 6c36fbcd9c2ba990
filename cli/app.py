"""The `autodiff` command group and what its commands share (terminal detection, error attachment)."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Optional

import click

from .options import ProgramFailed
from .render import Row

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


# Which module defines each command: a command's module is imported only when it runs (or for
# --help), so that `autodiff grad` does not pay for loading `plot` or `check`.
COMMAND_MODULES = {
    "eval": "basic", "grad": "basic",
    "hessian": "higher", "jacobian": "higher", "jvp": "higher", "hvp": "higher",
    "check": "check", "trace": "trace", "graph": "graph", "plot": "plot",
}


class AutodiffGroup(click.Group):
    """The command group: program errors become reports and exit codes here, for every caller.

    (Both `main()` and click's test runner go through this, so they behave alike.)
    """

    def list_commands(self, ctx: click.Context) -> list:
        return sorted(set(super().list_commands(ctx)) | set(COMMAND_MODULES))

    def get_command(self, ctx: click.Context, name: str):
        if name not in self.commands and name in COMMAND_MODULES:
            import importlib
            importlib.import_module(f"autodiff.cli.{COMMAND_MODULES[name]}")     # registers it
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context):
        from autodiff.grammar.source import ProgramError
        from .report import OK, PROGRAM_ERROR, USAGE_ERROR, print_error
        try:
            result = super().invoke(ctx)
        except ProgramFailed as failure:
            print_error(failure.error, failure.source)
            ctx.exit(USAGE_ERROR if failure.usage else PROGRAM_ERROR)
        except ProgramError as error:
            print_error(error, None)
            ctx.exit(USAGE_ERROR if error.kind == "usage error" else PROGRAM_ERROR)
        except BrokenPipeError:
            # The reader went away (`autodiff ... | head -1`): a normal end for a pipeline.
            silence_stdout()
            ctx.exit(OK)
        if isinstance(result, int) and result:
            ctx.exit(result)
        return result


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's final flush does not complain of the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=AutodiffGroup, context_settings=CONTEXT)
@click.version_option(package_name="autodiff", prog_name="autodiff")
@click.option("--traceback", is_flag=True, hidden=True, help="Show Python tracebacks of internal errors.")
def cli(traceback: bool) -> None:
    """Differentiate small programs: values, gradients, Jacobians.

    A program is a text file (or -e TEXT, or - for standard input) in a small
    Python-like language. See README.md for the language and the JSON shape.
    """
    if traceback:
        os.environ["AUTODIFF_DEBUG"] = "1"


def terminal() -> bool:
    """Whether to draw rich tables: stdout is a terminal, and colour and layout are wanted."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("NO_COLOR")


def output_label(name: Optional[str]) -> str:
    return name or "f"


def input_rows(inputs: dict) -> list[Row]:
    return [Row("input", name, value) for name, value in inputs.items()]


@contextmanager
def reported(program):
    """Attach the program's source to any error diffcore reports, for the caret display."""
    from autodiff.grammar.source import ProgramError
    try:
        yield
    except ProgramError as error:
        raise ProgramFailed(error, program.source) from None


def finish(program, warnings: list, strict: bool) -> int:
    """Print the result's warnings on stderr; with --strict a non-finite result is an error (exit 1)."""
    from .report import PROGRAM_ERROR, print_warnings
    print_warnings(warnings, program.source)
    if strict and any(w.kind == "non-finite" for w in warnings):
        print("autodiff: error: the result is not finite (--strict)", file=sys.stderr)
        return PROGRAM_ERROR
    return 0
