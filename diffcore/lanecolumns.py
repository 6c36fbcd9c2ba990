"""Points as columns for the block runner (diffcore/blocks.py), and what it returns.

`Columns` hands a block of points to `run_block` as one array per input (read so by
cli/points/columns.py) rather than a dict per point; `BlockResults` is `run_block`'s list of
results with the blocks of lanes that made them, for a writer of all the lanes at once.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .program import as_input_value


def _lane(column: np.ndarray, i: int) -> Any:
    """Lane i of a column: a float, or an array of its own (as blocks.LaneResults gives it)."""
    return float(column[i]) if column.ndim == 1 else np.array(column[i])


class Columns:
    """Points given as columns (read a block at a time: cli/points/columns.py): `columns` maps each
    input name to its values, points along the first axis; `base` holds the values common to
    every point (given with --at). Indexing gives a point's dict, {**base, **its values}, as a
    point read alone gives it, built once on demand: a block computed in lanes never builds it,
    only the points computed alone do."""

    def __init__(self, columns: dict, base: dict):
        self.columns, self.base = columns, base
        self.size = len(next(iter(columns.values())))
        self._made: dict = {}

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> dict:
        at = self._made.get(i)
        if at is None:
            at = self._made[i] = {**self.base, **{k: _lane(v, i) for k, v in self.columns.items()}}
        return at

    def __iter__(self):
        return (self[i] for i in range(self.size))

    def stacked(self) -> dict:
        """The stacked inputs of all the points, in the order of a point's dict (as `stack` gives them)."""
        first = self[0]
        return {k: self.columns[k] if k in self.columns else
                np.repeat(np.asarray(as_input_value(v, k), np.float64)[None], self.size, axis=0)
                for k, v in first.items()}

    def part(self, lanes: list) -> "_Part":
        return _Part(self, lanes)


class _Part:
    """The points `lanes` of a Columns, as the sequence of their dicts (for Lanewise, which
    reads the first one and the count)."""

    def __init__(self, points: Columns, lanes: list):
        self.points, self.lanes = points, lanes

    def __len__(self) -> int:
        return len(self.lanes)

    def __getitem__(self, k: int) -> dict:
        return self.points[self.lanes[k]]


class BlockResults(list):
    """run_block's results, with `groups`: each LaneResults computed with the positions of its
    lanes among the results (lane k is results[lanes[k]], unless that point was computed
    alone), and `alone`: how many points were not computed in lanes. A writer of all the
    lanes at once (cli/points/blockwrite.py) reads these rather than every result."""

    def __init__(self, results: list):
        super().__init__(results)
        self.groups: list = []
        self.alone = 0
