"""Linear algebra primitives: einsum, solve, det and slogdet.

Same contract as `arrays.py`: each primitive once, with its forward function and every rule,
rules written with primitives. The matrix functions work on the last two axes and batch over
the leading ones, as numpy 2 does; their batching rule is therefore the primitive itself on
the stacked examples (the batch axis is one more leading axis). The factorisations (cholesky,
eigh, svd, pinv) are in `decompositions.py`.

A matrix the forward function cannot factor (a singular one for solve, one that is not
positive definite for cholesky) is a `RuntimeProgramError` with a hint, raised from the
forward function: the interpreter gives it the location of the call, and a derivative rule
that meets one reports it the same way.

Params are canonicalised by the builtins (interpreter/linalg_builtins.py): einsum's
subscripts are explicit (`ij,jk->ik`), without an ellipsis, every label bound to one length.
"""
from __future__ import annotations

import math
from itertools import accumulate

import numpy as np

from .arrays import _swap_last as swap_last
from .arrays import concat, getitem, matmul
from .broadcasting import batch_elementwise, reshape, sum_, unbroadcast, value_shape
from .elementwise import add, cot_mul, mul, neg, sub
from .errors import RuntimeProgramError
from .numeric import plain, shape_of, size_of
from .tracing import NoRule, primitive, strip

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def singular(what: str) -> RuntimeProgramError:
    return RuntimeProgramError(f"{what}: the matrix is singular",
                               hint="a singular matrix has no inverse; lstsq-like problems can use pinv")


def leading_batch(prim, args, batched, **params):
    """The batching rule of a function of the last two axes that maps over the leading ones."""
    return prim.bind(*args, **params)


def _batch_of(x) -> tuple:
    return value_shape(x)[:-2]


def eye_like(x):
    """The identity of x's last two axes, broadcast over its leading ones (a constant)."""
    shape = value_shape(x)
    return np.broadcast_to(np.eye(shape[-1]), shape)


# ------------------------------------------------------------------ einsum

def parse(subscripts: str) -> tuple:
    inputs, output = subscripts.split("->")
    return inputs.split(","), output


def label_sizes(subscripts: str, shapes) -> dict:
    """The length of each label, from the operands' shapes."""
    sizes = {}
    for spec, shape in zip(parse(subscripts)[0], shapes):
        sizes.update(zip(spec, shape))
    return sizes


def _einsum_impl(*operands, subscripts):
    return plain(np.einsum(subscripts, *operands))


def _einsum_size(*operands, subscripts):
    sizes = label_sizes(subscripts, [shape_of(x) for x in operands])
    return math.prod(sizes[c] for c in parse(subscripts)[1])


def _einsum_work(n, *operands, subscripts):
    """The loop einsum runs: every combination of the labels, once per operand."""
    sizes = label_sizes(subscripts, [shape_of(x) for x in operands])
    return len(operands) * math.prod(sizes.values()) + n + sum(size_of(x) for x in operands)


def _einsum_vjp(k, g, ans, *operands, subscripts):
    """The cotangent of operand k: the einsum of g with the other operands, out to operand k's labels.

    A label repeated in operand k (a diagonal) gets a fresh label and an identity linking the
    two; a label of operand k found nowhere else (summed over) is broadcast by a ones operand.
    """
    inputs, output = parse(subscripts)
    sizes = label_sizes(subscripts, [value_shape(x) for x in operands])
    others = [s for j, s in enumerate(inputs) if j != k]
    present = set(output).union(*others) if others else set(output)
    fresh = iter(c for c in LETTERS if c not in sizes)
    specs, values, target, seen = [output] + others, [g] + [x for j, x in enumerate(operands) if j != k], "", set()
    for c in inputs[k]:
        if c in seen:
            d = next(fresh)
            specs.append(c + d)
            values.append(np.eye(sizes[c]))
            target += d
        else:
            seen.add(c)
            target += c
            if c not in present:
                specs.append(c)
                values.append(np.ones(sizes[c]))
    return einsum(*values, subscripts=",".join(specs) + "->" + target)


