"""Array primitives: reductions, linear algebra, shapes, indexing, stacking.

Same contract as `elementwise.py`: forward function and derivative rules side
by side, rules written with primitives. Static arguments (axes, shapes,
indices) are keyword params, canonicalised by the builtins before they get
here: an axis is None or a tuple of non-negative ints.
"""
from __future__ import annotations

import math

import numpy as np

from .batching import advanced_axes_in_front, example_shape, with_batch_axis
from .broadcasting import (batch_reduction, broadcast_to, example_stack, lift, reshape, shape_size, sum_,
                           unbroadcast, value_shape)
from .elementwise import add, cot_mul, div, exp, sub, where
from .context import current, get_current
from .kinks import at_zero, tied_elements
from .numeric import array_all_finite, ndarray, plain, reduced_size, same_size, shape_of, size_of
from .series import linear, numeric_sum, root_of_squares, series_exp, series_log, series_mul, zmul
from .tracing import Tracer, primitive, strip


def _expand(g, shape: tuple, axis, keepdims: bool):
    """Broadcast a reduction's cotangent (or result) back over the reduced axes of `shape`."""
    if not keepdims and shape:
        kept = (1,) * len(shape) if axis is None else tuple(
            1 if i in axis else n for i, n in enumerate(shape))
        g = reshape(g, shape=kept)
    return broadcast_to(g, shape=shape)


def _reduction_impl(fn):
    def impl(x, axis=None, keepdims=False):
        if type(x) is not ndarray:
            return x + 0.0
        return plain(fn(x, axis=axis, keepdims=keepdims))
    return impl


def _extremum_share(ans, x, axis, keepdims):
    """Which elements attain the max/min; ties share evenly, as JAX and PyTorch's amax/amin do."""
    shape = value_shape(x)
    if not shape:
        return 1.0
    hits = np.equal(strip(x), strip(_expand(ans, shape, axis, keepdims))).astype(np.float64)
    return plain(hits / np.sum(hits, axis=axis, keepdims=True))


def _extremum_rule(g, ans, x, axis=None, keepdims=False):
    return cot_mul(_expand(g, value_shape(x), axis, keepdims), _extremum_share(ans, x, axis, keepdims))


def _extremum_jvp(t, ans, x, axis, keepdims):
    return sum_(cot_mul(t, _extremum_share(ans, x, axis, keepdims)), axis=axis, keepdims=keepdims)


def _extremum_series(s, prim, axis=None, keepdims=False):
    """Every coefficient of the elements that attain the extremum at t = 0, shared among ties."""
    (x,) = s
    ans = prim.impl(x[0], axis=axis, keepdims=keepdims)
    share = _extremum_share(ans, x[0], axis, keepdims)
    return [ans] + [numeric_sum(zmul(share, x[k]), axis, keepdims) for k in range(1, len(x))]


amax = primitive("max", _reduction_impl(np.max), vjps=(_extremum_rule,),
                 jvp=lambda ts, ans, x, axis=None, keepdims=False:
                 _extremum_jvp(ts[0], ans, x, axis, keepdims),
                 taylor=_extremum_series,
                 batch=batch_reduction, size=reduced_size, kink=tied_elements("max"))
amin = primitive("min", _reduction_impl(np.min), vjps=(_extremum_rule,),
                 jvp=lambda ts, ans, x, axis=None, keepdims=False:
                 _extremum_jvp(ts[0], ans, x, axis, keepdims),
                 taylor=_extremum_series,
                 batch=batch_reduction, size=reduced_size, kink=tied_elements("min"))


def _prod_partial(ans, x, axis, keepdims):
    # d prod / d x_i = prod of the others, at x's shape; computed as ans / x_i where x_i != 0,
    # and exactly (by a product that leaves x_i out) where it is zero.
    shape = value_shape(x)
    xs = strip(x)
    if np.all(xs != 0):
        return div(_expand(ans, shape, axis, keepdims), x)
    if isinstance(x, Tracer):       # an outer derivative will differentiate this: use primitives
        return _product_of_others_traced(x, shape, axis)
    return plain(_product_of_others(xs, axis))


