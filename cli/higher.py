"""`autodiff hessian`, `jacobian`, `jvp`, `hvp`, and `grad --order N`: beyond the first derivative."""
from __future__ import annotations

import sys

import click

from autodiff.results import derivative_label

from .app import command
from .completion import complete_name_value, complete_names
from .config import CommandConfig, LimitSettings, OutputSettings, PointsSettings, ProgramInput
from .inputs import load, name_value_option, parse_at, parse_names, parse_value, require_points
from .options import engine_option, limit_options, output_options, points_engine, points_options, program_options
from .render import Report, Row, dumps, input_rows, output_label, show, terminal
from .report import finish, reported, warnings_document

wrt_option = click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                          help="Differentiate only with respect to these inputs (comma-separated).")
direction_option = click.option(
    "--direction", "direction", multiple=True, required=True, metavar="NAME=VALUE", callback=name_value_option,
    shell_complete=complete_name_value,
    help="The direction v, one input at a time (inputs not named move by zero). Repeatable.")

common = (program_options, wrt_option, limit_options, output_options)

ONE_POINT = {"program": ProgramInput, "limits": LimitSettings, "output": OutputSettings}
MANY_POINTS = {**ONE_POINT, "points": PointsSettings}


class HessianConfig(CommandConfig):
    """`autodiff hessian`: the program, --wrt, limits, output and --points."""
    GROUPS = MANY_POINTS
    __slots__ = ("program", "limits", "output", "points", "wrt")


class JacobianConfig(CommandConfig):
    """`autodiff jacobian`: the program, --wrt, limits, output and --mode."""
    GROUPS = ONE_POINT
    __slots__ = ("program", "limits", "output", "wrt", "mode")


class JvpConfig(CommandConfig):
    """`autodiff jvp`: the program, --wrt, limits, output, --direction, --points and --engine."""
    GROUPS = MANY_POINTS
    __slots__ = ("program", "limits", "output", "points", "wrt", "direction", "engine")


class HvpConfig(CommandConfig):
    """`autodiff hvp`: the program, --wrt, limits, output and --direction."""
    GROUPS = ONE_POINT
    __slots__ = ("program", "limits", "output", "wrt", "direction")


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


def show_orders(program, result, output: OutputSettings, order: int) -> None:
    out = output_label(result.output_name)
    if output.as_json:
        click.echo(dumps(orders_document(result, program, order)))
        return
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    for k, blocks in result.orders.items():
        section = {1: "gradient", 2: "hessian"}.get(k, f"order {k}")
        rows += [Row(section, derivative_label(out, names), block) for names, block in blocks.items()]
    show(Report(program.source.filename, rows), output, sys.stdout, terminal())


def orders_points_job(config, program, order: int):
    """The work of grad --order N and hessian at each point of --points (points.PointsJob)."""
    from autodiff.diffcore.blocks_higher import hessian_many
    from autodiff.diffcore.higher import derivative_tensors

    from .points.outcomes import PointsJob
    limits = config.limits.limits()
    wrt, of = parse_names(config.wrt), config.program.of
    return PointsJob(
        program, parse_at(config.program.at, limits),
        lambda point: orders_document(derivative_tensors(program, point, order, wrt=wrt, of=of, limits=limits),
                                      program, order),
        ("derivatives",), limits,
        None if order != 2 else         # blocks of points compute Hessians, not higher orders
        (lambda ats, one: hessian_many(program, ats, wrt, of, limits, one, lazy=True),
         lambda result: orders_document(result, program, order)))


def jvp_points_job(config, program):
    """jvp's work at each point of --points (points.PointsJob)."""
    from autodiff.diffcore.blocks_higher import jvp_many
    from autodiff.diffcore.compiled.run import directional

    from .points.outcomes import PointsJob
    limits = config.limits.limits()
    v = _directions(config.direction, limits)
    wrt, of = parse_names(config.wrt), config.program.of
    single = points_engine(config.engine)       # grad's rule for single points under --points
    return PointsJob(
        program, parse_at(config.program.at, limits),
        lambda point: jvp_document(directional(program, point, v, wrt=wrt, of=of, limits=limits, engine=single),
                                   program, v),
        ("jvp",), limits, None if config.engine == "compiled" else
        (lambda ats, one: jvp_many(program, ats, v, wrt, of, limits, one, lazy=True),
         lambda result: jvp_document(result, program, v)))


def run_orders(config, order: int) -> int:
    """Derivatives up to `order` (grad --order N, hessian): `config` is the command's, with a
    program, --wrt, limits, output and points."""
    from autodiff.diffcore.higher import derivative_tensors
    limits = config.limits.limits()
    program = load(config.program)
    values = parse_at(config.program.at, limits)
    wrt, of = parse_names(config.wrt), config.program.of
    if config.points.path is not None:
        from .points_mode import run_points_mode
        return run_points_mode(orders_points_job(config, program, order), config,
                                  (f"{__name__}:orders_points_job", (order,)))
    with reported(program):
        result = derivative_tensors(program, values, order, wrt=wrt, of=of, limits=limits)
    show_orders(program, result, config.output, order)
    return finish(program, result.warnings, config.output.strict)


