"""`autodiff trace`: the Wengert list of one run, forward values then adjoints in reverse.

    v0  a  input      2.0   2:1 input a = 2
    v1  b  v0 * 3     6.0   3:5 a * 3
    ...
    v0  a  12.0 (via b) + 10.0 (via c) = 22.0

The rows come from `autodiff.diffcore.views.recorder`; this module only lays them
out: a rich table on a terminal, aligned plain text in a pipe, JSON with
--json. A long tape (a loop) shows its first and last rows, the count of each
operation, and how to page through the rest with --from and --limit.
"""
from __future__ import annotations

import os
from typing import Any

import click
import numpy as np

from autodiff.diffcore.views.text import (Rows, gradient_lines, node_label, param_text, plain_trace, short_value,
                                          shown_params, summary_lines)

from .app import command
from .completion import complete_names
from .config import CommandConfig, LimitSettings, OutputSettings, ProgramInput
from .inputs import load, parse_at, parse_names, parse_value
from .options import MAX_COUNT, limit_options, output_options, program_options
from .pager import write_paged
from .render import console, dumps, terminal
from .report import reported

DEFAULT_LIMIT = 200


# ------------------------------------------------------------------ shared text helpers (graph uses them too)

def color_wanted() -> bool:
    """Colours: where the layout is a terminal's (terminal()), and never with NO_COLOR."""
    return terminal() and not os.environ.get("NO_COLOR")


class ViewConfig(CommandConfig):
    """The part of a view's config (trace, graph, plot) that every view has."""
    GROUPS = {"program": ProgramInput, "limits": LimitSettings, "output": OutputSettings}
    __slots__ = ()


def strict_status(output: OutputSettings, *values: Any) -> int:
    """With --strict, a non-finite result is an error (exit 1); otherwise 0."""
    if not output.strict:
        return 0
    for value in values:
        try:
            ok = bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
        except (TypeError, ValueError):
            ok = True
        if not ok:
            click.echo("autodiff: error: the result is not finite (--strict)", err=True)
            return 1
    return 0


# ------------------------------------------------------------------ the three outputs

def rich_trace(console, rec, rows: Rows, precision: int) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    def table(title: str, header: tuple, data: list, styles: dict) -> Table:
        # The title holds the file name: Text, so that rich does not read it as markup.
        t = Table(title=Text(title, style="table.title"), box=box.ROUNDED, header_style="bold",
                  title_justify="left")
        for name in header:
            t.add_column(name, style=styles.get(name, ""), overflow="fold")
        for row in data:
            if isinstance(row, str):
                t.add_row(*([Text(row, style="dim italic")] + [""] * (len(header) - 1)))
            else:
                style = "bold" if row[-1] == "output" and header is Rows.FORWARD else (
                    "dim" if row[-1] == "unused" and header is Rows.FORWARD else None)
                t.add_row(*[Text(c) for c in row], style=style)
        return t

    out = rec.output_name or "f"
    if rec.length:
        console.print(table(f"forward: {rec.program.source.filename}", Rows.FORWARD, rows.forward,
                            {"#": "dim", "name": "bold cyan", "iter": "magenta", "source": "dim", "note": "yellow"}))
    if rec.output_node is not None:
        console.print(table(f"backward: seed {short_value(rec.seed, precision)} on {node_label(rec, rec.output_node)}"
                            f", adjoints d{out}/dv", Rows.BACKWARD, rows.backward,
                            {"step": "dim", "#": "dim", "name": "bold cyan", "adjoint": "green"}))
    for line in gradient_lines(rec, precision):
        console.print(Text(line, style="bold green"))
    for line in summary_lines(rec, rows.ranges):
        console.print(Text(line, style="dim"))


