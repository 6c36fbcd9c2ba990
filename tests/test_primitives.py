"""The differentiation core's primitives, checked one rule at a time.

Every primitive in `REGISTRY` must have an entry in `CASES` (a table of
argument generators): the suite fails when a primitive is added without one.
For each case:

* the reverse rules (through a real tape and `backward`) are compared with
  central finite differences, per argument and per element, and must come
  back with exactly the argument's shape (scalars as Python floats);
* the forward rule (`jvp`, called directly) is compared with finite
  differences along a random direction, with all and with single tangents;
* the reverse rules are differentiated again by an outer reverse trace, which
  only works if they are written with primitives, and compared with finite
  differences of the first-order gradient;
* the Taylor rule (`Primitive.taylor`, called by a Taylor trace) gives the
  series of the primitive along a random line, compared with derivatives of
  every order up to 3 by nested forward mode.

Every definition declares all its rules (the registry's own test, below): a
primitive without a Taylor or batching rule says so with `NoRule(reason)`.

Then hand-derived values pin down the conventions: ties, kinks, the
zero-cotangent rule, pow at base 0, prod with zeros, matmul shapes, indexing,
stacking, IEEE forward values and the types of scalar results.
"""
from __future__ import annotations

import math
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff.diffcore.engine import arrays as A
from autodiff.diffcore.engine import broadcasting as B
from autodiff.diffcore.engine import elementwise as E
from autodiff.diffcore.engine import transforms as T
from autodiff.diffcore.interpreter import builtins as _defines_every_primitive  # noqa: F401
from autodiff.diffcore.engine.reverse import Box, ReverseTrace, backward
from autodiff.diffcore.engine.taylor import Jet, TaylorTrace, TaylorUnsupported
from autodiff.diffcore.engine.tracing import REGISTRY, NoRule, Primitive, next_level, primitive, release_level
import linalg_cases

# IEEE specials (log(0), 1/0, 0 * inf) are computed on purpose here: numpy's warnings are noise.
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

STEP = 1e-6         # finite-difference step, scaled by max(1, |x_i|)
RTOL = 1e-5
ATOL = 1e-6

inf, nan = math.inf, math.nan


# ------------------------------------------------------------------ plumbing

def rng_for(text: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(text.encode()))


def shape_of(x) -> tuple:
    return x.shape if isinstance(x, np.ndarray) else ()


def size_of(x) -> int:
    return x.size if isinstance(x, np.ndarray) else 1


def element(x, i) -> float:
    return float(x.flat[i]) if isinstance(x, np.ndarray) else float(x)


def shifted(x, i, d):
    if isinstance(x, np.ndarray):
        y = np.array(x, dtype=np.float64)
        y.flat[i] += d
        return y
    return x + d


def random_like(r, shape):
    v = r.normal(size=shape)
    return float(v) if shape == () else v


def inner(a, b) -> float:
    return float(np.sum(np.multiply(a, b)))


def assert_plain(value, shape, what="value"):
    """Values are Python floats (scalars) or float64 arrays with ndim >= 1, of the expected shape."""
    if shape == ():
        assert type(value) is float, f"{what}: expected a Python float, got {type(value).__name__} {value!r}"
    else:
        assert type(value) is np.ndarray, f"{what}: expected an ndarray, got {type(value).__name__}"
        assert value.dtype == np.float64, f"{what}: dtype {value.dtype}"
        assert value.shape == shape, f"{what}: shape {value.shape}, expected {shape}"


def close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol, err_msg=what)


def vjp(f: Callable, *xs, seed):
    """(value, [cotangent of each input]) of f at xs through one reverse trace; None means zero."""
    tape = ReverseTrace(next_level())
    try:
        boxes = [tape.new_input(x) for x in xs]
        out = f(*boxes)
        assert isinstance(out, Box), f"the result of a primitive on boxes is not a Box: {out!r}"
        return out.value, backward(tape, out.node, seed, [b.node for b in boxes])
    finally:
        tape.close()
        release_level()


def grad_or_zero(g, x):
    return np.zeros(shape_of(x)) if g is None else g


def fd_vjp(f: Callable, args: tuple, k: int, g) -> Any:
    """<g, df/dx_k[i]> for every element i of argument k, by central differences."""
    x = args[k]
    out = np.zeros(shape_of(x))
    for i in range(size_of(x)):
        h = STEP * max(1.0, abs(element(x, i)))
        plus, minus = shifted(x, i, h), shifted(x, i, -h)
        step = element(plus, i) - element(minus, i)
        fp = f(*args[:k], plus, *args[k + 1:])
        fm = f(*args[:k], minus, *args[k + 1:])
        out.flat[i] = inner(g, np.subtract(fp, fm)) / step
    return out if shape_of(x) else float(out)


def fd_jvp(f: Callable, args: tuple, tangents: tuple):
    scale = max([1.0] + [float(np.max(np.abs(a))) for a in args])
    h = STEP * scale
    plus = tuple(a if t is None else a + h * t for a, t in zip(args, tangents))
    minus = tuple(a if t is None else a - h * t for a, t in zip(args, tangents))
    return np.subtract(f(*plus), f(*minus)) / (2 * h)


# ------------------------------------------------------------------ generators

def U(r, shape, lo, hi):
    v = r.uniform(lo, hi, size=shape)
    return float(v) if shape == () else v


def away(r, shape, lo=0.3, hi=2.0):
    """Values with |v| in [lo, hi] and a random sign (away from zero)."""
    v = r.uniform(lo, hi, size=shape) * r.choice([-1.0, 1.0], size=shape)
    return float(v) if shape == () else v


def distinct(r, shape, gap=0.3):
    """Values at least `gap` apart (no ties in max/min)."""
    n = math.prod(shape)
    v = (r.permutation(n) - n / 2) * gap + r.uniform(0, gap / 4, size=n)
    return float(v[0]) if shape == () else v.reshape(shape)


def rejecting(make, ok):
    """A generator that draws until `ok(args)` holds (keeps pairs away from kinks)."""
    def gen(r):
        for _ in range(1000):
            args = make(r)
            if ok(args):
                return args
        raise AssertionError("generator could not satisfy its condition")
    return gen


@dataclass
class Case:
    id: str
    make: Callable[[np.random.Generator], tuple]
    params: dict = field(default_factory=dict)

    def args(self, name: str) -> tuple:
        return self.make(rng_for(f"{name}/{self.id}"))


def sid(shape) -> str:
    return "s" if shape == () else "x".join(map(str, shape))


UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((3,), (2, 3)), ((2, 1), (1, 3)), ((), (4,)), ((2, 3), ())]


def unary_cases(gen: Callable) -> list[Case]:
    return [Case(sid(s), (lambda s: lambda r: (gen(r, s),))(s)) for s in UNARY_SHAPES]


def binary_cases(gen: Callable, ok: Optional[Callable] = None) -> list[Case]:
    cases = []
    for sx, sy in BINARY_SHAPES:
        make = (lambda sx, sy: lambda r: gen(r, sx, sy))(sx, sy)
        if ok is not None:
            make = rejecting(make, ok)
        cases.append(Case(f"{sid(sx)}_{sid(sy)}", make))
    return cases


def reduction_cases(gen: Callable, keepdims=(False, True)) -> list[Case]:
    layouts = [((), None), ((4,), None), ((4,), (0,)), ((2, 3), None), ((2, 3), (0,)),
               ((2, 3), (1,)), ((2, 3, 2), (0, 2))]
    cases = []
    for shape, axis in layouts:
        for kd in keepdims:
            ax = "all" if axis is None else "".join(map(str, axis))
            cases.append(Case(f"{sid(shape)}_ax{ax}{'_keep' if kd else ''}",
                              (lambda shape: lambda r: (gen(r, shape),))(shape),
                              dict(axis=axis, keepdims=kd)))
    return cases


def frac_ok(args):
    """mod away from its jumps: x / y not within 0.1 of an integer (over the broadcast)."""
    q = np.divide(args[0], args[1])
    f = q - np.floor(q)
    return bool(np.all((f > 0.1) & (f < 0.9)))


def apart_ok(args, gap=0.1):
    return bool(np.min(np.abs(np.subtract(args[0], args[1]))) > gap)


