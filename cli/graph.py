"""`autodiff graph`: the computational graph of one run, as DOT, a tree, or JSON.

    autodiff graph samples/seed_graph.expr | dot -Tsvg > graph.svg
    autodiff graph samples/seed_control_flow.expr --format tree
    autodiff graph loop.expr --collapse --grad

The graph itself (nodes for inputs, constants, operations and the output;
edges for data flow; adjoints with --grad) is built by
`autodiff.diffcore.views.recorder.build_graph`; this module only writes it out.
"""
from __future__ import annotations

from typing import Optional

import click
import numpy as np

from .app import command
from .completion import complete_names
from .inputs import load, parse_at, parse_names
from .options import MAX_COUNT, limit_options, output_options, program_options
from .pager import write_paged
from .render import console, dumps, terminal
from .report import reported
from .trace import INFIX, ViewConfig, format_index, param_text, short_value, shown_params, strict_status

DEFAULT_MAX_NODES = 2000
DEFAULT_DEPTH = 30
SYMBOLS = {**INFIX, "neg": "-", "mul": "×", "div": "÷", "sub": "−",
           "cot_mul": "×"}     # cot_mul: the product a derivative rule records (grad() in a program)


# ------------------------------------------------------------------ describing nodes

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


def rich_tree(root: Item):
    from rich.text import Text
    from rich.tree import Tree

    def text(item):
        return Text.assemble(*[(t, s) if s else t for t, s in item.pieces])

    tree = Tree(text(root), guide_style="dim")
    stack = [(root, tree)]
    while stack:
        item, node = stack.pop()
        for child in item.children:
            branch = node.add(text(child))
            stack.append((child, branch))
    return tree


# ------------------------------------------------------------------ JSON

def graph_document(rec, graph) -> dict:
    def node_json(n) -> dict:
        item: dict = {"id": n.id, "kind": n.kind, "op": n.op, "name": n.name, "value": n.value,
                      "shape": list(np.shape(n.value)) if n.value is not None else None,
                      "span": None if n.span is None else {"line": n.span.line, "col": n.span.col,
                                                           "end_line": n.span.end_line,
                                                           "end_col": n.span.end_col},
                      "source": n.source, "count": n.count, "live": n.live,
                      "params": {k: param_text(k, v) if k == "index" else v for k, v in shown_params(n.params)}}
        if n.kind == "operation" or n.kind == "input":
            item["entries"] = n.entries
        if n.kind == "constant" and n.count > 1:
            item["values"] = n.values
            item["min"], item["max"] = n.low, n.high
        if n.kind == "constant":
            item["detached_from"] = None if n.detached is None else f"v{n.detached}"
        if graph.with_gradients:
            item["adjoint"] = n.adjoint
        return item

    def edge_json(e) -> dict:
        item = {"source": e.source, "target": e.target, "operand": e.operand, "count": e.count}
        if graph.with_gradients:
            item["contribution"] = e.contribution
        return item

    kinds: dict = {}
    for n in graph.nodes:
        kinds[n.kind] = kinds.get(n.kind, 0) + 1
    return {"program": rec.program.source.filename, "output": rec.output_value, "output_name": rec.output_name,
            "inputs": rec.inputs, "wrt": rec.wrt, "collapsed": graph.collapsed, "gradients": graph.with_gradients,
            "gradient": rec.gradient if graph.with_gradients else None, "tape_length": rec.length,
            "counts": kinds, "nodes": [node_json(n) for n in graph.nodes], "edges": [edge_json(e) for e in graph.edges]}


# ------------------------------------------------------------------ the command

class GraphConfig(ViewConfig):
    """`autodiff graph`: the program, --format, --grad, --collapse, --wrt, --max-nodes, --depth,
    limits and output."""
    __slots__ = ("program", "limits", "output", "fmt", "with_grad", "collapse", "wrt", "max_nodes", "depth")


@command("graph", GraphConfig,
         program_options,
         click.option("--format", "fmt", type=click.Choice(["dot", "tree", "json"]), default="dot",
                      show_default=True, help="dot: Graphviz input (autodiff graph F | dot -Tsvg > g.svg); tree: "
                                              "the output's operands as a tree; json: nodes and edges."),
         click.option("--grad", "with_grad", is_flag=True,
                      help="Label each node with its adjoint and each edge with the cotangent sent back along it."),
         click.option("--collapse", is_flag=True,
                      help="One node per source operation (a loop's steps merge into one node with a count)."),
         click.option("--wrt", "wrt", multiple=True, metavar="NAMES", shell_complete=complete_names,
                      help="Record only these inputs (comma-separated); the others are constants."),
         click.option("--max-nodes", type=click.IntRange(1, MAX_COUNT), default=DEFAULT_MAX_NODES,
                      show_default=True, help="Refuse graphs with more nodes than this (use --collapse for loops)."),
         click.option("--depth", type=click.IntRange(1, 10_000), default=DEFAULT_DEPTH, show_default=True,
                      help="--format tree: show operands down to this depth."),
         limit_options, output_options)
def graph_command(config: GraphConfig) -> int:
    """Print the computational graph of one run of a program.

    Nodes are the inputs, the constants (one node per use), every recorded
    operation, and the output; edges carry data from operands to operations.
    --grad adds adjoints (d output / d node) and the contribution each edge
    sends back; --collapse merges the repeated steps of loops and calls.
    """
    from autodiff.diffcore.engine.errors import LimitExceeded
    from autodiff.diffcore.views.recorder import build_graph, record
    fmt = "json" if config.output.as_json else config.fmt
    precision, max_nodes = config.output.precision, config.max_nodes
    program = load(config.program)
    limits = config.limits.limits()
    values = parse_at(config.program.at, limits)
    with reported(program):
        rec = record(program, values, wrt=parse_names(config.wrt), of=config.program.of, limits=limits)
        graph = build_graph(rec, collapse=config.collapse, gradients=config.with_grad)
        if len(graph.nodes) > max_nodes:
            raise LimitExceeded(f"the graph has {len(graph.nodes):,} nodes (more than --max-nodes {max_nodes:,})",
                                hint="merge the steps of loops with --collapse, or raise --max-nodes",
                                limit="max-nodes")
    out = rec.output_name or "f"
    if fmt == "json":
        click.echo(dumps(graph_document(rec, graph)))
    elif fmt == "dot":
        title = program.source.filename + (" (collapsed)" if config.collapse else "")
        click.echo(to_dot(graph, title, out, precision, config.output.full))
    else:
        root = build_tree(graph, out, precision, config.depth)
        if terminal():              # NO_COLOR keeps the layout, without colours
            out = console()
            with out.capture() as captured:
                out.print(rich_tree(root))
            write_paged(captured.get(), pager=config.output.pager)
        else:
            click.echo(plain_tree(root))
    return strict_status(config.output, rec.output_value, *(rec.gradient.values() if config.with_grad else ()))

