"""The linear algebra builtins: numpy's names, signatures and shapes, over the engine's primitives.

The factorisations and solvers are primitives (engine/linalg.py, engine/decompositions.py);
the rest are built here from primitives: `inv` is `solve` with the identity, `trace` and `diag`
index the diagonal, `inner`, `tensordot` and `kron` are an einsum or a product, `cross` takes
components apart. Arguments are checked here, so that a wrong shape is a located shape error
with a hint (the interpreter adds the call's location), never numpy's own message.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import arrays as A
from ..engine import decompositions as D
from ..engine import elementwise as E
from ..engine import linalg as L
from ..engine.broadcasting import broadcast_to, reshape, sum_, value_shape
from ..engine.errors import ShapeError, ValueTypeError
from ..engine.kinds import require_numeric, shape_text, to_bool, to_float, to_int, type_name
from ..engine.numeric import check_shape, ndarray, plain
from ..engine.tracing import strip

_NO_VALUE = object()       # pinv's rtol when it is not given (numpy's _NoValue)


def _stack_of_matrices(a, name: str, square: bool = True, what: str = "its argument"):
    """The shape of a numeric argument holding one matrix or a stack of them (square ones if asked)."""
    require_numeric(a, f"{what} of {name}")
    shape = value_shape(a)
    example = "a 2 x 2 matrix, e.g. [[2, 1], [1, 3]]"
    if len(shape) < 2:
        raise ShapeError(f"{name} needs a matrix (or a stack of matrices) as {what}, not "
                         f"{'a number' if not shape else 'an array of shape ' + shape_text(shape)}",
                         hint=f"give it {example}; its leading axes, if any, are a stack of matrices")
    if square and shape[-1] != shape[-2]:
        raise ShapeError(f"{name} needs square matrices: {what} has shape {shape_text(shape)}",
                         hint="the last two axes are the rows and columns of each matrix; they must be equal")
    if 0 in shape[-2:]:
        raise ShapeError(f"{name} of an empty matrix (shape {shape_text(shape)})")
    return shape


def _from_triangle(a, lower: bool):
    """The symmetric matrix numpy's cholesky and eigh read from one triangle of `a`."""
    n = value_shape(a)[-1]
    keep = np.tril(np.ones((n, n))) if lower else np.triu(np.ones((n, n)))
    strict = np.tril(np.ones((n, n)), -1) if lower else np.triu(np.ones((n, n)), 1)
    return E.add(E.mul(a, keep), L.swap_last(E.mul(a, strict)))


# ------------------------------------------------------------------ solving

def solve(a, b):
    """numpy 2's solve: b a vector (shape (M,)) or a stack of matrices (..., M, K); leading axes broadcast."""
    sa = _stack_of_matrices(a, "solve", what="its first argument")
    require_numeric(b, "the second argument of solve")
    sb, n = value_shape(b), sa[-1]
    if not sb:
        raise ShapeError("solve needs an array as its right-hand side, not a number",
                         hint="solve(A, b) with b of shape (M,), or (..., M, K) for several right-hand sides")
    if sb[-2 if len(sb) > 1 else 0] != n:
        raise ShapeError(f"solve: a matrix of shape {shape_text(sa)} and a right-hand side of shape "
                         f"{shape_text(sb)} do not fit",
                         hint=f"the right-hand side must have {n} rows: shape ({n},), or (..., {n}, K)")
    if len(sb) == 1:
        x = L.solve(a, reshape(b, shape=(n, 1)))
        return reshape(x, shape=sa[:-2] + (n,))
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ShapeError(f"solve: the stacks of shapes {shape_text(sa[:-2])} and {shape_text(sb[:-2])} "
                         "do not broadcast", hint="the leading axes broadcast as in numpy") from None
    return L.solve(a, b)


def inv(a):
    n = _stack_of_matrices(a, "inv")[-1]
    check_shape((n, n))
    return L.solve(a, np.eye(n))


