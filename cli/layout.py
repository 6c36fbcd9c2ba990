"""Numbers and arrays as text for people: the value column of the tables and the plain text.

Numbers (README, "Output"):
- every element of an array is shown with the same number of significant digits: as many
  as the element that needs the most, at most --precision (`[211.6, -8.000, -40.00]`);
- a float keeps a decimal point even where it rounds to an integer (`-8.0`, never `-8`);
- an array of whole numbers (below 10^15) is shown in full (`[1330.0, -480.0, 0.0]`);
- one notation for a whole array: scientific when an element needs it, as %g would.

Arrays are an aligned block: every element padded to the same width. Over 1000 elements
they are summarised (the first and last 3 along every axis, as numpy does). Given a width
(the table's value column on a terminal), a vector wraps onto aligned lines and a matrix
shows its first and last columns with `...` between, so that each row keeps one line;
`--full` shows every element instead, wrapping long rows.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

SUMMARY_THRESHOLD = 1000     # arrays over this many elements are summarised, unless --full
EDGE_ITEMS = 3               # ... by this many items at each end of every axis
PLAIN_WIDTH = 100            # where a vector wraps in plain text (pipes)


# ------------------------------------------------------------------ numbers

def _digits(x: float, precision: int) -> tuple:
    """(significant digits x needs once rounded to `precision`, its decimal exponent)."""
    text = f"{x:.{precision - 1}e}"
    mantissa, _, exponent = text.partition("e")
    digits = mantissa.lstrip("-").replace(".", "").rstrip("0")
    return max(1, len(digits)), int(exponent)


def _fixed(x: float, significant: int) -> str:
    if x == 0:
        return "0.0" if math.copysign(1, x) > 0 else "-0.0"         # zero has no significant digits
    exponent = int(f"{x:.{significant - 1}e}".partition("e")[2])      # after rounding: 9.99 -> 10
    text = f"{x:.{max(0, significant - 1 - exponent)}f}"
    return text if "." in text else text + ".0"


def _special(x: float) -> str:
    return "nan" if x != x else ("inf" if x > 0 else "-inf")


def number_texts(values: np.ndarray, precision: int) -> list:
    """The text of each element of a flat array, by the rules above."""
    if values.dtype == bool:
        return ["true" if v else "false" for v in values.tolist()]
    if np.issubdtype(values.dtype, np.integer):
        return [str(v) for v in values.tolist()]
    floats = values.astype(float).tolist()
    finite = [x for x in floats if math.isfinite(x)]
    if all(x == int(x) and abs(x) < 1e15 for x in finite):
        return [f"{x:.1f}" if math.isfinite(x) else _special(x) for x in floats]
    needs = [_digits(x, precision) for x in finite]
    significant = max(n for n, _ in needs)
    if any((e < -4 or e >= precision) for (_, e), x in zip(needs, finite) if x != 0):
        return [f"{x:.{significant - 1}e}" if math.isfinite(x) else _special(x) for x in floats]
    return [_fixed(x, significant) if math.isfinite(x) else _special(x) for x in floats]


def number_text(x, precision: int) -> str:
    return number_texts(np.asarray([x]), precision)[0]


# ------------------------------------------------------------------ arrays

def _kept(n: int, summarise: bool) -> Optional[list]:
    """The indices shown along an axis of length n, or None for all of them."""
    if not summarise or n <= 2 * EDGE_ITEMS:
        return None
    return list(range(EDGE_ITEMS)) + list(range(n - EDGE_ITEMS, n))


def array_text(value: np.ndarray, precision: int, width: Optional[int] = None, full: bool = False) -> str:
    """The array as an aligned block; `width`: the columns it may take (None in a pipe)."""
    if value.size == 0:
        return np.array2string(value, separator=", ")
    summarise = value.size > SUMMARY_THRESHOLD and not full
    kept = [_kept(n, summarise) for n in value.shape]
    shown = value
    for axis, indices in enumerate(kept):
        if indices is not None:
            shown = np.take(shown, indices, axis=axis)
    texts = np.array(number_texts(shown.reshape(-1), precision), dtype=object).reshape(shown.shape)
    item = max(len(t) for t in texts.reshape(-1))
    ndim = value.ndim
    # A gap along an axis ("...") sits after its first EDGE_ITEMS items.
    gaps = [EDGE_ITEMS if indices is not None else None for indices in kept]
    if ndim == 1:
        items = list(texts)
        if gaps[0] is not None:
            items.insert(gaps[0], "...")
        limit = width if width is not None else PLAIN_WIDTH
        if len(", ".join(items)) + 2 <= limit:
            return "[" + ", ".join(items) + "]"           # one line: no padding needed
        return "\n".join(_wrapped([t.rjust(item) for t in items], limit, "[", "]", " "))
    columns = texts.shape[-1]
    # Each row is one line: "[[" + items + "]," at the widest. Columns that do not fit the
    # width are elided from the middle; --full (and a pipe) keeps them all.
    row_width = lambda n: 2 * ndim + 1 + n * (item + 2) - 2           # noqa: E731
    count = columns + (gaps[-1] is not None)
    wrap_rows = False
    if width is not None and row_width(count) > width:
        if full:
            wrap_rows = True
        else:
            keep = max(1, (max(0, (width - 2 * ndim - 1 + 2) // (item + 2)) - 1) // 2)
            if 2 * keep < columns:
                take = list(range(keep)) + list(range(columns - keep, columns))
                texts = np.take(texts, take, axis=-1)
                gaps[-1] = keep
    lines = _nested(texts, gaps, item, width if wrap_rows else None)
    return "\n".join(lines)


def _wrapped(items: list, width: int, opening: str, closing: str, indent: str) -> list:
    """Items joined by ', ' over lines of at most `width` columns (each line holds one at least)."""
    lines, line = [], opening
    for k, text in enumerate(items):
        piece = text + (", " if k < len(items) - 1 else closing)
        if len(line) + len(piece.rstrip()) > width and line.strip(opening + " "):
            lines.append(line.rstrip())
            line = indent
        line += piece
    lines.append(line)
    return lines


def _nested(texts: np.ndarray, gaps: list, item: int, wrap: Optional[int]) -> list:
    """Lines of a >= 2-D array of texts, numpy's layout: rows under each other, a blank line
    between blocks of higher dimension, "..." where a summarised axis has a gap."""
    if texts.ndim == 1:
        items = [t.rjust(item) for t in texts]
        if gaps[0] is not None:
            items.insert(gaps[0], "...")          # in the same place on every row
        if wrap is None:
            return ["[" + ", ".join(items) + "]"]
        return _wrapped(items, wrap, "[", "]", " ")
    blocks = [_nested(texts[i], gaps[1:], item, None if wrap is None else wrap - 1) for i in range(texts.shape[0])]
    if gaps[0] is not None:
        blocks.insert(gaps[0], ["..."])
    lines: list = []
    separator = [""] * (texts.ndim - 2)
    for k, block in enumerate(blocks):
        if k:
            lines[-1] += ","
            lines += separator
        lines += [(" " if (k or j) else "") + line for j, line in enumerate(block)]
    lines[0] = "[" + lines[0]
    lines[-1] += "]"
    return lines
