"""`autodiff graph`: the computational graph of one run, as DOT, a tree, or JSON.

    autodiff graph samples/seed_graph.expr | dot -Tsvg > graph.svg
    autodiff graph samples/seed_control_flow.expr --format tree
    autodiff graph loop.expr --collapse --grad

The graph itself (nodes for inputs, constants, operations and the output;
edges for data flow; adjoints with --grad) is built by
`autodiff.diffcore.views.recorder.build_graph`; this module only writes it out.
"""
from __future__ import annotations

import click
import numpy as np

from .app import command
from .completion import complete_names
from .inputs import load, parse_at, parse_names
from .options import MAX_COUNT, limit_options, output_options, program_options
from .pager import write_paged
from .render import console, dumps, terminal
from .report import reported
from autodiff.diffcore.views.text import Item, build_tree, param_text, plain_tree, shown_params, to_dot

from .trace import ViewConfig, strict_status

DEFAULT_MAX_NODES = 2000
DEFAULT_DEPTH = 30
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
    from autodiff import LimitExceeded
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

