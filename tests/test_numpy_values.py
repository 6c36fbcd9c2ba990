"""Values, not derivatives: every primitive and every builtin against numpy's own function.

The derivative tests compare each rule with finite differences of the primitive's *own* value, so
a value that differs from numpy's (dot above 2-D once summed like matmul) passes all of them. Here
each primitive of the registry, and each builtin the language offers, is called on random shapes
(ranks 0 to 4, axes of length 1 included, random axes, indices and broadcasting) and compared with
the numpy function it is named after. Both tables are checked to cover the registry and the
builtins, so a new one cannot be added without its reference.
"""
from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np
import pytest

import autodiff.diffcore.interpreter.builtins  # noqa: F401 - defines every primitive
from autodiff.diffcore.interpreter.builtins import BUILTINS, Builtin
from autodiff.diffcore.engine.tracing import REGISTRY
import linalg_cases

DRAWS = 25

# ---------------------------------------------------------------- random arguments


def shape(rng, low_rank=0, high_rank=4) -> tuple:
    return tuple(int(n) for n in rng.integers(1, 5, int(rng.integers(low_rank, high_rank + 1))))


def values(rng, s: tuple, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, s) if s else float(rng.uniform(lo, hi))


def broadcast_pair(rng) -> tuple:
    """Two shapes that broadcast: a common shape with leading axes dropped and some lengths set to 1."""
    full = shape(rng)

    def part():
        s = list(full[int(rng.integers(0, len(full) + 1)):])
        return tuple(1 if rng.random() < 0.3 else n for n in s)
    return part(), part()


def axes(rng, rank: int, most: int = 4):
    """None, or a random tuple of distinct axes (as the builtins canonicalise them), and keepdims."""
    if not rank or rng.random() < 0.25:
        return None, bool(rng.random() < 0.5)
    count = int(rng.integers(1, min(rank, most) + 1))
    return tuple(sorted(int(a) for a in rng.choice(rank, count, replace=False))), bool(rng.random() < 0.5)


def index(rng, s: tuple) -> tuple:
    """A random index for an array of shape `s`: integers (negative too), slices, integer arrays
    (repeats too), boolean masks, in any mix, advanced parts together or apart."""
    parts = []
    axis = 0
    while axis < len(s) and (not parts or rng.random() < 0.75):
        n = s[axis]
        kind = rng.choice(["int", "slice", "array", "mask"])
        if kind == "int":
            parts.append(int(rng.integers(-n, n)))
        elif kind == "slice":
            step = int(rng.choice([1, 1, 2, -1, -2]))
            parts.append(slice(int(rng.integers(-n, n)) if rng.random() < 0.5 else None, None, step))
        elif kind == "array":
            parts.append(rng.integers(-n, n, int(rng.integers(1, 3))))
        else:
            parts.append(rng.random(n) < 0.6)
        axis += 1
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    # numpy needs the advanced parts to broadcast: masks select their count, arrays their length
    lengths = {int(p.sum()) if p.dtype == bool else p.size for p in arrays}
    if len(lengths - {1}) > 1:
        return index(rng, s)
    return tuple(parts)


def selected_shape(s: tuple, idx: tuple) -> tuple:
    return np.zeros(s)[idx].shape


# ---------------------------------------------------------------- references for the primitives

def unary(numpy_fn, lo=-2.0, hi=2.0):
    def draw(rng):
        x = values(rng, shape(rng), lo, hi)
        return (x,), {}, numpy_fn(x)
    return draw


def binary(numpy_fn, lo=-2.0, hi=2.0, ylo=None, yhi=None):
    def draw(rng):
        sx, sy = broadcast_pair(rng)
        x, y = values(rng, sx, lo, hi), values(rng, sy, lo if ylo is None else ylo, hi if yhi is None else yhi)
        return (x, y), {}, numpy_fn(x, y)
    return draw


def reduction(numpy_fn, most: int = 4):
    def draw(rng):
        x = values(rng, shape(rng))
        axis, keepdims = axes(rng, np.ndim(x), most)
        params = {} if axis is None and not keepdims else {"axis": axis, "keepdims": keepdims}
        return (x,), params, numpy_fn(x, axis=axis, keepdims=keepdims)
    return draw


