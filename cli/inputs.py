"""What the command line gives a command, turned into what diffcore takes: the program's
source, --at values, names, limits. The options themselves are declared in options.py.

A mistake on the command line found here is click's UsageError (exit 2, shown with the
command's usage line); a mistake in a value that is a constant expression (--at x=[1,)
is a program error located in that value (report.ProgramFailed with usage=True, exit 2).
The library has one UsageError of its own, diffcore.program.UsageError: a request the
program cannot meet (--wrt or --at naming no input, --of no variable). It is a
ProgramError, and the CLI reports it as one, with the program's name (report.py), exit 2.
"""
from __future__ import annotations

import sys
from typing import Any, Optional

import click
from click import BadParameter, UsageError

from autodiff.grammar.source import ProgramError, Source, read_program_bytes

from .report import ProgramFailed


# ------------------------------------------------------------------ the program

def read_source(file: Optional[str], expr: Optional[str]) -> Source:
    if expr is not None and file is not None:
        raise UsageError("give either FILE or -e/--expr, not both")
    if expr is not None:
        return Source(expr, "<expr>")
    if file is None:
        raise UsageError("give a program: FILE, '-' for standard input, or -e TEXT")
    name = "<stdin>" if file == "-" else file
    try:
        if file == "-":
            data = read_program_bytes(sys.stdin.buffer)
        else:
            with open(file, "rb") as handle:
                data = read_program_bytes(handle)
    except IsADirectoryError:
        raise UsageError(f"{file} is a directory, not a program file") from None
    except FileNotFoundError:
        raise UsageError(f"{file}: no such file") from None
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    except ProgramError as error:       # too large
        raise ProgramFailed(error, Source("", name)) from None
    from autodiff.diffcore.program import decode_program
    try:
        text = decode_program(data)
    except ProgramError as error:
        raise ProgramFailed(error, Source("", name)) from None
    return Source(text, name)


def load(program) -> Any:
    """Parse and compile the program of a ProgramInput (config.py); errors carry their source
    for the report."""
    from autodiff.diffcore.program import Program
    source = read_source(program.file, program.expr)
    try:
        return Program(source)
    except ProgramError as error:
        raise ProgramFailed(error, source) from None


# ------------------------------------------------------------ values and names

def parse_at(items: tuple, limits=None) -> dict:
    """--at NAME=VALUE options as {name: value}; each VALUE is a constant expression, run under `limits`
    (the command's: LimitSettings.limits())."""
    from autodiff.diffcore.program import constant_value
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"--at {item!r}: expected NAME=VALUE, e.g. --at x=2 or --at 'x=[1, 2]'")
        try:
            values[name] = constant_value(text, f"--at {name}", limits)
        except ProgramError as error:
            raise ProgramFailed(error, Source(text, f"--at {name}"), usage=True) from None
    return values


def parse_value(text: str, label: str, limits=None) -> Any:
    from autodiff.diffcore.program import constant_value
    try:
        return constant_value(text, label, limits)
    except ProgramError as error:
        raise ProgramFailed(error, Source(text, label), usage=True) from None


def require_points(points) -> None:
    """--csv and --json-lines format the results of --points (a PointsSettings); alone they
    would be ignored."""
    if points.path is None and (points.as_csv or points.json_lines):
        flag = "--csv" if points.as_csv else "--json-lines"
        raise UsageError(f"{flag} needs --points: it formats the results of --points FILE (or --points - for "
                         f"standard input); for one result as JSON use --json")
    if points.scheduler is None:
        for given, flag in ((points.output_dir, "-o/--output-dir"), (points.partition_size, "--partition-size")):
            if given is not None:
                raise UsageError(f"{flag} needs --scheduler: on one machine the results go to standard output "
                                 "(docs/scale.md)")
        return
    if points.path is None:
        raise UsageError("--scheduler needs --points: a cluster computes many points (--points FILE or a quoted "
                         "glob such as 'data/points-*.csv')")
    if points.path == "-":
        raise UsageError("--scheduler needs --points FILE, not standard input: the workers read the files "
                         "themselves")
    if option_given("jobs"):
        raise UsageError("give --jobs (processes of this machine) or --scheduler (a Dask cluster), not both")


def option_given(name: str) -> bool:
    """Whether the option was on the command line (not its default)."""
    context = click.get_current_context(silent=True)
    source = context.get_parameter_source(name) if context is not None else None
    return source is not None and source != click.core.ParameterSource.DEFAULT


def parse_names(items: tuple) -> Optional[list]:
    """--wrt x,y --wrt z -> ['x', 'y', 'z'] (None when not given)."""
    names = [n.strip() for item in items for n in item.split(",") if n.strip()]
    return names or None


# ---------------------------------------------------------------------- limits

_UNITS = ("K", "M", "G", "T", "k", "m", "g", "t")


# The largest --max-memory: far beyond any machine's memory, so a larger one means "no limit" anyway.
MAX_MEMORY_SIZE = 1024 ** 5        # 1024T


def memory_size(text: str) -> Optional[int]:
    """'500M', '8G', '1.5GiB' -> bytes (rounded down); None when the text is not a size."""
    text = str(text)
    number, unit = text[:-1], text[-1:]
    if number.isascii() and number.isdigit() and unit in _UNITS:
        # The default (4G) and its like, without compiling the pattern below (~0.2 ms at every start).
        return _scaled(number, "", unit)
    import re
    # ASCII: with Unicode case folding, the Kelvin sign would match K and then not be found.
    match = re.fullmatch(r"\s*(\d+)(?:\.(\d+))?\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE | re.ASCII)
    if not match:
        return None
    return _scaled(match.group(1), match.group(2) or "", match.group(3))


def _scaled(whole: str, fraction: str, unit: str) -> int:
    """whole.fraction times the unit, in bytes, in exact integers (a 400-digit size must not
    overflow a float); digits past any sensible size are dropped to keep int() cheap."""
    whole = whole.lstrip("0") or "0"
    if len(whole) > 30:
        return 10 ** 30                     # out of range whatever the unit
    fraction = fraction[:30]
    scale = 1024 ** " KMGT".index(unit.upper() or " ")
    return int(whole + fraction) * scale // 10 ** len(fraction)


# The callbacks of options, run by click while it parses.

def max_memory_option(ctx, param, value: str) -> int:
    """--max-memory SIZE: the size in bytes."""
    size = memory_size(value)
    if size is None or not 0 < size <= MAX_MEMORY_SIZE:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise BadParameter(f"{shown!r}: expected a size like 500M or 8G, more than 0 and at most 1024T")
    return size


def size_option(ctx, param, value: Optional[str]) -> Optional[int]:
    """A SIZE option without a default (--partition-size): bytes, or None when not given."""
    return None if value is None else max_memory_option(ctx, param, value)


def name_value_option(ctx, param, items: tuple) -> tuple:
    """--at and --direction: each item must be NAME=VALUE, checked while the command line is
    parsed, so that `--at x 3` (a forgotten '=') is reported as that, and not as the stray
    3 taken for FILE. The values themselves are read later (parse_at)."""
    for item in items:
        name, sep, _ = item.partition("=")
        if not sep or not name.strip().isidentifier():
            option = param.opts[0] if param is not None else "--at"
            raise BadParameter(f"{item!r}: {option} takes NAME=VALUE, e.g. {option} x=2 or "
                               f"{option} 'x=[1, 2]' (is the '=' missing?)")
    return items
