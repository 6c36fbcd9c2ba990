"""The `autodiff` command: parse arguments, call diffcore, render. Nothing else lives here."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Optional

import numpy as np

import click

from . import report as exit_codes
from .options import (ProgramFailed, limit_options, load, make_limits, output_options, parse_at,
                      parse_names, parse_value, program_options)
from .render import Report, Row, dumps, show

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


def _terminal() -> bool:
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"


def _output_label(name: Optional[str]) -> str:
    return name or "f"


def _input_rows(inputs: dict) -> list[Row]:
    return [Row("input", name, value) for name, value in inputs.items()]


@contextmanager
def reported(program):
    """Attach the program's source to any error diffcore reports, for the caret display."""
    from autodiff.grammar.source import ProgramError
    try:
        yield
    except ProgramError as error:
        raise ProgramFailed(error, program.source) from None


@cli.command("eval", context_settings=CONTEXT)
@program_options
@limit_options
@output_options
def eval_command(file, expr, at, of, max_steps, max_depth, max_elements, timeout, as_json, precision):
    """Run a program and print its output value."""
    from autodiff.diffcore.derivatives import evaluate
    program = load(file, expr)
    values = parse_at(at)
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    with reported(program):
        result = evaluate(program, values, of=of, limits=limits)
    if as_json:
        click.echo(dumps({"output": result.output, "output_name": result.output_name,
                          "inputs": result.inputs, "program": program.source.filename}))
        return 0
    rows = _input_rows(result.inputs) + [Row("output", _output_label(result.output_name), result.output)]
    show(Report(program.source.filename, rows), precision, sys.stdout, _terminal())
    return 0


@cli.command("grad", context_settings=CONTEXT)
@program_options
@click.option("--wrt", "wrt", multiple=True, metavar="NAMES",
              help="Differentiate only with respect to these inputs (comma-separated); the others are constants.")
@click.option("--vjp", "vjp", metavar="VALUE",
              help="For an array output: the vector-Jacobian product with this cotangent.")
@click.option("--sum", "reduce_sum", is_flag=True, help="For an array output: differentiate its sum.")
@limit_options
@output_options
def grad_command(file, expr, at, of, wrt, vjp, reduce_sum, max_steps, max_depth, max_elements, timeout,
                 as_json, precision):
    """Run a program and print the derivatives of its output with respect to its inputs.

    A scalar output gets its gradient; an array output its full Jacobian (one
    row per output element), or with --vjp V the product V·J, or with --sum
    the gradient of its sum.
    """
    from autodiff.diffcore.derivatives import differentiate
    if vjp is not None and reduce_sum:
        raise click.UsageError("--vjp and --sum are alternatives: give one")
    program = load(file, expr)
    values = parse_at(at)
    cotangent = parse_value(vjp, "--vjp") if vjp is not None else None
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    with reported(program):
        result = differentiate(program, values, wrt=parse_names(wrt), of=of, cotangent=cotangent,
                               reduce_sum=reduce_sum, limits=limits)
    if as_json:
        click.echo(dumps({"output": result.output, result.kind: result.derivatives,
                          "output_name": result.output_name, "inputs": result.inputs, "wrt": result.wrt,
                          "program": program.source.filename}))
        return 0
    out = _output_label(result.output_name)
    if reduce_sum and result.kind == "gradient" and getattr(result.output, "ndim", 0) == 0 and of is None:
        out = f"sum({out})"
    rows = _input_rows(result.inputs) + [Row("output", out, result.output)]
    for name, value in result.derivatives.items():
        if result.kind == "jacobian":
            out_shape = np.shape(result.output)
            for index in np.ndindex(out_shape):
                label = ", ".join(str(i) for i in index)
                rows.append(Row("jacobian", f"d{out}[{label}]/d{name}", value[index]))
        elif result.kind == "vjp":
            rows.append(Row("vjp", f"v·d{out}/d{name}", value))
        else:
            rows.append(Row("gradient", f"d{out}/d{name}", value))
    show(Report(program.source.filename, rows), precision, sys.stdout, _terminal())
    return 0


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
