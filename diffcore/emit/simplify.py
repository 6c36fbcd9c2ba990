"""Simplification of expressions (symbolic.py's nodes): readable, and equal in value.

`simplify(roots, table)` returns the simplified nodes, made in the same table (so common
subexpressions stay shared). What it does, bottom-up, once per node:

- constant folding: a call whose arguments are all constants becomes the constant it computes
  (by the primitive itself, so the value is the engine's);
- neutral elements: x*1, x/1, x+0, x-0, x^1, and under the zero-cotangent rule (the rules'
  `cot_mul` and `cot_div`, where an exact zero absorbs even inf and nan) 0*x and 0/x are 0;
  the program's own `mul` keeps IEEE 0*inf = nan, so a program's 0*x stays;
- products are flattened (mul, cot_mul, div, cot_div, neg, integer powers): a numeric
  coefficient in front (a quotient of two numbers, so x/3 stays x/3), repeated factors collected
  (x*x -> x^2, x^2*x -> x^3, x*y/x -> y), factors ordered by creation (inputs first); a product
  that held a rule's cot_mul or cot_div is rebuilt with them, so it keeps the zero-cotangent rule
  (absorb.py writes it where a factor can be non-finite); (-x)^k keeps the sign (-1)^k;
- sums are flattened (add, sub, neg): repeated terms collected (x + x -> 2*x, 2*x - x -> x),
  constants added up and put last, a negative term subtracted (a + -b -> a - b);
- negation: -(-x) -> x, -(2*x) -> -2*x, a negative coefficient in front;
- shape operations that do nothing disappear (a reshape, broadcast or transpose to the shape
  a value already has, a sum over no axis), reshapes of reshapes merge, numbers in a product
  move out of reshapes, transposes, broadcasts and sums (sum(2*x) -> 2*sum(x)), and a matrix
  product with a constant 1x1 factor is a multiplication.

The result has each node's shape; where a rewrite would change it (x + zeros(3) -> x for a
number x) the value is broadcast back. Values agree with the original's wherever its
intermediate values are finite (collection may turn x/x into 1, which differs at x = 0).
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..engine.tracing import REGISTRY
from .symbolic import Call, Const, Expr, ExprTable, postorder

_SUM_OPS = ("add", "sub", "neg")
_PRODUCT_OPS = ("mul", "cot_mul", "div", "cot_div", "neg", "pow")
_LINEAR_SHAPE_OPS = ("reshape", "broadcast_to", "transpose", "sum")


def _broadcast(*shapes: tuple) -> tuple:
    return tuple(np.broadcast_shapes(*shapes))


class Factors(list):
    """The [(base, exponent)] of a product; `absorbing` if it held a derivative rule's cot_mul or
    cot_div, whose zero-cotangent rule (0 times inf is 0) the rebuilt product keeps."""

    def __init__(self, items, absorbing: bool):
        super().__init__(items)
        self.absorbing = absorbing


class Simplifier:
    """Simplifies nodes of one table; remembers what it did, so shared nodes are done once."""

    def __init__(self, table: ExprTable):
        self.table = table
        self.done: dict = {}        # id(original) -> simplified
        self.sizes: dict = {}

    # ---------------------------------------------------------- building blocks

    def size(self, node: Expr) -> int:
        """The number of calls in a node's expression (shared nodes counted once), remembered."""
        n = self.sizes.get(id(node))
        if n is None:
            n = self.sizes[id(node)] = sum(1 for m in postorder([node]) if isinstance(m, Call))
        return n

    def const(self, value) -> Const:
        return self.table.const(value)

    def call(self, name: str, args: tuple, params: Optional[dict] = None, shape: Optional[tuple] = None) -> Expr:
        """A call of the primitive `name`, itself simplified (its arguments already are)."""
        prim = REGISTRY[name]
        if shape is None:
            shape = _broadcast(*(a.shape for a in args))
        return self.rewrite(self.table.call(prim, args, params, shape))

    def fit(self, node: Expr, shape: tuple) -> Expr:
        """`node` with exactly `shape` (broadcast if it has fewer elements)."""
        if node.shape == shape:
            return node
        if isinstance(node, Const):
            return self.const(np.broadcast_to(node.value, shape))
        return self.table.call(REGISTRY["broadcast_to"], (node,), {"shape": shape}, shape)

    def zeros(self, shape: tuple) -> Const:
        return self.const(np.zeros(shape) if shape else 0.0)

    # ------------------------------------------------------------------ driver

    def __call__(self, roots: list) -> list:
        for node in postorder(roots):
            if id(node) in self.done:
                continue
            if isinstance(node, Call):
                args = tuple(self.done[id(a)] for a in node.args)
                rebuilt = node if all(a is b for a, b in zip(args, node.args)) else \
                    self.table.call(node.prim, args, node.params, node.shape)
                self.done[id(node)] = self.rewrite(rebuilt)
            else:
                self.done[id(node)] = node
        return [self.done[id(r)] for r in roots]

    def rewrite(self, node: Expr, depth: int = 0) -> Expr:
        """One node whose arguments are simplified: its simplest form."""
        if not isinstance(node, Call):
            return node
        if all(isinstance(a, Const) for a in node.args) and node.prim.size is not None:
            value = node.prim.bind(*(a.value for a in node.args), **node.params)
            return self.const(value)
        op = node.op
        out = None
        if op in ("reshape", "broadcast_to") and node.args[0].shape == node.shape:
            return node.args[0]
        if op == "transpose":
            out = self._transpose(node)
        elif op == "reshape":
            out = self._reshape(node)
        elif op == "sum":
            out = self._sum(node)
        elif op in ("matmul", "cot_matmul"):
            out = self._matmul(node)
        elif op in _SUM_OPS and op != "neg" or op == "neg" and node.args[0].op in _SUM_OPS:
            out = self._sum_of_terms(node)
        elif op in _PRODUCT_OPS:
            out = self._product(node)
        if out is None or out is node:
            return node
        out = self.fit(out, node.shape)
        return out if depth > 8 else self.rewrite(out, depth + 1) if out.op != node.op else out

    # ------------------------------------------------------------- shape ops

    def _scalar_out(self, node: Call) -> Optional[Expr]:
        """op(s*M) -> s*op(M) for a linear shape op and numbers s (shape ()) among the factors."""
        inner = node.args[0]
        if inner.op not in ("mul", "cot_mul", "neg", "div", "cot_div"):
            return None
        coef, factors = self.factors(inner)
        if coef is None:
            return None
        scalars = [(b, e) for b, e in factors if b.shape == ()]
        if not scalars and coef == (1.0, 1.0) or len(scalars) == len(factors):
            return None
        rest = Factors([(b, e) for b, e in factors if b.shape != ()], factors.absorbing)
        moved = self.table.call(node.prim, (self.build_product((1.0, 1.0), rest, inner.shape),),
                                node.params, node.shape)
        return self.build_product(coef, Factors(scalars + [(self.rewrite(moved), 1)], factors.absorbing), node.shape)

    def _reshape(self, node: Call) -> Optional[Expr]:
        x = node.args[0]
        if x.op == "reshape":
            return self.call("reshape", (x.args[0],), {"shape": node.shape}, node.shape)
        if x.op in ("matmul", "cot_matmul") and len(node.shape) == 1:
            # a vector promoted to a matrix for a product, and back: the product with the vector
            a, b = x.args
            if len(a.shape) == 2 and b.op == "reshape" and len(b.args[0].shape) == 1 and b.shape[-1] == 1:
                return self.call(x.op, (a, b.args[0]), shape=node.shape)
            if len(b.shape) == 2 and a.op == "reshape" and len(a.args[0].shape) == 1 and a.shape[0] == 1:
                return self.call(x.op, (a.args[0], b), shape=node.shape)
        return self._scalar_out(node)

    def _transpose(self, node: Call) -> Optional[Expr]:
        x = node.args[0]
        axes = node.params.get("axes")
        order = tuple(range(len(x.shape)))[::-1] if axes is None else tuple(axes)
        if order == tuple(range(len(x.shape))):
            return x
        moved = [a for a in order if x.shape[a] != 1]
        if moved == sorted(moved):          # only axes of length 1 move: a reshape
            return self.call("reshape", (x,), {"shape": node.shape}, node.shape)
        return self._scalar_out(node)

    def _sum(self, node: Call) -> Optional[Expr]:
        x = node.args[0]
        axis = node.params.get("axis")
        if not x.shape or axis == ():
            return x if not node.params.get("keepdims") or x.shape == node.shape else None
        if x.op == "broadcast_to" and x.args[0].shape == () and axis is None:
            return self.call("mul", (self.const(float(math.prod(x.shape))), x.args[0]), shape=node.shape)
        return self._scalar_out(node)

    def _matmul(self, node: Call) -> Optional[Expr]:
        a, b = node.args
        for k, side in enumerate((a, b)):      # a product is linear in each side: numbers move out
            if side.op in ("mul", "cot_mul", "neg", "div", "cot_div"):
                coef, factors = self.factors(side)
                if coef is None:
                    continue
                scalars = [(f, e) for f, e in factors if f.shape == ()]
                if coef == (1.0, 1.0) and not scalars or len(scalars) == len(factors):
                    continue
                rest = self.build_product((1.0, 1.0), Factors([(f, e) for f, e in factors if f.shape != ()],
                                                              factors.absorbing), side.shape)
                inner = self.rewrite(self.table.call(node.prim, (rest, b) if k == 0 else (a, rest), None, node.shape))
                return self.build_product(coef, Factors(scalars + [(inner, 1)], factors.absorbing), node.shape)
        for small, other, inner_axis in ((a, b, -2), (b, a, -1)):
            if isinstance(small, Const) and small.shape == (1, 1) and len(other.shape) >= 2 \
                    and other.shape[inner_axis] == 1:
                return self.call("mul", (self.const(float(small.value[0, 0])), other), shape=node.shape)
        return None

    # ----------------------------------------------------------------- products

    def factors(self, node: Expr) -> tuple:
        """(coefficient as (numerator, denominator), [(base, integer exponent)]) of a product;
        (None, None) where the product cannot be taken apart exactly (a program's 0*x)."""
        coef = [1.0, 1.0]
        out: list = []
        absorbing = False
        stack = [(node, 1)]
        while stack:
            n, e = stack.pop()
            op = n.op
            if isinstance(n, Const) and n.shape != () and n.value.size and np.all(n.value == n.value.flat[0]):
                n = self.const(float(n.value.flat[0]))      # a uniform array: a number, broadcast later
            if isinstance(n, Const) and n.shape == () and n.value != 0.0 and math.isfinite(n.value):
                if e > 0:
                    coef[0] *= n.value ** e
                else:
                    coef[1] *= n.value ** -e
                continue
            if op in ("cot_mul", "cot_div"):
                absorbing = True
            if op in ("mul", "cot_mul"):
                zero = any(isinstance(a, Const) and a.is_value(0.0) for a in n.args)
                if zero:
                    if op == "mul":
                        return None, None
                    return (0.0, 1.0), Factors([], True)
                stack.extend((a, e) for a in reversed(n.args))
            elif op in ("div", "cot_div"):
                if isinstance(n.args[0], Const) and n.args[0].is_value(0.0) and op == "div":
                    return None, None
                stack.append((n.args[1], -e))
                stack.append((n.args[0], e))
            elif op == "neg":
                if e % 2:               # (-x)^e = (-1)^e x^e: the sign goes only with an odd power
                    coef[0] = -coef[0]
                stack.append((n.args[0], e))
            elif op == "pow" and isinstance(n.args[1], Const) and n.args[1].shape == () \
                    and float(n.args[1].value).is_integer() and n.args[1].value != 0.0:
                stack.append((n.args[0], e * int(n.args[1].value)))
            else:
                out.append((n, e))
        if coef[0] == 0.0:
            return (0.0, 1.0), Factors([], absorbing)
        # collect repeated bases (their exponents add), in order of creation
        exponents: dict = {}
        bases: dict = {}
        for b, e in out:
            exponents[id(b)] = exponents.get(id(b), 0) + e
            bases[id(b)] = b
        collected = [(bases[k], e) for k, e in exponents.items() if e != 0]
        collected.sort(key=lambda be: self.size(be[0]))     # stable: simpler factors first
        return (coef[0], coef[1]), Factors(collected, absorbing)

    def _product(self, node: Call) -> Optional[Expr]:
        if node.op == "pow":
            base, exponent = node.args
            if isinstance(exponent, Const) and exponent.is_value(1.0):
                return base
            if not (isinstance(exponent, Const) and exponent.shape == ()
                    and float(exponent.value).is_integer()):
                return None
        if node.op in ("cot_mul",) and any(isinstance(a, Const) and a.is_value(0.0) for a in node.args):
            return self.zeros(node.shape)
        if node.op == "cot_div" and isinstance(node.args[0], Const) and node.args[0].is_value(0.0):
            return self.zeros(node.shape)
        coef, factors = self.factors(node)
        if coef is None:
            return None
        rebuilt = self.build_product(coef, factors, node.shape)
        return rebuilt

    def build_product(self, coef: tuple, factors: list, shape: tuple) -> Expr:
        """coef[0] * (positive powers) / (coef[1] * negative powers), with the numbers in front."""
        num, den = coef
        if num == 0.0:
            return self.zeros(shape)
        sign = -1.0 if num < 0 else 1.0
        num = abs(num)
        if den < 0:
            sign, den = -sign, -den
        if num != 1.0 and den != 1.0 and (num / den).is_integer():
            num, den = num / den, 1.0
        absorbing = getattr(factors, "absorbing", False)
        top = [self._power(b, e) for b, e in factors if e > 0]
        bottom = [self._power(b, -e) for b, e in factors if e < 0]
        result = self._chain(([self.const(num)] if num != 1.0 else []) + top, absorbing)
        if bottom or den != 1.0:
            denominator = self._chain(([self.const(den)] if den != 1.0 else []) + bottom)
            result = self.table.call(REGISTRY["cot_div" if absorbing else "div"], (result, denominator), None,
                                     _broadcast(result.shape, denominator.shape))
        if sign < 0:
            result = self.table.call(REGISTRY["neg"], (result,), None, result.shape)
        return self.fit(result, _broadcast(result.shape, shape)) if result.shape != shape else result

    def _chain(self, parts: list, absorbing: bool = False) -> Expr:
        """The product of `parts`, left to right (1 for none); with cot_mul if `absorbing`."""
        if not parts:
            return self.const(1.0)
        out = parts[0]
        prim = REGISTRY["cot_mul" if absorbing else "mul"]
        for p in parts[1:]:
            out = self.table.call(prim, (out, p), None, _broadcast(out.shape, p.shape))
        return out

    def _power(self, base: Expr, e: int) -> Expr:
        if e == 1:
            return base
        return self.table.call(REGISTRY["pow"], (base, self.const(float(e))), None, base.shape)

    # --------------------------------------------------------------------- sums

    def terms(self, node: Expr) -> list:
        """[(coefficient, term node or None for a constant, constant value)] of a sum."""
        out = []
        stack = [(node, 1.0)]
        while stack:
            n, sign = stack.pop()
            if n.op == "add":
                stack.extend((a, sign) for a in reversed(n.args))
            elif n.op == "sub":
                stack.append((n.args[1], -sign))
                stack.append((n.args[0], sign))
            elif n.op == "neg":
                stack.append((n.args[0], -sign))
            else:
                out.append((n, sign))
        return out

    def _sum_of_terms(self, node: Call) -> Optional[Expr]:
        collected: dict = {}            # id(rest) -> [rest, (num, den)]
        constant = None
        for n, sign in self.terms(node):
            if isinstance(n, Const):
                value = n.value * sign
                constant = value if constant is None else constant + value
                continue
            coef, factors = self.factors(n)
            if coef is None:
                coef, factors = (1.0, 1.0), [(n, 1)]
            num, den = coef
            if num == 0.0:
                continue
            if not factors:                 # a number, written as a product of numbers
                value = sign * num / den
                constant = value if constant is None else constant + value
                continue
            rest = self.build_product((1.0, 1.0), factors, n.shape)
            entry = collected.get(id(rest))
            if entry is None:
                collected[id(rest)] = [factors, (sign * num, den), sorted(f[0].id for f in factors), n.shape]
            else:
                a, b = entry[1]
                entry[1] = (a * den + sign * num * b, b * den) if b != den else (a + sign * num, b)
        entries = [e for e in collected.values() if e[1][0] != 0.0]
        entries.sort(key=lambda e: e[2])
        terms = [self.build_product(c, factors, shape) for factors, c, _, shape in entries]
        if constant is not None and not (np.all(np.asarray(constant) == 0.0) and terms):
            terms.append(self.const(constant))
        if not terms:
            return self.zeros(node.shape)
        # a negative first term goes after the first positive one: a - b rather than -b + a
        first_positive = next((i for i, t in enumerate(terms) if not self._negative(t)), None)
        if first_positive:
            terms.insert(0, terms.pop(first_positive))
        out = terms[0]
        for t in terms[1:]:
            if self._negative(t):
                magnitude = self._negated(t)
                out = self.table.call(REGISTRY["sub"], (out, magnitude), None, _broadcast(out.shape, t.shape))
            else:
                out = self.table.call(REGISTRY["add"], (out, t), None, _broadcast(out.shape, t.shape))
        return out

    @staticmethod
    def _negative(t: Expr) -> bool:
        if isinstance(t, Const):
            return t.shape == () and t.value < 0
        return t.op == "neg"

    def _negated(self, t: Expr) -> Expr:
        if isinstance(t, Const):
            return self.const(-t.value)
        return t.args[0]


def simplify(roots: list, table: ExprTable, simplifier: Optional[Simplifier] = None) -> list:
    """The simplified forms of `roots` (nodes of `table`), in the same table."""
    return (simplifier or Simplifier(table))(list(roots))
