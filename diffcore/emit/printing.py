"""Expressions as text: the autodiff language, or numpy Python.

    to_language(node, names)    `2*x*sin(x) + x^2*cos(x)`: text that `autodiff eval` parses back
    to_numpy(node, names)       `2*x*np.sin(x) + x**2*np.cos(x)`: a Python expression over `np`
                                (and the helpers of NUMPY_HELPERS it names, see `Printer.helpers`)
    common_subexpressions(roots, min_calls)
                                the nodes worth a name: used more than once, with at least
                                `min_calls` calls in them; each after those it contains
    Printer(target, names)      one printer; `names` maps id(node) -> a name printed in its place

Every primitive the rules call has one entry in PRINTING, the only table of how a primitive is
written: an infix operator (with its precedence and associativity), a prefix minus, a function
of the language and its numpy spelling, or a function of its own for what the language writes
another way (broadcast_to as `x + zeros(2, 3)`, scatter_add as a product with a constant 0/1
matrix, index_set as `where`). Parentheses appear only where precedence needs them. Numbers
are written so they read back exactly (repr of the float, `2` for 2.0 in the language).

In numpy text, division by a number zero gives inf only on numpy values: evaluate with numpy
float64 or arrays (as the emitted modules do), under `np.errstate(all="ignore")`.
"""
from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from . import matrix_text
from .literals import (ADD, ATOM, LANGUAGE, MUL, POWER, PYTHON, UNARY, NotPrintable,  # noqa: F401  (printing's face)
                       array_text, axis_text, index_text, number_text, shape_args)
from .numpy_helpers import NUMPY_HELPERS  # noqa: F401  (the helpers the printer names)
from .symbolic import Const, Expr, postorder
# ---------------------------------------------------------------- entries

class Entry:
    """How one primitive is written. kind: 'infix', 'prefix', 'call' or 'special'."""

    __slots__ = ("kind", "symbol", "python", "prec", "right", "special")

    def __init__(self, kind: str, symbol: str = "", python: str = "", prec: int = ATOM, right: bool = False,
                 special: Optional[Callable] = None):
        self.kind, self.symbol, self.python, self.prec, self.right = kind, symbol, python, prec, right
        self.special = special


def _infix(symbol: str, prec: int, python: Optional[str] = None, right: bool = False) -> Entry:
    return Entry("infix", symbol, python or symbol, prec, right)


def _fn(name: str, python: str) -> Entry:
    return Entry("call", name, python)


def _special(fn: Callable) -> Entry:
    return Entry("special", special=fn)


def _reduction(name: str, python: str) -> Entry:
    def write(p: "Printer", node) -> tuple:
        x = p.text(node.args[0], 0)
        axis, keep = node.params.get("axis"), node.params.get("keepdims", False)
        extra = ""
        if axis is not None:
            extra += ", axis=" + (axis_text(axis) if p.target == LANGUAGE else repr(tuple(axis)))
        if keep:
            extra += ", keepdims=" + ("true" if p.target == LANGUAGE else "True")
        if p.target == PYTHON and python.startswith("_"):
            p.helpers.add(python)
        return f"{name if p.target == LANGUAGE else python}({x}{extra})", ATOM
    return _special(write)


def _reshape(p: "Printer", node) -> tuple:
    x = p.text(node.args[0], 0)
    shape = node.params["shape"]
    if p.target == LANGUAGE:
        return (f"reshape({x}, {shape_args(shape)})" if shape else f"reshape({x})"), ATOM
    return f"np.reshape({x}, {tuple(int(n) for n in shape)!r})", ATOM


def _broadcast_to(p: "Printer", node) -> tuple:
    shape = node.params["shape"]
    if p.target == LANGUAGE:
        return f"{p.text(node.args[0], ADD)} + zeros({shape_args(shape)})", ADD
    return f"np.broadcast_to({p.text(node.args[0], 0)}, {tuple(int(n) for n in shape)!r})", ATOM


