"""How the language itself shows a value (print, assertion messages): plain, compact text."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine.tracing import strip


def format_number(x: float, precision: int = 6) -> str:
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    text = f"{x:.{precision}g}"
    # A float that rounds to a whole number keeps its point: -7.9999999 is "-8.0", not "-8".
    return text if "." in text or "e" in text else text + ".0"


def format_value(value: Any, precision: int = 6) -> str:
    value = strip(value)
    if isinstance(value, np.ndarray):
        if value.dtype == bool:
            return np.array2string(value, separator=", ").replace("True", "true").replace("False", "false")
        return np.array2string(value, separator=", ", precision=precision, threshold=100,
                               formatter={"float_kind": lambda v: format_number(v, precision)})
    if isinstance(value, tuple):
        return "(" + ", ".join(format_value(v, precision) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (float, int, bool, np.number, np.bool_)):
        return format_number(value, precision)
    if value is None:
        return "none"
    if isinstance(value, str):
        return value
    name = getattr(value, "name", None)
    if name is None or name.startswith("<"):        # a lambda, or something without a name
        return name or "<function>"
    return f"<function {name}>"
