"""Looking inside a run: the Wengert list, the computational graph, and derivative samples for plots.

Three views of one program are built here, as plain data for the command line
to render (no printing, no terminal, no click):

* `record()` runs the program once on a reverse tape and sweeps it backwards
  with an observer, keeping the adjoint of every tape entry and the
  contributions it sent to its operands. `Recording.entry(i)` describes entry
  i of the tape as a Wengert-list row: its operation, its operands (tape
  entries or constants), its value, its source location, the variable it was
  assigned to, and which iteration of a loop it belongs to.
* `build_graph()` turns a recording into nodes and edges (inputs, constants,
  operations, the output), optionally collapsed to one node per source
  operation, so that a loop of 1000 iterations is one node with a count.
* `sample_derivatives()` evaluates f, f', ..., f^(n) of a program of one
  scalar input at many points, by Taylor mode (nested reverse mode where
  Taylor mode has no rule), never by finite differences.

The tape stores neither variable names nor loop iterations, so both are
inferred here from the source spans: the AST tells which span is the value of
an assignment to which variable, and an operation that runs again at the same
span is the next iteration (or the next call of the function it is in).
Memory stays bounded for long tapes: only per-entry integers are kept for the
whole tape; rows are described on demand, and the backward sweep keeps full
contributions only for the entries the caller asks about.
"""
from __future__ import annotations

from array import array
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

import numpy as np

from autodiff.grammar import ast, parse
from autodiff.grammar.ast import Span
from autodiff.grammar.source import ProgramError

from ..engine.kinds import shape_text
from ..derivatives import resolve_wrt
from ..engine.reverse import recording
from ..engine.errors import LimitExceeded, ShapeError
from ..program import Program, UsageError, plain_output
from ..engine.reverse import NO_PARENT, VARIADIC, Box, backward
from ..engine.context import Limits, RunContext, SharedDeadline, current
from ..engine.tracing import strip

# How many contributions to one adjoint are kept to show how it was summed
# (the first and the last ones; the count is always exact).
KEEP_FIRST_CONTRIBUTIONS = 2
KEEP_LAST_CONTRIBUTIONS = 2


# ------------------------------------------------------------------ names from the source

def assigned_names(module: ast.Module) -> dict:
    """{span of an expression: the variable it is assigned to} for every assignment in the program.

    `b = a * 3` maps the span of `a * 3` to 'b'; `t += x` maps the whole statement (the span
    the interpreter records for the addition) to 't'; `x[i] = v` maps the target `x[i]` (where
    the element assignment is recorded) to 'x'; `a, b = u, v` maps u to a and v to b; the value
    of `return e` in function f is named 'f()'.
    """
    names: dict = {}

    def target_name(target) -> Optional[str]:
        if isinstance(target, ast.Name):
            return target.id
        if isinstance(target, ast.Index) and isinstance(target.target, ast.Name):
            return target.target.id
        return None

    def visit(statements, function: Optional[str]) -> None:
        for stmt in statements:
            if isinstance(stmt, ast.Assign):
                plain = [target_name(t) for t in stmt.targets if not isinstance(t, ast.TupleLiteral)]
                plain = [n for n in plain if n]
                if plain:
                    names.setdefault(stmt.value.span, " = ".join(dict.fromkeys(plain)))
                for target in stmt.targets:
                    if isinstance(target, ast.Index) and target_name(target):
                        names.setdefault(target.span, target_name(target))
                    if (isinstance(target, ast.TupleLiteral) and isinstance(stmt.value, ast.TupleLiteral)
                            and len(target.items) == len(stmt.value.items)):
                        for item, value in zip(target.items, stmt.value.items):
                            if target_name(item):
                                names.setdefault(value.span, target_name(item))
            elif isinstance(stmt, ast.AugAssign):
                name = target_name(stmt.target)
                if name:
                    names.setdefault(stmt.span, name)
                    if isinstance(stmt.target, ast.Index):
                        names.setdefault(stmt.target.span, name)
            elif isinstance(stmt, ast.Return) and stmt.value is not None and function:
                names.setdefault(stmt.value.span, f"{function}()")
            elif isinstance(stmt, ast.If):
                for _, body in stmt.branches:
                    visit(body, function)
                visit(stmt.orelse, function)
            elif isinstance(stmt, (ast.While, ast.For, ast.With)):
                visit(stmt.body, function)
            elif isinstance(stmt, ast.FunctionDef):
                visit(stmt.body, stmt.name)
            elif isinstance(stmt, ast.BackwardDef):
                visit(stmt.body, f"backward {stmt.name}")

    visit(module.body, None)
    return names


