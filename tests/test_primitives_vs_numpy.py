"""Every builtin and every primitive against numpy's own function, on random shapes: values.

tests/test_primitives.py checks the derivative rules; this file checks the
values they differentiate, which finite differences cannot: `dot` of arrays
above 2-D computing `matmul` (issue 11, bug 10) is consistent in every mode and
wrong. Two tables, each derived from a registry so that a new name fails the
suite until it is covered:

* `LANGUAGE`: every name of `builtins.BUILTINS` (and every operator of
  `compiler.BINARY_PRIMITIVES`), called from a program on inputs of several
  shapes (numbers, vectors, matrices, arrays of 3 dimensions, broadcasting
  pairs) and on IEEE specials (0, -0, inf, nan, values outside the domain),
  against numpy. The same program runs plain, recorded by reverse mode and
  pushed through forward mode: the value must be the same every time.
* `PRIMITIVES`: every primitive of `tracing.REGISTRY` (the internal ones too:
  `cot_mul`, `scatter_add`, `index_set`, ...), called directly, against numpy.

Values agree to a few units in the last place (scalars use `math`, arrays
numpy), nan where numpy has nan.
"""
from __future__ import annotations

import itertools
import math
import zlib
from typing import Callable

import numpy as np
import pytest

from autodiff.diffcore.engine import arrays as A  # noqa: F401 - registers the array primitives
from autodiff.diffcore.interpreter import builtins as builtins_module
from autodiff.diffcore.interpreter.compiler import BINARY_PRIMITIVES
from autodiff.diffcore.derivatives import differentiate
from autodiff.diffcore.higher import directional
from autodiff.diffcore.program import Program
from autodiff.diffcore.engine.tracing import REGISTRY, strip
from autodiff.grammar import Source
from autodiff.grammar.source import ProgramError
from autodiff.diffcore.interpreter.linalg_builtins import LINALG_BUILTINS
import linalg_cases

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

RTOL = 1e-12
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, np.inf, -np.inf, np.nan, 1e308, -1e-308]


def rng_for(text: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(text.encode()))


def values(rng, shape, domain: str):
    """Random values of `shape` in a domain; a number for shape ()."""
    size = math.prod(shape)
    if domain == "positive":
        v = rng.uniform(0.1, 3.0, size)
    elif domain == "unit":
        v = rng.uniform(-0.99, 0.99, size)
    elif domain == "special":
        v = rng.choice(SPECIALS, size)
    elif domain == "integer":
        v = rng.integers(-3, 4, size).astype(np.float64)
    elif domain == "half":           # ties of round, floor and ceil
        v = rng.integers(-6, 7, size) / 2.0
    else:
        v = rng.normal(0.0, 2.0, size)
    v = v.reshape(shape)
    return float(v) if shape == () else v


def same(actual, expected, what: str) -> None:
    actual = np.asarray(strip(actual))
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape}, numpy {expected.shape}"
    if expected.dtype == bool or actual.dtype == bool:
        np.testing.assert_array_equal(actual.astype(bool), expected.astype(bool), err_msg=what)
        return
    np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64), rtol=RTOL, atol=0,
                               equal_nan=True, err_msg=what)


# ------------------------------------------------------ the language's builtins

UNARY_SHAPES = [(), (1,), (3,), (2, 3), (2, 1, 3)]
# Pairs of shapes that broadcast (numpy's rules), and one that does not.
PAIRS = [((), ()), ((), (3,)), ((3,), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((2, 3), (2, 3)),
         ((2, 1, 3), (4, 3)), ((1,), (2, 2))]
BAD_PAIR = ((2, 3), (2,))


def _logsumexp(x, axis=None, keepdims=False):
    top = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _norm(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=keepdims))


