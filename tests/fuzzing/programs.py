"""Random well-formed autodiff programs, built as ASTs, and a printer back to source text.

Test-only code. `programs()` is a hypothesis strategy for `Generated` values:
a `Module` of `autodiff.grammar.ast` nodes (every span is a dummy; the parser
gives real ones back), the value of every input, and `to_source` prints it.
The tests parse the printed text with the real parser and compare the two
trees with `strip_spans`, which checks the printer and the parser together.

The generator is typed by shape: each expression is drawn for a shape it must
have (a number `()`, a vector `(n,)` or a matrix `(r, c)` with sides 1 to 3),
so nearly every program runs; with a small probability (`wild`) an operand of
a random shape is used instead, to exercise the shape errors too. Names are
drawn from disjoint families so that they never collide with builtins or
reserved words: inputs `x0 x1 ...`, variables `t0 t1 ...`, functions `f0 ...`,
parameters `p0 ...`, loop counters `i0 ...` and `w0 ...`.

What the programs contain: inputs (declared with and without defaults, and
implicit ones that are read but never assigned), arithmetic with + - * / ^
(with broadcasting), elementwise functions (mostly on safe domains:
log/sqrt of positive expressions; sometimes raw, so that domain errors give
non-finite values), reductions, constant and loop-variable indexing, slices,
matmul of compatible shapes, transpose, outer, reshape, concat, list
literals of expressions (vectors, and matrices from rows), comparisons and
`a if c else b`, if/elif/else, `for i in range(k)` with augmented and element
assignments, bounded `while` loops, break/continue, user functions with
defaults, lambdas called on the spot, and `grad(f)(x)` inside the program.
Non-smooth operations (abs, relu, max, min, comparisons) are in there too: the
gradient test detects the points where the function is not smooth.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
from hypothesis import strategies as st

from autodiff.grammar import ast
from autodiff.grammar.ast import Span

SPAN = Span(0, 0, 0, 0)

Shape = tuple

# ----------------------------------------------------------------- node helpers


def num(value: float) -> ast.Expr:
    """A number literal; negative values become unary minus (the grammar has no negative literals)."""
    if value < 0 or (value == 0 and math.copysign(1.0, value) < 0):
        return ast.UnaryOp(SPAN, "-", ast.Number(SPAN, -value))
    return ast.Number(SPAN, float(value))


def name(id_: str) -> ast.Name:
    return ast.Name(SPAN, id_)


def binop(op: str, left, right) -> ast.BinaryOp:
    return ast.BinaryOp(SPAN, op, left, right, SPAN)


def call(func: str, *args, **kwargs) -> ast.Call:
    return ast.Call(SPAN, name(func), tuple(args),
                    tuple(ast.Keyword(SPAN, k, v) for k, v in kwargs.items()))


def index(target, *indices) -> ast.Index:
    return ast.Index(SPAN, target, tuple(indices))


def listlit(items) -> ast.ListLiteral:
    return ast.ListLiteral(SPAN, tuple(items))


def compare(ops, operands) -> ast.Compare:
    return ast.Compare(SPAN, tuple(ops), tuple(operands))


# --------------------------------------------------------------------- scopes

@dataclass
class Function:
    name: str
    params: list            # shapes of the parameters
    defaults: int           # how many trailing parameters have a default
    result: Shape


@dataclass
class Scope:
    """What the generator knows at one point of the program it is writing."""
    variables: dict = field(default_factory=dict)     # name -> shape (readable)
    assignable: set = field(default_factory=set)      # names that may be updated (not inputs, not params)
    functions: list = field(default_factory=list)
    loop_bounds: dict = field(default_factory=dict)   # loop variable -> k of range(k)
    in_loop: bool = False
    counter: list = field(default_factory=lambda: [0])  # shared between nested scopes

    def child(self, in_loop: Optional[bool] = None) -> "Scope":
        return Scope(dict(self.variables), set(self.assignable), list(self.functions),
                     dict(self.loop_bounds), self.in_loop if in_loop is None else in_loop, self.counter)

    def fresh(self, prefix: str) -> str:
        self.counter[0] += 1
        return f"{prefix}{self.counter[0]}"

    def of_shape(self, shape: Shape) -> list:
        return sorted(n for n, s in self.variables.items() if s == shape)


class Generated:
    """A generated program: the tree, and the value of each input (as --at would give it).

    With the classes of issue 11 (`programs(extra=True)`) it also carries:
    `twins`, {id(node): (node, equivalent node)}: another spelling of the same
    value for some nodes (a boolean mask and the integer indices it selects,
    `dot` of arrays above 2-D and the sum it stands for, ...), which
    `rewrites.with_twins` substitutes; `features`, the classes the program
    uses (for the statistics and to recognise known bugs); `custom`, the
    functions with a `backward` rule; and `surrogate`, whether one of those
    rules is not the derivative of its function (straight-through and the
    like), so that finite differences do not apply, only the agreement of
    every way of computing the derivative the rule defines.
    """

    __slots__ = ("module", "inputs", "raw", "twins", "features", "custom", "surrogate")

    def __init__(self, module: ast.Module, inputs: dict, raw: bool = False, twins: Optional[dict] = None,
                 features: frozenset = frozenset(), custom: frozenset = frozenset(), surrogate: bool = False):
        self.module = module
        self.inputs = inputs    # name -> float or float64 array
        self.raw = raw          # operations may leave their domains (see `programs`)
        self.twins = twins or {}
        self.features = features
        self.custom = custom
        self.surrogate = surrogate

    @property
    def source(self) -> str:
        return to_source(self.module)

    def __repr__(self) -> str:   # what hypothesis prints for a falsifying example
        at = ", ".join(f"{k}={_value_text(v)}" for k, v in self.inputs.items())
        classes = f", classes: {' '.join(sorted(self.features))}" if self.features else ""
        return f"Generated({'raw, ' if self.raw else ''}inputs: {at or 'none'}{classes})\n{self.source}"

    def _repr_pretty_(self, printer, cycle) -> None:   # hypothesis prints examples with this
        printer.text(repr(self))


def _value_text(v: Any) -> str:
    return repr(float(v)) if np.ndim(v) == 0 else repr(np.asarray(v).tolist())


# ---------------------------------------------------------------- primitives

SHAPES = [(), (), (), (1,), (2,), (3,), (2,), (3,), (2, 2), (2, 3), (3, 2), (1, 3), (3, 1)]
# Input values: many round ones (0 and +-1 hit special cases of derivative rules).
VALUES = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 0.25, 1.5, -1.5, 3.0]),
    st.floats(-2.5, 2.5, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 3)),
)
CONSTANTS = st.one_of(
    st.sampled_from([0.0, 1.0, 2.0, 0.5, 3.0, 0.1, 10.0, 1e-3]),
    st.floats(0.0, 4.0, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 2)),
)

# ---------------------------------------------------------------- the vocabulary
# The builtins the generator calls, in the lists its productions draw from (a name twice is drawn
# twice as often; the order is the shrinking order). tests/test_registry.py checks the vocabulary
# against the language's builtins and the engine's primitives, so that a new builtin or primitive
# is fuzzed, or said not to be (NOT_FUZZED).
SMOOTH_UNARY = ["sin", "cos", "tanh", "sigmoid", "atan", "exp", "softplus", "sinh", "cosh", "expm1"]
POSITIVE_DOMAIN = ["log", "sqrt", "log2", "log10"]
RARE_UNARY = ["abs", "relu", "tan", "asin", "acos", "log1p", "floor", "sign"]
BINARY_BUILTINS = ["minimum", "maximum", "pow", "atan2", "hypot", "clip", "%"]       # "%": the operator
REDUCTIONS = ["sum", "mean", "prod", "norm", "max", "sum", "mean", "logsumexp", "min"]
AXIS_REDUCTIONS = ["sum", "mean", "sum", "max", "prod"]
KEPT_DIMS_REDUCTIONS = ["sum", "mean", "max", "logsumexp"]
# Called by name in the productions: shapes and products, derivatives inside the program, loops,
# print and assert.
OTHER_BUILTINS = ["softmax", "stack", "concat", "dot", "matmul", "transpose", "outer", "reshape", "where",
                  "grad", "value_and_grad", "jacobian", "hessian", "jvp", "vjp", "range", "print", "all",
                  "isfinite", "enumerate", "zip"]
# Called by the productions of issue 11's classes (programs(extra=True)): differentiated constructor
# arguments, and the step function of a straight-through custom rule.
EXTRA_BUILTINS = ["linspace", "arange", "full", "round"]
# Linear algebra (programs(extra=True), `linear_algebra`): on matrices made well conditioned.
LINALG_BUILTINS = ["solve", "inv", "det", "slogdet", "pinv", "cholesky", "eigh", "svd", "einsum", "tensordot",
                   "inner", "kron", "cross", "trace", "diag"]
# Order, selection and shapes (issue 14), called by `Gen.rearranged` (programs(extra=True)).
REARRANGING = ["sort", "argsort", "argmax", "argmin", "topk", "take", "take_along_axis", "flip", "roll", "tile",
               "repeat", "pad", "tril", "triu", "squeeze", "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d",
               "moveaxis", "swapaxes", "split", "array_split", "vstack", "hstack", "dstack", "column_stack"]
# Called by the production of issue 14's statistics and special functions (`scientific`, extra).
SCIENTIFIC_UNARY = ["erf", "erfc", "sinc", "asinh", "nan_to_num", "float", "int"]
SCIENTIFIC_POSITIVE = ["gammaln", "digamma"]
SCIENTIFIC_BINARY = ["logaddexp", "logaddexp2", "fmax", "fmin"]
SCIENTIFIC_VECTOR = ["cumsum", "cumprod", "diff", "log_softmax"]
SCIENTIFIC_STATISTICS = ["var", "std"]
SCIENTIFIC_BUILTINS = (SCIENTIFIC_UNARY + SCIENTIFIC_POSITIVE + SCIENTIFIC_BINARY + SCIENTIFIC_VECTOR
                       + SCIENTIFIC_STATISTICS + ["polygamma", "xlogy", "acosh", "atanh"])
VOCABULARY = frozenset(SMOOTH_UNARY + POSITIVE_DOMAIN + RARE_UNARY + BINARY_BUILTINS + REDUCTIONS
                       + AXIS_REDUCTIONS + KEPT_DIMS_REDUCTIONS + OTHER_BUILTINS + EXTRA_BUILTINS
                       + LINALG_BUILTINS + REARRANGING + SCIENTIFIC_BUILTINS) - {"%"}
# The operators and forms of the language the generator writes (besides calls).
OPERATORS = frozenset(["+", "-", "*", "/", "^", "%", "//", "@", "unary -", "x[i]", "x[i] = v", "[a, b]",
                       "a if c else b", "x[:, None]", "x[..., i]", "+= -= *= /= **= //= %= @=",
                       "for a, b in rows", "for i, (a, b) in enumerate(zip(...))"])
# The builtins the generator never calls, and why.
NOT_FUZZED = {
    "ceil": "a step function like floor and sign, which are fuzzed: derivative 0, a jump at integers",
    "zeros": "constructors of constants: no derivative to check",
    "ones": "constructors of constants: no derivative to check",
    "eye": "constructors of constants: no derivative to check",
    "shape": "a program's shapes are fixed by the generator's types",
    "len": "a program's shapes are fixed by the generator's types",
    "detach": "stops the gradient, which finite differences of the program would not see",
    "any": "a truth value of plain values; all(isfinite(...)) is fuzzed in assertions",
    "isnan": "a truth value of plain values; all(isfinite(...)) is fuzzed in assertions",
    "allclose": "a truth value of plain values; all(isfinite(...)) is fuzzed in assertions",
    "isclose": "a truth value of plain values; all(isfinite(...)) is fuzzed in assertions",
    "seed": "random numbers: constants to every derivative, as the generator's own constants are",
    "randn": "random numbers: constants to every derivative, as the generator's own constants are",
    "rand": "random numbers: constants to every derivative, as the generator's own constants are",
    "pi": "a constant", "e": "a constant", "inf": "a constant", "nan": "a constant",
}
# How the programs reach each primitive of the engine: a builtin of the vocabulary, an operator,
# or (for the primitives that only derivative rules call) the primitive whose rules call it.
PRIMITIVES_REACHED = {
    "neg": "unary -", "add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^", "mod": "%", "matmul": "@",
    "cot_mul": "mul", "cot_div": "div", "cot_matmul": "matmul", "broadcast_to": "add",
    "maximum": "maximum", "minimum": "minimum", "atan2": "atan2", "hypot": "hypot", "where": "where",
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "sqrt": "sqrt", "sin": "sin", "cos": "cos",
    "tan": "tan", "asin": "asin", "acos": "acos", "atan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "sigmoid": "sigmoid", "softplus": "softplus", "abs": "abs", "relu": "relu",
    "sum": "sum", "prod": "prod", "max": "max", "min": "min", "norm": "norm", "logsumexp": "logsumexp",
    "reshape": "reshape", "transpose": "transpose", "stack": "stack", "concat": "concat",
    "getitem": "x[i]", "scatter_add": "getitem", "index_set": "x[i] = v",
    "einsum": "einsum", "solve": "solve", "det": "det", "slogdet": "slogdet", "cholesky": "cholesky",
    "eigh": "eigh", "svd": "svd", "pinv": "pinv",
    "erf": "erf", "erfc": "erfc", "gammaln": "gammaln", "polygamma": "polygamma", "sinc": "sinc",
    "asinh": "asinh", "acosh": "acosh", "atanh": "atanh", "fmax": "fmax", "fmin": "fmin", "xlogy": "xlogy",
    "cumsum": "cumsum", "cumprod": "cumprod",
}


@st.composite
def literal_value(draw, shape: Shape):
    if not shape:
        return draw(VALUES)
    return np.array(draw(st.lists(VALUES, min_size=math.prod(shape), max_size=math.prod(shape))),
                    dtype=np.float64).reshape(shape)


def value_literal(value) -> ast.Expr:
    """The literal for an input value: a number, [a, b] or [[a, b], [c, d]]."""
    if np.ndim(value) == 0:
        return num(float(value))
    return listlit(value_literal(v) for v in value)


# ---------------------------------------------------------------- expressions

def _broadcast(a: Shape, b: Shape) -> Optional[Shape]:
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        return None


class Gen:
    """The drawing functions share `draw` and the options; each returns an AST node."""

    def __init__(self, draw, wild: float = 0.005, raw: bool = False, extra: bool = False):
        self.draw = draw
        self.wild = wild
        self.raw = raw                # domain errors allowed: log, sqrt, asin... of anything
        self.constant_rate = 0.35     # how often a leaf is a constant although variables exist
        self.extra = extra            # the classes of issue 11 (see `programs`)
        self.twins: dict = {}         # id(node) -> (node, another spelling of it): see Generated
        self.features: set = set()
        self.custom: set = set()
        self.surrogate = False

    def choice(self, n: int) -> int:
        """An index below n; hypothesis shrinks it towards 0, so list the simplest option first."""
        return self.draw(st.integers(0, n - 1))

    def coin(self, p: float) -> bool:
        """True with probability p. (Not st.floats: hypothesis draws 0.0 far too often for a fair coin.)
        It shrinks towards False."""
        return self.draw(st.integers(0, 9999)) >= 10000 * (1 - p)

    def pick(self, items):
        return items[self.choice(len(items))]

    # ---- leaves

    def constant(self) -> ast.Expr:
        value = self.draw(CONSTANTS)
        return num(-value) if self.coin(0.15) else num(value)

    def leaf(self, scope: Scope, shape: Shape) -> ast.Expr:
        names = scope.of_shape(shape)
        if names and self.coin(1 - self.constant_rate):
            return name(self.pick(names))
        if not shape:
            return self.scalar_leaf(scope)
        if len(shape) == 1:
            return listlit(self.scalar_leaf(scope) for _ in range(shape[0]))
        return listlit(listlit(self.scalar_leaf(scope) for _ in range(shape[1])) for _ in range(shape[0]))

    def scalar_leaf(self, scope: Scope) -> ast.Expr:
        """A constant, or a number read from any variable (an element of an array one)."""
        if not scope.variables or self.coin(self.constant_rate):
            return self.constant()
        var = self.pick(sorted(scope.variables))
        shape = scope.variables[var]
        if not shape:
            return name(var)
        return index(name(var), *(self.index_for(scope, n) for n in shape))

    # ---- the main production

    def expr(self, scope: Scope, shape: Shape, depth: int) -> ast.Expr:
        if depth <= 0 or self.coin(0.2):
            return self.leaf(scope, shape)
        productions = [self.leaf_production, self.arith, self.arith, self.unary_function, self.division, self.power,
                       self.negation, self.conditional, self.user_call, self.lambda_call, self.binary_builtin,
                       self.derivative_call, self.selection]
        if not shape:
            productions += [self.reduction, self.reduction, self.element, self.dot_product, self.inner_grad]
        elif len(shape) == 1:
            productions += [self.vector_literal, self.matrix_vector, self.row_or_column, self.slice_of,
                            self.axis_reduction, self.concatenation, self.softmax, self.ellipsis_index]
        else:
            productions += [self.matrix_literal, self.matrix_product, self.transposed, self.outer_product,
                            self.reshaped, self.stacked, self.kept_dims, self.new_axes]
        if self.extra:
            productions += [self.closure_derivative, self.closure_derivative, self.masked_singularity,
                            self.advanced_index, self.constructed, self.linear_algebra, self.rearranged,
                            self.scientific]
            if len(shape) == 2:
                productions += [self.dot_above_2d, self.batched_matmul]
            elif not shape:
                productions += [self.contracted]
        return self.pick(productions)(scope, shape, depth - 1)

    def leaf_production(self, scope, shape, depth):
        return self.leaf(scope, shape)

    def wild_now(self) -> bool:
        return bool(self.wild) and self.coin(self.wild)

    def operand_shape(self, shape: Shape) -> Shape:
        """A shape that broadcasts to `shape` (mostly `shape` itself; sometimes a random one: `wild`)."""
        if self.wild_now():
            return self.pick(SHAPES)
        options = [shape, shape, ()]
        if len(shape) == 2:
            options += [(shape[1],), (1, shape[1]), (shape[0], 1)]
        return self.pick(options)

    def arith(self, scope, shape, depth):
        op = self.pick(["+", "-", "*"])
        left, right = self.operand_shape(shape), self.operand_shape(shape)
        if _broadcast(left, right) != shape and not self.wild_now():
            left = shape
        return binop(op, self.expr(scope, left, depth), self.expr(scope, right, depth))

    def positive(self, scope, shape, depth) -> ast.Expr:
        """An expression that is at least 0.35 (with `raw`, sometimes any expression)."""
        e = self.expr(scope, shape, depth)
        kind = self.choice(5) if self.raw else 1 + self.choice(4)
        if kind == 0:
            return e                                             # raw: the domain may fail
        if kind == 1:
            return binop("+", call("abs", e), num(self.pick([1.0, 0.5])))
        if kind == 2:
            return call("exp", e) if self.raw else call("exp", call("tanh", e))
        return binop("+", binop("^", e, num(2.0)), num(self.pick([1.0, 0.5, 2.0])))

    def unary_function(self, scope, shape, depth):
        group = self.choice(10)
        if group <= 5:
            return call(self.pick(SMOOTH_UNARY), self.expr(scope, shape, depth))
        if group <= 7:
            return call(self.pick(POSITIVE_DOMAIN), self.positive(scope, shape, depth))
        if group == 8:
            return call("sqrt", binop("+", call("abs", self.expr(scope, shape, depth)), num(1.0)))
        fn = self.pick(RARE_UNARY)
        e = self.expr(scope, shape, depth)
        if not self.raw and fn in ("asin", "acos"):
            e = binop("*", call("tanh", e), num(0.9))
        elif not self.raw and fn == "log1p":
            e = binop("^", e, num(2.0))
        return call(fn, e)

    def division(self, scope, shape, depth):
        denominator = self.operand_shape(shape)
        op = "/"
        return binop(op, self.expr(scope, shape, depth), self.positive(scope, denominator, depth))

    def power(self, scope, shape, depth):
        kind = self.choice(4)
        if kind <= 1:   # an integer power of anything
            exponent = self.pick([2.0, 3.0, 1.0, 0.0, 4.0])
            base = self.expr(scope, shape, depth)
            return binop("^", base, num(exponent))
        if kind == 2:   # a real power of a positive base
            exponent = self.pick([0.5, 1.5, -1.0, -0.5, 2.5])
            return binop("^", self.positive(scope, shape, depth), num(exponent))
        # an expression as the exponent, with a positive base
        return binop("^", self.positive(scope, shape, depth),
                     self.expr(scope, self.operand_shape(shape) if shape else (), depth))

    def negation(self, scope, shape, depth):
        return ast.UnaryOp(SPAN, "-", self.expr(scope, shape, depth))

    def condition(self, scope, depth) -> ast.Expr:
        kind = self.choice(6) if depth > 0 else self.choice(3)
        ops = ["<", ">", "<=", ">="]
        if kind <= 2:
            return compare([self.pick(ops)], [self.expr(scope, (), depth), self.expr(scope, (), depth)])
        if kind == 3:   # a chain
            return compare([self.pick(ops), self.pick(ops)],
                           [self.expr(scope, (), depth), self.expr(scope, (), depth), self.expr(scope, (), depth)])
        if kind == 4:
            return ast.BoolOp(SPAN, self.pick(["and", "or"]), self.condition(scope, depth - 1),
                              self.condition(scope, depth - 1))
        return ast.UnaryOp(SPAN, "not", self.condition(scope, depth - 1))

    def conditional(self, scope, shape, depth):
        return ast.IfExp(SPAN, self.condition(scope, depth), self.expr(scope, shape, depth),
                         self.expr(scope, shape, depth))

    def arguments(self, scope, function: Function, depth) -> list:
        count = len(function.params) - (self.choice(function.defaults + 1) if function.defaults else 0)
        return [self.expr(scope, s, depth) for s in function.params[:count]]

    def user_call(self, scope, shape, depth):
        candidates = [f for f in scope.functions if f.result == shape]
        if not candidates:
            return self.arith(scope, shape, depth)
        function = self.pick(candidates)
        return ast.Call(SPAN, name(function.name), tuple(self.arguments(scope, function, depth)), ())

    def lambda_call(self, scope, shape, depth):
        """(lambda p: body)(arg): a function value made and called on the spot."""
        param_shape = self.pick([(), shape])
        param = scope.fresh("p")
        inner = scope.child()
        inner.variables[param] = param_shape
        body = self.expr(inner, shape, depth)
        function = ast.Lambda(SPAN, (ast.Param(SPAN, param, None),), body)
        return ast.Call(SPAN, function, (self.expr(scope, param_shape, depth),), ())

    def binary_builtin(self, scope, shape, depth):
        """minimum, maximum, pow, atan2, hypot, clip, and % by a positive constant, with broadcasting."""
        fn = self.pick(BINARY_BUILTINS)
        left, right = self.operand_shape(shape), self.operand_shape(shape)
        if _broadcast(left, right) != shape:
            left = shape
        if fn == "clip":
            low = self.draw(CONSTANTS)
            return call("clip", self.expr(scope, shape, depth), num(-low), num(low + self.pick([0.5, 1.0, 2.0])))
        if fn == "%":
            return binop("%", self.expr(scope, shape, depth), num(self.pick([1.0, 2.0, 0.5, 3.0])))
        a = self.expr(scope, left, depth)
        if fn == "pow":
            return call("pow", self.positive(scope, left, depth), self.expr(scope, right, depth))
        if fn in ("atan2", "hypot"):     # both singular only at (0, 0): keep the second one away from 0
            return call(fn, a, self.positive(scope, right, depth))
        return call(fn, a, self.expr(scope, right, depth))

    def selection(self, scope, shape, depth):
        """where(a > b, c, d), elementwise."""
        cond_shape = self.operand_shape(shape)
        cond = compare([self.pick(["<", ">", "<=", ">="])],
                       [self.expr(scope, cond_shape, depth), self.expr(scope, self.operand_shape(cond_shape)
                                                                        if cond_shape else (), depth)])
        return call("where", cond, self.expr(scope, shape, depth), self.expr(scope, self.operand_shape(shape), depth))

    def derivative_call(self, scope, shape, depth):
        """grad, value_and_grad, jacobian, hessian, jvp and vjp of a user function, inside the program.

        The program is then differentiated itself (nested differentiation), and its
        output compared with finite differences like any other.
        """
        options = []
        for f in scope.functions:
            p, r = f.params, f.result
            if r == ():
                options += [("grad", f, k, p[k]) for k in range(len(p))]
                options.append(("value_and_grad", f, 0, p[0]))
                options.append(("value", f, 0, ()))
                if len(p) >= 2:
                    options.append(("grad_pair", f, 1, p[1]))
                if len(p[0] + p[0]) <= 2:
                    options.append(("hessian", f, 0, p[0] + p[0]))
            if len(r + p[0]) <= 2:
                options.append(("jacobian", f, 0, r + p[0]))
            options.append(("jvp", f, 0, r))
            if len(p) == 1:
                options.append(("vjp", f, 0, p[0]))
            else:
                options += [("vjp_of", f, k, p[k]) for k in range(len(p))]
        options = [o for o in options if o[3] == shape]
        if not shape:
            options += [("builtin", None, 0, ())]
        if not options:
            return self.arith(scope, shape, depth)
        kind, f, k, _ = self.pick(options)
        if kind == "builtin":       # grad(sin)(x) is cos(x), and so on
            return ast.Call(SPAN, call("grad", name(self.pick(SMOOTH_UNARY))), (self.expr(scope, (), depth),), ())
        args = tuple(self.expr(scope, s, depth) for s in f.params)
        fn = name(f.name)
        if kind == "grad":
            transform = call("grad", fn, num(float(k))) if k or self.coin(0.3) else call("grad", fn)
            return ast.Call(SPAN, transform, args, ())
        if kind == "grad_pair":
            pair = ast.TupleLiteral(SPAN, (num(0.0), num(1.0)))
            return index(ast.Call(SPAN, call("grad", fn, pair), args, ()), num(1.0))
        if kind in ("value_and_grad", "value"):
            return index(ast.Call(SPAN, call("value_and_grad", fn), args, ()), num(1.0 if kind != "value" else 0.0))
        if kind in ("jacobian", "hessian"):
            return ast.Call(SPAN, call(kind, fn), args, ())
        primals = args[0] if len(args) == 1 else ast.TupleLiteral(SPAN, args)
        if kind == "jvp":
            tangents = tuple(self.expr(scope, s, depth) for s in f.params)
            tangent = tangents[0] if len(tangents) == 1 else ast.TupleLiteral(SPAN, tangents)
            return index(call("jvp", fn, primals, tangent), num(self.pick([1.0, 1.0, 0.0])))
        cotangent = self.expr(scope, f.result, depth)
        result = index(call("vjp", fn, primals, cotangent), num(1.0))
        return result if kind == "vjp" else index(result, num(float(k)))

    def softmax(self, scope, shape, depth):
        if self.coin(0.5):
            return call("softmax", self.expr(scope, shape, depth))
        k = self.pick([1, 2, 3])
        return index(call("softmax", self.expr(scope, (k, shape[0]), depth), axis=num(self.pick([1.0, 0.0]))),
                     num(float(self.choice(k))))

    def stacked(self, scope, shape, depth):
        r, c = shape
        rows = [self.expr(scope, (c,), depth) for _ in range(r)]
        # stack([a, b]) spreads its list literal (stack(a, b)); a single row must be in brackets.
        return call("stack", listlit(rows)) if r == 1 or self.coin(0.5) else call("stack", *rows)

    def kept_dims(self, scope, shape, depth):
        """sum/mean/max(..., axis=k, keepdims=true): a matrix with a side of 1."""
        r, c = shape
        fn = self.pick(KEPT_DIMS_REDUCTIONS)
        if r == 1:
            return call(fn, self.expr(scope, (self.pick([1, 2, 3]), c), depth), axis=num(0.0),
                        keepdims=ast.Bool(SPAN, True))
        if c == 1:
            return call(fn, self.expr(scope, (r, self.pick([1, 2, 3])), depth), axis=num(1.0),
                        keepdims=ast.Bool(SPAN, True))
        return self.matrix_literal(scope, shape, depth)

    def inner_grad(self, scope, shape, depth):
        """grad(f)(x) of a user function from numbers to numbers, inside the program."""
        candidates = [f for f in scope.functions if f.result == () and f.params[:1] == [()]]
        if not candidates:
            return self.reduction(scope, shape, depth)
        function = self.pick(candidates)
        gradient = call("grad", name(function.name))
        args = self.arguments(scope, function, depth) or [self.expr(scope, (), depth)]
        return ast.Call(SPAN, gradient, tuple(args), ())

    # ---- shape-specific productions

    def reduction(self, scope, shape, depth):
        arg_shape = self.pick([(2,), (3,), (1,), (2, 2), (2, 3), (3,)])
        fn = self.pick(REDUCTIONS)
        arg = self.expr(scope, arg_shape, depth)
        if fn == "norm" and self.coin(0.7):          # keep away from the kink at 0
            arg = binop("+", call("abs", arg), num(0.5)) if self.coin(0.5) else call("exp", arg)
        return call(fn, arg)

    def index_for(self, scope, n: int) -> ast.Expr:
        loops = [v for v, k in scope.loop_bounds.items() if k <= n]
        if loops and self.coin(0.5):
            return name(self.pick(loops))
        i = self.choice(2 * n) - n        # -n .. n-1
        return num(float(i))

    def element(self, scope, shape, depth):
        if self.coin(0.5):
            n = self.pick([1, 2, 3])
            target = self.expr(scope, (n,), depth)
            return index(target, self.index_for(scope, n))
        r, c = self.pick([(2, 2), (2, 3), (3, 2), (1, 3)])
        return index(self.expr(scope, (r, c), depth), self.index_for(scope, r), self.index_for(scope, c))

    def dot_product(self, scope, shape, depth):
        n = self.pick([1, 2, 3])
        a, b = self.expr(scope, (n,), depth), self.expr(scope, (n,), depth)
        return call("dot", a, b) if self.coin(0.5) else binop("@", a, b)

    def vector_literal(self, scope, shape, depth):
        return listlit(self.expr(scope, (), depth) for _ in range(shape[0]))

    def matrix_vector(self, scope, shape, depth):
        k = self.pick([1, 2, 3])
        if self.coin(0.5):
            return binop("@", self.expr(scope, (shape[0], k), depth), self.expr(scope, (k,), depth))
        return call("matmul", self.expr(scope, (k,), depth), self.expr(scope, (k, shape[0]), depth))

    def row_or_column(self, scope, shape, depth):
        n = shape[0]
        k = self.pick([1, 2, 3])
        if self.coin(0.5):
            return index(self.expr(scope, (k, n), depth), self.index_for(scope, k))
        return index(self.expr(scope, (n, k), depth), ast.Slice(SPAN, None, None, None), self.index_for(scope, k))

    def ellipsis_index(self, scope, shape, depth):
        """M[..., k] of an (n, m) matrix, M[k, ...] of an (m, n) one, or v[None, ...][0]."""
        n, m = shape[0], self.pick([1, 2, 3])
        kind = self.choice(3)
        if kind == 0:
            return index(self.expr(scope, (n, m), depth), ast.EllipsisIndex(SPAN), self.index_for(scope, m))
        if kind == 1:
            return index(self.expr(scope, (m, n), depth), self.index_for(scope, m), ast.EllipsisIndex(SPAN))
        return index(index(self.expr(scope, shape, depth), ast.NoneLiteral(SPAN), ast.EllipsisIndex(SPAN)),
                     num(0.0))

    def new_axes(self, scope, shape, depth):
        """a[:, None] op b[None, :]: a column and a row broadcast to an (r, c) matrix."""
        r, c = shape
        all_ = ast.Slice(SPAN, None, None, None)
        column = index(self.expr(scope, (r,), depth), all_, ast.NoneLiteral(SPAN))
        row = index(self.expr(scope, (c,), depth), ast.NoneLiteral(SPAN), all_)
        return binop(self.pick(["*", "+", "-"]), column, row)

    def slice_of(self, scope, shape, depth):
        n = shape[0]
        if self.coin(0.4):
            return index(self.expr(scope, shape, depth), ast.Slice(SPAN, None, None, num(-1.0)))
        longer = self.pick([n, n + 1, n + 2])
        start = self.choice(longer - n + 1)
        return index(self.expr(scope, (longer,), depth),
                     ast.Slice(SPAN, num(float(start)) if start or self.coin(0.5) else None,
                               num(float(start + n)), None))

    def axis_reduction(self, scope, shape, depth):
        n = shape[0]
        k = self.pick([1, 2, 3])
        fn = self.pick(AXIS_REDUCTIONS)
        if self.coin(0.5):
            return call(fn, self.expr(scope, (k, n), depth), axis=num(0.0))
        return call(fn, self.expr(scope, (n, k), depth), axis=num(1.0) if self.coin(0.5) else num(-1.0))

    def concatenation(self, scope, shape, depth):
        n = shape[0]
        if n < 2:
            return self.vector_literal(scope, shape, depth)
        first = 1 + self.choice(n - 1)
        return call("concat", self.expr(scope, (first,), depth), self.expr(scope, (n - first,), depth))

    def matrix_literal(self, scope, shape, depth):
        r, c = shape
        if self.coin(0.5):    # rows that are vector expressions
            return listlit(self.expr(scope, (c,), depth) for _ in range(r))
        return listlit(listlit(self.expr(scope, (), depth) for _ in range(c)) for _ in range(r))

    def matrix_product(self, scope, shape, depth):
        r, c = shape
        k = self.pick([1, 2, 3])
        a, b = self.expr(scope, (r, k), depth), self.expr(scope, (k, c), depth)
        return binop("@", a, b) if self.coin(0.7) else call("matmul", a, b)

    def transposed(self, scope, shape, depth):
        r, c = shape
        return call("transpose", self.expr(scope, (c, r), depth))

    def outer_product(self, scope, shape, depth):
        r, c = shape
        return call("outer", self.expr(scope, (r,), depth), self.expr(scope, (c,), depth))

    def reshaped(self, scope, shape, depth):
        r, c = shape
        source = self.pick([(c, r), (r * c,)] if r * c <= 3 else [(c, r)])
        return call("reshape", self.expr(scope, source, depth), num(float(r)), num(float(c)))

    # ---- the classes of issue 11 (with `extra`): what the generator never wrote before.
    # Each production notes its class in `features`, and where a value has another spelling
    # (a boolean mask and the indices it selects, numpy's `dot` and the sum it stands for),
    # records it with `twin`: a program and the program with its twins substituted must agree.

    def note(self, feature: str) -> None:
        self.features.add(feature)

    def twin(self, node, alternative, feature: str):
        """Record `alternative` as another spelling of `node` (the same value); return `node`."""
        self.twins[id(node)] = (node, alternative, feature)
        return node

    def lambda_of(self, scope: Scope, param_shapes: list, body_shape: Shape, depth: int) -> ast.Lambda:
        """lambda p, q: body, where the body combines a term of its parameters only with a term that
        may read anything around it: a closure over the program's (differentiated) values."""
        inner = scope.child()
        own = Scope(counter=scope.counter, functions=list(scope.functions))
        params = []
        for shape in param_shapes:
            pname = scope.fresh("p")
            inner.variables[pname] = own.variables[pname] = shape
            params.append(pname)
        mine, theirs = self.expr(own, body_shape, depth), self.expr(inner, body_shape, depth)
        outer = [n for n in scope.of_shape(()) if n not in params]
        numbers = [p for p, s in zip(params, param_shapes) if not s]
        if outer and numbers and not body_shape and self.coin(0.3):
            # a * p: a product of an outer value and a parameter (bug 1 of issue 11 is `p*p + a*p`)
            theirs = binop("*", name(self.pick(outer)), name(self.pick(numbers)))
        op = self.pick(["+", "*", "-"])
        body = binop(op, mine, theirs) if self.coin(0.5) else binop(op, theirs, mine)
        return ast.Lambda(SPAN, tuple(ast.Param(SPAN, p, None) for p in params), body)

    def closure_derivative(self, scope, shape, depth):
        """grad, value_and_grad, vjp, jvp, jacobian or hessian of a lambda closing over the program's
        values, inside a program that is itself differentiated (bugs 1 and 13 of issue 11)."""
        self.note("closure derivative")
        arg = lambda s: self.expr(scope, s, depth)     # noqa: E731
        applied = lambda transform, *args: ast.Call(SPAN, transform, tuple(args), ())   # noqa: E731
        if not shape:
            kind = self.choice(9)
            if kind == 0:
                return applied(call("grad", self.lambda_of(scope, [()], (), depth)), arg(()))
            if kind == 1:
                return applied(call("grad", call("grad", self.lambda_of(scope, [()], (), depth))), arg(()))
            if kind == 2:
                return applied(call("grad", self.lambda_of(scope, [(), ()], (), depth), num(1.0)), arg(()), arg(()))
            if kind == 3:
                return index(applied(call("value_and_grad", self.lambda_of(scope, [()], (), depth)), arg(())),
                             num(float(self.choice(2))))
            if kind == 4:
                return index(call("vjp", self.lambda_of(scope, [()], (), depth), arg(()), arg(())), num(1.0))
            if kind == 5:
                return index(call("jvp", self.lambda_of(scope, [()], (), depth), arg(()), arg(())),
                             num(float(self.choice(2))))
            if kind == 6:
                return applied(call("hessian", self.lambda_of(scope, [()], (), depth)), arg(()))
            if kind == 7:
                n = self.pick([2, 3])
                gradient = applied(call("grad", self.lambda_of(scope, [(n,)], (), depth)), arg((n,)))
                return call("sum", gradient) if self.coin(0.5) else index(gradient, num(float(self.choice(n))))
            # an output of one element in an array: autograd and PyTorch take it as a number (bug 13)
            self.note("grad of a one-element array")
            return applied(call("grad", self.lambda_of(scope, [()], self.pick([(1,), (1, 1)]), depth)), arg(()))
        if len(shape) == 1:
            kind = self.choice(4)
            if kind == 0:
                return applied(call("grad", self.lambda_of(scope, [shape], (), depth)), arg(shape))
            if kind == 1:
                return applied(call("jacobian", self.lambda_of(scope, [()], shape, depth)), arg(()))
            if kind == 2:
                k = self.pick([1, 2, 3])
                return index(call("vjp", self.lambda_of(scope, [shape], (k,), depth), arg(shape), arg((k,))),
                             num(1.0))
            return index(call("jvp", self.lambda_of(scope, [()], shape, depth), arg(()), arg(())), num(1.0))
        r, c = shape
        if r == c and self.coin(0.5):
            return applied(call("hessian", self.lambda_of(scope, [(r,)], (), depth)), arg((r,)))
        return applied(call("jacobian", self.lambda_of(scope, [(c,)], (r,), depth)), arg((c,)))

    def masked_singularity(self, scope, shape, depth):
        """A value or derivative that is infinite at 0, masked by where(), or a power at 0 (bugs 4, 6
        and 11). The operand is often an input itself, and inputs are often exactly 0."""
        self.note("masked singularity")
        e = self.leaf(scope, shape) if self.coin(0.6) else self.expr(scope, shape, depth)
        zero = num(0.0)
        above = compare([">"], [e, zero])
        kind = self.choice(9)
        if kind == 0:
            return call("where", above, call("sqrt", e), zero)
        if kind == 1:
            return call("where", above, binop("*", e, call("log", e)), zero)
        if kind == 2:
            q = self.positive(scope, self.operand_shape(shape), depth)
            return call("where", above, binop("*", e, call("log", binop("/", e, q))), zero)
        if kind == 3:
            return call("where", compare(["!="], [e, zero]), binop("/", call("sin", e), e), num(1.0))
        if kind == 4:
            return call("where", above, call("log", e), num(-1.0))
        if kind == 5:       # e^2.5 is smooth enough at 0 (f' = f'' = 0)
            return call("where", compare([">="], [e, zero]), binop("^", e, num(2.5)), zero)
        if kind == 6:       # |e|^2.5
            return binop("^", binop("^", e, num(2.0)), num(1.25))
        if kind == 7:       # 0^y with y > 0: 0, and so is its derivative
            return call("pow", zero, self.positive(scope, shape, depth))
        # norm along rows, one of which is all zeros (a kink: its subgradient is 0)
        if len(shape) == 2:
            return call("where", above, call("sqrt", e), zero)
        r, c = (shape[0] if shape else self.pick([2, 3])), self.pick([1, 2, 3])
        rows = [self.expr(scope, (c,), depth) for _ in range(r)]
        rows[self.choice(r)] = listlit(num(0.0) for _ in range(c))
        norms = call("norm", listlit(rows), axis=num(1.0))
        return norms if shape else call("sum", norms)

    def tensor3(self, scope: Scope, shape: Shape, depth: int) -> ast.Expr:
        """An array of three dimensions: a stack of matrices (or a reshaped short vector)."""
        a, b, c = shape
        if a * b * c <= 3 and self.coin(0.3):
            return call("reshape", self.expr(scope, (a * b * c,), depth), *(num(float(n)) for n in shape))
        return call("stack", listlit(self.expr(scope, (b, c), depth) for _ in range(a)))

    def reshaped_to(self, e, *dims) -> ast.Expr:
        return call("reshape", e, *(num(float(d)) for d in dims))

    def dot_above_2d(self, scope, shape, depth):
        """dot of arrays above 2-D, numpy's way: the last axis of a with the second-to-last of b (bug 10).
        Its twin is the sum that defines it."""
        self.note("dot above 2-D")
        r, c = shape
        k = self.pick([1, 2, 3])
        all_ = ast.Slice(SPAN, None, None, None)
        kind = self.choice(4)
        if kind == 0:       # (k,) . (r, k, c) -> (r, c)
            v, B = self.expr(scope, (k,), depth), self.tensor3(scope, (r, k, c), depth)
            return self.twin(call("dot", v, B),
                             call("sum", binop("*", self.reshaped_to(v, 1, k, 1), B), axis=num(1.0)), "dot above 2-D")
        if kind == 1:       # (r, k) . (p, k, c) -> (r, p, c), then [:, j, :]
            p = self.pick([1, 2])
            j = num(float(self.choice(p)))
            A, B = self.expr(scope, (r, k), depth), self.tensor3(scope, (p, k, c), depth)
            product = binop("*", self.reshaped_to(A, r, 1, k, 1), self.reshaped_to(B, 1, p, k, c))
            return self.twin(index(call("dot", A, B), all_, j, all_),
                             index(call("sum", product, axis=num(2.0)), all_, j, all_), "dot above 2-D")
        if kind == 2:       # (r, c, k) . (k,) -> (r, c)
            S, v = self.tensor3(scope, (r, c, k), depth), self.expr(scope, (k,), depth)
            return self.twin(call("dot", S, v), call("sum", binop("*", S, v), axis=num(2.0)), "dot above 2-D")
        p = self.pick([1, 2])  # (p, r, k) . (k, c) -> (p, r, c), then [j]
        j = num(float(self.choice(p)))
        S, M = self.tensor3(scope, (p, r, k), depth), self.expr(scope, (k, c), depth)
        product = binop("*", self.reshaped_to(S, p, r, k, 1), self.reshaped_to(M, 1, 1, k, c))
        return self.twin(index(call("dot", S, M), j), index(call("sum", product, axis=num(2.0)), j), "dot above 2-D")

    def batched_matmul(self, scope, shape, depth):
        """matmul of stacks of matrices (broadcast over the first axis); the twin multiplies one pair."""
        self.note("batched matmul")
        r, c = shape
        p, k = self.pick([1, 2]), self.pick([1, 2, 3])
        j = num(float(self.choice(p)))
        S = self.tensor3(scope, (p, r, k), depth)
        stacked = self.coin(0.5)          # a stack too, or one matrix for every element of the stack
        other = self.tensor3(scope, (p, k, c), depth) if stacked else self.expr(scope, (k, c), depth)
        product = binop("@", S, other) if self.coin(0.5) else call("matmul", S, other)
        return self.twin(index(product, j), binop("@", index(S, j), index(other, j) if stacked else other),
                         "batched matmul")

    def contracted(self, scope, shape, depth):
        """A number from an array above 2-D: sum of a dot or a batched matmul."""
        r, c = self.pick([(2, 2), (1, 3), (2, 3), (3, 1)])
        return call("sum", self.pick([self.dot_above_2d, self.batched_matmul])(scope, (r, c), depth))

    def advanced_index(self, scope, shape, depth):
        """Integer lists (with repeats), boolean masks (bug 3) and advanced indices mixed with slices,
        whose axes numpy moves first when a slice separates them (bug 12). Each twin picks the same
        elements one by one."""
        if not shape:
            return call("sum", self.advanced_index(scope, (self.pick([1, 2, 3]),), depth))
        numbers = lambda items: listlit(num(float(i)) for i in items)       # noqa: E731
        all_ = ast.Slice(SPAN, None, None, None)
        stacked = lambda items: call("stack", listlit(items))               # noqa: E731
        if len(shape) == 1:
            n = shape[0]
            kind = self.choice(3)
            if kind == 0:       # v[[1, 1, 0]]
                self.note("integer-array index")
                m = self.pick([1, 2, 3])
                chosen = [self.choice(m) for _ in range(n)]
                v = self.expr(scope, (m,), depth)
                return self.twin(index(v, numbers(chosen)), listlit(index(v, num(float(i))) for i in chosen),
                                 "integer-array index")
            if kind == 1:       # v[[true, false, true]]
                self.note("boolean mask")
                m = min(3, n + self.choice(2))
                chosen = sorted(self.draw(st.permutations(range(m)))[:n])
                v = self.expr(scope, (m,), depth)
                mask = listlit(ast.Bool(SPAN, i in chosen) for i in range(m))
                return self.twin(index(v, mask), listlit(index(v, num(float(i))) for i in chosen), "boolean mask")
            self.note("integer-array index")  # M[[0, 1], [2, 0]]
            r, c = self.pick([(2, 2), (2, 3), (3, 2)])
            rows, cols = [self.choice(r) for _ in range(n)], [self.choice(c) for _ in range(n)]
            M = self.expr(scope, (r, c), depth)
            return self.twin(index(M, numbers(rows), numbers(cols)),
                             listlit(index(M, num(float(i)), num(float(j))) for i, j in zip(rows, cols)),
                             "integer-array index")
        r, c = shape
        kind = self.choice(5)
        a, b = self.pick([1, 2]), self.pick([1, 2, 3])
        if kind == 0:           # X[i, :, [j, j']]: shape (r, c), the list's axis first
            self.note("mixed advanced index")
            X, i, js = self.tensor3(scope, (a, c, b), depth), num(float(self.choice(a))), \
                [self.choice(b) for _ in range(r)]
            return self.twin(index(X, i, all_, numbers(js)), stacked(index(X, i, all_, num(float(j))) for j in js),
                             "mixed advanced index")
        if kind == 1:           # X[[i, i'], :, j]
            self.note("mixed advanced index")
            X, j, is_ = self.tensor3(scope, (a, c, b), depth), num(float(self.choice(b))), \
                [self.choice(a) for _ in range(r)]
            return self.twin(index(X, numbers(is_), all_, j), stacked(index(X, num(float(i)), all_, j) for i in is_),
                             "mixed advanced index")
        if kind == 2:           # X[i, [j, j'], :]: next to each other, the advanced axes stay in place
            self.note("mixed advanced index")
            X, i, js = self.tensor3(scope, (a, b, c), depth), num(float(self.choice(a))), \
                [self.choice(b) for _ in range(r)]
            return self.twin(index(X, i, numbers(js), all_), stacked(index(X, i, num(float(j)), all_) for j in js),
                             "mixed advanced index")
        if kind == 3:           # M[:, [j, j']]
            self.note("integer-array index")
            M, js = self.expr(scope, (r, b), depth), [self.choice(b) for _ in range(c)]
            return self.twin(index(M, all_, numbers(js)),
                             call("transpose", stacked(index(M, all_, num(float(j))) for j in js)),
                             "integer-array index")
        self.note("boolean mask")   # M[[true, false, true]]: rows
        m = min(3, r + self.choice(2))
        chosen = sorted(self.draw(st.permutations(range(m)))[:r])
        M = self.expr(scope, (m, c), depth)
        mask = listlit(ast.Bool(SPAN, i in chosen) for i in range(m))
        return self.twin(index(M, mask), stacked(index(M, num(float(i))) for i in chosen), "boolean mask")

    def scientific(self, scope, shape, depth):
        """Issue 14's statistics, scans and special functions, inside their domains."""
        kind = self.choice(6)
        if kind == 0:
            return call(self.pick(SCIENTIFIC_UNARY), self.expr(scope, shape, depth))
        if kind == 1:
            fn = self.pick(SCIENTIFIC_POSITIVE + ["polygamma", "acosh", "xlogy"])
            x = self.positive(scope, shape, depth)
            if fn == "polygamma":
                return call(fn, num(float(self.choice(3))), x)
            if fn == "acosh":
                return call(fn, binop("+", x, num(1.0)))
            if fn == "xlogy":
                return call(fn, self.expr(scope, self.operand_shape(shape), depth), x)
            return call(fn, x)
        if kind == 2:
            if self.coin(0.3):
                return call("atanh", binop("*", call("tanh", self.expr(scope, shape, depth)), num(0.9)))
            return call(self.pick(SCIENTIFIC_BINARY), self.expr(scope, shape, depth),
                        self.expr(scope, self.operand_shape(shape), depth))
        if not shape:
            fn = self.pick(SCIENTIFIC_STATISTICS)
            n = self.pick([2, 3, 4])
            arg = self.expr(scope, (n,), depth)
            return call(fn, arg, ddof=num(1.0)) if self.coin(0.3) else call(fn, arg)
        if len(shape) == 1:
            fn = self.pick(SCIENTIFIC_VECTOR)
            if fn == "diff":
                return call("diff", self.expr(scope, (shape[0] + 1,), depth))
            return call(fn, self.expr(scope, shape, depth))
        fn = self.pick(["cumsum", "cumprod", "log_softmax"])
        return call(fn, self.expr(scope, shape, depth), axis=num(float(self.choice(2))))

    def constructed(self, scope, shape, depth):
        """linspace, arange and full with differentiated arguments (bug 9); the twins spell them out."""
        if not shape:
            n = self.pick([1, 2, 3])
            vector = self.constructed(scope, (n,), depth)
            return call("sum", vector) if self.coin(0.5) else index(vector, num(float(self.choice(n))))
        if len(shape) == 2:
            self.note("full")
            r, c = shape
            v = self.expr(scope, (), depth)
            return self.twin(call("full", num(float(r)), num(float(c)), v),
                             listlit(listlit(v for _ in range(c)) for _ in range(r)), "full")
        n = shape[0]
        kind = self.choice(3)
        if kind == 0:
            self.note("linspace")
            a, b = self.expr(scope, (), depth), self.expr(scope, (), depth)
            fractions = [k / (n - 1) for k in range(n)] if n > 1 else [0.0]
            return self.twin(call("linspace", a, b, num(float(n))),
                             binop("+", a, binop("*", binop("-", b, a), listlit(num(f) for f in fractions))),
                             "linspace")
        if kind == 1:
            # arange(a, a + n - 0.5) has n elements whatever the rounding, as its twin, if a is
            # finite and not so large that a + n - 0.5 rounds to a (numpy's arange is empty
            # there, and refuses a non-finite a): clipped, a is at most 1e6 (a nan still fails,
            # a refusal the twin cannot make: see Agreement.twin_runs_alone)
            self.note("arange")
            a = call("clip", self.expr(scope, (), depth), num(-1e6), num(1e6))
            return self.twin(call("arange", a, binop("+", a, num(n - 0.5))),
                             binop("+", a, listlit(num(float(k)) for k in range(n))), "arange")
        self.note("full")
        v = self.expr(scope, (), depth)
        return self.twin(call("full", num(float(n)), v), listlit(v for _ in range(n)), "full")

    def positive_definite(self, scope, n: int, depth: int) -> ast.Expr:
        """T T^T + diag(2 + tanh(v)) with T = tanh(...): eigenvalues between 1 and n + 3."""
        t = call("tanh", self.expr(scope, (n, n), depth))
        return binop("+", binop("@", t, call("transpose", t)),
                     call("diag", binop("+", num(2.0), call("tanh", self.expr(scope, (n,), depth)))))

    def linear_algebra(self, scope, shape, depth):
        """The linear algebra builtins, on well-conditioned matrices; the twins spell them out."""
        self.note("linear algebra")
        if not shape:
            n = self.pick([1, 2, 3])
            u, v = self.expr(scope, (n,), depth), self.expr(scope, (n,), depth)
            kind = self.choice(7)
            if kind == 0:
                return self.twin(call("inner", u, v), call("sum", binop("*", u, v)), "inner")
            if kind == 1:
                return self.twin(call("einsum", ast.String(SPAN, "i,i->"), u, v), call("sum", binop("*", u, v)),
                                 "einsum")
            if kind == 2:
                return self.twin(call("tensordot", u, v, num(1.0)), call("sum", binop("*", u, v)), "tensordot")
            M = self.expr(scope, (2, 2), depth)
            if kind == 3:
                return self.twin(call("det", M), binop("-", binop("*", index(M, num(0.0), num(0.0)), index(M, num(1.0), num(1.0))),
                                                        binop("*", index(M, num(0.0), num(1.0)), index(M, num(1.0), num(0.0)))), "det")
            if kind == 4:
                return self.twin(call("trace", M), binop("+", index(M, num(0.0), num(0.0)), index(M, num(1.0), num(1.0))),
                                 "trace")
            S = self.positive_definite(scope, n, depth)
            if kind == 5:
                return index(call("slogdet", S), num(1.0))
            return call("sum", call("svd", S, compute_uv=ast.Bool(SPAN, False)))
        if len(shape) == 1:
            n = shape[0]
            S, v = self.positive_definite(scope, n, depth), self.expr(scope, (n,), depth)
            kind = self.choice(5 if n == 3 else 4)
            if kind == 0:
                return self.twin(call("solve", S, v), binop("@", call("inv", S), v), "solve")
            if kind == 1:
                return index(call("eigh", S), num(0.0))
            if kind == 2:
                return call("diag", self.expr(scope, (n, n), depth))
            if kind == 3:
                return binop("@", call("cholesky", S), v)
            u = self.expr(scope, (3,), depth)
            return self.twin(call("cross", u, v), binop("-", binop("*", index(u, listlit(num(k) for k in (1.0, 2.0, 0.0))),
                                                                   index(v, listlit(num(k) for k in (2.0, 0.0, 1.0)))),
                                                        binop("*", index(u, listlit(num(k) for k in (2.0, 0.0, 1.0))),
                                                              index(v, listlit(num(k) for k in (1.0, 2.0, 0.0))))), "cross")
        r, c = shape
        kind = self.choice(4 if r == c else 2)
        if kind == 0:
            M = self.expr(scope, (c, r), depth)
            return self.twin(call("einsum", ast.String(SPAN, "ij->ji"), M), call("transpose", M), "einsum")
        if kind == 1:
            u, v = self.expr(scope, (r,), depth), self.expr(scope, (c,), depth)
            return self.twin(call("kron", call("reshape", u, num(float(r)), num(1.0)), v), call("outer", u, v), "kron")
        S = self.positive_definite(scope, r, depth)
        return call("pinv", S) if kind == 2 else call("cholesky", S)
    def rearranged(self, scope, shape, depth):
        """Order, selection and shapes (issue 14): sort, argmax, take, flip, roll, pad, split, the
        stacks... Where a builtin has another spelling (indexing, concat, a list), it is its twin;
        sort and topk have none (at ties the twins' one-sided derivatives could differ)."""
        numbers = lambda items: listlit(num(float(i)) for i in items)       # noqa: E731
        all_ = ast.Slice(SPAN, None, None, None)
        if not shape:
            self.note("order and selection")
            n = self.pick([1, 2, 3])
            v = self.expr(scope, (n,), depth)
            kind = self.choice(3)
            if kind == 0:
                return index(v, call(self.pick(["argmax", "argmin"]), v))
            if kind == 1:
                return call("sum", index(call("topk", v, num(float(1 + self.choice(n)))), num(0.0)))
            return binop("*", call("argmax", self.expr(scope, (n,), depth)), self.expr(scope, (), depth))
        if len(shape) == 1:
            return self.rearranged_vector(scope, shape[0], depth, numbers)
        self.note("shapes")
        r, c = shape
        kind = self.choice(10)
        if kind == 0:
            M, k = self.expr(scope, shape, depth), self.choice(3) - 1
            fn = self.pick(["tril", "triu"])
            keep = np.tri(r, c, k, dtype=bool) if fn == "tril" else ~np.tri(r, c, k - 1, dtype=bool)
            mask = listlit(listlit(ast.Bool(SPAN, bool(b)) for b in row) for row in keep)
            return self.twin(call(fn, M, num(float(k))), call("where", mask, M, num(0.0)), "shapes")
        if kind == 1:
            M = self.expr(scope, (c, r), depth)
            moved = call("swapaxes", M, num(0.0), num(1.0)) if self.coin(0.5) else call("moveaxis", M, num(1.0),
                                                                                            num(0.0))
            return self.twin(moved, call("transpose", M), "shapes")
        if kind == 2:
            rows = [self.expr(scope, (c,), depth) for _ in range(r)]
            return self.twin(call("vstack", listlit(rows)), call("stack", listlit(rows)), "shapes")
        if kind == 3:
            cols = [self.expr(scope, (r,), depth) for _ in range(c)]
            return self.twin(call("column_stack", listlit(cols)), call("transpose", call("stack", listlit(cols))),
                             "shapes")
        if kind == 4:
            M, axis = self.expr(scope, shape, depth), self.choice(2)
            reverse = ast.Slice(SPAN, None, None, num(-1.0))
            return self.twin(call("flip", M, num(float(axis))), index(M, *((reverse,) if axis == 0 else (all_, reverse))),
                             "shapes")
        if kind == 5:
            M, s = self.expr(scope, shape, depth), self.choice(r)
            rolled = call("roll", M, num(float(s)), axis=num(0.0))
            return self.twin(rolled, index(M, numbers((i - s) % r for i in range(r))), "shapes")
        if kind == 6:
            column = self.expr(scope, (r, 1), depth)
            return self.twin(call("tile", column, ast.TupleLiteral(SPAN, (num(1.0), num(float(c))))),
                             call("concat", *([column] * c), axis=num(1.0)) if c > 1 else column, "shapes")
        if kind == 7:
            m = self.pick([1, 2, 3])
            M, cols = self.expr(scope, (r, m), depth), [self.choice(m) for _ in range(c)]
            return self.twin(call("take", M, numbers(cols), axis=num(1.0)), index(M, all_, numbers(cols)), "shapes")
        if kind == 8 and (r == 1 or c == 1):
            v = self.expr(scope, (c,) if r == 1 else (r,), depth)
            if r == 1:
                grown = call("atleast_2d", v) if self.coin(0.5) else call("expand_dims", v, num(0.0))
            else:
                grown = call("expand_dims", v, num(1.0))
            return self.twin(grown, call("reshape", v, num(float(r)), num(float(c))), "shapes")
        if kind == 8:
            M = self.expr(scope, shape, depth)
            spread = call("dstack", listlit([M, self.expr(scope, shape, depth)])) if self.coin(0.5) \
                else call("atleast_3d", M)
            return self.twin(index(spread, all_, all_, num(0.0)), M, "shapes")
        self.note("order and selection")
        return call("sort", self.expr(scope, shape, depth), axis=num(float(self.choice(2))))

    def rearranged_vector(self, scope, n: int, depth: int, numbers):
        kind = self.choice(10)
        if kind == 0:
            self.note("order and selection")
            v = self.expr(scope, (n,), depth)
            return call("sort", v) if self.coin(0.5) else index(call("topk", v, num(float(n))), num(0.0))
        if kind == 1:
            self.note("order and selection")
            v, key = self.expr(scope, (n,), depth), self.expr(scope, (n,), depth)
            return self.twin(call("take_along_axis", v, call("argsort", key), num(0.0)), index(v, call("argsort", key)),
                             "order and selection")
        self.note("shapes")
        if kind == 2:
            v = self.expr(scope, (n,), depth)
            return self.twin(call("flip", v), index(v, ast.Slice(SPAN, None, None, num(-1.0))), "shapes")
        if kind == 3:
            v, s = self.expr(scope, (n,), depth), self.choice(2 * n) - n
            return self.twin(call("roll", v, num(float(s))), index(v, numbers((i - s) % n for i in range(n))), "shapes")
        if kind == 4:
            m = self.pick([1, 2, 3])
            v, chosen = self.expr(scope, (m,), depth), [self.choice(2 * m) - m for _ in range(n)]
            return self.twin(call("take", v, numbers(chosen)), listlit(index(v, num(float(i))) for i in chosen),
                             "shapes")
        if kind == 5:
            m = self.pick([1, 2, 3])
            counts = [0] * m
            for _ in range(n):
                counts[self.choice(m)] += 1
            v = self.expr(scope, (m,), depth)
            return self.twin(call("repeat", v, numbers(counts)),
                             listlit(index(v, num(float(i))) for i in range(m) for _ in range(counts[i])), "shapes")
        if kind == 6 and n > 1:
            before = self.choice(n)
            after = self.choice(n - before)
            v, fill = self.expr(scope, (n - before - after,), depth), self.expr(scope, (), depth)
            inner = [index(v, num(float(i))) for i in range(n - before - after)]
            return self.twin(call("pad", v, numbers([before, after]), constant_values=fill),
                             listlit([fill] * before + inner + [fill] * after), "shapes")
        if kind == 7:
            v, j = self.expr(scope, (2 * n,), depth), self.choice(2)
            piece = index(call(self.pick(["split", "array_split"]), v, num(2.0)), num(float(j)))
            return self.twin(piece, index(v, ast.Slice(SPAN, num(float(j * n)), num(float(j * n + n)), None)),
                             "shapes")
        if kind == 8 and n > 1:
            first = 1 + self.choice(n - 1)
            a, b = self.expr(scope, (first,), depth), self.expr(scope, (n - first,), depth)
            return self.twin(call("hstack", listlit([a, b])), call("concat", a, b), "shapes")
        if self.coin(0.2):
            v = self.expr(scope, (n,), depth)
            return self.twin(call("atleast_1d", v), v, "shapes")
        row = self.coin(0.5)          # (1, n) or (n, 1); the axis named, as a (1, 1) has two to remove
        kept = self.expr(scope, (1, n) if row else (n, 1), depth)
        return self.twin(call("squeeze", kept, num(0.0 if row else 1.0)), call("reshape", kept, num(float(n))),
                         "shapes")

    def checkpointed(self, scope: Scope, depth: int, budget: int) -> list:
        """`with checkpoint:` around a loop or a block, which may call functions, including functions
        that read the program's inputs (bug 2)."""
        self.note("checkpoint")
        kind = self.choice(3)
        if kind == 0:
            init, loop = self.for_loop(scope, depth, budget, jumps=False)
            return [init, ast.With(SPAN, name("checkpoint"), (loop,))]
        if kind == 1:
            init, loop = self.while_loop(scope, depth, budget)
            return [init, ast.With(SPAN, name("checkpoint"), (loop,))]
        body = self.block(scope, depth, budget, 1 + self.choice(2))
        return [ast.With(SPAN, name("checkpoint"), tuple(body))]

    def list_assignment(self, scope: Scope, depth: int) -> Optional[ast.Stmt]:
        """t[[i, j]] = w: assignment through a list of indices, sometimes repeated (numpy keeps the
        last write: bug 8). The twin writes the elements one by one, in order."""
        vectors = sorted(n for n in scope.assignable if len(scope.variables[n]) == 1)
        if not vectors:
            return None
        target = self.pick(vectors)
        n = scope.variables[target][0]
        count = self.pick([1, 2, 2, 3])
        chosen = [self.choice(n) for _ in range(count)]
        feature = "repeated index assignment" if len(set(chosen)) < count else "integer-array assignment"
        self.note(feature)
        value = self.expr(scope, (count,), depth)
        node = ast.Assign(SPAN, (index(name(target), listlit(num(float(i)) for i in chosen)),), value)
        temporary = scope.fresh("t")      # the value is computed once, before any write
        writes = (ast.Assign(SPAN, (name(temporary),), value),) + tuple(
            ast.Assign(SPAN, (index(name(target), num(float(i))),), index(name(temporary), num(float(k))))
            for k, i in enumerate(chosen))
        return self.twin(node, ast.If(SPAN, ((ast.Bool(SPAN, True), writes),), ()), feature)

    def closure_function(self, scope: Scope, depth: int) -> tuple:
        """def fN(p, ...): a function that reads the program's inputs and variables (not only its
        parameters): called directly, in loops, inside checkpoints and by in-language grad."""
        self.note("closure function")
        fname = scope.fresh("f")
        params = [self.pick([(), (), (2,), (3,)]) for _ in range(1 + self.choice(2))]
        inner = Scope(dict(scope.variables), set(), list(scope.functions), counter=scope.counter)
        nodes = []
        for shape in params:
            pname = inner.fresh("p")
            inner.variables[pname] = shape
            nodes.append(ast.Param(SPAN, pname, None))
        result = params[0] if self.coin(0.5) else self.pick([(), (), (2,), (3,)])
        body = [] if self.coin(0.5) else self.block(inner, depth, 1, 1 + self.choice(2))   # one line: inlinable
        body.append(ast.Return(SPAN, self.expr(inner, result, depth)))
        return ast.FunctionDef(SPAN, fname, tuple(nodes), tuple(body)), Function(fname, params, 0, result)

    def custom_function(self, scope: Scope, depth: int) -> tuple:
        """def cN(...) with `backward cN(..., g)`: a custom rule, under every command (bug 5).

        Either the rule is the function's own derivative (by vjp of the same body), or it is a
        surrogate (straight-through rounding and the like): then it defines the derivative, which
        finite differences do not see, but every mode and order must still agree with it.
        """
        fname = scope.fresh("c")
        inner = Scope(counter=scope.counter, functions=list(scope.functions))
        self.custom.add(fname)
        g = inner.fresh("g")
        if self.choice(3) < 2:
            self.note("custom rule")
            params = [self.pick([(), (), (2,), (3,)]) for _ in range(1 + self.choice(2))]
            pnames = []
            for shape in params:
                pnames.append(inner.fresh("p"))
                inner.variables[pnames[-1]] = shape
            result = self.pick([(), (), (2,)])
            rate, self.constant_rate = self.constant_rate, 0.1
            body = self.expr(inner, result, depth)
            self.constant_rate = rate
            own = ast.Lambda(SPAN, tuple(ast.Param(SPAN, p, None) for p in pnames), body)
            primals = name(pnames[0]) if len(pnames) == 1 else ast.TupleLiteral(SPAN, tuple(map(name, pnames)))
            rule = index(call("vjp", own, primals, name(g)), num(1.0))
        else:
            self.note("surrogate rule")
            self.surrogate = True
            shape = self.pick([(), (), (2,)])
            params, result = [shape], shape
            pnames = [inner.fresh("p")]
            p = name(pnames[0])
            body = self.pick([call("round", p), call("clip", call("round", p), num(0.0), num(3.0)),
                              call("floor", p), binop("*", call("sign", p), num(2.0)),
                              binop("*", call("sin", p), num(2.0))])
            rule = self.pick([name(g), binop("*", name(g), num(0.5)), binop("*", name(g), call("cos", p))])
        definition = ast.FunctionDef(SPAN, fname, tuple(ast.Param(SPAN, p, None) for p in pnames),
                                     (ast.Return(SPAN, body),))
        backward = ast.BackwardDef(SPAN, fname, tuple(ast.Param(SPAN, p, None) for p in pnames + [g]),
                                   (ast.Return(SPAN, rule),))
        return [definition, backward], Function(fname, params, 0, result)

    # ---- statements

    def new_variable(self, scope: Scope, shape: Shape, value) -> tuple:
        target = scope.fresh("t")
        return target, ast.Assign(SPAN, (name(target),), value)

    def statement(self, scope: Scope, depth: int, budget: int) -> list:
        """One statement (or a few that belong together), updating `scope` with what it defines."""
        kind = self.choice(11 if self.extra else 9) if budget > 0 else self.choice(3)
        if kind == 9:
            return self.checkpointed(scope, depth, budget - 1)
        if kind == 10:
            assignment = self.list_assignment(scope, depth)
            if assignment is not None:
                return [assignment]
            kind = 0
        if kind == 0 or (kind in (1, 2) and not scope.assignable):
            shape = self.pick(SHAPES)
            target, stmt = self.new_variable(scope, shape, self.expr(scope, shape, depth))
            scope.variables[target] = shape
            scope.assignable.add(target)
            return [stmt]
        if kind == 1:
            return [self.augmented(scope, depth)]
        if kind == 2:
            return [self.element_assignment(scope, depth) or self.augmented(scope, depth)]
        if kind in (3, 4):
            return self.if_statement(scope, depth, budget - 1)
        if kind in (5, 6):
            return self.for_loop(scope, depth, budget - 1)
        if kind == 7:
            return self.while_loop(scope, depth, budget - 1)
        return [self.print_or_assert(scope, depth)]

    def augmented(self, scope: Scope, depth: int) -> ast.Stmt:
        target = self.pick(sorted(scope.assignable))
        shape = scope.variables[target]
        op = self.pick(["+", "-", "*", "+", "/", "^", "%", "//", "@"])
        if op == "@" and not shape:
            op = "*"
        value_shape = self.pick([shape, ()])
        if op == "^":       # a whole power: defined at any base
            value = num(self.pick([2.0, 3.0, 1.0]))
        elif op == "@":     # a square matrix keeps the shape
            value = self.expr(scope, (shape[-1], shape[-1]), depth)
        elif op in ("/", "%", "//"):
            value = self.positive(scope, value_shape, depth)
        else:
            value = self.expr(scope, value_shape, depth)
        target_node = name(target)
        if shape and op != "@" and self.coin(0.2):      # x[i] op= v
            target_node = index(target_node, *(self.index_for(scope, n) for n in shape))
            if op not in ("^",):
                value = self.positive(scope, (), depth) if op in ("/", "%", "//") else self.expr(scope, (), depth)
        return ast.AugAssign(SPAN, target_node, op, value, SPAN)

    def element_assignment(self, scope: Scope, depth: int) -> Optional[ast.Stmt]:
        arrays = sorted(n for n in scope.assignable if scope.variables[n])
        if not arrays:
            return None
        target = self.pick(arrays)
        shape = scope.variables[target]
        if len(shape) == 1:
            if self.coin(0.8):
                return ast.Assign(SPAN, (index(name(target), self.index_for(scope, shape[0])),),
                                  self.expr(scope, (), depth))
            return ast.Assign(SPAN, (index(name(target), ast.Slice(SPAN, None, None, None)),),
                              self.expr(scope, self.pick([shape, ()]), depth))
        if self.coin(0.6):
            return ast.Assign(SPAN, (index(name(target), self.index_for(scope, shape[0]),
                                           self.index_for(scope, shape[1])),), self.expr(scope, (), depth))
        return ast.Assign(SPAN, (index(name(target), self.index_for(scope, shape[0])),),
                          self.expr(scope, (shape[1],), depth))

    def block(self, scope: Scope, depth: int, budget: int, size: int) -> list:
        body = []
        for _ in range(size):
            body += self.statement(scope, depth, budget)
        return body

    def loop_exit(self, scope: Scope, depth: int) -> list:
        """Sometimes `if cond: break` or `if cond: continue` inside a loop."""
        if not self.coin(0.15):
            return []
        jump = ast.Break(SPAN) if self.coin(0.5) else ast.Continue(SPAN)
        return [ast.If(SPAN, ((self.condition(scope, depth), (jump,)),), ())]

    def if_statement(self, scope: Scope, depth: int, budget: int) -> list:
        """if/elif/else; a variable assigned in every branch is defined afterwards."""
        shape = self.pick(SHAPES)
        target = scope.fresh("t")
        branches = []
        for _ in range(1 + self.choice(2)):
            inner = scope.child()
            body = self.block(inner, depth, budget, self.choice(2))
            body.append(ast.Assign(SPAN, (name(target),), self.expr(inner, shape, depth)))
            branches.append((self.condition(scope, depth), tuple(body)))
        inner = scope.child()
        orelse = self.block(inner, depth, budget, self.choice(2))
        orelse.append(ast.Assign(SPAN, (name(target),), self.expr(inner, shape, depth)))
        scope.variables[target] = shape
        scope.assignable.add(target)
        return [ast.If(SPAN, tuple(branches), tuple(orelse))]

    def for_loop(self, scope: Scope, depth: int, budget: int, jumps: bool = True) -> list:
        """acc = init; for i in range(k): acc op= ...; acc[i] = ... (`jumps`: maybe a break or continue)"""
        shape = self.pick(SHAPES)
        accumulator, init = self.new_variable(scope, shape, self.expr(scope, shape, depth))
        scope.variables[accumulator] = shape
        scope.assignable.add(accumulator)
        k = 1 + self.choice(3)
        counter = scope.fresh("i")
        inner = scope.child(in_loop=True)
        inner.variables[counter] = ()
        inner.loop_bounds[counter] = k
        header = self.unpacking_header(scope, counter, k, depth) if self.coin(0.3) else None
        if header is not None:
            inner.variables.update({n: () for n in header[2]})
        body = self.loop_exit(inner, depth) if jumps else []
        body += self.block(inner, depth, budget, self.choice(2))
        body.append(self.element_assignment(inner, depth) if shape and self.coin(0.3) else None)
        updates = [f for f in scope.functions if f.params[:1] == [shape] and f.result == shape]
        if body[-1] is None and updates and self.extra and self.coin(0.4):
            # acc = f(acc, ...): a loop that calls a function on what it carries (the shape of bug 2)
            function = self.pick(updates)
            args = [name(accumulator)] + self.arguments(inner, function, depth)[1:]
            body[-1] = ast.Assign(SPAN, (name(accumulator),), ast.Call(SPAN, name(function.name), tuple(args), ()))
        if body[-1] is None:
            body[-1] = ast.AugAssign(SPAN, name(accumulator), self.pick(["+", "*", "-"]),
                                     self.expr(inner, self.pick([shape, ()]), depth), SPAN)
        iterable = call("range", num(float(k))) if self.coin(0.8) else call("range", num(0.0), num(float(k)))
        target = name(counter)
        if header is not None:
            target, iterable, _ = header
        return [init, ast.For(SPAN, target, iterable, tuple(body))]

    def unpacking_header(self, scope: Scope, counter: str, k: int, depth: int) -> tuple:
        """(target, iterable, the numbers it binds besides `counter`) of a loop of k items:
        `for i, v in enumerate(...)`, `for i, b in zip(range(k), ...)`, `for i, (a, b) in
        enumerate(M)` (the rows of a (k, 2) matrix) or `for i, (a, b) in enumerate(zip(...))`.
        `counter` is always the position (a number below k), as a range loop's."""
        kind = self.choice(4)
        first, second = scope.fresh("a"), scope.fresh("b")
        pair = ast.TupleLiteral(SPAN, (name(first), name(second)))
        if kind == 0:
            return (ast.TupleLiteral(SPAN, (name(counter), name(first))),
                    call("enumerate", self.expr(scope, (k,), depth)), [first])
        if kind == 1:
            return (ast.TupleLiteral(SPAN, (name(counter), name(second))),
                    call("zip", call("range", num(float(k))), self.expr(scope, (k,), depth)), [second])
        if kind == 2:
            return (ast.TupleLiteral(SPAN, (name(counter), pair)),
                    call("enumerate", self.expr(scope, (k, 2), depth)), [first, second])
        return (ast.TupleLiteral(SPAN, (name(counter), pair)),
                call("enumerate", call("zip", self.expr(scope, (k,), depth), self.expr(scope, (k,), depth))),
                [first, second])

    def while_loop(self, scope: Scope, depth: int, budget: int) -> list:
        """w = 0; while w < k: ...; w += 1"""
        counter = scope.fresh("w")
        k = 1 + self.choice(3)
        inner = scope.child(in_loop=True)
        body = self.block(inner, depth, budget, 1 + self.choice(2))
        body.append(ast.AugAssign(SPAN, name(counter), "+", num(1.0), SPAN))
        loop = ast.While(SPAN, compare(["<"], [name(counter), num(float(k))]), tuple(body))
        return [ast.Assign(SPAN, (name(counter),), num(0.0)), loop]

    def print_or_assert(self, scope: Scope, depth: int) -> ast.Stmt:
        if self.coin(0.5):
            return ast.ExprStmt(SPAN, call("print", ast.String(SPAN, self.draw(MESSAGES)),
                                           self.expr(scope, self.pick(SHAPES), depth)))
        # An assertion that holds: isfinite(...) or a tautology.
        test = call("all", call("isfinite", self.expr(scope, self.pick(SHAPES), depth))) \
            if self.coin(0.5) else compare(["<="], [num(0.0), call("abs", self.expr(scope, (), depth))])
        message = ast.String(SPAN, self.draw(MESSAGES)) if self.coin(0.5) else None
        return ast.Assert(SPAN, test, message)

    def function(self, scope: Scope, depth: int) -> tuple:
        """def fN(p, q=default): ...; return expr"""
        fname = scope.fresh("f")
        params = [self.pick([(), (), (2,), (3,), (2, 2)]) for _ in range(1 + self.choice(3))]
        inner = Scope(counter=scope.counter, functions=list(scope.functions))
        nodes = []
        defaults = 0
        for i, shape in enumerate(params):
            pname = inner.fresh("p")
            inner.variables[pname] = shape
            default = None
            if i == len(params) - 1 and not shape and self.coin(0.3):
                default = self.constant()
                defaults = 1
            nodes.append(ast.Param(SPAN, pname, default))
        result = self.pick([(), (), (2,), (3,)])
        # one `return` only, more often with `extra`: such functions are inlined (rewrites.inlined)
        body = [] if self.extra and self.coin(0.5) else self.block(inner, depth, 1, self.choice(3))
        rate, self.constant_rate = self.constant_rate, 0.1
        body.append(ast.Return(SPAN, self.expr(inner, result, depth)))
        self.constant_rate = rate
        info = Function(fname, params, defaults, result)
        return ast.FunctionDef(SPAN, fname, tuple(nodes), tuple(body)), info


