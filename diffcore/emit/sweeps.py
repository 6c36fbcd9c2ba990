"""The derivative programs, from ir.py's statements: the adjoint (reverse) and the tangent (forward).

Every derivative expression comes from the registry: `vjp_of` runs each primitive's own `vjps`
rule, and `jvp_of` its `jvp` rule, on symbolic tracers (symbolic.py), so the rule's primitives
are recorded as an expression; simplify.py then removes `* 1`, zeros and folds constants.

Reverse mode, the classic recipe: the forward sweep is the program (its single assignments
keep every value), then the backward sweep visits the statements in reverse. An adjoint is
"zero" until its first contribution, which assigns it (`a_bar = 3*b_bar`); later ones add
(`a_bar = a_bar + c_bar`). A branch replays the decision the forward sweep kept. A loop's body
runs many times and overwrites its names, so the forward sweep counts the iterations and pushes,
at the end of each, the values the backward body reads; the backward loop runs as many times,
popping them in reverse. A rule can read values beyond shapes (abs reads the sign of its
argument): the rule is run at a second point, and an expression that changes is refused.
"""
from __future__ import annotations


import numpy as np

from ..engine import elementwise as E
from ..engine.broadcasting import value_shape
from .activity import Counted, Pop, Push, Repeat
from .ir import Assign, Code, Custom, If, Loop, assigned, walk
from .lower import EmitError
from .reuse import reusable, stable_values, substitute, unstable_names
from .simplify import simplify
from .symbolic import Const, evaluate, postorder


class Sweeps:
    def __init__(self, lowering, active: set):
        self.low = lowering
        self.trace, self.table, self.namer = lowering.trace, lowering.table, lowering.namer
        self.samples = lowering.samples
        self.active = active
        self.held: dict = {}           # id(node) -> the name of a forward value (reuse.py)
        self.unstable = None           # the names not to reuse, set when the program's block is visited

    def reuse(self, expr):
        """`expr` reading the names of the forward values it would otherwise compute again."""
        return substitute(expr, self.held, self.table) if expr is not None else None

    # ------------------------------------------------------ rules as expressions

    def _values(self, expr, perturbed: bool) -> dict:
        nodes = postorder([expr])
        env = {n.name: self._sample(n.name, perturbed) for n in nodes if n.op == "var"}
        values = evaluate(nodes, env)
        return {id(n): self.trace.tracer(n, v) for n, v in zip(nodes, values)}

    def _sample(self, name: str, perturbed: bool):
        v = self.samples[name]
        if not perturbed:
            return v
        if isinstance(v, np.ndarray) and v.dtype == bool or isinstance(v, (bool, np.bool_)):
            return v
        return np.asarray(v, dtype=np.float64) * 1.3125 + 0.40625 if np.ndim(v) else float(v) * 1.3125 + 0.40625

    def _depends(self, expr, names: set) -> set:
        out = set()
        for n in postorder([expr]):
            if (n.op == "var" and n.name in names) or any(id(a) in out for a in n.args):
                out.add(id(n))
        return out

    def vjp_of(self, expr, g, names: set, span) -> dict:
        """{name: the expression of its contribution}, for the Vars of `expr` in `names`, given the
        output cotangent `g` (an expression)."""
        live = self._depends(expr, names)
        if id(expr) not in live:
            return {}
        results = []
        for perturbed in (False, True):
            vals = self._values(expr, perturbed)
            level = 0.75 if not perturbed else 1.625
            if isinstance(g, Const):
                gsample = g.value
            else:
                gsample = np.full(g.shape, level) if g.shape else level
            ct = {id(expr): self.trace.tracer(g, gsample)}
            nodes = postorder([expr])
            for n in reversed(nodes):
                if n.op in ("var", "const") or id(n) not in ct:
                    continue
                for k, a in enumerate(n.args):
                    if id(a) not in live:
                        continue
                    rule = n.prim.vjps[k]
                    if rule is None:
                        raise EmitError(f"{n.prim.name} has no derivative in argument {k + 1}", span)
                    c = rule(ct[id(n)], vals[id(n)], *[vals[id(x)] for x in n.args], **n.params)
                    ct[id(a)] = c if id(a) not in ct else E.add(ct[id(a)], c)
            results.append({n.name: self.trace.expression(ct[id(n)]) for n in nodes
                            if n.op == "var" and n.name in names and id(n) in ct})
        plain, moved = results
        for name in plain:
            if plain[name] is not moved.get(name):
                raise EmitError("a derivative rule here reads the values at the sample point (a sign, a tie, "
                                "a test), not only their shapes: emitted code could not follow other points",
                                span, hint="emit writes programs whose derivative rules are expressions; "
                                           "use `autodiff grad` for this one")
        roots = list(plain.values())
        return dict(zip(plain, simplify(roots, self.table)))

    def jvp_of(self, expr, tangents: dict, span):
        """The tangent expression of `expr`, given {name: tangent expression} of its Vars."""
        names = set(tangents)
        live = self._depends(expr, names)
        if id(expr) not in live:
            return None
        vals = self._values(expr, False)
        tan = {}
        for n in postorder([expr]):
            if id(n) not in live:
                continue
            if n.op == "var":
                t = tangents[n.name]
                tan[id(n)] = self.trace.tracer(t, self._zero_like(n))
                continue
            ts = [tan.get(id(a)) for a in n.args]
            tan[id(n)] = n.prim.jvp(ts, vals[id(n)], *[vals[id(a)] for a in n.args], **n.params)
        return simplify([self.trace.expression(tan[id(expr)])], self.table)[0]

    def _zero_like(self, n):
        return np.zeros(n.shape) if n.shape else 0.0

    def var(self, name: str, shape=None):
        if shape is None:
            shape = value_shape(self.samples[name])
        return self.table.var(name, shape)

    def zeros(self, name: str) -> Code:
        shape = value_shape(self.samples[name])
        return Code(f"zeros({', '.join(map(str, shape))})" if shape else "0",
                    f"np.zeros({shape!r})" if shape else "0.0", ())