class _EinsumRules:
    __slots__ = ()

    def __getitem__(self, k):
        return lambda g, ans, *operands, subscripts: _einsum_vjp(k, g, ans, *operands, subscripts=subscripts)


def _einsum_jvp(ts, ans, *operands, subscripts):
    total = None
    for k, t in enumerate(ts):
        if t is not None:
            term = einsum(*operands[:k], t, *operands[k + 1:], subscripts=subscripts)
            total = term if total is None else add(total, term)
    return total


def _einsum_batch(prim, args, batched, subscripts):
    inputs, output = parse(subscripts)
    b = next(c for c in LETTERS if c not in subscripts)
    specs = [b + s if is_batched else s for s, is_batched in zip(inputs, batched)]
    return prim.bind(*args, subscripts=",".join(specs) + "->" + b + output)


def _einsum_series(s, prim, subscripts):
    """A multilinear function: operands folded in pairs, each pair a Cauchy product of einsums that
    keeps the labels still needed by the operands after it or by the output."""
    inputs, output = parse(subscripts)
    acc, spec = s[0], inputs[0]
    for j in range(1, len(inputs)):
        later = set(output).union(*inputs[j + 1:])
        keep = "".join(dict.fromkeys(c for c in spec + inputs[j] if c in later))
        rule = f"{spec},{inputs[j]}->{keep}"
        x = s[j]
        acc = [sum(np.einsum(rule, acc[i], x[k - i]) for i in range(k + 1)) for k in range(len(x))]
        spec = keep
    rule = f"{spec}->{output}"
    return [plain(np.asarray(np.einsum(rule, c), dtype=np.float64)) for c in acc]


einsum = primitive("einsum", _einsum_impl, vjps=_EinsumRules(), jvp=_einsum_jvp, taylor=_einsum_series,
                   batch=_einsum_batch, size=_einsum_size, work=_einsum_work)


# ------------------------------------------------------------------ solve