def span_text(text: str, span: Optional[Span], limit: int = 60) -> Optional[str]:
    """The source text a span covers, on one line (whitespace runs collapsed), shortened to `limit`."""
    if span is None:
        return None
    lines = text.splitlines()
    if not 1 <= span.line <= len(lines):
        return None
    if span.end_line == span.line:
        line = lines[span.line - 1]
        start, end = span.col - 1, max(span.col - 1, span.end_col - 1)
        # The span of `(a) * (b)` leaves out the brackets around its first and last operands:
        # widen it until its brackets balance.
        depth = lowest = 0
        for ch in line[start:end]:
            depth += (ch in "([") - (ch in ")]")
            lowest = min(lowest, depth)
        while lowest < 0 and start > 0 and line[start - 1] in "([":
            start, lowest, depth = start - 1, lowest + 1, depth + 1
        while depth > 0 and end < len(line) and line[end] in ")]":
            end, depth = end + 1, depth - 1
        piece = line[start:end]
    else:
        parts = [lines[span.line - 1][span.col - 1:]]
        parts += lines[span.line:span.end_line - 1]
        if span.end_line <= len(lines):
            parts.append(lines[span.end_line - 1][:span.end_col - 1])
        piece = " ".join(parts)
    piece = " ".join(piece.split())
    return piece if len(piece) <= limit else piece[:limit - 1] + "…"


# The primitive each binary operator of the language records.
OPERATOR_PRIMITIVES = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow", "%": "mod", "@": "matmul"}


# ------------------------------------------------------------------ the recorded run

@dataclass
class Operand:
    """One argument of a tape entry: another entry (`node`), or a constant (`node` is None)."""
    node: Optional[int]
    value: Any


@dataclass
class Entry:
    """One row of the Wengert list: tape entry `index`, described for people."""
    index: int
    op: str                         # 'input' or the primitive's name
    operands: list                  # [Operand]
    params: dict                    # static params (axis, index, shape...); {} for none
    value: Any
    span: Optional[Span]
    source: Optional[str]           # the source text of the span
    name: Optional[str]             # the variable this value was assigned to, when known
    iteration: Optional[int]        # k when this source operation ran several times (k-th time)
    runs: int                       # how many times this source operation ran in all
    live: bool                      # on a path to the output
    is_output: bool


@dataclass
class Received:
    """The contributions an entry's adjoint was summed from (a bounded sample, the count exact)."""
    count: int = 0
    first: list = field(default_factory=list)       # [(sender, contribution)] in sweep order
    last: deque = field(default_factory=lambda: deque(maxlen=KEEP_LAST_CONTRIBUTIONS))

    def add(self, sender: int, contribution: Any) -> None:
        self.count += 1
        if len(self.first) < KEEP_FIRST_CONTRIBUTIONS:
            self.first.append((sender, contribution))
        else:
            self.last.append((sender, contribution))

    def in_forward_order(self) -> tuple[list, list, int]:
        """(earliest senders, latest senders, how many in between are omitted), each list by sender.

        When nothing is omitted the first list holds every contribution and the second is empty.
        """
        kept = list(self.first) + list(self.last)
        omitted = self.count - len(kept)
        if omitted == 0:
            return sorted(kept, key=lambda p: p[0]), [], 0
        # The sweep runs backwards, so `first` holds the latest senders and `last` the earliest.
        return sorted(self.last, key=lambda p: p[0]), sorted(self.first, key=lambda p: p[0]), omitted


