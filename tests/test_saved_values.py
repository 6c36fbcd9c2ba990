"""The tape keeps only what each derivative rule reads (`Primitive.saves`, reverse.py).

* Every declaration is checked: each primitive's rules run on a tape that kept
  only the declared values, for every choice of differentiated arguments and
  at first and second order, and must give exactly what they give on a tape
  that kept everything (a value a rule reads but the declaration forgets
  raises `ValueNotSaved`).
* Memory: Rosenbrock's tape holds two arrays of its own (x[1:] - x[:-1]^2 and
  1 - x[:-1]) instead of seven, and the peak memory of a gradient drops.
* The warnings, the views and the fuzz tests' scans still see every value.
"""
from __future__ import annotations

import itertools
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from autodiff.diffcore import derivatives as derivatives_module
from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.engine.broadcasting import sum_, value_shape
from autodiff.diffcore.derivatives import Differentiator, differentiate, evaluate
from autodiff.diffcore.engine.diagnostics import Diagnostic
from autodiff.diffcore.views.recorder import record
from autodiff.diffcore.program import Program
from autodiff.diffcore.engine.reverse import Box, ReverseTrace, backward
from autodiff.diffcore.engine.arrays import stack
from autodiff.diffcore.engine.tracing import (REGISTRY, NoRule, NotSaved, Primitive, ValueNotSaved, next_level,
                                             release_level)
from test_primitives import CASES, random_like, rng_for, shape_of

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

ROSENBROCK = Path(__file__).resolve().parents[1] / "samples" / "rosenbrock.expr"

DECLARED = sorted(name for name, prim in REGISTRY.items() if prim.saves is not None)
# The primitives whose kink checks (`kink=` in their definitions) read their values keep everything.
KINKED = {name for name, prim in REGISTRY.items() if prim.kink is not None}
# Neither rule of the primitives made by the tests below is ever run.
TEST_ONLY = dict(taylor=NoRule("a primitive made by a test"), batch=NoRule("a primitive made by a test"))


def test_the_hot_primitives_declare_what_they_save():
    hot = {"add", "sub", "neg", "mul", "div", "pow", "cot_mul", "cot_div", "exp", "log", "sin", "cos", "tanh",
           "sqrt", "sum", "broadcast_to", "reshape", "getitem", "scatter_add", "matmul"}
    assert hot <= set(DECLARED)
    assert not KINKED & set(DECLARED), "a kink check reads these primitives' values from the tape"


def test_declarations_are_checked_when_a_primitive_is_defined():
    for saves in [("x",), ("x", "z"), "x", ("ans", "x", "y")]:
        with pytest.raises(ValueError):
            Primitive("bad", lambda x, y: x, (None, None), saves=saves, **TEST_ONLY)
    with pytest.raises(ValueError):     # variadic primitives keep everything
        Primitive("bad", lambda *xs: xs[0], stack.primitive.vjps, saves=("",), **TEST_ONLY)
    assert Primitive("ok", lambda x, y: x, (None, None), saves=("y", "ans x"), **TEST_ONLY).saves == (
        frozenset({"y"}), frozenset({"ans", "x"}))


# ------------------------------------------------------------------ every declaration, first order

def _recorded(prim, args, params, active, keep_all):
    """(tape, result box, input boxes) of prim on args, with the arguments in `active` differentiated."""
    tape = ReverseTrace(next_level())
    tape.keep_all = keep_all
    try:
        boxes = {k: tape.new_input(a) for k, a in enumerate(args) if k in active}
        out = prim(*[boxes.get(k, a) for k, a in enumerate(args)], **params)
    finally:
        tape.close()
        release_level()
    assert isinstance(out, Box)
    return tape, out, boxes


def _sweep(tape, out, boxes, seed, general: bool):
    # An observer sends every entry through the general rules (no scalar or accumulating fast path).
    observer = (lambda node, g, sent: None) if general else None
    return backward(tape, out.node, seed, [b.node for b in boxes.values()], observer)


def _active_sets(n: int) -> list:
    return [set(c) for r in range(1, n + 1) for c in itertools.combinations(range(n), r)]


DECLARED_CASES = [(name, case, tuple(sorted(active))) for name in DECLARED for case in CASES[name]
                  for active in _active_sets(len(case.args(name)))]
DECLARED_IDS = [f"{name}-{case.id}-a{''.join(map(str, active))}" for name, case, active in DECLARED_CASES]


