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

import functools
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


def number_texts(column: np.ndarray, special: dict, fast: bool = True) -> list:
    """Each number of a column as text: its repr if finite, else its entry in `special`.

    With `fast` and orjson installed, the numbers that repr writes without an exponent (zero,
    and 1e-4 <= |x| < 1e16: nearly all results) are written by orjson, about ten times faster
    than repr: both write the shortest digits that read back as the same float, and in that
    range orjson lays them out as repr does. Its text is checked for that layout (a '.' in
    every number, no exponent); anything else is written by repr.
    """
    column = np.ascontiguousarray(column, dtype=np.float64).reshape(-1)
    encoder = _orjson() if fast and len(column) >= 16 else None
    if encoder is None:
        return _repr_texts(column, special)
    magnitude = np.abs(column)
    plain = ((magnitude >= 1e-4) & (magnitude < 1e16)) | (column == 0.0)       # nan is not plain
    if plain.all():
        texts = _positional(encoder, column)
        return texts if texts is not None else _repr_texts(column, special)
    texts = _positional(encoder, column[plain])
    if texts is None:
        return _repr_texts(column, special)
    out = np.empty(len(column), dtype=object)
    out[plain] = texts
    out[~plain] = _repr_texts(column[~plain], special)
    return out.tolist()


def _repr_texts(column: np.ndarray, special: dict) -> list:
    values = column.tolist()
    if np.isfinite(column).all():
        return list(map(repr, values))
    return [repr(v) if v - v == 0.0 else special["nan" if v != v else ("inf" if v > 0 else "-inf")]
            for v in values]


@functools.cache
def _orjson() -> Any:
    """orjson, when installed (pyproject.toml lists it; without it repr writes every number)."""
    try:
        import orjson
    except ImportError:
        return None
    return orjson


def _positional(encoder: Any, column: np.ndarray) -> Optional[list]:
    """orjson's text of each number of `column` (all finite, none needing an exponent in repr),
    or None when some number is not laid out as repr lays it out."""
    if not len(column):
        return []
    text = encoder.dumps(column, option=encoder.OPT_SERIALIZE_NUMPY)
    if b"e" in text or text.count(b".") != len(column):
        return None
    return text[1:-1].decode("ascii").split(",")


def _pieces(text: str, keys: list) -> Optional[tuple]:
    """(the pieces of `text` between the keys, the keys' order in it), or None when a key does
    not appear exactly once."""
    places = []
    for k, key in enumerate(keys):
        at = text.find(key)
        if at < 0 or text.find(key, at + 1) >= 0:
            return None
        places.append((at, k))
    places.sort()
    pieces, start = [], 0
    for at, k in places:
        pieces.append(text[start:at])
        start = at + len(keys[k])
    pieces.append(text[start:])
    return pieces, [k for _, k in places]


def _template(text: str, keys: list) -> Optional[tuple]:
    """(a %-template of `text` with a %s where each key was, the keys' order in it), or None when
    a key does not appear exactly once."""
    made = _pieces(text, keys)
    if made is None:
        return None
    pieces, order = made
    return "%s".join(piece.replace("%", "%%") for piece in pieces), order


def _fill(pieces: list, texts: list, count: int) -> str:
    """`count` lines, line i being pieces[0] + texts[0][i] + pieces[1] + texts[1][i] + ...: one
    join over a list laid out by slice assignment (no Python step per line)."""
    stride = 2 * len(texts) + 1
    parts: list = [None] * (count * stride)
    parts[0::stride] = [pieces[0]] * count
    for j, column in enumerate(texts):
        parts[2 * j + 1::stride] = column
        parts[2 * j + 2::stride] = [pieces[j + 1]] * count
    return "".join(parts)


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

    def __init__(self, out: list, fill: Optional[Callable] = None):
        self.out = out
        self.names: Optional[list] = None
        self.texts: list = []
        self.lines: list = []
        self.fill = fill            # json_block's or csv_block's, for add_at
        self.start = self.stop = 0

    def add(self, names: Optional[list], text: str, line: int) -> None:
        if (self.texts and names != self.names) or self.stop > self.start:
            self.end()
        self.names = names
        self.texts.append(text)
        self.lines.append(line)

    def add_at(self, position: int) -> None:
        """The point at `position` of the block, written by `fill` (after the points before it)."""
        if self.texts or self.stop != position:
            self.end()
        if self.stop == self.start:
            self.start = position
        self.stop = position + 1

    def end(self) -> None:
        if self.stop > self.start:
            self.out.append((None, True, self.fill(self.start, self.stop), ""))
            self.start = self.stop = 0
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


