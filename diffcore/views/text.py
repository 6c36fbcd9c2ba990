"""The views as text, for every front end (the command line, the Python API's notebook displays):
a value in a few characters, a Wengert-list row, the trace's rows, the graph as DOT and as a tree.

Plain strings and (text, style) pieces only: the style names are rich's, but nothing here
imports rich or click. The data comes from recorder.py.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..engine.kinds import shape_text
from ..interpreter.display import format_number

# cot_mul is the product a derivative rule records when grad() runs inside a program: to a reader it is *.
INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "matmul": "@", "mod": "%", "cot_mul": "*"}
SYMBOLS = {**INFIX, "neg": "-", "mul": "×", "div": "÷", "sub": "−",
           "cot_mul": "×"}     # cot_mul: the product a derivative rule records (grad() in a program)



# ------------------------------------------------------------------ values and operations

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


WIDE_CELL = 40


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


# ------------------------------------------------------------------ the graph: nodes, DOT, tree

def op_text(node) -> str:
    """'×', '+', 'sin', 'sum(axis=0)', '[0]' (indexing)."""
    if node.op == "getitem" and "index" in node.params:
        return "index " + format_index(node.params["index"])
    if node.op in SYMBOLS and not node.params:
        return SYMBOLS[node.op]
    extra = [f"{k}={param_text(k, v)}" for k, v in shown_params(node.params)]
    return node.op + (f"({', '.join(extra)})" if extra else "")


def grad_label(graph, node, out: str, full: bool = False) -> Optional[str]:
    if not graph.with_gradients:
        return None
    if node.kind == "constant":
        return None
    if node.kind == "output":
        return f"seed {short_value(node.adjoint, 4, 28, full)}"
    if node.adjoint is None:
        if node.count > 1:
            return None
        return "unused: no path to the output" if not node.live else None
    return f"d{out}/d{node.name or node.id} = {short_value(node.adjoint, 4, 28, full)}"


def constant_text(node, precision: int, full: bool = False) -> str:
    """'3.0', 'k = 3.0' (read from a variable), 'u = detach(v1) = ...'; collapsed: '2.0 ×10' (one value
    used 10 times), '1,000 values in [0.0, 999.0]'."""
    if node.value is not None:
        prefix = f"{node.name} = " if node.name else ""
        if node.detached is not None:
            prefix += f"detach(v{node.detached}) = "
        return prefix + short_value(node.value, precision, 28, full) + (f" ×{node.count:,}" if node.count > 1 else "")
    if node.values is not None and node.low is not None:
        text = f"{node.values:,} values in [{short_value(node.low, precision)}, {short_value(node.high, precision)}]"
    elif node.low is not None:
        text = f"values in [{short_value(node.low, precision)}, {short_value(node.high, precision)}]"
    else:
        text = "varying values"
    return text + (f", used ×{node.count:,}" if node.values != node.count else "")


def node_lines(graph, node, out: str, precision: int, full: bool = False) -> list:
    """The lines of a node's label (DOT); the tree uses the same pieces on one line."""
    if node.kind == "constant":
        return [constant_text(node, precision, full)]
    where = f"{node.span.line}:{node.span.col}" if node.span is not None else ""
    if node.kind == "input":
        lines = [node.name or node.id, f"input = {short_value(node.value, precision, 28, full)}"]
    elif node.kind == "output":
        lines = [f"output {node.name or out}", f"= {short_value(node.value, precision, 28, full)}"]
    else:
        lines = [op_text(node)]
        if node.count > 1:
            lines.append(f"{node.name or node.id}  ×{node.count:,}")
        else:
            lines.append(f"{node.name or node.id} = {short_value(node.value, precision, 28, full)}")
        if where:
            lines.append(where + (f"  {node.source}" if node.source and graph.collapsed else ""))
    grad = grad_label(graph, node, out, full)
    if grad:
        lines.append(grad)
    return lines


# ------------------------------------------------------------------ DOT

def dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


STYLES = {
    "input": 'shape=ellipse, style=filled, fillcolor="#cfe8cf", color="#4a8a4a"',
    "constant": 'shape=box, style=filled, fillcolor="#f2f2f2", color="#bbbbbb", fontcolor="#555555", fontsize=10',
    "operation": 'shape=box, style="rounded,filled", fillcolor="#dde7f7", color="#5b7db8"',
    "output": 'shape=doubleoctagon, style=filled, fillcolor="#f7e1c1", color="#b7862e"',
}


