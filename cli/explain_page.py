"""The explain page: a `Lesson` (autodiff.diffcore.views.lesson) as one self-contained HTML file.

Everything is inline: the CSS, the SVG of the graph and of the plot, the script that steps
through the lesson, and the step data (JSON in a <script type="application/json">). Nothing
is fetched, so the page opens from disk, offline, and prints (the print style shows every
value and adjoint at once, without the controls).

The page is rendered here in full (source, graph, Wengert list, gradients, plot); the script
only moves the highlight: at each step it marks one tape entry in the graph, the list and
the source, dims what the forward pass has not computed yet, and reveals the adjoints the
backward sweep has reached.
"""
from __future__ import annotations

import html
import json
import math
from typing import Any, Optional

import numpy as np

from autodiff.diffcore.views.text import node_label, op_text, operation_text, short_value, sum_text, via_label

from .graph_layout import layout

PRECISION = 6
CHAR_WIDTH = 7.2            # px per character of the 12px monospace labels
LINE_HEIGHT = 15
LAYER_SPAN = 70             # about one layer of the layout (graph_layout.LAYER_GAP) plus a small node


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def value_text(value: Any, width: int = 40) -> str:
    return short_value(value, PRECISION, width)


# ------------------------------------------------------------------ the graph

def node_lines(lesson, node) -> tuple[list, Optional[str]]:
    """([label lines], adjoint line or None) of one graph node."""
    rec = lesson.recording
    out = rec.output_name or "f"
    if node.kind == "constant":
        if node.detached is not None:
            source = via_label(rec, node.detached)
            lines = [f"{node.name or 'detached'} = detach({source})", value_text(node.value, 30),
                     "constant: no gradient"]
        elif node.value is None:
            lines = [node.name or "constant", f"{node.values or 'varying'} values ×{node.count}"]
        else:
            lines = [f"{node.name} = {value_text(node.value, 30)}" if node.name else value_text(node.value, 30)]
        return lines, None
    if node.kind == "output":
        return [f"output {node.name or out}", f"= {value_text(node.value, 30)}"], f"seed {value_text(node.adjoint, 30)}"
    if node.kind == "input":
        lines = [f"input {node.name or node.id}", f"= {value_text(node.value, 30)}"]
    else:
        who = node.name or node.id
        if node.count > 1:
            lines = [op_text(node), f"{who}  ×{node.count:,} (a group: one source operation)"]
        else:
            lines = [f"{who} = {op_text(node)}", f"= {value_text(node.value, 30)}"]
    adjoint = None
    if node.adjoint is not None:
        adjoint = f"∂{out}/∂{node.name or node.id} = {value_text(node.adjoint, 30)}"
    elif not node.live:
        adjoint = "unused: no path to the output"
    return lines, adjoint