def cotangent_product(numpy_fn):
    # cot_mul / cot_div: the product of a cotangent and a local derivative, which is numpy's except
    # that a zero cotangent gives zero (docs/numerics.md); on finite values it is numpy's exactly
    def draw(rng):
        sx, sy = broadcast_pair(rng)
        g, d = values(rng, sx), values(rng, sy, 0.5, 2.0)
        return (g, d), {}, numpy_fn(g, d)
    return draw


def draw_reshape(rng):
    x = values(rng, shape(rng))
    size = int(np.size(x))
    dims = [d for d in range(1, size + 1) if size % d == 0]
    first = int(rng.choice(dims))
    new = (first, size // first) if rng.random() < 0.5 else (size,)
    return (x,), {"shape": new}, np.reshape(x, new)


def draw_broadcast_to(rng):
    target, source = broadcast_pair(rng)
    target = np.broadcast_shapes(target, source)
    x = values(rng, source)
    return (x,), {"shape": target}, np.broadcast_to(x, target)


def draw_transpose(rng):
    x = values(rng, shape(rng))
    order = tuple(int(a) for a in rng.permutation(np.ndim(x)))
    if rng.random() < 0.3:
        return (x,), {}, np.transpose(x)
    return (x,), {"axes": order}, np.transpose(x, order)


def matmul_shapes(rng) -> tuple:
    """Operands of ranks 1 to 4 for matmul: vectors, matrices, and stacks whose leading axes broadcast."""
    n = int(rng.integers(1, 5))
    batch = shape(rng, 0, 2)

    def operand(rank: int, matrix: tuple) -> tuple:
        if rank == 1:
            return (n,)
        lead = batch[max(0, len(batch) - (rank - 2)):] if rank > 2 else ()
        return tuple(1 if rng.random() < 0.3 else d for d in lead) + matrix
    return (operand(int(rng.integers(1, 5)), (int(rng.integers(1, 4)), n)),
            operand(int(rng.integers(1, 5)), (n, int(rng.integers(1, 4)))))


def draw_matmul(rng):
    sa, sb = matmul_shapes(rng)
    a, b = values(rng, sa), values(rng, sb)
    return (a, b), {}, np.matmul(a, b)


def draw_getitem(rng):
    x = values(rng, shape(rng, 1))
    idx = index(rng, np.shape(x))
    return (x,), {"index": idx}, x[idx]


def draw_scatter_add(rng):
    s = shape(rng, 1)
    idx = index(rng, s)
    g = values(rng, selected_shape(s, idx))
    want = np.zeros(s)
    np.add.at(want, idx, g)
    return (g,), {"index": idx, "shape": s}, want


def draw_index_set(rng):
    s = shape(rng, 1)
    idx = index(rng, s)
    x = values(rng, s)
    picked = selected_shape(s, idx)
    v = values(rng, picked[int(rng.integers(0, len(picked) + 1)):])     # v may broadcast
    want = np.array(x, dtype=np.float64)
    want[idx] = v
    return (x, v), {"index": idx}, want


def draw_stack(rng):
    s = shape(rng, 0, 3)
    xs = tuple(values(rng, s) for _ in range(int(rng.integers(1, 4))))
    axis = int(rng.integers(0, len(s) + 1))
    return xs, {"axis": axis}, np.stack(xs, axis=axis)


def draw_concat(rng):
    s = shape(rng, 1, 3)
    axis = int(rng.integers(0, len(s)))
    xs = tuple(values(rng, s[:axis] + (int(rng.integers(1, 4)),) + s[axis + 1:])
               for _ in range(int(rng.integers(1, 4))))
    return xs, {"axis": axis}, np.concatenate(xs, axis=axis)


def draw_where(rng):
    sx, sy = broadcast_pair(rng)
    cond = rng.random(np.broadcast_shapes(sx, sy)) < 0.5
    x, y = values(rng, sx), values(rng, sy)
    return (x, y), {"cond": cond}, np.where(cond, x, y)


def norm(x, axis=None, keepdims=False):
    return np.linalg.norm(x, axis=axis, keepdims=keepdims) if np.ndim(x) else abs(x)


def logsumexp(x, axis=None, keepdims=False):
    return np.logaddexp.reduce(x, axis=tuple(range(np.ndim(x))) if axis is None else axis, keepdims=keepdims)


def _vectorised(fn):
    return lambda x: np.vectorize(fn, otypes=[np.float64])(x) if np.ndim(x) else fn(x)


def _mpmath_reference(fn):
    """A reference computed by mpmath (50 digits), where mpmath is installed (sympy brings it)."""
    def reference(*args):
        mp = pytest.importorskip("mpmath")
        mp.mp.dps = 50
        return _vectorised(lambda v: float(fn(mp, v, *args[1:])))(args[0])
    return reference


def _sinc_slope(mp, x):
    return 0.0 if x == 0 else float(mp.diff(lambda t: mp.sin(mp.pi * t) / (mp.pi * t), mp.mpf(x)))


def with_order(numpy_fn, orders, lo=-2.0, hi=2.0):
    """A primitive with the param `order` (polygamma, sinc): numpy_fn(x, order)."""
    def draw(rng):
        x = values(rng, shape(rng, 0, 2), lo, hi)
        order = int(rng.choice(orders))
        return (x,), ({"order": order} if order else {}), numpy_fn(x, order)
    return draw


def scan(numpy_fn):
    def draw(rng):
        x = values(rng, shape(rng, 0, 3), 0.5, 1.5)
        axis = int(rng.integers(0, np.ndim(x))) if np.ndim(x) and rng.random() < 0.6 else None
        return (x,), ({} if axis is None else {"axis": axis}), numpy_fn(x, axis=axis)
    return draw


def xlogy_reference(x, y):
    return np.where(np.equal(x, 0), 0.0, np.multiply(x, np.log(y)))


POLYGAMMA = _mpmath_reference(lambda mp, v, order: mp.polygamma(order, v))
SINC = {0: np.sinc, 1: _mpmath_reference(lambda mp, v: _sinc_slope(mp, v))}

PRIMITIVES: dict[str, Callable] = {
    "erf": unary(_vectorised(math.erf)), "erfc": unary(_vectorised(math.erfc), -3.0, 6.0),
    "gammaln": unary(_vectorised(math.lgamma), 0.05, 30.0), "asinh": unary(np.arcsinh),
    "acosh": unary(np.arccosh, 1.0, 5.0), "atanh": unary(np.arctanh, -0.99, 0.99),
    "polygamma": with_order(lambda x, k: POLYGAMMA(x, k), [0, 1, 2, 4], 0.1, 8.0),
    "sinc": with_order(lambda x, k: SINC[k](x), [0, 1]),
    "fmax": binary(np.fmax), "fmin": binary(np.fmin), "xlogy": binary(xlogy_reference, ylo=0.1, yhi=3.0),
    "cumsum": scan(np.cumsum), "cumprod": scan(np.cumprod),
    "neg": unary(np.negative), "exp": unary(np.exp), "expm1": unary(np.expm1), "log": unary(np.log, 0.1, 3.0),
    "log1p": unary(np.log1p, -0.9, 3.0), "sqrt": unary(np.sqrt, 0.0, 3.0), "sin": unary(np.sin),
    "cos": unary(np.cos), "tan": unary(np.tan, -1.4, 1.4), "asin": unary(np.arcsin, -1.0, 1.0),
    "acos": unary(np.arccos, -1.0, 1.0), "atan": unary(np.arctan), "sinh": unary(np.sinh),
    "cosh": unary(np.cosh), "tanh": unary(np.tanh), "abs": unary(np.abs),
    "relu": unary(lambda x: np.maximum(x, 0.0)), "softplus": unary(lambda x: np.logaddexp(0.0, x)),
    "sigmoid": unary(lambda x: 1.0 / (1.0 + np.exp(-x))),       # numpy has none: the definition
    "add": binary(np.add), "sub": binary(np.subtract), "mul": binary(np.multiply),
    "div": binary(np.divide, ylo=0.5, yhi=2.0), "pow": binary(np.power, 0.1, 2.0),
    "mod": binary(np.mod, ylo=0.5, yhi=2.0), "maximum": binary(np.maximum), "minimum": binary(np.minimum),
    "atan2": binary(np.arctan2), "hypot": binary(np.hypot),
    "cot_mul": cotangent_product(np.multiply), "cot_div": cotangent_product(np.divide),
    "where": draw_where,
    "sum": reduction(np.sum), "prod": reduction(np.prod), "max": reduction(np.max), "min": reduction(np.min),
    "norm": reduction(norm, most=2), "logsumexp": reduction(logsumexp),
    "reshape": draw_reshape, "broadcast_to": draw_broadcast_to, "transpose": draw_transpose,
    "matmul": draw_matmul, "cot_matmul": draw_matmul, "getitem": draw_getitem, "scatter_add": draw_scatter_add, "index_set": draw_index_set,
    "stack": draw_stack, "concat": draw_concat,
    **linalg_cases.primitive_references(),
}


def test_every_primitive_has_a_numpy_reference():
    assert sorted(PRIMITIVES) == sorted(REGISTRY)


def assert_numpy_value(got, want, what: str) -> None:
    assert np.shape(got) == np.shape(want), f"{what}: shape {np.shape(got)}, numpy {np.shape(want)}"
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64),
                               rtol=1e-12, atol=1e-12, err_msg=what)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_values_are_numpys(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    prim = REGISTRY[name]
    for _ in range(DRAWS):
        args, params, want = PRIMITIVES[name](rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = prim.bind(*args, **params)
        assert_numpy_value(got, want, f"{name}{tuple(np.shape(a) for a in args)} {params}")


# ---------------------------------------------------------------- references for the builtins

def language(numpy_fn, draw_args):
    """A builtin called with the arguments `draw_args(rng)` gives, against numpy_fn on the same."""
    def draw(rng):
        args, kwargs = draw_args(rng)
        return args, kwargs, numpy_fn(*args, **kwargs)
    return draw


def one(lo=-2.0, hi=2.0):
    return lambda rng: ((values(rng, shape(rng), lo, hi),), {})


def two(lo=-2.0, hi=2.0):
    def args(rng):
        sx, sy = broadcast_pair(rng)
        return (values(rng, sx, lo, hi), values(rng, sy, lo, hi)), {}
    return args


def with_axis(most=4, keepdims=True):
    def args(rng):
        x = values(rng, shape(rng))
        axis, keep = axes(rng, np.ndim(x), most)
        kwargs = {} if axis is None else {"axis": axis}
        if keepdims and keep:
            kwargs["keepdims"] = True
        return (x,), kwargs
    return args


def dot_args(rng):
    ra, rb = int(rng.integers(0, 5)), int(rng.integers(0, 5))
    n = int(rng.integers(1, 4))
    sa, sb = shape(rng, ra, ra), shape(rng, rb, rb)
    sa = sa[:-1] + (n,) if ra else sa
    sb = (n,) if rb == 1 else (sb[:-2] + (n,) + sb[-1:] if rb else sb)
    return (values(rng, sa), values(rng, sb)), {}


def matmul_args(rng):
    sa, sb = matmul_shapes(rng)
    return (values(rng, sa), values(rng, sb)), {}


def transpose_args(rng):
    x = values(rng, shape(rng, 1))
    return ((x,) + tuple(int(a) for a in rng.permutation(np.ndim(x)))) if rng.random() < 0.7 else (x,), {}


def reshape_args(rng):
    (x,), params, _ = draw_reshape(rng)
    return (x,) + params["shape"], {}


def stack_args(rng):
    xs, params, _ = draw_stack(rng)
    return xs, {"axis": params["axis"]}


def concat_args(rng):
    xs, params, _ = draw_concat(rng)
    return xs, {"axis": params["axis"]}


def clip_args(rng):
    x = values(rng, shape(rng))
    lo = float(rng.uniform(-1.5, 0.0))
    return (x, lo, lo + float(rng.uniform(0.0, 2.0))), {}


def where_args(rng):
    sx, sy = broadcast_pair(rng)
    return (rng.random(np.broadcast_shapes(sx, sy)) < 0.5, values(rng, sx), values(rng, sy)), {}


def softmax_reference(x, axis=-1):
    if not np.ndim(x):
        return 1.0
    return np.exp(x - np.logaddexp.reduce(x, axis=axis, keepdims=True))


def softmax_args(rng):
    x = values(rng, shape(rng))
    return (x,), ({"axis": int(rng.integers(-np.ndim(x), np.ndim(x)))} if np.ndim(x) else {})


def shape_args(rng):
    return tuple(shape(rng, 1, 3)), {}


def full_args(rng):
    s = shape(rng, 1, 3)
    fill = values(rng, s[int(rng.integers(0, len(s) + 1)):])
    return s + (fill,), {}


def full_reference(*args):
    *dims, fill = args
    return np.full(tuple(dims), fill)


def arange_args(rng):
    start = float(rng.uniform(-3, 3))
    count = int(rng.integers(1, 4))
    if count == 1:
        return (float(rng.uniform(0.5, 6)),), {}
    stop = float(rng.uniform(-3, 3))
    if count == 2:
        return (start, stop), {}
    return (start, stop, float(rng.choice([-1, 1]) * rng.uniform(0.2, 1.5))), {}


def linspace_args(rng):
    return (float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3)), int(rng.integers(0, 8))), {}