UNARY = {
    "sin": (np.sin, "special"), "cos": (np.cos, "special"), "tan": (np.tan, "special"),
    "asin": (np.arcsin, "special"), "acos": (np.arccos, "special"), "atan": (np.arctan, "special"),
    "sinh": (np.sinh, "special"), "cosh": (np.cosh, "special"), "tanh": (np.tanh, "special"),
    "exp": (np.exp, "special"), "expm1": (np.expm1, "special"), "log": (np.log, "special"),
    "log1p": (np.log1p, "special"), "log2": (np.log2, "special"), "log10": (np.log10, "special"),
    "sqrt": (np.sqrt, "special"), "abs": (np.abs, "special"), "sign": (np.sign, "special"),
    "floor": (np.floor, "half"), "ceil": (np.ceil, "half"), "round": (np.round, "half"),
    "relu": (lambda x: np.maximum(x, 0.0), "special"),
    "sigmoid": (lambda x: 1.0 / (1.0 + np.exp(-x)), "normal"),
    "softplus": (lambda x: np.logaddexp(0.0, x), "normal"),
    "detach": (lambda x: x, "normal"),
    "isnan": (np.isnan, "special"), "isfinite": (np.isfinite, "special"),
    "any": (lambda x: np.any(x != 0), "integer"), "all": (lambda x: np.all(x != 0), "integer"),
    "asinh": (np.arcsinh, "special"), "acosh": (np.arccosh, "special"), "atanh": (np.arctanh, "special"),
    "erf": (np.vectorize(math.erf, otypes=[float]), "special"),
    "erfc": (np.vectorize(math.erfc, otypes=[float]), "special"),
    "gammaln": (np.vectorize(lambda v: math.inf if v <= 0 and float(v).is_integer() else math.lgamma(v),
                             otypes=[float]), "special"),
    "sinc": (np.sinc, "special"), "nan_to_num": (np.nan_to_num, "special"),
}
BINARY = {
    "pow": (np.power, "special"), "atan2": (np.arctan2, "special"), "hypot": (np.hypot, "special"),
    "minimum": (np.minimum, "special"), "maximum": (np.maximum, "special"),
    "max": (np.maximum, "normal"), "min": (np.minimum, "normal"),       # max(a, b): elementwise
    "isclose": (np.isclose, "integer"),
    "allclose": (lambda a, b: np.allclose(a, b), "integer"),
    "fmax": (np.fmax, "special"), "fmin": (np.fmin, "special"),
    "logaddexp": (np.logaddexp, "special"), "logaddexp2": (np.logaddexp2, "special"),
    "xlogy": (lambda x, y: np.where((x == 0) & ~np.isnan(y), 0.0, x * np.log(y)), "special"),
}
OPERATORS = {
    "+": (np.add, "special"), "-": (np.subtract, "special"), "*": (np.multiply, "special"),
    "/": (np.divide, "special"), "^": (np.power, "special"), "%": (np.mod, "special"),
    "//": (np.floor_divide, "special"),           # see test_finding_n3_floor_division
}
REDUCTIONS = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min, "norm": _norm,
    "logsumexp": _logsumexp, "var": np.var, "std": np.std,
}
# Builtins tested by a function of their own below, and names that are not functions of values.
OWN_TESTS = {"softmax", "dot", "matmul", "outer", "transpose", "reshape", "shape", "len", "stack", "concat",
             "clip", "where", "zeros", "ones", "eye", "full", "arange", "linspace", "range"}
OWN_TESTS |= set(LINALG_BUILTINS)      # tests/test_linalg.py and test_numpy_values.py
# Order, selection and shapes: compared with numpy over shapes and axes in tests/test_order_and_shape.py
# and tests/test_numpy_values.py.
ORDER_AND_SHAPE = {"sort", "argsort", "argmax", "argmin", "topk", "take", "take_along_axis", "flip", "roll", "tile",
                   "repeat", "pad", "tril", "triu", "squeeze", "expand_dims", "atleast_1d", "atleast_2d",
                   "atleast_3d", "moveaxis", "swapaxes", "split", "array_split", "vstack", "hstack", "dstack",
                   "column_stack"}
# Statistics, scans and special functions tested by their own functions below.
OWN_TESTS |= {"cumsum", "cumprod", "diff", "log_softmax", "digamma", "polygamma", "int", "float"}
NOT_NUMPY = {
    "grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp",    # derivatives: tests/test_higher_order.py
    "pi", "e", "inf", "nan",                                           # constants (checked below)
    "enumerate", "zip",                                 # Python's sequences: tests/test_syntax_sequences.py
}


def test_every_builtin_is_compared_with_numpy():
    """A builtin added to the language must get a numpy reference here (or say why it has none)."""
    covered = set(UNARY) | set(BINARY) | set(REDUCTIONS) | OWN_TESTS | NOT_NUMPY | ORDER_AND_SHAPE
    missing = sorted(set(builtins_module.BUILTINS) - covered)
    assert not missing, f"builtins without a numpy reference in this file: {missing}"
    # (`@` is matmul's operator: test_matmul_against_numpy)
    assert not sorted(set(BINARY_PRIMITIVES) - set(OPERATORS) - {"@"}), "an operator without a numpy reference"