def det(a):
    _stack_of_matrices(a, "det")
    return L.det(a)


def slogdet(a):
    """(sign, log|det|): the sign is a constant (derivative 0), the logarithm is differentiable."""
    _stack_of_matrices(a, "slogdet")
    return plain(np.linalg.slogdet(strip(a))[0]), L.logabsdet(a)


def pinv(a, rcond=None, hermitian=False, *, rtol=_NO_VALUE):
    """numpy 2's pinv: singular values below rcond (or rtol) times the largest are taken as zero."""
    shape = _stack_of_matrices(a, "pinv", square=False)
    to_bool(hermitian, "hermitian")
    if rcond is None:
        rcond = 1e-15 if rtol is _NO_VALUE else (max(shape[-2:]) * np.finfo(np.float64).eps if rtol is None
                                                 else to_float(rtol, "rtol of pinv"))
    elif rtol is not _NO_VALUE:
        raise ValueTypeError("pinv takes rcond or rtol, not both")
    else:
        rcond = to_float(rcond, "rcond of pinv")
    return D.pinv(a, rcond=rcond)


# ------------------------------------------------------------------ factorisations

def cholesky(a, /, *, upper=False):
    """The Cholesky factor of the symmetric matrix numpy reads from a's lower triangle."""
    _stack_of_matrices(a, "cholesky")
    factor = D.cholesky(_from_triangle(a, lower=True))
    return L.swap_last(factor) if to_bool(upper, "upper") else factor


def eigh(a, UPLO="L"):
    """(eigenvalues in ascending order, eigenvectors as columns) of the symmetric matrix in a's UPLO triangle."""
    _stack_of_matrices(a, "eigh")
    side = strip(UPLO)
    if not isinstance(side, str) or side.upper() not in ("L", "U"):
        raise ValueTypeError(f"eigh: UPLO must be 'L' or 'U', not {type_name(side)}",
                             hint="the triangle of the matrix that is read: 'L' (the default) or 'U'")
    packed = D.eigh(_from_triangle(a, lower=side.upper() == "L"))
    n = value_shape(a)[-1]
    return (A.getitem(packed, index=(Ellipsis, 0, slice(None))),
            A.getitem(packed, index=(Ellipsis, slice(1, n + 1), slice(None))))


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """(U, s, Vh) with a = U diag(s) Vh, or s alone with compute_uv=false."""
    m, n = _stack_of_matrices(a, "svd", square=False)[-2:]
    full = to_bool(full_matrices, "full_matrices")
    to_bool(hermitian, "hermitian")
    u, s, vh = D.svd_parts(D.svd(a, full_matrices=full), m, n, full)
    return (u, s, vh) if to_bool(compute_uv, "compute_uv") else s


# ------------------------------------------------------------------ einsum and products

def einsum(subscripts, *operands, optimize=False):
    """numpy's einsum: explicit (`ij,jk->ik`) or implicit (`ij,jk`) subscripts, `...` broadcasting."""
    spec = strip(subscripts)
    if not isinstance(spec, str):
        raise ValueTypeError(f"einsum's first argument is its subscripts, a string, not {type_name(spec)}",
                             hint="e.g. einsum('ij,jk->ik', A, B)")
    if not isinstance(strip(optimize), (bool, str)):       # numpy's path choice; one path is taken here
        to_bool(optimize, "optimize")
    for x in operands:
        require_numeric(x, "each operand of einsum")
    canonical, operands = canonical_einsum(spec.replace(" ", ""), list(operands))
    return L.einsum(*operands, subscripts=canonical)


def _einsum_error(message: str) -> ShapeError:
    return ShapeError(f"einsum: {message}",
                      hint="subscripts name each axis of each operand with a letter, operands separated by "
                           "commas, e.g. 'ij,jk->ik'; '...' stands for the leading axes")


