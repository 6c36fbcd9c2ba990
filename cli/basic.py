"""`autodiff eval` and `autodiff grad`: their options, their configs, and their bodies."""
from __future__ import annotations

import sys

import click

from .app import command
from .config import CommandConfig, LimitSettings, OutputSettings, PointsSettings, ProgramInput
from .completion import complete_names
from .inputs import load, parse_at, parse_names, parse_value, require_points
from .options import (MAX_ORDER, engine_option, limit_options, output_options, points_engine, points_options,
                      program_options)
from .render import Report, Row, dumps_single, echo, input_rows, output_label, show, terminal
from .report import finish, reported, warnings_document

COMMON_GROUPS = {"program": ProgramInput, "limits": LimitSettings, "output": OutputSettings,
                 "points": PointsSettings}


class EvalConfig(CommandConfig):
    """`autodiff eval`: the program, its limits, how to show the value, and --points."""
    GROUPS = COMMON_GROUPS
    __slots__ = ("program", "limits", "output", "points", "engine")


class GradConfig(CommandConfig):
    """`autodiff grad`: as eval, and --wrt, --vjp, --sum, --order."""
    GROUPS = COMMON_GROUPS
    __slots__ = ("program", "limits", "output", "points", "wrt", "vjp", "reduce_sum", "order", "formula", "engine")


def eval_points_job(config: EvalConfig, program):
    """eval's work at each point of --points (points.PointsJob)."""
    from autodiff.diffcore.blocks import evaluate_many
    from autodiff.diffcore.compiled.run import evaluate

    from .points.outcomes import PointsJob
    engine = config.engine
    limits = config.limits.limits()
    of, single = config.program.of, points_engine(engine)
    return PointsJob(
        program, parse_at(config.program.at, limits),
        lambda point: eval_document(evaluate(program, point, of=of, limits=limits, engine=single), program), (),
        limits, None if engine == "compiled" else
        (lambda ats, one: evaluate_many(program, ats, of, limits, one, lazy=True),
         lambda result: eval_document(result, program)))


def grad_points_job(config: GradConfig, program):
    """grad's work at each point of --points (points.PointsJob)."""
    from autodiff.diffcore.blocks import differentiate_many
    from autodiff.diffcore.compiled.run import Runner

    from .points.outcomes import PointsJob
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    cotangent = parse_value(config.vjp, "--vjp", limits) if config.vjp is not None else None
    engine = points_engine(config.engine)
    with reported(program):
        differentiator = Runner(program, wrt=parse_names(config.wrt), of=config.program.of, cotangent=cotangent,
                                reduce_sum=config.reduce_sum, limits=limits, engine=engine)
    return PointsJob(
        program, values, lambda point: grad_document(differentiator(point), program),
        ("gradient", "jacobian", "vjp"), limits, None if engine == "compiled" else
        (lambda ats, one: differentiate_many(differentiator, ats, one, lazy=True),
         lambda result: grad_document(result, program)))


def eval_document(result, program) -> dict:
    return {"output": result.output, "output_name": result.output_name, "inputs": result.inputs,
            "program": program.source.filename, "warnings": warnings_document(result.warnings)}


def grad_document(result, program) -> dict:
    return {"output": result.output, result.kind: result.derivatives, "output_name": result.output_name,
            "inputs": result.inputs, "wrt": result.wrt, "program": program.source.filename,
            "warnings": warnings_document(result.warnings)}


@command("eval", EvalConfig, program_options, limit_options, engine_option, output_options, points_options)
def eval_command(config: EvalConfig) -> int:
    """Run a program and print its output value."""
    from autodiff.diffcore.compiled.run import evaluate
    engine = config.engine
    require_points(config.points)
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    of = config.program.of
    if config.points.path is not None:
        from .points_mode import run_points_mode
        return run_points_mode(eval_points_job(config, program), config, (f"{__name__}:eval_points_job", ()))
    with reported(program):
        result = evaluate(program, values, of=of, limits=limits, engine=engine)
    if config.output.as_json:
        echo(dumps_single(eval_document(result, program)))
    else:
        rows = input_rows(result.inputs) + [Row("output", output_label(result.output_name), result.output)]
        show(Report(program.source.filename, rows), config.output, sys.stdout, terminal())
    return finish(program, result.warnings, config.output.strict)


