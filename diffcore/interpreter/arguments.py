"""Arguments of builtins shared by several modules of builtins (builtins.py, scientific.py)."""
from __future__ import annotations

from typing import Any

from ..engine.errors import ShapeError
from ..engine.kinds import to_int
from ..engine.numeric import ndarray
from ..engine.tracing import strip


def to_axis(axis: Any, ndim: int):
    """Canonical axis param: None, or a tuple of distinct non-negative ints below ndim."""
    if axis is None:
        return None
    items = strip(axis)
    items = tuple(items) if isinstance(items, (tuple, list, ndarray)) else (items,)
    out = []
    for item in items:
        k = to_int(item, "an axis")
        if not -ndim <= k < ndim:
            raise ShapeError(f"axis {k} is out of range for a value with {ndim} dimension"
                             f"{'' if ndim == 1 else 's'}")
        out.append(k % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"axis {tuple(items)} repeats an axis")
    return tuple(out)
