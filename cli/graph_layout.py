"""Positions for the nodes of a small directed graph, for the explain page's inline SVG.

With Graphviz's `dot` on the PATH its layout is used (`dot -Tplain`: node centres in
inches). Without it, a layered layout of our own, small enough to read and good enough for
the graphs a page accepts (at most a few hundred nodes):

1. layers by longest path from the sources (an operation sits one layer below its
   deepest operand), except that a node with no operands (a constant) sits just above
   the first node that uses it rather than at the top;
2. order within each layer by barycenter, a few sweeps down and up (each node moves
   towards the mean position of its neighbours in the layer before), which removes
   most crossings of the small DAGs programs make;
3. x by that order, each layer centred; y by layer.

Edges are drawn as straight lines or gentle curves between the node boxes by the caller.
"""
from __future__ import annotations

import shutil
import subprocess
from typing import Optional

LAYER_GAP = 70          # vertical space between layers (px)
NODE_GAP = 26           # horizontal space between neighbours (px)
MARGIN = 16
SWEEPS = 6


def layout(sizes: dict, edges: list, use_graphviz: bool = True) -> tuple[dict, float, float]:
    """{node: (centre x, centre y)}, width, height, for nodes {id: (width, height)} and edges [(a, b)]."""
    if use_graphviz and shutil.which("dot"):
        placed = graphviz_layout(sizes, edges)
        if placed is not None:
            return placed
    return layered_layout(sizes, edges)


def layered_layout(sizes: dict, edges: list) -> tuple[dict, float, float]:
    ids = list(sizes)
    preds: dict = {n: [] for n in ids}
    succs: dict = {n: [] for n in ids}
    for a, b in edges:
        if a in sizes and b in sizes and a != b:
            preds[b].append(a)
            succs[a].append(b)
    # 1. Longest-path layers, in a topological order (Kahn); a cycle cannot occur on a tape,
    # but any node left over is put on the last layer rather than lost.
    indegree = {n: len(preds[n]) for n in ids}
    ready = [n for n in ids if indegree[n] == 0]
    order, layer = [], {}
    while ready:
        n = ready.pop(0)
        order.append(n)
        layer[n] = max((layer[p] + 1 for p in preds[n]), default=0)
        for s in succs[n]:
            indegree[s] -= 1
            if indegree[s] == 0:
                ready.append(s)
    for n in ids:
        if n not in layer:
            layer[n] = max(layer.values(), default=0) + 1
    for n in ids:                       # sources sit just above their first use
        if not preds[n] and succs[n]:
            layer[n] = max(0, min(layer[s] for s in succs[n]) - 1)
    depth = max(layer.values(), default=0) + 1
    rows: list = [[] for _ in range(depth)]
    for n in ids:                       # initial order: the order the nodes were given in
        rows[layer[n]].append(n)
    # 2. Barycenter ordering.
    position = {n: k for row in rows for k, n in enumerate(row)}

    def sort_by(row: list, neighbours: dict) -> None:
        def key(n):
            near = [position[m] for m in neighbours[n]]
            return (sum(near) / len(near)) if near else position[n]
        row.sort(key=key)
        for k, n in enumerate(row):
            position[n] = k

    for sweep in range(SWEEPS):
        if sweep % 2 == 0:
            for row in rows[1:]:
                sort_by(row, preds)
        else:
            for row in reversed(rows[:-1]):
                sort_by(row, succs)
    # 3. Coordinates: each layer centred on the widest.
    widths = [sum(sizes[n][0] for n in row) + NODE_GAP * max(0, len(row) - 1) for row in rows]
    total_width = max(widths, default=0) + 2 * MARGIN
    heights = [max((sizes[n][1] for n in row), default=0) for row in rows]
    centres: dict = {}
    y = MARGIN
    for row, row_width, row_height in zip(rows, widths, heights):
        x = (total_width - row_width) / 2
        for n in row:
            w = sizes[n][0]
            centres[n] = (x + w / 2, y + row_height / 2)
            x += w + NODE_GAP
        y += row_height + LAYER_GAP
    return centres, total_width, max(MARGIN * 2, y - LAYER_GAP + MARGIN)


def graphviz_layout(sizes: dict, edges: list) -> Optional[tuple[dict, float, float]]:
    """Graphviz's positions, or None if dot fails (the caller falls back to our layout)."""
    names = {n: f"n{k}" for k, n in enumerate(sizes)}
    lines = ["digraph g {", "  graph [rankdir=TB, nodesep=0.35, ranksep=0.6];",
             "  node [shape=box, fixedsize=true, label=\"\"];"]
    for n, (w, h) in sizes.items():
        lines.append(f"  {names[n]} [width={w / 72:.3f}, height={h / 72:.3f}];")
    for a, b in edges:
        if a in names and b in names:
            lines.append(f"  {names[a]} -> {names[b]};")
    lines.append("}")
    try:
        done = subprocess.run(["dot", "-Tplain"], input="\n".join(lines), capture_output=True, text=True,
                              timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return parse_plain(done.stdout, {v: k for k, v in names.items()})


def parse_plain(text: str, ids: dict) -> Optional[tuple[dict, float, float]]:
    """Read `dot -Tplain` output (inches, y upwards) into pixel centres (y downwards)."""
    width = height = None
    centres: dict = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph" and len(parts) >= 4:
            width, height = float(parts[2]) * 72, float(parts[3]) * 72
        elif parts[0] == "node" and len(parts) >= 4 and parts[1] in ids:
            centres[ids[parts[1]]] = (float(parts[2]) * 72 + MARGIN, float(parts[3]) * 72)
    if width is None or len(centres) != len(ids):
        return None
    centres = {n: (x, height - y + MARGIN) for n, (x, y) in centres.items()}
    return centres, width + 2 * MARGIN, height + 2 * MARGIN