@command("grad", GradConfig,
         program_options,
         click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                      help="Differentiate only with respect to these inputs (comma-separated); the others are "
                           "constants."),
         click.option("--vjp", "vjp", metavar="VALUE",
                      help="For an array output: the vector-Jacobian product with this cotangent."),
         click.option("--sum", "reduce_sum", is_flag=True, help="For an array output: differentiate its sum."),
         click.option("--order", type=click.IntRange(1, MAX_ORDER), default=1, show_default=True,
                      help="Derivatives up to this order (Taylor mode for one scalar input; Hessian blocks "
                           "for 2)."),
         click.option("--formula", is_flag=True,
                      help="Print the derivative with respect to each input as a simplified formula (programs "
                           "without loops or branches; see docs/emit.md)."),
         limit_options, engine_option, output_options, points_options)
def grad_command(config: GradConfig) -> int:
    """Run a program and print the derivatives of its output with respect to its inputs.

    A scalar output gets its gradient; an array output its full Jacobian (one
    row per output element), or with --vjp V the product V·J, or with --sum
    the gradient of its sum.
    """
    from autodiff.diffcore.compiled.run import Runner
    require_points(config.points)
    if config.vjp is not None and config.reduce_sum:
        raise click.UsageError("--vjp and --sum are alternatives: give one")
    if config.formula:
        if config.vjp is not None or config.reduce_sum or config.order > 1 or config.points.path is not None:
            raise click.UsageError("--formula gives the gradient of a scalar output: it does not combine with "
                                   "--vjp, --sum, --order or --points")
        return run_formula(config)
    if config.order > 1:
        if config.vjp is not None or config.reduce_sum:
            raise click.UsageError("--order N applies to a scalar output; it does not combine with --vjp or --sum")
        from .higher import run_orders
        return run_orders(config, config.order)
    program = load(config.program)
    if config.points.path is not None:
        from .points_mode import run_points_mode
        return run_points_mode(grad_points_job(config, program), config, (f"{__name__}:grad_points_job", ()))
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    cotangent = parse_value(config.vjp, "--vjp", limits) if config.vjp is not None else None
    with reported(program):
        differentiator = Runner(program, wrt=parse_names(config.wrt), of=config.program.of, cotangent=cotangent,
                                reduce_sum=config.reduce_sum, limits=limits, engine=config.engine)
    with reported(program):
        result = differentiator(values)
    if config.output.as_json:
        echo(dumps_single(grad_document(result, program)))
        return finish(program, result.warnings, config.output.strict)
    out = output_label(result.output_name)
    if result.summed:
        out = f"sum({out})"
    rows = input_rows(result.inputs) + [Row("output", out, result.output)]
    for name, value in result.derivatives.items():
        if result.kind == "jacobian":
            import numpy as np
            out_shape = np.shape(result.output)
            for index in np.ndindex(out_shape):
                label = ", ".join(str(i) for i in index)
                rows.append(Row("jacobian", f"d{out}[{label}]/d{name}", value[index]))
        elif result.kind == "vjp":
            rows.append(Row("vjp", f"v·d{out}/d{name}", value))
        else:
            rows.append(Row("gradient", f"d{out}/d{name}", value))
    show(Report(program.source.filename, rows), config.output, sys.stdout, terminal())
    return finish(program, result.warnings, config.output.strict)


def run_formula(config: GradConfig) -> int:
    """`grad --formula`: one simplified formula per input, its named subexpressions first."""
    from autodiff.diffcore.emit.formula import derive
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    with reported(program):
        formula = derive(program, values, wrt=parse_names(config.wrt), of=config.program.of, limits=limits)
    out = output_label(formula.output_name)
    if config.output.as_json:
        echo(dumps_single({"output_name": formula.output_name, "inputs": formula.inputs, "wrt": list(formula.gradient),
                           "formula": formula.gradient, "subexpressions": formula.subexpressions,
                           "program": program.source.filename}))
        return 0
    lines = [f"{name} = {text}" for name, text in formula.subexpressions.items()]
    lines += [f"d{out}/d{name} = {text}" for name, text in formula.gradient.items()]
    echo("\n".join(lines))
    return 0