def canonical_einsum(spec: str, operands: list) -> tuple:
    """Explicit subscripts without '...' (broadcast axes get letters of their own), and the operands
    (those whose '...' axes broadcast, broadcast)."""
    if spec.count("->") > 1 or any(c not in L.LETTERS + ",.->" for c in spec):
        raise _einsum_error(f"invalid subscripts {spec!r}")
    inputs_text, output = spec.split("->") if "->" in spec else (spec, None)
    inputs = inputs_text.split(",")
    if len(inputs) != len(operands):
        raise _einsum_error(f"{len(inputs)} subscripts for {len(operands)} operand{'s' if len(operands) != 1 else ''}")
    for part in inputs + ([output] if output is not None else []):
        if part.replace("...", "").count(".") or part.count("...") > 1:
            raise _einsum_error(f"invalid subscripts {spec!r} ('...' once per operand)")
    # the axes under each '...', broadcast together
    broadcast = []
    for part, x in zip(inputs, operands):
        rank, letters = len(value_shape(x)), len(part.replace("...", ""))
        if rank != letters and ("..." not in part or rank < letters):
            raise _einsum_error(f"subscripts {part!r} for an operand of shape {shape_text(value_shape(x))}")
        broadcast.append(value_shape(x)[:rank - letters] if "..." in part else ())
    try:
        extra = np.broadcast_shapes(*broadcast)
    except ValueError:
        raise _einsum_error("the axes under '...' do not broadcast") from None
    used = set(spec)
    spare = [c for c in L.LETTERS if c not in used]
    if len(extra) + 1 > len(spare):
        raise _einsum_error("too many axes (52 letters in all)")
    dots = "".join(spare[:len(extra)])
    canon = []
    for k, (part, x) in enumerate(zip(inputs, operands)):
        if "..." in part:
            own = len(broadcast[k])
            canon.append(part.replace("...", dots[len(extra) - own:]))
            wanted = extra[len(extra) - own:] + value_shape(x)[own:]
            if wanted != value_shape(x):
                check_shape(wanted)
                operands[k] = broadcast_to(x, shape=wanted)
        else:
            canon.append(part)
    if output is None:
        counts = "".join(inputs).replace("...", "")
        output = dots + "".join(sorted(c for c in set(counts) if counts.count(c) == 1))
    elif "..." in output:
        output = output.replace("...", dots)
    sizes = {}
    for part, x in zip(canon, operands):
        for c, n in zip(part, value_shape(x)):
            if sizes.setdefault(c, n) != n:
                raise _einsum_error(f"label {c!r} stands for axes of lengths {sizes[c]} and {n}")
    if len(set(output)) != len(output) or not set(output) <= set(sizes):
        raise _einsum_error(f"output subscripts {output!r}: each a label of an operand, once")
    check_shape(tuple(sizes[c] for c in output))
    return ",".join(canon) + "->" + output, operands


def _axes_list(v: Any, what: str) -> list:
    v = strip(v)
    items = list(v.reshape(-1)) if isinstance(v, ndarray) else (list(v) if isinstance(v, (tuple, list)) else [v])
    return [to_int(i, what) for i in items]


def _normal_axis(k: int, rank: int, name: str) -> int:
    if not -rank <= k < rank:
        raise ShapeError(f"{name}: axis {k} is out of range for a value with {rank} dimension{'s' if rank != 1 else ''}")
    return k % rank


