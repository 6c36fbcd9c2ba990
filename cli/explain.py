"""`autodiff explain FILE -o page.html`: one run of a program as a page that teaches.

    autodiff explain samples/seed_graph.expr -o graph.html
    autodiff explain samples/seed_control_flow.expr --at a=-0.3 -o cf.html

The lesson (the steps, the graph, the branches taken, the plot samples) is gathered by
`autodiff.diffcore.views.lesson`; explain_page.py renders it as one self-contained HTML
file (explain_template.py holds its fixed parts, graph_layout.py places the graph).
"""
from __future__ import annotations

import click

from .app import command
from .completion import complete_names
from .files import probe, write_atomically
from .inputs import load, parse_at, parse_names, parse_value
from .options import limit_options, output_options, program_options
from .report import reported
from .trace import ViewConfig, strict_status


class ExplainConfig(ViewConfig):
    """`autodiff explain`: the program, the page to write (-o), --wrt, --vjp, --no-plot, limits
    and output."""
    __slots__ = ("program", "limits", "output", "page", "wrt", "vjp", "no_plot")


@command("explain", ExplainConfig,
         program_options,
         click.option("-o", "--output", "page", metavar="FILE", required=True,
                      help="The HTML file to write (one self-contained page: it opens offline in any browser)."),
         click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                      help="Differentiate only these inputs (comma-separated); the others are constants."),
         click.option("--vjp", "vjp", metavar="VALUE", help="For an array output: seed the sweep with this "
                      "cotangent (default: ones, the gradient of the sum)."),
         click.option("--no-plot", is_flag=True,
                      help="Leave out the plot of f, f', f'' (drawn for one scalar input)."),
         limit_options, output_options)
def explain_command(config: ExplainConfig) -> int:
    """Write a page that walks through one run: forward pass, then backward sweep.

    The page shows the source (the lines that ran, the branch each if/while
    took), the computational graph with forward values and the adjoint sent
    along each edge, the Wengert list with values and adjoints side by side,
    the gradients, and for one scalar input the plot of f, f', f''. Buttons
    and the arrow keys step through the tape one entry at a time. A page walks
    through at most 2,000 tape entries; past 120 graph nodes, each source
    operation (a loop body, a function) is drawn once, as a group.
    """
    from autodiff.diffcore.views.lesson import explain
    from .explain_page import render
    output = config.page
    probe(output, "-o")
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    cotangent = parse_value(config.vjp, "--vjp", limits) if config.vjp is not None else None
    with reported(program):
        lesson = explain(program, values, wrt=parse_names(config.wrt), of=config.program.of, limits=limits,
                         cotangent=cotangent, plot=not config.no_plot)
    page = render(lesson, program.source.filename)

    def write(path: str) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(page)

    write_atomically(output, write, "-o")
    rec = lesson.recording
    click.echo(f"wrote {output}: {rec.length} tape entries, {len(lesson.steps)} steps, "
               f"{len(lesson.graph.nodes)} graph nodes" + (" (grouped)" if lesson.graph.collapsed else ""), err=True)
    return strict_status(config.output, rec.output_value, *rec.gradient.values())
