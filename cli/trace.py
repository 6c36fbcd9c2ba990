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
from typing import Any, Optional

import click
import numpy as np

from autodiff.diffcore.interpreter.display import format_number

from .app import command
from .completion import complete_names
from .config import CommandConfig, LimitSettings, OutputSettings, ProgramInput
from .inputs import load, parse_at, parse_names, parse_value
from .options import MAX_COUNT, limit_options, output_options, program_options
from .pager import write_paged
from .render import console, dumps, terminal
from .report import reported

# cot_mul is the product a derivative rule records when grad() runs inside a program: to a reader it is *.
INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "matmul": "@", "mod": "%", "cot_mul": "*"}
DEFAULT_LIMIT = 200
WIDE_CELL = 40


# ------------------------------------------------------------------ shared text helpers (graph uses them too)

def color_wanted() -> bool:
    """Colours: where the layout is a terminal's (terminal()), and never with NO_COLOR."""
    return terminal() and not os.environ.get("NO_COLOR")


def short_value(value: Any, precision: int = 6, width: int = 40, full: bool = False) -> str:
    """A number, or an array as its shape and its first elements, in at most about `width` characters
    (a vector whole with `full`, --full)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, np.ndarray):
        if isinstance(value, (int, float, bool, np.number, np.bool_)):
            return format_number(value, precision)
        return str(value)
    flat = value.reshape(-1)
    if value.ndim == 1 and (full or flat.size <= width // 2):
        # A short vector that fits is shown whole ([0.0, 1.0, 4.0] in a 28-character label),
        # and with --full any vector is.
        whole = "[" + ", ".join(format_number(v, precision) for v in flat) + "]"
        if full or len(whole) <= width:
            return whole
    items: list = []
    used = 0
    for v in flat:
        text = format_number(v, precision)
        if items and used + len(text) + 2 > width - 12:
            break
        items.append(text)
        used += len(text) + 2
    body = "[" + ", ".join(items) + (", …]" if len(items) < flat.size else "]")
    if value.ndim == 1 and len(items) == flat.size:
        return body
    from autodiff.diffcore.engine.kinds import shape_text
    return f"{shape_text(value.shape)} {body}"


def format_index(index: Any) -> str:
    """`(0, slice(1, None))` -> '[0, 1:]'."""
    parts = []
    for item in index if isinstance(index, tuple) else (index,):
        if isinstance(item, slice):
            text = ("" if item.start is None else str(item.start)) + ":" + \
                   ("" if item.stop is None else str(item.stop))
            if item.step is not None:
                text += f":{item.step}"
            parts.append(text)
        elif item is Ellipsis:
            parts.append("...")
        elif item is None:
            parts.append("None")
        elif isinstance(item, np.ndarray):
            parts.append(short_value(item, 6, 24))
        else:
            parts.append(str(item))
    return "[" + ", ".join(parts) + "]"


def param_text(key: str, value: Any) -> str:
    if key == "index":
        return format_index(value)
    if isinstance(value, np.ndarray):
        return short_value(value, 6, 24)
    return str(value)


def shown_params(params: dict) -> list:
    """Static params worth showing: not None, not False (the usual defaults)."""
    return [(k, v) for k, v in params.items() if v is not None and v is not False and k != "name"]


def operand_text(operand, precision: int) -> str:
    if operand.node is not None:
        return f"v{operand.node}"
    return short_value(operand.value, precision, 20)


def operation_text(entry, precision: int = 6) -> str:
    """'v0 * 3', '-v2', 'v0[1:]', 'sum(v3, axis=0)'."""
    if entry.op == "input":
        return "input"
    args = [operand_text(o, precision) for o in entry.operands]
    params = entry.params
    if entry.op in INFIX and len(args) == 2 and not params:
        return f"{args[0]} {INFIX[entry.op]} {args[1]}"
    if entry.op == "neg" and len(args) == 1:
        return f"-{args[0]}"
    if entry.op == "getitem" and len(args) == 1 and "index" in params:
        return args[0] + format_index(params["index"])
    if entry.op == "index_set" and len(args) == 2 and "index" in params:
        return f"{args[0]} with {format_index(params['index'])} = {args[1]}"
    extra = [f"{k}={param_text(k, v)}" for k, v in shown_params(params)]
    return f"{entry.op}({', '.join(args + extra)})"


def node_label(rec, node: int) -> str:
    """'v3 (d)' for a named entry, 'v3' otherwise."""
    name = rec.entry(node).name
    return f"v{node} ({name})" if name else f"v{node}"


def via_label(rec, node: int) -> str:
    return rec.entry(node).name or f"v{node}"


def where(entry) -> str:
    if entry.span is None:
        return ""
    return f"{entry.span.line}:{entry.span.col}"


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


# ------------------------------------------------------------------ building the rows

class Rows:
    """The forward and backward rows of a trace, as text cells, with markers for omitted stretches."""

    FORWARD = ("#", "name", "operation", "value", "iter", "source", "note")
    BACKWARD = ("step", "#", "name", "adjoint", "sends")

    def __init__(self, rec, ranges: list, precision: int):
        self.rec = rec
        self.ranges = ranges
        self.precision = precision
        self.forward: list = []
        self.backward: list = []
        self._build()

    def _gap(self, before: int, after: int) -> Optional[str]:
        missing = after - before
        if missing <= 0:
            return None
        return f"⋮ {missing:,} entries not shown (--from {before} --limit N shows them)"

    def _build(self) -> None:
        rec, p = self.rec, self.precision
        previous_end = 0
        for r in self.ranges:
            gap = self._gap(previous_end, r.start)
            if gap:
                self.forward.append(gap)
            for e in rec.entries(r):
                note = "output" if e.is_output else ("" if e.live else "unused")
                iteration = f"{e.iteration}/{e.runs}" if e.iteration is not None else ""
                source = f"{where(e)} {e.source or ''}".strip()
                self.forward.append((f"v{e.index}", e.name or "", operation_text(e, p), short_value(e.value, p),
                                     iteration, source, note))
            previous_end = r.stop
        gap = self._gap(previous_end, rec.length)
        if gap:
            self.forward.append(gap)
        # Backward: the shown entries in reverse, those the sweep reached.
        next_start = rec.length
        for r in reversed(self.ranges):
            gap = self._gap(r.stop, next_start)
            if gap and self.backward:
                self.backward.append(gap)
            for i in reversed(r):
                row = self._backward_row(i)
                if row:
                    self.backward.append(row)
            next_start = r.start

    def _backward_row(self, i: int):
        rec, p = self.rec, self.precision
        adjoint = rec.adjoints.get(i)
        if adjoint is None:
            return None
        entry = rec.entry(i)
        received = rec.received.get(i)
        if i == rec.output_node:
            adjoint_text = f"{short_value(adjoint, p)} (seed)"
        elif received is not None and received.count > 1:
            adjoint_text = sum_text(rec, received, adjoint, p)
        else:
            adjoint_text = short_value(adjoint, p)
        sends = ", ".join(f"{node_label(rec, parent)} += {short_value(c, p, 30)}"
                          for _, parent, c in rec.sent_by(i))
        step = rec.steps.get(i)
        return (str(step) if step else "", f"v{i}", entry.name or "", adjoint_text,
                sends)


def sum_text(rec, received, total: Any, precision: int) -> str:
    """'12.0 (via b) + 10.0 (via c) = 22.0': how an adjoint was summed from its paths."""
    early, late, omitted = received.in_forward_order()
    terms = [f"{short_value(c, precision, 24)} (via {via_label(rec, s)})" for s, c in early]
    if omitted:
        terms.append(f"… {omitted:,} more …")
    terms += [f"{short_value(c, precision, 24)} (via {via_label(rec, s)})" for s, c in late]
    text = terms[0]
    for term in terms[1:]:          # '12.0 - 3.0', not '12.0 + -3.0'
        text += f" - {term[1:]}" if term.startswith("-") and not term.startswith("-inf") else f" + {term}"
    return text + f" = {short_value(total, precision)}"


# ------------------------------------------------------------------ the three outputs

def summary_lines(rec, ranges: list) -> list:
    counts = ", ".join(f"{op} {n:,}" for op, n in rec.counts.most_common())
    lines = [f"{rec.length:,} tape entries" + (f" ({counts})" if counts else "")]
    shown = sum(len(r) for r in ranges)
    if shown < rec.length:
        spans = " and ".join(f"{r.start}–{r.stop - 1}" for r in ranges if len(r)) or "none"
        lines.append(f"showing entries {spans}; page with --from N --limit N")
    unused = rec.length - sum(1 for i in range(rec.length) if rec.live(i))
    if unused:
        lines.append(f"{unused:,} entries do not reach the output (marked unused)")
    if rec.output_node is None:
        lines.append("the output does not depend on any input being differentiated: nothing to sweep")
    return lines


def gradient_lines(rec, precision: int) -> list:
    out = rec.output_name or "f"
    seeded = "" if np.ndim(rec.output_value) == 0 else " (seed: " + (
        "ones, the gradient of the sum" if np.all(np.asarray(rec.seed) == 1) else "the given cotangent") + ")"
    return [f"d{out}/d{name} = {short_value(g, precision, 60)}{seeded}" for name, g in rec.gradient.items()]


def plain_table(header: tuple, rows: list) -> list:
    """Rows of cells as aligned text; a string row is a full-width note."""
    cells = [header] + [r for r in rows if not isinstance(r, str)]
    # A very long cell (an adjoint summed from many paths) overflows its column instead of
    # widening it for every row.
    widths = [max(len(r[k]) for r in cells if len(r[k]) <= WIDE_CELL or r is header) for k in range(len(header))]
    lines = []
    for row in [header] + rows:
        if isinstance(row, str):
            lines.append(row)
            continue
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return lines


def plain_trace(rec, rows: Rows, precision: int) -> str:
    out = rec.output_name or "f"
    lines = [f"forward: {rec.program.source.filename}"]
    lines += plain_table(Rows.FORWARD, rows.forward) if rec.length else ["(nothing was recorded)"]
    lines.append("")
    if rec.output_node is not None:
        lines.append(f"backward: seed {short_value(rec.seed, precision)} on {node_label(rec, rec.output_node)}, "
                     f"adjoints d{out}/dv")
        lines += plain_table(Rows.BACKWARD, rows.backward)
        lines.append("")
    lines += gradient_lines(rec, precision)
    lines += [f"# {line}" for line in summary_lines(rec, rows.ranges)]
    return "\n".join(lines)


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
