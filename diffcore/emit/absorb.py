"""The zero-cotangent rule in emitted code: where a derivative's product can meet 0 times inf.

On the tape, the products and quotients of derivative rules (`cot_mul`, `cot_div`,
engine/elementwise.py) are 0 wherever a factor (a numerator) is exactly 0, even times inf or
nan: that is what keeps `where(x > 0, sqrt(x), 0)` at x = 0 from a nan gradient
(docs/numerics.md). Emitted code keeps the rule with two helpers, spelled alike in both targets,

    _zmul(a, b)     a*b, but 0 where a or b is 0
    _zdiv(a, b)     a/b, but 0 where a is 0

written only where a factor can be non-finite, so that ordinary code still reads `a*b`:

  - a factor can be non-finite if its expression holds a singular operation (a division by a
    non-constant, sqrt, log, a negative or fractional power, tan, ...: `SINGULAR`) or reads a
    value of the program that can (`nonfinite_names`, from the definitions in the emitted
    statements), except under a `where`: a mask is taken to select a finite branch, which is
    what masking is for (where it selects inf, the tape's answer is not finite either).
    Overflow (exp(1000)) is not looked for;
  - a quotient needs `_zdiv` where its denominator can vanish (it is not a nonzero constant,
    nor an exp or cosh of finite values) and its numerator is not a nonzero constant.

A nonzero finite constant factor can never meet a zero to absorb, so `2*x` stays `2*x`.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .ir import Assign, Code, If
from .symbolic import Const, Expr, postorder

# Elementwise operations whose value can be inf or nan at finite arguments (a pole, a domain's
# edge). A singular matrix (solve, cholesky) makes the program's own values non-finite: not looked for.
SINGULAR = frozenset(("sqrt", "log", "log1p", "tan", "asin", "acos", "atanh", "acosh", "gammaln", "polygamma",
                      "xlogy", "mod"))

# Operations whose value cannot be 0 at a finite argument: a denominator that needs no _zdiv.
POSITIVE = frozenset(("exp", "cosh"))

HELPERS = {"cot_mul": "_zmul", "cot_div": "_zdiv"}

LANGUAGE_HELPERS = {
    "_zmul": "def _zmul(a, b):\n    return where(a == 0, 0, where(b == 0, 0, a*b))\n",
    "_zdiv": "def _zdiv(a, b):\n    return where(a == 0, 0, a/b)\n",
}


def _nonzero_constant(node: Expr) -> bool:
    if not isinstance(node, Const):
        return False
    v = np.asarray(node.value)
    return bool(v.size) and bool(np.all((v != 0) & np.isfinite(v)))


def _singular(node: Expr) -> bool:
    """Whether this call itself can give a non-finite value from finite arguments."""
    op = node.op
    if op in SINGULAR:
        return True
    if op in ("div", "cot_div"):
        return not _nonzero_constant(node.args[1]) and node.args[1].op not in POSITIVE
    if op == "pow":
        e = node.args[1]
        if not isinstance(e, Const):
            return True
        v = np.asarray(e.value)
        return not bool(np.all((v >= 0) & (v == np.floor(v))))
    return False


class Finiteness:
    """Which nodes can be non-finite, given the names of values that can be (remembered per node)."""

    def __init__(self, names: set):
        self.names = names
        self.memo: dict = {}

    def nonfinite(self, node: Expr) -> bool:
        known = self.memo.get(id(node))
        if known is not None:
            return known
        for n in postorder([node]):
            if id(n) in self.memo:
                continue
            if isinstance(n, Const):
                out = not bool(np.all(np.isfinite(np.asarray(n.value))))
            elif n.op == "var":
                out = n.name in self.names
            elif n.op == "where":
                out = False         # a mask: the program selects its finite branch (see above)
            else:
                out = _singular(n) or any(self.memo[id(a)] for a in n.args)
            self.memo[id(n)] = out
        return self.memo[id(node)]

    def helper(self, node: Expr) -> Optional[str]:
        """The helper a cot_mul or cot_div node is written with, or None for plain `*` or `/`."""
        a, b = node.args
        if node.op == "cot_mul":
            if _nonzero_constant(a) or _nonzero_constant(b):
                return None
            return HELPERS["cot_mul"] if self.nonfinite(a) or self.nonfinite(b) else None
        if _nonzero_constant(a) or _nonzero_constant(b) or b.op in POSITIVE and not self.nonfinite(b):
            return None
        return HELPERS["cot_div"]


def nonfinite_names(blocks: list) -> set:
    """The names the statements assign a value that can be non-finite (to a fixed point, as a loop's
    copies carry a value back to a name assigned before the loop)."""
    names: set = set()
    assigns = []
    copies = []
    stack = [s for block in blocks for s in block]
    while stack:
        s = stack.pop()
        if isinstance(s, Assign):
            if not isinstance(s.value, Code):
                assigns.append(s)
        elif isinstance(s, If):
            stack += s.then + s.orelse
        else:
            for part in ("head", "body"):
                stack += getattr(s, part, None) or []
            copies += [(a, b) for a, b in getattr(s, "copies", None) or getattr(s, "carried", None) or []]
    changed = True
    while changed:
        changed = False
        check = Finiteness(names)
        for s in assigns:
            if s.name not in names and check.nonfinite(s.value):
                names.add(s.name)
                changed = True
        for a, b in copies:
            if b in names and a not in names:
                names.add(a)
                changed = True
    return names
