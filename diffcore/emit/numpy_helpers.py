"""The functions an emitted numpy module may define besides its own code: NUMPY_HELPERS.

    NUMPY_HELPERS   helper name -> its source (numpy only); the printer (printing.py) notes the
                    helpers a text calls, and the emitted module defines those
    engine_code(factory, functions, names)
                    the source of a helper made from the engine's own plain-value functions

Most are one-liners written here (a stable sigmoid, numpy's missing norm). The others are the
engine's own code: numpy has no erf, log-gamma, polygamma or derivatives of sinc (and scipy is
not a dependency), and eigh and svd are primitives with a packed result of the engine's layout.
An emitted module computes them with the very functions the engine computes them with
(engine/special_values.py, the forward functions of decompositions.py and elementwise_more.py),
their source read with `inspect`, together with every function and constant they use: one home
per algorithm. Those functions must be numpy and math only; anything else they name (a tracer,
an error class of the engine) is refused here, when the module is imported, so the tests see it.

A helper made from engine code is one function, `factory`, holding the engine's functions (so
that their names do not reach the module), followed by one assignment of the functions the
emitted code calls, each returning float64 (a numpy scalar for a number, so that division by
zero gives inf as in the rest of the module).
"""
from __future__ import annotations

import ast
import inspect
import math
import textwrap
import types

import numpy as np

from ..engine import decompositions, elementwise_more, special_values


class NotSelfContained(ValueError):
    """An engine function a helper would copy names something that is not numpy, math or plain data."""


def _plain_data(value) -> bool:
    if type(value) in (float, int, bool, str) or value is None:
        return True
    return type(value) in (list, tuple) and all(_plain_data(v) for v in value)


def _tree(fn) -> ast.Module:
    """The function's source, without its annotations (an emitted module does not hold their names)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            args = node.args
            for a in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                if a is not None:
                    a.annotation = None
            if isinstance(node, ast.FunctionDef):
                node.returns = None
    return tree


def _global_names(fn) -> list:
    """The names a function's source reads that are globals of its module (in order of use)."""
    tree = _tree(fn)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in fn.__globals__ \
                and node.id not in out:
            out.append(node.id)
    return out


def _closure(functions: list) -> tuple:
    """(constants: name -> source text, functions in the order found) that `functions` need."""
    constants: dict = {}
    found: dict = {}
    work = list(functions)
    while work:
        fn = work.pop(0)
        if fn.__name__ in found:
            if found[fn.__name__] is not fn:
                raise NotSelfContained(f"two functions named {fn.__name__!r}")
            continue
        if fn.__qualname__ != fn.__name__:
            raise NotSelfContained(f"{fn.__qualname__} is not a function of its module's top level")
        found[fn.__name__] = fn
        for name in _global_names(fn):
            value = fn.__globals__[name]
            if value is np or value is math:
                if name != value.__name__.replace("numpy", "np"):
                    raise NotSelfContained(f"{fn.__name__} reads {value.__name__} as {name!r}")
            elif isinstance(value, types.FunctionType) and value.__module__.startswith(__package__.rsplit(".", 1)[0]):
                work.append(value)
            elif _plain_data(value):
                constants[name] = repr(value)
            elif getattr(np, getattr(value, "__name__", ""), None) is value:
                constants[name] = f"np.{value.__name__}"
            else:
                raise NotSelfContained(f"{fn.__module__}.{fn.__name__} reads {name!r} ({type(value).__name__}), "
                                       "which an emitted module cannot hold")
    return constants, list(found.values())