def graph_svg(lesson) -> str:
    graph = lesson.graph
    labels = {n.id: node_lines(lesson, n) for n in graph.nodes}
    sizes = {}
    for n in graph.nodes:
        lines, adjoint = labels[n.id]
        every = lines + ([adjoint] if adjoint else [])
        sizes[n.id] = (max(len(t) for t in every) * CHAR_WIDTH + 18, len(every) * LINE_HEIGHT + 12)
    edges = [(e.source, e.target) for e in graph.edges]
    cuts = [(f"v{n.detached}", n.id) for n in graph.nodes if n.kind == "constant" and n.detached is not None
            and f"v{n.detached}" in sizes]
    centres, width, height = layout(sizes, edges + cuts)
    width += 150                # room for the labels of the edges on the right-hand side
    # When an adjoint appears: the backward step of the node's (first) tape entry.
    back_step = {}
    for k, step in enumerate(lesson.steps):
        if step.phase == "backward":
            back_step.setdefault(step.node, k)
    fwd_step = {}
    for k, step in enumerate(lesson.steps):
        if step.phase == "forward":
            fwd_step.setdefault(step.node, k)
    # The output node appears with the entry it comes from, and its seed when the sweep starts.
    rec = lesson.recording
    if rec.output_node is not None:
        fwd_step[graph.output] = fwd_step.get(lesson.node_of[rec.output_node], 0)
        back_step[graph.output] = lesson.forward_count
    else:
        fwd_step[graph.output] = len(lesson.steps)
    parts = [f'<svg id="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="computational graph">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#777"/></marker></defs>']

    def anchor(a, b):
        (ax, ay), (bx, by) = centres[a], centres[b]
        ah, bh = sizes[a][1] / 2, sizes[b][1] / 2
        if by >= ay:
            return ax, ay + ah, bx, by - bh
        return ax, ay - ah, bx, by + bh

    for k, e in enumerate(graph.edges):
        x1, y1, x2, y2 = anchor(e.source, e.target)
        # An edge that skips layers would cross the nodes between: bow it out sideways, away
        # from the middle of the drawing (the layout has no dummy nodes to route it).
        skip = max(0.0, abs(y2 - y1) - 2 * LAYER_SPAN) / LAYER_SPAN
        side = 1 if (x1 + x2) / 2 >= width / 2 else -1
        c1x = x1 + (x2 - x1) * 0.15 + side * 70 * min(skip, 3)
        c2x = x2 - (x2 - x1) * 0.15 + side * 70 * min(skip, 3)
        ym = (y1 + y2) / 2
        path = f"M{x1:.1f},{y1:.1f} C{c1x:.1f},{ym:.1f} {c2x:.1f},{ym:.1f} {x2:.1f},{y2:.1f}"
        live = graph.node(e.source).live and graph.node(e.target).live
        step = fwd_step.get(e.target, fwd_step.get(e.source, 0))
        parts.append(f'<g class="edge{"" if live else " unused"}" id="e{k}" data-src="{esc(e.source)}" '
                     f'data-dst="{esc(e.target)}" data-f="{step}">'
                     f'<path d="{path}" marker-end="url(#arrow)"/>')
        if e.contribution is not None and e.target in back_step:
            mx, my = (x1 + 3 * c1x + 3 * c2x + x2) / 8, ym        # the curve's midpoint
            text = "+" + value_text(e.contribution, 24)
            parts.append(f'<text class="contrib" data-b="{back_step[e.target]}" x="{mx + 4:.1f}" y="{my:.1f}">'
                         f'{esc(text)}</text>')
        elif e.count > 1:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            parts.append(f'<text class="count" x="{mx + 4:.1f}" y="{my:.1f}">×{e.count:,}</text>')
        parts.append('</g>')
    for source, target in cuts:
        x1, y1, x2, y2 = anchor(source, target)
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        parts.append(f'<g class="cut" data-src="{esc(source)}" data-dst="{esc(target)}">'
                     f'<path d="M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}"/>'
                     f'<text x="{mx:.1f}" y="{my:.1f}" text-anchor="middle">✂ detach: the value, not its gradient'
                     '</text></g>')
    for n in graph.nodes:
        (cx, cy), (w, h) = centres[n.id], sizes[n.id]
        lines, adjoint = labels[n.id]
        classes = ["node", n.kind] + ([] if n.live or n.kind == "output" else ["unused"])
        if n.kind == "constant" and n.detached is not None:
            classes.append("detached")
        if n.count > 1 and n.kind == "operation":
            classes.append("group")
        attrs = f' data-f="{fwd_step.get(n.id, 0)}"'       # (its adjoint line alone carries data-b)
        shape = "rx=\"14\"" if n.kind in ("input", "output") else "rx=\"4\""
        parts.append(f'<g class="{" ".join(classes)}" id="n-{esc(n.id)}"{attrs}>'
                     f'<title>{esc(n.source or n.id)}</title>'
                     f'<rect x="{cx - w / 2:.1f}" y="{cy - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" {shape}/>')
        y = cy - h / 2 + 6 + LINE_HEIGHT - 3
        for k, line in enumerate(lines):
            parts.append(f'<text x="{cx:.1f}" y="{y:.1f}" class="{"head" if k == 0 else "val"}">{esc(line)}</text>')
            y += LINE_HEIGHT
        if adjoint:
            cls = "adj" if n.adjoint is not None or n.kind == "output" else "note"
            b = f' data-b="{back_step[n.id]}"' if n.id in back_step and cls == "adj" else ""
            parts.append(f'<text x="{cx:.1f}" y="{y:.1f}" class="{cls}"{b}>{esc(adjoint)}</text>')
        parts.append('</g>')
    parts.append('</svg>')
    return "\n".join(parts)


