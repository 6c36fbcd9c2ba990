"""`autodiff emit`: the derivative of a program as a program (the face the command line calls).

    emit(program, at, mode="reverse"|"forward", target="expr"|"python", wrt=None, of=None)
        -> Emitted: the text, the source map, the inputs that cannot affect the output, counts

The emitted code is specialised to the shapes of the inputs' values (their defaults, or `at`).
In the language (`--to expr`) it is a program whose output is the tuple (value, derivative of
each --wrt input in order) in reverse mode, (value, tangent) in forward mode, with the direction
as inputs `x_dot` (default 1 everywhere) and, for an output that is an array, its cotangent as
the input `y_bar` (default 1 everywhere). In numpy (`--to python`) it is a module with `f(...)`
and `grad_f(...) -> (value, {input: gradient})` or `jvp_f(..., x_dot=...) -> (value, tangent)`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from autodiff.grammar import ast, parse

from ..derivatives import resolve_wrt
from ..engine.broadcasting import value_shape
from ..engine.context import Limits, RunContext
from ..program import Program, UsageError, discard
from .absorb import LANGUAGE_HELPERS, nonfinite_names
from .activity import dead_code, useful, varied
from .ir import Assign, walk
from .lower import EmitError, Lowering, Poison
from .naming import Namer, RESERVED_PYTHON
from .printing import NUMPY_HELPERS, PYTHON, array_text, number_text
from .sweeps import Forward, Reverse, forward_sweep
from .symbolic import symbolic
from .writer import Writer, stacks_in

MODES = ("reverse", "forward")
TARGETS = ("expr", "python")


class Emitted:
    """An emitted derivative program: its `text`, the `mode` and `target` it was written for, the
    `output` differentiated, the inputs differentiated (`wrt`) and those that cannot affect the
    output (`inactive`), the `source_map` (emitted line -> source span), the `stats` of the lean
    passes, and the `extra` inputs the code takes (directions, an array output's cotangent).

    What running the code needs (diffcore/compiled) comes along: the lowered program (`block`),
    the names that vary with the --wrt inputs (`varied`), the sample values (`samples`), the
    inputs' values (`inputs`) and the sample run itself (`run`)."""

    def __init__(self, text: str, mode: str, target: str, output: str, wrt: list, inactive: list,
                 source_map: list, stats: dict, extra: list, block: list, varied: set, samples: dict,
                 inputs: dict, run):
        self.text, self.mode, self.target, self.output = text, mode, target, output
        self.wrt, self.inactive, self.source_map, self.stats = wrt, inactive, source_map, stats
        self.extra = extra
        self.block, self.varied, self.samples, self.inputs, self.run = block, varied, samples, inputs, run

    def as_json(self) -> dict:
        return {"extra_inputs": self.extra, "mode": self.mode, "to": self.target, "output": self.output, "wrt": self.wrt,
                "inactive": self.inactive, "code": self.text, "source_map": self.source_map, "stats": self.stats}


def source_names(module: ast.Module) -> set:
    names = set()
    stack = list(module.body)
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Name):
            names.add(n.id)
        for field in ast.fields(n) if hasattr(n, "__slots__") else ():
            v = getattr(n, field, None)
            if isinstance(v, str) and field in ("name", "id"):
                names.add(v)
            elif isinstance(v, tuple):
                for item in v:
                    if isinstance(item, tuple):
                        stack.extend(x for x in item if hasattr(x, "__slots__") or isinstance(x, tuple))
                    elif hasattr(item, "__slots__"):
                        stack.append(item)
            elif hasattr(v, "__slots__") and not isinstance(v, str) and field != "span":
                stack.append(v)
    return names