def _product_of_others_traced(x, shape: tuple, axis):
    """prod of the other elements, at each element, built from primitives (O(m^2) for m reduced)."""
    axes = tuple(range(len(shape))) if axis is None else axis
    rest = tuple(i for i in range(len(shape)) if i not in axes)
    order = rest + axes
    lead = tuple(shape[i] for i in rest)
    m = int(np.prod([shape[i] for i in axes]))
    moved = transpose(x, axes=order) if order != tuple(range(len(shape))) else x
    rows = broadcast_to(reshape(moved, shape=lead + (1, m)), shape=lead + (m, m))
    # row i holds the values with a 1 in place of the i-th, so its product leaves the i-th out
    others = prod(where(1.0, rows, cond=np.broadcast_to(np.eye(m, dtype=bool), lead + (m, m))),
                  axis=(len(lead) + 1,))
    back = reshape(others, shape=tuple(shape[i] for i in order))
    return transpose(back, axes=_inverse_axes(order)) if order != tuple(range(len(shape))) else back


def _prod_rule(g, ans, x, axis=None, keepdims=False):
    shape = value_shape(x)
    if not shape:
        return g
    return cot_mul(_expand(g, shape, axis, keepdims), _prod_partial(ans, x, axis, keepdims))


def _prod_jvp(ts, ans, x, axis=None, keepdims=False):
    if not value_shape(x):
        return ts[0]
    return sum_(cot_mul(ts[0], _prod_partial(ans, x, axis, keepdims)), axis=axis, keepdims=keepdims)


def _product_of_others(xs: ndarray, axis) -> ndarray:
    axes = tuple(range(xs.ndim)) if axis is None else axis
    moved = np.moveaxis(xs, axes, tuple(range(-len(axes), 0)))
    flat = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))
    left = np.cumprod(np.concatenate([np.ones(flat.shape[:-1] + (1,)), flat[..., :-1]], -1), -1)
    right = np.flip(np.cumprod(np.concatenate(
        [np.ones(flat.shape[:-1] + (1,)), np.flip(flat, -1)[..., :-1]], -1), -1), -1)
    return np.moveaxis((left * right).reshape(moved.shape), tuple(range(-len(axes), 0)), axes)


def _prod_series(s, prim, axis=None, keepdims=False):
    """The series of the product: Cauchy products of the elements' series, one element at a time."""
    (x,) = s
    x0 = np.asarray(x[0])
    if x0.ndim == 0:
        return list(x)
    axes = tuple(range(x0.ndim)) if axis is None else axis
    moved = [np.moveaxis(np.broadcast_to(c, x0.shape), axes, tuple(range(-len(axes), 0))) for c in x]
    lead = moved[0].shape[:x0.ndim - len(axes)]
    flat = [m.reshape(lead + (-1,)) for m in moved]
    result = [f[..., 0] for f in flat]
    for i in range(1, flat[0].shape[-1]):
        result = series_mul(result, [f[..., i] for f in flat])
    if keepdims:
        kept = tuple(1 if d in axes else n for d, n in enumerate(x0.shape))
        result = [np.reshape(r, kept) for r in result]
    return [plain(np.asarray(r)) for r in result]


prod = primitive("prod", _reduction_impl(np.prod), vjps=(_prod_rule,), jvp=_prod_jvp, taylor=_prod_series,
                 batch=batch_reduction, size=reduced_size)


def _norm_impl(x, axis=None, keepdims=False):
    if type(x) is not ndarray:
        return abs(x) + 0.0
    return plain(np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)))


def _norm_partial(ans, x, axis, keepdims):
    # x / |x|, with the subgradient 0 at x = 0 (as for abs). The 0 is a constant there, so the
    # derivatives of the partial are 0 too, as abs's are (sign is piecewise constant).
    shape = value_shape(x)
    full = _expand(ans, shape, axis, keepdims)
    nonzero = np.not_equal(strip(full), 0)
    return where(div(x, where(full, 1.0, cond=nonzero)), 0.0, cond=nonzero)


