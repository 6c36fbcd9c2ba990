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


@click.group(context_settings=CONTEXT)
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
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


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
