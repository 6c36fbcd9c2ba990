"""The views of one run for notebooks: the trace as tables, the graph as SVG (with Graphviz) or
as a text tree. The data is diffcore/views/recorder.py's, written out by diffcore/views/text.py,
as `autodiff trace` and `autodiff graph` write it."""
from __future__ import annotations

import html
import shutil
import subprocess
from typing import Any, Optional

from autodiff.diffcore.engine.context import Limits
from autodiff.diffcore.program import Program
from autodiff.diffcore.views import recorder, text

from .tables import html_table, markdown_table

PRECISION = 6
TREE_DEPTH = 30
# The most nodes drawn with Graphviz; a larger graph is shown as its text tree.
MAX_DRAWN_NODES = 2000
# How long Graphviz may take to draw a graph, in seconds.
DOT_TIMEOUT = 20.0


class Trace:
    """The Wengert list of one run and its backward sweep: `forward` and `backward` rows of text
    cells (FORWARD and BACKWARD name the columns), `value`, `gradient`; `str()` is the plain text
    `autodiff trace` prints, and Jupyter shows the tables."""

    FORWARD = text.Rows.FORWARD
    BACKWARD = text.Rows.BACKWARD

    def __init__(self, recording: recorder.Recording, rows: text.Rows):
        self._recording = recording
        self._rows = rows
        self.forward: list = list(rows.forward)
        self.backward: list = list(rows.backward)
        self.value: Any = recording.output_value
        self.gradient: dict = dict(recording.gradient)
        self.length: int = recording.length

    def __str__(self) -> str:
        return text.plain_trace(self._recording, self._rows, PRECISION)

    def __repr__(self) -> str:
        return f"<autodiff.Trace of {self._recording.program.source.filename}: {self.length} tape entries>"

    def _notes(self) -> list:
        rec = self._recording
        return text.gradient_lines(rec, PRECISION) + text.summary_lines(rec, self._rows.ranges)

    def _repr_html_(self) -> str:
        name = self._recording.program.source.filename
        return (html_table(self.FORWARD, self.forward, caption=f"forward: {name}")
                + html_table(self.BACKWARD, self.backward, caption="backward", notes=self._notes()))

    def _repr_markdown_(self) -> str:
        return ("**forward**\n\n" + markdown_table(self.FORWARD, self.forward) + "\n\n**backward**\n\n"
                + markdown_table(self.BACKWARD, self.backward, self._notes()))


class Graph:
    """The computational graph of one run: `nodes` and `edges` (diffcore's records, docs/views.md),
    `dot` (Graphviz's input, as `autodiff graph` prints it) and `tree` (the text tree). Jupyter
    shows it as SVG when Graphviz's `dot` is installed, otherwise as the tree."""

    def __init__(self, graph: recorder.Graph, title: str, out: str):
        self._graph = graph
        self.nodes: list = list(graph.nodes)
        self.edges: list = list(graph.edges)
        self.dot: str = text.to_dot(graph, title, out, PRECISION)
        self.tree: str = text.plain_tree(text.build_tree(graph, out, PRECISION, TREE_DEPTH))

    def __str__(self) -> str:
        return self.tree

    def __repr__(self) -> str:
        return f"<autodiff.Graph: {len(self.nodes)} nodes, {len(self.edges)} edges>"

    def svg(self) -> Optional[str]:
        """The graph drawn by Graphviz as SVG text; None without Graphviz (or for a graph too large
        to draw, or when drawing fails)."""
        dot = shutil.which("dot")
        if dot is None or len(self.nodes) > MAX_DRAWN_NODES:
            return None
        try:
            drawn = subprocess.run([dot, "-Tsvg"], input=self.dot, capture_output=True, text=True,
                                   timeout=DOT_TIMEOUT)
        except (OSError, subprocess.SubprocessError):
            return None
        return drawn.stdout if drawn.returncode == 0 and "<svg" in drawn.stdout else None

    def _repr_svg_(self) -> Optional[str]:
        return self.svg()

    def _repr_html_(self) -> str:
        drawn = self.svg()
        if drawn is not None:
            return drawn[drawn.index("<svg"):]
        return f'<pre style="line-height:1.2">{html.escape(self.tree)}</pre>'


def make_trace(program: Program, at: dict, wrt: Optional[list], of: Optional[str], cotangent: Any, limit: int,
               start: Optional[int], limits: Limits) -> Trace:
    rec = recorder.record(program, at, wrt=wrt, of=of, limits=limits, cotangent=cotangent,
                          window=lambda length: recorder.page(length, limit, start))
    return Trace(rec, text.Rows(rec, rec.ranges, PRECISION))


def make_graph(program: Program, at: dict, wrt: Optional[list], of: Optional[str], collapse: bool,
               gradients: bool, limits: Limits) -> Graph:
    rec = recorder.record(program, at, wrt=wrt, of=of, limits=limits)
    graph = recorder.build_graph(rec, collapse=collapse, gradients=gradients)
    title = program.source.filename + (" (collapsed)" if collapse else "")
    return Graph(graph, title, rec.output_name or "f")
