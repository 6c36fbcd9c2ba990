"""Showing results: JSON for scripts, plain text for pipes, rich tables for people.

All three are built from one neutral description of a result (`Report`), so
they always say the same thing. rich is imported only when a terminal will
show its output, which keeps start-up fast for scripts.
"""
from __future__ import annotations

import math
import sys
from typing import Any, Optional

import numpy as np

from autodiff.diffcore.interpreter.display import format_number, format_value

from .layout import SUMMARY_THRESHOLD, array_text, number_text


# Row and Report are plain classes with the behaviour of the dataclasses they were:
# `dataclasses` costs about a millisecond at every start (docs/performance.md, case 1).

class Row:
    def __init__(self, section: str, label: str, value: Any):
        self.section = section      # 'input', 'output', 'gradient', 'jacobian', 'vjp', ...
        self.label = label          # 'a', 'e', 'de/da', 'dy[0]/dx'
        self.value = value

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.section, self.label, self.value) == (other.section, other.label, other.value)

    def __repr__(self) -> str:
        return f"Row(section={self.section!r}, label={self.label!r}, value={self.value!r})"


class Report:
    def __init__(self, title: str, rows: Optional[list] = None, notes: Optional[list] = None):
        self.title = title
        self.rows: list[Row] = [] if rows is None else rows
        self.notes: list[str] = [] if notes is None else notes

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.title, self.rows, self.notes) == (other.title, other.rows, other.notes)

    def __repr__(self) -> str:
        return f"Report(title={self.title!r}, rows={self.rows!r}, notes={self.notes!r})"


def terminal() -> bool:
    """Whether to draw rich tables on stdout: a terminal, or FORCE_COLOR (report.terminal_layout).
    NO_COLOR keeps the tables and drops their colours (console)."""
    from .report import terminal_layout
    return terminal_layout(sys.stdout)


def console(stream=None, width: Optional[int] = None):
    """A rich Console for output laid out for a person: forced into a pipe by FORCE_COLOR, and
    without colours under NO_COLOR (bold and dim stay: they are not colours)."""
    from rich.console import Console

    from .report import terminal_layout, use_color
    stream = sys.stdout if stream is None else stream
    return Console(file=stream, highlight=False, width=width, force_terminal=terminal_layout(stream),
                   no_color=not use_color(stream))


def output_label(name: Optional[str]) -> str:
    return name or "f"


def input_rows(inputs: dict) -> list[Row]:
    return [Row("input", name, value) for name, value in inputs.items()]


def echo(text: str) -> None:
    """One line on stdout, flushed at once (as click.echo), so that a closed pipe shows up here."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


# ------------------------------------------------------------------- JSON

def to_json(value: Any) -> Any:
    """Numbers and arrays as JSON values; NaN and infinities as the strings "nan", "inf", "-inf"."""
    cls = value.__class__
    if cls is float:                # the common cases first, by class: --points calls this per point
        if value - value == 0.0:
            return value
        return "nan" if value != value else ("inf" if value > 0 else "-inf")
    if cls is str or value is None:
        return value
    if cls is dict:
        return {k if k.__class__ is str else str(k): to_json(v) for k, v in value.items()}
    if cls is int:
        return value
    if cls is list:
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if value is None or isinstance(value, str):
        return value
    return str(value)


def dumps(document: dict) -> str:
    """The document as one line of JSON, as json.dumps(to_json(document), allow_nan=False) writes it."""
    encode = _encoder[0] or _make_encoder()
    return encode(to_json(document))


_encoder: list = [None]


def _make_encoder():
    """json's C encoder, made once (json.dumps makes one per call: half its time on a small
    document, which --points writes per point); json.dumps itself where there is none."""
    import json
    from json import encoder as json_encoder
    make = getattr(json_encoder, "c_make_encoder", None)
    if make is None:
        _encoder[0] = lambda value: json.dumps(value, allow_nan=False)
    else:
        def refuse(value):
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
        c_encoder = make(None, refuse, json_encoder.encode_basestring_ascii, None, ": ", ", ",
                         False, False, False)
        _encoder[0] = lambda value: "".join(c_encoder(value, 0))
    return _encoder[0]


def dumps_single(document: dict) -> str:
    """The same text as `dumps`, without importing json: for `eval` and `grad`, which write one document.

    Importing json costs about 1.4 ms, 7% of what a command may add to `import numpy`
    (docs/performance.md, case 1). Its C encoder stays the one for many documents (--points).
    tests/test_cold_start.py compares the two.
    """
    return _encode(to_json(document))


def _encode(value: Any) -> str:
    # What to_json returns: dicts with str keys, lists, str, finite floats, int, bool, None.
    cls = value.__class__
    if cls is float:
        return float.__repr__(value)
    if cls is str:
        return _encode_string(value)
    if cls is dict:
        return "{" + ", ".join([_encode_string(k) + ": " + _encode(v) for k, v in value.items()]) + "}"
    if cls is list:
        try:
            return "[" + ", ".join(map(float.__repr__, value)) + "]"       # the common case: floats
        except TypeError:
            return "[" + ", ".join(map(_encode, value)) + "]"
    if cls is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    import json
    return json.dumps(value, allow_nan=False)


def _encode_string(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return '"' + text + '"'             # nothing to escape
    import json
    return json.dumps(text)


# ------------------------------------------------------------- plain text

def format_array(value: Any, precision: int, indent: str = "", width: Optional[int] = None,
                 full: bool = False) -> str:
    """A value as text (layout.py): an array as an aligned block within `width` columns
    (None: a pipe's plain text), continuation lines indented by `indent`. Arrays over
    SUMMARY_THRESHOLD elements are summarised unless `full` (--full)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, np.ndarray):
        if isinstance(value, (bool, np.bool_)):
            return format_number(value, precision)
        if isinstance(value, (int, float, np.number)):
            return number_text(value, precision)
        return format_value(value, precision)        # a tuple, a string, a function
    text = array_text(value, precision, width, full)
    if value.size > SUMMARY_THRESHOLD and not full:
        note = f"({value.size:,} elements, shape {value.shape}; --full prints them all)"
        if width is not None and len(note) > width:
            import textwrap
            note = textwrap.fill(note, width)
        text += "\n" + note
    return "\n".join([text.split("\n", 1)[0]] + [indent + line if line else line
                                                for line in text.split("\n")[1:]])


