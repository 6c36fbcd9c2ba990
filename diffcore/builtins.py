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

from . import arrays as A
from . import elementwise as E
from .broadcasting import reshape, sum_, value_shape
from .errors import ShapeError, ValueTypeError
from .numeric import check_shape, ndarray, plain
from .tracing import Tracer, strip


class Builtin:
    """A builtin function value: what a program sees when it names `sin` or `sum`."""

    __slots__ = ("name", "fn", "doc", "unary", "wraps")

    def __init__(self, name: str, fn: Callable, doc: str = "", wraps: tuple = ()):
        self.name = name
        self.fn = fn
        self.doc = doc
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

def is_numeric(v: Any) -> bool:
    v = strip(v)
    return type(v) in (float, int, bool, ndarray) or isinstance(v, (np.floating, np.integer, np.bool_))


def require_numeric(v: Any, what: str) -> Any:
    if not is_numeric(v):
        raise ValueTypeError(f"{what} must be a number or an array, not {type_name(v)}")
    return v


def type_name(v: Any) -> str:
    v = strip(v)
    if v is None:
        return "nothing (a function that returned no value?)"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, ndarray):
        return f"an array of shape {shape_text(v.shape)}"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, tuple):
        return f"a tuple of {len(v)}"
    if callable(v):
        return "a function"
    return type(v).__name__


def shape_text(shape: tuple) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def to_int(v: Any, what: str) -> int:
    v = strip(v)
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer():
        return int(v)
    if isinstance(v, ndarray) and v.size == 1:
        return to_int(v.reshape(-1)[0], what)
    raise ValueTypeError(f"{what} must be a whole number, not {v!r}" if isinstance(v, float)
                         else f"{what} must be a whole number, not {type_name(v)}")


def to_float(v: Any, what: str) -> float:
    """A number the program passed where one plain number is needed (a bound, a tolerance)."""
    v = strip(v)
    if isinstance(v, ndarray) and v.size == 1:
        v = v.reshape(-1)[0]
    if isinstance(v, (bool, int, float, np.bool_, np.integer, np.floating)):
        return float(v)
    raise ValueTypeError(f"{what} must be a number, not {type_name(v)}")


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


