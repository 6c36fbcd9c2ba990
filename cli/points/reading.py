"""Many points: `--points FILE` on eval, grad, jvp and hessian.

Points come as CSV (a header naming the inputs; an array input is a JSON
array in its cell, or spread over flattened columns `x[0], x[1]` or
`A[0,1]`) or as JSON Lines (one object of inputs per line). The program is
parsed and compiled once; each point's result is written as soon as it is
computed, as JSON Lines or CSV. A bad line is reported with its line number
and either skipped or ends the run (--on-error); the exit code is 1 if any
point failed.

This module reads points and writes results; run.py runs a command's points (on this
machine, or on a Dask cluster: cluster/points.py), computing them with outcomes.py.
"""
from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import math
import re
import sys
from typing import Any, BinaryIO, Iterator, NamedTuple, Optional, TextIO

import click
import numpy as np

from .blockwrite import Rows
from .columns import csv_blocks
from .plaincsv import HeldLines, plain_row_reader

_FLAT_COLUMN = re.compile(r"^\s*([A-Za-z_]\w*)\s*\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]\s*$")


# Points per block when many are computed at once (diffcore/blocks.py). A program whose points
# split (by trip count, by branch) runs about once per group whatever the block's size, so
# larger blocks run it fewer times per point: the seed program's 10^6 points took 7.2 s of CPU
# in blocks of 8,192, 5.4 s in 16,384, 4.6 s in 32,768 (4.5 s in 65,536), for a peak of 55,
# 70, 94 (137) MiB in one process; a program that never splits gains nothing.
BLOCK_POINTS = 32768


class PointError(Exception):
    """A line of the points file that cannot be read as input values."""


class Point(NamedTuple):         # a tuple: cheap to hand to a worker process
    line: int
    values: Optional[dict]          # None when the line could not be read
    error: Optional[str] = None


# ------------------------------------------------------------------- reading

# A line of a points file holds at most this many bytes, so that memory stays bounded whatever
# the file is. A longer line is an error, and the file is read no further: where it ends may be
# arbitrarily far (a file of /dev/zero has no line end at all).
MAX_LINE_BYTES = 10_000_000
# Arrays in a point nest at most this deep (numpy's own limit is 64 dimensions).
MAX_NESTING = 32
_INFINITIES = ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")


class LineTooLong(Exception):
    """A line of the points file over MAX_LINE_BYTES: its number."""


def open_points(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except IsADirectoryError:
        raise click.UsageError(f"--points {path}: a directory, not a file") from None
    except OSError as exc:
        raise click.UsageError(f"--points {path}: {exc.strerror or exc}") from None


class Lines:
    """The lines of a points file as text, each read to at most MAX_LINE_BYTES and decoded on its
    own, so that a line that is not UTF-8 is an error of that line only.

    Iterating raises UnicodeDecodeError for a line that is not UTF-8 (iteration may go on), and
    LineTooLong for a line over the limit, which ends the lines. `number` is the line last read.
    """

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.number = 0
        self._peeked: Optional[bytes] = None
        self._ended = False

    def __iter__(self):
        return self

    def _read(self) -> bytes:
        if self._ended:
            return b""
        line = self.stream.readline(MAX_LINE_BYTES + 1)
        if self.number == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]                 # a byte-order mark
        return line

    def peek(self) -> bytes:
        """The next line, raw, without consuming it (for sniffing the format)."""
        if self._peeked is None:
            self._peeked = self._read()
        return self._peeked

    def __next__(self) -> str:
        if self._peeked is not None:
            line, self._peeked = self._peeked, None
        else:
            line = self._read()
        if not line:
            raise StopIteration
        self.number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            self._ended = True
            raise LineTooLong(self.number)
        return line.decode("utf-8")


def _line_problem(exc: BaseException) -> str:
    """What is wrong with a line that could not be read, for its error report."""
    if isinstance(exc, LineTooLong):
        return f"the line is longer than {MAX_LINE_BYTES:,} bytes (the file is read no further)"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at column {exc.start + 1})"
    return str(exc)


def read_points(stream: BinaryIO, path: str, fmt: str) -> Iterator[Point]:
    lines = Lines(stream)
    return _read_jsonl(lines) if points_format(lines, path, fmt) == "jsonl" else _read_csv(lines)


def points_format(lines: Lines, path: str, fmt: str) -> str:
    """"csv" or "jsonl": --points-format, or for auto the file's name, then its first line."""
    if fmt == "auto":
        lowered = path.lower()
        if lowered.endswith(".csv"):
            fmt = "csv"
        elif lowered.endswith((".jsonl", ".ndjson", ".json")):
            fmt = "jsonl"
        else:
            fmt = "jsonl" if lines.peek().lstrip().startswith(b"{") else "csv"
    return fmt


