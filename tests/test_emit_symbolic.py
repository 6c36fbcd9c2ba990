"""The symbolic layer of `autodiff emit` and `--formula` (diffcore/emit): expressions recorded
by running the registry's own rules on symbolic tracers, simplified and printed.

The guarantee the emitter relies on: for every primitive of the registry and every case of
tests/test_primitives.py's table, the expression that the symbolic trace records for each
VJP rule and for the JVP rule evaluates (by the primitives, and as printed numpy text) to the
rule's own numeric result, exactly, and so does its simplified form, within 1e-12.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from autodiff.diffcore.derivatives import evaluate as evaluate_program
from autodiff.diffcore.program import Program
from autodiff.diffcore.emit.printing import NUMPY_HELPERS, NotPrintable, Printer, to_language
from autodiff.diffcore.emit.simplify import simplify
from autodiff.diffcore.emit.symbolic import ExprTable, evaluate, postorder, trace_function
from autodiff.diffcore.engine import arrays as A
from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.engine import transforms as T
from autodiff.diffcore.engine.tracing import REGISTRY
from test_primitives import ALL, IDS, random_like, rng_for

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

NAMES = "abcdefgh"


def close(actual, expected, rtol=1e-12):
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    scale = np.maximum(np.abs(expected), 1.0)
    assert np.all((np.abs(actual - expected) <= rtol * scale) | (actual == expected)), (actual, expected)


def numpy_value(node, env: dict):
    """The value of the numpy text of `node`, run by Python with np and the helpers it names."""
    printer = Printer("python")
    text = printer(node)
    scope = {"np": np}
    for helper in printer.helpers:
        exec(NUMPY_HELPERS[helper], scope)
    scope.update({k: (np.float64(v) if isinstance(v, float) else v) for k, v in env.items()})
    with np.errstate(all="ignore"):
        return eval(text, scope)        # the text is ours, made of numbers and names we chose


def check_rule(rule, samples: dict, expected):
    table = ExprTable()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expr, value = trace_function(rule, samples, table)
        recorded, = evaluate([expr], samples)
        close(value, expected, rtol=0)
        close(recorded, expected, rtol=0)
        simple, = simplify([expr], table)
        close(evaluate([simple], samples)[0], expected)
        close(numpy_value(simple, samples), expected)
        if language_less(simple):
            with pytest.raises(NotPrintable, match="sinc"):
                to_language(simple)
        else:
            close(language_value(simple, samples), expected)


def language_less(node) -> bool:
    """Whether the expression holds a derivative of sinc, which the language has no builtin for
    (docs/emit.md): the numpy text computes it (checked above), the language text is refused."""
    return any(n.op == "sinc" and n.params.get("order", 0) for n in postorder([node]))


def language_value(node, env: dict):
    """The value of the language text of `node`, parsed back and run as a program."""
    program = Program.from_text(to_language(node) + "\n", "<rule>")
    return evaluate_program(program, {n: env[n] for n in program.input_names}).output


@pytest.mark.parametrize("name,case", ALL, ids=IDS)
def test_each_vjp_rule_recorded_symbolically_computes_the_rule(name, case):
    prim = REGISTRY[name]
    args = case.args(name)
    ans = prim.bind(*args, **case.params)
    g = random_like(rng_for(f"symbolic/{name}/{case.id}"), np.shape(ans))
    names = NAMES[:len(args)]
    for k in range(len(args)):
        expected = prim.vjps[k](g, ans, *args, **case.params)

        def rule(g, **xs):
            values = [xs[n] for n in names]
            return prim.vjps[k](g, prim.bind(*values, **case.params), *values, **case.params)
        check_rule(rule, {"g": g, **dict(zip(names, args))}, expected)


@pytest.mark.parametrize("name,case", ALL, ids=IDS)
def test_each_jvp_rule_recorded_symbolically_computes_the_rule(name, case):
    prim = REGISTRY[name]
    args = case.args(name)
    ans = prim.bind(*args, **case.params)
    r = rng_for(f"symbolic-jvp/{name}/{case.id}")
    tangents = tuple(random_like(r, np.shape(x)) for x in args)
    expected = prim.jvp(tangents, ans, *args, **case.params)
    names = NAMES[:len(args)]

    def rule(**xs):
        values = [xs[n] for n in names]
        return prim.jvp(tuple(xs["t" + n] for n in names), prim.bind(*values, **case.params), *values,
                        **case.params)
    check_rule(rule, {**dict(zip(names, args)), **{"t" + n: t for n, t in zip(names, tangents)}}, expected)


def gradient_text(f, samples: dict) -> list:
    table = ExprTable()
    exprs, _ = trace_function(lambda **xs: T.grad(f, tuple(xs.values()), tuple(range(len(xs)))),
                              samples, table)
    return [to_language(e) for e in simplify(list(exprs), table)]


def test_the_seed_expressions_simplify_to_readable_gradients():
    assert gradient_text(lambda x, y: E.add(E.pow_(x, 2.0), E.pow_(y, 3.0)), {"x": 0.5, "y": 1.5}) == \
        ["2*x", "3*y^2"]
    assert gradient_text(lambda w, x, b: E.pow_(E.add(E.mul(w, x), b), 2.0), {"w": 0.5, "x": 1.5, "b": -0.3}) == \
        ["2*x*(w*x + b)", "2*w*(w*x + b)", "2*(w*x + b)"]
    assert gradient_text(lambda x: E.mul(2.0, A.matmul(x, x)), {"x": np.array([1.0, 2.0, 3.0])}) == ["4*x"]
    assert gradient_text(lambda x: E.mul(E.pow_(x, 2.0), E.sin(x)), {"x": 0.7}) == ["2*x*sin(x) + x^2*cos(x)"]


def test_equal_subexpressions_are_one_node():
    table = ExprTable()
    (a, b), _ = trace_function(lambda x: (E.sin(E.mul(x, x)), E.cos(E.mul(x, x))), {"x": 0.3}, table)
    assert a.args[0] is b.args[0]
    assert table.const(2.0) is table.const(2.0) and table.const(0.0) is not table.const(-0.0)
