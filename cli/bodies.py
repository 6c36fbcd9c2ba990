"""The bodies of `autodiff eval` and `autodiff grad`: plain functions, free of click.

basic.py declares their options for click, with these functions as the commands'
callbacks; fast.py calls them directly for the common command lines, without
importing click (see docs/performance.md, case 1).
"""
from __future__ import annotations

import sys

from .inputs import UsageError, load, make_limits, parse_at, parse_names, parse_value, require_points
from .render import Report, Row, dumps_single, echo, input_rows, output_label, show, terminal
from .report import finish, reported, warnings_document


def eval_document(result, program) -> dict:
    return {"output": result.output, "output_name": result.output_name, "inputs": result.inputs,
            "program": program.source.filename, "warnings": warnings_document(result.warnings)}


def grad_document(result, program) -> dict:
    return {"output": result.output, result.kind: result.derivatives, "output_name": result.output_name,
            "inputs": result.inputs, "wrt": result.wrt, "program": program.source.filename,
            "warnings": warnings_document(result.warnings)}


def eval_command(file, expr, at, of, max_steps, max_depth, max_elements, timeout, as_json, strict, precision,
                 points, points_format, json_lines, as_csv, on_error, jobs=1):
    """Run a program and print its output value."""
    from autodiff.diffcore.derivatives import evaluate
    require_points(points, as_csv, json_lines)
    program = load(file, expr)
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    values = parse_at(at, limits)
    if points is not None:
        from .points import run_program_points
        return run_program_points(
            program, file, points, points_format, values,
            lambda point: eval_document(evaluate(program, point, of=of, limits=limits), program),
            (), as_csv, json_lines, on_error, strict, limits=limits, jobs=jobs)
    with reported(program):
        result = evaluate(program, values, of=of, limits=limits)
    if as_json:
        echo(dumps_single(eval_document(result, program)))
    else:
        rows = input_rows(result.inputs) + [Row("output", output_label(result.output_name), result.output)]
        show(Report(program.source.filename, rows), precision, sys.stdout, terminal())
    return finish(program, result.warnings, strict)


def grad_command(file, expr, at, of, wrt, vjp, reduce_sum, order, max_steps, max_depth, max_elements, timeout,
                 as_json, strict, precision, points, points_format, json_lines, as_csv, on_error, jobs=1):
    """Run a program and print the derivatives of its output with respect to its inputs.

    A scalar output gets its gradient; an array output its full Jacobian (one
    row per output element), or with --vjp V the product V·J, or with --sum
    the gradient of its sum.
    """
    from autodiff.diffcore.derivatives import Differentiator
    require_points(points, as_csv, json_lines)
    if vjp is not None and reduce_sum:
        raise UsageError("--vjp and --sum are alternatives: give one")
    if order > 1:
        if vjp is not None or reduce_sum:
            raise UsageError("--order N applies to a scalar output; it does not combine with --vjp or --sum")
        from .higher import run_orders
        return run_orders(file, expr, at, of, wrt, order,
                          make_limits(max_steps, max_depth, max_elements, timeout), as_json, strict, precision,
                          points=(points, points_format, json_lines, as_csv, on_error, jobs))
    program = load(file, expr)
    limits = make_limits(max_steps, max_depth, max_elements, timeout)
    values = parse_at(at, limits)
    cotangent = parse_value(vjp, "--vjp", limits) if vjp is not None else None
    with reported(program):
        differentiator = Differentiator(program, wrt=parse_names(wrt), of=of, cotangent=cotangent,
                                        reduce_sum=reduce_sum, limits=limits)
    if points is not None:
        from .points import run_program_points
        return run_program_points(
            program, file, points, points_format, values,
            lambda point: grad_document(differentiator(point), program),
            ("gradient", "jacobian", "vjp"), as_csv, json_lines, on_error, strict, limits=limits, jobs=jobs)
    with reported(program):
        result = differentiator(values)
    if as_json:
        echo(dumps_single(grad_document(result, program)))
        return finish(program, result.warnings, strict)
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
    show(Report(program.source.filename, rows), precision, sys.stdout, terminal())
    return finish(program, result.warnings, strict)
