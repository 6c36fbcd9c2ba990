"""Matrix factorisations as primitives: cholesky, eigh, svd and pinv.

Same contract as `linalg.py` (whose helpers these use): each primitive once, rules written with
primitives (solve, matmul, einsum...) so that higher orders come from the same machinery; every
one maps over the leading axes, so its batching rule is itself on the stacked examples.

Symmetric input. cholesky and eigh read the symmetric part (A + A^T)/2 of their argument, so
their derivative is the derivative of what they compute in every direction (finite differences
included). The builtins first build that symmetric matrix from the triangle numpy reads.

Several results. A primitive has one result: eigh returns its eigenvalues as the first row
above the eigenvectors, (..., n + 1, n); svd returns U, s and Vh flattened and joined along
the last axis. The builtins take the parts apart with getitem and reshape, which are
differentiable, so the cotangent of a part that a program does not use is exactly zero.

Degenerate points (documented in README, as JAX documents them). The derivative of the
eigenvectors divides by the gaps between eigenvalues, that of the singular vectors by the
gaps between squared singular values (and, for a non-square matrix, by the singular values):
at a repeated eigenvalue the eigenvectors are not unique and their derivative is not finite.
Those divisions are zero-cotangent products (cot_mul), so a function of the eigenvalues (or
singular values) alone keeps a finite derivative there. A recorded call at such a point is
reported as a kink. Taylor mode has no series for them: `NoRule`, and the callers fall back
to nested differentiation.
"""
from __future__ import annotations

import math

import numpy as np

from .arrays import concat, getitem, matmul
from .broadcasting import reshape, sum_, value_shape
from .elementwise import add, cot_div, cot_mul, div, mul, neg, sub, where
from .errors import RuntimeProgramError
from .linalg import leading_batch, solve, stack_rows, swap_last
from .numeric import same_size, shape_of, size_of
from .tracing import NoRule, primitive

_NESTED = "higher orders come from nested differentiation"


def _symmetric(a):
    return mul(add(a, swap_last(a)), 0.5)


def _cubic_work(n, a, **params) -> int:
    return 4 * size_of(a) * shape_of(a)[-1] + n


def _diagonal_matrix(v):
    """diag(v) for the last axis of v, stacked over the leading axes."""
    n = value_shape(v)[-1]
    return mul(reshape(v, shape=value_shape(v)[:-1] + (1, n)), np.eye(n))


def _gap_reciprocals(w, square: bool = False):
    """F[i, j] = 1 / (w_j - w_i) off the diagonal, 0 on it (1 / (w_j^2 - w_i^2) when `square`)."""
    n = value_shape(w)[-1]
    lead = value_shape(w)[:-1]
    row, col = reshape(w, shape=lead + (1, n)), reshape(w, shape=lead + (n, 1))
    gaps = mul(add(row, col), sub(row, col)) if square else sub(row, col)
    diagonal = np.broadcast_to(np.eye(n, dtype=bool), lead + (n, n))
    return where(0.0, div(1.0, where(1.0, gaps, cond=diagonal)), cond=diagonal)


# ------------------------------------------------------------------ cholesky

def _phi(x):
    """The lower triangle of x with its diagonal halved."""
    n = value_shape(x)[-1]
    return mul(x, np.tril(np.ones((n, n))) - 0.5 * np.eye(n))


def cholesky_value(a):
    """The Cholesky factor of the symmetric part of a (numpy only: emitted modules copy it)."""
    return np.linalg.cholesky(0.5 * (a + np.swapaxes(a, -1, -2)))


def _cholesky_impl(a):
    try:
        return cholesky_value(a)
    except np.linalg.LinAlgError:
        raise RuntimeProgramError("cholesky: the matrix is not positive definite",
                                  hint="cholesky needs a symmetric positive definite matrix (all its "
                                       "eigenvalues > 0), e.g. B @ transpose(B) + c * eye(n) with c > 0") from None