_PROGRAMS: dict = {}


def program(text: str) -> Program:
    if text not in _PROGRAMS:
        _PROGRAMS[text] = Program(Source(text, "<numpy>"))
    return _PROGRAMS[text]


def run_everywhere(text: str, at: dict, expected, what: str) -> None:
    """The program's output equals numpy's, plain, recorded by reverse mode and in forward mode."""
    p = program(text)
    same(p.run(at).output, expected, what)
    numeric = np.asarray(expected).dtype != bool and at
    if numeric and np.ndim(expected) == 0:
        same(differentiate(p, at).output, expected, f"{what}, under reverse mode")
    if numeric:
        direction = {name: np.ones_like(v) if np.ndim(v) else 1.0 for name, v in at.items()}
        same(directional(p, at, direction).output, expected, f"{what}, under forward mode")


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_builtin_against_numpy(name):
    reference, domain = UNARY[name]
    rng = rng_for(name)
    for shape in UNARY_SHAPES:
        for kind in (domain, "normal"):
            a = values(rng, shape, kind)
            run_everywhere(f"y = {name}(a)\n", {"a": a}, reference(np.asarray(a)), f"{name}({a!r})")


@pytest.mark.parametrize("name", sorted(BINARY) + sorted(OPERATORS))
def test_binary_builtin_against_numpy(name):
    reference, domain = BINARY.get(name) or OPERATORS[name]
    text = f"y = a {name} b\n" if name in OPERATORS else f"y = {name}(a, b)\n"
    rng = rng_for(name)
    for sa, sb in PAIRS:
        for kind in (domain, "normal", "integer"):
            a, b = values(rng, sa, kind), values(rng, sb, kind)
            if name == "allclose" and np.broadcast_shapes(np.shape(a), np.shape(b)) != np.shape(a):
                continue
            run_everywhere(text, {"a": a, "b": b}, reference(np.asarray(a), np.asarray(b)),
                           f"{text.strip()} with a={a!r}, b={b!r}")
    if name not in ("allclose",):
        (sa, sb) = BAD_PAIR
        with pytest.raises(ProgramError):
            program(text).run({"a": values(rng, sa, "normal"), "b": values(rng, sb, "normal")})


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_against_numpy(name):
    reference = REDUCTIONS[name]
    rng = rng_for(name)
    for shape in [(1,), (3,), (2, 3), (3, 1), (2, 2, 3)]:
        x = values(rng, shape, "normal")
        run_everywhere(f"y = {name}(a)\n", {"a": x}, reference(x), f"{name} of {shape}")
        axes = list(range(-len(shape), len(shape))) + ([(0, 1)] if len(shape) > 1 else [])
        for axis, keepdims in itertools.product(axes, (False, True)):
            axis_text = str(axis) if isinstance(axis, int) else f"({axis[0]}, {axis[1]})"
            text = f"y = {name}(a, axis={axis_text}, keepdims={'true' if keepdims else 'false'})\n"
            run_everywhere(text, {"a": x}, reference(x, axis=axis, keepdims=keepdims), f"{text.strip()} of {shape}")


def test_softmax_against_numpy():
    rng = rng_for("softmax")
    for shape in [(1,), (3,), (2, 3), (2, 2, 3)]:
        x = values(rng, shape, "normal")
        run_everywhere("y = softmax(a)\n", {"a": x}, _softmax(x), f"softmax of {shape}")
        for axis in range(-len(shape), len(shape)):
            run_everywhere(f"y = softmax(a, axis={axis})\n", {"a": x}, _softmax(x, axis=axis),
                           f"softmax(axis={axis}) of {shape}")