def range_args(rng):
    bounds = [int(b) for b in rng.integers(-5, 6, int(rng.integers(1, 4)))]
    if len(bounds) == 3 and bounds[2] == 0:
        bounds[2] = 1
    return tuple(float(b) for b in bounds), {}


def eye_args(rng):
    return tuple(int(n) for n in rng.integers(0, 5, int(rng.integers(1, 3)))), {}


def pairwise(numpy_fn):
    """max(a, b) / min(a, b) with two values: numpy's elementwise function."""
    def draw(rng):
        args, _ = two()(rng)
        return args, {}, numpy_fn(*args)
    return draw


def close_args(rng):
    x = values(rng, shape(rng))
    return (x, x + rng.choice([0.0, 1e-9, 1e-3], np.shape(x)) if np.ndim(x) else x + 1e-9), {}


def isnan_args(rng):
    x = values(rng, shape(rng, 1))
    x[rng.random(np.shape(x)) < 0.3] = rng.choice([np.nan, np.inf, -np.inf])
    return (x,), {}


def anything(rng):
    x = rng.random(shape(rng, 1)) < rng.random()
    return (x,), {}


ELEMENTWISE = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
               "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh, "exp": np.exp,
               "expm1": np.expm1, "abs": np.abs, "sign": np.sign, "floor": np.floor, "ceil": np.ceil,
               "round": np.round, "relu": lambda x: np.maximum(x, 0.0),
               "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)), "softplus": lambda x: np.logaddexp(0.0, x)}