def _transpose(p: "Printer", node) -> tuple:
    x = p.text(node.args[0], 0)
    axes = node.params.get("axes")
    if p.target == LANGUAGE:
        return (f"transpose({x})" if axes is None else f"transpose({x}, {shape_args(axes)})"), ATOM
    return (f"np.transpose({x})" if axes is None else f"np.transpose({x}, {tuple(axes)!r})"), ATOM


def _getitem(p: "Printer", node) -> tuple:
    return f"{p.text(node.args[0], ATOM)}[{index_text(node.params['index'], p.target)}]", ATOM


def _where(p: "Printer", node) -> tuple:
    cond = node.params["cond"]
    name = getattr(cond, "emit_name", None)         # a variable of emitted code (naming.NamedArray)
    c = name if name is not None else array_text(np.asarray(cond), p.target) if np.ndim(cond) else \
        (("true" if cond else "false") if p.target == LANGUAGE else repr(bool(cond)))
    a, b = (p.text(x, 0) for x in node.args)
    return f"{'where' if p.target == LANGUAGE else 'np.where'}({c}, {a}, {b})", ATOM


def _incidence(index, shape: tuple, keep_last: bool) -> tuple:
    """(M, selection shape): M[i, j] = 1 where element j of x[index] is element i of x (flat)."""
    positions = np.arange(math.prod(shape)).reshape(shape)[index]
    selection = positions.shape
    flat = positions.reshape(-1)
    M = np.zeros((math.prod(shape), flat.size))
    if keep_last:           # index_set: the last write to a position is the one that stays
        last = {}
        for j, i in enumerate(flat):
            last[int(i)] = j
        for i, j in last.items():
            M[i, j] = 1.0
    else:
        np.add.at(M, (flat, np.arange(flat.size)), 1.0)
    return M, selection


def _scattered(p: "Printer", v: Expr, index, shape: tuple, keep_last: bool) -> tuple:
    """The language text of a zero array of `shape` with `v` added (or written) at `index`."""
    M, selection = _incidence(index, shape, keep_last)
    k = M.shape[1]
    if v.shape == () and not keep_last:
        ones = M.sum(axis=1).reshape(shape)
        return f"{p.text(v, MUL)}*{array_text(ones, LANGUAGE)}", MUL
    if v.shape != selection:
        vtext = f"{p.text(v, ADD)} + zeros({shape_args(selection)})"
    else:
        vtext = p.text(v, 0)
    flat = f"{array_text(M, LANGUAGE)} @ reshape({vtext}, {k})"
    return (f"reshape({flat}, {shape_args(shape)})" if shape else f"reshape({flat})"), ATOM