def _float(text: str) -> float:
    """A number as written (in JSON or CSV); one beyond float64's range is an error, not an infinity."""
    value = float(text)
    if value - value != 0.0 and value == value and text.strip().lower() not in _INFINITIES:
        text = text.strip()
        shown = text if len(text) <= 40 else f"{text[:20]}...{text[-10:]} ({len(text)} characters)"
        raise PointError(f"the number {shown} is beyond the range of float64 (write inf for an infinity)")
    return value


@functools.cache
def _decoder() -> json.JSONDecoder:
    """A JSON decoder whose numbers are all float64: an integer of 400 digits must not become a
    Python int that no float holds."""
    return json.JSONDecoder(parse_float=_float, parse_int=_float)


def _number(value: Any, where: str, depth: int = 0) -> Any:
    """A JSON value as an input value: numbers, nested lists, and "nan"/"inf"/"-inf" strings."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        return float(value.strip().lower().replace("infinity", "inf"))
    if isinstance(value, list):
        if depth >= MAX_NESTING:
            raise PointError(f"{where}: arrays nested more than {MAX_NESTING} levels deep")
        try:
            array = np.array([_number(v, where, depth + 1) for v in value], dtype=np.float64)
        except ValueError:
            raise PointError(f"{where}: the rows of an array must have the same length") from None
        return array
    raise PointError(f"{where}: expected a number or a list of numbers, got {json.dumps(value)[:40]}")


def _json(text: str) -> Any:
    """json.loads with every number a float64. Raises json.JSONDecodeError for text that is not
    JSON, and PointError for a number beyond float64 or nesting deeper than Python recurses."""
    try:
        return _decoder().decode(text)
    except RecursionError:
        raise PointError("arrays nested too deeply") from None


def _read_jsonl(lines: Lines) -> Iterator[Point]:
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except (LineTooLong, UnicodeDecodeError) as exc:
            yield Point(lines.number, None, _line_problem(exc))
            continue
        if not line.strip():
            continue
        try:
            record = _json(line)
            if not isinstance(record, dict):
                raise PointError("expected a JSON object of input values, e.g. {\"x\": 1.5}")
            yield Point(lines.number, {str(k): _number(v, f"input '{k}'") for k, v in record.items()})
        except json.JSONDecodeError as exc:
            yield Point(lines.number, None, f"not valid JSON: {exc.msg} (column {exc.colno})")
        except PointError as exc:
            yield Point(lines.number, None, str(exc))


def _cell(text: str, column: str) -> Any:
    text = text.strip()
    if not text:
        raise PointError(f"no value for '{column}'")
    if text.startswith("["):
        try:
            value = _json(text)
        except json.JSONDecodeError:
            raise PointError(f"column '{column}': not a JSON array: {text[:40]}") from None
        except PointError as exc:
            raise PointError(f"column '{column}': {exc}") from None
        return _number(value, f"column '{column}'")
    try:
        return _float(text)
    except ValueError:
        raise PointError(f"column '{column}': not a number: {text[:40]!r}") from None
    except PointError as exc:
        raise PointError(f"column '{column}': {exc}") from None


def _csv_problem(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (f"a cell holds more than {csv.field_size_limit():,} characters, the most a CSV cell may "
                "(write large arrays as JSON Lines, or as flattened columns x[0], x[1], ...)")
    return f"not valid CSV: {exc}"


def _read_csv(lines: Lines) -> Iterator[Point]:
    """The points of a CSV file. A line of plain numbers (as many as the header has columns, all
    finite) is read by splitting it at its commas; any other line goes through the csv module
    and _assemble, which give every other value and error."""
    source = HeldLines(lines)
    reader = csv.reader(source)
    header = fast = None
    while True:
        try:
            if fast is not None:
                text = next(lines)
                values = fast(text)
                if values is not None:
                    yield Point(lines.number, values)
                    continue
                source.held = text
            row = next(reader)
        except StopIteration:
            return
        except (LineTooLong, UnicodeDecodeError, csv.Error) as exc:
            # The reader starts its next record afresh after any of these.
            problem = _line_problem(exc) if not isinstance(exc, csv.Error) else _csv_problem(exc)
            if header is None:
                raise click.UsageError(f"--points: cannot read the header (line {lines.number}): "
                                       f"{problem}") from None
            yield Point(lines.number, None, problem)
            continue
        if not row or not "".join(row).strip():
            continue
        if header is None:
            header = [h.strip() for h in row]
            plan = _column_plan(header)
            fast = plain_row_reader(plan, header)
            continue
        line = lines.number
        if len(row) != len(header):
            yield Point(line, None, f"{len(row)} values for {len(header)} columns")
            continue
        try:
            yield Point(line, _assemble(plan, header, row))
        except PointError as exc:
            yield Point(line, None, str(exc))


def _column_plan(header: list) -> dict:
    """For each input name: None (one column holds it) or its flattened columns as [(index, column)]."""
    plan: dict[str, Optional[list]] = {}
    for column in header:
        match = _FLAT_COLUMN.match(column)
        if match:
            name, index = match.group(1), tuple(int(i) for i in match.group(2).split(","))
            if name in plan and plan[name] is None:
                raise click.UsageError(f"--points: input '{name}' has both a column and flattened columns")
            plan.setdefault(name, []).append((index, column))
        else:
            if not column.isidentifier():
                raise click.UsageError(f"--points: column {column!r} is not an input name (or name[i])")
            if column in plan:
                raise click.UsageError(f"--points: column '{column}' appears twice")
            plan[column] = None
    for name, columns in plan.items():
        if columns is not None and len({len(index) for index, _ in columns}) > 1:
            raise click.UsageError(f"--points: the flattened columns of '{name}' mix dimensions")
    return plan


def _assemble(plan: dict, header: list, row: list) -> dict:
    cells = dict(zip(header, row))
    values: dict[str, Any] = {}
    for name, columns in plan.items():
        if columns is None:
            values[name] = _cell(cells[name], name)
            continue
        shape = tuple(max(index[d] for index, _ in columns) + 1 for d in range(len(columns[0][0])))
        if len(columns) != math.prod(shape):
            raise PointError(f"the flattened columns of '{name}' do not cover shape {shape}")
        array = np.empty(shape)
        for index, column in columns:
            value = _cell(cells[column], column)
            if not isinstance(value, float):
                raise PointError(f"column '{column}' must hold one number")
            array[index] = value
        values[name] = array
    return values


# ------------------------------------------------------------------- writing

def flatten(name: str, value: Any) -> list[tuple[str, Any]]:
    """A value as (column, number) pairs: x, or x[0], x[1], or A[0,1]..."""
    if isinstance(value, dict):
        return [pair for key, v in value.items() for pair in flatten(f"{name}{key}", v)]
    array = np.asarray(value)
    if array.ndim == 0:
        return [(name, float(array))]
    return [(f"{name}[{','.join(str(i) for i in index)}]", float(array[index])) for index in np.ndindex(array.shape)]


class Output:
    """Where the results go: at once, point by point, when the points arrive live (from a pipe,
    or shown on a terminal); otherwise in blocks, whatever Python's own buffering (this keeps a
    write per point from becoming a system call per point under PYTHONUNBUFFERED).

    A block is measured in characters, not in writes (a worker's whole chunk of results is one
    write): it is written soon enough that a reader that has gone away (`| head -1`) is noticed
    within a block, which stops the run."""

    BLOCK = 1 << 16     # characters

    def __init__(self, stream: TextIO, live: bool):
        self.stream = stream
        self.live = live
        self.pending: list = []
        self.size = 0

    def write(self, text: str) -> None:
        if self.live:
            self.stream.write(text)
            self.stream.flush()
            return
        self.pending.append(text)
        self.size += len(text)
        if self.size >= self.BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            text = "".join(self.pending)
            self.pending.clear()
            self.size = 0
            self.stream.write(text)
        self.stream.flush()


class PointsProgress:
    """A progress bar on stderr for a long --points run whose results go to a file or a pipe:
    points done, their rate, and, for a regular file, the time left, measured by the bytes read
    of the file's size (counting its lines first would read a large file twice).

    Only for a person watching (as `check`'s bar: stderr a terminal, no NO_COLOR, TERM not dumb),
    and only when standard output is not that terminal (there, the results themselves show the
    progress) and the points are not typed on it. The bar is redrawn from this thread, at most ten
    times a second, never by a display thread of rich's: no thread is running when the points'
    worker processes are forked."""

    INTERVAL = 0.1          # seconds between redraws

    @staticmethod
    def wanted(path: str) -> bool:
        from ..streams import show_progress
        return (show_progress() and not sys.stdout.isatty()
                and not (path == "-" and sys.stdin.isatty()))

    def __init__(self, stream: BinaryIO):
        import os
        import stat
        import time

        from rich.console import Console
        from rich.progress import (BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)
        self.clock = time.monotonic
        self.stream = stream
        try:
            status = os.fstat(stream.fileno())
            size = status.st_size if stat.S_ISREG(status.st_mode) and status.st_size > 0 else None
        except (OSError, AttributeError, io.UnsupportedOperation):
            size = None
        self.start_offset = self._offset() or 0
        columns = [SpinnerColumn(), TextColumn("points")]
        if size is not None:
            columns += [BarColumn()]
        columns += [TextColumn("{task.fields[done]:,} done"), TextColumn("{task.fields[rate]}"),
                    TimeElapsedColumn()]
        if size is not None:
            columns += [TextColumn("eta"), TimeRemainingColumn()]
        self.bar = Progress(*columns, console=Console(file=sys.stderr), transient=True, auto_refresh=False,
                            redirect_stdout=False, redirect_stderr=True)
        total = size - self.start_offset if size is not None else None
        self.task = self.bar.add_task("points", total=total, done=0, rate="")
        self.done = 0
        self.began = self.clock()
        self.next_draw = 0.0

    def _offset(self) -> Optional[int]:
        try:
            return self.stream.tell()
        except (OSError, AttributeError, ValueError):
            return None

    def start(self) -> None:
        self.bar.start()
        self.draw()

    def advance(self, points: int) -> None:
        self.done += points
        if self.clock() >= self.next_draw:
            self.draw()

    def draw(self) -> None:
        now = self.clock()
        self.next_draw = now + self.INTERVAL
        elapsed = now - self.began
        rate = f"{self.done / elapsed:,.0f}/s" if elapsed > 0.05 and self.done else ""
        offset = self._offset()
        completed = None if offset is None else max(0, offset - self.start_offset)
        self.bar.update(self.task, completed=completed, done=self.done, rate=rate)
        self.bar.refresh()

    def stop(self) -> None:
        self.draw()
        self.bar.stop()


class CsvWriter:
    def __init__(self, stream: Output):
        self.stream = stream
        self.writer = csv.writer(stream, lineterminator="\n")
        self.header: Optional[list] = None

    def write(self, columns: Any) -> None:
        """One point's (column, number) pairs, or Rows of many points."""
        if columns.__class__ is Rows:
            self._check(columns.names)
            self.stream.write(columns.text)
            return
        names = [c for c, _ in columns]
        self._check(names)
        self.writer.writerow([v if v.__class__ is str else _csv_number(v) for _, v in columns])

    def _check(self, names: list) -> None:
        if self.header is None:
            self.header = names
            self.writer.writerow(names)
        elif names != self.header:
            raise PointError("this point's values have other shapes than the first point's, "
                             "so they do not fit the CSV columns (use --json-lines)")


def _csv_number(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def point_blocks(stream: BinaryIO, path: str, fmt: str) -> Iterator:
    """The points of a file in blocks of BLOCK_POINTS: a CSV file's read as columns where its
    lines are plain numbers (pointcolumns.py), else lists of Points."""
    if fmt == "csv" or (fmt == "auto" and path.lower().endswith(".csv")):
        return csv_blocks(stream, BLOCK_POINTS, read_points, _column_plan)
    points = read_points(stream, path, fmt)
    return iter(lambda: list(itertools.islice(points, BLOCK_POINTS)), [])


def _flat(outcomes: Iterator) -> Iterator:
    """Outcomes from blocks (a list each, or already one by one from workers), one by one; closing
    it closes `outcomes` (which stops the workers)."""
    try:
        for item in outcomes:
            if type(item) is list:
                yield from item
            else:
                yield item
    finally:
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()


def error_document(error, filename: str) -> dict:
    """A program error as a JSON-able dict: kind, message, and where it points, if anywhere."""
    document = {"kind": error.kind, "message": error.message}
    if error.span is not None:
        document.update(file=filename, line=error.span.line, col=error.span.col)
    if error.hint:
        document["hint"] = error.hint
    return document


def csv_columns(document: dict, derivative_keys: tuple, out: str) -> list:
    """The CSV columns of a result document: inputs, the output, then each derivative."""
    columns = [pair for name, value in document["inputs"].items() for pair in flatten(name, value)]
    columns += flatten(out, document["output"])
    for key in derivative_keys:
        if key in document:
            value = document[key]
            if key == "derivatives":        # grad --order N, hessian: order -> "x,y" -> block
                from autodiff.results import derivative_label
                for blocks in value.values():
                    for names, block in blocks.items():
                        columns += flatten(derivative_label(out, tuple(names.split(","))), block)
            elif isinstance(value, dict):
                for name, block in value.items():
                    columns += flatten(f"d{out}/d{name}", block)
            else:
                columns += flatten(f"{key}({out})", value)
    return columns