class Recording:
    """One run of a program on a reverse tape, and one backward sweep over it (see `record`).

    Adjoints and contributions are kept in full only for the entries in `ranges`; the
    per-entry integers (iteration, liveness) cover the whole tape.
    """

    def __init__(self, program: Program, tape, output: Any, output_node: Optional[int], output_value: Any,
                 output_name: Optional[str], inputs: dict, wrt: list, input_nodes: dict, seed: Any,
                 gradient: dict):
        self.program = program
        self.tape = tape
        self.output = output
        self.output_node = output_node
        self.output_value = output_value
        self.output_name = output_name
        self.inputs = inputs
        self.wrt = wrt
        self.input_nodes = input_nodes          # {name: tape entry}
        self.seed = seed
        self.gradient = gradient                # {name: d output / d name} (seeded sweep)
        self.adjoints: dict = {}                # node -> adjoint (kept entries that the sweep reached)
        self.sent: dict = {}                    # node -> [(parent, contribution)]
        self.received: dict = {}                # node -> Received
        self.swept = 0                          # steps the sweep took
        self.steps: dict = {}                   # node -> its step number in the sweep (kept entries)
        self.ranges: list = []                  # the entries kept in full detail
        self._analyse()

    # --------------------------------------------------------------- whole-tape analysis
    def _analyse(self) -> None:
        tape, text = self.tape, self.program.source.text
        n = len(tape)
        self.length = n
        input_spans = {info.name: info.span for info in self.program.inputs}
        try:
            self.names = assigned_names(parse(self.program.source))
        except ProgramError:      # pragma: no cover - the program was parsed once already
            self.names = {}
        self._text = text
        self._input_spans = input_spans
        # Occurrences: consecutive entries with one span are one execution of that source
        # operation (a builtin may record several primitives), unless a primitive repeats
        # within the run, which starts the next execution (a loop whose body is one operation).
        occurrence = array("l", [0]) * n
        last_of_occurrence = bytearray(n)
        runs: Counter = Counter()
        counts: Counter = Counter()
        previous_span: Any = object()
        seen: set = set()
        for i in range(n):
            prim = tape.prims[i]
            op = "input" if prim is None else prim.name
            counts[op] += 1
            if prim is None:
                previous_span, seen = object(), set()
                last_of_occurrence[i] = 1
                continue
            span = tape.spans[i]
            if span != previous_span or op in seen:
                if i > 0:
                    last_of_occurrence[i - 1] = 1
                runs[span] += 1
                seen = set()
                previous_span = span
            seen.add(op)
            occurrence[i] = runs[span]
        if n:
            last_of_occurrence[n - 1] = 1
        self.counts = counts
        self._occurrence = occurrence
        self._last = last_of_occurrence
        self._runs = runs
        # Which entries lie on a path to the output.
        live = bytearray(n)
        if self.output_node is not None:
            live[self.output_node] = 1
            parent0, parent1, second = tape.parent0, tape.parent1, tape.second
            for i in range(self.output_node, -1, -1):
                if not live[i] or tape.prims[i] is None:
                    continue
                p0 = parent0[i]
                if p0 == VARIADIC:
                    for p in second[i]:
                        if p != NO_PARENT:
                            live[p] = 1
                else:
                    if p0 != NO_PARENT:
                        live[p0] = 1
                    if parent1[i] != NO_PARENT:
                        live[parent1[i]] = 1
        self._live = live

    # --------------------------------------------------------------- one entry
    def operands(self, i: int) -> list:
        tape = self.tape
        if tape.prims[i] is None:
            return []
        p0 = tape.parent0[i]
        if p0 == VARIADIC:
            return [Operand(None if p == NO_PARENT else p, strip(a)) for a, p in zip(tape.first[i], tape.second[i])]
        result = [Operand(None if p0 == NO_PARENT else p0, strip(tape.first[i]))]
        if tape.prims[i].arity != 1:
            p1 = tape.parent1[i]
            if p1 != NO_PARENT or tape.second[i] is not None:
                result.append(Operand(None if p1 == NO_PARENT else p1, strip(tape.second[i])))
        return result

    def entry(self, i: int) -> Entry:
        tape = self.tape
        prim = tape.prims[i]
        if prim is None:
            name = tape.params.get(i, {}).get("name")
            span = self._input_spans.get(name)
            return Entry(i, "input", [], {}, strip(tape.ans[i]), span, span_text(self._text, span), name,
                         None, 1, bool(self._live[i]), i == self.output_node)
        span = tape.spans[i]
        runs = self._runs[span]
        name = self.names.get(span) if self._last[i] else None
        return Entry(i, prim.name, self.operands(i), dict(tape.params.get(i, {})), strip(tape.ans[i]), span,
                     span_text(self._text, span), name, self._occurrence[i] if runs > 1 else None, runs,
                     bool(self._live[i]), i == self.output_node)

    def entries(self, indices: Iterable[int]) -> list:
        return [self.entry(i) for i in indices]

    def group_key(self, i: int) -> tuple:
        """The source operation of entry i (what --collapse merges): its span and primitive."""
        prim = self.tape.prims[i]
        if prim is None:
            return ("input", i)
        return ("op", self.tape.spans[i], prim.name)

    def live(self, i: int) -> bool:
        return bool(self._live[i])

    def operand_names(self, i: int) -> list:
        """The variable each operand of entry i was read from, where the source says so plainly.

        `u * x` at entry i gives ['u', 'x']: a constant operand (a detached value, an input left
        out of --wrt, a variable holding a number) keeps the name it had in the program. Read
        from the AST node at the entry's span, only where its operands map one to one onto the
        primitive's (a binary or unary operator, or a call of the primitive by its own name).
        """
        prim = self.tape.prims[i]
        if prim is None:
            return []
        node = self._nodes_by_span().get(self.tape.spans[i])
        children: list = []
        # Only the operator's own primitive: a derivative computed at the same span (grad()
        # inside the program records its rules' operations there too) has other operands.
        if isinstance(node, ast.BinaryOp) and OPERATOR_PRIMITIVES.get(node.op) == prim.name:
            children = [node.left, node.right]
        elif isinstance(node, ast.AugAssign) and OPERATOR_PRIMITIVES.get(node.op) == prim.name:
            children = [node.target, node.value]
        elif isinstance(node, ast.UnaryOp) and node.op == "-" and prim.name == "neg":
            children = [node.operand]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == prim.name \
                and not node.kwargs:
            children = list(node.args)
        return [c.id if isinstance(c, ast.Name) else None for c in children]

    def _nodes_by_span(self) -> dict:
        found = getattr(self, "_by_span", None)
        if found is None:
            found = self._by_span = {}
            try:
                module = parse(self.program.source)
            except ProgramError:      # pragma: no cover - the program was parsed once already
                return found
            stack = [module]
            while stack:
                node = stack.pop()
                if isinstance(node, (list, tuple)):
                    stack.extend(node)
                    continue
                if not isinstance(node, ast.Node):
                    continue
                span = getattr(node, "span", None)
                if span is not None and not isinstance(node, (ast.Name, ast.Number)):
                    found.setdefault(span, node)
                stack.extend(getattr(node, f) for f in type(node).__slots__ if f != "span")
        return found

    def detached_from(self, value: Any, before: int) -> Optional[int]:
        """The tape entry (before `before`) whose value this constant operand is, or None.

        `detach(y)` hands the operation using it the very array the tape holds for y, with no
        link back: identity finds it again, so the views can draw the cut edge.
        """
        if value is None or isinstance(value, (bool, int, str)):
            return None
        index = getattr(self, "_by_identity", None)
        if index is None:
            index = self._by_identity = {}
            for j in range(self.length):
                index.setdefault(id(strip(self.tape.ans[j])), j)
        j = index.get(id(value))
        return j if j is not None and j < before else None

    def sent_by(self, i: int) -> list:
        """[(operand position, parent, contribution)] that entry i sent in the sweep."""
        sent = self.sent.get(i)
        if not sent:
            return []
        positions = [k for k, op in enumerate(self.operands(i)) if op.node is not None]
        return [(k, p, c) for k, (p, c) in zip(positions, sent)]