def _named_mask(index, shape: tuple) -> Optional[str]:
    """For an index with variables of emitted code (emit_name) in its leading whole-number parts,
    followed by whole slices: the language text of the positions it selects, `where`'s test over
    `shape`. None when the index has no such variable."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(getattr(q, "emit_name", None) is not None for q in parts):
        return None
    terms = []
    for axis, q in enumerate(parts):
        if isinstance(q, slice) and q == slice(None):
            continue
        if isinstance(q, slice) or isinstance(q, np.ndarray) or q is None or q is Ellipsis:
            raise NotPrintable("an index mixing a variable with slices or arrays, in the language")
        at = getattr(q, "emit_name", None) or str(int(q))
        dims = [1] * len(shape)
        dims[axis] = shape[axis]
        terms.append(f"reshape(where(arange({shape[axis]}) == {at}, 1, 0), {shape_args(dims)})")
    return "*".join(terms) + " > 0"


def _scatter_add(p: "Printer", node) -> tuple:
    index, shape = node.params["index"], node.params["shape"]
    mask = _named_mask(index, shape) if p.target == LANGUAGE else None
    if mask is not None:
        return f"where({mask}, {p.text(node.args[0], 0)}, 0)", ATOM
    if p.target == PYTHON:
        p.helpers.add("_scatter_add")
        return (f"_scatter_add({p.text(node.args[0], 0)}, ({index_text(index, PYTHON, False)},), "
                f"{tuple(int(n) for n in shape)!r})"), ATOM
    return _scattered(p, node.args[0], index, shape, keep_last=False)


def _index_set(p: "Printer", node) -> tuple:
    x, v = node.args
    index = node.params["index"]
    if p.target == PYTHON:
        p.helpers.add("_index_set")
        return f"_index_set({p.text(x, 0)}, {p.text(v, 0)}, ({index_text(index, PYTHON, False)},))", ATOM
    mask = _named_mask(index, x.shape)
    if mask is not None:
        return f"where({mask}, {p.text(v, 0)}, {p.text(x, 0)})", ATOM
    kept = np.ones(x.shape, dtype=bool)
    kept[index] = False
    written, _ = _scattered(p, v, index, x.shape, keep_last=True)
    return f"where({array_text(kept, LANGUAGE)}, {p.text(x, 0)}, {written})", ATOM


def _joined(name: str) -> Entry:
    def write(p: "Printer", node) -> tuple:
        items = ", ".join(p.text(a, 0) for a in node.args)
        axis = node.params.get("axis", 0)
        if p.target == LANGUAGE:
            return f"{name}({items}, axis={axis})", ATOM
        return f"np.{'concatenate' if name == 'concat' else name}(({items},), axis={axis})", ATOM
    return _special(write)


def _helper(name: str, function: str, helper: str = "") -> Entry:
    """A builtin of the language that numpy text calls as `function`, defined by NUMPY_HELPERS[helper]."""
    def write(p: "Printer", node) -> tuple:
        args = ", ".join(p.text(a, 0) for a in node.args)
        if p.target == PYTHON:
            p.helpers.add(helper or function)
            return f"{function}({args})", ATOM
        return f"{name}({args})", ATOM
    return _special(write)


def _ordered(name: str, function: str) -> Entry:
    """A family of primitives with the param `order` (polygamma, sinc's derivatives): numpy text
    calls `function(order, x)` of the helper `_special`; the language, `name(order, x)`."""
    def write(p: "Printer", node) -> tuple:
        x, n = p.text(node.args[0], 0), int(node.params.get("order", 0))
        if p.target == PYTHON:
            if name == "sinc" and n == 0:
                return f"np.sinc({x})", ATOM
            p.helpers.add("_special")
            return f"{function}({n}, {x})", ATOM
        if name == "sinc":
            if n:
                raise NotPrintable(f"the derivative of sinc (of order {n}): the language has no builtin for it",
                                   hint="emit --to python writes it (with autodiff's own code of it)", op="sinc")
            return f"sinc({x})", ATOM
        return f"{name}({n}, {x})", ATOM
    return _special(write)


def _scan(name: str) -> Entry:
    def write(p: "Printer", node) -> tuple:
        axis = node.params.get("axis")
        extra = "" if axis is None else f", axis={int(axis)}"
        return f"{name if p.target == LANGUAGE else 'np.' + name}({p.text(node.args[0], 0)}{extra})", ATOM
    return _special(write)


PRINTING: dict = {
    "add": _infix("+", ADD), "sub": _infix("-", ADD),
    "mul": _infix("*", MUL), "cot_mul": _special(lambda p, node: p.absorbing(node, "*")),
    "div": _infix("/", MUL), "cot_div": _special(lambda p, node: p.absorbing(node, "/")),
    "matmul": _infix("@", MUL), "cot_matmul": _infix("@", MUL),
    "pow": _infix("^", POWER, "**", right=True),
    "neg": Entry("prefix", "-", "-", UNARY),
    "mod": _infix("%", MUL),
    "sin": _fn("sin", "np.sin"), "cos": _fn("cos", "np.cos"), "tan": _fn("tan", "np.tan"),
    "asin": _fn("asin", "np.arcsin"), "acos": _fn("acos", "np.arccos"), "atan": _fn("atan", "np.arctan"),
    "sinh": _fn("sinh", "np.sinh"), "cosh": _fn("cosh", "np.cosh"), "tanh": _fn("tanh", "np.tanh"),
    "exp": _fn("exp", "np.exp"), "expm1": _fn("expm1", "np.expm1"), "log": _fn("log", "np.log"),
    "log1p": _fn("log1p", "np.log1p"), "sqrt": _fn("sqrt", "np.sqrt"), "abs": _fn("abs", "np.abs"),
    "atan2": _fn("atan2", "np.arctan2"), "hypot": _fn("hypot", "np.hypot"),
    "maximum": _fn("maximum", "np.maximum"), "minimum": _fn("minimum", "np.minimum"),
    "relu": _special(lambda p, node: (f"relu({p.text(node.args[0], 0)})", ATOM) if p.target == LANGUAGE
                     else (f"np.maximum({p.text(node.args[0], 0)}, 0.0)", ATOM)),
    "sigmoid": _helper("sigmoid", "_sigmoid"), "softplus": _helper("softplus", "_softplus"),
    "asinh": _fn("asinh", "np.arcsinh"), "acosh": _fn("acosh", "np.arccosh"), "atanh": _fn("atanh", "np.arctanh"),
    "fmax": _fn("fmax", "np.fmax"), "fmin": _fn("fmin", "np.fmin"), "xlogy": _helper("xlogy", "_xlogy"),
    "erf": _helper("erf", "_erf", "_special"), "erfc": _helper("erfc", "_erfc", "_special"),
    "gammaln": _helper("gammaln", "_gammaln", "_special"),
    "polygamma": _ordered("polygamma", "_polygamma"), "sinc": _ordered("sinc", "_sinc"),
    "cumsum": _scan("cumsum"), "cumprod": _scan("cumprod"), "einsum": _special(matrix_text.einsum),
    "solve": _fn("solve", "np.linalg.solve"), "det": _fn("det", "np.linalg.det"),
    "slogdet": _special(matrix_text.slogdet), "pinv": _special(matrix_text.pinv),
    "cholesky": _special(matrix_text.factorisation("cholesky")),
    "eigh": _special(matrix_text.factorisation("eigh")), "svd": _special(matrix_text.factorisation("svd")),
    "sum": _reduction("sum", "np.sum"), "prod": _reduction("prod", "np.prod"),
    "max": _reduction("max", "np.max"), "min": _reduction("min", "np.min"),
    "norm": _reduction("norm", "_norm"), "logsumexp": _reduction("logsumexp", "_logsumexp"),
    "reshape": _special(_reshape), "broadcast_to": _special(_broadcast_to),
    "transpose": _special(_transpose), "getitem": _special(_getitem), "where": _special(_where),
    "scatter_add": _special(_scatter_add), "index_set": _special(_index_set),
    "stack": _joined("stack"), "concat": _joined("concat"),
}

_PLAIN = {"*": _infix("*", MUL), "/": _infix("/", MUL)}      # cot_mul, cot_div where nothing can absorb

# ---------------------------------------------------------------- printer

class Printer:
    """Writes nodes as text of one target; `names` (id -> name) are printed in place of nodes."""

    def __init__(self, target: str = LANGUAGE, names: Optional[dict] = None, finiteness=None):
        if target not in (LANGUAGE, PYTHON):
            raise ValueError(f"unknown target {target!r}")
        self.target = target
        # absorb.Finiteness: a derivative's product that can meet 0*inf is written _zmul / _zdiv;
        # None (formulas): always `*` and `/`
        self.finiteness = finiteness
        self.names = names or {}
        self.helpers: set = set()      # the NUMPY_HELPERS the text calls
        self.tuples: dict = {}         # id(node) -> the name of the tuple eigh/svd returned (language)
        self.memo: dict = {}

    def __call__(self, node: Expr, define: bool = False) -> str:
        """The text of `node` (its own expression if `define`, even where it has a name)."""
        if define:
            return self._write(node)[0]
        return self.text(node, 0)

    def text(self, node: Expr, context: int, right_side: bool = False) -> str:
        """The text of `node` as an operand where precedence `context` is needed."""
        name = self.names.get(id(node))
        if name is not None:
            return name
        key = id(node)
        if key not in self.memo:
            # children first, without recursion, so long chains (a sum of 1000 terms) print
            for n in postorder([node]):
                if id(n) not in self.memo and id(n) not in self.names:
                    self.memo[id(n)] = self._write(n)
        text, prec = self.memo[key]
        if prec < context or (right_side and prec == context):
            return f"({text})"
        return text

    def _write(self, node: Expr) -> tuple:
        t = self.target
        if node.op == "var":
            return node.name, ATOM
        if isinstance(node, Const):
            v = node.value
            if type(v) is float:
                text = number_text(v, t)
                return text, (UNARY if text.startswith("-") else ATOM)
            return array_text(v, t), ATOM
        entry = PRINTING.get(node.op)
        if entry is None:
            raise NotPrintable(f"no way to write the primitive {node.op!r}", op=node.op)
        if entry.kind == "infix":
            return self.infix(entry, node)
        if entry.kind == "prefix":
            x = node.args[0]
            if x.op in ("mul", "cot_mul", "div", "cot_div") and self.names.get(id(x)) is None:
                # -(a*b) is (-a)*b exactly: no parentheses, and the result reads as a product
                inner, prec = self.memo.get(id(x)) or self._write(x)
                return f"-{inner}", MUL
            return f"-{self.text(x, UNARY)}", UNARY
        if entry.kind == "call":
            name = entry.symbol if t == LANGUAGE else entry.python
            return f"{name}({', '.join(self.text(a, 0) for a in node.args)})", ATOM
        return entry.special(self, node)

    def absorbing(self, node: Expr, symbol: str) -> tuple:
        """A derivative rule's product or quotient: its helper where 0 can meet inf (absorb.py)."""
        helper = self.finiteness.helper(node) if self.finiteness is not None else None
        if helper is None:
            return self.infix(_PLAIN[symbol], node)
        self.helpers.add(helper)
        return f"{helper}({self.text(node.args[0], 0)}, {self.text(node.args[1], 0)})", ATOM

    def infix(self, entry: Entry, node: Expr) -> tuple:
        t = self.target
        symbol = entry.symbol if t == LANGUAGE else entry.python
        a, b = node.args
        if entry.right:         # power: (a^b)^c and (-a)^b need parentheses, a^-b does not
            left = self.text(a, entry.prec + 1)
            if isinstance(b, Const) and type(b.value) is float and b.value.is_integer() \
                    and abs(b.value) < 1e16 and id(b) not in self.names:
                right = str(int(b.value))      # x**2, not x**2.0
                right = f"({right})" if right.startswith("-") and t == PYTHON else right
            else:
                right = self.text(b, UNARY)
        else:
            left = self.text(a, entry.prec)
            right = self.text(b, entry.prec, right_side=True)
        space = " " if entry.prec == ADD else ""
        if symbol == "@":
            space = " "
        return f"{left}{space}{symbol}{space}{right}", entry.prec


def to_language(node: Expr, names: Optional[dict] = None) -> str:
    return Printer(LANGUAGE, names)(node)


def to_numpy(node: Expr, names: Optional[dict] = None) -> str:
    return Printer(PYTHON, names)(node)


def calls_in(node: Expr) -> int:
    """How many calls the expression of `node` holds (shared nodes counted once)."""
    return sum(1 for n in postorder([node]) if n.op not in ("var", "const"))


def common_subexpressions(roots: list, min_calls: int = 3) -> list:
    """The nodes used more than once under `roots` (as an argument, or as two roots) that hold
    at least `min_calls` calls: the ones worth a name. Each comes after those inside it."""
    count: dict = {}
    for node in postorder(roots):
        for a in node.args:
            count[id(a)] = count.get(id(a), 0) + 1
    for r in roots:
        count[id(r)] = count.get(id(r), 0) + 1
    return [n for n in postorder(roots)
            if count.get(id(n), 0) > 1 and n.op not in ("var", "const") and calls_in(n) >= min_calls]