def emit(program: Program, at: Optional[dict] = None, mode: str = "reverse", target: str = "expr",
         wrt: Optional[list] = None, of: Optional[str] = None, lean: bool = True,
         limits: Optional[Limits] = None, stats: bool = True, max_literal: Optional[int] = None) -> Emitted:
    if mode not in MODES or target not in TARGETS:
        raise ValueError(f"mode {mode!r} / target {target!r}")
    run = program.run(dict(at or {}), limits, of=of, print_fn=discard)
    inputs = {name: run.inputs[name] for name in program.input_names}
    wrt = resolve_wrt(program, wrt)
    module = parse(program.source)
    filename = program.source.filename.rsplit("/", 1)[-1]
    with RunContext():
        with symbolic() as trace:
            namer = Namer(source_names(module), set(NUMPY_HELPERS) | {"_arg"})
            low = Lowering(trace, namer, filename)
            # counting lines writes the code in the language, whose scatter of a slice is a matrix
            # of size n^2: the compiled engine, which never shows them, does without (stats=False)
            low.count_lines = stats
            for name, value in inputs.items():
                if name in RESERVED_PYTHON or name.startswith("_"):
                    raise EmitError(f"the input '{name}' would shadow a Python name in emitted code",
                                    next(i.span for i in program.inputs if i.name == name),
                                    hint="rename the input")
                namer.taken.add(name)
                low.samples[name] = value
                low.frame.vars[name] = low.var(name)
            low.last_statement = module.body[-1] if module.body else None
            low.run_block(module.body)
            out_source = of or low.last_top or run.output_name
            if isinstance(low.frame.vars.get(out_source), Poison):
                raise low.frame.vars[out_source].error
            if out_source is None or not hasattr(low.frame.vars.get(out_source), "expr"):
                raise UsageError("emit needs the program's output as a variable", hint="pass --of NAME")
            output = low.frame.vars[out_source].expr.name
            if low.frame.vars[out_source].expr.op != "var":
                raise UsageError("emit needs the program's output as a variable", hint="pass --of NAME")
            block = low.block
            if max_literal is not None:
                _check_literals(block, max_literal)
            reach = useful(block, output)
            active = varied(block, set(wrt)) & reach if lean else \
                {s.name for s in walk(block) if isinstance(s, Assign)} | set(wrt) | {output}
            inactive = [w for w in wrt if w not in reach]
            live_wrt = [w for w in wrt if w in active]
            make = _reverse if mode == "reverse" else _forward
            code, stats = make(low, block, active, output, live_wrt, lean, target, inputs, wrt, inactive, filename)
    text, source_map = code
    return Emitted(text, mode, target, out_source, wrt, inactive, source_map, stats, low.extra,
                   block, varied(block, set(wrt)), low.samples, inputs, run)


def _check_literals(block: list, most: int) -> None:
    """Refuse a constant array of more than `most` elements: written as a literal, its text
    (and Python's compiling of it) would cost more than any run (the compiled engine asks)."""
    from .symbolic import postorder
    for s in walk(block):
        if isinstance(s, Assign) and hasattr(s.value, "op"):
            for node in postorder([s.value]):
                if node.op == "const" and np.size(node.value) > most:
                    raise EmitError(f"a constant array of {np.size(node.value):,} elements: its literal would be "
                                    f"longer than the code that computes it", s.span,
                                    hint="pass it as an input, or use the tape (--engine tape)")


def _reverse(low, block, active, output, live_wrt, lean, target, inputs, wrt, inactive, filename):
    rev = Reverse(low, active)
    shape = value_shape(low.samples[output])
    seed_input = None
    if shape:
        seed_input = low.namer.adjoint(output)
        low.samples[seed_input] = np.ones(shape)
        rev.seed(output, low.table.var(seed_input, shape))
    else:
        rev.seed(output, low.table.const(1.0))
    backward = rev.block(block)
    for w in live_wrt:
        rev.materialize(backward, w, None)
    bars = [low.namer.adjoint(w) for w in live_wrt]
    forward = forward_sweep(block, rev.loops)
    live = {output} | set(bars)
    if lean:
        forward_backward, _ = dead_code(forward + [_Mark()] + backward, live)
    else:
        forward_backward = forward + [_Mark()] + backward
    cut = next(i for i, s in enumerate(forward_backward) if isinstance(s, _Mark))
    fw, bw = forward_backward[:cut], forward_backward[cut + 1:]
    plain, _ = dead_code(forward_sweep(block, {}), {output})
    results = [output] + bars
    extra = [seed_input] if seed_input else []
    return _assemble(low, target, filename, fw, bw, plain, inputs, extra, results, live_wrt, inactive,
                     "reverse"), _stats(fw, bw, rev) if low.count_lines else {}


def _forward(low, block, active, output, live_wrt, lean, target, inputs, wrt, inactive, filename):
    fwd = Forward(low, active)
    dots = [fwd.dot(w) for w in live_wrt]
    body = fwd.block(block)
    out_dot = fwd.dot(output)
    if output not in active:
        body.append(Assign(out_dot, fwd.zeros(output), None))
    if lean:
        body, _ = dead_code(body, {output, out_dot})
    plain, _ = dead_code(forward_sweep(block, {}), {output})
    return _assemble(low, target, filename, body, [], plain, inputs, dots, [output, out_dot], live_wrt, inactive,
                     "forward"), {"lines": _count(body), "saved_values": 0} if low.count_lines else {}


class _Mark:
    """Where the forward sweep ends, kept through dead-code removal."""
    span = None

    def reads(self):
        return set()


def _count(block) -> int:
    """The lines of code of a block as the language writes it (whatever its expressions, which the
    count does not print: a target may refuse one that the other writes)."""
    w = Writer("expr", "", texts=False)
    w.block(block, 0)
    return sum(1 for _, t, _ in w.lines if not t.startswith("#"))


def _names(low) -> frozenset:
    """Every name of the emitted program (the temporaries of a statement avoid them)."""
    return frozenset(low.namer.taken | low.namer.source | low.namer.reserved)


def _stats(fw, bw, rev) -> dict:
    pushes = sum(len(p) for _, p in rev.loops.values())
    return {"lines": _count(fw) + _count(bw), "saved_values": pushes}