def test_scans_diff_and_log_softmax_against_numpy():
    rng = rng_for("scans")
    for shape in [(1,), (3,), (2, 3), (2, 2, 3)]:
        x = values(rng, shape, "normal")
        for name, reference in (("cumsum", np.cumsum), ("cumprod", np.cumprod)):
            run_everywhere(f"y = {name}(a)\n", {"a": x}, reference(x), f"{name} of {shape}")
            for axis in range(-len(shape), len(shape)):
                run_everywhere(f"y = {name}(a, axis={axis})\n", {"a": x}, reference(x, axis=axis),
                               f"{name}(axis={axis}) of {shape}")
        for n, axis in itertools.product((0, 1, 2), range(-len(shape), len(shape))):
            run_everywhere(f"y = diff(a, {n}, {axis})\n", {"a": x}, np.diff(x, n, axis), f"diff({n}, {axis}) of {shape}")
        for axis in range(-len(shape), len(shape)):
            expected = x - _logsumexp(x, axis=axis, keepdims=True)
            run_everywhere(f"y = log_softmax(a, axis={axis})\n", {"a": x}, expected, f"log_softmax of {shape}")


def test_digamma_and_polygamma_against_their_series():
    # psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x), zeta(s, x) = sum_k (x + k)^-s: 20000 terms, then the
    # integral and half the first term left out (the rest is below 1e-16 of the sum)
    rng = rng_for("polygamma")
    x = values(rng, (2, 3), "positive")
    k = np.arange(20000.0)[:, None, None]
    for n in (1, 2, 3):
        s = n + 1.0
        zeta = np.sum((x + k) ** -s, axis=0) + (x + k.size) ** (1 - s) / (s - 1) + 0.5 * (x + k.size) ** -s
        run_everywhere(f"y = polygamma({n}, a)\n", {"a": x}, (-1) ** (n + 1) * math.factorial(n) * zeta,
                       f"polygamma({n})")
    run_everywhere("y = digamma(a) - digamma(a + 1)\n", {"a": x}, -1.0 / x, "digamma's recurrence")


def test_int_and_float_against_python():
    for v in [2.7, -2.7, 0.5, -0.0, 3.0, 1e300, -7.5]:
        run_everywhere("y = int(a)\n", {"a": v}, float(math.trunc(v)), f"int({v!r})")
        run_everywhere("y = float(a)\n", {"a": v}, v, f"float({v!r})")


