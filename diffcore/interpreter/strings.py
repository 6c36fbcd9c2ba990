"""Strings, which are for messages: `a + b` joins two, `format % values` fills a format.

A value in a format is shown the way `print` shows it (`%s`, `%r`), or converted as a
number (`%d %f %g %e %x ...`), never as Python would show its own objects. No string
grows past MAX_STRING_LENGTH characters: a width or a precision is checked before
Python pads anything (`'%3000000000s' % 'a'` would otherwise take 3 GB), and so is the
length of every result. Strings are not differentiated: a value filled into one is read
through every trace.
"""
from __future__ import annotations

import math
import re
from typing import Any, Optional

from ..engine.errors import LimitExceeded, ValueTypeError
from ..engine.tracing import strip

# The longest string a program may make (README, "Limits"): a message, not a data structure.
MAX_STRING_LENGTH = 1_000_000

# One conversion: %%, or %[(key)][flags][width][.precision][length modifier]type.
_CONVERSION = re.compile(r"%(?:(%)|(\([^)]*\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?[hlL]?(.?))", re.S)
_NUMBER_TYPES = "diouxXeEfFgGc"
_WHOLE_NUMBER_TYPES = "ouxXc"


def string_operation(op: str, left: Any, right: Any) -> Optional[str]:
    """The result of `left op right` when it is an operation on strings, else None."""
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        check_length(len(left) + len(right), "joining two strings")
        return left + right
    if op == "%" and isinstance(left, str):
        return format_string(left, right)
    return None


def check_length(length: int, what: str) -> None:
    if length > MAX_STRING_LENGTH:
        raise LimitExceeded(f"{what} would make a string of {length:,} characters (the limit is "
                            f"{MAX_STRING_LENGTH:,})", hint="strings are for messages; print arrays instead",
                            limit="string length")


def format_string(template: str, values: Any) -> str:
    """`template % values`, with each value shown as print shows it or converted as a number."""
    values = strip(values)
    items = list(values) if isinstance(values, tuple) else [values]
    parts: list[str] = []
    length = 0
    position = 0
    used = 0

    def next_value() -> Any:
        nonlocal used
        if used >= len(items):
            raise ValueTypeError(f"the format has more conversions than the {len(items)} value"
                                 f"{'' if len(items) == 1 else 's'} given",
                                 hint="give one value per % conversion, as a tuple: '%g and %g' % (a, b)")
        used += 1
        return items[used - 1]

    for match in _CONVERSION.finditer(template):
        parts.append(template[position:match.start()])
        length += match.start() - position
        position = match.end()
        literal, key, flags, width, precision, kind = match.groups()
        if literal:
            parts.append("%")
            length += 1
            continue
        if key is not None:
            raise ValueTypeError(f"a format with a name ({key}) needs a mapping, and the language has none",
                                 hint="use positional conversions: '%g' % x")
        if not kind or kind not in _NUMBER_TYPES + "rsa":
            raise ValueTypeError(f"the format has an unknown conversion '%{kind}'" if kind else
                                 "the format ends with a lone %",
                                 hint="conversions are %s %r %d %f %g %e %x ...; write %% for a percent sign")
        width = _size(next_value(), "width", True) if width == "*" else _size(width, "width")
        precision = _size(next_value(), "precision", True) if precision == "*" else _size(precision, "precision")
        text = _convert(next_value(), kind, flags, width, precision)
        length += len(text)
        check_length(length, "the format")
        parts.append(text)
    if used < len(items):
        raise ValueTypeError(f"the format has {used} conversion{'' if used == 1 else 's'} for {len(items)} values",
                             hint="give one value per % conversion")
    parts.append(template[position:])
    length += len(template) - position
    check_length(length, "the format")
    return "".join(parts)


def _size(value: Any, what: str, star: bool = False) -> Optional[int]:
    """A width or a precision (the format's digits, or a value for '*'), checked before anything is padded."""
    if value is None:
        return None
    if not star:
        number = int(value or 0)                # (".": precision 0)
    else:
        from ..engine.kinds import to_int
        number = abs(to_int(value, f"a {what}"))
    check_length(number, f"a {what} of {number:,}")
    return number


def _convert(value: Any, kind: str, flags: str, width: Optional[int], precision: Optional[int]) -> str:
    spec = "%" + flags + ("" if width is None else str(width)) + ("" if precision is None else f".{precision}")
    value = strip(value)
    if kind in "rsa":
        from .display import format_value
        return (spec + "s") % (value if isinstance(value, str) else format_value(value),)
    number = _as_number(value, kind)
    if kind in "di" and not math.isfinite(number):
        raise ValueTypeError(f"%{kind} needs a finite number, not {number}", hint="use %g, which shows inf and nan")
    if kind in _WHOLE_NUMBER_TYPES:
        if not (math.isfinite(number) and number.is_integer()):
            raise ValueTypeError(f"%{kind} needs a whole number, not {number:g}",
                                 hint="round it first (round, floor), or show it with %g")
        return (spec + kind) % (int(number),)
    return (spec + kind) % (number,)


def _as_number(value: Any, kind: str) -> float:
    from ..engine.kinds import is_numeric, type_name
    from ..engine.numeric import ndarray
    if isinstance(value, ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if not is_numeric(value) or isinstance(value, ndarray):
        raise ValueTypeError(f"%{kind} needs a number, not {type_name(value)}",
                             hint="%s shows any value the way print does")
    return float(value)
