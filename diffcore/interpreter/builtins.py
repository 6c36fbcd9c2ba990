"""The language's builtin functions and constants.

Each builtin is a Python function over language values, built from primitives
so that it is differentiable (or from constants, where it is not). The table
`BUILTINS` is the only place a program's names can reach outside itself: there
is no way from a program to Python objects, modules, files or the environment.
Errors raised here carry no span; the interpreter adds the call's location.
"""
from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Optional

import numpy as np

from ..engine import arrays as A
from ..engine import elementwise as E
from ..engine.broadcasting import reshape, sum_, value_shape
from ..engine.errors import ShapeError, ValueTypeError
from ..engine.kinds import (is_numeric, require_numeric, shape_text, to_axis, to_bool, to_float, to_int,
                            type_name)
from ..engine.numeric import broadcast_size, check_elements, check_shape, ndarray, plain
from ..engine.tracing import Tracer, strip
from .linalg_builtins import LINALG_BUILTINS
from . import ordering, shaping
from .arguments import flatten_args as _flatten_args
from .scientific import TABLE as SCIENTIFIC


class Builtin:
    """A builtin function value: what a program sees when it names `sin` or `sum`."""

    __slots__ = ("name", "fn", "unary", "wraps")

    def __init__(self, name: str, fn: Callable, wraps: tuple = ()):
        self.name = name
        self.fn = fn
        # The function values this one calls (grad(f) wraps f): what `with checkpoint:` follows
        # to find the variables a call can reach (see checkpoint.py).
        self.wraps = wraps
        # What a call with exactly one positional argument may call directly (the compiler
        # uses it to skip a wrapper's argument handling on the hot path).
        self.unary: Callable = getattr(fn, "unary", fn)

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<builtin {self.name}>"


def signature_of(builtin: Builtin) -> Optional[inspect.Signature]:
    """The parameters of a builtin, or None for a function that does not say (a C function)."""
    try:
        return inspect.signature(builtin.fn)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------ argument helpers

def to_shape(dims: tuple, what: str = "a shape") -> tuple:
    """zeros(3), zeros(2, 3), zeros([2, 3]), zeros(shape(x)) all name a shape."""
    if len(dims) == 1:
        only = strip(dims[0])
        if isinstance(only, tuple):
            dims = only
        elif isinstance(only, ndarray):
            dims = tuple(only.reshape(-1))
    shape = tuple(to_int(d, what) for d in dims)
    if any(n < 0 for n in shape):
        raise ShapeError(f"{what} cannot have a negative size: {shape_text(shape)}")
    check_shape(shape)
    return shape


def _ndim(x: Any) -> int:
    return len(value_shape(x))


# ----------------------------------------------------------------- reductions

def _reduction(prim):
    def reduce(x, axis=None, keepdims=False):
        if x.__class__ is not float and not isinstance(x, Tracer):
            require_numeric(x, f"the argument of {prim.__name__}")
        if axis is None and keepdims is False:
            return prim(x)              # default params are not recorded, which keeps the tape lean
        return prim(x, axis=to_axis(axis, _ndim(x)), keepdims=to_bool(keepdims, "keepdims"))
    reduce.unary = prim
    return reduce


def _count(x, axis) -> float:
    shape = value_shape(x)
    if axis is None:
        return float(math.prod(shape))
    return float(math.prod(shape[a] for a in axis))


def mean(x, axis=None, keepdims=False):
    require_numeric(x, "the argument of mean")
    axis = to_axis(axis, _ndim(x))
    return E.div(sum_(x, axis=axis, keepdims=to_bool(keepdims, "keepdims")), _count(x, axis))


def _extremum(prim, pairwise):
    def extremum(x, *others, axis=None, keepdims=False):
        # max(x) and max(x, axis=0) reduce; max(a, b) is the elementwise larger, as in Python.
        if others:
            result = x
            for other in others:
                result = pairwise(result, other)
            return result
        return _reduction(prim)(x, axis, keepdims)
    return extremum


def softmax(x, axis=-1):
    require_numeric(x, "the argument of softmax")
    if not value_shape(x):
        return 1.0
    axis = to_axis(axis, _ndim(x))
    return E.exp(E.sub(x, A.logsumexp(x, axis=axis, keepdims=True)))


# ------------------------------------------------------------- linear algebra

