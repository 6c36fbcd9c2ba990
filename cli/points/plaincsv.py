"""Reading a CSV line of plain numbers by splitting it at its commas (`--points`, points.py).

A line of finite numbers, as many as the header has columns, is by far the common case of a
points file: `str.split` and `float` read it several times faster than the csv module and
points._assemble. Any other line (quotes, empty cells, nan or inf, a number beyond float64, a
JSON array, another count of cells) is left to them, so values and errors stay theirs.
"""
from __future__ import annotations

from typing import Callable, Iterator, Optional

import numpy as np


class HeldLines:
    """The lines for the csv reader: first a line read but not taken (`held`), then the file's."""

    def __init__(self, lines: Iterator[str]):  # points.Lines
        self.lines = lines
        self.held: Optional[str] = None

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.held is not None:
            text, self.held = self.held, None
            return text
        return next(self.lines)


def _plain_numbers(text: str, count: int) -> Optional[list]:
    """The `count` finite numbers of a line split at its commas, or None (not such a line)."""
    cells = text.split(",")
    if len(cells) != count:
        return None
    try:
        numbers = list(map(float, cells))
    except ValueError:
        return None
    total = sum(numbers)            # not finite if any is not (or if they overflow: read exactly then)
    return numbers if total - total == 0.0 else None


def plain_row_reader(plan: dict, header: list) -> Optional[Callable[[str], Optional[dict]]]:
    """For the columns of `plan`: a function that reads a line of plain finite numbers (split at
    its commas) as the values _assemble gives, or None for any other line; None when some input
    is not simply its columns (flattened columns that do not cover an array, or not side by side
    in order)."""
    count = len(header)
    if all(columns is None for columns in plan.values()):
        names = list(header)
        if names != list(plan):
            return None

        def scalars(text: str) -> Optional[dict]:
            numbers = _plain_numbers(text, count)
            return None if numbers is None else dict(zip(names, numbers))
        return scalars
    position = {column: k for k, column in enumerate(header)}
    parts = []
    for name, columns in plan.items():
        if columns is None:
            parts.append((name, position[name], None, None))
            continue
        shape = tuple(max(index[d] for index, _ in columns) + 1 for d in range(len(columns[0][0])))
        order = sorted(columns)
        if [index for index, _ in order] != list(np.ndindex(shape)):
            return None
        at = [position[column] for _, column in order]
        if at != list(range(at[0], at[0] + len(at))):
            return None         # not its columns side by side, in order
        parts.append((name, None, slice(at[0], at[0] + len(at)), shape if len(shape) > 1 else None))

    def arrays(text: str) -> Optional[dict]:
        numbers = _plain_numbers(text, count)
        if numbers is None:
            return None
        return {name: numbers[at] if at is not None else np.array(numbers[take]) if shape is None
                else np.array(numbers[take]).reshape(shape) for name, at, take, shape in parts}
    return arrays