def _solve_impl(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise singular("solve") from None


def _solve_size(a, b) -> int:
    sa, sb = shape_of(a), shape_of(b)
    return math.prod(np.broadcast_shapes(sa[:-2], sb[:-2])) * sb[-2] * sb[-1]


def _solve_work(n, a, b) -> int:
    m = shape_of(a)[-1]
    return n * m + size_of(a) * m


def _solve_vjp_a(g, ans, a, b):
    gb = solve(swap_last(a), g)
    return unbroadcast(neg(matmul(gb, swap_last(ans))), value_shape(a))


def _solve_vjp_b(g, ans, a, b):
    return unbroadcast(solve(swap_last(a), g), value_shape(b))


def _solve_jvp(ts, ans, a, b):
    ta, tb = ts
    rhs = tb if ta is None else (neg(matmul(ta, ans)) if tb is None else sub(tb, matmul(ta, ans)))
    return solve(a, rhs)


def _solve_series(s, prim):
    """A X = B, order by order: A0 X_k = B_k - sum_{j>=1} A_j X_{k-j}."""
    a, b = s
    out = [prim.impl(a[0], b[0])]
    for k in range(1, len(a)):
        rhs = b[k] - sum(np.matmul(a[j], out[k - j]) for j in range(1, k + 1))
        out.append(_solve_impl(a[0], rhs))
    return out


# solve(A, B) with B a stack of matrices (the builtin makes a vector right-hand side a column):
# the leading axes of A and B broadcast, as numpy 2's, so the batching rule is matmul's lift.
solve = primitive("solve", _solve_impl, vjps=(_solve_vjp_a, _solve_vjp_b), jvp=_solve_jvp,
                  taylor=_solve_series, batch=batch_elementwise, size=_solve_size, work=_solve_work)


def inverse_transposed(a):
    """inv(A)^T over the leading axes, written with solve."""
    return solve(swap_last(a), eye_like(a))


# ------------------------------------------------------------------ slogdet, det

def _reduced_to_batch(x) -> int:
    return math.prod(shape_of(x)[:-2])


def _cubic_work(n, a) -> int:
    m = shape_of(a)[-1]
    return size_of(a) * m + n


def _logabsdet_impl(a):
    return plain(np.linalg.slogdet(a)[1])


def _per_matrix(g, a):
    """A cotangent of one number per matrix, as a stack of 1 x 1 matrices that broadcasts over a."""
    return reshape(g, shape=_batch_of(a) + (1, 1))


def _logabsdet_series(s, prim):
    """d log|det A| = tr(A^-1 dA): with X = A^-1 as a series, L_k = (1/k) sum_j j tr(X_{k-j} A_j)."""
    (a,) = s
    x0 = np.linalg.inv(a[0]) if _nonsingular(a[0]) else _solve_impl(a[0], np.eye(shape_of(a[0])[-1]))
    xs = [x0]
    out = [prim.impl(a[0])]
    for k in range(1, len(a)):
        xs.append(-np.matmul(x0, sum(np.matmul(a[j], xs[k - j]) for j in range(1, k + 1))))
        total = sum(j * np.trace(np.matmul(xs[k - j], a[j]), axis1=-2, axis2=-1) for j in range(1, k + 1))
        out.append(plain(np.asarray(total / k, dtype=np.float64)))
    return out


def _nonsingular(a) -> bool:
    return bool(np.all(np.isfinite(a))) and bool(np.all(np.linalg.slogdet(a)[1] > -np.inf))


# The log of |det A| (the second value of numpy's slogdet; the builtin adds the sign, a constant).
logabsdet = primitive(
    "slogdet", _logabsdet_impl,
    vjps=(lambda g, ans, a: cot_mul(_per_matrix(g, a), inverse_transposed(a)),),
    jvp=lambda ts, ans, a: sum_(cot_mul(inverse_transposed(a), ts[0]), axis=_last_two(a)),
    taylor=_logabsdet_series,
    batch=leading_batch,
    size=_reduced_to_batch,
    work=_cubic_work,
)


def _last_two(a) -> tuple:
    rank = len(value_shape(a))
    return (rank - 2, rank - 1)


def _det_impl(a):
    return plain(np.linalg.det(a))


def cofactors(a, det_value):
    """The cofactor matrix of each matrix of a (d det / d A), written with primitives.

    Where every matrix is safely invertible (and larger than 3 x 3) it is det * inv(A)^T; otherwise
    each cofactor is the signed determinant of its minor (a stack of (n-1) x (n-1) matrices, by this same primitive),
    which holds at singular matrices too and so gives det's derivative everywhere, at every order.
    """
    shape = value_shape(a)
    n = shape[-1]
    if n == 1:
        return np.ones(shape)
    plain_a = strip(a)
    if n > 3 and bool(np.all(np.isfinite(plain_a))) and bool(np.all(np.linalg.cond(plain_a) < 1e8)):
        return cot_mul(_per_matrix(det_value, a), inverse_transposed(a))
    keep = np.array([[j for j in range(n) if j != i] for i in range(n)])      # row i: the indices but i
    rows, cols = keep[:, None, :, None], keep[None, :, None, :]
    minors = getitem(a, index=(slice(None),) * (len(shape) - 2) + (rows, cols))   # (..., n, n, n-1, n-1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return mul(det(minors), signs)


det = primitive(
    "det", _det_impl,
    vjps=(lambda g, ans, a: cot_mul(_per_matrix(g, a), cofactors(a, ans)),),
    jvp=lambda ts, ans, a: sum_(cot_mul(cofactors(a, ans), ts[0]), axis=_last_two(a)),
    taylor=NoRule("no series is written for det (its derivative switches to minors at singular "
                  "matrices); higher orders come from nested differentiation"),
    batch=leading_batch,
    size=_reduced_to_batch,
    work=_cubic_work,
)


def split_sizes(sizes: list) -> list:
    """[(start, stop)] of consecutive parts of the given sizes."""
    ends = list(accumulate(sizes))
    return [(e - n, e) for n, e in zip(sizes, ends)]


def stack_rows(first, rest):
    """concat(first as one row, rest) along the second-to-last axis (eigh's packed result)."""
    return concat(reshape(first, shape=value_shape(first)[:-1] + (1, value_shape(first)[-1])), rest,
                  axis=len(value_shape(rest)) - 2)