def dot(a, b):
    """numpy's dot: a product with a number; else the sum over a's last axis and b's second-to-last
    (its only one when b is a vector), every other axis of a then of b kept, in that order."""
    require_numeric(a, "the first argument of dot")
    require_numeric(b, "the second argument of dot")
    sa, sb = value_shape(a), value_shape(b)
    if not sa or not sb:
        return E.mul(a, b)
    k = len(sb) - 2 if len(sb) > 1 else 0      # the axis of b that is summed with a's last
    if sa[-1] != sb[k]:
        raise ShapeError(f"dot: shapes {shape_text(sa)} and {shape_text(sb)} are not aligned: "
                         f"{sa[-1]} (last axis of the first) != {sb[k]} (axis {k} of the second)",
                         hint="dot sums over the last axis of its first argument and the second-to-last "
                              "(or only) axis of its second")
    if len(sb) <= 2 or len(sa) == 1:
        return A.matmul(a, b)       # here matmul's promotion and broadcasting give dot's result
    # Above 2-D, dot pairs every row of a with every matrix of b (matmul would broadcast them):
    # a as (rows, n) @ b with its summed axis first, as (n, columns), then unflattened.
    rest = sb[:k] + sb[k + 1:]
    check_shape(sa[:-1] + rest)
    first = A.transpose(b, axes=(k,) + tuple(range(k)) + (len(sb) - 1,))
    product = A.matmul(reshape(a, shape=(math.prod(sa[:-1]), sa[-1])),
                       reshape(first, shape=(sb[k], math.prod(rest))))
    return reshape(product, shape=sa[:-1] + rest)


def matmul(a, b):
    for v, which in ((a, "first"), (b, "second")):
        require_numeric(v, f"the {which} argument of matmul")
        if not value_shape(v):
            raise ShapeError(f"matmul needs arrays, but its {which} argument is a number",
                             hint="use * to multiply by a number")
    return A.matmul(a, b)


def outer(a, b):
    a_flat = reshape(a, shape=(-1,) if value_shape(a) else (1,))
    b_flat = reshape(b, shape=(-1,) if value_shape(b) else (1,))
    n, m = value_shape(a_flat)[0], value_shape(b_flat)[0]
    check_shape((n, m))
    return E.mul(reshape(a_flat, shape=(n, 1)), reshape(b_flat, shape=(1, m)))


def transpose(x, *axes):
    require_numeric(x, "the argument of transpose")
    if not axes:
        return A.transpose(x, axes=None)
    order = to_shape(axes, "axes")
    if sorted(order) != list(range(_ndim(x))):
        raise ShapeError(f"transpose axes {order} are not a permutation of the {_ndim(x)} axes")
    return A.transpose(x, axes=order)