def record(program: Program, at: dict, wrt: Optional[list] = None, of: Optional[str] = None,
           limits: Optional[Limits] = None, cotangent: Any = None,
           window: Optional[Callable[[int], list]] = None, print_fn=None) -> Recording:
    """Run the program on a tape and sweep it backwards, observing every step.

    The sweep is seeded with 1 for a scalar output, with `cotangent` when given, and with
    ones (the gradient of the output's sum) for an array output otherwise. `window(length)`
    gives the ranges of tape entries whose adjoints and contributions are kept in full
    (`rec.ranges`; default: the whole tape), e.g. `lambda n: page(n, 200)`.
    """
    wrt = resolve_wrt(program, wrt)
    watched = set(wrt)
    limits = limits or Limits()
    boxes: dict = {}
    with RunContext(limits) as context, recording() as tape:
        tape.fuse = False           # the views show every primitive
        tape.keep_all = True        # and every value
        def watch(name, value):
            if name not in watched:
                return value
            box = tape.new_input(value, name)
            boxes[name] = box
            return box
        result = program.run(at, limits, watch=watch, print_fn=print_fn, of=of, context=context)
    output = result.output
    out_value = plain_output(output)
    out_shape = np.shape(out_value)
    if cotangent is not None:
        seed = np.asarray(cotangent, dtype=np.float64)
        if seed.shape != out_shape:
            raise ShapeError(f"--vjp: the cotangent has shape {shape_text(seed.shape)} but the output has "
                             f"shape {shape_text(out_shape)}", hint="give one number per output element")
        seed = seed if out_shape else float(seed)
    else:
        seed = np.ones(out_shape) if out_shape else 1.0
    output_node = output.node if type(output) is Box and output.trace is tape else None
    names = [n for n in wrt if n in boxes]
    input_nodes = {n: boxes[n].node for n in names}
    rec = Recording(program, tape, output, output_node, out_value, result.output_name, result.inputs, wrt,
                    input_nodes, seed, {})
    rec.ranges = window(rec.length) if window is not None else [range(0, rec.length)]
    keep = in_ranges(rec.ranges)
    adjoints, sent_map, received = rec.adjoints, rec.sent, rec.received

    def observer(node, g, sent):
        rec.swept += 1
        if keep(node):
            rec.steps[node] = rec.swept
            adjoints[node] = strip(g)
            sent_map[node] = [(p, strip(c)) for p, c in sent]
        for parent, contribution in sent:
            if keep(parent):
                box = received.get(parent)
                if box is None:
                    box = received[parent] = Received()
                box.add(node, strip(contribution))

    gradient = {}
    if output_node is not None:
        if output_node in input_nodes.values() and keep(output_node):
            adjoints[output_node] = seed
        with RunContext(limits):     # the sweep: a run of its own, with its own deadline
            grads = backward(tape, output_node, seed, list(input_nodes.values()), observer)
        for (name, node), g in zip(input_nodes.items(), grads):
            if g is not None:
                g = strip(g)
                shape = np.shape(boxes[name].value)
                if np.shape(g) != shape:
                    g = np.broadcast_to(g, shape).astype(np.float64)
                gradient[name] = g
                if keep(node):
                    adjoints[node] = g
    for name in wrt:
        if name not in gradient:
            value = result.inputs.get(name, 0.0)
            gradient[name] = np.zeros(np.shape(value)) if np.ndim(value) else 0.0
    rec.gradient = gradient
    return rec