MESSAGES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                   max_size=12) | st.sampled_from(["", "a\\b", 'say "hi"', "it's", "tab\there", "nl\nx"])


@st.composite
def programs(draw, max_depth: int = 3, max_statements: int = 4, max_functions: int = 2,
             wild: float = 0.005, raw: bool = False, extra: bool = False,
             one_scalar_input: bool = False) -> Generated:
    """A random well-formed program whose output (the last statement) is meant to be a number.

    max_depth bounds the nesting of expressions, max_statements the top-level
    statements between the inputs and the output (each may be a loop or an if
    with a block of its own), max_functions the user functions defined first.
    wild is the probability of an operand of a random shape (a likely shape error).
    raw lets log, sqrt, asin, real powers and divisions take any operand (so
    NaN, infinities and singular derivatives happen); without it their operands
    are kept in their domains, away from the singular points.
    extra adds the classes of issue 11 (docs/fuzzing.md): derivatives of closures over the
    inputs, functions that read the inputs, checkpointed loops and blocks that call functions,
    custom `backward` rules (true and surrogate), masked singularities, constructors with
    differentiated arguments, `dot` and `matmul` above 2-D, integer-list, boolean-mask and mixed
    advanced indexing, and assignment through index lists.
    one_scalar_input makes the program a function of one number, which `hessian` and
    `grad --order N` differentiate by Taylor mode.
    """
    g = Gen(draw, wild, raw, extra)
    scope = Scope()
    body: list = []
    for _ in range(g.choice(max_functions + 1)):
        if extra and g.coin(0.5):
            nodes, info = g.custom_function(scope, max(1, max_depth - 1))
            body += nodes
        else:
            node, info = g.function(scope, max(1, max_depth - 1))
            body.append(node)
        scope.functions.append(info)
    inputs: dict = {}
    implicit = []
    for _ in range(1 if one_scalar_input else 1 + g.choice(3)):
        shape = () if one_scalar_input else g.pick(SHAPES)
        input_name = scope.fresh("x")
        value = draw(literal_value(shape))
        inputs[input_name] = value
        scope.variables[input_name] = shape
        how = g.choice(5)
        if how <= 2:
            body.append(ast.Input(SPAN, input_name, value_literal(value)))
        elif how == 3:
            body.append(ast.Input(SPAN, input_name, None))
        else:
            implicit.append(input_name)     # read but never assigned: an input all the same
    for _ in range(g.choice(max_statements + 1)):
        if extra and g.coin(0.35):
            node, info = g.closure_function(scope, max(1, max_depth - 1))
            body.append(node)
            scope.functions.append(info)
        body += g.statement(scope, max_depth, 2)
    g.constant_rate = 0.05          # the output reads the variables (and so the inputs) much more often
    output = g.expr(scope, (), max_depth)
    if g.coin(0.15):
        body.append(ast.Return(SPAN, output))
    elif g.coin(0.2):
        body.append(ast.ExprStmt(SPAN, output))
    else:
        body.append(ast.Assign(SPAN, (name("out"),), output))
    return Generated(ast.Module(tuple(body)), inputs, raw, g.twins, frozenset(g.features), frozenset(g.custom),
                     g.surrogate)


