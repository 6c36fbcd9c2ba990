"""Batched tangents: the batching trace, and the forward-mode Jacobians and Hessians built on it.

1. Every registered primitive has a batching rule, and on a batch it gives what the
   primitive gives on each example in turn, for every choice of which arguments carry
   the batch axis (the cases come from a table keyed by the registry: a new primitive
   without a case here fails the test).
2. Hessians and forward-mode Jacobians (one batched pass per chunk of directions) equal
   the column-by-column computation (one plain forward pass per input element) and
   finite differences, on the samples, on random programs, across chunk boundaries, and
   through nested derivatives, no_grad, custom backward rules, checkpoints and control
   flow on values.
"""
from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from autodiff.diffcore.engine import batching as batching_module
from autodiff.diffcore.engine import transforms as T
from autodiff.diffcore.engine.batching import Batched, batching
import linalg_cases
from autodiff.diffcore.higher import ProgramFunction, derivative_tensors, jacobian
from autodiff.diffcore.engine.context import RunContext
from autodiff.diffcore.program import Program
from autodiff.diffcore.interpreter.runtime import Limits
from autodiff.diffcore.engine.tracing import REGISTRY, NoRule, Primitive, strip
from autodiff.grammar.source import ProgramError
from fuzzing.programs import programs

REPO = Path(__file__).resolve().parents[1]
B = 3
# The declaration of the primitives made by the tests below, which no Taylor or batching trace runs.
TEST_ONLY = NoRule("a primitive made by a test")


# --------------------------------------------------- 1. every primitive, batched

def _positive(rng, shape):
    return rng.uniform(0.2, 0.9, shape) if shape else float(rng.uniform(0.2, 0.9))


def _mixed(rng, shape):
    return rng.uniform(-1.5, 1.5, shape) if shape else float(rng.uniform(-1.5, 1.5))


UNARY = ["abs", "acos", "asin", "atan", "cos", "cosh", "exp", "expm1", "log", "log1p", "neg", "relu",
         "sigmoid", "sin", "sinh", "softplus", "sqrt", "tan", "tanh", "erf", "erfc", "gammaln", "asinh", "atanh"]
BINARY = ["add", "sub", "mul", "div", "pow", "mod", "maximum", "minimum", "atan2", "hypot", "cot_mul", "cot_div",
          "fmax", "fmin", "xlogy"]