POSITIVE = {"log": np.log, "log2": np.log2, "log10": np.log10, "sqrt": np.sqrt, "log1p": np.log1p}

# Order, selection and shapes (issue 14): random shapes, axes and arguments, numpy's values.
def _axis(rng, rank: int):
    return int(rng.integers(-rank, rank))


def _array(rng, low_rank=1, high_rank=3):
    return values(rng, shape(rng, low_rank, high_rank))


def sort_args(rng):
    x = _array(rng)
    return (x,), {"axis": None if rng.random() < 0.2 else _axis(rng, x.ndim)}


def arg_extremum_args(rng):
    x = _array(rng, 0)
    if not np.ndim(x) or rng.random() < 0.3:
        return (x,), {}
    return (x,), {"axis": _axis(rng, x.ndim), "keepdims": bool(rng.random() < 0.5)}


def topk_args(rng):
    x = _array(rng)
    axis = _axis(rng, x.ndim)
    return (x, int(rng.integers(0, x.shape[axis] + 1))), {"axis": axis, "largest": bool(rng.random() < 0.7)}


def topk_reference(x, k, axis, largest):
    order = np.take(np.argsort(-x if largest else x, axis=axis, kind="stable"), np.arange(k), axis=axis)
    return np.take_along_axis(x, order, axis), order