class Reverse(Sweeps):
    """The backward sweep; it also sets what each forward loop keeps (`self.loops`)."""

    def __init__(self, lowering, active: set):
        super().__init__(lowering, active)
        self.adj: dict = {}
        self.loops: dict = {}          # id(Loop) -> (count, pushes)

    def bar(self, name: str) -> str:
        bar = self.namer.adjoint(name)
        self.samples.setdefault(bar, np.zeros_like(self.samples[name], dtype=np.float64)
                                if np.ndim(self.samples[name]) else 0.0)
        return bar

    def seed(self, output: str, value) -> None:
        self.adj[output] = value

    def accumulate(self, out: list, name: str, c, span) -> None:
        cur = self.adj.get(name)
        bar = self.bar(name)
        if cur is None:
            if isinstance(c, Const):
                self.adj[name] = c
                return
            value = c
        else:
            value = simplify([self.table.call(E.add.primitive, (cur, c), None, cur.shape)], self.table)[0]
        if isinstance(value, Const):
            self.adj[name] = value
            return
        out.append(Assign(bar, value, span))
        self.adj[name] = self.var(bar)

    def materialize(self, out: list, name: str, span) -> None:
        bar = self.bar(name)
        cur = self.adj.get(name)
        if cur is not None and cur.op == "var" and cur.name == bar:
            return
        out.append(Assign(bar, cur if cur is not None else self.zeros(name), span))
        self.adj[name] = self.var(bar)

    def block(self, block: list) -> list:
        if self.unstable is None:                   # the program: every top-level value is held
            self.unstable = unstable_names(block)
            self.held = stable_values(block)
        out: list = []
        for s in reversed(block):
            if isinstance(s, Assign):
                self.assign(out, s)
            elif isinstance(s, If):
                self.branch(out, s)
            elif isinstance(s, Loop):
                self.loop(out, s)
            elif isinstance(s, Custom):
                self.custom(out, s)
        return out

    def assign(self, out: list, s: Assign) -> None:
        if s.name not in self.active:
            return
        g = self.adj.pop(s.name, None)
        if g is None or s.stop:
            return
        for name, c in self.vjp_of(s.value, g, self.active, s.span).items():
            self.accumulate(out, name, self.reuse(c), s.span)

    def branch(self, out: list, s: If) -> None:
        start = dict(self.adj)
        then = self.block(s.then)
        after_then, self.adj = self.adj, dict(start)
        orelse = self.block(s.orelse)
        after_else = self.adj
        for name in set(after_then) | set(after_else):
            a, b = after_then.get(name), after_else.get(name)
            if a is b:
                continue
            self.adj = after_then
            self.materialize(then, name, s.span)
            self.adj = after_else
            self.materialize(orelse, name, s.span)
            after_then[name] = after_else[name]
        self.adj = after_else
        if then or orelse:
            out.append(If(s.cond, then, orelse, s.span))

    def loop(self, out: list, s: Loop) -> None:
        inside = assigned(s.body) | {first for first, _ in s.carried}
        if not (inside & self.active):
            return
        local = assigned(s.body)
        outside = set()
        for st in walk(s.body):
            if isinstance(st, Assign) and not st.stop:
                outside.update(r for r in st.reads() if r in self.active)
            elif isinstance(st, Custom):
                outside.update(a for a in st.args if a in self.active)
        outside = (outside | {first for first, _ in s.carried if first in self.active}) - local
        for name in sorted(outside):
            self.materialize(out, name, s.span)
        for name in local:
            self.adj.pop(name, None)
        body: list = []
        for first, end in reversed(s.carried):
            self.assign(body, Assign(first, self.var(end), s.span))
        body += self.block(s.body)
        for name in sorted(outside):
            self.materialize(body, name, s.span)
        for name in local:
            self.adj.pop(name, None)
        defined = local | {first for first, _ in s.carried} | {st.number for st in walk(s.body) if isinstance(st, Loop)}
        needed = [n for n in _reads(body) if n in defined]
        stacks = [(self.namer.fresh(f"stack_{n}"), n) for n in needed]
        pushes = [Push(st, n, s.span, value_shape(self.samples[n]), _is_truth(self.samples[n])) for st, n in stacks]
        pops = [Pop(p.stack, p.name, p.span, p.shape, p.truth) for p in reversed(pushes)]
        self.loops[id(s)] = (s.number, pushes)
        out.append(Repeat(s.number, pops + body, s.span))

    def custom(self, out: list, s: Custom) -> None:
        if s.out not in self.active or self.adj.get(s.out) is None:
            self.adj.pop(s.out, None)
            return
        self.materialize(out, s.out, s.span)
        out.extend(s.rule)
        self.adj.pop(s.out, None)
        for arg, result in zip(s.args, s.results):
            if arg in self.active:
                self.accumulate(out, arg, self.var(result), s.span)