# ------------------------------------------------------------------ windows on a long tape

def page(length: int, limit: int, start: Optional[int] = None) -> list:
    """The ranges of tape entries to show: all of them, `limit` from `start`, or the first and last ones."""
    if start is not None:
        start = max(0, min(start, length))
        return [range(start, min(length, start + limit))]
    if length <= limit:
        return [range(0, length)]
    head = (limit + 1) // 2
    return [range(0, head), range(length - (limit - head), length)]


def in_ranges(ranges: list) -> Callable[[int], bool]:
    if len(ranges) == 1:
        only = ranges[0]
        return lambda node: node in only
    return lambda node: any(node in r for r in ranges)


# ------------------------------------------------------------------ the computational graph

@dataclass
class GraphNode:
    """A node of the computational graph (see docs/views.md for the JSON form)."""
    id: str                         # 'v3' (tape entry 3), 'k0' (a constant), 'out'
    kind: str                       # 'input', 'constant', 'operation', 'output'
    op: Optional[str] = None        # the primitive, for an operation
    name: Optional[str] = None      # the variable, when known
    value: Any = None               # None for a collapsed node with several values
    span: Optional[Span] = None
    source: Optional[str] = None
    params: dict = field(default_factory=dict)
    adjoint: Any = None             # with gradients: d output / d this value (None: not reached)
    count: int = 1                  # collapsed: how many tape entries (or constants) it stands for
    entries: list = field(default_factory=list)   # tape entries it stands for (first few when collapsed)
    live: bool = True               # on a path to the output
    values: Optional[int] = 1       # collapsed constant: how many distinct values (None: many)
    low: Any = None                 # collapsed constant: the smallest and largest values
    high: Any = None
    detached: Optional[int] = None  # constant: the tape entry whose value detach() cut loose here