def take_args(rng):
    x = _array(rng)
    axis = None if rng.random() < 0.3 else _axis(rng, x.ndim)
    n = x.size if axis is None else x.shape[axis]
    mode = str(rng.choice(["raise", "wrap", "clip"]))
    wide = 1 if mode == "raise" else 3
    indices = rng.integers(-wide * n, wide * n, shape(rng, 0, 2)).astype(np.float64)
    return (x, indices if indices.ndim else float(indices)), {"axis": axis, "mode": mode}


def take_along_axis_args(rng):
    x = _array(rng)
    axis = _axis(rng, x.ndim)
    s = [1 if rng.random() < 0.3 else n for n in x.shape]
    s[axis] = int(rng.integers(1, 5))
    n = x.shape[axis]
    return (x, rng.integers(-n, n, s).astype(np.float64), axis), {}


def flip_args(rng):
    x = _array(rng)
    return (x,), {"axis": axes(rng, x.ndim)[0]}


def roll_args(rng):
    x = _array(rng, 0)
    if not np.ndim(x) or rng.random() < 0.3:
        return (x, int(rng.integers(-5, 6))), {}
    count = int(rng.integers(1, 3))
    named = tuple(_axis(rng, x.ndim) for _ in range(count))
    return (x, tuple(int(s) for s in rng.integers(-5, 6, count))), {"axis": named}