def tensordot(a, b, axes=2):
    """numpy's tensordot: the sum over a's axes `axes[0]` and b's `axes[1]` (an int N: a's last N, b's first N)."""
    require_numeric(a, "the first argument of tensordot")
    require_numeric(b, "the second argument of tensordot")
    sa, sb = value_shape(a), value_shape(b)
    spec = strip(axes)
    if isinstance(spec, (tuple, list)) or (isinstance(spec, ndarray) and spec.ndim and len(spec) == 2):
        if len(spec) != 2:
            raise ValueTypeError("tensordot: axes is an int or a pair (axes of a, axes of b)")
        left, right = _axes_list(spec[0], "an axis"), _axes_list(spec[1], "an axis")
    else:
        count = to_int(spec, "axes of tensordot")
        if count < 0 or count > min(len(sa), len(sb)):
            raise ShapeError(f"tensordot: cannot sum over {count} axes of shapes {shape_text(sa)} and {shape_text(sb)}")
        left, right = list(range(len(sa) - count, len(sa))), list(range(count))
    if len(left) != len(right):
        raise ShapeError("tensordot: as many axes of a as of b are summed")
    left = [_normal_axis(k, len(sa), "tensordot") for k in left]
    right = [_normal_axis(k, len(sb), "tensordot") for k in right]
    if len(set(left)) != len(left) or len(set(right)) != len(right):
        raise ShapeError("tensordot: an axis is summed twice")
    if any(sa[i] != sb[j] for i, j in zip(left, right)):
        raise ShapeError(f"tensordot: the summed axes of shapes {shape_text(sa)} and {shape_text(sb)} differ in length",
                         hint="each axis of a in axes[0] is summed with the axis of b at the same place in axes[1]")
    if len(sa) + len(sb) > len(L.LETTERS) - 1:
        raise ShapeError("tensordot: too many axes")
    letters = iter(L.LETTERS)
    la = [next(letters) for _ in sa]
    lb = [la[left[right.index(j)]] if j in right else next(letters) for j in range(len(sb))]
    out = [c for i, c in enumerate(la) if i not in left] + [c for j, c in enumerate(lb) if j not in right]
    return _contract([a, b], ["".join(la), "".join(lb)], "".join(out))


def _contract(operands: list, specs: list, output: str):
    canonical, operands = canonical_einsum(",".join(specs) + "->" + output, operands)
    return L.einsum(*operands, subscripts=canonical)


def inner(a, b):
    """numpy's inner: the sum over the last axes; every other axis of a, then of b, kept."""
    require_numeric(a, "the first argument of inner")
    require_numeric(b, "the second argument of inner")
    sa, sb = value_shape(a), value_shape(b)
    if not sa or not sb:
        return E.mul(a, b)
    if sa[-1] != sb[-1]:
        raise ShapeError(f"inner: the last axes of shapes {shape_text(sa)} and {shape_text(sb)} differ",
                         hint="inner sums over the last axis of both arguments")
    return tensordot(a, b, axes=([len(sa) - 1], [len(sb) - 1]))