def engine_code(factory: str, functions: dict) -> str:
    """The source of a helper: `factory()` defines the engine functions `functions` (name in the
    emitted code -> engine function) need and returns them; the names are then assigned."""
    constants, found = _closure(list(functions.values()))
    modules = sorted({fn.__module__.rsplit(".", 1)[-1] for fn in found})
    lines = [f"def {factory}():",
             f"    # autodiff's own code ({', '.join(m + '.py' for m in modules)}), as the engine runs it",
             "    import math", ""]
    lines += [f"    {name} = {text}" for name, text in constants.items()]
    for fn in found:
        lines += [""] + textwrap.indent(ast.unparse(_tree(fn)), "    ").split("\n")
    lines += ["", "    def float64(fn):",
              "        return lambda *args, **params: np.asarray(fn(*args, **params), dtype=np.float64)[()]",
              "",
              "    return " + ", ".join(f"float64({fn.__name__})" for fn in functions.values()), "", "",
              f"{', '.join(functions)} = {factory}()", ""]
    return "\n".join(lines)


# Functions the numpy text may call, by the name of the helper that defines them (printing.py's
# entries add the helper's name to `Printer.helpers`): the emitted module defines those it uses.
NUMPY_HELPERS = {
    "_sigmoid": "def _sigmoid(x):\n    z = np.exp(-np.abs(x))\n"
                "    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))\n",
    "_softplus": "def _softplus(x):\n    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))\n",
    "_logsumexp": "def _logsumexp(x, axis=None, keepdims=False):\n"
                  "    x = np.asarray(x, dtype=np.float64)\n"
                  "    if x.ndim == 0:\n        return x + 0.0\n"
                  "    top = np.max(x, axis=axis, keepdims=True)\n"
                  "    top = np.where(np.isfinite(top), top, 0.0)\n"
                  "    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top\n"
                  "    return out if keepdims else np.squeeze(out, axis=axis)\n",
    "_norm": "def _norm(x, axis=None, keepdims=False):\n"
             "    return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims))\n",
    # basic indexing (slices, whole numbers) reaches each element once: `+=` is then np.add.at's
    # result, 20x faster (Rosenbrock's gradient at n = 10^6: 2 x 25 ms -> 2 x 1 ms)
    "_scatter_add": "def _scatter_add(g, index, shape):\n    out = np.zeros(shape)\n"
                    "    if all(isinstance(q, (slice, int)) for q in index):\n        out[index] += g\n"
                    "    else:\n        np.add.at(out, index, g)\n    return out\n",
    "_index_set": "def _index_set(x, v, index):\n    out = np.array(x, dtype=np.float64)\n"
                  "    out[index] = v\n    return out\n",
    # _erf(x), _erfc(x), _gammaln(x), _polygamma(n, x), _sinc(n, x) (the n-th derivative of sinc)
    "_special": engine_code("_special", {
        "_erf": special_values.erf_array, "_erfc": special_values.erfc_array,
        "_gammaln": special_values.lgamma_array, "_polygamma": special_values.polygamma,
        "_sinc": special_values.sinc_derivative}),
    # the packed results of the factorisations (decompositions.py), and xlogy
    "_factor": engine_code("_factor", {
        "_cholesky": decompositions.cholesky_value, "_eigh": decompositions.eigh_value,
        "_svd": decompositions.svd_value}),
    # the zero-cotangent rule (absorb.py): an exact 0 factor, or numerator, gives 0 even against
    # inf or nan, as the tape's cot_mul and cot_div; a number stays a number (no builtin called:
    # the compiled engine's namespace has none)
    "_zmul": "def _zmul(a, b):\n    p = a * b\n    if np.ndim(p):\n"
             "        return p if np.isfinite(p).all() else np.where((a == 0) | (b == 0), 0.0, p)\n"
             "    if p - p == 0 or (a != 0 and b != 0):\n        return p\n"
             "    return (a * 0.0 if a == 0 else b * 0.0) + 0.0\n",
    "_zdiv": "def _zdiv(a, b):\n    if np.ndim(a) or np.ndim(b):\n"
             "        q = a / b\n        return q if np.isfinite(q).all() else np.where(a == 0, 0.0, q)\n"
             "    if a == 0 and not (b != 0 and b - b == 0):\n        return a * 0.0 + 0.0\n"
             "    return a / b\n",
    "_xlogy": engine_code("_xlogy_code", {"_xlogy": elementwise_more.xlogy_value}),
}