def tile_args(rng):
    return (_array(rng, 0), tuple(int(r) for r in rng.integers(0, 3, int(rng.integers(1, 4))))), {}


def repeat_args(rng):
    x = _array(rng, 0)
    axis = None if not np.ndim(x) or rng.random() < 0.3 else _axis(rng, x.ndim)
    n = np.size(x) if axis is None else x.shape[axis]
    counts = int(rng.integers(0, 3)) if rng.random() < 0.5 else rng.integers(0, 3, n).astype(np.float64)
    return (x, counts), {"axis": axis}


def pad_args(rng):
    x = _array(rng)
    form = int(rng.integers(0, 3))
    width = [int(rng.integers(0, 3)), (int(rng.integers(0, 3)), int(rng.integers(0, 3))),
             rng.integers(0, 3, (x.ndim, 2)).astype(np.float64)][form]
    fill = float(rng.uniform(-2, 2)) if rng.random() < 0.5 else rng.uniform(-2, 2, (x.ndim, 2))
    return (x, width), {"constant_values": fill}


def triangle_args(rng):
    return (_array(rng, 1, 4),), {"k": int(rng.integers(-3, 4))}


def squeeze_args(rng):
    s = list(shape(rng, 0, 3))
    for _ in range(int(rng.integers(0, 3))):
        s.insert(int(rng.integers(0, len(s) + 1)), 1)
    ones_at = [d for d, n in enumerate(s) if n == 1]
    axis = tuple(d for d in ones_at if rng.random() < 0.5) if rng.random() < 0.5 else None
    return (values(rng, tuple(s)),), {"axis": axis}


def expand_dims_args(rng):
    x = _array(rng, 0)
    count = int(rng.integers(1, 3))
    return (x, tuple(int(a) for a in rng.choice(np.ndim(x) + count, count, replace=False))), {}


def moveaxis_args(rng):
    x = _array(rng)
    count = int(rng.integers(1, x.ndim + 1))
    source, destination = (tuple(int(a) for a in rng.choice(x.ndim, count, replace=False)) for _ in range(2))
    return (x, source, destination), {}


def swapaxes_args(rng):
    x = _array(rng)
    return (x, _axis(rng, x.ndim), _axis(rng, x.ndim)), {}


def split_args(equal: bool):
    def args(rng):
        x = _array(rng)
        axis = _axis(rng, x.ndim)
        n = x.shape[axis]
        if rng.random() < 0.5:
            sections = int(rng.choice([d for d in range(1, n + 1) if n % d == 0])) if equal else int(rng.integers(1, 6))
            return (x, sections), {"axis": axis}
        return (x, np.sort(rng.integers(0, n + 2, int(rng.integers(1, 4)))).astype(np.float64)), {"axis": axis}
    return args


def joined_args(kind: str):
    """Arrays that numpy's vstack, hstack, dstack or column_stack joins: 1 to 3 of them."""
    def args(rng):
        common = tuple(int(n) for n in rng.integers(1, 4, 2))
        count = int(rng.integers(1, 4))
        if kind == "vstack":
            parts = [values(rng, (int(rng.integers(1, 3)), common[1]) if rng.random() < 0.5 else (common[1],))
                     for _ in range(count)]
        elif kind == "hstack":
            one_d = rng.random() < 0.5
            parts = [values(rng, (int(rng.integers(1, 4)),) if one_d else (common[0], int(rng.integers(1, 3))))
                     for _ in range(count)]
        elif kind == "dstack":
            parts = [values(rng, common + (int(rng.integers(1, 3)),) if rng.random() < 0.5 else common)
                     for _ in range(count)]
        else:
            parts = [values(rng, (common[0], int(rng.integers(1, 3))) if rng.random() < 0.5 else (common[0],))
                     for _ in range(count)]
        return tuple(parts), {}         # spread, as the compiler spreads vstack([a, b])
    return args


def _at_least(numpy_fn):
    return language(numpy_fn, lambda rng: ((_array(rng, 0, 4),), {}))