def kron(a, b):
    """numpy's kron: the block matrix of a's elements times b, over any number of axes."""
    require_numeric(a, "the first argument of kron")
    require_numeric(b, "the second argument of kron")
    sa, sb = value_shape(a), value_shape(b)
    rank = max(len(sa), len(sb))
    sa, sb = (1,) * (rank - len(sa)) + sa, (1,) * (rank - len(sb)) + sb
    result = tuple(x * y for x, y in zip(sa, sb))
    check_shape(result)
    left = reshape(a, shape=tuple(n for x in sa for n in (x, 1)))
    right = reshape(b, shape=tuple(n for y in sb for n in (1, y)))
    return reshape(E.mul(left, right), shape=result)


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """numpy's cross product of vectors of 3 (or 2) elements along axisa of a and axisb of b."""
    require_numeric(a, "the first argument of cross")
    require_numeric(b, "the second argument of cross")
    if axis is not None:
        axisa = axisb = axisc = axis
    sides = []
    for x, k, which in ((a, axisa, "first"), (b, axisb, "second")):
        shape = value_shape(x)
        if not shape:
            raise ShapeError(f"cross: the {which} argument is a number; it needs vectors of 2 or 3 elements")
        k = _normal_axis(to_int(k, "an axis"), len(shape), "cross")
        if shape[k] not in (2, 3):
            raise ShapeError(f"cross: vectors of {shape[k]} elements (the {which} argument, shape {shape_text(shape)})",
                             hint="the cross product is of vectors of 3 elements (or 2, whose z is 0)")
        order = tuple(i for i in range(len(shape)) if i != k) + (k,)
        moved = A.transpose(x, axes=order) if order != tuple(range(len(shape))) else x
        sides.append([A.getitem(moved, index=(Ellipsis, i)) for i in range(shape[k])])
    try:
        lead = np.broadcast_shapes(*(value_shape(part[0]) for part in sides))
    except ValueError:
        raise ShapeError("cross: the arguments' other axes do not broadcast") from None
    (a0, a1, *ra), (b0, b1, *rb) = sides
    z = E.sub(E.mul(a0, b1), E.mul(a1, b0))
    if not ra and not rb:
        return z
    a2, b2 = (ra[0] if ra else 0.0), (rb[0] if rb else 0.0)
    x = E.sub(E.mul(a1, b2), E.mul(a2, b1))
    y = E.sub(E.mul(a2, b0), E.mul(a0, b2))
    check_shape(lead + (3,))
    parts = [broadcast_to(p, shape=lead) if value_shape(p) != lead else p for p in (x, y, z)]
    out = A.stack(*parts, axis=len(lead))
    c = _normal_axis(to_int(axisc, "an axis"), len(lead) + 1, "cross")
    if c == len(lead):
        return out
    order = tuple(range(c)) + (len(lead),) + tuple(range(c, len(lead)))
    return A.transpose(out, axes=order)


# ------------------------------------------------------------------ the diagonal

def _diagonal_index(rows: int, cols: int, offset: int) -> tuple:
    start_row, start_col = max(0, -offset), max(0, offset)
    count = max(0, min(rows - start_row, cols - start_col))
    return np.arange(start_row, start_row + count), np.arange(start_col, start_col + count)


def trace(a, offset=0, axis1=0, axis2=1):
    """numpy's trace: the sum of the diagonal `offset` of the matrices on axes axis1 and axis2."""
    require_numeric(a, "the argument of trace")
    shape = value_shape(a)
    if len(shape) < 2:
        raise ShapeError(f"trace needs an array of two or more dimensions, not shape {shape_text(shape)}")
    i, j = (_normal_axis(to_int(k, "an axis"), len(shape), "trace") for k in (axis1, axis2))
    if i == j:
        raise ShapeError("trace: axis1 and axis2 are the same axis")
    rest = tuple(k for k in range(len(shape)) if k not in (i, j))
    moved = A.transpose(a, axes=rest + (i, j))
    rows, cols = _diagonal_index(shape[i], shape[j], to_int(offset, "the offset of trace"))
    diagonal = A.getitem(moved, index=(Ellipsis, rows, cols))
    return sum_(diagonal, axis=(len(rest),))


def diag(v, k=0):
    """numpy's diag: a vector's diagonal matrix, or a matrix's diagonal, `k` above (below) the main one."""
    require_numeric(v, "the argument of diag")
    shape, k = value_shape(v), to_int(k, "the offset of diag")
    if len(shape) == 1:
        n = shape[0] + abs(k)
        check_shape((n, n))
        return A.index_set(np.zeros((n, n)), v, index=_diagonal_index(n, n, k))
    if len(shape) == 2:
        return A.getitem(v, index=_diagonal_index(shape[0], shape[1], k))
    raise ShapeError(f"diag takes a vector or a matrix, not {'a number' if not shape else 'shape ' + shape_text(shape)}",
                     hint="diag(v) makes a diagonal matrix; diag(M) reads a matrix's diagonal")


LINALG_BUILTINS = {
    "solve": solve, "inv": inv, "det": det, "slogdet": slogdet, "pinv": pinv, "cholesky": cholesky,
    "eigh": eigh, "svd": svd, "einsum": einsum, "tensordot": tensordot, "inner": inner, "kron": kron,
    "cross": cross, "trace": trace, "diag": diag,
}
