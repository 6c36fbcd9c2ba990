"""Points files cut into partitions that a cluster's workers read themselves (--scheduler).

The client only lists the files (a glob, in name order) and their sizes; everything that
reads the data runs on a worker:

    probe_file        a file's format and, for CSV, where its header ends (the header is
                      handed to every partition of the file)
    scan_partition    a byte range cut at line ends: its newlines (a cumulative sum gives each
                      partition's first line number), its first line over MAX_LINE_BYTES (the
                      file is read no further, as on one machine), and for CSV its first line
                      with an odd number of quotes (a quoted cell that goes on past its line)
    read_partition    the points of a partition, with their line numbers in the file

A CSV quoted cell spanning lines is refused before any point is computed: a cut at a line end
could fall inside it, and on one machine such a file is read as one point per record.
"""
from __future__ import annotations

import io
import os
from typing import Iterator, NamedTuple, Optional

import click

from .reading import MAX_LINE_BYTES, Lines, Point, _read_csv, _read_jsonl, points_format

# Bytes read at a time when scanning a partition: small enough that the offsets of its
# newlines (8 bytes each) stay a few megabytes.
SCAN_BYTES = 1 << 20
_GLOB_CHARACTERS = "*?["


def points_files(path: str) -> list:
    """The files of --points: the file itself, or those a glob matches, in name order (a file whose
    name holds glob characters is itself, when it exists). No match is a usage error (exit 2)."""
    if path == "-" or os.path.exists(path) or not any(c in path for c in _GLOB_CHARACTERS):
        return [path]
    import glob
    matched = sorted(glob.glob(path))
    if not matched:
        raise click.UsageError(f"--points {path}: no file matches")
    return matched


class Probe(NamedTuple):
    """A file's format ("csv" or "jsonl"), where its data begins (after a CSV header; the file's
    size when there is no header), the lines before that, or the error reading the header."""
    fmt: str
    data_start: int
    header_lines: int
    error: Optional[str] = None


def probe_file(path: str, fmt: str) -> Probe:
    from .plaincsv import HeldLines
    from .reading import LineTooLong, _column_plan, _csv_problem, _line_problem
    import csv
    with open(path, "rb") as stream:
        lines = Lines(stream)
        fmt = points_format(lines, path, fmt)
        if fmt == "jsonl":
            return Probe(fmt, 0, 0)
        reader = csv.reader(HeldLines(lines))
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return Probe(fmt, os.fstat(stream.fileno()).st_size, lines.number)
            except (LineTooLong, UnicodeDecodeError, csv.Error) as exc:
                problem = _line_problem(exc) if not isinstance(exc, csv.Error) else _csv_problem(exc)
                return Probe(fmt, 0, 0, f"--points: cannot read the header (line {lines.number}): {problem}")
            if row and "".join(row).strip():
                break
        try:
            _column_plan([h.strip() for h in row])
        except click.UsageError as exc:
            return Probe(fmt, 0, 0, exc.message)
        return Probe(fmt, stream.tell(), lines.number)


class Scan(NamedTuple):
    """A partition's bytes [begin, finish) (whole lines), its newlines, and the index in it of its
    first line over MAX_LINE_BYTES and of its first line with an odd number of quotes, or None."""
    begin: int
    finish: int
    newlines: int
    long_line: Optional[int]
    quote_line: Optional[int]


def _line_start(stream, offset: int, size: int) -> int:
    """The first line start at or after `offset`."""
    if offset <= 0:
        return 0
    stream.seek(offset - 1)
    position = offset - 1
    while position < size:
        chunk = stream.read(SCAN_BYTES)
        if not chunk:
            break
        at = chunk.find(b"\n")
        if at >= 0:
            return position + at + 1
        position += len(chunk)
    return size


