"""Reading a CSV points file a block at a time, straight into column arrays (`--points`).

The block engine (diffcore/blocks.py) runs a block of points as columns; building a dict per
point from its line only to stack the dicts again costs more than computing many points. A
block of lines that are all plain numbers (digits, '.', 'e', signs; as many cells on every
line as the header has columns; no blank line; every number finite) is read at once: one
split of the block's bytes, `float` on each cell (the same function the line-by-line reader
uses, so the same values), one array. Any other block (a quote, a space, nan, a number beyond
float64, a JSON array, a blank line, a wrong count, bytes that are not such text) is read by
points.py's reader line by line, from the same bytes and with the same line numbers, so its
values and its errors are that reader's. A quote, or a line longer than a block may hold,
hands the rest of the file to that reader (a quoted cell may run over lines).
"""
from __future__ import annotations

import csv
import io
import itertools
from typing import BinaryIO, Callable, Iterator, NamedTuple, Optional

import numpy as np

from .blockwrite import _orjson

# The bytes of a plain line: anything else sends its block to the line-by-line reader.
_PLAIN = b"0123456789.eE+-,\r\n"
# Bytes read from the file at a time, and the longest piece of a line kept waiting for its end
# before the rest of the file goes to the line-by-line reader (which bounds a line itself).
_CHUNK = 1 << 20
_LONGEST = 1 << 22


class ColumnBlock(NamedTuple):
    """Points read as columns: their line numbers, and each input's values (points along the
    first axis), in the order the line-by-line reader gives the inputs."""
    lines: np.ndarray
    columns: dict


class _Replay:
    """A stream that gives `head` first, then what is left of `stream` (for Lines.readline)."""

    def __init__(self, head: bytes, stream: Optional[BinaryIO]):
        self.head, self.stream = io.BytesIO(head), stream

    def readline(self, limit: int = -1) -> bytes:
        line = self.head.readline(limit)
        if self.stream is None or line.endswith(b"\n") or 0 <= limit <= len(line):
            return line
        return line + self.stream.readline(limit - len(line) if limit >= 0 else -1)

    def tell(self) -> Optional[int]:
        return self.stream.tell() if self.stream is not None else None


class _Layout(NamedTuple):
    """Where each input's values are among a line's cells."""
    count: int              # cells per line
    parts: list             # (name, cell index) for a number, (name, [cell indices], shape) for an array


def _layout(header: list, plan: dict) -> Optional[_Layout]:
    """The layout of `plan` (points._column_plan) over `header`, or None when some input's
    flattened columns do not cover its array (each line's error is then the reader's)."""
    position = {column: k for k, column in enumerate(header)}
    parts = []
    for name, columns in plan.items():
        if columns is None:
            parts.append((name, position[name]))
            continue
        shape = tuple(max(index[d] for index, _ in columns) + 1 for d in range(len(columns[0][0])))
        at = dict(columns)
        if len(at) != len(columns) or sorted(at) != list(np.ndindex(shape)):
            return None
        parts.append((name, [position[at[index]] for index in np.ndindex(shape)], shape))
    return _Layout(len(header), parts)


def plain_block(data: bytes, layout: _Layout, fast: bool = True) -> Optional[dict]:
    """The columns of `data` (whole lines, each ending in a newline) when every line is plain
    numbers, else None. `fast`: parse with orjson where it can (_numbers)."""
    if data.translate(None, _PLAIN):
        return None
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")         # float() strips it: the same numbers
    if data.startswith(b"\n") or b"\n\n" in data:
        return None                 # a blank line: the reader skips it
    raw = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(raw == 10)
    lines, count = len(ends), layout.count
    if count == 1:
        if b"," in data:
            return None
    else:
        commas = np.flatnonzero(raw == 44)
        if len(commas) != lines * (count - 1):
            return None
        if (np.bincount(np.searchsorted(ends, commas), minlength=lines)[:lines] != count - 1).any():
            return None
    cells = data.replace(b"\n", b",")
    table = _numbers(cells, fast)
    if table is None or len(table) != lines * count:
        return None                 # "1e", "--1", "" ...: the reader's error, line by line
    table = table.reshape(lines, count)
    if not np.isfinite(table).all():
        return None                 # inf, nan, or beyond float64 (an error, line by line)
    columns = {}
    for part in layout.parts:
        if len(part) == 2:
            columns[part[0]] = np.ascontiguousarray(table[:, part[1]])
        else:
            name, at, shape = part
            columns[name] = np.ascontiguousarray(table[:, at]).reshape((lines,) + shape)
    return columns