def to_dot(graph, title: str, out: str, precision: int, full: bool = False) -> str:
    lines = [
        "digraph autodiff {",
        f"  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=12, labelloc=t, label={dot_quote(title)}];",
        "  node [fontname=\"Helvetica\", fontsize=11];",
        "  edge [fontname=\"Helvetica\", fontsize=9, color=\"#666666\", arrowsize=0.7];",
    ]
    for node in graph.nodes:
        style = STYLES[node.kind]
        if not node.live and node.kind != "output":
            style += ', style="dashed' + (',rounded' if node.kind == "operation" else '') + \
                     '", fontcolor="#888888", color="#aaaaaa"'
        label = "\n".join(node_lines(graph, node, out, precision, full))
        lines.append(f"  {node.id} [{style}, label={dot_quote(label)}];")
    for node in graph.nodes:
        if node.kind == "constant" and node.detached is not None and any(n.id == f"v{node.detached}"
                                                                        for n in graph.nodes):
            lines.append(f"  v{node.detached} -> {node.id} [style=dotted, color=\"#c77d1a\", arrowhead=tee, "
                         f"label=\"detach\", fontcolor=\"#a05a00\"];")
    for edge in graph.edges:
        attributes = []
        parts = []
        if edge.count > 1:
            parts.append(f"×{edge.count:,}")
        if graph.with_gradients and edge.contribution is not None:
            parts.append(f"+{short_value(edge.contribution, 4, 24)}")
            attributes.append('fontcolor="#b03030"')
        if parts:
            attributes.append(f"label={dot_quote(' '.join(parts))}")
        target = graph.node(edge.target)
        if target.kind == "operation" and len(graph.operands_of(edge.target)) > 1 and \
                target.op in ("sub", "div", "pow", "matmul", "mod", "atan2", "index_set", "where", "stack",
                              "concat"):
            attributes.append(f"headlabel={dot_quote(str(edge.operand + 1))}")
            attributes.append("labelfontsize=8")
        if not graph.node(edge.source).live or not target.live:
            attributes.append('style=dashed, color="#aaaaaa"')
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {edge.source} -> {edge.target}{suffix};")
    lines.append("}")
    return "\n".join(lines)


# ------------------------------------------------------------------ tree

class Item:
    """One line of the tree: styled pieces, and the operands below it."""
    __slots__ = ("pieces", "children")

    def __init__(self, pieces: list, children: Optional[list] = None):
        self.pieces = pieces
        self.children = children or []


def tree_pieces(graph, node, out: str, precision: int, full: bool = False) -> list:
    """[(text, style)] for a node on one line."""
    grad = grad_label(graph, node, out, full)
    where = f"{node.span.line}:{node.span.col}" if node.span is not None else ""
    if node.kind == "constant":
        pieces = [(constant_text(node, precision, full), "dim")]
    elif node.kind == "input":
        pieces = [(f"{node.id} ", "dim"), (node.name or node.id, "bold green"),
                  (": input", "yellow"), (f" = {short_value(node.value, precision)}", "")]
    elif node.kind == "output":
        pieces = [("output ", "bold"), (node.name or out, "bold cyan"),
                  (f" = {short_value(node.value, precision)}", "bold")]
    else:
        pieces = [(f"{node.id}", "dim")]
        if node.name:
            pieces.append((" " + node.name, "bold cyan"))
        pieces.append((": ", ""))
        pieces.append((node.op if node.op != "getitem" else op_text(node), "yellow"))
        if node.count > 1:
            pieces.append((f" ×{node.count:,}", "magenta"))
        else:
            pieces.append((f" = {short_value(node.value, precision)}", ""))
        if where:
            pieces.append((f"  {where} {node.source or ''}".rstrip(), "dim"))
    if not node.live and node.kind != "output":
        pieces.append(("  (unused)", "dim"))
    if grad:
        pieces.append((f"  {grad}", "green"))
    return pieces


def build_tree(graph, out: str, precision: int, max_depth: int) -> Item:
    """The output at the root, operands as children; an operation met again is marked, not repeated.

    A pre-order walk with an explicit stack (a long chain cannot exhaust Python's stack), so
    the first time an operation is printed is the time it is expanded.
    """
    shown: set = set()
    uses: dict = {}
    for e in graph.edges:
        if e.contribution is not None:
            uses[e.source] = uses.get(e.source, 0) + 1
    root = Item(tree_pieces(graph, graph.node(graph.output), out, precision))
    stack = [(edge, root, 1) for edge in reversed(graph.operands_of(graph.output))]
    while stack:
        edge, parent, depth = stack.pop()
        child = graph.node(edge.source)
        pieces = tree_pieces(graph, child, out, precision)
        if graph.with_gradients and edge.contribution is not None and uses.get(child.id, 0) > 1 \
                and child.adjoint is not None:
            # A value used several times appears once per use: each shows what its use sends
            # back (+12 here, +10 there), and the total they add up to.
            name = child.name or child.id
            pieces[-1] = (f"  d{out}/d{name} += {short_value(edge.contribution, 4, 28)} along this edge "
                          f"(all uses: {short_value(child.adjoint, 4, 28)})", "green")
        if edge.count > 1 and edge.count != child.count:
            pieces.append((f"  (edge ×{edge.count:,})", "dim"))
        item = Item(pieces)
        parent.children.append(item)
        if child.kind != "operation":
            continue
        if child.id in shown:
            pieces.append(("  ↑ shared: shown above", "italic magenta"))
            continue
        shown.add(child.id)
        edges = graph.operands_of(child.id)
        if edges and depth >= max_depth:
            item.children.append(Item([(f"… operands deeper than --depth {max_depth} not shown", "dim italic")]))
            continue
        stack.extend((e, item, depth + 1) for e in reversed(edges))
    return root


def plain_tree(root: Item) -> str:
    lines = ["".join(t for t, _ in root.pieces)]
    stack = [(child, "", k == len(root.children) - 1) for k, child in enumerate(root.children)][::-1]
    while stack:
        item, prefix, last = stack.pop()
        lines.append(prefix + ("└── " if last else "├── ") + "".join(t for t, _ in item.pieces))
        inner = prefix + ("    " if last else "│   ")
        stack.extend([(child, inner, k == len(item.children) - 1)
                      for k, child in enumerate(item.children)][::-1])
    return "\n".join(lines)