def _norm_series(s, prim, axis=None, keepdims=False):
    (x,) = s
    squares = series_mul(x, x)
    return root_of_squares([numeric_sum(c, axis, keepdims) if np.ndim(x[0]) else c for c in squares])


norm = primitive(
    "norm", _norm_impl,
    vjps=(lambda g, ans, x, axis=None, keepdims=False:
          cot_mul(_expand(g, value_shape(x), axis, keepdims), _norm_partial(ans, x, axis, keepdims)),),
    jvp=lambda ts, ans, x, axis=None, keepdims=False:
    sum_(cot_mul(ts[0], _norm_partial(ans, x, axis, keepdims)), axis=axis, keepdims=keepdims),
    taylor=_norm_series,
    batch=batch_reduction,
    size=reduced_size,
    kink=at_zero("ans", "norm at 0: the subgradient 0 is used"),
)


def _logsumexp_impl(x, axis=None, keepdims=False):
    if type(x) is not ndarray:
        return x + 0.0
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return plain(out if keepdims else np.squeeze(out, axis=axis))


def _softmax_of(ans, x, axis, keepdims):
    return exp(sub(x, _expand(ans, value_shape(x), axis, keepdims)))


def _logsumexp_series(s, prim, axis=None, keepdims=False):
    """log(sum(exp(x))), shifted by the largest element as the forward function is."""
    (x,) = s
    if not np.ndim(x[0]):
        return list(x)
    top = np.max(x[0], axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    shifted = [x[0] - top] + list(x[1:])
    total = [numeric_sum(c, axis, True) for c in series_exp(shifted)]
    out = series_log(total)
    out[0] = out[0] + top
    if not keepdims:
        out = [plain(np.squeeze(np.asarray(c), axis=axis)) for c in out]
    return out


logsumexp = primitive(
    "logsumexp", _logsumexp_impl,
    vjps=(lambda g, ans, x, axis=None, keepdims=False:
          cot_mul(_expand(g, value_shape(x), axis, keepdims), _softmax_of(ans, x, axis, keepdims)),),
    jvp=lambda ts, ans, x, axis=None, keepdims=False:
    sum_(cot_mul(ts[0], _softmax_of(ans, x, axis, keepdims)), axis=axis, keepdims=keepdims),
    taylor=_logsumexp_series,
    batch=batch_reduction,
    size=reduced_size,
)


# ------------------------------------------------------------ linear algebra

def _transpose_impl(x, axes=None):
    return x if type(x) is not ndarray else np.transpose(x, axes)


def _inverse_axes(axes):
    return None if axes is None else tuple(int(i) for i in np.argsort(axes))


def _transpose_batch(prim, args, batched, axes=None):
    x, = args
    rank = len(example_shape(x, True))
    order = tuple(range(rank - 1, -1, -1)) if axes is None else axes
    return transpose(x, axes=(0,) + tuple(a + 1 for a in order))


transpose = primitive(
    "transpose", _transpose_impl,
    vjps=(lambda g, ans, x, axes=None: transpose(g, axes=_inverse_axes(axes)),),
    jvp=lambda ts, ans, x, axes=None: transpose(ts[0], axes=axes),
    taylor=linear,
    batch=_transpose_batch,
    saves=("",),
    size=same_size,
)


def _swap_last(x):
    n = len(value_shape(x))
    return transpose(x, axes=tuple(range(n - 2)) + (n - 1, n - 2))


def _matmul_impl(a, b):
    return plain(np.matmul(a, b))


def _cot_matmul_impl(a, b):
    """matmul for derivative rules: a zero times a non-finite element adds nothing to a sum.

    The zero-cotangent rule of elementwise.py, for the products inside a matrix product (as in
    g @ W.T where W holds an inf and g a zero): a finite result is matmul's; otherwise the sums
    are redone, the inner indices with a non-finite element term by term.
    """
    out = _matmul_impl(a, b)
    if type(out) is ndarray and array_all_finite(out) or type(out) is not ndarray and out - out == 0:
        return out
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    # inner indices k whose column of a or row of b holds a non-finite element
    bad = ~(np.isfinite(a2).reshape(-1, a2.shape[-1]).all(axis=0)
            & np.isfinite(np.moveaxis(b2, -2, -1)).reshape(-1, b2.shape[-2]).all(axis=0))
    result = np.matmul(np.where(bad, 0.0, a2), np.where(bad[:, None], 0.0, b2))
    for k in np.flatnonzero(bad):
        ak, bk = a2[..., :, k:k + 1], b2[..., k:k + 1, :]
        result = result + np.where(np.logical_or(ak == 0, bk == 0), 0.0, ak * bk)
    if a.ndim == 1:
        result = result[..., 0, :]
    if b.ndim == 1:
        result = result[..., 0]
    return plain(result)


def _matmul_size(a, b) -> int:
    sa, sb = shape_of(a), shape_of(b)
    if not (sa and sb):
        return max(size_of(a), size_of(b))      # numpy refuses it (the builtin says why)
    rows = sa[-2:-1]
    cols = sb[-1:] if len(sb) > 1 else ()
    batch = np.broadcast_shapes(sa[:-2], sb[:-2]) if len(sa) > 2 or len(sb) > 2 else ()
    return math.prod(batch + rows + cols)


def _matmul_work(n, a, b) -> int:
    """Multiply-adds: the result's n elements times the contracted length (a 700 x 700 product: 3.4e8)."""
    sa = shape_of(a)
    return n * (sa[-1] if sa else 1) + size_of(a) + size_of(b)


def _as_matrices(a, b):
    """matmul's 1-D operands promoted to matrices, as numpy does, with the result shape of each."""
    sa, sb = value_shape(a), value_shape(b)
    a2 = reshape(a, shape=(1,) + sa) if len(sa) == 1 else a
    b2 = reshape(b, shape=sb + (1,)) if len(sb) == 1 else b
    return a2, b2


# matmul's rules and cot_matmul's are the same linear maps, written with cot_matmul (a rule's
# products are the derivative's, under the zero-cotangent rule).

def _matmul_vjp_a(g, ans, a, b):
    a2, b2 = _as_matrices(a, b)
    # g at the promoted result's shape: a's rows and b's columns over the broadcast batch of both.
    g2 = reshape(g, shape=np.broadcast_shapes(value_shape(a2)[:-1] + value_shape(b2)[-1:],
                                              value_shape(b2)[:-2] + (1, 1)))
    return reshape(unbroadcast(cot_matmul(g2, _swap_last(b2)), value_shape(a2)), shape=value_shape(a))


def _matmul_vjp_b(g, ans, a, b):
    a2, b2 = _as_matrices(a, b)
    g2 = reshape(g, shape=np.broadcast_shapes(value_shape(a2)[:-1] + value_shape(b2)[-1:],
                                              value_shape(b2)[:-2] + (1, 1)))
    return reshape(unbroadcast(cot_matmul(_swap_last(a2), g2), value_shape(b2)), shape=value_shape(b))


def _matmul_jvp(ts, ans, a, b):
    terms = []
    if ts[0] is not None:
        terms.append(cot_matmul(ts[0], b))
    if ts[1] is not None:
        terms.append(cot_matmul(a, ts[1]))
    return terms[0] if len(terms) == 1 else add(terms[0], terms[1])


def _matmul_batch(prim, args, batched):
    """matmul of stacked examples, with the batch axis kept in front of matmul's own batch axes."""
    (a, b), (ba, bb) = args, batched
    sa, sb = example_shape(a, ba), example_shape(b, bb)
    if not bb and (len(sb) == 1 or len(sa) == 1 and len(sb) == 2) or not ba and 2 <= len(sb) >= len(sa):
        return prim.bind(a, b)      # numpy's promotion and broadcasting already keep the batch axis in front
    # Otherwise promote 1-D examples to matrices (as matmul does for each example), pad the ranks
    # behind the batch axis so that it lines up, and drop the promoted axes from the result.
    stack = example_stack(a if ba else b)
    pa = (1,) + sa if len(sa) == 1 else sa
    pb = sb + (1,) if len(sb) == 1 else sb
    rank = max(len(pa), len(pb))
    out = prim.bind(_promoted(a, ba, sa, pa, stack, rank), _promoted(b, bb, sb, pb, stack, rank))
    rows, cols = sa[-2:-1], (sb[-1:] if len(sb) > 1 else ())
    return reshape(out, shape=stack + np.broadcast_shapes(sa[:-2], sb[:-2]) + rows + cols)


def _promoted(x, batched: bool, shape: tuple, matrix: tuple, stack: tuple, rank: int):
    if batched:
        return reshape(x, shape=stack + (1,) * (rank - len(matrix)) + matrix)
    return reshape(x, shape=matrix) if matrix != shape else x


def _matmul_series(s, prim, **params):
    """matmul and cot_matmul: a product, so a Cauchy product with matmul for the coefficient products
    (cot_matmul, zero-absorbing, for the derivatives' coefficients)."""
    a, b = s
    out = [prim.impl(a[0], b[0])]
    product = cot_matmul.primitive.impl
    for k in range(1, len(a)):
        total = product(a[0], b[k])
        for j in range(1, k + 1):
            total = total + product(a[j], b[k - j])
        out.append(total)
    return out


# Each rule reads both operands (_as_matrices reshapes a 1-D one even where only its shape is used).
matmul = primitive("matmul", _matmul_impl, vjps=(_matmul_vjp_a, _matmul_vjp_b), jvp=_matmul_jvp,
                   taylor=_matmul_series, batch=_matmul_batch, saves=("x y", "x y"), size=_matmul_size,
                   work=_matmul_work)
cot_matmul = primitive("cot_matmul", _cot_matmul_impl, vjps=(_matmul_vjp_a, _matmul_vjp_b), jvp=_matmul_jvp,
                       taylor=_matmul_series, batch=_matmul_batch, saves=("x y", "x y"), size=_matmul_size,
                       work=_matmul_work)


# ------------------------------------------------------------------ indexing

def _getitem_impl(x, index):
    return plain(x[index])


def _index_size(x, index) -> int:
    """The number of elements of x[index], without indexing: basic indexing gives a view (at most
    x's size); integer arrays give their broadcast shape times the dimensions they leave."""
    parts = index if index.__class__ is tuple else (index,)
    for p in parts:
        if p.__class__ is ndarray:
            break
    else:       # basic indexing: a view of x, made without allocating
        return size_of(x) if size_of(x) <= (get_current() or current()).max_elements else x[index].size
    shape = shape_of(x)
    used = sum(p.ndim if p.__class__ is ndarray and p.dtype == bool else
               0 if p is None or p is Ellipsis else 1 for p in parts)
    dim, kept, advanced = 0, 1, []
    for p in parts:
        if p is Ellipsis:
            fill = max(0, len(shape) - used)
            kept *= math.prod(shape[dim:dim + fill])
            dim += fill
        elif p is None:
            continue
        elif p.__class__ is ndarray:
            if p.dtype == bool:
                advanced.append((int(np.count_nonzero(p)),))
                dim += p.ndim
            else:
                advanced.append(p.shape)
                dim += 1
        elif isinstance(p, slice):
            if dim < len(shape):
                kept *= len(range(*p.indices(shape[dim])))
            dim += 1
        else:
            dim += 1
    kept *= math.prod(shape[dim:])
    return kept * math.prod(np.broadcast_shapes(*advanced))


def _basic(index) -> bool:
    """Basic indexing (integers, slices, None, ...): it never names a position twice."""
    return all(isinstance(part, (int, slice)) or part is None or part is Ellipsis for part in index)


def _scatter_add_impl(g, index, shape):
    out = np.zeros(shape)
    if _basic(index):
        out[index] = g          # basic indexing never repeats a position: no accumulation needed
    else:
        np.add.at(out, index, g)    # integer arrays may repeat positions, which must add up
    return out


def _getitem_accumulate(target, g, ans, x, index):
    """target + scatter_add(g): adds g into target's slice in place instead of a zero array's."""
    if target is None:
        return _scatter_add_impl(g, index, value_shape(x))
    if _basic(index):
        target[index] += g
    else:
        np.add.at(target, index, g)
    return target


def _front_to_batch(x, count: int, rank: int):
    """Stacked examples of rank `rank` (+1) with the batch axis moved from the front to behind `count` axes."""
    return transpose(x, axes=tuple(range(1, count + 1)) + (0,) + tuple(range(count + 1, rank + 1)))


def _batch_to_front(x, count: int, rank: int):
    """The inverse of `_front_to_batch`: the batch axis, found behind `count` axes, moved to the front."""
    return transpose(x, axes=(count,) + tuple(range(count)) + tuple(range(count + 1, rank + 1)))


# The batching rules of the indexing primitives index the stacked examples with the index behind
# the batch axis. Where numpy moves an advanced index's axes in front of the result (its parts are
# apart, e.g. x[0, :, [1, 3]]), it moves them in front of the batch axis too: `front` of them,
# which the rules move back behind it (getitem) or out of the way of the values (scatter, set).

def _getitem_batch(prim, args, batched, index):
    out = getitem(args[0], index=with_batch_axis(index))
    front = advanced_axes_in_front(index)
    return _batch_to_front(out, front, len(value_shape(out)) - 1) if front else out


def _scatter_add_batch(prim, args, batched, index, shape):
    g = args[0]
    rank = _selected_rank(shape, index)
    g = lift(g, True, rank)
    front = advanced_axes_in_front(index)
    if front:
        g = _front_to_batch(g, front, rank)
    return scatter_add(g, index=with_batch_axis(index), shape=example_stack(args[0]) + shape)


def _index_set_batch(prim, args, batched, index):
    (x, v), (bx, bv) = args, batched
    shape = example_shape(x, bx)
    if not bx:
        x = broadcast_to(x, shape=example_stack(v) + shape)
    front = advanced_axes_in_front(index)
    if bv or front:
        rank = _selected_rank(shape, index)
        if not bv:      # the same values for every example: a batch of one, which broadcasts
            v = reshape(v, shape=(1,) + value_shape(v))
        v = lift(_without_leading_ones(v, rank), True, rank)
        if front:
            v = _front_to_batch(v, front, rank)
    return index_set(x, v, index=with_batch_axis(index))


def _without_leading_ones(v, rank: int):
    """Stacked values whose examples have more axes than `rank`, the extra leading ones of length 1
    dropped: numpy drops them from the value of `x[index] = v` (a (1, 3) value fits a row of
    3), but behind the batch axis they would no longer be leading."""
    shape = value_shape(v)
    extra = len(shape) - 1 - rank
    if extra > 0 and all(n == 1 for n in shape[1:1 + extra]):
        return reshape(v, shape=shape[:1] + shape[1 + extra:])
    return v


def _selected_rank(shape: tuple, index) -> int:
    """The rank of example[index] for an example of `shape`, without allocating the example."""
    return np.broadcast_to(np.float64(0.0), shape)[index].ndim


getitem = primitive(
    "getitem", _getitem_impl,
    vjps=(lambda g, ans, x, index: scatter_add(g, index=index, shape=value_shape(x)),),
    jvp=lambda ts, ans, x, index: getitem(ts[0], index=index),
    taylor=linear,
    accumulate_vjp=_getitem_accumulate,
    batch=_getitem_batch,
    saves=("",),
    size=_index_size,
)

# The adjoint of getitem: a zero array of `shape` with `g` added at `index` (repeats accumulate).
scatter_add = primitive(
    "scatter_add", _scatter_add_impl,
    vjps=(lambda gg, ans, g, index, shape: unbroadcast(getitem(gg, index=index), value_shape(g)),),
    jvp=lambda ts, ans, g, index, shape: scatter_add(ts[0], index=index, shape=shape),
    taylor=linear,
    batch=_scatter_add_batch,
    saves=("",),
    size=shape_size,
)


def _index_set_impl(x, v, index):
    out = np.array(x, dtype=np.float64)     # a copy: the recorded x is never changed
    out[index] = v
    return out


def _index_set_jvp(ts, ans, x, v, index):
    tx = ts[0] if ts[0] is not None else np.zeros(value_shape(x))
    return index_set(tx, 0.0 if ts[1] is None else ts[1], index=index)


def _overwritten(shape: tuple, index):
    """Where `x[index] = v` writes one position twice (x of `shape`): a mask, over the selection
    x[index], of the writes a later one overwrites; None when none is.

    numpy assigns in order, so the last write to a position is the one that stays. Rather than
    assume that order, the mask is read off an assignment numpy does itself: each write
    numbered, the numbers that stay are the writes that count.
    """
    if not any(type(part) is ndarray and part.dtype != bool for part in index):
        return None         # slices, integers and masks never name a position twice
    selected = np.broadcast_to(np.float64(0.0), shape)[index].shape
    numbers = np.arange(math.prod(selected)).reshape(selected)
    owner = np.full(shape, -1, dtype=np.intp)
    owner[index] = numbers
    stays = np.zeros(numbers.size, dtype=bool)
    stays[owner[index].reshape(-1)] = True
    return None if stays.all() else ~stays.reshape(selected)


def _index_set_vjp_v(g, ans, x, v, index):
    # The cotangent of the writes that stay; one that a later write overwrote has no effect on
    # the result, so it gets zero (the value and its derivative agree, in every mode: forward
    # and Taylor mode assign tangents the same way, so the last one stays there too).
    picked = getitem(g, index=index)
    lost = _overwritten(value_shape(x), index)
    if lost is not None:
        picked = where(0.0, picked, cond=lost)
    return unbroadcast(picked, value_shape(v))


# `x[index] = v` as a value: a new array equal to x except at index.
index_set = primitive(
    "index_set", _index_set_impl,
    vjps=(lambda g, ans, x, v, index: index_set(g, 0.0, index=index), _index_set_vjp_v),
    jvp=_index_set_jvp,
    taylor=linear,
    batch=_index_set_batch,
    saves=("", ""),
    size=lambda x, v, index: size_of(x),
)


# ------------------------------------------------------------------ stacking

class _PerArgument:
    """Rules of a variadic primitive: rule k is `rule(k, ...)`."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, k):
        return lambda g, ans, *args, **params: self.rule(k, g, ans, *args, **params)


def _stack_impl(*xs, axis=0):
    return np.stack(xs, axis=axis)


def _stack_vjp(k, g, ans, *xs, axis=0):
    index = (slice(None),) * axis + (k,)
    return getitem(g, index=index)


def _variadic_jvp(prim):
    def jvp(ts, ans, *xs, **params):
        filled = [t if t is not None else np.zeros(value_shape(x)) for t, x in zip(ts, xs)]
        return prim(*filled, **params)
    return jvp


def _joined_batch(extra_axis: int):
    """The batching rule of stack (extra_axis 1) or concat (0): unbatched parts broadcast, the axis shifted."""
    def rule(prim, args, batched, axis=0):
        first = args[batched.index(True)]
        stacked, shape = example_stack(first), example_shape(first, True)
        parts = [a if b else broadcast_to(a, shape=stacked + example_shape(a, False))
                 for a, b in zip(args, batched)]
        return prim.bind(*parts, axis=(axis if axis >= 0 else axis + len(shape) + extra_axis) + 1)
    return rule


stack = primitive("stack", _stack_impl, vjps=_PerArgument(_stack_vjp),
                  jvp=lambda ts, ans, *xs, **params: _variadic_jvp(stack)(ts, ans, *xs, **params),
                  taylor=linear,
                  batch=_joined_batch(1),
                  size=lambda *xs, axis=0: len(xs) * max(size_of(x) for x in xs))


def _concat_impl(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _concat_vjp(k, g, ans, *xs, axis=0):
    start = sum(value_shape(x)[axis] for x in xs[:k])
    stop = start + value_shape(xs[k])[axis]
    return getitem(g, index=(slice(None),) * axis + (slice(start, stop),))


concat = primitive("concat", _concat_impl, vjps=_PerArgument(_concat_vjp),
                   jvp=lambda ts, ans, *xs, **params: _variadic_jvp(concat)(ts, ans, *xs, **params),
                   taylor=linear,
                   batch=_joined_batch(0),
                   size=lambda *xs, axis=0: sum(size_of(x) for x in xs))