ORDER_AND_SHAPE: dict[str, Callable] = {
    "sort": language(lambda x, axis: np.sort(x, axis=axis, kind="stable"), sort_args),
    "argsort": language(lambda x, axis: np.argsort(x, axis=axis, kind="stable"), sort_args),
    "argmax": language(np.argmax, arg_extremum_args), "argmin": language(np.argmin, arg_extremum_args),
    "topk": language(topk_reference, topk_args),
    "take": language(lambda x, i, axis, mode: np.take(x, np.asarray(i, dtype=np.intp), axis=axis, mode=mode),
                     take_args),
    "take_along_axis": language(lambda x, i, axis: np.take_along_axis(x, i.astype(np.intp), axis), take_along_axis_args),
    "flip": language(np.flip, flip_args), "roll": language(np.roll, roll_args), "tile": language(np.tile, tile_args),
    "repeat": language(lambda x, r, axis: np.repeat(x, np.asarray(r, dtype=np.intp), axis=axis), repeat_args),
    "pad": language(lambda x, w, constant_values: np.pad(x, np.asarray(w, dtype=np.intp),
                                                         constant_values=constant_values), pad_args),
    "tril": language(np.tril, triangle_args), "triu": language(np.triu, triangle_args),
    "squeeze": language(np.squeeze, squeeze_args), "expand_dims": language(np.expand_dims, expand_dims_args),
    "atleast_1d": _at_least(np.atleast_1d), "atleast_2d": _at_least(np.atleast_2d),
    "atleast_3d": _at_least(np.atleast_3d),
    "moveaxis": language(np.moveaxis, moveaxis_args), "swapaxes": language(np.swapaxes, swapaxes_args),
    "split": language(lambda x, s, axis: tuple(np.split(x, np.asarray(s, dtype=np.intp), axis=axis)),
                      split_args(True)),
    "array_split": language(lambda x, s, axis: tuple(np.array_split(x, np.asarray(s, dtype=np.intp), axis=axis)),
                            split_args(False)),
    **{kind: language(lambda *parts, fn=getattr(np, kind): fn(parts), joined_args(kind))
       for kind in ("vstack", "hstack", "dstack", "column_stack")},
}


BUILTIN_REFERENCES: dict[str, Callable] = {
    **{name: language(fn, one(-0.99, 0.99) if name in ("asin", "acos") else one()) for name, fn in ELEMENTWISE.items()},
    **{name: language(fn, one(0.1, 3.0)) for name, fn in POSITIVE.items()},
    "pow": language(np.power, two(0.1, 2.0)), "atan2": language(np.arctan2, two()), "hypot": language(np.hypot, two()),
    "minimum": language(np.minimum, two()), "maximum": language(np.maximum, two()),
    "clip": language(np.clip, clip_args), "where": language(np.where, where_args),
    "sum": language(np.sum, with_axis()), "prod": language(np.prod, with_axis()),
    "mean": language(np.mean, with_axis()),
    "max": language(np.max, with_axis()), "min": language(np.min, with_axis()),
    "norm": language(norm, with_axis(most=2)), "logsumexp": language(logsumexp, with_axis()),
    "softmax": language(softmax_reference, softmax_args),
    "dot": language(np.dot, dot_args), "matmul": language(np.matmul, matmul_args),
    "outer": language(np.outer, lambda rng: ((values(rng, shape(rng)), values(rng, shape(rng))), {})),
    "transpose": language(lambda x, *order: np.transpose(x, order or None), transpose_args),
    "reshape": language(lambda x, *dims: np.reshape(x, dims), reshape_args),
    "shape": language(np.shape, one()), "len": language(len, lambda rng: ((values(rng, shape(rng, 1)),), {})),
    "stack": language(lambda *xs, axis: np.stack(xs, axis=axis), stack_args),
    "concat": language(lambda *xs, axis: np.concatenate(xs, axis=axis), concat_args),
    "zeros": language(lambda *dims: np.zeros(dims), shape_args),
    "ones": language(lambda *dims: np.ones(dims), shape_args),
    "full": language(full_reference, full_args), "eye": language(np.eye, eye_args),
    "arange": language(np.arange, arange_args), "linspace": language(np.linspace, linspace_args),
    "range": language(lambda *b: np.arange(*[int(v) for v in b], dtype=np.float64), range_args),
    "detach": language(lambda x: x, one()),
    "any": language(np.any, anything), "all": language(np.all, anything),
    "isnan": language(np.isnan, isnan_args), "isfinite": language(np.isfinite, isnan_args),
    "isclose": language(np.isclose, close_args), "allclose": language(np.allclose, close_args),
    **linalg_cases.builtin_references(language, values, shape),
    **ORDER_AND_SHAPE,
}
def stat_args(rng):
    (x,), kwargs = with_axis()(rng)
    if rng.random() < 0.5:
        kwargs["ddof"] = int(rng.integers(0, 2))
    return (x,), kwargs