def to_axis(axis: Any, ndim: int):
    """Canonical axis param: None, or a tuple of distinct non-negative ints below ndim."""
    if axis is None:
        return None
    items = strip(axis)
    items = tuple(items) if isinstance(items, (tuple, list, ndarray)) else (items,)
    out = []
    for item in items:
        k = to_int(item, "an axis")
        if not -ndim <= k < ndim:
            raise ShapeError(f"axis {k} is out of range for a value with {ndim} dimension"
                             f"{'' if ndim == 1 else 's'}")
        out.append(k % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {tuple(items)} repeats an axis")
    return tuple(out)


def _ndim(x: Any) -> int:
    return len(value_shape(x))


# ----------------------------------------------------------------- reductions

def _reduction(prim):
    def reduce(x, axis=None, keepdims=False):
        if x.__class__ is not float and not isinstance(x, Tracer):
            require_numeric(x, f"the argument of {prim.__name__}")
        if axis is None and not keepdims:
            return prim(x)              # default params are not recorded, which keeps the tape lean
        return prim(x, axis=to_axis(axis, _ndim(x)), keepdims=bool(strip(keepdims)))
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
    return E.div(sum_(x, axis=axis, keepdims=bool(keepdims)), _count(x, axis))


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
    require_numeric(a, "the first argument of dot")
    require_numeric(b, "the second argument of dot")
    if not value_shape(a) or not value_shape(b):
        return E.mul(a, b)
    return A.matmul(a, b)


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


def shape(x):
    return value_shape(x) if is_numeric(x) else (len(strip(x)),)


def length(x):
    v = strip(x)
    if isinstance(v, tuple):
        return len(v)
    s = value_shape(v)
    if not s:
        raise ValueTypeError("len() of a number", hint="len(x) is the size of the first axis of an array")
    return s[0]


def _flatten_args(xs: tuple, what: str) -> tuple:
    if len(xs) == 1 and isinstance(strip(xs[0]), tuple):
        xs = strip(xs[0])
    if not xs:
        raise ValueTypeError(f"{what} needs at least one value")
    for v in xs:
        require_numeric(v, f"each value given to {what}")
    return xs


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
    c = strip(cond)
    c = c.astype(bool) if isinstance(c, ndarray) else bool(c)
    return E.where(a, b, cond=c)


def full(*args):
    *dims, value = args
    if not dims:
        raise ValueTypeError("full needs a shape and a value, e.g. full(3, 0.5)")
    return E.mul(np.ones(to_shape(tuple(dims))), value)


def eye(n, m=None):
    n = to_int(n, "the size of eye")
    m = n if m is None else to_int(m, "the size of eye")
    check_shape((n, m))
    return np.eye(n, m)


def arange(start, stop=None, step=1.0):
    start, stop, step = (to_float(start, "a bound of arange"),
                         None if stop is None else to_float(stop, "a bound of arange"),
                         to_float(step, "the step of arange"))
    if stop is None:
        start, stop = 0.0, start
    if step == 0:
        raise ValueTypeError("arange step must not be zero")
    check_shape((max(0, math.ceil((stop - start) / step)),))
    return np.arange(start, stop, step, dtype=np.float64)


def range_(*bounds):
    """range(stop), range(start, stop), range(start, stop, step) as an array (for loops iterate it directly)."""
    if not 1 <= len(bounds) <= 3:
        raise ValueTypeError("range takes 1 to 3 whole numbers")
    r = range(*[to_int(b, "a range bound") for b in bounds])
    check_shape((len(r),))
    return np.array(r, dtype=np.float64)


def linspace(start, stop, num=50):
    n = to_int(num, "the number of points")
    check_shape((n,))
    return np.linspace(to_float(start, "a bound of linspace"), to_float(stop, "a bound of linspace"), n)


def detach(x):
    return strip(x)


def _elementwise_test(fn):
    return lambda x: plain(fn(strip(x)))


def any_(x):
    return bool(np.any(strip(x)))


def all_(x):
    return bool(np.all(strip(x)))


def allclose(a, b, rtol=1e-5, atol=1e-8):
    a, b = strip(a), strip(b)
    if np.shape(a) != np.shape(b) and not _broadcastable(np.shape(a), np.shape(b)):
        return False
    return bool(np.allclose(a, b, rtol=to_float(rtol, "rtol"), atol=to_float(atol, "atol"), equal_nan=False))


def isclose(a, b, rtol=1e-5, atol=1e-8):
    return plain(np.isclose(strip(a), strip(b), rtol=to_float(rtol, "rtol"), atol=to_float(atol, "atol")))


def _broadcastable(s1: tuple, s2: tuple) -> bool:
    try:
        np.broadcast_shapes(s1, s2)
        return True
    except ValueError:
        return False


# ------------------------------------------------- derivatives inside the language

def _function_value(f: Any, what: str) -> Any:
    if not callable(f) or isinstance(f, ndarray):
        raise ValueTypeError(f"{what} needs a function as its first argument, not {type_name(f)}")
    return f


def _fixing_others(f, args: tuple, k: int):
    """f as a function of its k-th argument only, the others held at `args`."""
    def partial(z):
        return f(*args[:k], z, *args[k + 1:])
    return partial


def grad(f, argnums=0):
    """grad(f) is the gradient function of a scalar-valued f (of its first argument, or of argnums)."""
    from . import transforms
    f = _function_value(f, "grad")
    return Builtin(f"grad({getattr(f, 'name', 'f')})",
                   lambda *args, **kwargs: transforms.grad(f, args, strip(argnums), kwargs), wraps=(f,))


def value_and_grad(f, argnums=0):
    from . import transforms
    f = _function_value(f, "value_and_grad")
    return Builtin(f"value_and_grad({getattr(f, 'name', 'f')})",
                   lambda *args, **kwargs: transforms.value_and_grad(f, args, strip(argnums), kwargs), wraps=(f,))


def jacobian(f, argnums=0):
    """jacobian(f)(x): shape f(x).shape + x.shape, by forward mode when x is the smaller side."""
    from . import transforms
    f = _function_value(f, "jacobian")

    def call(*args):
        k = to_int(argnums, "argnums")
        g = _fixing_others(f, args, k)
        x = args[k]
        return transforms.jacobian(g, x)[1]
    return Builtin(f"jacobian({getattr(f, 'name', 'f')})", call, wraps=(f,))


def hessian(f, argnums=0):
    from . import transforms
    f = _function_value(f, "hessian")

    def call(*args):
        k = to_int(argnums, "argnums")
        return transforms.hessian(_fixing_others(f, args, k), args[k])[2]
    return Builtin(f"hessian({getattr(f, 'name', 'f')})", call, wraps=(f,))


def _as_tuple(v: Any) -> tuple:
    return strip(v) if isinstance(strip(v), tuple) else (v,)


def jvp(f, primals, tangents):
    """jvp(f, x, v) is the pair (f(x), J·v); for several arguments pass tuples: jvp(f, (x, y), (u, w))."""
    from . import transforms
    return transforms.jvp(_function_value(f, "jvp"), _as_tuple(primals), _as_tuple(tangents))


def vjp(f, primals, cotangent):
    """vjp(f, x, v) is the pair (f(x), v·J); for several arguments pass a tuple of them."""
    from . import transforms
    return transforms.vjp(_function_value(f, "vjp"), _as_tuple(primals), cotangent)


def _constants() -> dict:
    return {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan}


def _table() -> dict[str, Callable]:
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
        "norm": _reduction(A.norm), "logsumexp": _reduction(A.logsumexp), "softmax": softmax,
        "dot": dot, "matmul": matmul, "transpose": transpose, "outer": outer,
        "reshape": reshape_, "shape": shape, "len": length,
        "zeros": lambda *dims: np.zeros(to_shape(dims)),
        "ones": lambda *dims: np.ones(to_shape(dims)),
        "full": full, "eye": eye, "arange": arange, "linspace": linspace, "range": range_,
        "stack": stack, "concat": concat, "detach": detach,
        "any": any_, "all": all_, "isnan": _elementwise_test(np.isnan),
        "isfinite": _elementwise_test(np.isfinite),
        "allclose": allclose, "isclose": isclose,
        "grad": grad, "value_and_grad": value_and_grad, "jacobian": jacobian, "hessian": hessian,
        "jvp": jvp, "vjp": vjp,
    }


BUILTINS: dict[str, Any] = {name: Builtin(name, fn) for name, fn in _table().items()}
BUILTINS.update(_constants())

# Builtins whose list-literal argument means "these values" rather than "this array":
# concat([a, b]) joins a and b even when they differ in length.
SPREAD_LIST_ARGUMENT = {"stack", "concat"}