@dataclass
class GraphEdge:
    source: str
    target: str
    operand: int                    # which argument of the target
    contribution: Any = None        # with gradients: the cotangent sent back along this edge
    count: int = 1                  # collapsed: how many data-flow edges it stands for


@dataclass
class Graph:
    nodes: list
    edges: list
    output: str                     # id of the output node
    collapsed: bool = False
    with_gradients: bool = False

    def node(self, node_id: str) -> GraphNode:
        return self._index()[node_id]

    def _index(self) -> dict:
        index = getattr(self, "_by_id", None)
        if index is None or len(index) != len(self.nodes):
            index = self._by_id = {n.id: n for n in self.nodes}
        return index

    def operands_of(self, node_id: str) -> list:
        """Edges into a node, by operand position."""
        incoming = getattr(self, "_incoming", None)
        if incoming is None:
            incoming = self._incoming = {}
            for edge in self.edges:
                incoming.setdefault(edge.target, []).append(edge)
            for edges in incoming.values():
                edges.sort(key=lambda e: e.operand)
        return incoming.get(node_id, [])


MAX_ENTRIES_KEPT = 5


def build_graph(rec: Recording, collapse: bool = False, gradients: bool = False) -> Graph:
    """The graph of one run: a node per input, constant operand and tape entry, and the output.

    Constants are nodes of their own, one per use (the 3 in `a * 3` and the 2 in `a + 2` are
    two nodes). With `collapse`, tape entries of one source operation (span and primitive)
    merge into one node whose `count` says how many times it ran; constants merge per
    operand of a merged node, and edges per pair of merged nodes.
    """
    nodes: dict = {}
    edges: dict = {}
    order: list = []
    constant_ids: dict = {}
    distinct: dict = {}             # constant node id -> its distinct values (numbers)

    def node_id(i: int) -> str:
        if not collapse:
            return f"v{i}"
        key = rec.group_key(i)
        found = group_ids.get(key)
        if found is None:
            found = group_ids[key] = f"v{i}"
        return found

    group_ids: dict = {}
    for i in range(rec.length):
        e = rec.entry(i)
        nid = node_id(i)
        node = nodes.get(nid)
        if node is None:
            node = nodes[nid] = GraphNode(nid, "input" if e.op == "input" else "operation",
                                          None if e.op == "input" else e.op, e.name, e.value, e.span, e.source,
                                          e.params, None, 0, [], False)
            order.append(nid)
        node.count += 1
        if len(node.entries) < MAX_ENTRIES_KEPT:
            node.entries.append(i)
        node.live = node.live or e.live
        if node.count == 1:
            node.adjoint = rec.adjoints.get(i) if gradients else None
        else:                       # a collapsed node: one value or adjoint no longer describes it
            node.value = node.adjoint = None
            node.name = node.name or e.name
            if node.params and not _same_params(node.params, e.params):
                node.params = {}
        sent = {k: c for k, _, c in rec.sent_by(i)} if gradients else {}
        operand_names = None
        for k, operand in enumerate(e.operands):
            if operand.node is None:
                key = (nid, k) if collapse else (i, k)
                cid = constant_ids.get(key)
                if cid is None:
                    if operand_names is None:
                        operand_names = rec.operand_names(i)
                    cid = constant_ids[key] = f"k{len(constant_ids)}"
                    nodes[cid] = GraphNode(cid, "constant", value=operand.value, count=0, live=e.live,
                                           span=e.span, values=0, low=None, high=None,
                                           name=operand_names[k] if k < len(operand_names) else None,
                                           detached=rec.detached_from(operand.value, i))
                    order.append(cid)
                constant = nodes[cid]
                constant.count += 1
                constant.live = constant.live or e.live
                _note_constant(constant, operand.value, distinct)
                source = cid
            else:
                source = node_id(operand.node)
            edge_key = (source, nid, k)
            edge = edges.get(edge_key)
            if edge is None:
                edges[edge_key] = GraphEdge(source, nid, k, sent.get(k), 1)
            else:
                edge.count += 1
                edge.contribution = None
    out = GraphNode("out", "output", name=rec.output_name, value=rec.output_value,
                    adjoint=rec.seed if gradients else None)
    nodes["out"] = out
    order.append("out")
    graph_edges = list(edges.values())
    if rec.output_node is not None:
        graph_edges.append(GraphEdge(node_id(rec.output_node), "out", 0, None, 1))
    return Graph([nodes[n] for n in order], graph_edges, "out", collapse, gradients)


