"""`autodiff eval` and `autodiff grad`: their options, declared for click.

The bodies are plain functions in bodies.py and are the commands' callbacks
here; fast.py calls them without click for the common command lines.
"""
from __future__ import annotations

import click

from .app import CONTEXT, cli
from .bodies import eval_command, grad_command
from .options import MAX_ORDER, complete_names, compose, limit_options, output_options, program_options
from .points import points_options

eval_options = compose(program_options, limit_options, output_options, points_options)

grad_options = compose(
    program_options,
    click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                 help="Differentiate only with respect to these inputs (comma-separated); the others are constants."),
    click.option("--vjp", "vjp", metavar="VALUE",
                 help="For an array output: the vector-Jacobian product with this cotangent."),
    click.option("--sum", "reduce_sum", is_flag=True, help="For an array output: differentiate its sum."),
    click.option("--order", type=click.IntRange(1, MAX_ORDER), default=1, show_default=True,
                 help="Derivatives up to this order (Taylor mode for one scalar input; Hessian blocks for 2)."),
    limit_options,
    output_options,
    points_options,
)

cli.command("eval", context_settings=CONTEXT)(eval_options(eval_command))
cli.command("grad", context_settings=CONTEXT)(grad_options(grad_command))