@pytest.mark.parametrize("name,case,active", DECLARED_CASES, ids=DECLARED_IDS)
def test_rules_read_only_what_is_saved(name, case, active):
    prim = REGISTRY[name]
    args = case.args(name)
    full, full_out, full_boxes = _recorded(prim.bind, args, case.params, active, keep_all=True)
    kept, out, boxes = _recorded(prim.bind, args, case.params, active, keep_all=False)
    node = out.node
    assert full.dropped == 0

    # What the entry kept: exactly the declared values of the active arguments' rules, and the
    # shapes of the rest (floats are kept: there is nothing to free).
    reads = frozenset().union(*(prim.saves[k] for k in active))
    for values, full_values, what in ((kept.first, full.first, "x"), (kept.second, full.second, "y"),
                                      (kept.ans, full.ans, "ans")):
        value, original = values[node], full_values[node]
        if what in reads or type(original) is not np.ndarray:
            assert type(value) is type(original), f"{what} should be kept"
            np.testing.assert_array_equal(value, original, err_msg=what)
        else:
            assert type(value) is NotSaved and value.shape == original.shape, f"{what} should not be kept"

    seed = random_like(rng_for(f"saved/{name}/{case.id}"), shape_of(out.value))
    for general in (False, True):
        expected = _sweep(full, full_out, full_boxes, seed, general)
        got = _sweep(kept, out, boxes, seed, general)
        for k, g, e in zip(active, got, expected):
            np.testing.assert_array_equal(g, e, err_msg=f"argument {k}")
            assert value_shape(g) == value_shape(e)


# ------------------------------------------------------------------ every declaration, second order

def _second_order(prim, args, params, active, seed, w, keep_all, traced_seed):
    """d/d(active args, and the seed if `traced_seed`) of <w, the first-order cotangents>, where the
    first-order sweep runs under an outer reverse trace; every tape keeps all or only what is saved.

    With `traced_seed`, the inner tape records plain values (constants to the outer trace) and only
    the seed is watched by the outer trace: the rules then run on tracers and on the inner tape's
    stand-ins at once."""
    outer = ReverseTrace(next_level())
    outer.keep_all = keep_all
    try:
        seed_box = outer.new_input(seed) if traced_seed else seed
        outer_boxes = {} if traced_seed else {k: outer.new_input(args[k]) for k in active}
        inner = ReverseTrace(next_level())
        inner.keep_all = keep_all
        try:
            inner_boxes = {k: inner.new_input(outer_boxes.get(k, args[k])) for k in active}
            out = E.sin(prim(*[inner_boxes.get(k, a) for k, a in enumerate(args)], **params))
        finally:
            inner.close()
            release_level()
        cts = backward(inner, out.node, seed_box, [b.node for b in inner_boxes.values()])
        total = 0.0
        for ct, k in zip(cts, active):
            if ct is not None:
                total = E.add(total, sum_(E.mul(ct, w[k])))
        watched = [seed_box] if traced_seed else list(outer_boxes.values())
        if not isinstance(total, Box):
            return [None] * len(watched), outer.dropped + inner.dropped
        return backward(outer, total.node, 1.0, [b.node for b in watched]), outer.dropped + inner.dropped
    finally:
        outer.close()
        release_level()


@pytest.mark.parametrize("name,case,active", DECLARED_CASES, ids=DECLARED_IDS)
def test_rules_of_rules_read_only_what_is_saved(name, case, active):
    prim = REGISTRY[name]
    args = case.args(name)
    r = rng_for(f"saved-2/{name}/{case.id}")
    seed = random_like(r, shape_of(prim.bind(*args, **case.params)))
    w = [random_like(r, shape_of(x)) for x in args]
    for traced_seed in (False, True):
        expected, none_dropped = _second_order(prim.bind, args, case.params, active, seed, w, True, traced_seed)
        got, _ = _second_order(prim.bind, args, case.params, active, seed, w, False, traced_seed)
        assert none_dropped == 0
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(np.asarray(g, dtype=float) if g is not None else 0.0,
                                          np.asarray(e, dtype=float) if e is not None else 0.0)


def test_a_wrong_declaration_fails_loudly():
    """A declaration that forgets a value its rule reads raises, instead of computing a wrong number."""
    wrong = Primitive("mul_saving_nothing", E.mul.primitive.impl, E.mul.primitive.vjps, saves=("", ""),
                      taylor=E.mul.primitive.taylor, batch=E.mul.primitive.batch)
    x = np.array([1.0, 2.0])
    tape, out, boxes = _recorded(wrong, (x, np.array([3.0, 4.0])), {}, {0}, keep_all=False)
    with pytest.raises(ValueNotSaved):
        _sweep(tape, out, boxes, np.ones(2), general=False)
    for use in (lambda s: s + 1.0, lambda s: np.add(s, 1.0), lambda s: np.asarray(s), lambda s: bool(s),
                lambda s: float(s), lambda s: s == 0.0, lambda s: np.equal(s, 0.0), lambda s: np.sum(s)):
        with pytest.raises(ValueNotSaved):
            use(NotSaved((2,)))
    assert value_shape(NotSaved((2, 3))) == (2, 3)


# ------------------------------------------------------------------ memory

def _owned_arrays(tape, exclude) -> list:
    """The arrays a tape refers to that own their data (views of the inputs hold no memory)."""
    found = {}
    for column in (tape.first, tape.second, tape.ans):
        for value in column:
            for v in (value if isinstance(value, tuple) else (value,)):
                if type(v) is np.ndarray and v.base is None and all(v is not e for e in exclude):
                    found[id(v)] = v
    return list(found.values())


