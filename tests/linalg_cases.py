"""The linear algebra primitives' entries of the tables that the registry-wide tests read.

tests/test_primitives.py (CASES: argument generators), test_numpy_values.py (numpy references of
the primitives and builtins) and test_batching.py (batching cases) merge these dicts, so that
every registered primitive stays covered. Arguments are drawn away from the points where a rule
is not defined: invertible, positive definite, eigenvalues and singular values well apart.
"""
from __future__ import annotations

import numpy as np

import autodiff.diffcore.engine.decompositions  # noqa: F401 - registers the primitives
import autodiff.diffcore.engine.linalg  # noqa: F401


def well_conditioned(r, shape):
    """Matrices with a dominant diagonal (invertible, condition number about 10)."""
    n = shape[-1]
    return r.uniform(-1.0, 1.0, shape) + 3.0 * np.eye(n) * r.choice([-1.0, 1.0], size=shape[:-2] + (1, 1))


def positive_definite(r, shape):
    b = r.uniform(-1.0, 1.0, shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def spread_symmetric(r, shape):
    """Symmetric matrices with eigenvalues 1, 2.5, 4, ... (well apart), in a random basis."""
    n = shape[-1]
    q, _ = np.linalg.qr(r.normal(size=shape))
    w = 1.0 + 1.5 * np.arange(n)
    return q @ (w[:, None] * np.swapaxes(q, -1, -2))


def spread_singular(r, shape):
    """Matrices with singular values 1, 2, 3, ... (apart and away from 0)."""
    m, n = shape[-2:]
    k = min(m, n)
    u, _ = np.linalg.qr(r.normal(size=shape[:-2] + (m, m)))
    v, _ = np.linalg.qr(r.normal(size=shape[:-2] + (n, n)))
    s = np.zeros(shape)
    s[..., np.arange(k), np.arange(k)] = 1.0 + np.arange(k)
    return u @ s @ np.swapaxes(v, -1, -2)


def singular_matrix(r, shape):
    """A matrix of rank n - 1 (det's derivative there goes through the minors)."""
    x = r.uniform(-1.0, 1.0, shape)
    x[..., -1, :] = x[..., 0, :] + x[..., 1, :]
    return x


def any_values(r, shape):
    return r.uniform(-2.0, 2.0, shape) if shape else float(r.uniform(-2.0, 2.0))


EINSUMS = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->", [(3, 3)]), ("ii->i", [(3, 3)]), ("ij->j", [(2, 3)]),
           ("i,i->", [(4,), (4,)]), (",i->i", [(), (3,)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
           ("ij,ij,j->i", [(2, 3), (2, 3), (3,)]), ("iij->j", [(2, 2, 3)]), ("ij->ji", [(2, 3)])]
SOLVES = [((3, 3), (3, 2)), ((2, 3, 3), (3, 1)), ((3, 3), (2, 3, 2)), ((2, 1, 3, 3), (4, 3, 2))]
SVDS = [((4, 3), False), ((3, 4), False), ((3, 3), True), ((2, 3, 2), False)]


def primitive_cases(Case, sid) -> dict:
    """test_primitives.CASES entries, made with its Case and sid."""
    def einsum_case(spec, shapes):
        return Case(spec, lambda r: tuple(any_values(r, s) for s in shapes), dict(subscripts=spec))

    return {
        "einsum": [einsum_case(spec, shapes) for spec, shapes in EINSUMS],
        "solve": [Case(f"{sid(a)}_{sid(b)}", (lambda a, b: lambda r: (well_conditioned(r, a), any_values(r, b)))(a, b))
                  for a, b in SOLVES],
        "slogdet": [Case(sid(s), (lambda s: lambda r: (well_conditioned(r, s),))(s)) for s in [(3, 3), (2, 2, 2), (1, 1)]],
        "det": [Case(sid(s), (lambda s: lambda r: (well_conditioned(r, s),))(s)) for s in [(3, 3), (2, 2, 2), (1, 1)]]
        + [Case("singular_3x3", lambda r: (singular_matrix(r, (3, 3)),))],
        "cholesky": [Case(sid(s), (lambda s: lambda r: (positive_definite(r, s),))(s)) for s in [(3, 3), (2, 2, 2)]],
        "eigh": [Case(sid(s), (lambda s: lambda r: (spread_symmetric(r, s),))(s)) for s in [(3, 3), (2, 2, 2)]],
        "svd": [Case(f"{sid(s)}{'_full' if full else ''}", (lambda s: lambda r: (spread_singular(r, s),))(s),
                     dict(full_matrices=full)) for s, full in SVDS],
        "pinv": [Case(sid(s), (lambda s: lambda r: (spread_singular(r, s),))(s), dict(rcond=1e-15))
                 for s in [(3, 4), (4, 3), (3, 3), (2, 2, 3)]],
    }


# The linear algebra primitives (functions of whole matrices, not elementwise ones).
MATRIX_FUNCTIONS = {"einsum", "solve", "slogdet", "det", "cholesky", "eigh", "svd", "pinv"}
# Primitives whose Taylor rule is a declared NoRule: Taylor mode refuses them with the reason.
WITHOUT_SERIES = {"det", "eigh", "svd", "pinv"}


# ------------------------------------------------------------------ numpy references (test_numpy_values)

def _draw_matrices(make, low=1, high=4, square=True):
    def draw(rng):
        lead = tuple(int(n) for n in rng.integers(1, 4, int(rng.integers(0, 3))))
        m = int(rng.integers(low, high + 1))
        n = m if square else int(rng.integers(low, high + 1))
        return lead + (m, n)
    return lambda rng: make(rng, draw(rng))


def primitive_references() -> dict:
    """name -> rng -> (args, params, numpy's value)."""
    def solve(rng):
        a = _draw_matrices(well_conditioned)(rng)
        b = rng.uniform(-2, 2, a.shape[:-1] + (int(rng.integers(1, 4)),))
        return (a, b), {}, np.linalg.solve(a, b)

    def one(make, fn, square=True, params=None):
        def draw(rng):
            a = _draw_matrices(make, square=square)(rng)
            return (a,), dict(params or {}), fn(a)
        return draw

    def einsum(rng):
        spec, shapes = EINSUMS[int(rng.integers(len(EINSUMS)))]
        ops = tuple(any_values(rng, s) for s in shapes)
        return ops, {"subscripts": spec}, np.einsum(spec, *ops)

    def svd_draw(rng):
        full = bool(rng.integers(2))
        return one(spread_singular, lambda a: _packed_svd(a, full), square=False, params={"full_matrices": full})(rng)

    return {
        "einsum": einsum, "solve": solve,
        "det": one(well_conditioned, np.linalg.det), "slogdet": one(well_conditioned, lambda a: np.linalg.slogdet(a)[1]),
        "cholesky": one(positive_definite, np.linalg.cholesky), "eigh": one(spread_symmetric, _packed_eigh),
        "svd": svd_draw, "pinv": one(spread_singular, np.linalg.pinv, square=False, params={"rcond": 1e-15}),
    }


def batching_cases() -> dict:
    """test_batching's cases: name -> [(argument shapes, params, maker of one argument value)]."""
    def maker(make):
        return lambda rng, shape: make(rng, shape) if len(shape) >= 2 else any_values(rng, shape)
    cases = {
        "einsum": [(shapes, {"subscripts": spec}, lambda rng, s: any_values(rng, s)) for spec, shapes in EINSUMS],
        "solve": [([a, b], {}, lambda rng, s, a=a: (well_conditioned(rng, s) if s == a else any_values(rng, s)))
                  for a, b in SOLVES],
        "det": [([s], {}, maker(well_conditioned)) for s in [(3, 3), (2, 2, 2)]],
        "slogdet": [([s], {}, maker(well_conditioned)) for s in [(3, 3), (2, 2, 2)]],
        "cholesky": [([s], {}, maker(positive_definite)) for s in [(3, 3), (2, 2, 2)]],
        "eigh": [([s], {}, maker(spread_symmetric)) for s in [(3, 3), (2, 2, 2)]],
        "svd": [([s], {"full_matrices": full}, maker(spread_singular)) for s, full in SVDS],
        "pinv": [([s], {"rcond": 1e-15}, maker(spread_singular)) for s in [(3, 4), (4, 3)]],
    }
    return cases


def builtin_references(language, values, shape) -> dict:
    """test_numpy_values's BUILTIN_REFERENCES entries: numpy's function and a draw of arguments
    (`language`, `values` and `shape` are that file's helpers)."""
    def matrices(make, square=True):
        return lambda rng: ((_draw_matrices(make, square=square)(rng),), {})

    def solve_args(rng):
        a = _draw_matrices(well_conditioned)(rng)
        n = a.shape[-1]
        b = values(rng, (n,)) if rng.random() < 0.5 else values(rng, a.shape[:-2][int(rng.integers(0, 2)):] + (n, 2))
        return (a, b), {}

    def svd_args(rng):
        kwargs = {"full_matrices": bool(rng.integers(2)), "compute_uv": bool(rng.random() < 0.8)}
        return (_draw_matrices(spread_singular, square=False)(rng),), kwargs

    def einsum_args(rng):
        spec, shapes = EINSUMS[int(rng.integers(len(EINSUMS)))]
        spec = spec.split("->")[0] if rng.random() < 0.3 and spec != "ij->ji" else spec      # implicit mode too
        return (spec,) + tuple(any_values(rng, s) for s in shapes), {}

    def tensordot_args(rng):
        a, b = values(rng, (2, 3, 4)), values(rng, (4, 3, 2))
        return (a, b), {"axes": [0, 1, ([1, 2], [1, 0]), ([2], [0])][int(rng.integers(4))]}

    def inner_args(rng):
        n = int(rng.integers(1, 4))
        return (values(rng, shape(rng, 0, 2) + (n,)), values(rng, shape(rng, 0, 2) + (n,))), {}

    def cross_args(rng):
        return (values(rng, shape(rng, 0, 1) + (3,)), values(rng, (3,))), {}     # (numpy 2 deprecates 2-vectors)

    def trace_args(rng):
        x = values(rng, shape(rng, 2, 4))
        return (x,), {"offset": int(rng.integers(-1, 2))}

    def diag_args(rng):
        x = values(rng, shape(rng, 1, 2))
        return (x,), {"k": int(rng.integers(-2, 3))}

    return {
        "solve": language(np.linalg.solve, solve_args), "inv": language(np.linalg.inv, matrices(well_conditioned)),
        "det": language(np.linalg.det, matrices(well_conditioned)),
        "slogdet": language(lambda a: tuple(np.linalg.slogdet(a)), matrices(well_conditioned)),
        "cholesky": language(np.linalg.cholesky, matrices(positive_definite)),
        "eigh": language(lambda a: tuple(np.linalg.eigh(a)), matrices(spread_symmetric)),
        "svd": language(lambda a, **kw: tuple(np.linalg.svd(a, **kw)) if kw["compute_uv"] else np.linalg.svd(a, **kw),
                        svd_args),
        "pinv": language(np.linalg.pinv, matrices(spread_singular, square=False)),
        "einsum": language(np.einsum, einsum_args), "tensordot": language(np.tensordot, tensordot_args),
        "inner": language(np.inner, inner_args), "kron": language(np.kron, lambda rng: (
            (values(rng, shape(rng, 0, 3)), values(rng, shape(rng, 0, 3))), {})),
        "cross": language(np.cross, cross_args), "trace": language(np.trace, trace_args),
        "diag": language(np.diag, diag_args),
    }


# test_limits: programs that make an array just over a limit of 100 elements from smaller ones,
# and the builtins whose result is never larger than their argument.
PRODUCERS = [
    ("kron", "y = kron(ones(11), ones(10))"), ("einsum", "y = einsum('i,j->ij', ones(11), ones(10))"),
    ("tensordot", "y = tensordot(ones(11), ones(10), 0)"), ("inner", "y = inner(ones(11, 2), ones(10, 2))"),
    ("diag", "y = diag(ones(11))"), ("cross", "y = cross(ones(11, 1, 3), ones(10, 3))"),
    ("solve", "y = solve(ones(11, 1, 1, 1), ones(10, 1, 1))"), ("eigh", "y = eigh(eye(10))"),
    ("svd", "y = svd(ones(10, 10))"),
]
NOT_GROWING = {"inv", "det", "slogdet", "cholesky", "pinv", "trace"}


def _packed_eigh(a):
    w, v = np.linalg.eigh(a)
    return np.concatenate([w[..., None, :], v], axis=-2)


def _packed_svd(a, full_matrices):
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    lead = a.shape[:-2]
    return np.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1)


NUMPY_FUNCTIONS = {
    "einsum": lambda *ops, subscripts: np.einsum(subscripts, *ops), "solve": np.linalg.solve,
    "det": np.linalg.det, "slogdet": lambda a: np.linalg.slogdet(a)[1], "cholesky": np.linalg.cholesky,
    "eigh": _packed_eigh, "svd": _packed_svd, "pinv": lambda a, rcond: np.linalg.pinv(a, rcond=rcond),
}


def reference_and_cases() -> dict:
    """test_primitives_vs_numpy's PRIMITIVES entries: (numpy's function, rng -> [(args, params)])."""
    draws = primitive_references()
    return {name: (fn, (lambda draw: lambda rng: [draw(rng)[:2] for _ in range(12)])(draws[name]))
            for name, fn in NUMPY_FUNCTIONS.items()}


# test_regressions_arrays: each value argument of each builtin, as an expression in the input t
# (at 0.7), whose derivative every mode must give.
DIFFERENTIABLE_ARGUMENTS = {
    "solve": ["solve([[2, t], [0.5, 3]], [1, 2])", "solve([[2, 1], [0.5, 3]], [t, t^2])"],
    "inv": ["inv([[2, t], [0.5, 3]])"], "det": ["det([[2, t], [t^2, 3]])"],
    "slogdet": ["slogdet([[2, t], [0.5, -3]])[1] + slogdet([[2, t], [0.5, -3]])[0]"],
    "pinv": ["pinv([[2, t, 1], [0.5, 3, t^2]])"], "cholesky": ["cholesky([[2, t], [t, 3]])"],
    "eigh": ["eigh([[2, t], [t, 3]])[0] ^ 2", "eigh([[2, t], [t, 3]])[1][:, 0] ^ 2 * [1, 2]"],
    "svd": ["svd([[2, t, 1], [0.5, 3, t^2]])[1]", "svd([[2, t], [0.5, 3]], compute_uv=false)"],
    "einsum": ["einsum('ij,j->i', [[t, 1], [2, t^2]], [t, 3])"],
    "tensordot": ["tensordot([t, 2], [3, t], 1)", "tensordot([t, 2], [3, t^2], 0)"],
    "inner": ["inner([t, 2], [3, t^2])"], "kron": ["kron([t, 2], [3, t^2])"],
    "cross": ["cross([t, 2, 1], [3, t^2, 1])"], "trace": ["trace([[t, 2], [3, t^2]])"],
    "diag": ["diag([t, t^2])", "diag([[t, 2], [3, t^2]])"],
}