# ------------------------------------------------------------------ the source

def source_html(lesson) -> str:
    text = lesson.recording.program.source.text
    executed = set(lesson.executed_lines)
    badges: dict = {}
    for d in lesson.decisions:
        taken = d.outcomes[-1] if d.kind == "if" else None
        cls = "dec-true" if taken else ("dec-false" if taken is False else "dec-loop")
        badges.setdefault(d.span.line, []).append(
            f'<span class="badge {cls}" title="{esc(d.kind)} condition">{esc(d.kind)}: {esc(d.summary)}</span>')
    rows = []
    statement_lines = _statement_lines(lesson)
    for number, line in enumerate(text.splitlines(), start=1):
        state = "ran" if number in executed else ("skipped" if number in statement_lines else "")
        rows.append(f'<div class="ln {state}" id="L{number}" data-text="{esc(line)}">'
                    f'<span class="no">{number}</span><code>{esc(line) or " "}</code>'
                    f'{"".join(badges.get(number, []))}</div>')
    return "\n".join(rows)


def _statement_lines(lesson) -> set:
    """Lines that start a statement (a line that did not run is marked only if it could have)."""
    from autodiff.grammar import parse
    lines: set = set()
    try:
        module = parse(lesson.recording.program.source)
    except Exception:                       # pragma: no cover - parsed once already
        return lines
    stack = list(module.body)
    while stack:
        stmt = stack.pop()
        lines.add(stmt.span.line)
        for name in ("body", "orelse"):
            stack.extend(getattr(stmt, name, ()) or ())
        for _, body in getattr(stmt, "branches", ()) or ():
            stack.extend(body)
    return lines


# ------------------------------------------------------------------ the Wengert list