def _cholesky_vjp(g, ans, a):
    """A-bar = sym(L^-T phi(L^T G) L^-1) (Murray 2016)."""
    lt = swap_last(ans)
    left = solve(lt, _phi(matmul(lt, g)))                   # L^-T phi(L^T G)
    return _symmetric(swap_last(solve(lt, swap_last(left))))  # (L^-T (...)^T)^T = (...) L^-1


def _cholesky_jvp(ts, ans, a):
    """dL = L phi(L^-1 sym(dA) L^-T)."""
    inner = solve(ans, swap_last(solve(ans, _symmetric(ts[0]))))     # L^-1 (L^-1 dA)^T = L^-1 dA L^-T
    return matmul(ans, _phi(inner))


def _cholesky_series(s, prim):
    """L L^T = A order by order: L0 L_k^T + L_k L0^T = R_k, so L_k = L0 phi(L0^-1 R_k L0^-T)."""
    (a,) = s
    out = [prim.impl(a[0])]
    l0 = out[0]
    mask = np.tril(np.ones(shape_of(l0)[-2:])) - 0.5 * np.eye(shape_of(l0)[-1])
    for k in range(1, len(a)):
        r = 0.5 * (a[k] + np.swapaxes(a[k], -1, -2))
        for j in range(1, k):
            r = r - np.matmul(out[j], np.swapaxes(out[k - j], -1, -2))
        inner = np.linalg.solve(l0, np.swapaxes(np.linalg.solve(l0, r), -1, -2))
        out.append(np.matmul(l0, inner * mask))
    return out


cholesky = primitive("cholesky", _cholesky_impl, vjps=(_cholesky_vjp,), jvp=_cholesky_jvp,
                     taylor=_cholesky_series, batch=leading_batch, size=same_size, work=_cubic_work)


# ------------------------------------------------------------------ eigh

def eigh_value(a):
    """eigh's packed result: the eigenvalues as a row above the eigenvectors (numpy only: emitted
    modules copy it)."""
    w, v = np.linalg.eigh(0.5 * (a + np.swapaxes(a, -1, -2)))
    return np.concatenate([w[..., None, :], v], axis=-2)


def _eigh_parts(x):
    """(eigenvalues, eigenvectors) of eigh's packed result (or of its cotangent)."""
    return (getitem(x, index=(Ellipsis, 0, slice(None))),
            getitem(x, index=(Ellipsis, slice(1, None), slice(None))))


def _eigh_vjp(g, ans, a):
    """A-bar = sym(V (diag(w-bar) + F o (V^T V-bar)) V^T), F[i, j] = 1 / (w_j - w_i)."""
    w, v = _eigh_parts(ans)
    gw, gv = _eigh_parts(g)
    inner = add(_diagonal_matrix(gw), cot_mul(_gap_reciprocals(w), matmul(swap_last(v), gv)))
    return _symmetric(matmul(v, matmul(inner, swap_last(v))))


def _eigh_jvp(ts, ans, a):
    w, v = _eigh_parts(ans)
    x = matmul(swap_last(v), matmul(_symmetric(ts[0]), v))
    return stack_rows(_diagonal_of(x), matmul(v, cot_mul(_gap_reciprocals(w), x)))


def _diagonal_of(x):
    n = value_shape(x)[-1]
    return sum_(mul(x, np.eye(n)), axis=(len(value_shape(x)) - 1,))


def _ties(values: np.ndarray, sort: bool) -> np.ndarray:
    """Whether each stack of values (last axis) has two equal up to rounding (relative to the largest)."""
    values = np.sort(values, axis=-1) if sort else values
    scale = np.max(np.abs(values), axis=-1, keepdims=True)
    return np.any(np.abs(np.diff(values, axis=-1)) <= 64 * values.shape[-1] * np.finfo(float).eps * scale,
                  axis=-1)


def _eigh_kink(x, y, ans, params):
    w = ans[..., 0, :]
    if w.shape[-1] < 2 or not np.any(_ties(w, sort=False)):
        return None
    return ("eigh at repeated eigenvalues: the eigenvectors are not unique there and their derivative "
            "is not finite; functions of the eigenvalues alone get a finite (one-sided) derivative")