# ---------------------------------------------------------------- the printer

# Precedence levels, lowest first, as in the grammar's rule ladder.
LAMBDA, IFEXP, OR, AND, NOT, COMPARE, ARITH, TERM, FACTOR, POWER, POSTFIX, ATOM = range(12)
BINARY_LEVELS = {"+": ARITH, "-": ARITH, "*": TERM, "/": TERM, "//": TERM, "%": TERM, "@": TERM, "^": POWER}


@dataclass(frozen=True)
class Style:
    """Choices that do not change the tree: how `^` is spelled, one-line bodies, extra parentheses."""
    power: str = "^"
    inline_bodies: bool = False
    indent: str = "    "
    extra_parentheses: bool = False


def format_number(value: float) -> str:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"no literal for {value!r}")
    if value.is_integer() and value < 1e16:
        return str(int(value))
    return repr(value)


def format_string(value: str) -> str:
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t").replace("\0", "\\0"))
    return f'"{escaped}"'


class Printer:
    def __init__(self, style: Style = Style()):
        self.style = style

    def expr(self, node, need: int = LAMBDA) -> str:
        text, level = self._render(node)
        if level < need or (self.style.extra_parentheses and level < ATOM and need > LAMBDA):
            return f"({text})"
        return text

    def _render(self, node) -> tuple:
        s = self.style
        if isinstance(node, ast.Number):
            return format_number(node.value), ATOM
        if isinstance(node, ast.Bool):
            return ("true" if node.value else "false"), ATOM
        if isinstance(node, ast.NoneLiteral):
            return "None", ATOM
        if isinstance(node, ast.String):
            return format_string(node.value), ATOM
        if isinstance(node, ast.Name):
            return node.id, ATOM
        if isinstance(node, ast.ListLiteral):
            return "[" + ", ".join(self.expr(i) for i in node.items) + "]", ATOM
        if isinstance(node, ast.TupleLiteral):
            if len(node.items) == 1:
                return f"({self.expr(node.items[0])},)", ATOM
            return "(" + ", ".join(self.expr(i) for i in node.items) + ")", ATOM
        if isinstance(node, ast.UnaryOp):
            if node.op == "not":
                return f"not {self.expr(node.operand, NOT)}", NOT
            return f"{node.op}{self.expr(node.operand, FACTOR)}", FACTOR
        if isinstance(node, ast.BinaryOp):
            level = BINARY_LEVELS[node.op]
            if node.op == "^":
                return f"{self.expr(node.left, POSTFIX)} {s.power} {self.expr(node.right, FACTOR)}", POWER
            return f"{self.expr(node.left, level)} {node.op} {self.expr(node.right, level + 1)}", level
        if isinstance(node, ast.Compare):
            parts = [self.expr(node.operands[0], ARITH)]
            for op, operand in zip(node.ops, node.operands[1:]):
                parts += [op, self.expr(operand, ARITH)]
            return " ".join(parts), COMPARE
        if isinstance(node, ast.BoolOp):
            level = OR if node.op == "or" else AND
            return f"{self.expr(node.left, level)} {node.op} {self.expr(node.right, level + 1)}", level
        if isinstance(node, ast.IfExp):
            return (f"{self.expr(node.then, OR)} if {self.expr(node.cond, OR)} else "
                    f"{self.expr(node.orelse, IFEXP)}"), IFEXP
        if isinstance(node, ast.Call):
            args = [self.expr(a) for a in node.args] + [f"{k.name}={self.expr(k.value)}" for k in node.kwargs]
            return f"{self.expr(node.func, POSTFIX)}({', '.join(args)})", POSTFIX
        if isinstance(node, ast.Index):
            parts = [self.slice(i) if isinstance(i, ast.Slice) else "..." if isinstance(i, ast.EllipsisIndex)
                     else self.expr(i) for i in node.indices]
            return f"{self.expr(node.target, POSTFIX)}[{', '.join(parts)}]", POSTFIX
        if isinstance(node, ast.Lambda):
            params = self.params(node.params)
            return (f"lambda {params}: " if params else "lambda: ") + self.expr(node.body), LAMBDA
        raise TypeError(f"cannot print {type(node).__name__}")

    def slice(self, node: ast.Slice) -> str:
        part = lambda e: "" if e is None else self.expr(e, IFEXP)   # noqa: E731
        text = f"{part(node.start)}:{part(node.stop)}"
        return text + (f":{part(node.step)}" if node.step is not None else "")

    def params(self, params) -> str:
        return ", ".join(p.name if p.default is None else f"{p.name}={self.expr(p.default, IFEXP)}"
                         for p in params)

    def testlist(self, node) -> str:
        """Where the grammar takes a testlist, a tuple needs no parentheses."""
        if isinstance(node, ast.TupleLiteral) and len(node.items) > 1:
            return ", ".join(self.expr(i) for i in node.items)
        return self.expr(node)

    # ---- statements

    def module(self, module: ast.Module) -> str:
        return "".join(self.statement(s, 0) for s in module.body)

    def statement(self, node, level: int) -> str:
        pad = self.style.indent * level
        simple = self.simple(node)
        if simple is not None:
            return f"{pad}{simple}\n"
        if isinstance(node, ast.If):
            out = []
            for i, (cond, body) in enumerate(node.branches):
                out.append(self.header(("if " if i == 0 else "elif ") + self.expr(cond), body, level))
            if node.orelse:
                out.append(self.header("else", node.orelse, level))
            return "".join(out)
        if isinstance(node, ast.While):
            return self.header(f"while {self.expr(node.cond)}", node.body, level)
        if isinstance(node, ast.For):
            return self.header(f"for {self.testlist(node.target)} in {self.testlist(node.iterable)}",
                               node.body, level)
        if isinstance(node, ast.FunctionDef):
            return self.header(f"def {node.name}({self.params(node.params)})", node.body, level)
        if isinstance(node, ast.BackwardDef):
            return self.header(f"backward {node.name}({self.params(node.params)})", node.body, level)
        if isinstance(node, ast.With):
            return self.header(f"with {self.expr(node.context)}", node.body, level)
        raise TypeError(f"cannot print {type(node).__name__}")

    def header(self, head: str, body, level: int) -> str:
        pad = self.style.indent * level
        if not body:
            raise ValueError("an empty block has no source text")
        if self.style.inline_bodies:
            simple = [self.simple(s) for s in body]
            if all(s is not None for s in simple):
                return f"{pad}{head}: {'; '.join(simple)}\n"
        return f"{pad}{head}:\n" + "".join(self.statement(s, level + 1) for s in body)

    def simple(self, node) -> Optional[str]:
        if isinstance(node, ast.Input):
            return f"input {node.name}" + ("" if node.default is None else f" = {self.expr(node.default)}")
        if isinstance(node, ast.Assign):
            return " = ".join(self.testlist(t) for t in node.targets) + " = " + self.testlist(node.value)
        if isinstance(node, ast.AugAssign):
            op = "**" if node.op == "^" else node.op
            return f"{self.testlist(node.target)} {op}= {self.testlist(node.value)}"
        if isinstance(node, ast.ExprStmt):
            return self.testlist(node.expr)
        if isinstance(node, ast.Return):
            return "return" if node.value is None else f"return {self.testlist(node.value)}"
        if isinstance(node, ast.Break):
            return "break"
        if isinstance(node, ast.Continue):
            return "continue"
        if isinstance(node, ast.Pass):
            return "pass"
        if isinstance(node, ast.Assert):
            return f"assert {self.expr(node.test)}" + ("" if node.message is None else f", {self.expr(node.message)}")
        return None


def to_source(module: ast.Module, style: Style = Style()) -> str:
    return Printer(style).module(module)


STYLES = st.builds(Style, power=st.sampled_from(["^", "**"]), inline_bodies=st.booleans(),
                   indent=st.sampled_from(["    ", "  ", "\t"]), extra_parentheses=st.booleans())


# ------------------------------------------------------------- comparing trees

def node_fields(node) -> Optional[tuple]:
    """The field names of an AST node (dataclass or not), or None for anything else."""
    if type(node).__module__ != ast.__name__:
        return None
    if dataclasses.is_dataclass(node):
        return tuple(f.name for f in dataclasses.fields(node))
    if hasattr(ast, "fields"):
        return tuple(ast.fields(node))
    return tuple(type(node).__slots__)


def strip_spans(node) -> Any:
    """A node as nested tuples without its spans: equal for trees that differ only in positions."""
    if isinstance(node, (tuple, list)):
        return tuple(strip_spans(n) for n in node)
    names = node_fields(node)
    if names is not None:
        return (type(node).__name__,) + tuple(
            (f, strip_spans(getattr(node, f))) for f in names if f not in ("span", "op_span"))
    return node
