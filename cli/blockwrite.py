"""Writing the results of a block of points computed in lanes (diffcore/blocks.py) all at once.

A point computed one at a time has its result rendered as a document (to_json, then json's
encoder); tens of thousands of points a second cannot each afford that. The lanes of a block
share everything but their numbers, so one document is rendered, with a distinct marker
number in place of each number that differs between lanes (LaneResults.pattern), and becomes
a template: each lane's line is the template filled with its numbers' text. The text is the
same, byte for byte, as the document's: json writes a finite float as its repr, and to_json
makes a non-finite one the string "nan", "inf" or "-inf"; a CSV cell is the number's repr,
or nan, inf, -inf (points.py, _csv_number). When the template cannot be made (a marker not
found exactly once, a warning), the caller renders the lanes one by one.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional

import numpy as np

from autodiff.diffcore.blocks import Lane, LaneResults, marker

_JSON_SPECIAL = {"nan": '"nan"', "inf": '"inf"', "-inf": '"-inf"'}
_CSV_SPECIAL = {"nan": "nan", "inf": "inf", "-inf": "-inf"}


class Rows(NamedTuple):
    """CSV rows of many points, written at once: their column names, text and line numbers."""
    names: list
    text: str
    lines: list


def number_texts(column: np.ndarray, special: dict) -> list:
    """Each number of a column as text: its repr if finite, else its entry in `special`."""
    values = column.tolist()
    if np.isfinite(column).all():
        return list(map(repr, values))
    return [repr(v) if v - v == 0.0 else special["nan" if v != v else ("inf" if v > 0 else "-inf")]
            for v in values]


def _template(text: str, keys: list) -> Optional[tuple]:
    """(a %-template of `text` with a %s where each key was, the keys' order in it), or None when
    a key does not appear exactly once."""
    places = []
    for k, key in enumerate(keys):
        at = text.find(key)
        if at < 0 or text.find(key, at + 1) >= 0:
            return None
        places.append((at, k))
    places.sort()
    pieces, start = [], 0
    for at, k in places:
        pieces.append(text[start:at].replace("%", "%%"))
        start = at + len(keys[k])
    pieces.append(text[start:].replace("%", "%%"))
    return "%s".join(pieces), [k for _, k in places]


def json_lines(block: LaneResults, lines: list, document: Callable[[Any], dict],
               dumps: Callable[[dict], str]) -> Optional[list]:
    """The JSON line of each lane of `block` (lane k is the point of line `lines[k]`), as
    dumps({"line": ..., **document(result)}) + "\\n" writes it; None if they cannot be made at once."""
    result, slots = block.pattern()
    doc = document(result)
    if doc.get("warnings"):
        return None
    line_marker = marker(len(slots))
    made = _template(dumps({"line": line_marker, **doc}) + "\n", [repr(m) for m, _ in slots] + [repr(line_marker)])
    if made is None:
        return None
    template, order = made
    texts = [number_texts(column, _JSON_SPECIAL) for _, column in slots] + [list(map(str, lines))]
    return [template % row for row in zip(*(texts[k] for k in order))]


def csv_rows(block: LaneResults, columns: Callable[[dict], list], document: Callable[[Any], dict]) -> Optional[tuple]:
    """(the CSV column names, the row of each lane of `block` as text), or None if they cannot be
    made at once. `columns(document)` gives a document's (name, number) columns."""
    result, slots = block.pattern()
    doc = document(result)
    if doc.get("warnings"):
        return None
    by_marker = {m: column for m, column in slots}
    pairs = columns(doc)
    if len({m for _, m in pairs if m in by_marker}) != len(slots):
        return None             # a number of the result that is not among the columns
    texts = []
    for _, value in pairs:
        column = by_marker.get(value)
        texts.append(number_texts(column, _CSV_SPECIAL) if column is not None
                     else number_texts(np.full(len(block), value), _CSV_SPECIAL))
    rows = [",".join(row) + "\n" for row in zip(*texts)]
    return [name for name, _ in pairs], rows


class LaneRun:
    """Consecutive points written from lanes (blockwrite.py), joined into one outcome of `out`:
    (None, True, their JSON lines) or (None, True, their CSV Rows)."""

    def __init__(self, out: list):
        self.out = out
        self.names: Optional[list] = None
        self.texts: list = []
        self.lines: list = []

    def add(self, names: Optional[list], text: str, line: int) -> None:
        if self.texts and names != self.names:
            self.end()
        self.names = names
        self.texts.append(text)
        self.lines.append(line)

    def end(self) -> None:
        if not self.texts:
            return
        text = "".join(self.texts)
        self.out.append((None, True, text if self.names is None else Rows(self.names, text, self.lines), ""))
        self.texts, self.lines = [], []


def lanes_written(results: list, lines: list, write: Callable) -> dict:
    """For each block of lanes among `results` (the points of `lines`), by id: what `write` makes
    of all its lanes at once, when it can."""
    blocks: dict = {}
    for result, line in zip(results, lines):
        if result.__class__ is Lane:
            held = blocks.get(id(result.block))
            if held is None:
                blocks[id(result.block)] = held = (result.block, [0] * len(result.block))
            held[1][result.index] = line
    written = {}
    for key, (block, block_lines) in blocks.items():
        made = write(block, block_lines)
        if made is not None:
            written[key] = made
    return written