def _literal(value, target: str) -> str:
    if isinstance(value, np.ndarray):
        return array_text(value, target)
    return number_text(float(value), target)


def _assemble(low, target, filename, fw, bw, plain, inputs, extra, results, live_wrt, inactive, mode) -> tuple:
    low.extra = list(extra)         # the inputs the derivative adds: the direction, or the cotangent
    shapes = ", ".join(f"{n}: {value_shape(v) or 'number'}" for n, v in inputs.items())
    header = [f"{mode} mode derivative of {filename}, emitted by `autodiff emit`",
              f"specialised to the input shapes {shapes}: other shapes need a new emit"]
    if inactive:
        header.append("no derivative for " + ", ".join(inactive) + ": they cannot affect the output")
    nonfinite = nonfinite_names([fw, bw])
    if target == "expr":
        w = Writer("expr", filename, taken=_names(low), nonfinite=nonfinite)
        for line in header:
            w.comment(0, line)
        for name, value in inputs.items():
            w.line(0, f"input {name} = {_literal(value, 'expr')}")
        for name in extra:
            w.line(0, f"input {name} = {_literal(np.ones_like(low.samples[name]) if np.ndim(low.samples[name]) else 1.0, 'expr')}")
        for stack in stacks_in(fw):
            w.line(0, f"{stack} = zeros(0)")
        w.comment(0, "forward sweep" if mode == "reverse" else "values and tangents")
        w.last_line = None
        w.block(fw, 0)
        if bw:
            w.comment(0, "backward sweep")
            w.last_line = None
            w.block(bw, 0)
        w.comment(0, "output: (" + ", ".join(results) + ")")
        w.line(0, "(" + ", ".join(results) + ")")
        # the helpers the code calls (absorb.py), defined after the header
        w.lines[len(header):len(header)] = [(0, line, None) for name in sorted(w.printer.helpers)
                                            for line in LANGUAGE_HELPERS[name].rstrip("\n").split("\n")]
        return w.text(), _source_map(w, 0)
    return _module(low, filename, header, fw, bw, plain, inputs, extra, results, live_wrt, mode, nonfinite)


def _module(low, filename, header, fw, bw, plain, inputs, extra, results, live_wrt, mode, nonfinite) -> tuple:
    params = list(inputs)
    parts = []
    fn_f = Writer(PYTHON, filename, taken=_names(low))
    fn_f.block(plain, 0)
    fn_d = Writer(PYTHON, filename, taken=_names(low), nonfinite=nonfinite)
    for stack in stacks_in(fw):
        fn_d.line(0, f"{stack} = []")
    fn_d.block(fw, 0)
    fn_d.block(bw, 0)
    helpers = set(fn_f.printer.helpers) | set(fn_d.printer.helpers)
    parts.append("".join(f"# {line}\n" for line in header))
    parts.append("import numpy as np\n\n")
    for name in sorted(helpers):
        parts.append("\n" + NUMPY_HELPERS[name])
    parts.append("\n\ndef _arg(value, shape):\n    value = np.array(value, dtype=np.float64)\n"
                 "    if value.shape != shape:\n"
                 "        raise ValueError('this module is specialised to shape %s, not %s' % (shape, value.shape))\n"
                 "    return value if shape else np.float64(value)\n")
    shapes = {n: value_shape(v) for n, v in inputs.items()}
    shapes.update({n: value_shape(low.samples[n]) for n in extra})

    def function(name, args, body: Writer, returns: str) -> tuple:
        lines = [f"\n\ndef {name}({', '.join(args)}):"]
        lines += [f"    {a} = _arg({a}, {shapes[a]!r})" for a in args]
        lines.append("    with np.errstate(all='ignore'):")
        first = len(lines)
        lines += body.text(base=2).rstrip("\n").split("\n") if body.lines else ["        pass"]
        lines.append(f"    return {returns}")
        return "\n".join(lines) + "\n", first, body
    out = results[0]
    texts = [function("f", params, fn_f, out)]
    if mode == "reverse":
        grads = "{" + ", ".join(f"{w!r}: {b}" for w, b in zip(live_wrt, results[1:])) + "}"
        texts.append(function("grad_f", params + extra, fn_d, f"{out}, {grads}"))
    else:
        texts.append(function("jvp_f", params + extra, fn_d, f"{out}, {results[1]}"))
    text = "".join(parts)
    source_map = []
    for body_text, first, writer in texts:
        start = text.count("\n") + 1
        text += body_text
        for k, (_, _, span) in enumerate(writer.lines):
            if span is not None:
                source_map.append({"line": start + first + k, "source": _span_text(filename, span)})
    return text, source_map


def _span_text(filename: str, span) -> str:
    return f"{filename}:{span.line}:{span.col}"


def _source_map(w: Writer, offset: int) -> list:
    return [{"line": k + 1 + offset, "source": _span_text(w.filename, span)}
            for k, (_, _, span) in enumerate(w.lines) if span is not None]
