"""Options shared by several commands, and turning them into what diffcore takes.

Each group of options is a decorator, so that a flag means the same thing and
is spelled the same way on every command.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

import click

from autodiff.grammar.source import ProgramError, Source


class ProgramFailed(Exception):
    """A ProgramError together with the source it points into (for the report).

    `usage`: the error is in a command-line value (--at, --vjp, --direction), so exit code 2.
    """

    def __init__(self, error: ProgramError, source: Optional[Source], usage: bool = False):
        super().__init__(str(error))
        self.error = error
        self.source = source
        self.usage = usage or error.kind == "usage error"


def compose(*decorators: Callable) -> Callable:
    def apply(fn):
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn
    return apply


program_options = compose(
    click.argument("file", required=False, metavar="FILE"),
    click.option("-e", "--expr", "expr", metavar="TEXT",
                 help="The program text itself, instead of FILE."),
    click.option("--at", "at", multiple=True, metavar="NAME=VALUE",
                 help="Set an input: a number, a list like [1, 2], or any constant expression "
                      "(pi/4, linspace(0, 1, 5)). Repeatable."),
    click.option("--of", "of", metavar="NAME", help="Use this top-level variable as the output."),
)

limit_options = compose(
    click.option("--max-steps", type=click.IntRange(1), default=10_000_000, show_default=True,
                 help="Most loop iterations plus function calls a run may execute."),
    click.option("--max-depth", type=click.IntRange(1, 5000), default=200, show_default=True,
                 help="Deepest nesting of user-function calls."),
    click.option("--max-elements", type=click.IntRange(1), default=10_000_000, show_default=True,
                 help="Most elements in any one array."),
    click.option("--timeout", type=click.FloatRange(0, min_open=True), default=None,
                 metavar="SECONDS", help="Wall-time limit of a run."),
    click.option("--max-memory", default="4G", show_default=True, metavar="SIZE", expose_value=False,
                 callback=lambda ctx, param, value: ctx.meta.__setitem__(MAX_MEMORY, _memory_size(value)),
                 help="Most memory the recording of a run may hold (e.g. 500M, 8G)."),
)

# Settings that options record in the click context rather than pass as parameters.
MAX_MEMORY = "autodiff.max_memory"


def _memory_size(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not match:
        raise click.BadParameter(f"{text!r}: expected a size like 500M or 8G")
    number, unit = float(match.group(1)), match.group(2).upper()
    return int(number * 1024 ** " KMGT".index(unit or " "))

output_options = compose(
    click.option("--json", "as_json", is_flag=True, help="Print one JSON object (see README: JSON output)."),
    click.option("--strict", is_flag=True,
                 help="Treat a non-finite result (nan, inf) as an error (exit 1) instead of a warning."),
    click.option("--precision", type=click.IntRange(1, 17), default=6, show_default=True,
                 help="Significant digits in text and tables (JSON always has full precision)."),
    click.option("--full", is_flag=True, expose_value=False,
                 callback=lambda ctx, param, value: _show_in_full(value),
                 help="Print every element of large arrays (text and tables summarise arrays over 1000 elements)."),
)


def _show_in_full(value: bool) -> None:
    from . import render
    render.SHOW_IN_FULL[0] = bool(value)


@dataclass
class LoadedProgram:
    program: Any                # diffcore Program
    at: dict


def read_source(file: Optional[str], expr: Optional[str]) -> Source:
    if expr is not None and file is not None:
        raise click.UsageError("give either FILE or -e/--expr, not both")
    if expr is not None:
        return Source(expr, "<expr>")
    if file is None:
        raise click.UsageError("give a program: FILE, '-' for standard input, or -e TEXT")
    if file == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except IsADirectoryError:
            raise click.UsageError(f"{file} is a directory, not a program file") from None
        except FileNotFoundError:
            raise click.UsageError(f"{file}: no such file") from None
        except OSError as exc:
            raise click.UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
        name = file
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from autodiff.diffcore.errors import InputError
        raise ProgramFailed(InputError(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                                       f"{exc.start})", hint="save the program as UTF-8"), Source("", name))
    return Source(text, name)


def parse_at(items: tuple) -> dict:
    """--at NAME=VALUE options as {name: value}; each VALUE is a constant expression."""
    from autodiff.diffcore.program import constant_value
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise click.UsageError(f"--at {item!r}: expected NAME=VALUE, e.g. --at x=2 or --at 'x=[1, 2]'")
        try:
            values[name] = constant_value(text, f"--at {name}")
        except ProgramError as error:
            raise ProgramFailed(error, Source(text, f"--at {name}"), usage=True) from None
    return values


def parse_value(text: str, label: str) -> Any:
    from autodiff.diffcore.program import constant_value
    try:
        return constant_value(text, label)
    except ProgramError as error:
        raise ProgramFailed(error, Source(text, label), usage=True) from None


def parse_names(items: tuple) -> Optional[list]:
    """--wrt x,y --wrt z -> ['x', 'y', 'z'] (None when not given)."""
    names = [n.strip() for item in items for n in item.split(",") if n.strip()]
    return names or None


def make_limits(max_steps: int, max_depth: int, max_elements: int, timeout: Optional[float]):
    from autodiff.diffcore.runtime import Limits
    limits = Limits(max_steps=max_steps, max_depth=max_depth, max_elements=max_elements, timeout=timeout)
    context = click.get_current_context(silent=True)
    if context is not None and MAX_MEMORY in context.meta:
        limits.max_memory = context.meta[MAX_MEMORY]
    return limits


def load(file: Optional[str], expr: Optional[str]):
    """Parse and compile the program; errors carry their source for the report."""
    from autodiff.diffcore.program import Program
    source = read_source(file, expr)
    try:
        return Program(source)
    except ProgramError as error:
        raise ProgramFailed(error, source) from None