def _reads(block: list) -> list:
    names: list = []
    for s in block:
        if isinstance(s, Assign):
            names += s.reads()
        elif isinstance(s, If):
            names.append(s.cond)
            names += _reads(s.then) + _reads(s.orelse)
        elif isinstance(s, Repeat):
            names.append(s.count)
            names += _reads(s.body)
    return list(dict.fromkeys(names))


def _is_truth(v) -> bool:
    return isinstance(v, (bool, np.bool_)) or (isinstance(v, np.ndarray) and v.dtype == bool)


def forward_sweep(block: list, loops: dict) -> list:
    """The forward statements as printed: loops with their trip counts and pushes."""
    out = []
    for s in block:
        if isinstance(s, If):
            out.append(If(s.cond, forward_sweep(s.then, loops), forward_sweep(s.orelse, loops), s.span))
        elif isinstance(s, Loop):
            count, pushes = loops.get(id(s), (None, []))
            out.append(Counted(s, forward_sweep(s.head, loops), forward_sweep(s.body, loops), count, pushes,
                               list(s.carried)))
        elif isinstance(s, Custom):
            continue
        else:
            out.append(s)
    return out


class Forward(Sweeps):
    """The tangent program: each active assignment followed by its tangent's."""

    def dot(self, name: str) -> str:
        dot = self.namer.tangent(name)
        self.samples.setdefault(dot, np.zeros_like(self.samples[name], dtype=np.float64)
                                if np.ndim(self.samples[name]) else 0.0)
        return dot

    def block(self, block: list) -> list:
        top = self.unstable is None
        if top:                                     # the program: a top-level value is held after it
            self.unstable = unstable_names(block)
        out: list = []
        for s in block:
            if isinstance(s, Assign):
                out.append(s)
                if top and reusable(s, self.unstable):
                    self.held.setdefault(id(s.value), s.name)
                if s.name in self.active:
                    self.tangent(out, s)
            elif isinstance(s, If):
                out.append(If(s.cond, self.block(s.then), self.block(s.orelse), s.span))
            elif isinstance(s, Loop):
                carried = list(s.carried) + [(self.dot(a), self.dot(b)) for a, b in s.carried if a in self.active]
                out.append(Counted(s, list(s.head), self.block(s.body), None, [], carried))
            elif isinstance(s, Custom):
                self.custom(out, s)
        return out

    def tangent(self, out: list, s: Assign) -> None:
        t = None
        if not s.stop:
            reads = [r for r in s.reads() if r in self.active]
            t = self.reuse(self.jvp_of(s.value, {r: self.var(self.dot(r)) for r in reads}, s.span)) if reads else None
        out.append(Assign(self.dot(s.name), t if t is not None else self.zeros(s.name), s.span))

    def custom(self, out: list, s: Custom) -> None:
        if s.out not in self.active:
            return
        g = self.namer.adjoint(s.out)
        env = {}
        for st in s.rule:
            if not isinstance(st, Assign):
                raise EmitError("forward mode through a custom rule with branches or loops", st.span,
                                hint="use --mode reverse")
            if isinstance(st.value, Code):
                out.append(st)
                continue
            nodes = postorder([st.value])
            values = evaluate(nodes, {n.name: env.get(n.name) or self.trace.tracer(n, self.samples[n.name])
                                      for n in nodes if n.op == "var"})
            env[st.name] = values[-1] if hasattr(values[-1], "expr") else self.trace.tracer(
                self.table.const(values[-1]), values[-1])
        total = None
        for arg, result in zip(s.args, s.results):
            if arg not in self.active:
                continue
            expr = self.trace.expression(env[result])
            c = self.vjp_of(expr, self.var(self.dot(arg)), {g}, s.span).get(g)
            if c is not None:
                total = c if total is None else simplify(
                    [self.table.call(E.add.primitive, (total, c), None, total.shape)], self.table)[0]
        out.append(Assign(self.dot(s.out), total if total is not None else self.zeros(s.out), s.span))