def reshape_(x, *dims):
    require_numeric(x, "the argument of reshape")
    if len(dims) == 1 and isinstance(strip(dims[0]), (tuple, ndarray)):
        dims = tuple(strip(dims[0]))
    shape = tuple(to_int(d, "a dimension") for d in dims)
    size = math.prod(value_shape(x))
    if shape.count(-1) > 1:
        raise ShapeError("reshape can infer only one dimension (-1)")
    if -1 in shape:
        known = math.prod(n for n in shape if n != -1)
        if known == 0 or size % known:
            raise ShapeError(f"cannot reshape {size} elements into {shape_text(shape)}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    if math.prod(shape) != size:
        raise ShapeError(f"cannot reshape {size} elements into {shape_text(shape)}")
    return reshape(x, shape=shape)


# Sizes are numbers like any other (float64), not Python ints: an int would never overflow, so
# `n ^ n ^ n` on one would grow without bound in a single uninterruptible operation.

def shape(x):
    v = strip(x)
    if is_numeric(v):
        return tuple(float(n) for n in value_shape(v))
    if isinstance(v, tuple):
        return (float(len(v)),)
    raise ValueTypeError(f"shape() of {type_name(v)}", hint="shape(x) is the shape of an array (or a tuple's length)")


def length(x):
    v = strip(x)
    if isinstance(v, tuple):
        return float(len(v))
    if not is_numeric(v):
        raise ValueTypeError(f"len() of {type_name(v)}", hint="len(x) is the size of the first axis of an array")
    s = value_shape(v)
    if not s:
        raise ValueTypeError("len() of a number", hint="len(x) is the size of the first axis of an array")
    return float(s[0])


def stack(*xs, axis=0):
    xs = _flatten_args(xs, "stack")
    shapes = {value_shape(x) for x in xs}
    if len(shapes) > 1:
        raise ShapeError("stack needs values of one shape, got " +
                         ", ".join(shape_text(s) for s in sorted(shapes)))
    return A.stack(*xs, axis=to_axis(axis, _ndim(xs[0]) + 1)[0])


def concat(*xs, axis=0):
    xs = _flatten_args(xs, "concat")
    ndim = _ndim(xs[0])
    if ndim == 0 or any(_ndim(x) != ndim for x in xs):
        raise ShapeError("concat needs arrays with the same number of dimensions (use stack for numbers)")
    k = to_axis(axis, ndim)[0]
    rest = {value_shape(x)[:k] + value_shape(x)[k + 1:] for x in xs}
    if len(rest) > 1:
        raise ShapeError(f"concat along axis {k}: the other dimensions differ")
    return A.concat(*xs, axis=k)


# --------------------------------------------------------------- elementwise

def _log_base(base: float):
    scale = math.log(base)
    return lambda x: E.div(E.log(x), scale)


def clip(x, lo, hi):
    return E.minimum(E.maximum(x, lo), hi)


def where(cond, a, b):
    c = _plain_numeric(cond, "the condition of where")
    c = c.astype(bool) if isinstance(c, ndarray) else bool(c)
    return E.where(a, b, cond=c)


def full(*args):
    *dims, value = args
    if not dims:
        raise ValueTypeError("full needs a shape and a value, e.g. full(3, 0.5)")
    shape = to_shape(tuple(dims))
    require_numeric(value, "the value of full")
    if not _broadcastable(value_shape(value), shape) or np.broadcast_shapes(value_shape(value), shape) != shape:
        raise ShapeError(f"full: a value of shape {shape_text(value_shape(value))} does not fill the shape "
                         f"{shape_text(shape)}", hint="the value must broadcast to the shape, as in numpy")
    return E.mul(np.ones(shape), value)     # differentiable in the value, as every mode needs


def eye(n, m=None):
    n = to_int(n, "the size of eye")
    m = n if m is None else to_int(m, "the size of eye")
    check_shape((n, m))
    return np.eye(n, m)


def _moving_with(values: ndarray, terms: list) -> Any:
    """`values` (a constructor's result, computed by numpy) made differentiable in its arguments.

    Each term (coefficients, argument) says that `values` moves by coefficients * d for a change
    d of the argument, exactly: the constructors are affine in the arguments they take as values.
    The result adds coefficients * (argument - its own value), a zero, to the values, so it is
    numpy's to the last bit, and its derivatives are those of the affine function at every order.
    """
    out = values
    for coefficients, argument in terms:
        if isinstance(argument, Tracer) and math.isfinite(float(strip(argument))):
            out = E.add(out, E.mul(coefficients, E.sub(argument, strip(argument))))
    return out


def _bound(v: Any, what: str) -> Any:
    """A constructor's numeric argument (a number, possibly traced) checked, for its plain value."""
    if isinstance(strip(v), ndarray) and strip(v).size == 1:
        v = reshape(v, shape=())
    if not isinstance(strip(v), (bool, int, float, np.bool_, np.integer, np.floating)):
        raise ValueTypeError(f"{what} must be a number, not {type_name(v)}")
    return v


def arange(start, stop=None, step=1.0):
    """numpy's arange: start, start + step, ... below stop; differentiable in start and step
    (stop only decides how many values there are, which is a step function of it)."""
    start, step = _bound(start, "the start of arange"), _bound(step, "the step of arange")
    if stop is None:
        start, stop = 0.0, start
    stop = _bound(stop, "the stop of arange")
    first, last, by = float(strip(start)), float(strip(stop)), float(strip(step))
    if by == 0:
        raise ValueTypeError("arange step must not be zero")
    if not all(map(math.isfinite, (first, last, by))):
        raise ValueTypeError("arange needs finite bounds and step")
    check_shape((max(0, math.ceil((last - first) / by)),))
    values = np.arange(first, last, by, dtype=np.float64)
    return _moving_with(values, [(1.0, start), (np.arange(values.size, dtype=np.float64), step)])


def range_(*bounds):
    """range(stop), range(start, stop), range(start, stop, step) as an array (for loops iterate it directly)."""
    if not 1 <= len(bounds) <= 3:
        raise ValueTypeError("range takes 1 to 3 whole numbers")
    r = range(*[to_int(b, "a range bound") for b in bounds])
    check_shape((len(r),))
    return np.array(r, dtype=np.float64)


def linspace(start, stop, num=50):
    """numpy's linspace, differentiable in its endpoints: value k is start + (stop - start) * k / (num - 1)."""
    start, stop = _bound(start, "the start of linspace"), _bound(stop, "the stop of linspace")
    n = to_int(num, "the number of points")
    check_shape((n,))
    values = np.linspace(float(strip(start)), float(strip(stop)), n)
    share = np.arange(n, dtype=np.float64) / (n - 1) if n > 1 else np.zeros(n)     # stop's share of value k
    return _moving_with(values, [(1.0 - share, start), (share, stop)])


def detach(x):
    return strip(x)


def _elementwise_test(fn, name: str):
    def test(x):
        x = _plain_numeric(x, f"the argument of {name}")
        check_elements(np.size(x))
        return plain(fn(x))
    return test


def _plain_numeric(v: Any, what: str) -> Any:
    """The plain value of a number or array argument (not differentiated), refusing anything else."""
    v = strip(v)
    require_numeric(v, what)
    return v


def any_(x):
    x = _plain_numeric(x, "the argument of any")
    check_elements(np.size(x))
    return bool(np.any(x))


def all_(x):
    x = _plain_numeric(x, "the argument of all")
    check_elements(np.size(x))
    return bool(np.all(x))


def _closeness(a, b, rtol, atol, name: str) -> tuple:
    """The plain arguments of isclose/allclose, with the comparison's temporaries admitted."""
    a, b = _plain_numeric(a, f"the first argument of {name}"), _plain_numeric(b, f"the second argument of {name}")
    rtol, atol = to_float(rtol, f"rtol of {name}"), to_float(atol, f"atol of {name}")
    if type(a) is ndarray or type(b) is ndarray:
        check_elements(broadcast_size(a, b))
    return a, b, rtol, atol


def allclose(a, b, rtol=1e-5, atol=1e-8):
    a, b = strip(a), strip(b)
    if np.shape(a) != np.shape(b) and not _broadcastable(np.shape(a), np.shape(b)):
        if not (is_numeric(a) and is_numeric(b)):
            _closeness(a, b, rtol, atol, "allclose")        # says which argument is wrong
        return False
    a, b, rtol, atol = _closeness(a, b, rtol, atol, "allclose")
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=False))