def _same_params(a: dict, b: dict) -> bool:
    try:
        return a.keys() == b.keys() and all(bool(np.all(a[k] == b[k])) for k in a)
    except (TypeError, ValueError):
        return False


MAX_DISTINCT_TRACKED = 10_000


def _note_constant(node: GraphNode, value: Any, seen: dict) -> None:
    """Track the distinct values of a (collapsed) constant node, and their range.

    `node.values` is exact for numbers (up to MAX_DISTINCT_TRACKED of them; None beyond, or
    when arrays differ); `node.value` stays set only while every use has the same value.
    """
    scalar = np.ndim(value) == 0 and isinstance(value, (bool, int, float, np.number))
    if node.count == 1:
        node.value, node.values = value, 1
        if scalar:
            node.low = node.high = float(value)
            seen[node.id] = {float(value)}
        return
    if node.value is not None:
        same = value is node.value or (np.shape(value) == np.shape(node.value)
                                       and bool(np.all(np.asarray(value) == np.asarray(node.value))))
        if same:
            return
        node.value = None
    distinct = seen.get(node.id)
    if scalar and distinct is not None and node.low is not None:
        node.low, node.high = min(node.low, float(value)), max(node.high, float(value))
        if len(distinct) < MAX_DISTINCT_TRACKED:
            distinct.add(float(value))
            node.values = len(distinct)
        else:
            node.values = None
    else:
        node.low = node.high = node.values = None
        seen.pop(node.id, None)


# ------------------------------------------------------------------ derivatives for plots

@dataclass
class Samples:
    """f and its derivatives at points: values[k][j] is f^(k)(xs[j]) (NaN where undefined)."""
    xs: np.ndarray
    values: np.ndarray              # shape (order + 1, points)
    wrt: str
    output_name: Optional[str]
    method: str                     # 'taylor' or 'nested'
    errors: int = 0                 # points where the program itself failed (gaps)
    first_error: Optional[ProgramError] = None


def plot_input(program: Program, at: dict, wrt: Optional[str]) -> str:
    """The one input a plot varies: --wrt, or the program's only input."""
    names = program.input_names
    if wrt is None:
        if len(names) == 1:
            return names[0]
        if not names:
            raise UsageError(f"{program.source.filename} has no inputs, so there is nothing to plot against",
                             hint="declare one with `input x = 0`, or write an expression in x")
        raise UsageError(f"{program.source.filename} has {len(names)} inputs ({', '.join(names)}): "
                         "say which one to vary with --wrt NAME",
                         hint=f"the others are held at their --at or default values, e.g. --wrt {names[0]}")
    return resolve_wrt(program, [wrt])[0]


def sample_derivatives(program: Program, at: dict, wrt: Optional[str], lo: float, hi: float, points: int,
                       order: int, of: Optional[str] = None, limits: Optional[Limits] = None) -> Samples:
    """f, f', ..., f^(order) at `points` evenly spaced points of [lo, hi], one input varying.

    Taylor mode gives all orders in one pass per point; where it cannot run (a primitive that
    declares no Taylor rule, such as a custom rule's, or a derivative taken inside the program)
    the samples fall back to nested reverse mode, and `method` says so. A point where the program
    fails (an assertion, a domain error it checks itself) is a gap, like a non-finite value.

    `limits.timeout` is the wall time of the whole plot, shared by all its runs (a plot of
    many points must not take --samples times the timeout); the other limits hold for each
    run, one per point (a few per point in nested mode).
    """
    deadline = SharedDeadline(limits or Limits(), "the plot",
                              "raise the limit with --timeout SECONDS, or plot fewer --samples", LimitExceeded)
    try:
        return _sample(program, at, wrt, lo, hi, points, order, of, deadline)
    except LimitExceeded as error:
        if error.limit == "timeout" and deadline.end is not None:
            raise deadline.expired(error.span) from None    # the plot's limit, not a run's remainder
        raise