@command("hessian", HessianConfig, *common, points_options)
def hessian_command(config: HessianConfig) -> int:
    """The gradient and the Hessian of a scalar output (the same as grad --order 2).

    The Hessian is printed as blocks per pair of inputs, d2f/dx dy shaped
    x.shape + y.shape, computed by forward-over-reverse differentiation.
    """
    require_points(config.points)
    return run_orders(config, 2)


@command("jacobian", JacobianConfig, *common,
         click.option("--mode", type=click.Choice(["auto", "forward", "reverse"]), default="auto",
                      show_default=True, help="forward: one pass per input element; reverse: one sweep per output "
                                              "element; auto: whichever needs fewer."))
def jacobian_command(config: JacobianConfig) -> int:
    """The Jacobian of the output, by forward or reverse mode."""
    from autodiff.diffcore.higher import jacobian
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    with reported(program):
        result = jacobian(program, values, mode=config.mode, wrt=parse_names(config.wrt), of=config.program.of,
                          limits=limits)
    blocks = {names[0]: block for names, block in result.orders[1].items()}
    if config.output.as_json:
        click.echo(dumps({"output": result.output, "jacobian": blocks, "mode": result.mode,
                          "output_name": result.output_name, "inputs": result.inputs, "wrt": result.wrt,
                          "program": program.source.filename, "warnings": warnings_document(result.warnings)}))
        return finish(program, result.warnings, config.output.strict)
    out = output_label(result.output_name)
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    rows += [Row("jacobian", f"d{out}/d{name}", block) for name, block in blocks.items()]
    chosen = f"mode: {result.mode}"
    if result.mode_reason is not None:
        chosen += f" (chosen by --mode auto: {result.mode_reason})"
    show(Report(program.source.filename, rows, notes=[chosen]), config.output, sys.stdout, terminal())
    return finish(program, result.warnings, config.output.strict)


def _directions(items: tuple, limits) -> dict:
    directions = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise click.UsageError(f"--direction {item!r}: expected NAME=VALUE, e.g. --direction 'x=[1, 0]'")
        directions[name.strip()] = parse_value(text, f"--direction {name.strip()}", limits)
    return directions


@command("jvp", JvpConfig, program_options, wrt_option, limit_options, engine_option, output_options,
         direction_option, points_options)
def jvp_command(config: JvpConfig) -> int:
    """The directional derivative J·v of the output, by one forward-mode pass."""
    from autodiff.diffcore.compiled.run import directional
    require_points(config.points)
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    v = _directions(config.direction, limits)
    wrt, of = parse_names(config.wrt), config.program.of
    if config.points.path is not None:
        from .points_mode import run_points_mode
        return run_points_mode(jvp_points_job(config, program), config, (f"{__name__}:jvp_points_job", ()))
    with reported(program):
        result = directional(program, values, v, wrt=wrt, of=of, limits=limits, engine=config.engine)
    if config.output.as_json:
        click.echo(dumps(jvp_document(result, program, v)))
        return finish(program, result.warnings, config.output.strict)
    out = output_label(result.output_name)
    rows = input_rows(result.inputs) + [Row("output", out, result.output),
                                        Row("jvp", f"J·v of {out}", result.value)]
    show(Report(program.source.filename, rows), config.output, sys.stdout, terminal())
    return finish(program, result.warnings, config.output.strict)


@command("hvp", HvpConfig, *common, direction_option)
def hvp_command(config: HvpConfig) -> int:
    """The Hessian-vector product H·v of a scalar output, without forming H (forward-over-reverse)."""
    from autodiff.diffcore.higher import hessian_vector
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    v = _directions(config.direction, limits)
    with reported(program):
        result = hessian_vector(program, values, v, wrt=parse_names(config.wrt), of=config.program.of,
                                limits=limits)
    gradient = {names[0]: block for names, block in result.orders[1].items()}
    products = {names[0]: block for names, block in result.value.items()}
    if config.output.as_json:
        click.echo(dumps({"output": result.output, "gradient": gradient, "hvp": products, "direction": v,
                          "output_name": result.output_name, "inputs": result.inputs, "wrt": result.wrt,
                          "program": program.source.filename, "warnings": warnings_document(result.warnings)}))
        return finish(program, result.warnings, config.output.strict)
    out = output_label(result.output_name)
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    rows += [Row("gradient", f"d{out}/d{n}", g) for n, g in gradient.items()]
    rows += [Row("hvp", f"(H·v)[{n}]", p) for n, p in products.items()]
    show(Report(program.source.filename, rows), config.output, sys.stdout, terminal())
    return finish(program, result.warnings, config.output.strict)