def isclose(a, b, rtol=1e-5, atol=1e-8):
    a, b, rtol, atol = _closeness(a, b, rtol, atol, "isclose")
    return plain(np.isclose(a, b, rtol=rtol, atol=atol))


def _broadcastable(s1: tuple, s2: tuple) -> bool:
    try:
        np.broadcast_shapes(s1, s2)
        return True
    except ValueError:
        return False


# ------------------------------------------------- derivatives inside the language

def _function_value(f: Any, what: str) -> Any:
    if not callable(f) or isinstance(f, ndarray):
        raise ValueTypeError(f"{what} needs a function as its first argument, not {type_name(f)}",
                             hint=f"e.g. {what}(lambda x: sum(x * x)), or the name of a def")
    return f


def _fixing_others(f, args: tuple, k: int):
    """f as a function of its k-th argument only, the others held at `args`."""
    def partial(z):
        return f(*args[:k], z, *args[k + 1:])
    return partial


def grad(f, argnums=0):
    """grad(f) is the gradient function of a scalar-valued f (of its first argument, or of argnums)."""
    from ..engine import transforms
    f = _function_value(f, "grad")
    return Builtin(f"grad({getattr(f, 'name', 'f')})",
                   lambda *args, **kwargs: transforms.grad(f, args, strip(argnums), kwargs), wraps=(f,))


def value_and_grad(f, argnums=0):
    from ..engine import transforms
    f = _function_value(f, "value_and_grad")
    return Builtin(f"value_and_grad({getattr(f, 'name', 'f')})",
                   lambda *args, **kwargs: transforms.value_and_grad(f, args, strip(argnums), kwargs), wraps=(f,))