def scan_partition(path: str, start: int, end: int, quotes: bool) -> Scan:
    """The partition of nominal bytes [start, end) of `path`: the lines that start in it."""
    import numpy as np
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        begin, finish = _line_start(stream, start, size), _line_start(stream, end, size)
        stream.seek(begin)
        newlines, line_start, carried = 0, begin, 0
        long_line = quote_line = None
        position = begin
        while position < finish:
            chunk = stream.read(min(SCAN_BYTES, finish - position))
            if not chunk:
                break
            data = np.frombuffer(chunk, np.uint8)
            ends = np.flatnonzero(data == 10) + position
            if long_line is None and len(ends):
                lengths = np.diff(ends, prepend=line_start - 1) - 1
                over = np.flatnonzero(lengths > MAX_LINE_BYTES)
                if len(over):
                    long_line = newlines + int(over[0])
            if quotes and quote_line is None and (carried or b'"' in chunk):
                # Quotes per line of this chunk; the line it began inside carries its count over.
                at = np.flatnonzero(data == 34) + position
                counts = np.bincount(np.searchsorted(ends, at), minlength=len(ends) + 1)
                counts[0] += carried
                odd = np.flatnonzero(counts[:len(ends)] % 2)
                if len(odd):
                    quote_line = newlines + int(odd[0])
                carried = int(counts[-1]) if len(ends) else int(counts[0])
            newlines += len(ends)
            if len(ends):
                line_start = int(ends[-1]) + 1
            position += len(chunk)
        if finish > line_start:         # the last line, without a newline (the file's end)
            if long_line is None and finish - line_start > MAX_LINE_BYTES:
                long_line = newlines
            if quote_line is None and carried % 2:
                quote_line = newlines
        return Scan(begin, finish, newlines, long_line, quote_line)


class Partition(NamedTuple):
    """What a worker reads: `path`'s bytes [begin, finish) (whole lines), whose first line is
    line `first_line` of the file, after the file's first `data_start` bytes (`header_lines`
    lines: a CSV header, read first by every partition but the first)."""
    path: str
    fmt: str
    begin: int
    finish: int
    first_line: int
    data_start: int
    header_lines: int


class _Ranges(io.RawIOBase):
    """The bytes of some ranges of a file, one after the other, as one stream."""

    def __init__(self, handle, ranges: list):
        self.handle = handle
        self.ranges = [r for r in ranges if r[1] > r[0]]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.ranges:
            start, end = self.ranges[0]
            if start >= end:
                self.ranges.pop(0)
                continue
            self.handle.seek(start)
            data = self.handle.read(min(len(buffer), end - start))
            if not data:
                self.ranges.clear()
                break
            buffer[:len(data)] = data
            self.ranges[0] = (start + len(data), end)
            return len(data)
        return 0


class _PartitionLines(Lines):
    """A partition's lines, numbered as in the whole file: the header's lines first, then the
    partition's, from `first_line` on."""

    def __init__(self, stream, header_lines: int, first_line: int):
        super().__init__(stream)
        self.header_lines, self.first_line, self._renumbered = header_lines, first_line, False

    def _read(self) -> bytes:
        if not self._renumbered and self.number == self.header_lines:
            self.number, self._renumbered = self.first_line - 1, True
        return super()._read()


def read_partition(part: Partition) -> Iterator[Point]:
    handle = open(part.path, "rb")
    if part.begin == 0:
        ranges, header_lines, first_line = [(0, max(part.finish, part.data_start))], 0, 1
    else:
        begin = max(part.begin, part.data_start)
        ranges = [(0, part.data_start), (begin, part.finish)]
        header_lines = part.header_lines
        first_line = part.first_line if begin == part.begin else part.header_lines + 1
    stream = io.BufferedReader(_Ranges(handle, ranges), 1 << 16)
    lines = _PartitionLines(stream, header_lines, first_line)
    try:
        yield from _read_jsonl(lines) if part.fmt == "jsonl" else _read_csv(lines)
    finally:
        handle.close()