def _rosenbrock_tape(x, keep_all: bool):
    tapes = []

    class Watched(ReverseTrace):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            tapes.append(self)

    program = Program.from_text(ROSENBROCK.read_text(encoding="utf-8"), "samples/rosenbrock.expr")
    saved, derivatives_module.ReverseTrace = derivatives_module.ReverseTrace, Watched
    try:
        result = Differentiator(program, keep_all=keep_all)({"x": x})
    finally:
        derivatives_module.ReverseTrace = saved
    assert len(tapes) == 1
    return tapes[0], result


def test_rosenbrocks_tape_keeps_only_the_two_arrays_its_rules_read():
    n = 10 ** 5
    x = np.random.default_rng(7).uniform(-2.0, 2.0, n)
    tape, result = _rosenbrock_tape(x, keep_all=False)
    owned = _owned_arrays(tape, [x])
    r, s = x[1:] - x[:-1] ** 2, 1.0 - x[:-1]
    assert len(owned) == 2 and all(a.shape == (n - 1,) for a in owned)
    assert any(np.array_equal(a, r) for a in owned) and any(np.array_equal(a, s) for a in owned)
    full_tape, full = _rosenbrock_tape(x, keep_all=True)
    assert len(_owned_arrays(full_tape, [x])) == 7 and full_tape.dropped == 0
    assert result.output == full.output
    np.testing.assert_array_equal(result.derivatives["x"], full.derivatives["x"])


def test_the_peak_memory_of_a_gradient_drops():
    n = 10 ** 5
    x = np.random.default_rng(7).uniform(-2.0, 2.0, n)
    program = Program.from_text(ROSENBROCK.read_text(encoding="utf-8"), "samples/rosenbrock.expr")
    peaks = {}
    for keep_all in (True, False):
        differentiate_at = Differentiator(program, keep_all=keep_all)
        differentiate_at({"x": x})          # warm: first-call allocations are not the tape's
        tracemalloc.start()
        try:
            differentiate_at({"x": x})
            peaks[keep_all] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # Five arrays of n floats fewer at the peak (measured: 12 arrays' worth, against 7).
    assert peaks[False] < peaks[True] - 4 * x.nbytes, peaks


# ------------------------------------------------------------------ what still sees every value

NON_FINITE = [
    # (program, point, the warning): the first non-finite value is one that no rule reads (mul by a
    # constant keeps the constant), one that a rule reads (log's x), a derivative (sqrt at 0)
    ("input x = [1, 2]\ny = sum(x * 1e308 * 10)\n", [1.0, 2.0], ("mul", "produced")),
    ("input x = [1, 2]\nz = x - x\ny = sum(log(z) * 2)\n", [1.0, 2.0], ("log", "produced")),
    ("input x = [0, 2]\ny = sum(sqrt(x) * 3)\n", [0.0, 2.0], ("sqrt", "derivative")),
    ("input x = [1, 2]\ny = 10 * (x[1:] * 1e308)\n", [1.0, 2.0], ("mul", "produced")),
]


@pytest.mark.parametrize("src,at,expected", NON_FINITE)
def test_warnings_on_non_finite_programs_are_unchanged(src, at, expected):
    program = Program.from_text(src)
    point = {"x": np.array(at)}
    tapes = []

    class Watched(ReverseTrace):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            tapes.append(self)

    saved, derivatives_module.ReverseTrace = derivatives_module.ReverseTrace, Watched
    try:
        warnings = differentiate(program, point).warnings
    finally:
        derivatives_module.ReverseTrace = saved
    assert warnings == Differentiator(program, keep_all=True)(point).warnings
    (found,) = warnings
    operation, what = expected
    assert isinstance(found, Diagnostic) and found.kind == "non-finite" and found.operation == operation
    assert what in found.message
    assert tapes[0].dropped > 0
    if what == "produced":      # recorded again, keeping everything, to find the value
        assert len(tapes) == 2 and tapes[1].dropped == 0
    else:                       # the sweep that finds a derivative reads only what the rules read
        assert len(tapes) == 1
    if "sum" in src:
        assert [w for w in evaluate(program, point).warnings] == ([found] if what == "produced" else [])


def test_the_views_show_every_value():
    program = Program.from_text("input x = [1, 2]\ny = sum(10 * (x - 3))\n")
    rec = record(program, {"x": np.array([1.0, 2.0])})
    values = [e.value for e in rec.entries(range(rec.length))]
    assert not any(type(v) is NotSaved for v in values)
    np.testing.assert_array_equal(values[2], [-20.0, -10.0])
    assert rec.tape.dropped == 0


def test_scalar_entries_keep_their_floats():
    tape = ReverseTrace(next_level())
    try:
        x = tape.new_input(2.0)
        y = E.add(E.mul(x, 3.0), 1.0)
    finally:
        tape.close()
        release_level()
    assert tape.dropped == 0 and tape.ans[y.node] == 7.0 and tape.first[x.node + 1] == 2.0