def jacobian(f, argnums=0):
    """jacobian(f)(x): shape f(x).shape + x.shape, in the mode transforms.jacobian_mode chooses
    (reverse when f(x) has at most as many elements as x, else forward)."""
    from ..engine import transforms
    f = _function_value(f, "jacobian")

    def call(*args):
        k = to_int(argnums, "argnums")
        g = _fixing_others(f, args, k)
        x = args[k]
        return transforms.jacobian(g, x)[1]
    return Builtin(f"jacobian({getattr(f, 'name', 'f')})", call, wraps=(f,))


def hessian(f, argnums=0):
    from ..engine import transforms
    f = _function_value(f, "hessian")

    def call(*args):
        k = to_int(argnums, "argnums")
        return transforms.hessian(_fixing_others(f, args, k), args[k])[2]
    return Builtin(f"hessian({getattr(f, 'name', 'f')})", call, wraps=(f,))


def _as_tuple(v: Any) -> tuple:
    return strip(v) if isinstance(strip(v), tuple) else (v,)


def jvp(f, primals, tangents):
    """jvp(f, x, v) is the pair (f(x), J·v); for several arguments pass tuples: jvp(f, (x, y), (u, w))."""
    from ..engine import transforms
    return transforms.jvp(_function_value(f, "jvp"), _as_tuple(primals), _as_tuple(tangents))


def vjp(f, primals, cotangent):
    """vjp(f, x, v) is the pair (f(x), v·J); for several arguments pass a tuple of them."""
    from ..engine import transforms
    return transforms.vjp(_function_value(f, "vjp"), _as_tuple(primals), cotangent)


def _constants() -> dict:
    return {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan}


def _table() -> dict[str, Callable]:
    from .norms import norm
    from .sequences import enumerate_, zip_
    unary = {name: getattr(E, attr) for name, attr in [
        ("sin", "sin"), ("cos", "cos"), ("tan", "tan"), ("asin", "asin"), ("acos", "acos"),
        ("atan", "atan"), ("sinh", "sinh"), ("cosh", "cosh"), ("tanh", "tanh"), ("exp", "exp"),
        ("expm1", "expm1"), ("log", "log"), ("log1p", "log1p"), ("sqrt", "sqrt"), ("abs", "abs_"),
        ("sigmoid", "sigmoid"), ("softplus", "softplus"), ("relu", "relu"), ("sign", "sign"),
        ("floor", "floor"), ("ceil", "ceil"), ("round", "round_"),
    ]}
    return {
        **unary,
        "log2": _log_base(2.0), "log10": _log_base(10.0),
        "pow": E.pow_, "atan2": E.atan2, "hypot": E.hypot,
        "minimum": E.minimum, "maximum": E.maximum, "clip": clip, "where": where,
        "sum": _reduction(sum_), "prod": _reduction(A.prod), "mean": mean,
        "max": _extremum(A.amax, E.maximum), "min": _extremum(A.amin, E.minimum),
        "norm": norm, "logsumexp": _reduction(A.logsumexp), "softmax": softmax,
        "dot": dot, "matmul": matmul, "transpose": transpose, "outer": outer,
        "reshape": reshape_, "shape": shape, "len": length,
        "zeros": lambda *dims: np.zeros(to_shape(dims)),
        "ones": lambda *dims: np.ones(to_shape(dims)),
        "full": full, "eye": eye, "arange": arange, "linspace": linspace, "range": range_,
        "stack": stack, "concat": concat, "detach": detach,
        "any": any_, "all": all_, "isnan": _elementwise_test(np.isnan, "isnan"),
        "isfinite": _elementwise_test(np.isfinite, "isfinite"),
        "allclose": allclose, "isclose": isclose,
        "grad": grad, "value_and_grad": value_and_grad, "jacobian": jacobian, "hessian": hessian,
        "jvp": jvp, "vjp": vjp,
        "enumerate": enumerate_, "zip": zip_,
        **LINALG_BUILTINS,
        **ordering.TABLE, **shaping.TABLE,
        **SCIENTIFIC,
    }


BUILTINS: dict[str, Any] = {name: Builtin(name, fn) for name, fn in _table().items()}
BUILTINS.update(_constants())

# Builtins whose list-literal argument means "these values" rather than "this array":
# concat([a, b]) joins a and b even when they differ in length.
SPREAD_LIST_ARGUMENT = {"stack", "concat"} | shaping.SPREAD