def _numbers(cells: bytes, fast: bool) -> Optional[np.ndarray]:
    """The numbers of `cells` (each followed by a comma) as `float` reads each, or None when one
    is not a number. orjson reads them several times faster where the text is JSON's (a JSON
    number is a float() number, read to the same nearest float); "-0" is one exception (JSON's
    integer 0), so a block with it, and any text orjson refuses, goes through float()."""
    encoder = _orjson() if fast else None
    if encoder is not None and b"-0," not in cells:
        try:
            return np.array(encoder.loads(b"[" + cells[:-1] + b"]"), dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            pass
    split = cells.split(b",")
    split.pop()                     # after the last cell's comma
    try:
        return np.array(list(map(float, split)), dtype=np.float64)
    except ValueError:
        return None


def csv_blocks(stream: BinaryIO, size: int, read_points: Callable, column_plan: Callable) -> Iterator:
    """The points of a CSV file in blocks of at most `size`: a ColumnBlock for a block of plain
    lines, else the block's Points as `read_points` (points.py) gives them.

    `read_points(stream, path, fmt)` is the line-by-line reader; `column_plan(header)` gives the
    header's plan (or raises the usage error of a bad header)."""
    first = stream.readline(_LONGEST)
    text = first[3:] if first.startswith(b"\xef\xbb\xbf") else first
    if not first.endswith(b"\n") or b'"' in text or not text.strip() or b"\r" in text.rstrip(b"\r\n"):
        yield from _by_line(_Replay(first, stream), size, read_points)       # a header to read as CSV
        return
    try:
        header = [h.strip() for h in next(csv.reader([text.decode("utf-8")]))]
    except (UnicodeDecodeError, csv.Error, StopIteration):
        header = [""]
    if not "".join(header):         # a row of empty cells is skipped before the header: the reader's
        yield from _by_line(_Replay(first, stream), size, read_points)
        return
    layout = _layout(header, column_plan(header))
    if layout is None:
        yield from _by_line(_Replay(first, stream), size, read_points)
        return
    number = 1                      # the line last read
    rest = b""
    ended = False
    while True:
        have = rest.count(b"\n")
        while not ended and have < size:
            chunk = stream.read(_CHUNK)
            ended = not chunk
            rest += chunk
            have += chunk.count(b"\n")
            if len(rest) - rest.rfind(b"\n") > _LONGEST:
                break
        end = _end_of_lines(rest, size)
        if end == 0:
            if rest:                    # a last line without its end, or one too long for a block
                yield from _by_line(_Replay(first + rest, stream), size, read_points, number - 1)
            return
        data, rest = rest[:end], rest[end:]
        if b'"' in data:                # a quoted cell may run over lines: the reader reads on
            yield from _by_line(_Replay(first + data + rest, None if ended else stream), size,
                                read_points, number - 1)
            return
        lines = data.count(b"\n")
        columns = plain_block(data, layout)
        if columns is not None:
            yield ColumnBlock(np.arange(number + 1, number + 1 + lines), columns)
        else:
            yield list(_lines_of(read_points(io.BytesIO(first + data), "points.csv", "csv"), number - 1))
        number += lines


def _end_of_lines(data: bytes, size: int) -> int:
    """Where the first `size` whole lines of `data` end (0: not one whole line)."""
    if data.count(b"\n") <= size:
        return data.rfind(b"\n") + 1
    ends = np.flatnonzero(np.frombuffer(data, np.uint8) == 10)
    return int(ends[size - 1]) + 1


def _lines_of(points: Iterator, offset: int) -> Iterator:
    """Points read with the header as line 1, numbered as in the file (the header at line 1 + offset)."""
    for point in points:
        yield point._replace(line=point.line + offset) if offset else point


def _by_line(stream: _Replay, size: int, read_points: Callable, offset: int = 0) -> Iterator:
    points = _lines_of(read_points(stream, "points.csv", "csv"), offset)
    return iter(lambda: list(itertools.islice(points, size)), [])