def _sample(program: Program, at: dict, wrt: Optional[str], lo: float, hi: float, points: int, order: int,
            of: Optional[str], deadline: SharedDeadline) -> Samples:
    from ..engine.taylor import TaylorUnsupported, taylor_derivatives
    from ..engine import transforms as T

    name = plot_input(program, at, wrt)
    limits = deadline.base
    xs = np.linspace(lo, hi, points)
    # One plain run: checks the input and the output are scalars, with a clear error if not.
    info = next(i for i in program.inputs if i.name == name)
    at = dict(at)
    if name not in at and not info.has_default:
        at[name] = float(xs[0])
    first = program.run(at, deadline.next_run(), of=of)
    value = first.inputs.get(name)
    if np.ndim(value):
        raise UsageError(f"plot varies one number, but the input '{name}' has shape "
                         f"{shape_text(np.shape(value))}",
                         hint="plot a scalar input: e.g. write the program in terms of x = v[0]")
    output = plain_output(first.output)
    if np.ndim(output):
        raise UsageError(f"plot draws a function with one number as output, but the output has shape "
                         f"{shape_text(np.shape(output))}", hint="select a scalar with --of NAME, or reduce it "
                         "(e.g. sum(...))")

    point_limits = [limits]         # the limits of the point being sampled (what is left of the plot's time)

    def f(x):
        # a run that is part of the point's: the trace watching x lives in its context
        return program.run(at, point_limits[0], watch=lambda n, v: x if n == name else v, of=of,
                           context=current()).output

    def nested(k):
        fn = f
        for _ in range(k):
            fn = (lambda g: lambda x: T.grad(g, (x,)))(fn)
        return fn

    values = np.full((order + 1, points), np.nan)
    method = "taylor"
    errors = 0
    first_error = None
    functions = None
    for j, x in enumerate(xs):
        x = float(x)
        try:
            point_limits[0] = deadline.next_run()
            with RunContext(point_limits[0]):      # one run per point, all its orders of derivatives
                if method == "taylor":
                    try:
                        series = taylor_derivatives(f, x, max(order, 1))[:order + 1]
                    except TaylorUnsupported:
                        method = "nested"
                        functions = [nested(k) for k in range(order + 1)]
                if method == "nested":
                    series = [strip(fn(x)) for fn in functions]
        except LimitExceeded:
            raise
        except ProgramError as error:
            errors += 1
            first_error = first_error or error
            continue
        for k, v in enumerate(series):
            v = strip(v)
            if np.ndim(v) == 0:
                try:
                    values[k, j] = float(v)
                except (TypeError, ValueError):
                    pass
    if errors == points and first_error is not None:
        raise first_error
    # A derivative where the function itself is undefined (log at x < 0 has the series
    # of 1/x, but no value) is left out as well.
    values[1:, ~np.isfinite(values[0])] = np.nan
    return Samples(xs, values, name, first.output_name, method, errors, first_error)


def y_limits(series: Iterable[np.ndarray], robust: bool = True) -> tuple[float, float]:
    """A y range showing every finite value, or the bulk of them when a few are far out (poles)."""
    finite = np.concatenate([np.asarray(s, dtype=float)[np.isfinite(s)] for s in series] or [np.zeros(0)])
    if finite.size == 0:
        return -1.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    if robust and finite.size >= 20:
        q_lo, q_hi = np.percentile(finite, [5, 95])
        spread = max(q_hi - q_lo, 1e-12)
        if hi - lo > 5 * spread:
            lo, hi = float(q_lo - 0.25 * spread), float(q_hi + 0.25 * spread)
    if hi - lo < 1e-12 * max(1.0, abs(hi)):
        pad = max(abs(hi) * 0.1, 1.0)
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def derivative_label(k: int, base: str = "f") -> str:
    """f, f', f'', f''', f^(4), ..."""
    if k <= 3:
        return base + "'" * k
    return f"{base}^({k})"


def finite_fraction(values: np.ndarray) -> float:
    return float(np.mean(np.isfinite(values))) if values.size else 0.0


__all__ = ["Recording", "Entry", "Operand", "Received", "record", "page", "in_ranges", "Graph", "GraphNode",
           "GraphEdge", "build_graph", "Samples", "sample_derivatives", "plot_input", "y_limits",
           "derivative_label", "assigned_names", "span_text"]
