"""Showing results: JSON for scripts, plain text for pipes, rich tables for people.

All three are built from one neutral description of a result (`Report`), so
they always say the same thing. rich is imported only when a terminal will
show its output, which keeps start-up fast for scripts.
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from autodiff.diffcore.display import format_number, format_value


@dataclass
class Row:
    section: str            # 'input', 'output', 'gradient', 'jacobian', 'vjp', ...
    label: str              # 'a', 'e', 'de/da', 'dy[0]/dx'
    value: Any


@dataclass
class Report:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def terminal() -> bool:
    """Whether to draw rich tables: stdout is a terminal, and colour and layout are wanted."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb" and not os.environ.get("NO_COLOR")


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
    return json.dumps(to_json(document), allow_nan=False)


# ------------------------------------------------------------- plain text

# Arrays over SUMMARY_THRESHOLD elements are summarised (first and last items) unless --full.
SUMMARY_THRESHOLD = 1000
SHOW_IN_FULL = [False]


def format_array(value: Any, precision: int, indent: str = "") -> str:
    if not isinstance(value, np.ndarray):
        if isinstance(value, (bool, int, float, np.number, np.bool_)):
            return format_number(value, precision)
        return format_value(value, precision)        # a tuple, a string, a function
    full = SHOW_IN_FULL[0]
    text = np.array2string(value, separator=", ", threshold=sys.maxsize if full else SUMMARY_THRESHOLD,
                           max_line_width=100, formatter={"float_kind": lambda v: format_number(v, precision)})
    if value.size > SUMMARY_THRESHOLD and not full:
        text += f"  ({value.size:,} elements, shape {value.shape}; --full prints them all)"
    return text.replace("\n", "\n" + indent)


def plain_text(report: Report, precision: int) -> str:
    lines = []
    for row in report.rows:
        if row.section == "input":
            continue
        value = format_array(row.value, precision, indent=" " * (len(row.label) + 3))
        lines.append(f"{row.label} = {value}")
    lines += [f"# {note}" for note in report.notes]
    return "\n".join(lines)


# --------------------------------------------------------------------- rich

def rich_table(report: Report, precision: int):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=report.title, box=box.ROUNDED, show_header=True, header_style="bold")
    table.add_column("", style="dim")
    table.add_column("name", style="bold cyan")
    table.add_column("value", justify="left")
    previous: Optional[str] = None
    for row in report.rows:
        if previous is not None and row.section != previous:
            table.add_section()
        section = row.section if row.section != previous else ""
        table.add_row(section, row.label, Text(format_array(row.value, precision)))
        previous = row.section
    return table


def show(report: Report, precision: int, stream, terminal: bool) -> None:
    if not terminal:
        print(plain_text(report, precision), file=stream)
        return
    from rich.console import Console
    console = Console(file=stream, highlight=False)
    console.print(rich_table(report, precision))
    for note in report.notes:
        console.print(f"[dim]{note}[/dim]")
