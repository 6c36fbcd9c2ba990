"""Tables for Jupyter: rows of cells as HTML and as Markdown, values written as the language
shows them (diffcore/interpreter/display.py), text escaped."""
from __future__ import annotations

import html
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from autodiff.diffcore.interpreter.display import format_value

# The most rows a table shows in a notebook; the rest are counted in a last row.
MAX_ROWS = 200


def cell(value: Any, precision: int = 6) -> str:
    """A value as the language shows it (arrays summarised past 100 elements)."""
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return format_value(value, precision)


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]], caption: Optional[str] = None,
               notes: Sequence[str] = ()) -> str:
    """An HTML table; a row that is a plain string is a note spanning every column."""
    parts = ['<table class="autodiff">']
    if caption:
        parts.append(f"<caption>{html.escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead><tbody>")
    shown = 0
    for row in rows:
        if shown == MAX_ROWS:
            parts.append(f'<tr><td colspan="{len(header)}">… more rows not shown</td></tr>')
            break
        shown += 1
        if isinstance(row, str):
            parts.append(f'<tr><td colspan="{len(header)}"><em>{html.escape(row)}</em></td></tr>')
            continue
        parts.append("<tr>" + "".join(f'<td style="text-align:left"><pre style="margin:0">{html.escape(cell(c))}'
                                      f"</pre></td>" for c in row) + "</tr>")
    parts.append("</tbody></table>")
    parts += [f"<p>{html.escape(note)}</p>" for note in notes]
    return "".join(parts)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[Any]], notes: Sequence[str] = ()) -> str:
    """A Markdown table; a row that is a plain string is a note line after it."""
    def escaped(value: Any) -> str:
        return cell(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    after = list(notes)
    for row in rows:
        if isinstance(row, str):
            after.append(row)
            continue
        if len(lines) - 2 == MAX_ROWS:
            after.append("… more rows not shown")
            break
        lines.append("| " + " | ".join(escaped(c) for c in row) + " |")
    return "\n".join(lines + ([""] + [f"*{note}*" for note in after] if after else []))
