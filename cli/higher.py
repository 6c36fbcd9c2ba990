"""`autodiff hessian`, `jacobian`, `jvp`, `hvp`, and `grad --order N`: beyond the first derivative."""
from __future__ import annotations

import sys
from collections import Counter

import click
import numpy as np

from .app import CONTEXT, cli, finish, input_rows, output_label, reported, terminal
from .options import (complete_name_value, complete_names, compose, limit_options, load, make_limits,
                      name_value_option, output_options, parse_at, parse_names, program_options, require_points)
from .points import points_options, run_program_points
from .render import Report, Row, dumps, show
from .report import warnings_document

wrt_option = click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                          help="Differentiate only with respect to these inputs (comma-separated).")
direction_option = click.option(
    "--direction", "direction", multiple=True, required=True, metavar="NAME=VALUE", callback=name_value_option,
    shell_complete=complete_name_value,
    help="The direction v, one input at a time (inputs not named move by zero). Repeatable.")

common = compose(program_options, wrt_option, limit_options, output_options)


def derivative_label(out: str, names: tuple) -> str:
    """'df/dx', 'd2f/dx2', 'd2f/dx dy', 'd3f/dx2 dy'."""
    order = len(names)
    if order == 1:
        return f"d{out}/d{names[0]}"
    counts = Counter(names)
    parts = [f"d{n}{counts[n] if counts[n] > 1 else ''}" for n in dict.fromkeys(names)]
    return f"d{order}{out}/" + " ".join(parts)


def orders_document(result, program, order: int) -> dict:
    return {"output": result.output, "order": order,
            "derivatives": {str(k): {",".join(names): block for names, block in blocks.items()}
                            for k, blocks in result.orders.items()},
            "method": result.mode or "nested", "output_name": result.output_name,
            "inputs": result.inputs, "wrt": result.wrt, "program": program.source.filename,
            "warnings": warnings_document(result.warnings)}


def jvp_document(result, program, direction: dict) -> dict:
    return {"output": result.output, "jvp": result.value, "direction": direction,
            "output_name": result.output_name, "inputs": result.inputs, "wrt": result.wrt,
            "program": program.source.filename, "warnings": warnings_document(result.warnings)}


def show_orders(program, result, precision: int, as_json: bool, order: int) -> None:
    out = output_label(result.output_name)
    if as_json:
        click.echo(dumps(orders_document(result, program, order)))
        return
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    for k, blocks in result.orders.items():
        section = {1: "gradient", 2: "hessian"}.get(k, f"order {k}")
        rows += [Row(section, derivative_label(out, names), block) for names, block in blocks.items()]
    show(Report(program.source.filename, rows), precision, sys.stdout, terminal())


def run_orders(file, expr, at, of, wrt, order, limits, as_json, strict, precision, points=(None,)) -> int:
    from autodiff.diffcore.higher import derivative_tensors
    program = load(file, expr)
    values = parse_at(at, limits)
    if points[0] is not None:
        path, points_format, json_lines, as_csv, on_error, jobs = points
        return run_program_points(
            program, file, path, points_format, values,
            lambda point: orders_document(
                derivative_tensors(program, point, order, wrt=parse_names(wrt), of=of, limits=limits),
                program, order),
            (), as_csv, json_lines, on_error, strict, limits=limits, jobs=jobs)
    with reported(program):
        result = derivative_tensors(program, values, order, wrt=parse_names(wrt), of=of, limits=limits)
    show_orders(program, result, precision, as_json, order)
    return finish(program, result.warnings, strict)


@cli.command("hessian", context_settings=CONTEXT)
@common
@points_options
def hessian_command(file, expr, at, of, wrt, max_steps, max_depth, max_elements, timeout, as_json, strict,
                    precision,
                    points, points_format, json_lines, as_csv, on_error, jobs):
    """The gradient and the Hessian of a scalar output (the same as grad --order 2).

    The Hessian is printed as blocks per pair of inputs, d2f/dx dy shaped
    x.shape + y.shape, computed by forward-over-reverse differentiation.
    """
    require_points(points, as_csv, json_lines)
    return run_orders(file, expr, at, of, wrt, 2, make_limits(max_steps, max_depth, max_elements, timeout),
                      as_json, strict, precision, points=(points, points_format, json_lines, as_csv, on_error, jobs))


@cli.command("jacobian", context_settings=CONTEXT)
@common
@click.option("--mode", type=click.Choice(["auto", "forward", "reverse"]), default="auto", show_default=True,
              help="forward: one pass per input element; reverse: one sweep per output element; "
                   "auto: whichever needs fewer.")