REDUCTIONS = ["sum", "max", "min", "prod", "norm", "logsumexp"]
BROADCAST_PAIRS = [((), ()), ((3,), ()), ((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (2, 3)),
                   ((2, 1), (1, 3)), ((2, 3), ())]
REDUCTION_CASES = [((), {}), ((4,), {}), ((4,), {"axis": (0,)}), ((4,), {"axis": (0,), "keepdims": True}),
                   ((2, 3), {}), ((2, 3), {"axis": (1,)}), ((2, 3), {"axis": (0,), "keepdims": True}),
                   ((2, 3), {"axis": (0, 1)}), ((2, 3), {"keepdims": True})]


def _cases() -> dict:
    """name -> [(argument shapes, params, maker of one argument value)] for one example."""
    cases: dict = {}
    for name in UNARY:
        cases[name] = [([s], {}, _positive) for s in [(), (4,), (2, 3)]]
    for name in BINARY:
        cases[name] = [([a, b], {}, _positive) for a, b in BROADCAST_PAIRS]
    for name in REDUCTIONS:
        cases[name] = [([s], params, _mixed) for s, params in REDUCTION_CASES]
    cases["acosh"] = [([s], {}, lambda rng, shape: 1.0 + _positive(rng, shape)) for s in [(), (4,), (2, 3)]]
    cases["polygamma"] = [([s], params, _positive) for s in [(), (4,), (2, 3)] for params in [{}, {"order": 2}]]
    cases["sinc"] = [([s], params, _mixed) for s in [(), (4,), (2, 3)] for params in [{}, {"order": 1}]]
    for name in ("cumsum", "cumprod"):
        cases[name] = [([s], params, _mixed) for s, params in [
            ((), {}), ((4,), {}), ((2, 3), {}), ((2, 3), {"axis": 0}), ((2, 3), {"axis": 1}), ((2, 3, 2), {"axis": 1})]]
    cases["where"] = [([(), ()], {"cond": True}, _mixed), ([(), (3,)], {"cond": np.array([True, False, True])}, _mixed),
                      ([(3,), ()], {"cond": np.array([[True, False, True], [False, False, True]])}, _mixed),
                      ([(2, 3), (3,)], {"cond": np.array([False, True, True])}, _mixed)]
    cases["reshape"] = [([(2, 3)], {"shape": (3, 2)}, _mixed), ([(6,)], {"shape": (2, 3)}, _mixed),
                        ([()], {"shape": (1,)}, _mixed), ([(2, 3)], {"shape": (6,)}, _mixed)]
    cases["broadcast_to"] = [([()], {"shape": (2, 3)}, _mixed), ([(3,)], {"shape": (2, 3)}, _mixed),
                             ([(2, 1)], {"shape": (2, 3)}, _mixed), ([(3,)], {"shape": (3,)}, _mixed)]
    cases["transpose"] = [([(2, 3)], {}, _mixed), ([(2, 3, 4)], {"axes": (1, 0, 2)}, _mixed),
                          ([(3,)], {}, _mixed), ([(2, 3, 4)], {"axes": (2, 0, 1)}, _mixed)]
    cases["matmul"] = [([a, b], {}, _mixed) for a, b in [
        ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
        ((2, 3), (5, 3, 4)), ((3,), (5, 3, 4)), ((5, 2, 3), (3,)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4))]]
    cases["cot_matmul"] = cases["matmul"]
    rows = np.array([0, 2, 2])
    cases["getitem"] = [([(5,)], {"index": index}, _mixed) for index in [
        (slice(1, None),), (2,), (-1,), (slice(None, None, -1),), (rows,), (np.array([True, False, True, True, False]),)]]
    cases["getitem"] += [([(3, 4)], {"index": index}, _mixed) for index in [
        (slice(None), 0), (1,), (rows,), (slice(None), np.array([1, 3])), (np.array([0, 1]), np.array([2, 3])),
        (Ellipsis, 1), (None, slice(1, 3))]]
    cases["getitem"] += [([(3, 4, 5)], {"index": index}, _mixed) for index in [
        (np.array([0, 1]), slice(None), np.array([2, 3])),
        # an integer beside an array is advanced too: apart from it, numpy moves their axes first
        (0, slice(None), np.array([1, 3])), (np.array([2, 0, 2]), slice(1, 3), -1),
        (1, slice(None), np.array([[0, 4], [3, 3]])), (np.array([True, False, True]), slice(None), 2),
        (slice(None), 1, np.array([4, 0])), (2, np.array([1, 3]), slice(None))]]
    cases["scatter_add"] = [([g], {"index": index, "shape": shape}, _mixed) for g, index, shape in [
        ((4,), (slice(1, None),), (5,)), ((), (2,), (5,)), ((3,), (rows,), (4,)), ((3,), (slice(None), 1), (3, 4)),
        ((), (slice(1, 3),), (5,)), ((4,), (1,), (3, 4)), ((2,), (np.array([0, 1]), np.array([2, 3])), (3, 4)),
        ((2, 4), (np.array([0, 1]), slice(None), np.array([2, 3])), (3, 4, 5)),
        ((2, 4), (0, slice(None), np.array([1, 3])), (3, 4, 5)), ((4,), (1, slice(None), np.array([0, 0])), (3, 4, 5)),
        ((), (np.array([2, 0, 2]), slice(1, 3), -1), (3, 4, 5)), ((3, 1), (np.array([1, 2, 1]), slice(None)), (3, 4))]]
    cases["index_set"] = [([x, v], {"index": index}, _mixed) for x, v, index in [
        ((5,), (), (2,)), ((5,), (2,), (slice(1, 3),)), ((3, 4), (4,), (1,)), ((3, 4), (3,), (slice(None), 2)),
        ((4,), (2,), (np.array([0, 3]),)), ((3, 4), (), (slice(None), slice(1, 3))),
        ((3, 4, 5), (2, 4), (np.array([0, 1]), slice(None), np.array([2, 3]))),
        ((3, 4, 5), (2, 4), (0, slice(None), np.array([1, 3]))), ((3, 4, 5), (4,), (1, slice(None), np.array([0, 0]))),
        ((3, 4, 5), (), (np.array([2, 0, 2]), slice(1, 3), -1)), ((5,), (3,), (np.array([1, 4, 1]),)),
        ((3, 4), (3, 1), (np.array([2, 0, 2]), slice(None)))]]
    cases["stack"] = [([s] * k, {"axis": axis}, _mixed) for s, k, axis in [
        ((), 2, 0), ((3,), 2, 0), ((3,), 3, 1), ((2, 3), 2, -1), ((2, 3), 2, 1)]]
    cases["concat"] = [(shapes, {"axis": axis}, _mixed) for shapes, axis in [
        ([(2,), (3,)], 0), ([(2, 3), (2, 1)], 1), ([(1, 3), (2, 3), (1, 3)], 0), ([(2, 3), (2, 2)], -1)]]
    cases.update(linalg_cases.batching_cases())
    return cases


CASES = _cases()


def _differentiable_primitives() -> list:
    import autodiff.diffcore.interpreter.builtins  # noqa: F401 - defines every primitive
    return sorted(name for name, prim in REGISTRY.items() if prim.jvp is not None)


def test_every_primitive_with_a_forward_rule_has_a_batching_rule_and_cases():
    names = _differentiable_primitives()
    assert len(names) >= 40
    assert [n for n in names if not REGISTRY[n].batch] == [], "a primitive without its own batching rule"
    assert [n for n in names if n not in CASES] == [], "a primitive without batching cases in this file"