eigh = primitive("eigh", eigh_value, vjps=(_eigh_vjp,), jvp=_eigh_jvp,
                 taylor=NoRule("no series is written for eigh; " + _NESTED),
                 batch=leading_batch, size=lambda a: size_of(a) + size_of(a) // max(1, shape_of(a)[-1]),
                 work=_cubic_work, kink=_eigh_kink)


# ------------------------------------------------------------------ svd

def svd_layout(m: int, n: int, full: bool) -> tuple:
    """The shapes of U, s and Vh, in svd's packed result of an m x n matrix."""
    k = min(m, n)
    return (m, m if full else k), (k,), (n if full else k, n)


def svd_parts(x, m: int, n: int, full: bool) -> tuple:
    """(U, s, Vh) from svd's packed result (or its cotangent), with getitem and reshape."""
    lead = value_shape(x)[:-1]
    parts, start = [], 0
    for shape in svd_layout(m, n, full):
        stop = start + math.prod(shape)
        parts.append(reshape(getitem(x, index=(Ellipsis, slice(start, stop))), shape=lead + shape))
        start = stop
    return tuple(parts)


def svd_value(a, full_matrices=False):
    """svd's packed result: U, s and Vh flattened and joined (numpy only: emitted modules copy it)."""
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    lead = a.shape[:-2]
    return np.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1)


def _svd_size(a, full_matrices=False) -> int:
    m, n = shape_of(a)[-2:]
    return math.prod(shape_of(a)[:-2]) * sum(math.prod(s) for s in svd_layout(m, n, full_matrices))


def _cols(x, start, stop):
    return getitem(x, index=(Ellipsis, slice(start, stop)))


def _rowvec(s):
    return reshape(s, shape=value_shape(s)[:-1] + (1, value_shape(s)[-1]))


def _colvec(s):
    return reshape(s, shape=value_shape(s) + (1,))


def _svd_vjp(g, ans, a, full_matrices=False):
    m, n = value_shape(a)[-2:]
    k = min(m, n)
    u, s, vh = svd_parts(ans, m, n, full_matrices)
    gu, gs, gvh = svd_parts(g, m, n, full_matrices)
    v, gv = swap_last(vh), swap_last(gvh)
    ur, vr, gur, gvr = _cols(u, 0, k), _cols(v, 0, k), _cols(gu, 0, k), _cols(gv, 0, k)
    # The extra columns of a full U (or V) move only against the first k (see README): their
    # cotangent folds into the first k's.
    if full_matrices and m > k:
        gur = sub(gur, matmul(_cols(u, k, m), matmul(swap_last(_cols(gu, k, m)), ur)))
    if full_matrices and n > k:
        gvr = sub(gvr, matmul(_cols(v, k, n), matmul(swap_last(_cols(gv, k, n)), vr)))
    f = _gap_reciprocals(s, square=True)
    j = cot_mul(f, matmul(swap_last(ur), gur))
    kk = cot_mul(f, matmul(swap_last(vr), gvr))
    core = add(_diagonal_matrix(gs), add(mul(add(j, swap_last(j)), _rowvec(s)),
                                         mul(_colvec(s), add(kk, swap_last(kk)))))
    ga = matmul(ur, matmul(core, swap_last(vr)))
    if m > k:
        rest = cot_div(sub(gur, matmul(ur, matmul(swap_last(ur), gur))), _rowvec(s))
        ga = add(ga, matmul(rest, swap_last(vr)))
    if n > k:
        rest = cot_div(sub(gvr, matmul(vr, matmul(swap_last(vr), gvr))), _rowvec(s))
        ga = add(ga, matmul(ur, swap_last(rest)))
    return ga