# dot follows numpy exactly: numbers, vectors, matrices, and above 2-D the last axis of a with the
# second-to-last of b (issue 11, bug 10: above 2-D it was computed as matmul).
DOT_SHAPES = [((), ()), ((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
              ((1, 3), (3, 1))]
DOT_ABOVE_2D = [((2, 3), (2, 3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((2, 2, 3), (3, 4)),
                ((2, 2, 3), (2, 3, 4)), ((4, 3), (5, 3, 2))]


@pytest.mark.parametrize("sa, sb", DOT_SHAPES + DOT_ABOVE_2D, ids=str)
def test_dot_against_numpy(sa, sb):
    rng = rng_for(f"dot{sa}{sb}")
    a, b = values(rng, sa, "normal"), values(rng, sb, "normal")
    run_everywhere("y = dot(a, b)\n", {"a": a, "b": b}, np.dot(a, b), f"dot of {sa} and {sb}")


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
                 ((2, 3), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)),
                 ((2, 1, 2, 3), (3, 3, 2))]


@pytest.mark.parametrize("sa, sb", MATMUL_SHAPES, ids=str)
def test_matmul_against_numpy(sa, sb):
    rng = rng_for(f"matmul{sa}{sb}")
    a, b = values(rng, sa, "normal"), values(rng, sb, "normal")
    for text in ("y = matmul(a, b)\n", "y = a @ b\n"):
        run_everywhere(text, {"a": a, "b": b}, np.matmul(a, b), f"{text.strip()} of {sa} and {sb}")
    with pytest.raises(ProgramError):
        program("y = matmul(a, b)\n").run({"a": values(rng, (2, 3), "normal"), "b": values(rng, (2, 3), "normal")})


def test_shape_functions_against_numpy():
    rng = rng_for("shapes")
    for sa, sb in [((3,), (2,)), ((2, 3), (4,)), ((2, 2), (3, 1)), ((), (3,))]:
        a, b = values(rng, sa, "normal"), values(rng, sb, "normal")
        run_everywhere("y = outer(a, b)\n", {"a": a, "b": b}, np.outer(a, b), f"outer {sa} {sb}")
    for shape in [(3,), (2, 3), (2, 3, 4)]:
        x = values(rng, shape, "normal")
        run_everywhere("y = transpose(a)\n", {"a": x}, np.transpose(x), f"transpose {shape}")
        for axes in itertools.permutations(range(len(shape))):
            run_everywhere(f"y = transpose(a, {', '.join(map(str, axes))})\n", {"a": x}, np.transpose(x, axes),
                           f"transpose {shape} {axes}")
        for dims in [(-1,), (math.prod(shape), 1), (1, -1)] + ([shape[::-1]] if len(shape) > 1 else []):
            run_everywhere(f"y = reshape(a, {', '.join(map(str, dims))})\n", {"a": x}, np.reshape(x, dims),
                           f"reshape {shape} {dims}")
        assert program("y = shape(a)\n").run({"a": x}).output == np.shape(x)
        assert program("y = len(a)\n").run({"a": x}).output == len(x)
        for axis in range(-len(shape) - 1, len(shape) + 1):
            y = values(rng, shape, "normal")
            run_everywhere(f"y = stack(a, b, axis={axis})\n", {"a": x, "b": y}, np.stack([x, y], axis=axis),
                           f"stack {shape} axis {axis}")
        for axis in range(-len(shape), len(shape)):
            longer = list(shape)
            longer[axis] += 1
            y = values(rng, tuple(longer), "normal")
            run_everywhere(f"y = concat(a, b, axis={axis})\n", {"a": x, "b": y},
                           np.concatenate([x, y], axis=axis), f"concat {shape} axis {axis}")


def test_selection_against_numpy():
    rng = rng_for("selection")
    for sa, sb in PAIRS:
        a, b = values(rng, sa, "special"), values(rng, sb, "special")
        c = values(rng, np.broadcast_shapes(sa, sb), "normal")
        run_everywhere("y = where(c > 0, a, b)\n", {"a": a, "b": b, "c": c},
                       np.where(np.asarray(c) > 0, a, b), f"where {sa} {sb}")
        run_everywhere("y = clip(a, -1, 2)\n", {"a": a}, np.clip(a, -1, 2), f"clip {sa}")
        lo = values(rng, sb, "normal")
        run_everywhere("y = clip(a, lo, lo + 1)\n", {"a": a, "lo": lo}, np.clip(a, lo, np.asarray(lo) + 1),
                       f"clip {sa} by {sb}")


CONSTRUCTORS = [
    ("zeros(3)", np.zeros(3)), ("zeros(2, 3)", np.zeros((2, 3))), ("ones(2, 1, 3)", np.ones((2, 1, 3))),
    ("eye(3)", np.eye(3)), ("eye(2, 3)", np.eye(2, 3)), ("full(2, 3, 0.5)", np.full((2, 3), 0.5)),
    ("full(3, -1)", np.full(3, -1.0)), ("arange(5)", np.arange(5.0)), ("arange(1, 4)", np.arange(1.0, 4.0)),
    ("arange(0, 1, 0.25)", np.arange(0, 1, 0.25)), ("arange(3, 0, -1)", np.arange(3.0, 0.0, -1.0)),
    ("arange(0.5, 2.9)", np.arange(0.5, 2.9)), ("linspace(0, 1, 5)", np.linspace(0, 1, 5)),
    ("linspace(-1, 2, 1)", np.linspace(-1, 2, 1)), ("linspace(2, -3, 7)", np.linspace(2, -3, 7)),
    ("range(4)", np.arange(4.0)), ("range(1, 7, 2)", np.arange(1.0, 7.0, 2.0)),
    ("pi", np.pi), ("e", np.e), ("inf", np.inf), ("nan", np.nan),
]


@pytest.mark.parametrize("text, expected", CONSTRUCTORS, ids=[t for t, _ in CONSTRUCTORS])
def test_constructors_against_numpy(text, expected):
    same(program(f"y = {text}\n").run({}).output, expected, text)


# ------------------------------------------------------- the primitives, directly

def _index_set(x, v, index):
    out = np.array(x, dtype=np.float64)
    out[index] = v
    return out


def _scatter_add(g, index, shape):
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return out


def _cotangent(fn):
    """g * d or g / d, with the zero rule of docs/numerics.md: exactly 0 where g is 0, and for a
    product also where d is 0 (a zero factor absorbs an infinite or nan one)."""
    def reference(g, d):
        with np.errstate(all="ignore"):
            zero = np.equal(g, 0) if fn is np.divide else np.logical_or(np.equal(g, 0), np.equal(d, 0))
            return np.where(zero, 0.0, fn(g, d))
    return reference


# name -> (numpy reference, [(args, params)] maker from an rng)
def _unary_cases(domain="special"):
    return lambda rng: [((values(rng, s, k),), {}) for s in UNARY_SHAPES for k in (domain, "normal")]


def _binary_cases(domain="special"):
    return lambda rng: [((values(rng, sa, k), values(rng, sb, k)), {}) for sa, sb in PAIRS
                        for k in (domain, "normal", "integer")]


def _reduction_cases(rng):
    cases = []
    for shape in [(3,), (2, 3), (2, 2, 3)]:
        x = values(rng, shape, "normal")
        cases.append(((x,), {}))
        cases += [((x,), {"axis": (axis,), "keepdims": k}) for axis in range(len(shape)) for k in (False, True)]
    return cases


def _scan_cases(rng):
    cases = []
    for shape in [(), (3,), (2, 3), (2, 2, 3)]:
        x = values(rng, shape, "normal")
        cases.append(((x,), {}))
        cases += [((x,), {"axis": axis}) for axis in range(len(shape))]
    return cases


def _trigamma(x):
    # psi'(x) = sum_k 1/(x + k)^2: 20000 terms, then the integral and half the first term left out
    k = np.arange(20000.0).reshape((-1,) + (1,) * np.ndim(x))
    return np.sum((x + k) ** -2.0, axis=0) + 1.0 / (x + k.size) + 0.5 * (x + k.size) ** -2.0


def _sinc_slope(x):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, 0 at 0 (inputs here are away from 0's cancellation)
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - np.sinc(x)) / np.where(x == 0, 1.0, x))


def _order_cases(domain):
    return lambda rng: [((values(rng, s, domain),), {"order": 1}) for s in UNARY_SHAPES]


def _matmul_cases(rng):
    return [((values(rng, sa, "normal"), values(rng, sb, "normal")), {}) for sa, sb in MATMUL_SHAPES]


def _index_cases(rng):
    x = values(rng, (3, 4), "normal")
    return [((x,), {"index": index}) for index in [(1,), (slice(None), 2), (np.array([0, 2, 2]),),
                                                   (np.array([0, 1]), np.array([3, 3])), (slice(1, None, -1),),
                                                   (np.array([True, False, True]),)]]


def _scatter_cases(rng):
    return [((values(rng, (3,), "normal"),), {"index": (np.array([0, 2, 0]),), "shape": (4,)}),
            ((values(rng, (4,), "normal"),), {"index": (slice(None), 1), "shape": (4, 2)})]


def _index_set_cases(rng):
    x = values(rng, (4,), "normal")
    return [((x, values(rng, (2,), "normal")), {"index": (np.array([1, 1]),)}),
            ((x, 2.5), {"index": (2,)}), ((values(rng, (2, 3), "normal"), values(rng, (3,), "normal")),
                                          {"index": (0,)})]


def _shape_cases(op):
    def cases(rng):
        x = values(rng, (2, 3), "normal")
        if op == "broadcast_to":
            return [((values(rng, (3,), "normal"),), {"shape": (2, 3)}), ((1.5,), {"shape": (2, 2)})]
        if op == "reshape":
            return [((x,), {"shape": (3, 2)}), ((x,), {"shape": (6,)})]
        return [((x,), {"axes": None}), ((values(rng, (2, 3, 4), "normal"),), {"axes": (2, 0, 1)})]
    return cases


def _join_cases(rng):
    a, b = values(rng, (2, 3), "normal"), values(rng, (2, 3), "normal")
    return [((a, b), {"axis": 0}), ((a, b, a), {"axis": 1})]


def _where_cases(rng):
    return [((values(rng, sa, "special"), values(rng, sb, "special")),
             {"cond": np.asarray(values(rng, np.broadcast_shapes(sa, sb), "normal")) > 0}) for sa, sb in PAIRS]


PRIMITIVES: dict[str, tuple[Callable, Callable]] = {
    **linalg_cases.reference_and_cases(),
    **{name: (UNARY[name][0], _unary_cases()) for name in
       ["abs", "acos", "asin", "atan", "cos", "cosh", "exp", "expm1", "log", "log1p", "relu", "sigmoid", "sin",
        "sinh", "softplus", "sqrt", "tan", "tanh"]},
    "neg": (np.negative, _unary_cases()),
    "add": (np.add, _binary_cases()), "sub": (np.subtract, _binary_cases()), "mul": (np.multiply, _binary_cases()),
    "div": (np.divide, _binary_cases()), "pow": (np.power, _binary_cases()), "mod": (np.mod, _binary_cases()),
    "atan2": (np.arctan2, _binary_cases()), "hypot": (np.hypot, _binary_cases()),
    "maximum": (np.maximum, _binary_cases()), "minimum": (np.minimum, _binary_cases()),
    "cot_mul": (_cotangent(np.multiply), _binary_cases()), "cot_div": (_cotangent(np.divide), _binary_cases()),
    "sum": (np.sum, _reduction_cases), "prod": (np.prod, _reduction_cases), "max": (np.max, _reduction_cases),
    "min": (np.min, _reduction_cases), "norm": (_norm, _reduction_cases),
    "logsumexp": (_logsumexp, _reduction_cases),
    "matmul": (np.matmul, _matmul_cases), "cot_matmul": (np.matmul, _matmul_cases),
    "getitem": (lambda x, index: x[index], _index_cases),
    "scatter_add": (_scatter_add, _scatter_cases),
    "index_set": (_index_set, _index_set_cases),
    "broadcast_to": (np.broadcast_to, _shape_cases("broadcast_to")),
    "reshape": (np.reshape, _shape_cases("reshape")),
    "transpose": (np.transpose, _shape_cases("transpose")),
    "stack": (lambda *xs, axis: np.stack(xs, axis=axis), _join_cases),
    "concat": (lambda *xs, axis: np.concatenate(xs, axis=axis), _join_cases),
    "where": (lambda x, y, cond: np.where(cond, x, y), _where_cases),
    **{name: (UNARY[name][0], _unary_cases()) for name in ["asinh", "acosh", "atanh", "erf", "erfc", "gammaln"]},
    **{name: (BINARY[name][0], _binary_cases()) for name in ["fmax", "fmin", "xlogy"]},
    "cumsum": (np.cumsum, _scan_cases), "cumprod": (np.cumprod, _scan_cases),
    "polygamma": (lambda x, order: _trigamma(x), _order_cases("positive")),
    "sinc": (lambda x, order: _sinc_slope(x), _order_cases("normal")),
}


def test_every_primitive_is_compared_with_numpy():
    """A primitive added to the registry must get a numpy reference here."""
    missing = sorted(set(REGISTRY) - set(PRIMITIVES))
    assert not missing, f"primitives without a numpy reference in this file: {missing}"


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_primitive_against_numpy(name):
    reference, cases = PRIMITIVES[name]
    prim = REGISTRY[name]
    for args, params in cases(rng_for(name)):
        expected = reference(*[np.asarray(a) for a in args], **params)
        what = f"{name}{tuple(np.shape(a) for a in args)} {params}"
        with np.errstate(all="ignore"):
            same(prim.bind(*args, **params), expected, what)
            same(prim.impl(*args, **params), expected, f"{what} (impl)")


def test_constants_are_numpys():
    for name, value in [("pi", np.pi), ("e", np.e)]:
        assert builtins_module.BUILTINS[name] == value
    assert math.isinf(builtins_module.BUILTINS["inf"]) and math.isnan(builtins_module.BUILTINS["nan"])


@pytest.mark.parametrize("a, b", [(1.0, 0.1), (-1e-308, 1e308), (math.inf, 2.0), (-5.0, math.inf)])
def test_finding_n3_floor_division(a, b):
    """FINDING N3 (fixed; tests/test_regressions_findings.py has its derivatives): `a // b` was
    computed as floor(a / b), which is not numpy's (nor Python's) floor division:
    `autodiff eval -e '1 // 0.1'` gave 10 where numpy and Python give 9 (the quotient rounds up
    to 10.0 before the floor), so (a // b) * b + a % b was 1.1, not 1; also -1e-308 // 1e308
    gave -0 (numpy: -1), inf // 2 gave inf (numpy: nan) and -5 // inf gave -0 (numpy: -1).
    Found by comparing `//` with np.floor_divide on IEEE specials."""
    for shape in ((), (1,)):
        at = {"a": np.full(shape, a) if shape else a, "b": np.full(shape, b) if shape else b}
        same(program("y = a // b\n").run(at).output, np.floor_divide(at["a"], at["b"]), f"{a} // {b}")