def _check_batched_equals_loop(prim: Primitive, shapes: list, params: dict, make, which: tuple, seed: int):
    rng = np.random.default_rng(seed)
    examples = [[make(rng, s) for s in shapes] for _ in range(B)]
    fixed = [make(rng, s) for s in shapes]       # what an unbatched argument holds, for every example
    per_example = [[ex[k] if k in which else fixed[k] for k in range(len(shapes))] for ex in examples]
    want = [prim.bind(*args, **params) for args in per_example]
    with batching(B) as trace:
        args = [trace.wrap(np.stack([np.asarray(ex[k], dtype=np.float64) for ex in examples]))
                if k in which else fixed[k] for k in range(len(shapes))]
        out = prim.bind(*args, **params)
        assert type(out) is Batched and out.trace is trace
        got = trace.unwrap(out, np.shape(want[0]))
    assert type(got) is np.ndarray and got.shape == (B,) + np.shape(want[0])
    for i in range(B):
        np.testing.assert_allclose(got[i], want[i], rtol=1e-13, atol=1e-15,
                                   err_msg=f"{prim.name}{shapes} {params}, batched {which}, example {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_batched_primitive_equals_the_loop_over_examples(name):
    prim = REGISTRY[name]
    for number, (shapes, params, make) in enumerate(CASES[name]):
        for count in range(1, len(shapes) + 1):
            for which in itertools.combinations(range(len(shapes)), count):
                _check_batched_equals_loop(prim, shapes, params, make, which, seed=number)


def test_cot_mul_keeps_each_examples_zero_cotangent_rule():
    # One example multiplies an infinite derivative by a zero cotangent (giving 0), the other by a
    # nonzero one (giving inf): the batch must not mix the two.
    d = np.array([np.inf, 2.0])
    g = np.array([[0.0, 1.0], [1.0, 1.0]])
    with batching(2) as trace, np.errstate(invalid="ignore"):
        got = trace.unwrap(REGISTRY["cot_mul"].bind(trace.wrap(g), d), (2,))
    np.testing.assert_array_equal(got, [[0.0, 2.0], [np.inf, 2.0]])


def test_fallback_loops_over_examples_for_a_primitive_without_a_rule():
    calls = []

    def impl(x, y):
        calls.append(np.shape(x))
        return x * np.sum(y)

    prim = Primitive("test_no_rule", impl, (None, None), jvp=None, taylor=TEST_ONLY,
                     batch=NoRule("a test of the fallback"))
    assert isinstance(prim.batch, NoRule) and not prim.batch
    x, y = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0])
    with batching(3) as trace:
        got = trace.unwrap(prim.bind(trace.wrap(x), y), (2,))
    assert calls == [(2,)] * 3              # once per example, each without the batch axis
    np.testing.assert_array_equal(got, x * 3.0)


def test_fallback_with_multiple_outputs_and_scalars():
    prim = Primitive("test_pair", lambda x: (x * 2.0, x + 1.0), (None,), taylor=TEST_ONLY, batch=TEST_ONLY)
    with batching(2) as trace:
        first, second = prim.bind(trace.wrap(np.array([1.0, 5.0])))
        np.testing.assert_array_equal(trace.unwrap(first, ()), [2.0, 10.0])
        np.testing.assert_array_equal(trace.unwrap(second, ()), [2.0, 6.0])


def test_unbatched_values_broadcast_and_batched_values_show_one_examples_shape():
    from autodiff.diffcore.engine.broadcasting import value_shape
    with batching(4) as trace:
        t = trace.wrap(np.zeros((4, 2, 3)))
        assert value_shape(t) == (2, 3)
        np.testing.assert_array_equal(trace.unwrap(1.5, (2,)), np.full((4, 2), 1.5))


def test_a_chunk_too_large_stops_the_pass():
    with batching(4, budget=10) as trace:
        with pytest.raises(batching_module.ChunkTooLarge) as raised:
            REGISTRY["mul"].bind(trace.wrap(np.ones((4, 3))), np.ones(3))
        assert raised.value.trace is trace and raised.value.per_example == 3
    with batching(1, budget=1) as trace:      # one example is never cut further
        out = REGISTRY["mul"].bind(trace.wrap(np.ones((1, 3))), np.ones(3))
        assert trace.unwrap(out, (3,)).shape == (1, 3)


# ------------------------------------------- 2. Jacobians and Hessians, batched

LIMITS = Limits(max_steps=100_000, timeout=10.0)


def program(text: str) -> Program:
    return Program.from_text(text, "<test>")


def columns_one_by_one(f, x: np.ndarray) -> np.ndarray:
    """J of f at x by one plain forward pass (an unbatched tangent) per input element."""
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        value, t = T.jvp(f, (x,), (e.reshape(x.shape),))
        columns.append(np.broadcast_to(np.asarray(strip(t), dtype=np.float64), np.shape(strip(value))))
    out_shape = np.shape(strip(value))
    return np.moveaxis(np.array(columns), 0, -1).reshape(out_shape + x.shape)


def reference_hessian(fn: ProgramFunction) -> np.ndarray:
    with RunContext(fn.limits):
        return columns_one_by_one(lambda z: T.grad(fn, (z,)), fn.z)