def _svd_jvp(ts, ans, a, full_matrices=False):
    m, n = value_shape(a)[-2:]
    k = min(m, n)
    lead = value_shape(a)[:-2]
    u, s, vh = svd_parts(ans, m, n, full_matrices)
    v = swap_last(vh)
    ur, vr, da = _cols(u, 0, k), _cols(v, 0, k), ts[0]
    ds_matrix = matmul(swap_last(ur), matmul(da, vr))
    f = _gap_reciprocals(s, square=True)
    row, col = _rowvec(s), _colvec(s)
    du = matmul(ur, cot_mul(f, add(mul(ds_matrix, row), mul(col, swap_last(ds_matrix)))))
    dv = matmul(vr, cot_mul(f, add(mul(col, ds_matrix), mul(swap_last(ds_matrix), row))))
    if m > k:
        dav = matmul(da, vr)
        du = add(du, cot_div(sub(dav, matmul(ur, matmul(swap_last(ur), dav))), row))
    if n > k:
        dau = matmul(swap_last(da), ur)
        dv = add(dv, cot_div(sub(dau, matmul(vr, matmul(swap_last(vr), dau))), row))
    if full_matrices and m > k:
        du = _with_complement(du, ur, _cols(u, k, m))
    if full_matrices and n > k:
        dv = _with_complement(dv, vr, _cols(v, k, n))
    flat = [reshape(du, shape=lead + (math.prod(value_shape(du)[-2:]),)),
            _diagonal_of(ds_matrix),
            reshape(swap_last(dv), shape=lead + (math.prod(value_shape(dv)[-2:]),))]
    return concat(*flat, axis=len(lead))


def _with_complement(d, basis, complement):
    """The tangent of [basis, complement]: the complement moves only against the basis (-B dB^T C)."""
    moved = neg(matmul(basis, matmul(swap_last(d), complement)))
    return concat(d, moved, axis=len(value_shape(d)) - 1)


def _svd_kink(x, y, ans, params):
    m, n = x.shape[-2:]
    if min(m, n) < 1:
        return None
    s = np.asarray(ans)[..., m * (m if params.get("full_matrices") else min(m, n)):][..., :min(m, n)]
    repeated = s.shape[-1] > 1 and np.any(_ties(s, sort=False))
    vanishing = m != n and np.any(s <= 64 * max(m, n) * np.finfo(float).eps * np.max(s, axis=-1, keepdims=True))
    if repeated:
        return ("svd at repeated singular values: the singular vectors are not unique there and their "
                "derivative is not finite; functions of the singular values alone get a finite derivative")
    if vanishing:
        return ("svd of a non-square matrix with a zero singular value: the derivative of the singular "
                "vectors is not finite there")
    return None


svd = primitive("svd", svd_value, vjps=(_svd_vjp,), jvp=_svd_jvp,
                taylor=NoRule("no series is written for svd; " + _NESTED),
                batch=leading_batch, size=_svd_size, work=_cubic_work, kink=_svd_kink)


# ------------------------------------------------------------------ pinv

def _pinv_impl(a, rcond=1e-15):
    return np.linalg.pinv(a, rcond=rcond)


def _pinv_size(a, rcond=1e-15) -> int:
    return size_of(a)


def _projector_complements(a, p):
    """(I - A P, I - P A) for the pseudo-inverse P of A."""
    m, n = value_shape(a)[-2:]
    return sub(np.eye(m), matmul(a, p)), sub(np.eye(n), matmul(p, a))


def _pinv_vjp(g, ans, a, rcond=1e-15):
    """Golub and Pereyra's derivative at a constant rank, transposed."""
    p, pt = ans, swap_last(ans)
    left, right = _projector_complements(a, p)
    gt = swap_last(g)
    return add(neg(matmul(pt, matmul(g, pt))),
               add(matmul(left, matmul(gt, matmul(p, pt))), matmul(matmul(pt, p), matmul(gt, right))))


def _pinv_jvp(ts, ans, a, rcond=1e-15):
    """dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P."""
    p, pt, da = ans, swap_last(ans), ts[0]
    left, right = _projector_complements(a, p)
    dat = swap_last(da)
    return add(neg(matmul(p, matmul(da, p))),
               add(matmul(matmul(p, pt), matmul(dat, left)), matmul(right, matmul(dat, matmul(pt, p)))))


pinv = primitive("pinv", _pinv_impl, vjps=(_pinv_vjp,), jvp=_pinv_jvp,
                 taylor=NoRule("no series is written for pinv; " + _NESTED),
                 batch=leading_batch, size=_pinv_size, work=_cubic_work)