def any_(r, s):
    return U(r, s, -2.0, 2.0)


def pair(gx, gy):
    return lambda r, sx, sy: (gx(r, sx), gy(r, sy))


def where_case(id_, sx, sy, sc):
    def make(r):
        return (any_(r, sx), any_(r, sy))
    cond = bool(rng_for(id_).integers(2)) if sc == () else rng_for(id_).integers(0, 2, size=sc).astype(bool)
    return Case(id_, make, dict(cond=cond))


def _f(shape):
    return lambda r: (any_(r, shape),)


MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])

CASES: dict[str, list[Case]] = {
    # arithmetic
    "neg": unary_cases(any_),
    "add": binary_cases(pair(any_, any_)),
    "sub": binary_cases(pair(any_, any_)),
    "mul": binary_cases(pair(any_, any_)),
    "div": binary_cases(pair(any_, away)),
    "cot_mul": binary_cases(pair(away, any_)),
    "cot_div": binary_cases(pair(away, away)),
    "pow": binary_cases(pair(lambda r, s: U(r, s, 0.5, 2.0), any_)),
    "mod": binary_cases(pair(lambda r, s: U(r, s, -4.0, 4.0), away), ok=frac_ok),
    "maximum": binary_cases(pair(any_, any_), ok=apart_ok),
    "minimum": binary_cases(pair(any_, any_), ok=apart_ok),
    "atan2": binary_cases(pair(any_, away)),
    "hypot": binary_cases(pair(away, away)),
    "where": [where_case("s_s_T", (), (), ()), where_case("3_3_c3", (3,), (3,), (3,)),
              where_case("3_2x3_c2x3", (3,), (2, 3), (2, 3)), where_case("2x1_1x3_c2x3", (2, 1), (1, 3), (2, 3)),
              where_case("s_4_c4", (), (4,), (4,)), where_case("s_s_c4", (), (), (4,)),
              where_case("2x3_s_c3", (2, 3), (), (3,)),
              Case("s_s_False", lambda r: (any_(r, ()), any_(r, ())), dict(cond=False))],
    # elementwise unary, inside their domains and away from kinks
    "exp": unary_cases(any_),
    "expm1": unary_cases(any_),
    "log": unary_cases(lambda r, s: U(r, s, 0.3, 3.0)),
    "log1p": unary_cases(lambda r, s: U(r, s, -0.6, 2.0)),
    "sqrt": unary_cases(lambda r, s: U(r, s, 0.3, 3.0)),
    "sin": unary_cases(any_),
    "cos": unary_cases(any_),
    "tan": unary_cases(lambda r, s: U(r, s, -1.2, 1.2)),
    "asin": unary_cases(lambda r, s: U(r, s, -0.9, 0.9)),
    "acos": unary_cases(lambda r, s: U(r, s, -0.9, 0.9)),
    "atan": unary_cases(any_),
    "sinh": unary_cases(any_),
    "cosh": unary_cases(any_),
    "tanh": unary_cases(any_),
    "sigmoid": unary_cases(lambda r, s: U(r, s, -4.0, 4.0)),
    "softplus": unary_cases(lambda r, s: U(r, s, -4.0, 4.0)),
    "abs": unary_cases(away),
    "relu": unary_cases(away),
    # broadcasting
    "sum": reduction_cases(any_),
    "reshape": [Case("2x3_to_3x2", _f((2, 3)), dict(shape=(3, 2))),
                Case("6_to_2x3", _f((6,)), dict(shape=(2, 3))),
                Case("2x3_to_6", _f((2, 3)), dict(shape=(6,))),
                Case("s_to_1x1", _f(()), dict(shape=(1, 1))),
                Case("1_to_s", _f((1,)), dict(shape=()))],
    "broadcast_to": [Case("3_to_2x3", _f((3,)), dict(shape=(2, 3))),
                     Case("2x1_to_2x3", _f((2, 1)), dict(shape=(2, 3))),
                     Case("s_to_4", _f(()), dict(shape=(4,))),
                     Case("1x3_to_2x2x3", _f((1, 3)), dict(shape=(2, 2, 3))),
                     Case("2x3_same", _f((2, 3)), dict(shape=(2, 3)))],
    # reductions
    "max": reduction_cases(distinct),
    "min": reduction_cases(distinct),
    "prod": reduction_cases(lambda r, s: away(r, s, 0.5, 1.5)),
    "norm": reduction_cases(away),
    "logsumexp": reduction_cases(any_),
    # linear algebra
    "transpose": [Case("2x3", _f((2, 3))), Case("3", _f((3,))),
                  Case("2x3x4_120", _f((2, 3, 4)), dict(axes=(1, 2, 0))),
                  Case("2x3x4_021", _f((2, 3, 4)), dict(axes=(0, 2, 1))),
                  Case("s", _f(()))],
    "matmul": [Case(f"{sid(a)}@{sid(b)}", (lambda a, b: lambda r: (any_(r, a), any_(r, b)))(a, b))
               for a, b in [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
                            ((2, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 5)), ((2, 3, 4), (2, 4, 5)),
                            ((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 3, 4), (4,)),
                            ((2, 1, 3, 4), (5, 4, 2))]],
    "cot_matmul": [Case(f"{sid(a)}@{sid(b)}", (lambda a, b: lambda r: (any_(r, a), any_(r, b)))(a, b))
                   for a, b in [((4,), (4,)), ((3, 4), (4, 5)), ((2, 3, 4), (4,)), ((1, 3, 4), (2, 4, 5))]],
    **linalg_cases.primitive_cases(Case, sid),     # einsum, solve, det, slogdet, the factorisations
    # indexing
    "getitem": [Case("int", _f((5,)), dict(index=(2,))),
                Case("neg_int", _f((5,)), dict(index=(-1,))),
                Case("slice_step", _f((7,)), dict(index=(slice(1, 6, 2),))),
                Case("slice_neg_step", _f((7,)), dict(index=(slice(None, None, -3),))),
                Case("row_col", _f((3, 4)), dict(index=(1, -2))),
                Case("col0", _f((3, 4)), dict(index=(slice(None), 0))),
                Case("row", _f((3, 4)), dict(index=(1,))),
                Case("int_slice", _f((3, 4)), dict(index=(-1, slice(0, 4, 2)))),
                Case("int_array_repeats", _f((5,)), dict(index=(np.array([0, 3, 0, 0]),))),
                Case("int_arrays_2d", _f((3, 4)), dict(index=(np.array([0, 0, 2]), np.array([1, 1, 3])))),
                Case("int_array_2d_shape", _f((4,)), dict(index=(np.array([[0, 1], [1, 3]]),))),
                Case("mask_2d", _f((3, 4)), dict(index=(MASK,))),
                Case("mask_row", _f((3, 4)), dict(index=(np.array([True, False, True]),))),
                Case("slice_mask", _f((3, 4)), dict(index=(slice(None), MASK[0])))],
    "scatter_add": [Case("int", _f(()), dict(index=(2,), shape=(4,))),
                    Case("repeats", _f((4,)), dict(index=(np.array([1, 1, 3, 1]),), shape=(5,))),
                    Case("col", _f((3,)), dict(index=(slice(None), 1), shape=(3, 2))),
                    Case("scalar_over_slice", _f(()), dict(index=(slice(0, 4, 2),), shape=(5,))),
                    Case("row_broadcast", _f((3,)), dict(index=(slice(None),), shape=(2, 3))),
                    Case("mask", _f((6,)), dict(index=(MASK,), shape=(3, 4)))],
    "index_set": [Case("int_scalar", lambda r: (any_(r, (4,)), any_(r, ())), dict(index=(1,))),
                  Case("row_vec", lambda r: (any_(r, (2, 3)), any_(r, (3,))), dict(index=(0,))),
                  Case("col_vec", lambda r: (any_(r, (2, 3)), any_(r, (2,))), dict(index=(slice(None), 1))),
                  Case("slice_scalar", lambda r: (any_(r, (5,)), any_(r, ())), dict(index=(slice(0, 5, 2),))),
                  Case("block_row_bcast", lambda r: (any_(r, (3, 3)), any_(r, (1, 3))),
                       dict(index=(slice(0, 2),))),
                  Case("int_array", lambda r: (any_(r, (5,)), any_(r, (2,))), dict(index=(np.array([4, 0]),))),
                  # a position written twice keeps the last write: the first has no derivative
                  Case("int_array_repeats", lambda r: (any_(r, (5,)), any_(r, (4,))),
                       dict(index=(np.array([1, 4, 1, 1]),))),
                  Case("rows_repeat_bcast", lambda r: (any_(r, (3, 2)), any_(r, (3, 1))),
                       dict(index=(np.array([2, 0, 2]),))),
                  Case("mask", lambda r: (any_(r, (3, 4)), any_(r, ())), dict(index=(MASK,)))],
    # stacking
    "stack": [Case("scalars", lambda r: (any_(r, ()), any_(r, ()), any_(r, ())), dict(axis=0)),
              Case("vec_ax0", lambda r: (any_(r, (3,)), any_(r, (3,))), dict(axis=0)),
              Case("vec_ax1", lambda r: (any_(r, (3,)), any_(r, (3,))), dict(axis=1)),
              Case("mat_ax1", lambda r: (any_(r, (2, 3)), any_(r, (2, 3)), any_(r, (2, 3))), dict(axis=1)),
              Case("mat_ax2", lambda r: (any_(r, (2, 3)), any_(r, (2, 3))), dict(axis=2))],
    "concat": [Case("vec_ax0", lambda r: (any_(r, (2,)), any_(r, (3,))), dict(axis=0)),
               Case("mat_ax0", lambda r: (any_(r, (1, 3)), any_(r, (2, 3))), dict(axis=0)),
               Case("mat_ax1", lambda r: (any_(r, (2, 3)), any_(r, (2, 1)), any_(r, (2, 2))), dict(axis=1)),
               Case("one", lambda r: (any_(r, (3,)),), dict(axis=0))],
    # special functions (engine/special.py, engine/elementwise_more.py)
    "erf": unary_cases(any_),
    "erfc": unary_cases(any_),
    "gammaln": unary_cases(lambda r, s: U(r, s, 0.3, 4.0)) + [Case("negative", lambda r: (U(r, (3,), -2.9, -2.1),))],
    "polygamma": [Case(f"{sid(s)}_order{k}", (lambda s: lambda r: (U(r, s, 0.3, 4.0),))(s), dict(order=k))
                  for s in UNARY_SHAPES for k in (0, 1, 3)]
                 + [Case("negative_order2", lambda r: (U(r, (3,), -1.8, -1.2),), dict(order=2))],
    "sinc": [Case(f"{sid(s)}_order{k}", (lambda s: lambda r: (U(r, s, -2.0, 2.0),))(s), dict(order=k))
             for s in UNARY_SHAPES for k in (0, 1, 2)]
            + [Case("at0", lambda r: (np.array([0.0, 0.7, -0.3]),)), Case("at0_order3", lambda r: (0.0,), dict(order=3))],
    "asinh": unary_cases(any_),
    "acosh": unary_cases(lambda r, s: U(r, s, 1.3, 3.0)),
    "atanh": unary_cases(lambda r, s: U(r, s, -0.8, 0.8)),
    "fmax": binary_cases(pair(any_, any_), ok=apart_ok),
    "fmin": binary_cases(pair(any_, any_), ok=apart_ok),
    "xlogy": binary_cases(pair(any_, lambda r, s: U(r, s, 0.3, 3.0))),
    # scans (engine/statistics.py); cumprod with zeros takes its exact, division-free rules
    "cumsum": [Case("s", _f(())), Case("4", _f((4,))), Case("2x3_flat", _f((2, 3))),
               Case("2x3_ax0", _f((2, 3)), dict(axis=0)), Case("2x3_ax1", _f((2, 3)), dict(axis=1)),
               Case("2x3x2_ax1", _f((2, 3, 2)), dict(axis=1))],
    "cumprod": [Case("s", lambda r: (away(r, ()),)), Case("4", lambda r: (away(r, (4,), 0.5, 1.5),)),
                Case("2x3_flat", lambda r: (away(r, (2, 3), 0.5, 1.5),)),
                Case("2x3_ax0", lambda r: (away(r, (2, 3), 0.5, 1.5),), dict(axis=0)),
                Case("2x3x2_ax1", lambda r: (away(r, (2, 3, 2), 0.5, 1.5),), dict(axis=1)),
                Case("zeros", lambda r: (np.array([1.3, 0.0, -0.7, 0.0, 1.2]),)),
                Case("zero_first", lambda r: (np.array([0.0, 0.9, -1.1]),)),
                Case("zeros_2x3_ax1", lambda r: (np.array([[0.5, 0.0, 1.5], [1.2, -0.8, 0.0]]),), dict(axis=1)),
                Case("zeros_2x3_ax0", lambda r: (np.array([[0.5, 0.0, 1.5], [0.0, -0.8, 1.1]]),), dict(axis=0))],
}