def finite_difference_hessian(fn: ProgramFunction, h: float = 1e-5) -> np.ndarray:
    with RunContext(fn.limits):
        grad = lambda z: np.asarray(strip(T.grad(fn, (z,))), dtype=np.float64)   # noqa: E731
        columns = []
        for j in range(fn.size):
            e = np.zeros(fn.size)
            e[j] = h
            columns.append((grad(fn.z + e) - grad(fn.z - e)) / (2 * h))
    return np.array(columns).T


def batched_hessian(fn: ProgramFunction) -> np.ndarray:
    with RunContext(fn.limits):
        value, g, H = T.hessian(fn, fn.z)
    return np.asarray(strip(H), dtype=np.float64)


def assert_same(got, want, what: str, rtol: float = 1e-11) -> None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    scale = float(np.max(np.abs(want[np.isfinite(want)]), initial=1.0))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, equal_nan=True, err_msg=what)


HESSIAN_PROGRAMS = {
    "rosenbrock": ((REPO / "samples" / "rosenbrock.expr").read_text(), {"x": np.linspace(-1.2, 1.1, 9)}),
    "matrix": ("input A = [[1.0, 0.5], [0.2, 2.0]]\ninput v = [0.3, -0.7]\n"
               "sum(exp(A @ v) * v) + sum(A * A) * (v @ A @ v)", {}),
    "nested grad": ("def f(x):\n    return sum(sin(x) * x^3)\ng = grad(f)\ninput x = [0.1, 0.5, -0.4, 1.3]\n"
                    "sum(g(x) * cos(x)) + f(x)", {}),
    "hessian inside": ("def f(x):\n    return sum(x^3 * x[0])\ninput x = [0.5, -0.3, 0.8]\n"
                       "H = hessian(f)(x)\nsum(H @ x) + sum(H * H)", {}),
    "no_grad": ("input x = [0.5, 1.5, -0.25]\nwith no_grad:\n    c = sum(x * x)\n"
                "sum(x^3) * c + sum(exp(x))", {}),
    "custom backward": ("def f(x):\n    return x^3\nbackward f(x, g):\n    return 3 * x^2 * g\n"
                        "input x = [0.5, -1.5, 2.0]\nsum(f(x) * x) + sum(f(x[:2]))", {}),
    "control flow": ("input x = [0.5, 2.5, -0.7, 1.2]\ntotal = 0\nfor i in range(len(x)):\n"
                     "    if x[i] > 1:\n        total += x[i]^3 * x[0]\n    else:\n        total += sin(x[i]) * x[-1]\n"
                     "k = 0\nwhile k < 3 and total < 100:\n    total = total * 1.5 + sum(x * x)\n    k += 1\ntotal", {}),
    "checkpoint": ("input x = [0.3, 0.2, -0.1]\nwith checkpoint:\n    for i in range(7):\n"
                   "        x = x + 0.1 * sin(x) * x[0]\nsum(x * x * x)", {}),
    "element assignment": ("input x = [0.3, 1.2, -0.5, 0.8]\ny = x * 2\ny[1] = x[0] * x[2]\ny[2:] = x[:2] ^ 2\n"
                           "z = [x[0] * x[1], sum(y), max(x)]\nsum(y * y) + sum(z ^ 2) + sum(x[[0, 2, 2]] ^ 3)", {}),
    "mixed inputs": ("input a = 0.7\ninput M = [[1.0, 2.0], [0.5, -1.0]]\ninput v = [0.1, 0.4]\n"
                     "a^2 * sum(M @ v) + sum(transpose(M) * a) * norm(v) + logsumexp(v * a)", {}),
    "constants": ("input x = [0.5, 1.5, -0.25]\nn = len(x)\nflag = x[0] > 0\n"
                  "c = 2 if flag else 3\nsum(x * c) + n + (x[1] if flag else 0.0) ^ 2", {}),
}


@pytest.mark.parametrize("name", sorted(HESSIAN_PROGRAMS))
def test_hessian_equals_column_by_column_and_finite_differences(name):
    text, at = HESSIAN_PROGRAMS[name]
    fn = ProgramFunction(program(text), at, None, None, LIMITS)
    assert fn.size > 1
    H = batched_hessian(fn)
    assert_same(H, reference_hessian(fn), f"{name}: batched vs column by column")
    if name != "no_grad":           # no_grad's values are constants to the derivative, not to differences
        assert_same(H, finite_difference_hessian(fn), f"{name}: batched vs finite differences", rtol=1e-6)
    assert np.any(H != 0)
    # and through the CLI's path: blocks per pair of inputs
    result = derivative_tensors(program(text), at, 2, limits=LIMITS)
    blocks = fn.blocks(H, (), 2)
    for names, block in blocks.items():
        assert_same(result.orders[2][names], block, f"{name}: derivative_tensors block {names}")
    gradient = fn.blocks(np.asarray(strip(T.grad(fn, (fn.z,)))), (), 1)
    for names, block in gradient.items():
        assert_same(result.orders[1][names], block, f"{name}: gradient block {names}")


