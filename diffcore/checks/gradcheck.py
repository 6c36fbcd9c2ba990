"""Gradcheck: reverse mode against central finite differences and forward mode, element by element
(the formulas are in runner.py's docstring)."""
from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np


from ..engine.errors import RuntimeProgramError
from ..engine.context import SharedDeadline

from .results import COTANGENT_SEED, STEP, Mismatch


def gradcheck(program, at: dict, wrt: Optional[list], rtol: float, atol: float, deadline: SharedDeadline,
              stage: list) -> tuple[list, int]:
    """Reverse mode against central differences and forward mode, element by element.

    Returns (mismatches, number of elements compared). `stage[0]` names the computation under way,
    for the report of an error raised by one of them.
    """
    from ..derivatives import differentiate
    from ..higher import jacobian
    from ..program import discard
    from ..program import plain_output
    names = program.input_names
    at = {n: v for n, v in at.items() if n in names}       # an input read only by an assert is gone here
    wrt = [n for n in (wrt if wrt is not None else names) if n in names]
    if not wrt:
        return [], 0

    stage[0] = "reverse mode"
    first = differentiate(program, at, wrt=wrt, limits=deadline.next_run(), print_fn=discard)
    out = np.asarray(first.output, dtype=np.float64)
    cotangent = None
    if out.ndim:
        cotangent = np.random.default_rng(COTANGENT_SEED).standard_normal(out.shape)
        first = differentiate(program, at, wrt=wrt, cotangent=cotangent, limits=deadline.next_run(),
                              print_fn=discard)
    reverse = first.derivatives
    inputs = first.inputs

    def scalar(value: Any, what: str) -> float:
        value = plain_output(value, what)
        if np.shape(value) != out.shape:
            raise RuntimeProgramError(f"{what} has shape {np.shape(value)}, but at the point it has shape {out.shape}")
        return float(value) if cotangent is None else float(np.sum(cotangent * value))

    stage[0] = "forward mode"
    forward_result = jacobian(program, at, mode="forward", wrt=wrt, limits=deadline.next_run())
    blocks = forward_result.orders[1]

    def forward_of(name: str) -> np.ndarray:
        shape = np.shape(inputs[name])
        block = blocks.get((name,))
        if block is None:
            return np.zeros(shape)
        block = np.asarray(block, dtype=np.float64)
        if cotangent is None:
            return block.reshape(shape)
        return np.tensordot(cotangent, block, axes=out.ndim).reshape(shape)

    mismatches, checked = [], 0
    for name in wrt:
        if name not in inputs:
            continue
        x = np.asarray(inputs[name], dtype=np.float64)
        rev = np.broadcast_to(np.asarray(reverse[name], dtype=np.float64), x.shape)
        fwd = forward_of(name)
        for index in np.ndindex(x.shape):
            xi = float(x[index])
            h = STEP * max(1.0, abs(xi))
            values = []
            for sign in (1.0, -1.0):
                moved = x.copy()
                moved[index] = xi + sign * h
                label = f"{name}[{', '.join(map(str, index))}]" if index else name
                stage[0] = f"finite differences ({label} {'+' if sign > 0 else '-'} {h:.3g})"
                value = moved if x.ndim else float(moved)
                output = program.run({**at, name: value}, deadline.next_run(), print_fn=discard).output
                values.append((float(moved[index]), scalar(output, "the output")))
            (x_plus, f_plus), (x_minus, f_minus) = values
            fd = (f_plus - f_minus) / (x_plus - x_minus)      # the step actually taken, after rounding
            r, w = float(rev[index]), float(fwd[index])
            tolerance = atol + rtol * abs(fd)
            checked += 1
            reason = _not_checkable(r, fd, w, f_plus, f_minus)
            if reason is not None or not (_close(r, fd, atol, rtol) and _close(r, w, atol, rtol)):
                mismatches.append(Mismatch(name, tuple(int(i) for i in index), r, fd, w, abs(r - fd),
                                           abs(r - w), tolerance, reason))
    return mismatches, checked


def _close(value: float, reference: float, atol: float, rtol: float) -> bool:
    return abs(value - reference) <= atol + rtol * abs(reference)


def _not_checkable(reverse: float, fd: float, forward: float, f_plus: float, f_minus: float) -> Optional[str]:
    """Why a derivative element cannot be checked, or None. A comparison over non-finite values
    proves nothing: a NaN output makes every method's derivative NaN, so a wrong rule would
    "agree" (nan == nan); such an element fails, with this reason, and never passes."""
    if not (math.isfinite(f_plus) and math.isfinite(f_minus)):
        return "the output is not finite near the point, so finite differences cannot check the derivative"
    names = [label for label, v in (("reverse", reverse), ("finite difference", fd), ("forward", forward))
             if not math.isfinite(v)]
    if names:
        return f"not finite ({', '.join(names)}): a gradcheck compares finite values only"
    return None
