"""How the linear algebra primitives are written (entries of printing.PRINTING): einsum, slogdet,
pinv, and the factorisations cholesky, eigh and svd, whose primitives differ from the builtins
that call them. The builtins of cholesky and eigh read a triangle, the primitives the symmetric
part (the language text symmetrises, or calls the builtin on the matrix whose triangle was read);
eigh and svd return their results packed in one array, which the language text packs again from
the builtin's (numpy text calls the engine's own forward functions, numpy_helpers.py)."""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ..engine.decompositions import svd_layout
from .literals import ADD, ATOM, LANGUAGE, PYTHON, number_text, shape_args
from .symbolic import Const


def einsum(p: Any, node) -> tuple:
    operands = ", ".join(p.text(a, 0) for a in node.args)
    spec = node.params["subscripts"]          # letters, commas and '->' (linalg_builtins.canonical_einsum)
    return (f'einsum("{spec}", {operands})' if p.target == LANGUAGE else f"np.einsum({spec!r}, {operands})"), ATOM


def slogdet(p: Any, node) -> tuple:
    """log |det A|: the second value of slogdet (the primitive; the builtin adds the sign)."""
    return f"{'slogdet' if p.target == LANGUAGE else 'np.linalg.slogdet'}({p.text(node.args[0], 0)})[1]", ATOM


def pinv(p: Any, node) -> tuple:
    rcond = number_text(float(node.params.get("rcond", 1e-15)), p.target)
    return f"{'pinv' if p.target == LANGUAGE else 'np.linalg.pinv'}({p.text(node.args[0], 0)}, rcond={rcond})", ATOM


def _triangle(node) -> Optional[tuple]:
    """(a, "L" or "U") when `node` is the symmetric matrix the cholesky and eigh builtins build
    from a triangle of a (linalg_builtins._from_triangle), which the builtin called on a builds
    again; None otherwise."""
    if node.op != "add" or len(node.args) != 2:
        return None
    kept, moved = node.args
    if kept.op != "mul" or moved.op != "transpose" or moved.args[0].op != "mul":
        return None
    a, keep = kept.args
    b, strict = moved.args[0].args
    n = node.shape[-1] if len(node.shape) >= 2 else 0
    axes = moved.params.get("axes")
    if a is not b or not isinstance(keep, Const) or not isinstance(strict, Const) or not n or \
            axes != tuple(range(len(node.shape) - 2)) + (len(node.shape) - 1, len(node.shape) - 2):
        return None
    for side, whole, part in (("L", np.tril(np.ones((n, n))), np.tril(np.ones((n, n)), -1)),
                              ("U", np.triu(np.ones((n, n))), np.triu(np.ones((n, n)), 1))):
        if np.array_equal(keep.value, whole) and np.array_equal(strict.value, part):
            return a, side
    return None


def _symmetric_argument(p: Any, node, sides: str) -> tuple:
    """(language text of a matrix a, the triangle in `sides` that the builtin reads of it) such that
    the cholesky/eigh builtin called on a computes the primitive on `node`: the builtin reads a
    triangle, the primitive the symmetric part (of a symmetric matrix, both are the matrix)."""
    found = _triangle(node)
    if found is not None and found[1] in sides:
        return p.text(found[0], 0), found[1]
    x = p.text(node, ADD)
    return f"0.5*({x} + swapaxes({x}, -1, -2))", "L"


TUPLES = ("eigh", "svd")       # the language's builtins of them return a tuple, which a statement may name


def tuple_call(p: Any, node) -> str:
    """The language's call of eigh or svd on `node`'s argument: a tuple of its results."""
    if node.op == "svd":
        full = bool(node.params.get("full_matrices", False))
        return f"svd({p.text(node.args[0], 0)}, full_matrices={'true' if full else 'false'})"
    x, side = _symmetric_argument(p, node.args[0], "LU")
    return f"eigh({x})" if side == "L" else f'eigh({x}, "U")'


def factorisation(name: str):
    """cholesky, eigh and svd: in numpy, the engine's own forward functions (helper `_factor`);
    in the language, the builtin, its results packed as the primitive packs them (decompositions.py),
    from the tuple's name where the statement gave it one (`p.tuples`)."""
    def write(p: Any, node) -> tuple:
        full = bool(node.params.get("full_matrices", False))
        if p.target == PYTHON:
            p.helpers.add("_factor")
            return f"_{name}({p.text(node.args[0], 0)}{', full_matrices=True' if full else ''})", ATOM
        if name == "cholesky":
            return f"cholesky({_symmetric_argument(p, node.args[0], 'L')[0]})", ATOM
        shape = node.args[0].shape
        lead, (m, n) = shape[:-2], shape[-2:]
        call = p.tuples.get(id(node)) or tuple_call(p, node)
        if name == "svd":
            u, _, vh = svd_layout(m, n, full)
            parts = [f"reshape({call}[0], {shape_args(lead + (math.prod(u),))})", f"{call}[1]",
                     f"reshape({call}[2], {shape_args(lead + (math.prod(vh),))})"]
            return f"concat({', '.join(parts)}, axis={len(lead)})", ATOM
        return f"concat(reshape({call}[0], {shape_args(lead + (1, n))}), {call}[1], axis={len(lead)})", ATOM
    return write