# Every indexing form of the language, read and written, under the Hessian: the batched pass must
# select from each example what the unbatched one does (numpy moves the axes of advanced indices
# apart, integers included, in front of the result, and would move them in front of the batch axis).
INDEX_FORMS = ["x[1]", "x[-1, 1:3]", "x[:, ::-1, 2]", "x[1, :, 2]", "x[[0, 1, 1]]", "x[:, [2, 0]]",
               "x[[0, 1], [1, 2]]", "x[:, 1, [[0, 1], [3, 2]]]", "x[[1, 0], 1]", "x[-1, [2, 2, 0], -2]",
               "x[[0, 1], :, [3, 0]]", "x[0, :, [1, 3]]", "x[-1, :, [-1, 0]]", "x[[[0, 1], [1, 0]], :, 1]",
               "x[[1, 0], 1:, [[2], [0]]]", "x[[true, false]]", "x[:, [true, false, true]]",
               "x[1, [true, false, true], 2:]", "x[[0, 1], 1:3, [true, false, false, true]]",
               "x[[[true, false, true], [false, true, true]], 1]", "x[[[true, false, true], [false, true, true]]]",
               "x[x > 0.8]"]


@pytest.mark.parametrize("form", INDEX_FORMS)
def test_hessian_through_every_indexing_form_equals_column_by_column(form):
    source = f"input x = reshape(linspace(0.3, 1.2, 24), 2, 3, 4)\ne = {form}\nsum(sin(e) * e^2) * x[0, 0, 0]"
    fn = ProgramFunction(program(source), {}, None, None, LIMITS)
    X = np.linspace(0.3, 1.2, 24).reshape(2, 3, 4)
    selected = np.asarray(strip(program(f"x = reshape(linspace(0.3, 1.2, 24), 2, 3, 4)\n{form}").run({}).output))
    # the same text is a numpy expression, once the truth values are spelled as Python's
    want = eval(form.replace("true", "True").replace("false", "False"), {"x": X})   # noqa: S307 - a fixed table
    assert selected.size and selected.shape == want.shape and np.array_equal(selected, want), form
    assert_same(batched_hessian(fn), reference_hessian(fn), f"{form}: batched vs column by column")


ASSIGNMENT_FORMS = [("y[1]", "x[0] ^ 2"), ("y[:, [2, 0]]", "x[:, [0, 1]] ^ 2"),
                    ("y[0, :, [1, 3]]", "sin(x[1, :, [0, 2]])"), ("y[[0, 1], :, [3, 0]]", "x[0, :2, :3] ^ 2"),
                    ("y[-1, :, [3, 3]]", "transpose(x[0, :, 1:3]) ^ 3"),      # a position written twice
                    ("y[[true, false], 1]", "x[1, 2] * x[0, 0]"), ("y[1, [true, false, true], 2:]", "x[0, :2, :2] ^ 2"),
                    ("y[[1, 0], 1:, [[2], [0]]]", "x[0, 1:, :2] ^ 2")]


@pytest.mark.parametrize("target, value", ASSIGNMENT_FORMS)
def test_hessian_through_element_assignment_forms_equals_column_by_column(target, value):
    source = (f"input x = reshape(linspace(0.3, 1.2, 24), 2, 3, 4)\ny = x * x\n{target} = {value}\n"
              "sum(sin(y) * y) * x[0, 0, 0]")
    fn = ProgramFunction(program(source), {}, None, None, LIMITS)
    H = batched_hessian(fn)
    assert_same(H, reference_hessian(fn), f"{target} = {value}: batched vs column by column")
    assert_same(H, finite_difference_hessian(fn), f"{target} = {value}: batched vs finite differences", rtol=1e-6)


def test_third_order_tensor_nests_two_batched_passes():
    text = "input x = [0.3, -0.6, 0.9]\nsum(x^3 * x[0]) + prod(sin(x))"
    result = derivative_tensors(program(text), {}, 3, limits=LIMITS)
    fn = ProgramFunction(program(text), {}, None, None, LIMITS)
    with RunContext(fn.limits):
        # the unbatched algorithm, nested: one plain forward pass per column at both levels
        def one_by_one(f):
            return lambda z: T._forward_columns_one_by_one(f, z, None, has_aux=False)[1]
        want = np.asarray(strip(one_by_one(one_by_one(lambda w: T.grad(fn, (w,))))(fn.z)))
    assert_same(result.orders[3][("x", "x", "x")], want, "order 3")
    assert_same(result.orders[2][("x", "x")], reference_hessian(fn), "order 2")


FORWARD_JACOBIANS = {
    "vector field": ((REPO / "samples" / "vector_field.expr").read_text(), {}),
    "matrix output": ("input x = [0.5, -0.2, 0.9]\nouter(x, sin(x)) + x[0]", {}),
    "part constant": ("input x = [0.5, -0.2, 0.9, 1.1]\n[x[0] * x[1], 2.0, sum(x), 0.0 * x[3]]", {}),
    "independent": ("input x = [0.5, -0.2]\n[1.0, 2.0, 3.0]", {}),
}