def trace_document(rec, rows: Rows) -> dict:
    """The JSON form (see docs/views.md)."""
    def span_json(e):
        return None if e.span is None else {"line": e.span.line, "col": e.span.col,
                                            "end_line": e.span.end_line, "end_col": e.span.end_col}

    def operand_json(o):
        return {"node": o.node} if o.node is not None else {"constant": o.value}

    forward, backward = [], []
    for r in rows.ranges:
        for e in rec.entries(r):
            forward.append({"id": e.index, "result": f"v{e.index}", "name": e.name, "op": e.op,
                            "operands": [operand_json(o) for o in e.operands],
                            "params": {k: param_text(k, v) if k == "index" else v for k, v in shown_params(e.params)},
                            "value": e.value, "shape": list(np.shape(e.value)), "span": span_json(e),
                            "source": e.source, "iteration": e.iteration, "runs": e.runs, "live": e.live,
                            "output": e.is_output})
    for r in reversed(rows.ranges):
        for i in reversed(r):
            if i not in rec.adjoints:
                continue
            received = rec.received.get(i)
            item = {"id": i, "step": rec.steps.get(i), "adjoint": rec.adjoints[i],
                    "sends": [{"to": parent, "operand": k, "value": c} for k, parent, c in rec.sent_by(i)],
                    "received_count": received.count if received else (1 if i == rec.output_node else 0)}
            if received is not None:
                early, late, omitted = received.in_forward_order()
                item["received"] = [{"from": s, "value": c} for s, c in early + late]
                item["received_omitted"] = omitted
            backward.append(item)
    return {"program": rec.program.source.filename, "output": rec.output_value, "output_name": rec.output_name,
            "output_node": rec.output_node, "inputs": rec.inputs, "wrt": rec.wrt, "seed": rec.seed,
            "gradient": rec.gradient, "length": rec.length, "counts": dict(rec.counts.most_common()),
            "shown": [[r.start, r.stop] for r in rows.ranges], "forward": forward, "backward": backward}


# ------------------------------------------------------------------ the command

class TraceConfig(ViewConfig):
    """`autodiff trace`: the program, --wrt, --vjp, the page of the tape (--limit, --from),
    limits and output."""
    __slots__ = ("program", "limits", "output", "wrt", "vjp", "limit", "start")


@command("trace", TraceConfig,
         program_options,
         click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                      help="Record only these inputs (comma-separated); the others are constants."),
         click.option("--vjp", "vjp", metavar="VALUE", help="For an array output: seed the sweep with this "
                      "cotangent (default: ones, the gradient of the sum)."),
         click.option("--limit", type=click.IntRange(1, MAX_COUNT), default=DEFAULT_LIMIT, show_default=True,
                      help="Show at most N tape entries (a longer tape shows its first and last ones)."),
         click.option("--from", "start", type=click.IntRange(0, MAX_COUNT), default=None, metavar="N",
                      help="Show the entries from tape entry N on (with --limit: one page)."),
         limit_options, output_options)
def trace_command(config: TraceConfig) -> int:
    """Print the Wengert list of a run: every recorded operation with its value, then the backward sweep.

    Each tape entry v0, v1, ... shows the operation and its operands (entries or
    constants), its value, the source line:col it came from and the variable it
    was assigned to. Repeated source operations (loops, calls) carry their
    iteration k/n. The backward sweep lists each entry's adjoint and the
    contributions it sends to its operands; an adjoint summed from several
    paths is shown as that sum.
    """
    from autodiff.diffcore.views.recorder import page, record
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    cotangent = parse_value(config.vjp, "--vjp", limits) if config.vjp is not None else None
    with reported(program):
        rec = record(program, values, wrt=parse_names(config.wrt), of=config.program.of, limits=limits,
                     cotangent=cotangent, window=lambda length: page(length, config.limit, config.start))
    precision = config.output.precision
    rows = Rows(rec, rec.ranges, precision)
    if config.output.as_json:
        click.echo(dumps(trace_document(rec, rows)))
    elif terminal():                # NO_COLOR keeps the tables, without colours
        out = console()
        with out.capture() as captured:
            rich_trace(out, rec, rows, precision)
        write_paged(captured.get(), pager=config.output.pager)
    else:
        click.echo(plain_trace(rec, rows, precision))
    return strict_status(config.output, rec.output_value, *rec.gradient.values())