# ------------------------------------------------ a whole block of points as one text

def lanes_only(results: list) -> bool:
    """Whether every one of a block's results (run_block's) is a lane."""
    alone = getattr(results, "alone", None)
    return alone == 0 if alone is not None else all(r.__class__ is Lane for r in results)


def _groups(results: list) -> list:
    """The blocks of lanes among `results`, each with the position in `results` of each of its
    lanes (the other results, errors and points computed alone, are left out; a position of a
    lane computed alone holds that point's position all the same)."""
    known = getattr(results, "groups", None)
    if known is not None:
        return [(block, np.asarray(lanes, np.int64)) for block, lanes in known]
    groups: dict = {}
    for position, result in enumerate(results):
        if result.__class__ is Lane:
            held = groups.get(id(result.block))
            if held is None:
                groups[id(result.block)] = held = (result.block, [], [])
            held[1].append(result.index)
            held[2].append(position)
    out = []
    for block, lanes, positions in groups.values():
        at = np.empty(len(block), np.int64)
        at[lanes] = positions
        out.append((block, at))
    return out


def _gathered(results: list, document: Callable[[Any], dict], shape_of: Callable) -> Optional[tuple]:
    """(the shape every block of lanes among `results` renders to, one column per slot of it
    with each lane's number at its point's position), or None when there is no block of lanes,
    a warning, or blocks of other shapes. `shape_of(document, slots)` gives the shape of a
    block's document whose numbers are LaneResults.pattern's markers, or None."""
    shape: Optional[tuple] = None
    columns: list = []
    for block, positions in _groups(results):
        result, slots = block.pattern()
        doc = document(result)
        if doc.get("warnings"):
            return None
        made = shape_of(doc, slots)
        if made is None or (shape is not None and made != shape):
            return None
        if shape is None:
            shape, columns = made, [np.zeros(len(results)) for _ in slots]
        for column, (_, values) in zip(columns, slots):
            column[positions] = values
    return None if shape is None else (shape, columns)


def json_block(results: list, lines: list, document: Callable[[Any], dict],
               dumps: Callable[[dict], str]) -> Optional[Callable[[int, int], str]]:
    """For the points of a block (results[k] is the point of line lines[k]): `fill(start, stop)`,
    the JSON lines of the points start..stop-1, all computed in lanes, as one text; None when
    the blocks of lanes (one per path through the program) do not all render to one template
    (the caller then writes each block of lanes on its own). The numbers of all the blocks of
    lanes are gathered into one column per place in the template, so that each place is
    formatted once for the whole block."""
    def shape_of(doc: dict, slots: list) -> Optional[tuple]:
        line_marker = marker(len(slots))
        return _pieces(dumps({"line": line_marker, **doc}) + "\n", [repr(m) for m, _ in slots] + [repr(line_marker)])
    gathered = _gathered(results, document, shape_of)
    if gathered is None:
        return None
    (pieces, order), columns = gathered
    texts = [number_texts(column, _JSON_SPECIAL) for column in columns] + [list(map(str, lines))]
    texts = [texts[k] for k in order]
    return lambda start, stop: _fill(pieces, [column[start:stop] for column in texts], stop - start)


def csv_block(results: list, lines: list, columns_of: Callable[[dict], list],
              document: Callable[[Any], dict]) -> Optional[Callable[[int, int], Rows]]:
    """As json_block, for CSV: `fill(start, stop)` gives the Rows of the points start..stop-1.
    `columns_of(document)` gives a document's (name, number) columns."""
    def shape_of(doc: dict, slots: list) -> Optional[tuple]:
        place = {m: k for k, (m, _) in enumerate(slots)}
        pairs = columns_of(doc)
        if len({m for _, m in pairs if m in place}) != len(slots):
            return None             # a number of the result that is not among the columns
        return [name for name, _ in pairs], tuple(
            place[value] if value in place else number_texts(np.array([value]), _CSV_SPECIAL, fast=False)[0]
            for _, value in pairs)
    gathered = _gathered(results, document, shape_of)
    if gathered is None:
        return None
    (names, cells), columns = gathered
    count = len(results)
    texts = [number_texts(columns[cell], _CSV_SPECIAL) if cell.__class__ is int else [cell] * count
             for cell in cells]
    pieces = [""] + [","] * (len(cells) - 1) + ["\n"]
    return lambda start, stop: Rows(names, _fill(pieces, [column[start:stop] for column in texts], stop - start),
                                    lines[start:stop])