@pytest.mark.parametrize("name", sorted(FORWARD_JACOBIANS))
def test_forward_jacobian_equals_column_by_column_and_reverse(name):
    text, at = FORWARD_JACOBIANS[name]
    forward = jacobian(program(text), at, mode="forward", limits=LIMITS)
    reverse = jacobian(program(text), at, mode="reverse", limits=LIMITS)
    fn = ProgramFunction(program(text), at, None, None, LIMITS)
    with RunContext(fn.limits):
        want = columns_one_by_one(fn, fn.z)
    blocks = fn.blocks(want, np.shape(fn.output), 1)
    for names, block in blocks.items():
        assert_same(forward.orders[1][names], block, f"{name}: forward vs column by column")
        assert_same(forward.orders[1][names], reverse.orders[1][names], f"{name}: forward vs reverse")


@pytest.mark.parametrize("n, budget", [(7, 7 * 3), (10, 10 * 4), (5, 5), (6, 6 * 6)])
def test_chunks_of_directions_give_the_same_jacobian(monkeypatch, n, budget):
    # budget // n directions per pass: 3 (7 = 3 + 3 + 1), 4 (10 = 4 + 4 + 2), 1, and all at once
    x = np.linspace(0.2, 1.4, n)
    f = lambda z: REGISTRY["mul"].bind(REGISTRY["sin"].bind(z), REGISTRY["sum"].bind(z))   # noqa: E731
    want = columns_one_by_one(f, x)
    sizes = []
    real = batching_module.batching

    def spy(size, budget=batching_module.ELEMENT_BUDGET):
        sizes.append(size)
        return real(size, budget)
    monkeypatch.setattr(T, "batching", spy)
    monkeypatch.setattr(T, "BATCH_ELEMENTS", budget)
    value, J = T.jacobian_forward(f, x)
    assert sizes and sum(sizes) == n and max(sizes) == max(1, min(n, budget // n))
    assert_same(strip(J), want, f"n={n}, chunks {sizes}", rtol=1e-14)


def test_a_pass_with_an_intermediate_larger_than_the_input_runs_again_in_smaller_chunks(monkeypatch):
    # The outer product holds n * n per direction: with room for 64 elements, the first chunk
    # (64 // 8 = 8 directions) stops, and the pass runs again one direction at a time.
    x = np.linspace(0.2, 1.4, 8)
    f = lambda z: REGISTRY["sum"].bind(REGISTRY["mul"].bind(REGISTRY["reshape"].bind(z, shape=(8, 1)), z),   # noqa: E731
                                       axis=(0,))
    want = columns_one_by_one(f, x)
    sizes = []
    real = batching_module.batching

    def spy(size, budget=batching_module.ELEMENT_BUDGET):
        sizes.append(size)
        return real(size, budget)
    monkeypatch.setattr(T, "batching", spy)
    monkeypatch.setattr(T, "BATCH_ELEMENTS", 64)
    _, J = T.jacobian_forward(f, x)
    assert sizes == [8] + [1] * 8
    assert_same(strip(J), want, "after a retry")


def test_the_element_limit_applies_to_one_example_not_to_the_batch():
    # outer(x, x) holds 100 elements per example, within a limit of 100, but 10 directions of it
    # would hold 1,000: the pass stops and runs again with chunks that fit, instead of failing.
    text = "input x = linspace(0.1, 1, 10)\nsum(outer(x, x) * x[0]) + sum(x^3)"
    limits = Limits(max_elements=100)
    fn = ProgramFunction(program(text), {}, None, None, limits)
    result = derivative_tensors(program(text), {}, 2, limits=limits)
    assert_same(result.orders[2][("x", "x")], reference_hessian(fn), "limit 100")
    assert_same(result.orders[2][("x", "x")], finite_difference_hessian(fn), "limit 100, differences", rtol=1e-6)


def test_an_array_over_the_limit_is_cut_into_examples_then_reported():
    from autodiff.diffcore.engine.numeric import ArrayTooLarge
    with RunContext(Limits(max_elements=5)):
        with batching(2) as trace:           # 2 x 9 elements: over the limit because of the batch
            with pytest.raises(batching_module.ChunkTooLarge) as raised:
                REGISTRY["mul"].bind(trace.wrap(np.ones((2, 3, 1))), np.ones(3))
            assert raised.value.per_example == 9
        with batching(1) as trace:           # 9 elements for one example: the program's own error
            with pytest.raises(ArrayTooLarge):
                REGISTRY["mul"].bind(trace.wrap(np.ones((1, 3, 1))), np.ones(3))


def test_hessian_builtin_in_the_language_uses_the_batched_path(monkeypatch):
    sizes = []
    real = batching_module.batching

    def spy(size, budget=batching_module.ELEMENT_BUDGET):
        sizes.append(size)
        return real(size, budget)
    monkeypatch.setattr(T, "batching", spy)
    out = program("def f(x):\n    return sum(x^4)\ninput x = [1.0, 2.0, 3.0]\nhessian(f)(x)").run({}, LIMITS).output
    np.testing.assert_allclose(strip(out), np.diag(12.0 * np.array([1.0, 2.0, 3.0]) ** 2))
    assert sizes == [3]


def test_scalar_inputs_take_the_plain_forward_pass(monkeypatch):
    monkeypatch.setattr(T, "batching", lambda *a, **k: pytest.fail("a batch of one direction"))
    _, J = T.jacobian_forward(lambda z: REGISTRY["sin"].bind(z), 0.3)
    assert J == pytest.approx(math.cos(0.3))
    _, J = T.jacobian_forward(lambda z: REGISTRY["sin"].bind(z), np.array([0.3]))
    np.testing.assert_allclose(strip(J), [[math.cos(0.3)]])


def test_an_empty_input_has_an_empty_jacobian():
    value, J = T.jacobian_forward(lambda z: REGISTRY["add"].bind(REGISTRY["sum"].bind(z), 1.0), np.zeros(0))
    assert value == 1.0 and np.shape(J) == (0,)


# ------------------------------------------------------------- random programs

RANDOM_STATS = {"compared": 0}


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(programs(max_depth=2, max_statements=4))
def test_random_programs_batched_hessian_equals_column_by_column(generated):
    try:
        fn = ProgramFunction(program(generated.source), generated.inputs, None, None, LIMITS)
        if np.ndim(fn.output) or fn.size < 2 or fn.size > 12:
            return
        H = batched_hessian(fn)
    except ProgramError:
        return
    assert_same(H, reference_hessian(fn), f"random program\n{generated.source}", rtol=1e-9)
    RANDOM_STATS["compared"] += 1


def test_random_programs_were_compared():
    # the property test above must have compared something (run in the same session, after it)
    if RANDOM_STATS["compared"] == 0:
        test_random_programs_batched_hessian_equals_column_by_column()
    assert RANDOM_STATS["compared"] >= 10


# ------------------------------------------------ warnings from the batched pass

WARNING_PROGRAMS = {
    "abs at 0": ("input x = [0.0, 1.0, -2.0]\nsum(abs(x) * x)", {}),
    "tie": ("input x = [1.0, 1.0, 0.5]\nmaximum(x[0], x[1]) * sum(x^2)", {}),
    "comparison at equality": ("input x = [1.0, 2.0]\ny = x[0]^2 if x[0] >= 1 else x[0]\ny * x[1]", {}),
    "floor at a jump": ("input x = [2.0, 0.5]\nfloor(x[0]) * x[1]^2 + x[0]^2", {}),
    "non-finite gradient": ("input x = [0.0, 1.0]\nsum(sqrt(x)) + x[1]^2", {}),
    "non-finite output": ("input x = [0.0, 1.0]\nsum(log(x) * x)", {}),
    "smooth": ("input x = [0.5, 1.0]\nsum(x^3)", {}),
}


@pytest.mark.parametrize("name", sorted(WARNING_PROGRAMS))
def test_hessian_warnings_equal_the_recorded_first_runs(name):
    from autodiff.diffcore.derivatives import Differentiator
    text, at = WARNING_PROGRAMS[name]
    result = derivative_tensors(program(text), at, 2, limits=LIMITS)
    want = Differentiator(program(text), None, None, limits=LIMITS)(at).warnings
    assert [(w.kind, w.operation, w.message, w.span) for w in result.warnings if w.operation != "hessian"] == [
        (w.kind, w.operation, w.message, w.span) for w in want]
    assert bool(want) == (name != "smooth")


# ------------------------------ the fast paths under a batched pass, against their definitions

FAST_ENTRY_SHAPES = {1: [[(3,)], [(2, 3)]], 2: [[(3,), (3,)], [(2, 3), (3,)], [(), (3,)], [(3,), ()]]}


def _fast_and_general(prim, args, trace):
    """prim on args through the forward trace's fast entry (process1/process2) and through process()."""
    fast = trace.process1(prim, *args) if len(args) == 1 else trace.process2(prim, *args)
    return fast, trace.process(prim, tuple(args), {})


def _same(a, b):
    np.testing.assert_array_equal(np.asarray(strip(a)), np.asarray(strip(b)))


@pytest.mark.parametrize("name", UNARY + BINARY)
def test_forward_fast_entries_agree_with_process(name):
    from autodiff.diffcore.engine.forward import Dual, ForwardTrace
    from autodiff.diffcore.engine.tracing import next_level, release_level
    prim, rng = REGISTRY[name], np.random.default_rng(3)
    for shapes in FAST_ENTRY_SHAPES[len(prim.vjps)]:
        for count in range(1, len(shapes) + 1):
            for which in itertools.combinations(range(len(shapes)), count):
                values = [_positive(rng, s) for s in shapes]
                outer = ForwardTrace(next_level())          # a lower level: its Duals are values to `inner`
                inner = ForwardTrace(next_level())
                try:
                    for nested in (False, True):
                        args = [Dual(Dual(v, _mixed(rng, np.shape(v)), outer) if nested else v,
                                     _mixed(rng, np.shape(v)), inner) if k in which else v
                                for k, v in enumerate(values)]
                        fast, general = _fast_and_general(prim, args, inner)
                        assert type(fast) is Dual and fast.trace is inner, (name, shapes, which)
                        _same(fast.value, general.value)
                        _same(fast.tangent, general.tangent)
                        if nested:                          # the outer trace's tangents agree as well
                            assert type(fast.value) is Dual and fast.value.trace is outer
                            _same(fast.value.tangent, general.value.tangent)
                finally:
                    release_level()
                    release_level()


@pytest.mark.parametrize("name", ["mul", "sin", "sub"])
def test_forward_fast_entries_batched_tangents_and_no_grad(name, monkeypatch):
    from autodiff.diffcore.engine.forward import Dual, ForwardTrace
    from autodiff.diffcore.engine.tracing import next_level, release_level
    prim, rng = REGISTRY[name], np.random.default_rng(4)
    values = [_positive(rng, (3,)) for _ in prim.vjps]
    with batching(B) as batch:
        trace = ForwardTrace(next_level())
        try:
            args = [Dual(v, batch.wrap(_mixed(rng, (B, 3))), trace) for v in values]
            fast, general = _fast_and_general(prim, args, trace)
            assert type(fast.tangent) is Batched and fast.tangent.trace is batch
            np.testing.assert_array_equal(batch.unwrap(fast.tangent, (3,)), batch.unwrap(general.tangent, (3,)))
            # inside no_grad the trace is frozen: the primitive on the values, a constant to it
            monkeypatch.setattr(trace.context, "frozen_level", trace.level)
            fast, general = _fast_and_general(prim, args, trace)
            assert type(fast) is not Dual and type(general) is not Dual
            np.testing.assert_array_equal(fast, general)
            np.testing.assert_array_equal(fast, prim.impl(*values))
        finally:
            release_level()


def test_forward_fast_entries_refuse_a_primitive_without_a_forward_rule():
    from autodiff.diffcore.engine.forward import Dual, ForwardTrace
    from autodiff.diffcore.engine.tracing import next_level, release_level
    unary = Primitive("test_no_jvp_1", lambda x: x * 2.0, (None,), taylor=TEST_ONLY, batch=TEST_ONLY)
    binary = Primitive("test_no_jvp_2", lambda x, y: x * y, (None, None), taylor=TEST_ONLY, batch=TEST_ONLY)
    trace = ForwardTrace(next_level())
    try:
        x = Dual(np.ones(2), np.ones(2), trace)
        with pytest.raises(TypeError, match="test_no_jvp_1 has no forward-mode rule"):
            trace.process1(unary, x)
        with pytest.raises(TypeError, match="test_no_jvp_2 has no forward-mode rule"):
            trace.process2(binary, 3.0, x)
    finally:
        release_level()


def test_broadcasting_results_over_the_element_limit_are_refused():
    # binary_impl computes the broadcast shape only when the sizes' product is over the limit
    # (a broadcast result holds at most that many elements): the limit must still hold exactly.
    from autodiff.diffcore.engine import numeric
    from autodiff.diffcore.engine.elementwise import add, mul
    with RunContext(Limits(max_elements=40)):
        row, column = np.arange(5.0), np.arange(8.0).reshape(8, 1)
        np.testing.assert_array_equal(mul(np.ones((2, 5)), row), np.stack([row, row]))     # 50 > 40, result 10
        assert add(column[:5], row).shape == (5, 5)                                           # 25 elements
        with pytest.raises(numeric.ArrayTooLarge) as refused:
            mul(column, np.ones((1, 8)))                                                      # 64 elements
        assert (refused.value.elements, refused.value.limit) == (64, 40)
        with pytest.raises(numeric.ArrayTooLarge):
            add(np.ones((41, 1)), np.ones(1))                                                 # 41 elements
        for a, b in [((3,), (4,)), ((41,), (42,)), ((2, 3), (3, 2))]:                         # no broadcast at all
            with pytest.raises(ValueError):
                mul(np.ones(a), np.ones(b))


def test_array_all_finite_agrees_with_isfinite_and_raises_no_floating_point_error():
    import warnings
    from autodiff.diffcore.engine.numeric import array_all_finite
    big = np.full((3, 4), 1e200)                # finite, but its squares overflow
    cases = [np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4).T, np.arange(12.0)[::2], big, big.T,
             np.array(2.0), np.array(np.inf), np.zeros(0), np.broadcast_to(np.array([1.0, np.nan]), (1000, 2)),
             np.arange(6.0, dtype=np.float32), np.arange(6), np.array([1e308, 1e308, -1e308])]
    for bad in (np.nan, np.inf, -np.inf):
        for original in (np.arange(12.0).reshape(3, 4), np.arange(12.0).reshape(3, 4).T, big):
            a = original.copy(order="K")
            a[1, 2] = bad
            cases += [a, a[:, ::2]] + ([] if original is big else [a.astype(np.float32)])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for a in cases:
            assert array_all_finite(a) == bool(np.all(np.isfinite(a))), a