ALL = [(name, case) for name in sorted(CASES) for case in CASES[name] if name in REGISTRY]
IDS = [f"{name}-{case.id}" for name, case in ALL]


def evaluate(prim, params):
    def f(*xs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return prim(*xs, **params)
    return f


def test_table_covers_registry_exactly():
    missing = sorted(set(REGISTRY) - set(CASES))
    stale = sorted(set(CASES) - set(REGISTRY))
    assert not missing, f"primitives without test cases: {missing}"
    assert not stale, f"test cases for primitives that do not exist: {stale}"
    assert all(CASES[name] for name in CASES)


# ------------------------------------------------------------------ 1. VJP vs finite differences

@pytest.mark.parametrize("name,case", ALL, ids=IDS)
def test_vjp_matches_finite_differences(name, case):
    prim = REGISTRY[name]
    args = case.args(name)
    f = evaluate(prim, case.params)
    expected_value = f(*args)
    assert_plain(expected_value, shape_of(expected_value), "forward value")
    r = rng_for(f"seed/{name}/{case.id}")
    g = random_like(r, shape_of(expected_value))
    value, grads = vjp(lambda *bs: prim(*bs, **case.params), *args, seed=g)
    np.testing.assert_array_equal(value, expected_value)
    assert len(grads) == len(args)
    for k, (x, gk) in enumerate(zip(args, grads)):
        assert gk is not None, f"argument {k} got no cotangent"
        assert_plain(gk, shape_of(x), f"cotangent of argument {k}")
        close(gk, fd_vjp(f, args, k, g), what=f"argument {k}")


# ------------------------------------------------------------------ 2. JVP vs finite differences

def tangent_patterns(n: int) -> list[tuple]:
    every = tuple(range(n))
    return [every] + ([(k,) for k in range(n)] if n > 1 else [])


JVP_ALL = [(name, case, active) for name, case in ALL
           for active in tangent_patterns(len(case.args(name)))]
JVP_IDS = [f"{name}-{case.id}-t{''.join(map(str, active))}" for name, case, active in JVP_ALL]


@pytest.mark.parametrize("name,case,active", JVP_ALL, ids=JVP_IDS)
def test_jvp_matches_finite_differences(name, case, active):
    prim = REGISTRY[name]
    assert prim.jvp is not None, f"{name} has no jvp rule"
    args = case.args(name)
    f = evaluate(prim, case.params)
    ans = f(*args)
    r = rng_for(f"tangent/{name}/{case.id}")
    tangents = tuple(random_like(r, shape_of(x)) if k in active else None for k, x in enumerate(args))
    out = prim.jvp(tangents, ans, *args, **case.params)
    assert_plain(out, shape_of(ans), "tangent")
    close(out, fd_jvp(f, args, tangents))


@pytest.mark.parametrize("name,case", ALL, ids=IDS)
def test_jvp_rule_is_differentiable(name, case):
    """The jvp rule is written with primitives: reverse mode through it (in the arguments and
    the tangents) matches finite differences of the rule evaluated on plain values."""
    prim = REGISTRY[name]
    args = case.args(name)
    n = len(args)
    r = rng_for(f"jvp-rule/{name}/{case.id}")
    tangents = tuple(random_like(r, shape_of(x)) for x in args)
    ans_shape = shape_of(evaluate(prim, case.params)(*args))
    w = random_like(r, ans_shape)

    def rule(*xs):
        a, t = xs[:n], xs[n:]
        return prim.jvp(tuple(t), prim(*a, **case.params), *a, **case.params)

    value, grads = vjp(rule, *args, *tangents, seed=w)
    close(value, prim.jvp(tangents, prim(*args, **case.params), *args, **case.params), rtol=1e-14, atol=0)
    everything = args + tangents
    for k, (x, gk) in enumerate(zip(everything, grads)):
        close(grad_or_zero(gk, x), fd_vjp(evaluate(rule, {}), everything, k, w),
              what=f"{'argument' if k < n else 'tangent'} {k % n}")


# ------------------------------------------------------------------ 3. second order

def second_order(prim, args, params, seed, w):
    """d/dx <w, J^T (seed * cos(prim(x)))>: the gradient of sum(seed * sin(prim(x))),
    taken by an inner trace, dotted with w, differentiated by an outer trace."""
    outer = ReverseTrace(next_level())
    try:
        a_boxes = [outer.new_input(x) for x in args]
        inner_trace = ReverseTrace(next_level())
        try:
            b_boxes = [inner_trace.new_input(a) for a in a_boxes]
            out = E.sin(prim(*b_boxes, **params))
            cts = backward(inner_trace, out.node, seed, [b.node for b in b_boxes])
        finally:
            inner_trace.close()
            release_level()
        total = 0.0
        for ct, wk in zip(cts, w):
            if ct is not None:
                total = E.add(total, B.sum_(E.mul(ct, wk)))
        if not isinstance(total, Box):
            return [None] * len(args)
        return backward(outer, total.node, 1.0, [a.node for a in a_boxes])
    finally:
        outer.close()
        release_level()


def first_order_dot(prim, params, seed, w):
    def phi(*xs):
        _, grads = vjp(lambda *bs: E.sin(prim(*bs, **params)), *xs, seed=seed)
        return sum(inner(grad_or_zero(gk, x), wk) for gk, x, wk in zip(grads, xs, w))
    return phi


SECOND_ORDER_REQUIRED = {"mul", "div", "pow", "exp", "log", "sin", "cos", "tanh", "sigmoid", "softplus",
                         "sqrt", "atan2", "hypot", "sum", "prod", "norm", "logsumexp", "matmul",
                         "getitem", "index_set", "where", "maximum"}


def test_second_order_covers_the_required_primitives():
    assert SECOND_ORDER_REQUIRED <= {name for name, _ in ALL}


@pytest.mark.parametrize("name,case", ALL, ids=IDS)
def test_second_order_matches_finite_differences(name, case):
    prim = REGISTRY[name]
    args = case.args(name)
    r = rng_for(f"second/{name}/{case.id}")
    seed = random_like(r, shape_of(evaluate(prim, case.params)(*args)))
    w = [random_like(r, shape_of(x)) for x in args]
    hvp = second_order(prim, args, case.params, seed, w)
    phi = first_order_dot(prim, case.params, seed, w)
    for k, (x, hk) in enumerate(zip(args, hvp)):
        assert hk is not None, f"argument {k}: the rule's cotangent does not depend on the inputs"
        assert_plain(hk, shape_of(x), f"second-order cotangent {k}")
        expected = fd_vjp(lambda *xs: phi(*xs), args, k, 1.0)
        close(hk, expected, rtol=2e-5, atol=2e-5, what=f"argument {k}")


# ------------------------------------------------------------------ 3b. Taylor rules

TAYLOR_ORDER = 3


def taylor_coefficients(prim, args, directions, params, order=TAYLOR_ORDER) -> list:
    """The Taylor coefficients of prim(args + t * directions) at t = 0, by the primitive's Taylor rule."""
    trace = TaylorTrace(next_level(), order)
    try:
        jets = []
        for a, v in zip(args, directions):
            series = trace.series(a)
            jets.append(Jet([series[0], np.float64(v) if shape_of(v) == () else v] + series[2:], trace))
        out = prim(*jets, **params)
    finally:
        release_level()
    assert type(out) is Jet and out.trace is trace
    return out.coeffs


def nested_forward_derivatives(prim, args, directions, params, order=TAYLOR_ORDER) -> list:
    """[f(0), f'(0), ..., f^(order)(0)] of f(t) = prim(args + t * directions), by nested forward mode."""
    def along(t):
        return prim(*[E.add(a, E.mul(t, v)) for a, v in zip(args, directions)], **params)
    functions = [along]
    for _ in range(order):
        functions.append((lambda f: lambda t: T.jvp(f, (t,), (1.0,))[1])(functions[-1]))
    return [f(0.0) for f in functions]


@pytest.mark.parametrize("name,case", ALL, ids=IDS)
def test_taylor_rule_matches_nested_forward_mode(name, case):
    """The rule each definition names (`taylor=`) is what Taylor mode runs: its k-th coefficient
    times k! is the k-th derivative along a random line, by nested forward mode (the JVP rules)."""
    prim = REGISTRY[name]
    args = case.args(name)
    r = rng_for(f"taylor/{name}/{case.id}")
    if name in linalg_cases.WITHOUT_SERIES:     # a declared NoRule: refused with its reason
        with pytest.raises(TaylorUnsupported, match=name):
            taylor_coefficients(prim, args, tuple(random_like(r, shape_of(x)) for x in args), case.params)
        return
    directions = tuple(random_like(r, shape_of(x)) for x in args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        coefficients = taylor_coefficients(prim, args, directions, case.params)
        derivatives = nested_forward_derivatives(prim, args, directions, case.params)
    assert len(coefficients) == TAYLOR_ORDER + 1
    for k, (c, d) in enumerate(zip(coefficients, derivatives)):
        assert np.shape(c) == np.shape(d), f"coefficient {k}: shape {np.shape(c)}, value shape {np.shape(d)}"
        close(np.asarray(c) * math.factorial(k), d, rtol=1e-9, atol=1e-9, what=f"order {k}")


# ------------------------------------------------------------------ 3c. the registry's declarations

def test_every_registered_primitive_declares_every_rule():
    """One definition per primitive holds all its rules: forward, VJPs, JVP, Taylor, batching, size."""
    for name, prim in REGISTRY.items():
        assert prim.name == name and callable(prim.impl) and callable(prim.bind)
        if prim.arity >= 0:
            assert len(prim.vjps) == prim.arity and all(callable(rule) for rule in prim.vjps), name
        else:       # variadic: rule k for argument k
            assert callable(prim.vjps[0]) and callable(prim.vjps[5]), name
        assert callable(prim.jvp), f"{name}: no forward-mode rule"
        assert callable(prim.size), f"{name}: no size rule"
        for kind in ("taylor", "batch"):
            rule = getattr(prim, kind)
            assert callable(rule) or (isinstance(rule, NoRule) and rule.reason.strip()), (name, kind, rule)
    # Today every registered primitive has both rules; a NoRule here would send Taylor mode to
    # nested differentiation and batching to a loop over examples, for every program using it.
    assert {name for name, prim in REGISTRY.items() if not prim.taylor} == linalg_cases.WITHOUT_SERIES
    assert [name for name, prim in REGISTRY.items() if not prim.batch] == []


def test_a_definition_must_declare_its_taylor_and_batching_rules():
    def impl(x):
        return x

    rules = dict(vjps=(lambda g, ans, x: g,), jvp=lambda ts, ans, x: ts[0], size=lambda x: 1)
    with pytest.raises(TypeError, match="taylor"):
        primitive("test_undeclared", impl, batch=NoRule("a test"), **rules)
    with pytest.raises(TypeError, match="batch"):
        Primitive("test_undeclared", impl, rules["vjps"], taylor=NoRule("a test"))
    for taylor, batch in [(None, NoRule("a test")), (NoRule("a test"), None), ("series", NoRule("a test"))]:
        with pytest.raises(ValueError, match="NoRule"):
            primitive("test_undeclared", impl, taylor=taylor, batch=batch, **rules)
    with pytest.raises(ValueError, match="reason"):
        NoRule("  ")
    with pytest.raises(ValueError, match="jvp"):
        primitive("test_undeclared", impl, taylor=NoRule("a test"), batch=NoRule("a test"),
                  **{**rules, "jvp": None})
    assert "test_undeclared" not in REGISTRY


def test_taylor_mode_refuses_a_declared_absence_with_its_reason():
    """No silent fallback: a primitive declaring NoRule raises TaylorUnsupported, saying why."""
    prim = Primitive("test_no_series", lambda x: x, (lambda g, ans, x: g,), lambda ts, ans, x: ts[0],
                     taylor=NoRule("a test of the refusal"), batch=NoRule("a test"))
    trace = TaylorTrace(next_level(), 2)
    try:
        with pytest.raises(TaylorUnsupported, match="test_no_series: a test of the refusal"):
            prim(Jet([np.float64(1.0), np.float64(1.0), np.float64(0.0)], trace))
    finally:
        release_level()


# ------------------------------------------------------------------ 4. random broadcast shapes

@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: dims drawn per axis as (n, n), (1, n) or (n, 1), ranks may differ."""
    rank = draw(st.integers(0, 3))
    sx, sy = [], []
    for _ in range(rank):
        n = draw(st.integers(2, 3))
        a, b = draw(st.sampled_from([(n, n), (1, n), (n, 1)]))
        sx.append(a)
        sy.append(b)
    drop_x, drop_y = draw(st.integers(0, len(sx))), draw(st.integers(0, len(sy)))
    return tuple(sx[drop_x if drop_y == 0 else 0:]), tuple(sy[drop_y if drop_x == 0 else 0:])


BROADCAST_BINARY = {"add": (any_, any_), "sub": (any_, any_), "mul": (any_, any_), "div": (any_, away),
                    "pow": (lambda r, s: U(r, s, 0.5, 2.0), any_), "hypot": (away, away),
                    "atan2": (any_, away), "cot_mul": (away, any_)}


@pytest.mark.parametrize("name", sorted(BROADCAST_BINARY))
@settings(max_examples=15, deadline=None, derandomize=True)
@given(shapes=broadcast_pair(), seed=st.integers(0, 2**31))
def test_binary_gradients_under_random_broadcasting(name, shapes, seed):
    prim = REGISTRY[name]
    sx, sy = shapes
    r = np.random.default_rng(seed)
    gx, gy = BROADCAST_BINARY[name]
    args = (gx(r, sx), gy(r, sy))
    out_shape = np.broadcast_shapes(sx, sy)
    g = random_like(r, out_shape)
    f = evaluate(prim, {})
    value, grads = vjp(prim, *args, seed=g)
    assert_plain(value, out_shape)
    for k, (x, gk) in enumerate(zip(args, grads)):
        assert_plain(gk, shape_of(x), f"cotangent {k}")
        close(gk, fd_vjp(f, args, k, g))
    tangents = tuple(random_like(r, shape_of(x)) for x in args)
    close(prim.jvp(tangents, value, *args), fd_jvp(f, args, tangents))


# ------------------------------------------------------------------ 5. pinned semantics

def grads_of(f, *xs, seed=1.0):
    return vjp(f, *xs, seed=seed)[1]


def hessian_row(f, x, w):
    """d/dx <w, grad f(x)> for a scalar-valued f, by nested reverse traces."""
    outer = ReverseTrace(next_level())
    try:
        a = outer.new_input(x)
        tb = ReverseTrace(next_level())
        try:
            b = tb.new_input(a)
            out = f(b)
            (ct,) = backward(tb, out.node, 1.0, [b.node])
        finally:
            tb.close()
            release_level()
        total = B.sum_(E.mul(ct, w))
        if not isinstance(total, Box):
            return None
        return backward(outer, total.node, 1.0, [a.node])[0]
    finally:
        outer.close()
        release_level()


class TestTiesAndKinks:
    @pytest.mark.parametrize("prim", [E.maximum, E.minimum], ids=["maximum", "minimum"])
    def test_scalar_tie_splits_half(self, prim):
        assert grads_of(prim, 2.0, 2.0, seed=3.0) == [1.5, 1.5]

    def test_maximum_array_ties_with_broadcast(self):
        gx, gy = grads_of(E.maximum, np.array([1.0, 2.0, 3.0]), 2.0, seed=np.array([1.0, 10.0, 100.0]))
        np.testing.assert_array_equal(gx, [0.0, 5.0, 100.0])
        assert gy == 1.0 + 5.0

    def test_minimum_array_ties(self):
        gx, gy = grads_of(E.minimum, np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0]),
                          seed=np.array([1.0, 10.0, 100.0]))
        np.testing.assert_array_equal(gx, [1.0, 5.0, 0.0])
        np.testing.assert_array_equal(gy, [0.0, 5.0, 100.0])

    def test_maximum_jvp_at_tie_averages(self):
        assert E.maximum.primitive.jvp((1.0, 3.0), 2.0, 2.0, 2.0) == 2.0
        assert E.minimum.primitive.jvp((1.0, None), 2.0, 2.0, 2.0) == 0.5

    @pytest.mark.parametrize("prim", [A.amax, A.amin], ids=["max", "min"])
    def test_reduction_ties_split_evenly(self, prim):
        x = np.array([1.0, 3.0, 3.0, 1.0]) * (1 if prim is A.amax else -1)
        (g,) = grads_of(lambda b: prim(b), x, seed=6.0)
        np.testing.assert_array_equal(g, [0.0, 3.0, 3.0, 0.0])

    def test_max_reduction_three_way_tie_along_axis(self):
        x = np.array([[2.0, 2.0, 2.0], [1.0, 5.0, 0.0]])
        (g,) = grads_of(lambda b: A.amax(b, axis=(1,)), x, seed=np.array([3.0, 7.0]))
        np.testing.assert_allclose(g, [[1.0, 1.0, 1.0], [0.0, 7.0, 0.0]], rtol=1e-15)

    def test_min_reduction_tie_keepdims_axis0(self):
        x = np.array([[0.0, 4.0], [0.0, 1.0]])
        (g,) = grads_of(lambda b: A.amin(b, axis=(0,), keepdims=True), x, seed=np.array([[2.0, 2.0]]))
        np.testing.assert_array_equal(g, [[1.0, 0.0], [1.0, 2.0]])

    def test_max_reduction_jvp_with_ties(self):
        x = np.array([3.0, 1.0, 3.0])
        assert A.amax.primitive.jvp((np.array([1.0, 100.0, 5.0]),), 3.0, x) == 3.0

    @pytest.mark.parametrize("prim", [E.abs_, E.relu], ids=["abs", "relu"])
    def test_kink_at_zero_gives_zero(self, prim):
        assert grads_of(prim, 0.0, seed=1.0) == [0.0]
        (g,) = grads_of(prim, np.array([0.0, -2.0, 2.0]), seed=np.array([1.0, 1.0, 1.0]))
        np.testing.assert_array_equal(g, [0.0, -1.0 if prim is E.abs_ else 0.0, 1.0])
        assert prim.primitive.jvp((1.0,), 0.0, 0.0) == 0.0

    def test_norm_at_zero_gives_zero(self):
        (g,) = grads_of(lambda b: A.norm(b), np.zeros(3), seed=1.0)
        np.testing.assert_array_equal(g, np.zeros(3))


class TestZeroCotangent:
    def test_where_sqrt_at_zero(self):
        (g,) = grads_of(lambda b: E.where(E.sqrt(b), 0.0, cond=False), 0.0)
        assert g == 0.0

    def test_where_sqrt_array(self):
        x = np.array([0.0, 4.0, 0.0])
        (g,) = grads_of(lambda b: E.where(E.sqrt(b), 0.0, cond=x > 0), x, seed=np.ones(3))
        np.testing.assert_array_equal(g, [0.0, 0.25, 0.0])

    def test_where_log_and_div_untaken_branch(self):
        x = np.array([0.0, 2.0])
        (g,) = grads_of(lambda b: E.where(E.add(E.log(b), E.div(1.0, b)), 0.0, cond=x > 0), x, seed=np.ones(2))
        np.testing.assert_array_equal(g, [0.0, 0.5 - 0.25])

    @pytest.mark.parametrize("prim,x", [(E.log, 0.0), (E.sqrt, 0.0), (E.log1p, -1.0), (E.asin, 1.0),
                                        (E.acos, -1.0), (E.exp, 1000.0), (E.cosh, 1000.0)],
                             ids=["log", "sqrt", "log1p", "asin", "acos", "exp_overflow", "cosh_overflow"])
    def test_zero_cotangent_at_singular_point(self, prim, x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert prim.primitive.vjps[0](0.0, prim(x), x) == 0.0
            np.testing.assert_array_equal(prim.primitive.vjps[0](np.zeros(2), prim(np.full(2, x)), np.full(2, x)), [0.0, 0.0])

    def test_log_at_zero_nonzero_cotangent_is_inf(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert E.log.primitive.vjps[0](1.0, -inf, 0.0) == inf

    def test_div_by_zero_with_zero_cotangent(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            assert E.div.primitive.vjps[0](0.0, inf, 1.0, 0.0) == 0.0
            assert E.div.primitive.vjps[1](0.0, inf, 1.0, 0.0) == 0.0


class TestPow:
    def test_square_at_zero(self):
        assert grads_of(E.pow_, 0.0, 2.0) == [0.0, 0.0]

    def test_square_at_zero_array(self):
        gx, gy = grads_of(E.pow_, np.array([0.0, 3.0]), 2.0, seed=np.ones(2))
        np.testing.assert_array_equal(gx, [0.0, 6.0])
        assert gy == pytest.approx(9.0 * math.log(3.0), rel=1e-15)

    def test_pow_zero_exponent_at_zero_base(self):
        # x^0 is the constant 1: both partials are 0 (as in JAX and PyTorch), not 0 * inf = nan.
        assert grads_of(E.pow_, 0.0, 0.0) == [0.0, 0.0]
        gx, _ = grads_of(E.pow_, np.array([0.0, 2.0]), 0.0, seed=np.ones(2))
        np.testing.assert_array_equal(gx, [0.0, 0.0])

    @pytest.mark.parametrize("y", [0.5, 1.0, 3.0])
    def test_exponent_derivative_at_zero_base(self, y):
        _, gy = grads_of(E.pow_, 0.0, y)
        assert gy == 0.0

    def test_negative_base_integer_exponent(self):
        gx, gy = grads_of(E.pow_, -2.0, 3.0)
        assert gx == 12.0
        assert gy == 0.0
        gx, gy = grads_of(E.pow_, np.array([-2.0, -1.0]), 2.0, seed=np.ones(2))
        np.testing.assert_array_equal(gx, [-4.0, -2.0])
        assert gy == 0.0

    def test_second_derivative_of_square_at_zero(self):
        assert hessian_row(lambda b: E.pow_(b, 2.0), 0.0, 1.0) == 2.0

    def test_jvp_exponent_at_zero_base(self):
        assert E.pow_.primitive.jvp((None, 1.0), 0.0, 0.0, 2.0) == 0.0


class TestProd:
    def test_one_zero(self):
        (g,) = grads_of(lambda b: A.prod(b), np.array([2.0, 0.0, 3.0, 4.0]))
        np.testing.assert_array_equal(g, [0.0, 24.0, 0.0, 0.0])

    def test_two_zeros(self):
        (g,) = grads_of(lambda b: A.prod(b), np.array([2.0, 0.0, 3.0, 0.0]))
        np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 0.0])
        assert all(not np.signbit(v) or v == 0 for v in g)

    def test_zero_along_axis(self):
        x = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 4.0], [0.0, 5.0, 0.0]])
        (g,) = grads_of(lambda b: A.prod(b, axis=(1,)), x, seed=np.array([1.0, 1.0, 1.0]))
        np.testing.assert_array_equal(g, [[0.0, 6.0, 0.0], [8.0, 4.0, 2.0], [0.0, 0.0, 0.0]])

    def test_zero_along_axis0_keepdims(self):
        x = np.array([[2.0, 0.0], [7.0, 5.0]])
        (g,) = grads_of(lambda b: A.prod(b, axis=(0,), keepdims=True), x, seed=np.array([[1.0, 10.0]]))
        np.testing.assert_array_equal(g, [[7.0, 50.0], [2.0, 0.0]])

    def test_exact_without_zero(self):
        (g,) = grads_of(lambda b: A.prod(b), np.array([2.0, 3.0, 4.0]))
        np.testing.assert_array_equal(g, [12.0, 8.0, 6.0])

    def test_jvp_with_zero(self):
        x = np.array([2.0, 0.0, 3.0])
        assert A.prod.primitive.jvp((np.array([1.0, 1.0, 1.0]),), 0.0, x) == 6.0

    def test_jvp_partial_axis(self):
        x = np.array([[2.0, 0.0, 3.0], [1.0, 2.0, 4.0]])
        t = np.ones((2, 3))
        out = A.prod.primitive.jvp((t,), A.prod(x, axis=(1,)), x, axis=(1,))
        np.testing.assert_array_equal(out, [6.0, 8.0 + 4.0 + 2.0])

    def test_second_order_with_a_zero(self):
        # f = prod([a, 0, c]); d/dx <grad f, w> with w = e_1: d(a*c)/d(a, c) = (c, 0, a).
        x = np.array([2.0, 0.0, 3.0])
        h = hessian_row(lambda b: A.prod(b), x, np.array([0.0, 1.0, 0.0]))
        np.testing.assert_array_equal(h, [3.0, 0.0, 2.0])


class TestMatmul:
    SHAPES = [((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 5)), ((3, 4), (4, 5)),
              ((2, 3, 4), (4, 5)), ((1, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 5))]

    @pytest.mark.parametrize("sa,sb", SHAPES, ids=[f"{sid(a)}@{sid(b)}" for a, b in SHAPES])
    def test_against_einsum(self, sa, sb):
        r = rng_for(f"matmul/{sa}/{sb}")
        a, b = r.normal(size=sa), r.normal(size=sb)
        out = np.matmul(a, b)
        g = random_like(r, out.shape)
        ga, gb = grads_of(A.matmul, a, b, seed=g)
        # Promote, take the outer-product gradients, then sum the broadcast batch away.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = np.reshape(g, np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        ea = np.einsum("...ij,...kj->...ik", g2, np.broadcast_to(b2, g2.shape[:-2] + b2.shape[-2:]))
        eb = np.einsum("...ij,...ik->...jk", np.broadcast_to(a2, g2.shape[:-2] + a2.shape[-2:]), g2)
        ea = ea.reshape((-1,) + a2.shape).sum(0) if ea.ndim > a2.ndim else ea
        eb = eb.reshape((-1,) + b2.shape).sum(0) if eb.ndim > b2.ndim else eb
        # (1,3,4) against a batch of 2: sum over the broadcast batch axis, keep its 1.
        ea = ea.sum(axis=tuple(i for i, n in enumerate(a2.shape) if n == 1 and ea.shape[i] != 1), keepdims=True)
        assert_plain(ga, sa, "grad a")
        assert_plain(gb, sb, "grad b")
        close(ga, ea.reshape(sa), rtol=1e-12, atol=1e-12)
        close(gb, eb.reshape(sb), rtol=1e-12, atol=1e-12)

    def test_vec_vec_is_a_float(self):
        value, (ga, gb) = vjp(A.matmul, np.array([1.0, 2.0]), np.array([3.0, 4.0]), seed=2.0)
        assert value == 11.0 and type(value) is float
        np.testing.assert_array_equal(ga, [6.0, 8.0])
        np.testing.assert_array_equal(gb, [2.0, 4.0])


class TestIndexing:
    def test_int_and_negative_int(self):
        x = np.array([1.0, 2.0, 3.0])
        value, (g,) = vjp(lambda b: A.getitem(b, index=(-1,)), x, seed=5.0)
        assert value == 3.0 and type(value) is float
        np.testing.assert_array_equal(g, [0.0, 0.0, 5.0])

    def test_slice_with_step(self):
        x = np.arange(6.0)
        value, (g,) = vjp(lambda b: A.getitem(b, index=(slice(5, None, -2),)), x, seed=np.array([1.0, 2.0, 3.0]))
        np.testing.assert_array_equal(value, [5.0, 3.0, 1.0])
        np.testing.assert_array_equal(g, [0.0, 3.0, 0.0, 2.0, 0.0, 1.0])

    def test_column(self):
        x = np.arange(6.0).reshape(2, 3)
        value, (g,) = vjp(lambda b: A.getitem(b, index=(slice(None), 0)), x, seed=np.array([1.0, 2.0]))
        np.testing.assert_array_equal(value, [0.0, 3.0])
        np.testing.assert_array_equal(g, [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])

    def test_repeated_int_array_accumulates(self):
        x = np.arange(4.0)
        value, (g,) = vjp(lambda b: A.getitem(b, index=(np.array([0, 0, 2, 0]),)), x,
                          seed=np.array([1.0, 2.0, 3.0, 4.0]))
        np.testing.assert_array_equal(value, [0.0, 0.0, 2.0, 0.0])
        np.testing.assert_array_equal(g, [7.0, 0.0, 3.0, 0.0])

    def test_boolean_mask(self):
        x = np.arange(12.0).reshape(3, 4)
        value, (g,) = vjp(lambda b: A.getitem(b, index=(MASK,)), x, seed=np.arange(1.0, 7.0))
        np.testing.assert_array_equal(value, [0.0, 2.0, 6.0, 7.0, 8.0, 9.0])
        expected = np.zeros((3, 4))
        expected[MASK] = np.arange(1.0, 7.0)
        np.testing.assert_array_equal(g, expected)

    def test_scatter_add_value_accumulates(self):
        out = A.scatter_add(np.array([1.0, 2.0, 4.0]), index=(np.array([1, 1, 3]),), shape=(4,))
        assert_plain(out, (4,))
        np.testing.assert_array_equal(out, [0.0, 3.0, 0.0, 4.0])
        out = A.scatter_add(2.0, index=(slice(None), 1), shape=(2, 2))
        np.testing.assert_array_equal(out, [[0.0, 2.0], [0.0, 2.0]])

    def test_scatter_add_gradient_gathers(self):
        (g,) = grads_of(lambda b: A.scatter_add(b, index=(np.array([1, 1, 3]),), shape=(4,)),
                        np.array([1.0, 2.0, 4.0]), seed=np.array([10.0, 20.0, 30.0, 40.0]))
        np.testing.assert_array_equal(g, [20.0, 20.0, 40.0])

    def test_index_set_value_and_gradients(self):
        x = np.arange(6.0).reshape(2, 3)
        seed = np.arange(1.0, 7.0).reshape(2, 3)
        value, (gx, gv) = vjp(lambda b, v: A.index_set(b, v, index=(0,)), x, np.array([9.0, 8.0, 7.0]), seed=seed)
        np.testing.assert_array_equal(value, [[9.0, 8.0, 7.0], [3.0, 4.0, 5.0]])
        np.testing.assert_array_equal(x, np.arange(6.0).reshape(2, 3))      # x itself is untouched
        np.testing.assert_array_equal(gx, [[0.0, 0.0, 0.0], [4.0, 5.0, 6.0]])
        np.testing.assert_array_equal(gv, [1.0, 2.0, 3.0])

    def test_index_set_scalar_broadcast_sums(self):
        x = np.zeros((2, 3))
        seed = np.arange(1.0, 7.0).reshape(2, 3)
        _, (gx, gv) = vjp(lambda b, v: A.index_set(b, v, index=(slice(None), slice(1, 3))), x, 5.0, seed=seed)
        np.testing.assert_array_equal(gx, [[1.0, 0.0, 0.0], [4.0, 0.0, 0.0]])
        assert gv == 2.0 + 3.0 + 5.0 + 6.0 and type(gv) is float

    def test_index_set_jvp(self):
        x = np.zeros(3)
        out = A.index_set.primitive.jvp((np.ones(3), None), A.index_set(x, 2.0, index=(1,)), x, 2.0, index=(1,))
        np.testing.assert_array_equal(out, [1.0, 0.0, 1.0])
        out = A.index_set.primitive.jvp((None, 4.0), A.index_set(x, 2.0, index=(1,)), x, 2.0, index=(1,))
        np.testing.assert_array_equal(out, [0.0, 4.0, 0.0])

    def test_getitem_second_order_through_repeats(self):
        # f(x) = sum(x[[0, 0, 1]] ** 2) = 2 x0^2 + x1^2: Hessian diag(4, 2, 0).
        h = hessian_row(lambda b: B.sum_(E.mul(A.getitem(b, index=(np.array([0, 0, 1]),)),
                                               A.getitem(b, index=(np.array([0, 0, 1]),)))),
                        np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 1.0]))
        np.testing.assert_array_equal(h, [4.0, 2.0, 0.0])


class TestStacking:
    @pytest.mark.parametrize("axis", [0, 1])
    def test_stack(self, axis):
        a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
        value, (ga, gb) = vjp(lambda x, y: A.stack(x, y, axis=axis), a, b, seed=np.array([[1.0, 2.0], [3.0, 4.0]]))
        np.testing.assert_array_equal(value, np.stack([a, b], axis=axis))
        if axis == 0:
            np.testing.assert_array_equal(ga, [1.0, 2.0])
            np.testing.assert_array_equal(gb, [3.0, 4.0])
        else:
            np.testing.assert_array_equal(ga, [1.0, 3.0])
            np.testing.assert_array_equal(gb, [2.0, 4.0])

    def test_stack_scalars_gives_floats(self):
        value, grads = vjp(lambda x, y: A.stack(x, y, axis=0), 1.0, 2.0, seed=np.array([5.0, 6.0]))
        np.testing.assert_array_equal(value, [1.0, 2.0])
        assert grads == [5.0, 6.0] and all(type(g) is float for g in grads)

    @pytest.mark.parametrize("axis", [0, 1])
    def test_concat(self, axis):
        a = np.array([[1.0, 2.0], [3.0, 4.0]])
        b = np.array([[5.0, 6.0]]) if axis == 0 else np.array([[5.0], [6.0]])
        seed = np.arange(6.0).reshape((3, 2) if axis == 0 else (2, 3))
        value, (ga, gb) = vjp(lambda x, y: A.concat(x, y, axis=axis), a, b, seed=seed)
        np.testing.assert_array_equal(value, np.concatenate([a, b], axis=axis))
        if axis == 0:
            np.testing.assert_array_equal(ga, [[0.0, 1.0], [2.0, 3.0]])
            np.testing.assert_array_equal(gb, [[4.0, 5.0]])
        else:
            np.testing.assert_array_equal(ga, [[0.0, 1.0], [3.0, 4.0]])
            np.testing.assert_array_equal(gb, [[2.0], [5.0]])

    def test_stack_jvp_with_a_constant(self):
        out = A.stack.primitive.jvp((None, np.array([1.0, 2.0])), None, np.zeros(2), np.zeros(2), axis=1)
        np.testing.assert_array_equal(out, [[0.0, 1.0], [0.0, 2.0]])


# ------------------------------------------------------------------ forward values

IEEE = [
    ("log(0)", E.log, (0.0,), -inf),
    ("log(-1)", E.log, (-1.0,), nan),
    ("1/0", E.div, (1.0, 0.0), inf),
    ("-1/0", E.div, (-1.0, 0.0), -inf),
    ("0/0", E.div, (0.0, 0.0), nan),
    ("sqrt(-1)", E.sqrt, (-1.0,), nan),
    ("(-8)^(1/3)", E.pow_, (-8.0, 1.0 / 3.0), nan),
    ("0^-1", E.pow_, (0.0, -1.0), inf),
    ("10^400", E.pow_, (10.0, 400.0), inf),
    ("(-2)^3", E.pow_, (-2.0, 3.0), -8.0),
    ("exp(1000)", E.exp, (1000.0,), inf),
    ("exp(-1000)", E.exp, (-1000.0,), 0.0),
    ("expm1(1000)", E.expm1, (1000.0,), inf),
    ("log1p(-1)", E.log1p, (-1.0,), -inf),
    ("asin(2)", E.asin, (2.0,), nan),
    ("acos(-2)", E.acos, (-2.0,), nan),
    ("cosh(1000)", E.cosh, (1000.0,), inf),
    ("sinh(-1000)", E.sinh, (-1000.0,), -inf),
    ("sin(inf)", E.sin, (inf,), nan),
    ("tanh(1000)", E.tanh, (1000.0,), 1.0),
    ("sigmoid(-1000)", E.sigmoid, (-1000.0,), 0.0),
    ("sigmoid(1000)", E.sigmoid, (1000.0,), 1.0),
    ("softplus(1000)", E.softplus, (1000.0,), 1000.0),
    ("softplus(-1000)", E.softplus, (-1000.0,), 0.0),
    ("mod(1,0)", E.mod, (1.0, 0.0), nan),
    ("mod(-1,3)", E.mod, (-1.0, 3.0), 2.0),
    ("atan2(1,0)", E.atan2, (1.0, 0.0), math.pi / 2),
    ("hypot(inf,nan)", E.hypot, (inf, nan), inf),
    ("1e308*10", E.mul, (1e308, 10.0), inf),
    ("inf-inf", E.sub, (inf, inf), nan),
]


@pytest.mark.parametrize("prim,args,expected", [c[1:] for c in IEEE], ids=[c[0] for c in IEEE])
def test_ieee_forward_values(prim, args, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = prim(*args)
    assert type(value) is float, f"{type(value).__name__} {value!r}"
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == expected


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, -8.0, 1000.0, -1000.0, inf, -inf, nan]
ULPS = 4 * np.finfo(np.float64).eps
ELEMENTWISE_UNARY = ["neg", "exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "asin", "acos",
                     "atan", "sinh", "cosh", "tanh", "sigmoid", "softplus", "abs", "relu",
                     "erf", "erfc", "gammaln", "asinh", "acosh", "atanh"]
ELEMENTWISE_BINARY = ["add", "sub", "mul", "div", "pow", "mod", "maximum", "minimum", "atan2", "hypot",
                      "cot_mul", "cot_div", "fmax", "fmin", "xlogy"]


def test_elementwise_lists_cover_the_registry():
    """Every unary/binary primitive without params is in one of the elementwise lists."""
    param_free = {name for name, p in REGISTRY.items()
                  if p.arity in (1, 2) and not p.has_params and name not in ("where", "matmul", "cot_matmul")
                  and name not in linalg_cases.MATRIX_FUNCTIONS
                  and not any(case.params for case in CASES.get(name, []))}
    assert param_free == set(ELEMENTWISE_UNARY) | set(ELEMENTWISE_BINARY)


@pytest.mark.parametrize("name", ELEMENTWISE_UNARY)
def test_unary_scalar_path_agrees_with_array_path(name):
    """On floats a primitive returns a Python float, and the same number as its numpy (array) path."""
    prim = REGISTRY[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scalars = [prim(x) for x in SPECIAL]
        array = prim(np.array(SPECIAL))
    bad = [type(v).__name__ for v in scalars if type(v) is not float]
    assert not bad, f"non-float scalar results: {bad}"
    # math (libm) and numpy's vectorised loops may differ in the last ulp; nan and inf must agree.
    np.testing.assert_allclose(np.array(scalars), array, rtol=ULPS, atol=0, equal_nan=True,
                               err_msg=f"inputs {SPECIAL}")


@pytest.mark.parametrize("name", ELEMENTWISE_BINARY)
def test_binary_scalar_path_agrees_with_array_path(name):
    prim = REGISTRY[name]
    xs = np.repeat(SPECIAL, len(SPECIAL))
    ys = np.tile(SPECIAL, len(SPECIAL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        scalars = [prim(float(x), float(y)) for x, y in zip(xs, ys)]
        array = prim(xs, ys)
    bad = [type(v).__name__ for v in scalars if type(v) is not float]
    assert not bad, f"non-float scalar results: {bad}"
    mismatch = [(float(x), float(y), s, float(a)) for x, y, s, a in zip(xs, ys, scalars, array)
                if not (math.isclose(s, a, rel_tol=ULPS) or (math.isnan(s) and math.isnan(a)))]
    assert not mismatch, f"{name}(x, y): (x, y, scalar path, array path) {mismatch[:6]}"


SCALAR_CASES = [(name, case) for name, case in ALL
                if all(type(a) is float for a in case.args(name))]


@pytest.mark.parametrize("name,case", SCALAR_CASES, ids=[f"{n}-{c.id}" for n, c in SCALAR_CASES])
def test_scalar_results_are_python_floats(name, case):
    prim = REGISTRY[name]
    args = case.args(name)
    value = prim(*args, **case.params)
    # Scalar in, scalar out, except where a param or the arity asks for an array.
    expected_shape = {"reshape": case.params.get("shape"), "broadcast_to": case.params.get("shape"),
                      "scatter_add": case.params.get("shape"), "stack": (len(args),),
                      "cumsum": (1,), "cumprod": (1,),
                      "where": np.shape(case.params.get("cond"))}.get(name, ())
    assert_plain(value, expected_shape)
    g = 1.0 if expected_shape == () else np.ones(expected_shape)
    for k in range(len(args)):
        assert_plain(prim.vjps[k](g, value, *args, **case.params), (), f"vjp {k}")
    assert_plain(prim.jvp(tuple(1.0 for _ in args), value, *args, **case.params), expected_shape, "jvp")


# --------------------------------------------------------------------------------------
# The backward sweep's float fast path (Primitive.scalar_vjp) must agree with the general
# rules, which stay the definition: the same bits (signs of zeros included) wherever the fast path
# gives finite results. A point alone takes the fast path; many points at once (diffcore/blocks.py)
# run the general rules on arrays, and their output must be byte for byte a point's. (The pow and
# div fast paths once rounded in another order: last-bit differences between the two.)

_RANDOM = np.random.default_rng(20261206)
SCALAR_VJP_POINTS = [(0.7, 1.3), (-2.5, 0.4), (3.0, -1.5), (1e-3, 2.0), (4.0, 0.0), (0.0, 3.0),
                     (-1.0, 2.0), (2.0, 0.5), (-2.0, 1.0), (-3.0, 0.0)] + [
    (float(x), float(y)) for x, y in zip(_RANDOM.uniform(0.01, 5.0, 12) * _RANDOM.choice([-1, 1], 12),
                                         _RANDOM.uniform(-4.0, 4.0, 12))]


@pytest.mark.parametrize("name", sorted(n for n, p in REGISTRY.items() if p.scalar_vjp is not None))
@pytest.mark.parametrize("x,y", SCALAR_VJP_POINTS, ids=[f"{x},{y}" for x, y in SCALAR_VJP_POINTS])
@pytest.mark.parametrize("g", [1.0, -0.75, 0.0, 0.3183098861837907], ids=["g=1", "g=-0.75", "g=0", "g=1/pi"])
def test_scalar_vjp_agrees_with_general_rules(name, x, y, g):
    prim = REGISTRY[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ans = prim.impl(x, y)
        try:
            fast = prim.scalar_vjp(g, ans, x, y)
        except (ZeroDivisionError, ValueError, OverflowError):
            return                                  # the sweep falls back to the general rules
        if not all(math.isfinite(c) for c in fast):
            return                                  # likewise
        general = [prim.vjps[k](g, ans, x, y) for k in range(2)]
    for k in range(2):
        assert type(fast[k]) is float
        assert repr(fast[k]) == repr(float(general[k])), (name, k)


def test_the_backward_sweep_uses_the_fast_path_and_the_general_rules_alike():
    """A scalar program differentiated through the sweep equals the same rules applied by hand."""
    def f(a, b):
        return E.add(E.mul(E.sin(a), b), E.div(E.pow_(a, 3.0), E.sub(b, 0.5)))
    _, grads = vjp(f, 0.8, 1.7, seed=1.0)
    a, b = 0.8, 1.7
    da = math.cos(a) * b + 3 * a ** 2 / (b - 0.5)
    db = math.sin(a) - a ** 3 / (b - 0.5) ** 2
    assert grads[0] == pytest.approx(da, rel=1e-14)
    assert grads[1] == pytest.approx(db, rel=1e-14)