def jacobian_command(file, expr, at, of, wrt, max_steps, max_depth, max_elements, timeout, as_json, strict,
                     precision,
                     mode):
    """The Jacobian of the output, by forward or reverse mode."""
    from autodiff.diffcore.higher import jacobian
    program = load(file, expr)
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    values = parse_at(at, limits)
    with reported(program):
        result = jacobian(program, values, mode=mode, wrt=parse_names(wrt), of=of, limits=limits)
    blocks = {names[0]: block for names, block in result.orders[1].items()}
    if as_json:
        click.echo(dumps({"output": result.output, "jacobian": blocks, "mode": result.mode,
                          "output_name": result.output_name, "inputs": result.inputs, "wrt": result.wrt,
                          "program": program.source.filename, "warnings": warnings_document(result.warnings)}))
        return finish(program, result.warnings, strict)
    out = output_label(result.output_name)
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    rows += [Row("jacobian", f"d{out}/d{name}", block) for name, block in blocks.items()]
    chosen = f"mode: {result.mode}"
    if mode == "auto":
        from autodiff.diffcore.engine.transforms import jacobian_mode_reason
        n_inputs = sum(int(np.size(result.inputs[name])) for name in result.wrt)
        chosen += f" (chosen by --mode auto: {jacobian_mode_reason(n_inputs, int(np.size(result.output)))})"
    show(Report(program.source.filename, rows, notes=[chosen]), precision, sys.stdout, terminal())
    return finish(program, result.warnings, strict)


def _directions(items: tuple, limits) -> dict:
    from .options import parse_value
    directions = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise click.UsageError(f"--direction {item!r}: expected NAME=VALUE, e.g. --direction 'x=[1, 0]'")
        directions[name.strip()] = parse_value(text, f"--direction {name.strip()}", limits)
    return directions


@cli.command("jvp", context_settings=CONTEXT)
@common
@direction_option
@points_options
def jvp_command(file, expr, at, of, wrt, max_steps, max_depth, max_elements, timeout, as_json, strict,
                precision,
                direction, points, points_format, json_lines, as_csv, on_error, jobs):
    """The directional derivative J·v of the output, by one forward-mode pass."""
    from autodiff.diffcore.higher import directional
    require_points(points, as_csv, json_lines)
    program = load(file, expr)
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    values = parse_at(at, limits)
    v = _directions(direction, limits)
    if points is not None:
        return run_program_points(
            program, file, points, points_format, values,
            lambda point: jvp_document(directional(program, point, v, wrt=parse_names(wrt), of=of,
                                                   limits=limits), program, v),
            ("jvp",), as_csv, json_lines, on_error, strict, limits=limits, jobs=jobs)
    with reported(program):
        result = directional(program, values, v, wrt=parse_names(wrt), of=of, limits=limits)
    if as_json:
        click.echo(dumps(jvp_document(result, program, v)))
        return finish(program, result.warnings, strict)
    out = output_label(result.output_name)
    rows = input_rows(result.inputs) + [Row("output", out, result.output),
                                        Row("jvp", f"J·v of {out}", result.value)]
    show(Report(program.source.filename, rows), precision, sys.stdout, terminal())
    return finish(program, result.warnings, strict)


@cli.command("hvp", context_settings=CONTEXT)
@common
@direction_option
def hvp_command(file, expr, at, of, wrt, max_steps, max_depth, max_elements, timeout, as_json, strict,
                precision,
                direction):
    """The Hessian-vector product H·v of a scalar output, without forming H (forward-over-reverse)."""
    from autodiff.diffcore.higher import hessian_vector
    program = load(file, expr)
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    values = parse_at(at, limits)
    v = _directions(direction, limits)
    with reported(program):
        result = hessian_vector(program, values, v, wrt=parse_names(wrt), of=of, limits=limits)
    gradient = {names[0]: block for names, block in result.orders[1].items()}
    products = {names[0]: block for names, block in result.value.items()}
    if as_json:
        click.echo(dumps({"output": result.output, "gradient": gradient, "hvp": products, "direction": v,
                          "output_name": result.output_name, "inputs": result.inputs, "wrt": result.wrt,
                          "program": program.source.filename, "warnings": warnings_document(result.warnings)}))
        return finish(program, result.warnings, strict)
    out = output_label(result.output_name)
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    rows += [Row("gradient", f"d{out}/d{n}", g) for n, g in gradient.items()]
    rows += [Row("hvp", f"(H·v)[{n}]", p) for n, p in products.items()]
    show(Report(program.source.filename, rows), precision, sys.stdout, terminal())
    return finish(program, result.warnings, strict)