def scan_args(rng):
    (x,), params, _ = scan(np.cumsum)(rng)
    return (x,), params


def diff_args(rng):
    x = values(rng, shape(rng, 1, 3))
    return (x, int(rng.integers(0, 3)), int(rng.integers(-np.ndim(x), np.ndim(x)))), {}


def polygamma_args(rng):
    return (int(rng.integers(0, 4)), values(rng, shape(rng, 0, 2), 0.1, 6.0)), {}


def log_softmax_reference(x, axis=-1):
    return x - np.logaddexp.reduce(x, axis=axis, keepdims=True) if np.ndim(x) else 0.0


def one_number(rng):
    return (float(rng.uniform(-5.0, 5.0)),), {}


BUILTIN_REFERENCES.update({
    "var": language(np.var, stat_args), "std": language(np.std, stat_args),
    "cumsum": language(np.cumsum, scan_args), "cumprod": language(np.cumprod, scan_args),
    "diff": language(np.diff, diff_args), "log_softmax": language(log_softmax_reference, softmax_args),
    "erf": language(_vectorised(math.erf), one()),
    "erfc": language(_vectorised(math.erfc), one()), "gammaln": language(_vectorised(math.lgamma), one(0.05, 9.0)),
    "digamma": language(lambda x: POLYGAMMA(x, 0), one(0.1, 9.0)),
    "polygamma": language(lambda n, x: POLYGAMMA(x, n), polygamma_args),
    "sinc": language(np.sinc, one()), "asinh": language(np.arcsinh, one()), "acosh": language(np.arccosh, one(1.0, 5.0)),
    "atanh": language(np.arctanh, one(-0.99, 0.99)), "logaddexp": language(np.logaddexp, two(-30.0, 30.0)),
    "logaddexp2": language(np.logaddexp2, two(-30.0, 30.0)), "xlogy": language(xlogy_reference, two(0.0, 3.0)),
    "fmax": language(np.fmax, two()), "fmin": language(np.fmin, two()),
    "nan_to_num": language(np.nan_to_num, isnan_args),
    "int": language(lambda x: float(int(x)), one_number), "float": language(float, one_number),
})
# max and min also take two values (Python's max(a, b)): numpy's maximum and minimum
PAIRWISE = {"max": pairwise(np.maximum), "min": pairwise(np.minimum)}
# Builtins with no numpy counterpart: derivatives (tested against finite differences elsewhere),
# printing and random numbers (their values are tested where they are documented).
NOT_NUMPY = {"grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp"}
NOT_NUMPY |= {"enumerate", "zip"}      # Python's, not numpy's: tests/test_syntax_sequences.py


def test_every_builtin_has_a_numpy_reference_or_none_by_its_nature():
    names = {name for name, v in BUILTINS.items() if isinstance(v, Builtin)}
    assert set(BUILTIN_REFERENCES) | NOT_NUMPY == names
    assert not set(BUILTIN_REFERENCES) & NOT_NUMPY


@pytest.mark.parametrize("name", sorted(BUILTIN_REFERENCES) + [f"{n} pairwise" for n in sorted(PAIRWISE)])
def test_builtin_values_are_numpys(name):
    table = PAIRWISE if name.endswith(" pairwise") else BUILTIN_REFERENCES
    key = name.split()[0]
    rng = np.random.default_rng(sum(map(ord, name)))
    for _ in range(DRAWS):
        args, kwargs, want = table[key](rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = BUILTINS[key](*args, **kwargs)
        what = f"{key}{tuple(np.shape(a) for a in args)} {kwargs}"
        if isinstance(want, (bool, np.bool_)) or (isinstance(want, np.ndarray) and want.dtype == bool):
            assert np.array_equal(got, want) and np.shape(got) == np.shape(want), what
        elif isinstance(want, tuple):
            assert isinstance(got, tuple) and len(got) == len(want), what
            for part, wanted in zip(got, want):
                assert_numpy_value(part, wanted, what)
        elif isinstance(want, tuple):      # shape(x); and the pieces of split, topk's pair
            assert len(got) == len(want), what
            for g, w in zip(got, want):
                assert_numpy_value(g, w, what)
        else:
            assert_numpy_value(got, want, what)