def plain_text(report: Report, precision: int, full: bool = False) -> str:
    lines = []
    for row in report.rows:
        if row.section == "input":
            continue
        indent = " " * (len(row.label) + 3)
        value = format_array(row.value, precision, indent=indent, full=full)
        lines.append(f"{row.label} = {value}")
    lines += [f"# {note}" for note in report.notes]
    return "\n".join(lines)


# --------------------------------------------------------------------- rich

# The columns a table takes beyond its cells: four borders and one space each side of three cells.
TABLE_FRAME = 4 + 3 * 2
# The narrowest value column worth laying arrays out for.
MIN_VALUE_WIDTH = 20


def value_width(report: Report, columns: int) -> int:
    """The width left for the value column of `rich_table` on a terminal of `columns`."""
    sections = max([len(row.section) for row in report.rows] + [0])
    labels = max([len(row.label) for row in report.rows] + [len("name")])
    return max(MIN_VALUE_WIDTH, columns - TABLE_FRAME - sections - labels)


def rich_table(report: Report, precision: int, width: Optional[int] = None, full: bool = False):
    """The report as a table; its values laid out to fit a value column `width` wide (the
    terminal's width less the other columns: a matrix never wraps inside its cell)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    # Every text from the user (the title is a file name) goes in as Text, never as a str that rich
    # would read as markup: a file named '[/b].expr' is a name, not a closing tag.
    table = Table(title=Text(report.title, style="table.title"), box=box.ROUNDED, show_header=True,
                  header_style="bold")
    table.add_column("", style="dim")
    table.add_column("name", style="bold cyan")
    table.add_column("value", justify="left", no_wrap=width is not None, overflow="ellipsis")
    previous: Optional[str] = None
    for row in report.rows:
        if previous is not None and row.section != previous:
            table.add_section()
        section = row.section if row.section != previous else ""
        table.add_row(Text(section), Text(row.label), Text(format_array(row.value, precision, width=width, full=full)))
        previous = row.section
    return table


def show(report: Report, output, stream, terminal: bool) -> None:
    """The report on `stream`: plain text, or (`terminal`) a rich table, paged when it is too
    tall for the terminal. `output`: the command's OutputSettings (config.py)."""
    if not terminal:
        print(plain_text(report, output.precision, output.full), file=stream)
        return
    from rich.text import Text
    out = console(stream)
    with out.capture() as captured:
        out.print(rich_table(report, output.precision, value_width(report, out.width), output.full))
        for note in report.notes:
            out.print(Text(note, style="dim"))
    from .pager import write_paged
    write_paged(captured.get(), stream, output.pager)