def wengert_html(lesson) -> str:
    rec = lesson.recording
    back_index = {s.entry: k for k, s in enumerate(lesson.steps) if s.phase == "backward"}
    rows = ['<table id="wengert"><thead><tr><th>#</th><th>name</th><th>operation</th><th>value</th>'
            '<th>source</th><th class="bcol">adjoint ∂' + esc(rec.output_name or "f") + '/∂v</th>'
            '<th class="bcol">sends back</th></tr></thead><tbody>']
    for i in range(rec.length):
        e = rec.entry(i)
        k = back_index.get(i)
        adjoint = sends = ""
        if k is not None:
            step = lesson.steps[k]
            received = rec.received.get(i)
            if i == rec.output_node:
                adjoint = f"{value_text(step.adjoint)} (seed)"
            elif received is not None and received.count > 1:
                adjoint = sum_text(rec, received, step.adjoint, PRECISION)
            else:
                adjoint = value_text(step.adjoint)
            sends = ", ".join(f"{node_label(rec, p)} += {value_text(c, 30)}" for _, p, c in step.sends)
        classes = ["row"] + ([] if e.live else ["unused"]) + (["output"] if e.is_output else [])
        where = f"{e.span.line}:{e.span.col}" if e.span is not None else ""
        b = f' data-b="{k}"' if k is not None else ""
        rows.append(f'<tr class="{" ".join(classes)}" id="r{i}" data-f="{i}">'
                    f'<td class="id">v{i}</td><td class="name">{esc(e.name or "")}</td>'
                    f'<td>{esc(operation_label(rec, e))}</td><td>{esc(value_text(e.value))}</td>'
                    f'<td class="src">{esc(where)} {esc(e.source or "")}</td>'
                    f'<td class="bcol adjcell"{b}>{esc(adjoint)}</td><td class="bcol adjcell"{b}>{esc(sends)}</td></tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)


def operation_label(rec, entry) -> str:
    """The operation with a detached or named constant shown by its name: 'u * v0' rather than '[0, 1, …] * v0'."""
    text = operation_text(entry, PRECISION)
    if entry.op == "input":
        return text
    names = rec.operand_names(entry.index)
    for k, operand in enumerate(entry.operands):
        if operand.node is None and k < len(names) and names[k]:
            from autodiff.diffcore.views.text import operand_text
            text = text.replace(operand_text(operand, PRECISION), names[k], 1)
    return text


# ------------------------------------------------------------------ the steps

def step_data(lesson) -> list:
    rec = lesson.recording
    out = rec.output_name or "f"
    forward_total = lesson.forward_count
    backward_total = len(lesson.steps) - forward_total
    data = []
    for k, step in enumerate(lesson.steps):
        e = rec.entry(step.entry)
        who = e.name or f"v{e.index}"
        if step.phase == "forward":
            if e.op == "input":
                text = f"{who} is an input: {who} = {value_text(e.value)}"
            else:
                text = f"v{e.index}{f' ({e.name})' if e.name else ''} = {operation_label(rec, e)} = {value_text(e.value)}"
            if not e.live:
                text += "  (does not reach the output: the sweep will not visit it)"
            title = f"Forward pass, step {k + 1} of {forward_total}"
        else:
            received = rec.received.get(step.entry)
            if step.entry == rec.output_node:
                text = f"seed: ∂{out}/∂{who} = {value_text(step.adjoint)}"
            elif received is not None and received.count > 1:
                text = f"∂{out}/∂{who} = {sum_text(rec, received, step.adjoint, PRECISION)}  (used {received.count} times: the contributions add up)"
            else:
                text = f"∂{out}/∂{who} = {value_text(step.adjoint)}"
            if step.sends:
                text += "; sends " + ", ".join(f"{via_label(rec, p)} += {value_text(c, 30)}" for _, p, c in step.sends)
            title = f"Backward sweep, step {k - forward_total + 1} of {backward_total}"
        span = e.span
        data.append({"phase": step.phase, "entry": step.entry, "node": step.node, "title": title, "text": text,
                     "line": span.line if span else None, "col": span.col if span else None,
                     "end_line": span.end_line if span else None, "end_col": span.end_col if span else None})
    return data


# ------------------------------------------------------------------ the plot

SERIES_COLORS = ["#1f5fbf", "#c0392b", "#2e8b57"]


def plot_svg(lesson) -> str:
    from .plot import nice_ticks, tick_text
    from autodiff.diffcore.views.recorder import derivative_label, y_limits
    samples = lesson.samples
    if samples is None:
        return ""
    w, h, left, right, top, bottom = 560, 300, 56, 16, 14, 34
    xs = samples.xs
    lo, hi = float(xs[0]), float(xs[-1])
    y_lo, y_hi = y_limits(list(samples.values))

    def px(x):
        return left + (x - lo) / (hi - lo) * (w - left - right)

    def py(y):
        return top + (y_hi - y) / (y_hi - y_lo) * (h - top - bottom)

    parts = [f'<svg id="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
             'role="img" aria-label="plot of f and its derivatives">',
             f'<rect x="{left}" y="{top}" width="{w - left - right}" height="{h - top - bottom}" class="frame"/>']
    ticks, step = nice_ticks(lo, hi)
    for t in ticks:
        parts.append(f'<line class="grid" x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{top}" y2="{h - bottom}"/>'
                     f'<text class="tick" x="{px(t):.1f}" y="{h - bottom + 14}" text-anchor="middle">{esc(tick_text(t, step))}</text>')
    ticks, step = nice_ticks(y_lo, y_hi)
    for t in ticks:
        parts.append(f'<line class="grid" y1="{py(t):.1f}" y2="{py(t):.1f}" x1="{left}" x2="{w - right}"/>'
                     f'<text class="tick" x="{left - 4}" y="{py(t) + 4:.1f}" text-anchor="end">{esc(tick_text(t, step))}</text>')
    parts.append(f'<text class="tick" x="{(left + w - right) / 2:.0f}" y="{h - 4}" text-anchor="middle">{esc(samples.wrt)}</text>')
    for k, series in enumerate(samples.values):
        color = SERIES_COLORS[k % len(SERIES_COLORS)]
        runs, current = [], []
        for x, y in zip(xs, series):
            if math.isfinite(y) and y_lo - (y_hi - y_lo) <= y <= y_hi + (y_hi - y_lo):
                current.append(f"{px(float(x)):.1f},{py(float(y)):.1f}")
            elif current:
                runs.append(current)
                current = []
        if current:
            runs.append(current)
        for run in runs:
            parts.append(f'<polyline class="series" stroke="{color}" points="{" ".join(run)}"/>')
    x0 = lesson.point
    if x0 is not None and lo <= x0 <= hi:
        parts.append(f'<line class="here" x1="{px(x0):.1f}" x2="{px(x0):.1f}" y1="{top}" y2="{h - bottom}"/>')
    parts.append('</svg>')
    # The legend, with the values at this run's point.
    legend = []
    for k in range(len(samples.values)):
        name = derivative_label(k)
        legend.append(f'<span class="key"><span class="swatch" style="background:{SERIES_COLORS[k % 3]}"></span>'
                      f'{esc(name)}</span>')
    note = f"at {samples.wrt} = {value_text(x0)} (the dashed line)" if x0 is not None else ""
    if lesson.at_point is not None:
        note += "; " + ", ".join(f"{derivative_label(k)} = {value_text(v, 24)}" for k, v in enumerate(lesson.at_point))
    return "\n".join(parts) + f'<p class="legend">{"".join(legend)} <span class="dim">{esc(note)}</span></p>'


# ------------------------------------------------------------------ the page

def gradients_html(lesson) -> str:
    rec = lesson.recording
    out = rec.output_name or "f"
    items = [f"<li><code>∂{esc(out)}/∂{esc(name)} = {esc(short_value(g, PRECISION, 80))}</code></li>"
             for name, g in rec.gradient.items()]
    seed = ""
    if np.ndim(rec.output_value):
        seed = f'<p class="dim">The output is an array: the sweep starts from the seed {esc(value_text(rec.seed))} ' \
               '(a vector-Jacobian product, v·J).</p>'
    return seed + "<ul>" + "".join(items) + "</ul>"


def render(lesson, title: str) -> str:
    from .explain_template import SCRIPT, STYLE, TEMPLATE
    rec = lesson.recording
    inputs = ", ".join(f"{k} = {value_text(v)}" for k, v in rec.inputs.items())
    plot = plot_svg(lesson)
    problem = f'<p class="note">{esc(lesson.plot_problem)}</p>' if lesson.plot_problem else ""
    plot_section = (f'<section id="plot-section"><h2>f, f′, f″ around the point</h2>{plot}{problem}</section>'
                    if plot or problem else "")
    collapsed = ('<p class="note">This run is large: the graph draws each source operation once, as a group '
                 '(the count says how many times it ran); the list and the steps still show every tape entry.</p>'
                 if lesson.graph.collapsed else "")
    data = json.dumps({"steps": step_data(lesson), "forward": lesson.forward_count}, ensure_ascii=True)
    data = data.replace("</", "<\\/")       # never closes the script element early
    return TEMPLATE.format(
        title=esc(title), style=STYLE, script=SCRIPT, data=data, inputs=esc(inputs),
        output=esc(f"{rec.output_name or 'f'} = {value_text(rec.output_value)}"),
        source=source_html(lesson), graph=graph_svg(lesson), collapsed=collapsed, wengert=wengert_html(lesson),
        gradients=gradients_html(lesson), plot=plot_section, total=len(lesson.steps))
